import { Elysia, t } from "elysia";
import { RegisterPage } from "../../views/pages/RegisterPage";
import type { RequestContext } from "../context";
import { blankFormPage, goTo, page } from "../respond";

const title = "Create your account";

export const registerRoutes = (context: RequestContext) =>
  new Elysia({ name: "register-routes" })
    .use(context)
    .get("/register", (ctx) => blankFormPage(ctx, title, (csrfToken) => <RegisterPage csrfToken={csrfToken} />), {
      anonymousOnly: true,
    })
    .post(
      "/register",
      async (ctx) => {
        const form = { ...ctx.body, username: ctx.body.username.trim() };
        const result = await ctx.auth.register(form, ctx.meta());
        if ("errors" in result) {
          const content = <RegisterPage csrfToken={ctx.csrfToken} username={form.username} errors={result.errors} />;
          return page(ctx, title, content, 422);
        }
        ctx.startSession(result.session);
        return goTo(ctx, "/setup-2fa");
      },
      { anonymousOnly: true, body: t.Object({ username: t.String(), password: t.String(), confirm: t.String() }) },
    );
