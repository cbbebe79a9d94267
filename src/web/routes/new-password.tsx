import { Elysia, t } from "elysia";
import { isFailure } from "../../auth";
import { NewPasswordPage } from "../../views/pages/NewPasswordPage";
import { onlyAt } from "../gates";
import type { AuthKit } from "../kit";
import { fieldsOf, wordsFor } from "../messages";
import { goTo } from "../respond";

const title = "Choose a new password";
const fields = { new_password: "new password", confirm: "confirmation" } as const;

/** The step a disowned password change leaves: signed in by a second factor, a new password before anything else. */
export const newPasswordRoutes = ({ gates, auth, paths, pages, clock }: AuthKit) =>
  new Elysia({ name: "new-password-routes", seed: gates.config.seed })
    .use(gates)
    .guard(onlyAt("choosing_password"), (routes) =>
      routes
        .get(paths.newPassword, ({ visit }) =>
          pages.page(visit, title, <NewPasswordPage paths={paths} csrfToken={visit.csrfToken} />),
        )
        .post(
          paths.newPassword,
          async ({ body, visit }) => {
            const result = await auth.account.chooseNewPassword(visit, body, visit.meta());
            if (isFailure(result)) {
              const errors = wordsFor(result, fields, clock(), (reason) =>
                fieldsOf.passwordChange(reason) === "confirm" ? "confirm" : "new_password",
              );
              return pages.page(
                visit,
                title,
                <NewPasswordPage paths={paths} csrfToken={visit.csrfToken} errors={errors} />,
                422,
              );
            }
            return goTo(visit, paths.home, true);
          },
          { body: t.Object({ new_password: t.String(), confirm: t.String() }) },
        ),
    );
