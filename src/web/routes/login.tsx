import { Elysia, t } from "elysia";
import { isRefused, type NextStep } from "../../auth";
import { pathOfStep, type Step } from "../../paths";
import { LoginPage } from "../../views/pages/LoginPage";
import type { AuthKit } from "../kit";
import { wordsFor } from "../messages";
import { goTo, refusalStatus } from "../respond";

const title = "Sign in";
const stepAfterPassword: Record<NextStep, Step> = { enroll: "enrolling", code: "verifying", none: "signed_in" };

export const loginRoutes = ({ gates, auth, paths, pages, clock }: AuthKit) =>
  new Elysia({ name: "login-routes", seed: gates.config.seed })
    .use(gates)
    .get(
      paths.login,
      (ctx) => pages.blankFormPage(ctx, title, (csrfToken) => <LoginPage paths={paths} csrfToken={csrfToken} />),
      { anonymousOnly: true },
    )
    .post(
      paths.login,
      async (ctx) => {
        const { password } = ctx.body;
        const username = ctx.body.username.trim();
        const result = await auth.checkPassword(username, password, ctx.meta(), ctx.trustedBrowserToken);
        if (isRefused(result)) {
          const error = wordsFor(result, { password: "password at sign-in" }, clock()).password;
          const content = <LoginPage paths={paths} csrfToken={ctx.csrfToken} username={username} error={error} />;
          return pages.page(ctx, title, content, refusalStatus(ctx.set, clock, result.lockedUntil));
        }
        ctx.startSession(result.session);
        return goTo(ctx, pathOfStep(paths, stepAfterPassword[result.next]));
      },
      { anonymousOnly: true, body: t.Object({ username: t.String(), password: t.String() }) },
    );
