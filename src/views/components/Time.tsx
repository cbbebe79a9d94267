/** A moment in UTC, readable without JavaScript; app.js rewrites it in the reader's own time zone. */
export function Time({ at }: { at: number }) {
  const iso = new Date(at).toISOString();
  return <time datetime={iso} safe>{`${iso.slice(0, 16).replace("T", " ")} UTC`}</time>;
}
