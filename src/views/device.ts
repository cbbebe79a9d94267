import Bowser from "bowser";

/** "Firefox on Windows": what a person recognizes of a user agent. Anything else shows as sent, shortened. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return "Unknown browser";
  const { browser, os } = Bowser.parse(userAgent);
  if (!browser.name) return userAgent.slice(0, 60);
  return os.name ? `${browser.name} on ${os.name}` : browser.name;
}
