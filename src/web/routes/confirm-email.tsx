import { Elysia, t } from "elysia";
import { type Failure, isFailure } from "../../auth";
import { withToken } from "../../paths";
import { ConfirmEmailPage } from "../../views/pages/ConfirmEmailPage";
import type { AuthKit } from "../kit";
import type { PageContext } from "../respond";
import { unusableLink } from "./not-me";

const title = "Confirm your email";

/**
 * The link of a confirmation email: a page that asks, and the button that confirms. Open to
 * anyone holding the link, signed in or not: mail is often read on another device.
 */
export const confirmEmailRoutes = ({ gates, auth, paths, pages, clock }: AuthKit) => {
  const params = t.Object({ token: t.String() });
  /** The page for a link: asking, or once `confirmed`, saying so; or why the link cannot be used. */
  const answer = (
    visit: PageContext,
    token: string,
    found: { user: { username: string }; email: string } | Failure,
    confirmed: boolean,
  ) => {
    if (isFailure(found)) return unusableLink(pages, paths, visit, found, clock());
    const page = (
      <ConfirmEmailPage
        paths={paths}
        csrfToken={visit.csrfToken}
        action={withToken(paths.confirmNoticeEmail, token)}
        username={found.user.username}
        email={found.email}
        confirmed={confirmed}
      />
    );
    return pages.page(visit, confirmed ? "Email confirmed" : title, page);
  };
  return new Elysia({ name: "confirm-email-routes", seed: gates.config.seed })
    .use(gates)
    .get(
      paths.confirmNoticeEmail,
      async ({ params, visit }) => {
        return answer(visit, params.token, await auth.notices.emailToConfirm(params.token), false);
      },
      { anyStep: true, params },
    )
    .post(
      paths.confirmNoticeEmail,
      async ({ params, visit }) => {
        return answer(visit, params.token, await auth.notices.confirmEmail(params.token, visit.meta()), true);
      },
      { anyStep: true, params },
    );
};
