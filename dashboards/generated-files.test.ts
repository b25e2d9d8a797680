import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { grafanaDashboard } from './grafana-dashboard.js';
import { generatedFiles, rulesText } from './monitoring-files.js';
import { prometheusRule, prometheusRules } from './prometheus-rules.js';

const DIR = new URL('./generated/', import.meta.url);

describe('dashboards/generated/', () => {
  it('holds exactly what the generators write (regenerate with `npm run dashboards`)', () => {
    const files = generatedFiles();
    expect(readdirSync(DIR).sort()).toEqual(files.map((f) => f.name).sort());
    for (const f of files) {
      const committed = readFileSync(new URL(f.name, DIR), 'utf8');
      expect(committed === f.text, `dashboards/generated/${f.name} is stale: run \`npm run dashboards\` and commit the result`).toBe(true);
    }
  });

  it('reads back as the same dashboard, rules file and PrometheusRule', () => {
    const text = Object.fromEntries(generatedFiles().map((f) => [f.name, f.text]));
    expect(JSON.parse(text['longyun-operator.dashboard.json']!)).toEqual(grafanaDashboard());
    expect(parse(text['longyun-operator.rules.yaml']!)).toEqual(prometheusRules());
    expect(parse(text['longyun-operator.prometheusrule.yaml']!)).toEqual(prometheusRule());
    expect(JSON.parse(rulesText('prometheus-rule', 'json', { namespace: 'monitoring' }))).toEqual(prometheusRule({ namespace: 'monitoring' }));
  });
});
