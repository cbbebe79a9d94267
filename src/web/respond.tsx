import { type Context, status } from "elysia";
import type { Clock } from "../clock";
import { lately, rememberLately } from "../memo";
import { Fragment, Layout, type LayoutProps } from "../views/Layout";

/**
 * The page shell around every whole page: the host's, or ours. It must have `<main id="main">`,
 * and depend on its props alone: each shell is drawn once per title and kept.
 */
export type PageLayout = (props: LayoutProps) => JSX.Element;

/**
 * How pages are drawn: `assets` is the path the auth's files are served under (`/assets` by
 * default), and `securityHeaders` go with every page and fragment (none by default).
 */
export type PageSettings = {
  appName: string;
  homePath: string;
  assets?: string;
  layout?: PageLayout;
  securityHeaders?: Readonly<Record<string, string>>;
};

type MarkupContext = { fragment: boolean };
export type PageContext = MarkupContext & { csrfToken: string; set: Context["set"] };

// Base64url has no "!", so this cannot occur in a page by chance, nor be escaped on the way.
const TOKEN_SLOT = "!csrf-token!";
// Where a page's content goes in its shell: no title or app name can hold it.
const CONTENT_SLOT = `<!--${crypto.randomUUID()}-->`;
/** How many shells of each kind (a title, as a page or as a fragment) are kept drawn; titles are a small fixed set. */
const MAX_SHELLS = 200;
/** How many pieces drawn once are kept: their states are a small set, but one holds a minute. */
const MAX_PIECES = 500;

/** How one mount of the auth draws its pages: in its layout, under its app name. */
export function pageRenderer({
  appName,
  homePath,
  assets = "/assets",
  layout = Layout,
  securityHeaders = {},
}: PageSettings) {
  type DrawnForm = { page?: string[]; fragment?: string[] };
  /** Each blank form drawn, by title, then variant: as a page and as a fragment. */
  const blankForms = new Map<string, Map<string, DrawnForm>>();
  function drawnForm(title: string, variant: string): DrawnForm {
    let variants = blankForms.get(title);
    if (!variants) {
      variants = new Map();
      blankForms.set(title, variants);
    }
    let drawn = variants.get(variant);
    if (!drawn) {
      drawn = {};
      variants.set(variant, drawn);
    }
    return drawn;
  }

  /** Pieces of pages drawn with a slot for the token, by the state they were drawn in. */
  const pieces = lately<string[]>(MAX_PIECES);

  function shellMarkup(fragment: boolean, title: string, content: JSX.Element): JSX.Element {
    const Shell = fragment ? Fragment : layout;
    return (
      <Shell title={title} appName={appName} homePath={homePath} assets={assets}>
        {content}
      </Shell>
    );
  }
  // A shell depends on its props alone: drawn once per title, with a slot for the content; one
  // that comes out async, or without the slot once, is drawn each time.
  const shellsBy = (fragment: boolean) =>
    rememberLately(
      MAX_SHELLS,
      (title) => String(shellMarkup(fragment, title, CONTENT_SLOT)).split(CONTENT_SLOT),
      (parts) => parts.length === 2,
    );
  const drawnShells = { page: shellsBy(false), fragment: shellsBy(true) };

  function pageMarkup(ctx: MarkupContext, title: string, content: JSX.Element): JSX.Element {
    const [before, after] = (ctx.fragment ? drawnShells.fragment : drawnShells.page)(title);
    if (after === undefined) return shellMarkup(ctx.fragment, title, content);
    return typeof content === "string" ? before + content + after : content.then((html) => before + html + after);
  }

  /** Any markup as the answer, with this status and the pages' security headers. */
  function answer(ctx: PageContext, status: number, html: JSX.Element) {
    Object.assign(ctx.set.headers, securityHeaders);
    return markup(ctx, status, html);
  }

  return {
    appName,
    homePath,
    securityHeaders,
    pageMarkup,
    answer,

    /** A page: the whole document for a normal request, the `#main` fragment for htmx. */
    page(ctx: PageContext, title: string, content: JSX.Element, status = 200) {
      return answer(ctx, status, pageMarkup(ctx, title, content));
    },

    /**
     * A page that is the same for everyone but for the CSRF token, such as an empty sign-in
     * form: rendered once, then the token is filled in. These are the pages anonymous
     * visitors hit hardest, and the second step's. `variant` names what else the page
     * depends on, from a small fixed set: never a user's own data.
     */
    blankFormPage(
      ctx: PageContext,
      title: string,
      render: (csrfToken: string) => JSX.Element,
      variant = "",
    ): string | Promise<string> {
      const drawn = drawnForm(title, variant);
      const kind = ctx.fragment ? "fragment" : "page";
      const parts = drawn[kind];
      // Once drawn, answered at once: no promise, and no key string made for each request.
      if (parts) return answer(ctx, 200, withToken(parts, ctx.csrfToken));
      return Promise.resolve(pageMarkup(ctx, title, render(TOKEN_SLOT))).then((html) => {
        drawn[kind] = html.split(TOKEN_SLOT);
        return answer(ctx, 200, withToken(drawn[kind], ctx.csrfToken));
      });
    },

    /**
     * A piece of a page that is the same for everyone in the same `state` but for the CSRF token,
     * such as an account panel's empty form: drawn once per state, then the token is filled in.
     * `state` must name everything `render` draws from, from a small set: never a user's own data.
     */
    drawnOnce(state: string, csrfToken: string, render: (csrfToken: string) => JSX.Element): JSX.Element {
      const parts = pieces.get(state);
      if (parts) return withToken(parts, csrfToken);
      const keep = (html: string) => {
        const drawn = html.split(TOKEN_SLOT);
        pieces.set(state, drawn);
        return withToken(drawn, csrfToken);
      };
      const html = render(TOKEN_SLOT);
      return typeof html === "string" ? keep(html) : html.then(keep);
    },
  };
}

