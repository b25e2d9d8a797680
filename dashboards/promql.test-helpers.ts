// For the dashboards tests: parse PromQL with the Prometheus project's own grammar
// (@prometheus-io/lezer-promql), find the metrics an expression reads, and find promtool.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { cacheRoot } from '../operator/dev-cluster/paths.js';
import { METRICS } from '../operator/metrics.js';

/** Grafana's variables as Grafana substitutes them before the query reaches Prometheus. */
export function substituteGrafanaVariables(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$(\w+)/g, 'x');
}

/** Parse errors (the text around each error node); none for valid PromQL. */
export function parseErrors(expr: string): string[] {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`at ${n.from}: …${expr.slice(Math.max(0, n.from - 15), n.from + 15)}…`);
    },
  });
  return errors;
}

/** The metric names of an expression's vector selectors, as the parser sees them. */
export function selectorNames(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  tree.iterate({
    enter: (n) => {
      if (n.name === 'Identifier' && n.node.parent?.name === 'VectorSelector') names.push(expr.slice(n.from, n.to));
    },
  });
  return names;
}

/** Every `longyun_…` identifier in an expression that is not part of a recorded name (`level:metric:op`). */
export function longyunIdentifiers(expr: string): string[] {
  return [...expr.matchAll(/(?<![\w:])longyun_[a-z_]+(?![\w:])/g)].map((m) => m[0]);
}

/**
 * The METRICS entry an identifier reads: its name, or for a histogram only, its name plus
 * `_bucket`, `_sum` or `_count`. Undefined for anything else.
 */
export function metricOf(identifier: string): keyof typeof METRICS | undefined {
  for (const [key, def] of Object.entries(METRICS) as Array<[keyof typeof METRICS, (typeof METRICS)[keyof typeof METRICS]]>) {
    if (identifier === def.name) return key;
    if (def.type === 'histogram' && ['_bucket', '_sum', '_count'].some((s) => identifier === def.name + s)) return key;
  }
  return undefined;
}

/** The script that fetches promtool into the cache, relative to the repository root. */
export const PROMTOOL_FETCH_SCRIPT = 'scripts/promtool/fetch.sh';

/** `${LONGYUN_CACHE:-$HOME/.cache/longyun}/prometheus/bin/promtool`, where fetch.sh caches it. */
export function cachedPromtoolPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'prometheus', 'bin', 'promtool');
}

const runs = (command: string, env: NodeJS.ProcessEnv): boolean => spawnSync(command, ['--version'], { env, stdio: 'ignore' }).status === 0;

/**
 * The promtool to run: the one fetch.sh cached, else `promtool` on PATH. Throws, saying to run
 * fetch.sh, when neither runs: the tests that need it fail rather than skip.
 */
export function findPromtool(env: NodeJS.ProcessEnv = process.env): string {
  const cached = cachedPromtoolPath(env);
  if (runs(cached, env)) return cached;
  if (runs('promtool', env)) return 'promtool';
  if (existsSync(cached)) throw new Error(`${cached} does not run and no promtool is on PATH: run \`bash ${PROMTOOL_FETCH_SCRIPT} --force\``);
  throw new Error(
    `promtool is not in ${cached} nor on PATH: run \`bash ${PROMTOOL_FETCH_SCRIPT}\` ` +
      `(once; it caches Debian's promtool there without root, and \`npm test\` runs it)`,
  );
}
