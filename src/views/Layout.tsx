import type { PropsWithChildren } from "@kitajs/html";

// htmx under a strict CSP: no eval, no inline styles, no script tags in swaps, and no
// history snapshots in localStorage, where the TOTP key would otherwise be kept.
const htmxConfig = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  selfRequestsOnly: true,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    // 422 (a form with errors), 403, 413 and the like come with a fragment that explains.
    { code: "4..", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ],
});

/** What every page's head holds, with the auth's files under `assets` (such as `/auth/assets`). */
export const pageHead = (assets: string): JSX.Element => (
  <>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <meta name="htmx-config" content={htmxConfig} />
    <link rel="icon" href={`${assets}/favicon.svg`} type="image/svg+xml" />
    <link rel="stylesheet" href={`${assets}/pico.min.css`} />
    <link rel="stylesheet" href={`${assets}/app.css`} />
    <script src={`${assets}/htmx.min.js`} defer></script>
    <script src={`${assets}/app.js`} defer></script>
    <script src={`${assets}/simplewebauthn-browser.min.js`} defer></script>
    <script src={`${assets}/webauthn.js`} defer></script>
  </>
);

/** A page shell's props: `assets` is where the auth serves the files its pages load (pageHead). */
export type LayoutProps = PropsWithChildren<{ title: string; appName: string; homePath: string; assets: string }>;

export function Layout({ title, appName, homePath, assets, children }: LayoutProps) {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          {pageHead(assets)}
          <title safe>{`${title} · ${appName}`}</title>
        </head>
        <body>
          <header class="container">
            <nav>
              <ul>
                <li>
                  <a href={homePath} class="brand" safe>
                    {appName}
                  </a>
                </li>
              </ul>
            </nav>
          </header>
          <main id="main" class="container">
            {children}
          </main>
        </body>
      </html>
    </>
  );
}

/** What an htmx request gets: the new title for htmx to apply, and the content of `#main`. */
export function Fragment({ title, appName, children }: LayoutProps) {
  return (
    <>
      <title safe>{`${title} · ${appName}`}</title>
      {children}
    </>
  );
}
