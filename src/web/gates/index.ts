import { Elysia } from "elysia";
import { type Auth, type SessionWithUser, type Step, signedInSession, signedInUser } from "../../auth";
import type { AuthPaths } from "../../paths";
import type { SocketSource } from "../client";
import type { AuthCookies } from "../cookies";
import type { ErrorPages } from "../errors";
import { readForm } from "../forms";
import { ConfigError } from "../options";
import { admissions } from "./admission";
import type { GateContext } from "./context";
import { type Visit, visits } from "./visit";

export type GateSettings = {
  auth: Auth;
  paths: AuthPaths;
  cookies: AuthCookies;
  errors: ErrorPages;
  appSecret: string;
  appOrigin: string;
  trustedProxyHeader: string | null;
  /** Unsafe requests a minute per client IP on the auth's own forms; 0 for none. */
  ipRateLimit: number;
  clock: () => number;
  /** Names this set of macros apart when a host mounts the auth twice. */
  seed: string;
};

/**
 * A transform that may answer the request itself: Elysia sends a `status()` a transform
 * returns (and merges any other object into the context), though its type says void. Elysia
 * awaits a hook that returns a call, as these do, so the answer may come at once or later.
 */
/**
 * The options of a guard that lets in sessions at `step` only. A new object each time: Elysia
 * writes a macro's hooks into the options object it is given, so a shared one would carry one
 * app's gate into the next.
 */
export const onlyAt = <const At extends Exclude<Step, "signed_out">>(step: At) => ({ sessionAt: [step] as At[] });

/** A route's `fresh: SECONDS`, checked where it is declared: a mistake there stops the start. */
function freshWindowMs({ fresh }: { fresh: number }): number {
  if (!Number.isFinite(fresh) || fresh <= 0) {
    throw new ConfigError(`signedIn: { fresh } must be a number of seconds above 0, got ${fresh}`);
  }
  return fresh * 1000;
}

const mayAnswer = (hook: (ctx: GateContext) => unknown) => hook as (ctx: GateContext) => Promise<void>;

/**
 * The gates of the auth, as macros: each route says which steps it serves, and a host's own
 * route says `signedIn: true`. Nothing here is a global hook: a route that names no gate is
 * never looked at, whatever the order it was registered in. A request's visit is read once
 * (visit.ts), admitted or answered (admission.ts), and handed to the route's handler.
 */
