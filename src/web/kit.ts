import type { Auth, AuthPolicies } from "../auth";
import type { Clock } from "../clock";
import type { AuthPaths } from "../paths";
import type { AuthGates } from "./gates";
import type { Mailer } from "./mail";
import type { PageRenderer } from "./respond";

/** What every route module of the auth is built from: one mount's gates, domain, paths and pages. */
export type AuthKit = {
  gates: AuthGates;
  auth: Auth;
  paths: AuthPaths;
  clock: Clock;
  policies: AuthPolicies;
  pages: PageRenderer;
  /** The public origin, and the WebAuthn relying party: its host name. */
  appOrigin: string;
  rpId: string;
  /** The host's own hooks, from the plugin's options. */
  hooks: {
    onAccountDeleted: (userId: number) => void | Promise<void>;
    mail: Mailer | null;
  };
};
