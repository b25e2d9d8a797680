// Rendering for every command: Ink views rendered to text (colour only on a TTY; chalk decides),
// JSON for scripts. Ink and React are loaded only when a view is printed.
import type { ComponentType, ReactElement } from 'react';

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

/**
 * `-o json`: the value as JSON; otherwise the view `load` gives, with `props` (the view's module,
 * React and Ink are loaded only then).
 */
export async function printJsonOrView<P extends object>(output: string, value: unknown, load: () => Promise<ComponentType<P>>, props: P): Promise<void> {
  if (output === 'json') return printJson(value);
  const React = (await import('react')).default;
  const View = await load();
  await printView(() => React.createElement(View, props));
}
