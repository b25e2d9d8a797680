import * as pulumi from '@pulumi/pulumi';
import type { NodeGraph } from '../graph/types.js';
import { KubernetesObject, KubernetesProvider } from './kubernetes-object.js';
import { TenantComponent } from './tenant-component.js';

export interface CloudNodeComponentProps {
  graph: NodeGraph;
  kubeconfig: pulumi.Input<string>;
  context?: pulumi.Input<string>;
}

/** A cloud node of the 1+15+N cloud: its provider, its tenants and its node-wide objects. */
export class CloudNodeComponent extends pulumi.ComponentResource {
  readonly provider: KubernetesProvider;
  readonly tenants: TenantComponent[] = [];
  readonly objects: KubernetesObject[] = [];

  constructor(props: CloudNodeComponentProps, opts?: pulumi.ComponentResourceOptions) {
    const { graph } = props;
    super('longyun:cloud:Node', graph.node, { kind: graph.kind, unit: graph.unit }, opts);
    this.provider = new KubernetesProvider(`${graph.node}-kubernetes`, { kubeconfig: props.kubeconfig, ...(props.context ? { context: props.context } : {}) }, { parent: this });
    const byTenant = new Map<string, typeof graph.resources>();
    for (const r of graph.resources) {
      if (r.tenant === undefined) {
        this.objects.push(new KubernetesObject(`${graph.node}-${r.id}`, r.object, { parent: this, provider: this.provider }));
        continue;
      }
      const list = byTenant.get(r.tenant) ?? [];
      list.push(r);
      byTenant.set(r.tenant, list);
    }
    for (const [tenant, resources] of byTenant) {
      this.tenants.push(new TenantComponent(`${graph.node}-${tenant}`, { tenant, resources, provider: this.provider }, { parent: this }));
    }
    this.registerOutputs({ tenants: this.tenants.length });
  }
}
