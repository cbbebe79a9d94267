// A host app of its own: its pages drawn with @elysiajs/html, its own error page, its own JSON
// API, and the auth mounted under /auth. Run it from a folder where the package is installed:
//   bun add elysia @elysiajs/html elysia-two-factor && APP_SECRET=… bun index.tsx
import { html } from "@elysiajs/html";
import { Elysia } from "elysia";
import { openDatabase, twoFactorAuth } from "elysia-two-factor";

const port = Number(process.env.PORT ?? 4000);
const database = await openDatabase(process.env.DATABASE_URL ?? "app.sqlite");

function Page({ title, children }: { title: string; children?: JSX.Element }) {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title safe>{title}</title>
        </head>
        <body>
          <h1 safe>{title}</h1>
          {children}
        </body>
      </html>
    </>
  );
}

export const app = new Elysia()
  .use(html())
  // Only the errors this app knows: the auth answers its own.
  .onError(({ code, set }) => {
    if (code !== "NOT_FOUND") return;
    set.status = 404;
    return (
      <Page title="Not here">
        <p>There is no such page. Try the dashboard.</p>
      </Page>
    );
  })
  .use(
    twoFactorAuth({
      database,
      secret: process.env.APP_SECRET ?? "",
      origin: process.env.APP_ORIGIN ?? `http://localhost:${port}`,
      prefix: "/auth",
      homePath: "/dashboard",
      // Send these on by email or push: each carries a "This wasn't me" link.
      onSecurityEvent: (notice) => console.info(JSON.stringify(notice)),
    }),
  )
  .get("/", () => (
    <Page title="Acme">
      <a href="/auth/login">Sign in</a>
    </Page>
  ))
  .get(
    "/dashboard",
    ({ user }) => (
      <Page title="Dashboard">
        <p safe>Hi {user.username}</p>
      </Page>
    ),
    { signedIn: true },
  )
  .get("/me", ({ user }) => user, { signedIn: true })
  // A second factor within the last 5 minutes, or a stop at /auth/confirm first.
  .get(
    "/settings/keys",
    ({ user }) => (
      <Page title="API keys">
        <p safe>Keys of {user.username}</p>
      </Page>
    ),
    { signedIn: { fresh: 300 } },
  )
  .post("/api/notes", ({ body }) => ({ saved: body }))
  .listen(port);

console.info(`host example on http://localhost:${port}`);
