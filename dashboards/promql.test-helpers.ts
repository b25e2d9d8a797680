// For the dashboards tests: parse PromQL with the Prometheus project's own grammar
// (@prometheus-io/lezer-promql) and find the metrics an expression reads.
import { parser } from '@prometheus-io/lezer-promql';
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
