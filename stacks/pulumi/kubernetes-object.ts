// Kubernetes objects as Pulumi resources with the type tokens of @pulumi/kubernetes
// (`kubernetes:core/v1:Namespace`, `kubernetes:velero.io/v1:Schedule`, …) and the same inputs
// (apiVersion, kind, metadata, spec), so a program using them runs on the kubernetes provider.
// @pulumi/kubernetes itself is not a dependency: it adds ~100 MB and nothing these objects need.
import * as pulumi from '@pulumi/pulumi';
import type { K8sObject } from '../graph/types.js';

/** The @pulumi/kubernetes type token of an object: `kubernetes:<group>/<version>:<Kind>`. */
export function typeToken(o: Pick<K8sObject, 'apiVersion' | 'kind'>): string {
  const apiVersion = o.apiVersion.includes('/') ? o.apiVersion : `core/${o.apiVersion}`;
  return `kubernetes:${apiVersion}:${o.kind}`;
}

export class KubernetesObject extends pulumi.CustomResource {
  constructor(name: string, object: K8sObject, opts?: pulumi.CustomResourceOptions) {
    super(typeToken(object), name, { ...object }, opts);
  }
}

export interface KubernetesProviderArgs {
  /** Path or contents of the kubeconfig; a secret in Pulumi's config, never in code. */
  kubeconfig: pulumi.Input<string>;
  context?: pulumi.Input<string>;
}

export class KubernetesProvider extends pulumi.ProviderResource {
  constructor(name: string, args: KubernetesProviderArgs, opts?: pulumi.ResourceOptions) {
    super('kubernetes', name, { kubeconfig: args.kubeconfig, context: args.context }, opts);
  }
}
