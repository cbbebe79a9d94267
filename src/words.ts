const UNITS: [string, number][] = [
  ["day", 24 * 60 * 60_000],
  ["hour", 60 * 60_000],
  ["minute", 60_000],
];

/** "90 seconds", "4 minutes", "25 hours": how long until `until`, rounded up, in a unit that keeps it honest. */
export function waitFor(until: number, now: number): string {
  const ms = Math.max(until - now, 1000);
  const [unit, size] = UNITS.find(([, size]) => ms >= 2 * size) ?? ["second", 1000];
  const amount = Math.ceil(ms / size);
  return plural(amount, unit);
}

/** "1 session", "3 sessions". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
