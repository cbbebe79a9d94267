import { Elysia } from "elysia";
import { HomePage } from "../../views/pages/HomePage";
import type { RequestContext } from "../context";
import { goTo, page } from "../respond";

export const homeRoutes = (context: RequestContext) =>
  new Elysia({ name: "home-routes" })
    .use(context)
    .get("/", (ctx) => page(ctx, "Home", <HomePage csrfToken={ctx.csrfToken} username={ctx.user.username} />), {
      sessionAt: ["/"],
    })
    // Any session may end itself, pending or signed in.
    .post("/logout", async (ctx) => {
      if (ctx.current) await ctx.auth.signOut(ctx.current.session);
      ctx.endSession();
      return goTo(ctx, "/login");
    });
