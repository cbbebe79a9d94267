/** Where a refused person can go instead, besides back to the start. */
export type WayOut = { href: string; label: string };

/** A request refused with a 4xx status (or a 5xx of ours) and a short explanation for the person. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly wayOut?: WayOut,
  ) {
    super(message);
  }
}
