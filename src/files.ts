import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * This project's folder: the nearest one above this module with a package.json. The same
 * whether the server runs from src/ or from the bundle `bun run build` writes to dist/, where
 * every module's `import.meta.dir` is the bundle's.
 */
export const projectFolder = nearestPackageFolder(import.meta.dir);

function nearestPackageFolder(from: string): string {
  for (let folder = from; ; folder = dirname(folder)) {
    if (existsSync(join(folder, "package.json"))) return folder;
    if (dirname(folder) === folder) throw new Error(`no package.json in ${from} or above it`);
  }
}
