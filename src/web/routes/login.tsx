import { Elysia, t } from "elysia";
import { LoginPage } from "../../views/pages/LoginPage";
import type { RequestContext } from "../context";
import { goTo, page } from "../respond";

const title = "Sign in";

export const loginRoutes = (context: RequestContext) =>
  new Elysia({ name: "login-routes" })
    .use(context)
    .get("/login", (ctx) => page(ctx, title, <LoginPage csrfToken={ctx.csrfToken} />), { anonymousOnly: true })
    .post(
      "/login",
      async (ctx) => {
        const result = await ctx.auth.checkPassword(ctx.body.username, ctx.body.password);
        if (!result) {
          const content = <LoginPage csrfToken={ctx.csrfToken} username={ctx.body.username} failed />;
          return page(ctx, title, content, 422);
        }
        ctx.startSession(result.session);
        return goTo(ctx, result.enrolled ? "/verify-2fa" : "/setup-2fa");
      },
      { anonymousOnly: true, body: t.Object({ username: t.String(), password: t.String() }) },
    );
