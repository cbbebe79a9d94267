import { Elysia, t } from "elysia";
import { isFailure } from "../../auth";
import { pathOfStep } from "../../paths";
import { LoginPage } from "../../views/pages/LoginPage";
import type { AuthKit } from "../kit";
import { wordsFor } from "../messages";
import { goTo, refusalStatus } from "../respond";
import { ceremonyOptions } from "../webauthn-answer";

const title = "Sign in";
const accountDeleted = "Your account was deleted.";

// Handlers name the fields they use: see GateContext in gates/context.ts for why.
export const loginRoutes = ({ gates, auth, paths, pages, clock }: AuthKit) =>
  new Elysia({ name: "login-routes", seed: gates.config.seed })
    .use(gates)
    .get(
      paths.login,
      ({ query, visit }) => {
        // Where a deleted account lands: the page says so, the same for everyone.
        const notice = query.done === "deleted" ? accountDeleted : undefined;
        return pages.blankFormPage(
          visit,
          title,
          (token) => <LoginPage paths={paths} csrfToken={token} notice={notice} />,
          notice ? "deleted" : "",
        );
      },
      { anonymousOnly: true },
    )
    .post(
      paths.login,
      async ({ body, visit }) => {
        const username = body.username.trim();
        const result = await auth.checkPassword(username, body.password, visit.meta(), visit.trustedBrowserToken);
        if (isFailure(result)) {
          const error = wordsFor(result, { password: "password at sign-in" }, clock()).password;
          const content = <LoginPage paths={paths} csrfToken={visit.csrfToken} username={username} error={error} />;
          return pages.page(visit, title, content, refusalStatus(visit.set, clock, result.lockedUntil));
        }
        visit.startSession(result.session);
        return goTo(visit, pathOfStep(paths, result.step), result.step === "signed_in");
      },
      { anonymousOnly: true, body: t.Object({ username: t.String(), password: t.String() }) },
    )
    .post(
      paths.passkeyOptions,
      async ({ visit }) => ceremonyOptions(visit.set, await auth.passwordlessOptions(visit.browser())),
      { anonymousOnly: true },
    )
    .post(
      paths.passkeySignIn,
      async ({ body, visit }) => {
        const result = await auth.signInWithPasskey(visit.browser(), body.credential, visit.meta());
        if (isFailure(result)) {
          const passkeyError = wordsFor(result, { passkey: "passkey at sign-in" }, clock()).passkey;
          const content = <LoginPage paths={paths} csrfToken={visit.csrfToken} passkeyError={passkeyError} />;
          return pages.page(visit, title, content, 422);
        }
        visit.startSession(result.session);
        return goTo(visit, paths.home, true);
      },
      { anonymousOnly: true, body: t.Object({ credential: t.String() }) },
    );
