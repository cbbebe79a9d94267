import { Elysia, t } from "elysia";
import { isRefused } from "../../auth";
import { RegisterPage } from "../../views/pages/RegisterPage";
import type { AuthKit } from "../kit";
import { wordsFor } from "../messages";
import { goTo } from "../respond";

const title = "Create your account";
const kinds = { username: "username", password: "new password", confirm: "confirmation" } as const;

// Handlers name the fields they use: see GateContext in gates/context.ts for why.
export const registerRoutes = ({ gates, auth, paths, pages, clock }: AuthKit) =>
  new Elysia({ name: "register-routes", seed: gates.config.seed })
    .use(gates)
    .get(
      paths.register,
      ({ set, fragment, csrfToken }) =>
        pages.blankFormPage({ set, fragment, csrfToken }, title, (token) => (
          <RegisterPage paths={paths} csrfToken={token} />
        )),
      { anonymousOnly: true },
    )
    .post(
      paths.register,
      async ({ body, set, fragment, csrfToken, visit }) => {
        const form = { ...body, username: body.username.trim() };
        const result = await auth.register(form, visit.meta());
        if (isRefused(result)) {
          const errors = wordsFor(result, kinds, clock());
          const content = <RegisterPage paths={paths} csrfToken={csrfToken} username={form.username} errors={errors} />;
          return pages.page({ set, fragment, csrfToken }, title, content, 422);
        }
        visit.startSession(result.session);
        return goTo({ set, fragment }, paths.setup);
      },
      { anonymousOnly: true, body: t.Object({ username: t.String(), password: t.String(), confirm: t.String() }) },
    );
