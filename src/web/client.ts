import type { RequestMeta } from "../auth";

const MAX_USER_AGENT_LENGTH = 512;

/** What a server knows of a request's socket: Bun.serve has it, `app.handle` in tests does not. */
export type SocketSource = { requestIP(request: Request): { address: string } | null };

/**
 * The client's IP: the socket's address, or behind a reverse proxy, the header it sets.
 * For X-Forwarded-For that is the last entry, the one the proxy itself appended; the
 * ones before it are whatever the client chose to send.
 */
export function requestMeta(
  request: Request,
  server: SocketSource | null,
  trustedProxyHeader: string | null,
): RequestMeta {
  const forwarded = trustedProxyHeader ? request.headers.get(trustedProxyHeader)?.split(",").at(-1)?.trim() : undefined;
  const ip = trustedProxyHeader ? forwarded || null : (server?.requestIP(request)?.address ?? null);
  return { ip, userAgent: request.headers.get("user-agent")?.slice(0, MAX_USER_AGENT_LENGTH) ?? null };
}
