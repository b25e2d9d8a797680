// Where longyun's own files are, from the sources, dist/ or the CLI bundle.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding longyun's package.json and shipped estates. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'topology', 'estates'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find longyun's package root above ${from}`);
    dir = up;
  }
}

/** The shipped Gansu estate. */
export function shippedEstateDir(): string {
  return join(packageRoot(), 'topology', 'estates', 'gansu');
}
