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
  const remembered = lately<Result>(max);
  return (input) => {
    const known = remembered.get(input);
    if (known !== undefined) return known;
    const result = compute(input);
    if (keep(result)) remembered.set(input, result);
    return result;
  };
}

/** At most `max` values by key: when full it starts again, rather than grow with every key an attacker sends. */
export function lately<Value>(max: number) {
  const remembered = new Map<string, Value>();
  return {
    get: (key: string): Value | undefined => remembered.get(key),
    set(key: string, value: Value): void {
      if (remembered.size >= max) remembered.clear();
      remembered.set(key, value);
    },
  };
}
