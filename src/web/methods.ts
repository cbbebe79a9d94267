import { HttpError } from "./http-error";

export type Route = { method: string; path: string };

/** A route's path, such as `/account/sessions/:id/revoke`, as a pattern of the paths it serves. */
function patternOf(path: string): RegExp {
  const parts = path.split("/").map((part) => {
    if (part.startsWith(":")) return "[^/]+";
    if (part === "*") return ".*";
    return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
  return new RegExp(`^${parts.join("/")}$`);
}

const tables = new WeakMap<readonly Route[], { method: string; pattern: RegExp }[]>();

/**
 * For a path that exists under other methods: a 405 that names them in `Allow`, where a 404
 * would say there is nothing here. The routes are read when first asked, when all are known.
 */
export function methodNotAllowed(routes: () => readonly Route[], method: string, path: string): HttpError | null {
  const all = routes();
  let table = tables.get(all);
  if (!table) {
    table = all.map((route) => ({ method: route.method, pattern: patternOf(route.path) }));
    tables.set(all, table);
  }
  const allowed = new Set(table.filter(({ pattern }) => pattern.test(path)).map((route) => route.method));
  if (allowed.size === 0 || allowed.has(method)) return null;
  if (allowed.has("GET")) allowed.add("HEAD");
  return new HttpError(405, "Method not allowed", "This address does not take that kind of request.", {
    allow: [...allowed].sort().join(", "),
  });
}
