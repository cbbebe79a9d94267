// What the account suites share: a signed-in user on a browser of a known kind.

import { Browser, enroll, type TestApp } from "./helpers";

export const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0";
export const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
export const CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";
export const NEW_PASSWORD = "purple elephant dancing quietly";

/** A user with 2FA on, signed in on `browser`; the clock is past the enrolling step. */
export async function signedInUser(t: TestApp, username: string, userAgent = FIREFOX_WINDOWS) {
  const browser = new Browser(t.app, undefined, { "user-agent": userAgent });
  const enrolled = await enroll(browser, t, username);
  await browser.get("/account");
  return { browser, ...enrolled };
}

/** Where a browser is sent when it asks for `/`: "/" while its session lives, "/login" once it is gone. */
export async function homeOf(browser: Browser): Promise<string> {
  const response = await browser.get("/");
  return response.status === 200 ? "/" : (response.headers.get("location") ?? "");
}
