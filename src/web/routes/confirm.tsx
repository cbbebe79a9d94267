import { Elysia, t } from "elysia";
import { isFailure } from "../../auth";
import { ConfirmPage } from "../../views/pages/ConfirmPage";
import { onlyAt } from "../gates";
import type { AuthKit } from "../kit";
import { wordsFor } from "../messages";
import { goTo, refusalStatus } from "../respond";
import { sameOriginPath } from "../return-path";

const title = "Confirm it's you";

/**
 * The confirm page: a second factor given again in a signed-in session, for a route that wants
 * a recent one (`signedIn: { fresh }`), and then back to the page the person was going to.
 */
export const confirmRoutes = ({ gates, auth, paths, pages, clock, appOrigin }: AuthKit) => {
  /** Only ever a path on this origin: a return that names anything else goes home. */
  const returnPath = (value: string | undefined) => sameOriginPath(value, appOrigin) ?? paths.home;

  return new Elysia({ name: "confirm-routes", seed: gates.config.seed })
    .use(gates)
    .guard(onlyAt("signed_in"), (routes) =>
      routes
        .get(
          paths.confirm,
          async ({ query, visit }) => {
            const factors = await auth.secondFactors(visit.user);
            const content = (
              <ConfirmPage
                paths={paths}
                csrfToken={visit.csrfToken}
                factors={factors}
                returnPath={returnPath(query.return)}
              />
            );
            return pages.page(visit, title, content);
          },
          { query: t.Object({ return: t.Optional(t.String()) }) },
        )
        .post(
          paths.confirm,
          async ({ body, visit }) => {
            const back = returnPath(body.return);
            const given = { otp: body.otp ?? "", assertion: body.credential ?? "" };
            const result = await auth.account.confirmFactor(visit, given, visit.meta());
            if (!isFailure(result)) return goTo(visit, back, true);
            const words = wordsFor(result, { otp: "code" }, clock()).otp;
            const content = (
              <ConfirmPage
                paths={paths}
                csrfToken={visit.csrfToken}
                factors={await auth.secondFactors(visit.user)}
                returnPath={back}
                {...(given.assertion ? { webauthnError: words } : { error: words })}
              />
            );
            return pages.page(visit, title, content, refusalStatus(visit.set, clock, result.lockedUntil));
          },
          {
            body: t.Object({
              return: t.Optional(t.String()),
              otp: t.Optional(t.String()),
              credential: t.Optional(t.String()),
            }),
          },
        ),
    );
};
