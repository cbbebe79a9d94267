import { Elysia, t } from "elysia";
import { type Failure, isFailure, type Repudiation } from "../../auth";
import { type AuthPaths, withToken } from "../../paths";
import { describeEvent } from "../../views/account/SecurityLogPanel";
import { describeDevice } from "../../views/device";
import { ErrorPage } from "../../views/pages/ErrorPage";
import { type DisownedEvent, RepudiatedPage, RepudiatePage } from "../../views/pages/RepudiatePage";
import { plural } from "../../words";
import type { AuthKit } from "../kit";
import { wordsFor } from "../messages";
import type { PageContext, PageRenderer } from "../respond";

const title = "This wasn't me";

/** A link that cannot be used: unknown 404, used or expired 410, the page saying which. */
export function unusableLink(pages: PageRenderer, paths: AuthPaths, visit: PageContext, failure: Failure, now: number) {
  const message = wordsFor(failure, { link: "link" }, now).link ?? "";
  const status = failure.reason === "link_unknown" ? 404 : 410;
  const content = <ErrorPage title="This link cannot be used" message={message} homePath={paths.login} />;
  return pages.page(visit, "This link cannot be used", content, status);
}

/** What securing the account did, line by line. */
function doneLines(done: Repudiation): string[] {
  const lines = [
    `${plural(done.sessions, "session")} signed out.`,
    `${plural(done.trustedBrowsers, "trusted browser")} forgotten.`,
  ];
  if (done.removed && "credential" in done.removed)
    lines.push(`The passkey or security key “${done.removed.credential}” removed.`);
  if (done.removed && "app" in done.removed) lines.push("The authenticator app that was set up unlinked.");
  if (done.newPasswordRequired) {
    lines.push(
      "The password that was set no longer signs you in: at your next sign-in, give your second factor and choose a new password.",
    );
  }
  return lines;
}

/**
 * The page behind a security notice's "This wasn't me" link: what happened and what securing
 * the account will do, then the one button that does it. Open to anyone holding the link, at
 * any step: it is often opened on another device than the one signed in.
 */
export const notMeRoutes = ({ gates, auth, paths, pages, clock }: AuthKit) => {
  const unusable = (visit: PageContext, failure: Failure) => unusableLink(pages, paths, visit, failure, clock());

  return new Elysia({ name: "not-me-routes", seed: gates.config.seed })
    .use(gates)
    .get(
      paths.repudiate,
      async ({ params, visit }) => {
        const found = await auth.notices.disownable(params.token);
        if (isFailure(found)) return unusable(visit, found);
        const { event, user } = found;
        const factors = await auth.secondFactors(user);
        const undoes =
          event.type === "credential_added" && event.detail.credential
            ? `remove the passkey or security key “${event.detail.credential}” that was added, unless it is your only second factor;`
            : event.type === "authenticator_replaced" && factors.app && factors.webauthn
              ? "unlink the authenticator app that was set up: your passkeys and security keys stay your way in;"
              : null;
        const disowned: DisownedEvent = {
          username: user.username,
          description: describeEvent(event),
          at: event.createdAt,
          browser: describeDevice(event.userAgent),
          ip: event.ip,
          undoes,
          passwordChanged: event.type === "password_changed",
        };
        const action = withToken(paths.repudiate, params.token);
        return pages.page(
          visit,
          title,
          <RepudiatePage paths={paths} csrfToken={visit.csrfToken} action={action} event={disowned} />,
        );
      },
      { anyStep: true, params: t.Object({ token: t.String() }) },
    )
    .post(
      paths.repudiate,
      async ({ params, visit }) => {
        const done = await auth.notices.repudiate(params.token, visit.meta());
        if (isFailure(done)) return unusable(visit, done);
        // This browser's own session was among those ended: its cookie goes too.
        if (visit.current?.user.id === done.userId) visit.endSession();
        return pages.page(visit, "Your account is secured", <RepudiatedPage paths={paths} done={doneLines(done)} />);
      },
      { anyStep: true, params: t.Object({ token: t.String() }) },
    );
};
