// Helpers shared by the topology tests: temporary copies of the shipped Gansu estate and YAML
// edits at a precise path. Test-only; nothing here is imported by the product code.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, type Document } from 'yaml';

/** The shipped estate directory. */
export const GANSU_DIR = fileURLToPath(new URL('./estates/gansu/', import.meta.url));

/** A fresh temporary directory under the OS temp dir. */
export function makeTempDir(tag = 'longyun-test-'): string {
  return mkdtempSync(join(tmpdir(), tag));
}

/**
 * Copies the Gansu estate into a fresh temporary directory: the YAML files always, the ledger only
 * when `withLedger` is set. Returns the directory.
 */
export function copyGansu(options: { withLedger?: boolean } = {}): string {
  const dir = makeTempDir('longyun-gansu-');
  for (const name of readdirSync(GANSU_DIR)) {
    if (/\.ya?ml$/.test(name) || (options.withLedger && name === 'ledger.json')) copyFileSync(join(GANSU_DIR, name), join(dir, name));
  }
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Parses `dir/file` as a YAML document, lets `edit` change it, and writes it back. */
export function editYaml(dir: string, file: string, edit: (doc: Document) => void): void {
  const path = join(dir, file);
  const doc = parseDocument(readFileSync(path, 'utf8'));
  edit(doc);
  writeFileSync(path, doc.toString({ lineWidth: 0 }));
}

/** Replaces the text of `dir/file` by `edit(text)`. */
export function editText(dir: string, file: string, edit: (text: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
}
