import * as pulumi from '@pulumi/pulumi';
import type { DesiredResource } from '../graph/types.js';
import { KubernetesObject } from './kubernetes-object.js';

export interface TenantComponentProps {
  tenant: string;
  resources: readonly DesiredResource[];
  provider: pulumi.ProviderResource;
}

/** One department tenant on a cloud node: its namespace and everything in it. */
export class TenantComponent extends pulumi.ComponentResource {
  readonly objects: KubernetesObject[];

  constructor(name: string, props: TenantComponentProps, opts?: pulumi.ComponentResourceOptions) {
    super('longyun:cloud:Tenant', name, { tenant: props.tenant }, opts);
    this.objects = props.resources.map((r) => new KubernetesObject(`${name}-${r.id}`, r.object, { parent: this, provider: props.provider }));
    this.registerOutputs({ objects: this.objects.length });
  }
}
