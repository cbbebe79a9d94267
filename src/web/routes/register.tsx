import { Elysia, t } from "elysia";
import { isRefused } from "../../auth";
import { RegisterPage } from "../../views/pages/RegisterPage";
import type { AuthKit } from "../kit";
import { wordsFor } from "../messages";
import { goTo } from "../respond";

const title = "Create your account";
const kinds = { username: "username", password: "new password", confirm: "confirmation" } as const;

export const registerRoutes = ({ gates, auth, paths, pages, clock }: AuthKit) =>
  new Elysia({ name: "register-routes", seed: gates.config.seed })
    .use(gates)
    .get(
      paths.register,
      (ctx) => pages.blankFormPage(ctx, title, (csrfToken) => <RegisterPage paths={paths} csrfToken={csrfToken} />),
      { anonymousOnly: true },
    )
    .post(
      paths.register,
      async (ctx) => {
        const form = { ...ctx.body, username: ctx.body.username.trim() };
        const result = await auth.register(form, ctx.meta());
        if (isRefused(result)) {
          const errors = wordsFor(result, kinds, clock());
          const content = (
            <RegisterPage paths={paths} csrfToken={ctx.csrfToken} username={form.username} errors={errors} />
          );
          return pages.page(ctx, title, content, 422);
        }
        ctx.startSession(result.session);
        return goTo(ctx, paths.setup);
      },
      { anonymousOnly: true, body: t.Object({ username: t.String(), password: t.String(), confirm: t.String() }) },
    );
