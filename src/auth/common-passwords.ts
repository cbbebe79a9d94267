/**
 * A list of words in little memory: one string of them all, sorted, and where each one starts.
 * About 0.5 MB for the 49k common passwords, against 5 MB of heap as the library's array (kept
 * by its module for good) and 1.6 MB more as a Set. A live heap that much smaller also lets the
 * GC start sooner under load, so the peak drops by about twice as much (bench/results.md).
 */
export type CompactWords = { text: string; starts: Uint32Array<ArrayBuffer> };

export function compactWords(words: readonly string[]): CompactWords {
  const sorted = [...new Set(words)].sort();
  const starts = new Uint32Array(sorted.length + 1);
  let offset = 0;
  for (const [i, word] of sorted.entries()) {
    starts[i] = offset;
    offset += word.length;
  }
  starts[sorted.length] = offset;
  return { text: sorted.join(""), starts };
}

/** Whether `word` is one of the words, exactly: a search by halves, in the order they were sorted in. */
export function includesWord({ text, starts }: CompactWords, word: string): boolean {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const entry = text.slice(starts[middle], starts[middle + 1]);
    if (entry === word) return true;
    if (entry < word) low = middle + 1;
    else high = middle;
  }
  return false;
}

let loading: Promise<CompactWords> | undefined;

/**
 * The common-password list, loaded the first time a password is judged: in a worker, so that
 * the library's own form of it never enters this heap.
 */
export function commonPasswords(): Promise<CompactWords> {
  loading ??= new Promise<CompactWords>((resolve, reject) => {
    const worker = new Worker(new URL("./common-passwords.worker.ts", import.meta.url).href, { smol: true });
    worker.addEventListener("message", (event: MessageEvent<CompactWords>) => {
      resolve(event.data);
      worker.terminate();
    });
    worker.addEventListener("error", (event) => {
      reject(new Error(`the common-password list could not be loaded: ${event.message}`));
      worker.terminate();
    });
  }).catch((error: unknown) => {
    loading = undefined; // the next password judged tries again
    throw error;
  });
  return loading;
}
