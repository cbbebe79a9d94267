import { type Context, status } from "elysia";
import type { Clock } from "../clock";
import { Fragment, Layout } from "../views/Layout";

type PageContext = {
  set: Context["set"];
  fragment: boolean;
  csrfToken: string;
  config: { appName: string };
};

/** A whole document for a normal request, the `#main` fragment for htmx. */
export function page(ctx: PageContext, title: string, content: JSX.Element, status = 200): JSX.Element {
  ctx.set.status = status;
  ctx.set.headers.vary = "HX-Request";
  const { appName } = ctx.config;
  return ctx.fragment ? (
    <Fragment title={title} appName={appName}>
      {content}
    </Fragment>
  ) : (
    <Layout title={title} appName={appName} csrfToken={ctx.csrfToken}>
      {content}
    </Layout>
  );
}

/**
 * After success: a 303 without JavaScript; with htmx, `HX-Location`, which fetches
 * the next step as a fragment into `#main` and updates the address bar, without a reload.
 */
export function goTo(ctx: Pick<PageContext, "set" | "fragment">, path: string) {
  ctx.set.headers.vary = "HX-Request";
  if (!ctx.fragment) {
    ctx.set.headers.location = path;
    return status(303, "");
  }
  ctx.set.headers["hx-location"] = JSON.stringify({ path, target: "#main" });
  return status(200, "");
}

/**
 * The status of a refused form: 429 with `Retry-After` when the account is locked (the form
 * still shows, saying when to try again), 422 otherwise.
 */
export function refusalStatus(ctx: { set: Context["set"]; clock: Clock }, lockedUntil: number | undefined): number {
  if (!lockedUntil) return 422;
  ctx.set.headers["retry-after"] = String(Math.max(1, Math.ceil((lockedUntil - ctx.clock()) / 1000)));
  return 429;
}
