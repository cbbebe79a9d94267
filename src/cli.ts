#!/usr/bin/env bun
// The operator's command line: `elysia-two-factor <command>` where the package is installed,
// `bun run admin <command>` in this repository.
import { existsSync } from "node:fs";
import { adminTasks } from "./auth/flows/admin";
import { keylessStores } from "./auth/stores";
import { systemClock } from "./clock";
import { isPostgresUrl, openDatabase, withoutCredentials } from "./db/database";
import { plural } from "./words";

const USAGE =
  "usage: elysia-two-factor list-users | reset-2fa <username> | unlock <username> | revoke-sessions <username> | delete-user <username>";
const HELP = `${USAGE}

Works on the database DATABASE_URL names (a SQLite path, or a postgres:// URL).
  list-users              every account: 2FA state, lockout, live sessions, recovery codes
  reset-2fa <username>    turns 2FA off: deletes the key, passkeys and recovery codes, ends sessions
  unlock <username>       lifts the password and code lockouts
  revoke-sessions <name>  ends every session of the user
  delete-user <username>  deletes the account and everything of it: sessions, keys, codes, log
`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(1);
}

const [command, username, ...extra] = process.argv.slice(2);
if (command === "help" || command === "--help" || command === "-h") {
  console.info(HELP.trimEnd());
  process.exit(0);
}
const takesUsername = ["reset-2fa", "unlock", "revoke-sessions", "delete-user"];
if (command === "list-users" ? username !== undefined : !takesUsername.includes(command ?? "")) {
  fail(command ? `Unknown command or extra argument: ${process.argv.slice(2).join(" ")}` : "No command given.");
}
if (takesUsername.includes(command ?? "") && (!username || extra.length > 0)) fail(`${command} takes one username.`);

const databaseUrl = process.env.DATABASE_URL || "db/app.sqlite";
// A mistyped DATABASE_URL must not quietly create an empty database and report "no such user".
// (PostgreSQL refuses a connection to a database that does not exist by itself.)
if (!isPostgresUrl(databaseUrl) && databaseUrl !== ":memory:" && !existsSync(databaseUrl)) {
  fail(`No database at ${databaseUrl}.`);
}

const database = await openDatabase(databaseUrl, { poolSize: 1 }).catch((error: unknown) =>
  fail(
    `Cannot open the database at ${withoutCredentials(databaseUrl)}: ${error instanceof Error ? error.message : error}`,
  ),
);
const tasks = adminTasks(
  // No command here makes a session, so their lifetimes are never read.
  keylessStores(database, systemClock, { idleMs: 0, absoluteMs: 0 }),
);
const noSuchUser = () => fail(`No user named "${username}".`);

switch (command) {
  case "list-users": {
    const isoOrDash = (at: number | null) => (at ? new Date(at).toISOString() : "-");
    const rows = (await tasks.listUsers()).map((user) => [
      user.username,
      user.twoFactor,
      isoOrDash(user.lockedUntil),
      String(user.sessions),
      String(user.recoveryCodes),
      isoOrDash(user.recoveryCodesMadeAt),
    ]);
    const table = [["username", "2fa", "locked until", "sessions", "recovery codes", "codes made"], ...rows];
    const widths = table[0]?.map((_, column) => Math.max(...table.map((row) => row[column]?.length ?? 0))) ?? [];
    for (const row of table)
      console.info(
        row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join("  ")
          .trimEnd(),
      );
    if (rows.length === 0) console.info("(no users)");
    break;
  }
  case "reset-2fa": {
    const ended = (await tasks.resetTwoFactor(username ?? "")) ?? noSuchUser();
    console.info(
      `Reset 2FA for ${username}: 2FA is off and its key and recovery codes are deleted; ${plural(ended.sessions, "session")} ended and ${plural(ended.trustedBrowsers, "trusted browser")} forgotten. Their next sign-in sets up an authenticator again.`,
    );
    break;
  }
  case "unlock": {
    if (!(await tasks.unlock(username ?? ""))) noSuchUser();
    console.info(`Unlocked ${username}: password and code lockouts lifted, failure counts reset.`);
    break;
  }
  case "revoke-sessions": {
    const ended = (await tasks.revokeSessions(username ?? "")) ?? noSuchUser();
    console.info(`Ended ${plural(ended, "session")} of ${username}.`);
    break;
  }
  case "delete-user": {
    if (!(await tasks.deleteUser(username ?? ""))) noSuchUser();
    console.info(
      `Deleted ${username}: the account, its sessions, keys, recovery codes, trusted browsers and security log are gone. The name may be registered again.`,
    );
    break;
  }
}
await database.close();