export function authGates(settings: GateSettings) {
  // Keys of this mount's own: two mounts in one app never read each other's state.
  const READ = Symbol("the request, read");
  const ADMITTED = Symbol("the request's visit, let in");
  const { errors } = settings;
  // The host's server, for a client's address (none under `app.handle`): kept at the start, as a
  // hook that named `server` would have Elysia define it on every request's context.
  let server: SocketSource | null = null;
  const visitReader = visits({ ...settings, server: () => server });
  const admit = admissions(settings);

  type Read = ReturnType<typeof visitReader.read>;
  type Carried = { [READ]?: Read; [ADMITTED]?: Visit };

  /**
   * The request's visit, read once however many guards a route names (`signedIn` and `csrf`,
   * say), then checked by `admission`; let in, it is kept for the route's resolve. Carried on
   * the Request, under keys no one else has. At once when it was read without a lookup.
   */
  function admitted<Arg>(
    ctx: GateContext,
    admission: (ctx: GateContext, visit: Visit | null, arg: Arg) => unknown,
    arg: Arg,
  ) {
    const carried = ctx.request as Carried;
    if (carried[READ] === undefined) carried[READ] = visitReader.read(ctx);
    const read = carried[READ];
    return read instanceof Promise
      ? read.then((visit) => keptOrAnswered(carried, visit, admission(ctx, visit, arg)))
      : keptOrAnswered(carried, read, admission(ctx, read, arg));
  }

  /** The admission's answer, if it refused the request; else its visit, kept for the resolve. */
  function keptOrAnswered(carried: Carried, visit: Visit | null, answer: unknown) {
    if (answer) return answer;
    carried[ADMITTED] = visit as Visit;
  }

  const visitOf = (request: Request) => (request as Carried)[ADMITTED] as Visit;
  /**
   * The one field a route of the auth gets: its visit, read in place (Elysia awaits any resolve
   * whose source returns a call). Elysia copies each resolved field onto the context: one is cheapest.
   */
  const resolveVisit = ({ request }: { request: Request }) => ({ visit: (request as Carried)[ADMITTED] as Visit });

  /** What a host's signed-in route gets: public views, so a host that returns or logs them leaks no hash, key or token. */
  const signedInContext = ({ request }: { request: Request }) => {
    const { current, csrfToken, fragment } = visitOf(request);
    const { session, user } = current as SessionWithUser;
    return { session: signedInSession(session), user: signedInUser(user), csrfToken, fragment };
  };

  const isSignedOut = (step: Step) => step === "signed_out";
  const atAnyStep = () => true;

  /** The hooks every route of the auth shares: its strict form parser and its own error answers. */
  const ownRoute = { parse: ({ request }: { request: Request }) => readForm(request), error: errors.onError };

  const plugin = new Elysia({ name: "two-factor-auth-gates", seed: settings.seed })
    .onStart((app) => {
      server = app.server;
    })
    .macro({
      /** Only for people not signed in at all; anyone else is sent to the step they are at. */
      anonymousOnly: {
        ...ownRoute,
        transform: mayAnswer(({ request, set, body }) => admitted({ request, set, body }, admit.ownRoute, isSignedOut)),
        resolve: resolveVisit,
      },
      /**
       * Only for sessions at one of these steps; anyone else is sent to the step they are at.
       * This is what keeps pending sessions out of every signed-in page.
       */
      sessionAt: (steps: Exclude<Step, "signed_out">[]) => {
        const serves = (step: Step) => (steps as Step[]).includes(step);
        return {
          ...ownRoute,
          transform: mayAnswer(({ request, set, body }) => admitted({ request, set, body }, admit.ownRoute, serves)),
          // The transform let only a session at one of `steps` through: `visit.session` is there.
          resolve: resolveVisit,
        };
      },
      /** At any step, or none: signing out. */
      anyStep: {
        ...ownRoute,
        transform: mayAnswer(({ request, set, body }) => admitted({ request, set, body }, admit.ownRoute, atAnyStep)),
        resolve: resolveVisit,
      },

      /**
       * For a host's own routes: only a fully signed-in session gets in, with `user`, `session`,
       * `csrfToken` and `fragment` on the context; anyone else is sent to the step they are at.
       * An unsafe request must also come from this origin. The host's body parsing is left alone.
       */
      signedIn: (option: true | { fresh: number }) => {
        const freshMs = option === true ? null : freshWindowMs(option);
        return {
          error: errors.onUnavailable,
          transform: mayAnswer(({ request, set }) =>
            admitted({ request, set, body: undefined }, admit.signedIn, freshMs),
          ),
          resolve: signedInContext,
        };
      },

      /**
       * For a host's own forms: an unsafe request needs this origin and the auth's CSRF token,
       * in a `csrf` field or an `X-CSRF-Token` header; any request gets `csrfToken` to draw forms with.
       */
      csrf: {
        error: errors.onUnavailable,
        transform: mayAnswer(({ request, set, body }) => admitted({ request, set, body }, admit.form, null)),
        resolve: ({ request }) => ({ csrfToken: visitOf(request).csrfToken }),
      },
    });
  // The visit a gate let in, for a helper a host's handler calls with its request (the passkey offer).
  return Object.assign(plugin, {
    admittedVisit: (request: Request): Visit | undefined => (request as Carried)[ADMITTED],
  });
}

export type AuthGates = ReturnType<typeof authGates>;
