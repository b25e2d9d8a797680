// Rendering for every command: Ink views rendered to text (colour only on a TTY; chalk decides),
// JSON for scripts. Ink and React are loaded only when a view is printed.
import type { ReactElement } from 'react';

export type OutputFormat = 'table' | 'json' | 'csv';

export async function printView(element: () => Promise<ReactElement> | ReactElement): Promise<void> {
  const { renderToString } = await import('ink');
  const columns = process.stdout.isTTY ? process.stdout.columns || 120 : 200;
  const text = renderToString(await element(), { columns });
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
