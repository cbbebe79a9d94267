import { Elysia } from "elysia";
import { HomePage } from "../../views/pages/HomePage";
import type { RequestContext } from "../context";
import { goTo, page } from "../respond";

export const homeRoutes = (context: RequestContext) =>
  new Elysia({ name: "home-routes" })
    .use(context)
    .get(
      "/",
      async (ctx) => {
        const content = (
          <HomePage
            csrfToken={ctx.csrfToken}
            username={ctx.user.username}
            recoveryCodesLeft={await ctx.auth.recoveryCodesLeft(ctx.user.id)}
            failedCodesBefore={ctx.session.failedCodesBefore}
            usedRecoveryCode={ctx.session.usedRecoveryCode}
          />
        );
        return page(ctx, "Home", content);
      },
      { sessionAt: ["/"] },
    )
    // Any session may end itself, pending or signed in.
    .post(
      "/logout",
      async (ctx) => {
        if (ctx.current) await ctx.auth.signOut(ctx.current.session, ctx.meta());
        ctx.endSession();
        return goTo(ctx, "/login");
      },
      { anyStep: true },
    );
