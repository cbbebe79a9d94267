/**
 * A pure function's results, remembered for the inputs seen lately: at most `max` of them, and
 * when full it starts again rather than grow with every input an attacker sends. `keep` says
 * which results are worth remembering (by default, all).
 */
export function rememberLately<Result>(
  max: number,
  compute: (input: string) => Result,
  keep: (result: Result) => boolean = () => true,
): (input: string) => Result {
  const remembered = new Map<string, Result>();
  return (input) => {
    const known = remembered.get(input);
    if (known !== undefined) return known;
    const result = compute(input);
    if (!keep(result)) return result;
    if (remembered.size >= max) remembered.clear();
    remembered.set(input, result);
    return result;
  };
}
