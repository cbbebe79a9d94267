import { HttpError } from "./forms";

type Route = { method: string; path: string };

/** A route's path, such as `/account/sessions/:id/revoke`, as a pattern of the paths it serves. */
function patternOf(path: string): RegExp {
  const parts = path.split("/").map((part) => {
    if (part.startsWith(":")) return "[^/]+";
    if (part === "*") return ".*";
    return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
  return new RegExp(`^${parts.join("/")}$`);
}

/**
 * For a path that exists under other methods: a 405 that names them in `Allow`, where a 404
 * would say there is nothing here. The routes are read once, on first use, when all are known.
 */
export function methodNotAllowed(routes: () => readonly Route[]) {
  let table: { method: string; pattern: RegExp }[] | undefined;
  return (method: string, path: string): HttpError | null => {
    table ??= routes().map((route) => ({ method: route.method, pattern: patternOf(route.path) }));
    const allowed = new Set(table.filter(({ pattern }) => pattern.test(path)).map((route) => route.method));
    if (allowed.size === 0 || allowed.has(method)) return null;
    if (allowed.has("GET")) allowed.add("HEAD");
    return new HttpError(405, "Method not allowed", "This address does not take that kind of request.", {
      allow: [...allowed].sort().join(", "),
    });
  };
}
