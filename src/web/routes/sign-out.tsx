import { Elysia } from "elysia";
import type { AuthKit } from "../kit";
import { goTo } from "../respond";

export const signOutRoutes = ({ gates, auth, paths }: AuthKit) =>
  new Elysia({ name: "sign-out-routes", seed: gates.config.seed })
    .use(gates)
    // Any session may end itself, pending or signed in.
    .post(
      paths.logout,
      async ({ visit }) => {
        if (visit.current) await auth.signOut(visit.current.session, visit.meta());
        visit.endSession();
        return goTo(visit, paths.login);
      },
      { anyStep: true },
    );
