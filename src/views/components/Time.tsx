/** "2026-11-24 12:05 UTC": an ISO time to the minute, for reading. */
export const utcMinute = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

/** A moment in UTC, readable without JavaScript; app.js rewrites it in the reader's own time zone. */
export function Time({ at }: { at: number }) {
  const iso = new Date(at).toISOString();
  return (
    <time datetime={iso} safe>
      {utcMinute(iso)}
    </time>
  );
}
