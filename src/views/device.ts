import Bowser from "bowser";
import { rememberLately } from "../memo";

/** Parsing a user agent takes tens of microseconds; an account page names up to 50 of them, mostly the same few. */
const describeAgent = rememberLately(500, (userAgent) => {
  const { browser, os } = Bowser.parse(userAgent);
  return !browser.name ? userAgent.slice(0, 60) : os.name ? `${browser.name} on ${os.name}` : browser.name;
});

/** "Firefox on Windows": what a person recognizes of a user agent. Anything else shows as sent, shortened. */
export function describeDevice(userAgent: string | null): string {
  return userAgent ? describeAgent(userAgent) : "Unknown browser";
}
