// `cdktf synth` entry (cdktf.json's "app"): synthesizes the shipped estate, or $LONGYUN_ESTATE,
// with cdktf itself. `longyun synth` writes the same JSON without the cdktf CLI.
import { App } from 'cdktf';
import type { DesiredState } from '../graph/types.js';
import type { BackendConfig } from '../terraform/stack-json.js';
import { NodeStack } from './node-stack.js';

export function synthWithCdktf(state: DesiredState, outdir: string, backend?: BackendConfig): void {
  const app = new App({ outdir, skipValidation: true });
  for (const graph of state.nodes) new NodeStack(app, { graph, ...(backend ? { backend } : {}) });
  app.synth();
}
