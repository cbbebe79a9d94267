import { isSafeMethod } from "./security";

/**
 * `value` (a path, or a whole URL) as a path on `origin` to send a person back to, with its
 * query; null for anything else, however it is written: another origin, `//evil`, `/\evil`,
 * a scheme, or a path that a browser would read as another host once normalized (`/.//evil`).
 */
export function sameOriginPath(value: string | null | undefined, origin: string): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  const path = url.pathname + url.search;
  return /^\/[/\\]/.test(path) ? null : path;
}

/**
 * Where a request that must wait for a confirmation comes back to afterwards: a page load, to
 * its own URL; anything else is not replayed, and comes back to the page that sent it (htmx's
 * `HX-Current-URL`, else `Referer`) when that is on this origin, else to `home`.
 */
export function returnPathOf(request: Request, origin: string, home: string): string {
  const { headers } = request;
  if (isSafeMethod(request.method) && !headers.has("hx-request") && URL.canParse(request.url)) {
    // Its path on this origin, whatever host name it came in under.
    const { pathname, search } = new URL(request.url);
    const own = sameOriginPath(pathname + search, origin);
    if (own) return own;
  }
  return (
    sameOriginPath(headers.get("hx-current-url"), origin) ?? sameOriginPath(headers.get("referer"), origin) ?? home
  );
}
