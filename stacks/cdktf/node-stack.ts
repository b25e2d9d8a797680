// One TerraformStack per cloud node, built with cdktf and the kubernetes provider (imported by
// deep path: the package's main entry costs ~1 s and ~190 MB). Every cdktf import of longyun
// lives under stacks/cdktf/, so that the engine can be swapped (e.g. for the cdktn fork).
import { LocalBackend, S3Backend, HttpBackend, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider/index.js';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1/index.js';
import { ResourceQuotaV1 } from '@cdktf/provider-kubernetes/lib/resource-quota-v1/index.js';
import { LimitRangeV1 } from '@cdktf/provider-kubernetes/lib/limit-range-v1/index.js';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1/index.js';
import { RoleV1 } from '@cdktf/provider-kubernetes/lib/role-v1/index.js';
import { RoleBindingV1 } from '@cdktf/provider-kubernetes/lib/role-binding-v1/index.js';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest/index.js';
import type { NodeGraph } from '../graph/types.js';
import { toProviderResource } from '../terraform/provider-config.js';
import { VARIABLES, type BackendConfig } from '../terraform/stack-json.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ResourceClass = new (scope: Construct, id: string, config: any) => unknown;
const CLASSES: Record<string, ResourceClass> = {
  kubernetes_namespace_v1: NamespaceV1,
  kubernetes_resource_quota_v1: ResourceQuotaV1,
  kubernetes_limit_range_v1: LimitRangeV1,
  kubernetes_network_policy_v1: NetworkPolicyV1,
  kubernetes_role_v1: RoleV1,
  kubernetes_role_binding_v1: RoleBindingV1,
  kubernetes_manifest: Manifest,
};

export interface NodeStackProps {
  graph: NodeGraph;
  backend?: BackendConfig;
}

export class NodeStack extends TerraformStack {
  constructor(scope: Construct, props: NodeStackProps) {
    super(scope, props.graph.node);
    const { graph } = props;
    const backend = props.backend ?? { type: 'local' };
    if (backend.type === 'local') new LocalBackend(this, { path: backend.path ?? `terraform.${graph.node}.tfstate` });
    else if (backend.type === 's3') new S3Backend(this, backend.config as unknown as ConstructorParameters<typeof S3Backend>[1]);
    else if (backend.type === 'http') new HttpBackend(this, backend.config as unknown as ConstructorParameters<typeof HttpBackend>[1]);
    else throw new Error(`the cdktf engine supports the local, s3 and http backends, not "${backend.type}"`);

    const path = new TerraformVariable(this, 'kubeconfig_path', VARIABLES.kubeconfig_path);
    const context = new TerraformVariable(this, 'kubeconfig_context', VARIABLES.kubeconfig_context);
    new KubernetesProvider(this, 'kubernetes', { configPath: path.stringValue, configContext: context.stringValue });

    for (const r of graph.resources) {
      const { type, config } = toProviderResource(r.object);
      const Class = CLASSES[type];
      if (!Class) throw new Error(`internal: no cdktf class for ${type}`);
      new Class(this, r.id, config);
    }
  }
}
