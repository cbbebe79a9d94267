import { Elysia, t } from "elysia";
import { LoginPage } from "../../views/pages/LoginPage";
import { waitFor } from "../../views/wait";
import type { RequestContext } from "../context";
import { goTo, page, tooManyAttempts } from "../respond";

const title = "Sign in";

export const loginRoutes = (context: RequestContext) =>
  new Elysia({ name: "login-routes" })
    .use(context)
    .get("/login", (ctx) => page(ctx, title, <LoginPage csrfToken={ctx.csrfToken} />), { anonymousOnly: true })
    .post(
      "/login",
      async (ctx) => {
        const { password } = ctx.body;
        const username = ctx.body.username.trim();
        const result = await ctx.auth.checkPassword(username, password, ctx.meta);
        if (!result || "lockedUntil" in result) {
          const error = result
            ? `Too many failed sign-ins for this username. Try again in ${waitFor(result.lockedUntil, ctx.clock())}.`
            : "Wrong username or password.";
          const content = <LoginPage csrfToken={ctx.csrfToken} username={username} error={error} />;
          return result ? tooManyAttempts(ctx, result.lockedUntil, title, content) : page(ctx, title, content, 422);
        }
        ctx.startSession(result.session);
        return goTo(ctx, result.enrolled ? "/verify-2fa" : "/setup-2fa");
      },
      { anonymousOnly: true, body: t.Object({ username: t.String(), password: t.String() }) },
    );
