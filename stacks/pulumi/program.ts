// A Pulumi program over the estate: one CloudNodeComponent per cloud node. Kubeconfigs come from
// Pulumi config (`pulumi config set --secret longyun:kubeconfig-<node> …`), never from code.
import * as pulumi from '@pulumi/pulumi';
import type { DesiredState } from '../graph/types.js';
import { CloudNodeComponent } from './cloud-node-component.js';

export function defineCloud(state: DesiredState, kubeconfigOf: (node: string) => pulumi.Input<string>): CloudNodeComponent[] {
  return state.nodes.map((graph) => new CloudNodeComponent({ graph, kubeconfig: kubeconfigOf(graph.node) }));
}

/** The default lookup: a secret config value per node. */
export function kubeconfigFromConfig(node: string): pulumi.Output<string> {
  return new pulumi.Config('longyun').requireSecret(`kubeconfig-${node}`);
}
