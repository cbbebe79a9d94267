import Bowser from "bowser";

/** Parsing a user agent takes tens of microseconds; an account page names up to 50 of them, mostly the same few. */
const MAX_REMEMBERED = 500;
const described = new Map<string, string>();

/** "Firefox on Windows": what a person recognizes of a user agent. Anything else shows as sent, shortened. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return "Unknown browser";
  const known = described.get(userAgent);
  if (known !== undefined) return known;
  const { browser, os } = Bowser.parse(userAgent);
  const description = !browser.name ? userAgent.slice(0, 60) : os.name ? `${browser.name} on ${os.name}` : browser.name;
  // A bounded memory: when full, it starts again rather than grow with every agent an attacker sends.
  if (described.size >= MAX_REMEMBERED) described.clear();
  described.set(userAgent, description);
  return description;
}
