import { type Context, status } from "elysia";
import type { Clock } from "../clock";
import { Fragment, Layout } from "../views/Layout";

type MarkupContext = { fragment: boolean; config: { appName: string } };
export type PageContext = MarkupContext & {
  csrfToken: string;
  set: Context["set"];
  /** @elysiajs/html's explicit answer: the markup as text/html, with the status, headers and cookies set. */
  html: (markup: JSX.Element) => string | Response | Promise<string | Response>;
};

/** A page: the whole document for a normal request, the `#main` fragment for htmx. */
export function page(ctx: PageContext, title: string, content: JSX.Element, status = 200) {
  return markup(ctx, status, pageMarkup(ctx, title, content));
}

/** Any markup as the answer, with this status; it depends on HX-Request, so caches must know. */
export function markup(ctx: PageContext, status: number, html: JSX.Element) {
  ctx.set.status = status;
  ctx.set.headers.vary = "HX-Request";
  return ctx.html(html);
}

// Base64url has no "!", so this cannot occur in a page by chance, nor be escaped on the way.
const TOKEN_SLOT = "!csrf-token!";
const blankForms = new Map<string, string[]>();

/**
 * A page that is the same for everyone but for the CSRF token, such as an empty sign-in
 * form: rendered once, then the token is filled in. These are the pages anonymous
 * visitors hit hardest.
 */
export async function blankFormPage(ctx: PageContext, title: string, render: (csrfToken: string) => JSX.Element) {
  const key = `${ctx.config.appName}\n${title}\n${ctx.fragment}`;
  let parts = blankForms.get(key);
  if (!parts) {
    parts = (await pageMarkup(ctx, title, render(TOKEN_SLOT))).split(TOKEN_SLOT);
    blankForms.set(key, parts);
  }
  return markup(ctx, 200, parts.join(ctx.csrfToken));
}

export function pageMarkup(ctx: MarkupContext, title: string, content: JSX.Element): JSX.Element {
  const { appName } = ctx.config;
  return ctx.fragment ? (
    <Fragment title={title} appName={appName}>
      {content}
    </Fragment>
  ) : (
    <Layout title={title} appName={appName}>
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
