/** The prefix the auth is mounted under in each app started: one mount an app. */
const mountedIn = new WeakMap<object, string>();

/** The guards a host names on its routes: Elysia applies a macro only to routes registered after it. */
const HOST_GUARDS = ["signedIn", "csrf"] as const;

type StartingApp = { routes: readonly { method: string; path: string; hooks?: unknown }[] };

/**
 * Why `app` must not start with the auth mounted at `prefix`, in one line, or null (and the
 * mount is recorded): a second mount, whose named guards would replace the first's, or a route
 * that names a guard Elysia never applied (registered before the mount, it would answer anyone).
 */
export function startRefusal(app: StartingApp, prefix: string): string | null {
  const other = mountedIn.get(app);
  if (other !== undefined) {
    return `twoFactorAuth is mounted twice in one app (prefixes "${other}" and "${prefix}"): its guards are named, so the second would replace the first's; mount it once`;
  }
  for (const { method, path, hooks } of app.routes) {
    const guard = HOST_GUARDS.find((name) => typeof hooks === "object" && hooks !== null && Object.hasOwn(hooks, name));
    if (guard) {
      return `${method} ${path} asks for ${guard}, but was registered before .use(twoFactorAuth(…)), so Elysia ignores the guard and the route would answer anyone: register it after`;
    }
  }
  mountedIn.set(app, prefix);
  return null;
}

/** The app stopped: it may start again with the auth mounted once more. */
export const forgetMount = (app: StartingApp) => mountedIn.delete(app);
