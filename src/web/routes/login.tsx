import { Elysia, t } from "elysia";
import { isRefusal } from "../../auth";
import { LoginPage } from "../../views/pages/LoginPage";
import type { RequestContext } from "../context";
import { blankFormPage, goTo, page, refusalStatus } from "../respond";

const title = "Sign in";
const nextPath = { enroll: "/setup-2fa", code: "/verify-2fa", none: "/" } as const;

export const loginRoutes = (context: RequestContext) =>
  new Elysia({ name: "login-routes" })
    .use(context)
    .get("/login", (ctx) => blankFormPage(ctx, title, (csrfToken) => <LoginPage csrfToken={csrfToken} />), {
      anonymousOnly: true,
    })
    .post(
      "/login",
      async (ctx) => {
        const { password } = ctx.body;
        const username = ctx.body.username.trim();
        const result = await ctx.auth.checkPassword(username, password, ctx.meta(), ctx.trustedBrowserToken);
        if (isRefusal(result)) {
          const content = <LoginPage csrfToken={ctx.csrfToken} username={username} error={result.error} />;
          return page(ctx, title, content, refusalStatus(ctx, result.lockedUntil));
        }
        ctx.startSession(result.session);
        return goTo(ctx, nextPath[result.next]);
      },
      { anonymousOnly: true, body: t.Object({ username: t.String(), password: t.String() }) },
    );
