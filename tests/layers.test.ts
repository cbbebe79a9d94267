// The demo app is the library's first user: it imports the public entry and nothing else of the
// library, as a host that installed the package would; and the library never imports the demo.

import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const src = join(import.meta.dir, "../src");
const demo = join(src, "demo");

/** Every module under `folder`, with the specifiers it imports (static, dynamic and re-exports). */
function importsUnder(folder: string): { file: string; specifier: string }[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((file) => /\.tsx?$/.test(file))
    .flatMap((file) => {
      const text = readFileSync(join(folder, file), "utf8");
      return [...text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map(([, specifier = ""]) => ({
        file: relative(src, join(folder, file)),
        specifier,
      }));
    });
}

test("a demo file imports nothing of the library but its public entry", () => {
  const found = importsUnder(demo);
  expect(found.length).toBeGreaterThan(10);
  const reachingIn = found.filter(
    ({ specifier }) => specifier.startsWith("..") && specifier !== "../index" && specifier !== "../index.ts",
  );
  expect(reachingIn).toEqual([]);
  expect(found.some(({ specifier }) => specifier === "../index")).toBe(true);
});

test("no module of the library imports the demo", () => {
  const library = importsUnder(src).filter(({ file }) => !file.startsWith("demo/"));
  expect(library.filter(({ specifier }) => /(^|\/)demo(\/|$)/.test(specifier))).toEqual([]);
});
