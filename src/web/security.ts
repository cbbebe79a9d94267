import { Elysia } from "elysia";

/**
 * Browser features no page here uses, refused to every page and frame. WebAuthn is kept for
 * this origin, for passkeys; the clipboard keeps its default (this origin), for the copy buttons.
 */
const unusedFeatures = [
  "accelerometer",
  "autoplay",
  "bluetooth",
  "camera",
  "display-capture",
  "encrypted-media",
  "fullscreen",
  "geolocation",
  "gyroscope",
  "hid",
  "idle-detection",
  "magnetometer",
  "microphone",
  "midi",
  "payment",
  "picture-in-picture",
  "screen-wake-lock",
  "serial",
  "usb",
  "xr-spatial-tracking",
];

/**
 * Headers on every response of the app: a CSP with no inline script or style, no framing, no
 * sniffing, no browser feature the pages do not use. An app-wide concern, so the host's: the
 * auth's pages are built to work under exactly this policy.
 */
export function securityHeaders(config: { secureCookies: boolean }) {
  const headers = securityHeaderValues(config);
  // Elysia's default headers: copied into each context as it is made, with no hook to run.
  return new Elysia({ name: "security-headers", seed: headers }).headers(headers);
}

/** The headers the auth's pages are built for, which it sends with each of them itself. */
export function securityHeaderValues(config: { secureCookies: boolean }): Record<string, string> {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ];
  if (config.secureCookies) csp.push("upgrade-insecure-requests");
  const headers: Record<string, string> = {
    "content-security-policy": csp.join("; "),
    "permissions-policy": [
      ...unusedFeatures.map((feature) => `${feature}=()`),
      "publickey-credentials-create=(self)",
      "publickey-credentials-get=(self)",
    ].join(", "),
    "x-permitted-cross-domain-policies": "none",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    // Pages carry session-specific content and, during enrollment, the TOTP key.
    "cache-control": "no-store",
  };
  if (config.secureCookies) headers["strict-transport-security"] = "max-age=31536000; includeSubDomains";
  return headers;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}

/**
 * True unless the browser says the request came from another site. Browsers send
 * Sec-Fetch-Site and Origin on unsafe requests; the CSRF token still covers any that do not.
 */
export function isSameOrigin(headers: Headers, appOrigin: string): boolean {
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return false;
  const origin = headers.get("origin");
  return origin === null || origin === appOrigin;
}
