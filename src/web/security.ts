import type { Config } from "../config";

/** Headers on every response: a CSP with no inline script or style, no framing, no sniffing. */
export function securityHeaders(config: Config): Record<string, string> {
  const headers: Record<string, string> = {
    "content-security-policy": [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
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
