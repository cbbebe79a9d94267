/** An htmx request that wants a fragment: not boosted, not a history restore (those want whole pages). */
export function wantsFragment(headers: Headers): boolean {
  return (
    headers.get("hx-request") === "true" &&
    headers.get("hx-boosted") !== "true" &&
    headers.get("hx-history-restore-request") !== "true"
  );
}
