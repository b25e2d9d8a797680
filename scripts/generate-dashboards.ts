// Regenerates dashboards/generated/ (the Grafana dashboard, the Prometheus rules file and the
// PrometheusRule) from operator/metrics.ts. Usage: npm run dashboards
// dashboards/generated-files.test.ts fails while the committed files differ from what this writes.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { generatedFiles } from '../dashboards/monitoring-files.js';
import { writeFileAtomic } from '../topology/fs-atomic.js';

const out = fileURLToPath(new URL('../dashboards/generated/', import.meta.url));
mkdirSync(out, { recursive: true });
for (const f of generatedFiles()) {
  writeFileAtomic(join(out, f.name), f.text);
  process.stdout.write(`wrote dashboards/generated/${f.name}\n`);
}