export type PageRenderer = ReturnType<typeof pageRenderer>;

/**
 * A drawn form's parts with the token between them. Joined with `+`, which leaves the copying
 * to the response's write, where `join` copies the page into a new string first.
 */
function withToken(parts: readonly string[], token: string): string {
  let html = parts[0] ?? "";
  for (let i = 1; i < parts.length; i++) html += token + parts[i];
  return html;
}

/**
 * Any markup as the answer, with this status. It depends on HX-Request, so caches must know;
 * and it may hold session-specific content or, during enrollment, the TOTP key: never stored.
 * A string with its type set, which Elysia sends as one Response, never copied into a second.
 */
function markup(ctx: PageContext, status: number, html: JSX.Element) {
  ctx.set.status = status;
  ctx.set.headers.vary = "HX-Request";
  ctx.set.headers["cache-control"] = "no-store";
  ctx.set.headers["content-type"] = "text/html; charset=utf-8";
  return html;
}

/**
 * After success: a 303 without JavaScript; with htmx, `HX-Location`, which fetches
 * the next step as a fragment into `#main` and updates the address bar, without a reload.
 * A path that `leavesTheAuth` (the host's home page, a whole document of its own) is a full
 * navigation with htmx too: `HX-Redirect`, never a swap into `#main`.
 */
export function goTo(ctx: Pick<PageContext, "set" | "fragment">, path: string, leavesTheAuth = false) {
  ctx.set.headers.vary = "HX-Request";
  if (!ctx.fragment) {
    ctx.set.headers.location = path;
    return status(303, "");
  }
  if (leavesTheAuth) ctx.set.headers["hx-redirect"] = path;
  else ctx.set.headers["hx-location"] = JSON.stringify({ path, target: "#main" });
  return status(200, "");
}

/**
 * The status of a refused form: 429 with `Retry-After` when the account is locked (the form
 * still shows, saying when to try again), 422 otherwise.
 */
export function refusalStatus(set: Context["set"], clock: Clock, lockedUntil: number | undefined): number {
  if (!lockedUntil) return 422;
  set.headers["retry-after"] = String(Math.max(1, Math.ceil((lockedUntil - clock()) / 1000)));
  return 429;
}
