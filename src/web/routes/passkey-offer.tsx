import { Elysia, t } from "elysia";
import { isFailure, type UpgradeMode } from "../../auth";
import { PasskeyAdded, PasskeyOffer } from "../../views/components/PasskeyOffer";
import { describeDevice } from "../../views/device";
import { authenticatorName } from "../authenticator-names";
import { onlyAt } from "../gates";
import type { Visit } from "../gates/visit";
import { HttpError } from "../http-error";
import type { AuthKit } from "../kit";
import { wordsFor } from "../messages";
import { goTo } from "../respond";
import { ceremonyOptions } from "../webauthn-answer";

const mode = t.Union([t.Literal("automatic"), t.Literal("dialog")]);
const offerClosed = new HttpError(
  422,
  "The offer has closed",
  "A passkey is offered for a few minutes after a sign-in. Add one in your security settings.",
);

/**
 * The passkey offered right after a sign-in with both factors, on the host's landing page
 * (`twoFactor.passkeyOffer(request)` draws it): its options, the passkey itself, and "Not now"
 * or "Don't ask again". With htmx each answer replaces the offer; without, back to the page.
 */
export const passkeyOfferRoutes = ({ gates, auth, paths, pages, clock }: AuthKit) => {
  /** The offer's new state: in place with htmx, else the landing page again. */
  const replaceOffer = (visit: Visit, markup: JSX.Element, status = 200) =>
    visit.fragment ? pages.answer(visit, status, markup) : goTo(visit, paths.home, true);

  return new Elysia({ name: "passkey-offer-routes", seed: gates.config.seed })
    .use(gates)
    .guard(onlyAt("signed_in"), (routes) =>
      routes
        .post(
          paths.passkeyOfferOptions,
          async ({ body, visit }) => {
            const options = await auth.account.upgradeOptions(visit, body.mode as UpgradeMode);
            if (isFailure(options)) throw offerClosed;
            return ceremonyOptions(visit.set, options);
          },
          { body: t.Object({ mode }) },
        )
        .post(
          paths.passkeyOffer,
          async ({ body, request, visit }) => {
            const fallback = describeDevice(request.headers.get("user-agent"));
            const nameOf = async (aaguid: string) => (await authenticatorName(aaguid)) ?? fallback;
            const result = await auth.account.upgradeToPasskey(visit, body.mode, body.credential, nameOf, visit.meta());
            if (!isFailure(result)) return replaceOffer(visit, <PasskeyAdded name={result.added.name} />);
            // Made unasked, a failure is no one's to read: the line stays as it was.
            const error = body.mode === "dialog" ? wordsFor(result, { passkey: "code" }, clock()).passkey : undefined;
            return replaceOffer(visit, <PasskeyOffer paths={paths} csrfToken={visit.csrfToken} error={error} />, 422);
          },
          { body: t.Object({ mode, credential: t.String() }) },
        )
        .post(paths.passkeyOfferLater, async ({ visit }) => {
          await auth.account.snoozePasskeyOffer(visit.user);
          return replaceOffer(visit, "");
        })
        .post(paths.passkeyOfferNever, async ({ visit }) => {
          await auth.account.declinePasskeyOffer(visit.user);
          return replaceOffer(visit, "");
        }),
    );
};
