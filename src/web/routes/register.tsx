import { Elysia, t } from "elysia";
import { isFailure } from "../../auth";
import { RegisterPage } from "../../views/pages/RegisterPage";
import type { AuthKit } from "../kit";
import { fieldsOf, wordsFor } from "../messages";
import { goTo } from "../respond";

const title = "Create your account";
const kinds = { username: "username", password: "new password", confirm: "confirmation" } as const;

// Handlers name the fields they use: see GateContext in gates/context.ts for why.
export const registerRoutes = ({ gates, auth, paths, pages, clock }: AuthKit) =>
  new Elysia({ name: "register-routes", seed: gates.config.seed })
    .use(gates)
    .get(
      paths.register,
      ({ visit }) => pages.blankFormPage(visit, title, (token) => <RegisterPage paths={paths} csrfToken={token} />),
      { anonymousOnly: true },
    )
    .post(
      paths.register,
      async ({ body, visit }) => {
        const form = { ...body, username: body.username.trim() };
        const result = await auth.register(form, visit.meta());
        if (isFailure(result)) {
          const errors = wordsFor(result, kinds, clock(), fieldsOf.registration);
          const content = (
            <RegisterPage paths={paths} csrfToken={visit.csrfToken} username={form.username} errors={errors} />
          );
          return pages.page(visit, title, content, 422);
        }
        visit.startSession(result.session);
        return goTo(visit, paths.setup);
      },
      { anonymousOnly: true, body: t.Object({ username: t.String(), password: t.String(), confirm: t.String() }) },
    );
