import { Elysia } from "elysia";
import type { AuthKit } from "../kit";
import { goTo } from "../respond";

export const signOutRoutes = ({ gates, auth, paths }: AuthKit) =>
  new Elysia({ name: "sign-out-routes", seed: gates.config.seed })
    .use(gates)
    // Any session may end itself, pending or signed in.
    .post(
      paths.logout,
      async (ctx) => {
        if (ctx.current) await auth.signOut(ctx.current.session, ctx.meta());
        ctx.endSession();
        return goTo(ctx, paths.login);
      },
      { anyStep: true },
    );
