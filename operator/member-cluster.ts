// A member cluster as the operator sees it: a client from its kubeconfig, server-side apply with
// field manager `longyun`, and informers over the kinds longyun applies for tenants (labelled
// `longyun.io/tenant`), so that an edit on the member wakes its tenant's reconcile at once.
import * as k8s from '@kubernetes/client-node';
import type { ObjectRef } from '../controllers/tenant-reconciler.js';
import { refKey } from '../controllers/tenant-reconciler.js';
import { VELERO_NAMESPACE } from '../stacks/graph/tenant-objects.js';
import { LABELS, type K8sObject } from '../stacks/graph/types.js';
import { dropManagedFields, Informer, type ResourceType } from './informer.js';
import { KubeApiError, resourcePath, RestClient, UserAgentKubeConfig, type WriteFence } from './rest.js';

export const FIELD_MANAGER = 'longyun';
/** How long the reachability probe waits for a member's answer. */
export const PROBE_TIMEOUT_MS = 10_000;

/** The kinds a tenant's objects come in (stacks/graph/tenant-objects.ts), with their plurals. */
export const TENANT_KINDS: ReadonlyArray<Omit<ResourceType, 'labelSelector'>> = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces' },
  { apiVersion: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas' },
  { apiVersion: 'v1', kind: 'LimitRange', plural: 'limitranges' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings' },
  { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', plural: 'network-attachment-definitions' },
  { apiVersion: 'velero.io/v1', kind: 'Schedule', plural: 'schedules' },
];

export class MemberCluster {
  readonly rest: RestClient;
  private readonly informers: Informer[] = [];
  private readonly informerOf = new Map<string, Informer>();
  private started = false;

  constructor(
    readonly name: string,
    readonly kubeConfig: k8s.KubeConfig,
    /** The kubeconfig text it was built from, to notice a rotated secret. */
    readonly source: string,
    /** Called for every write sent (for the writes metric). */
    private readonly onWrite: (verb: 'apply' | 'delete') => void = () => {},
    /** Checked right before each write goes out (RestClient's WriteFence). */
    fence?: WriteFence,
  ) {
    this.rest = new RestClient(kubeConfig, fence ? { fence } : {});
  }

  static fromKubeconfig(name: string, text: string, context?: string, opts: { onWrite?: (verb: 'apply' | 'delete') => void; userAgent?: string; fence?: WriteFence } = {}): MemberCluster {
    const loaded = new k8s.KubeConfig();
    loaded.loadFromString(text);
    if (context) loaded.setCurrentContext(context);
    const kc = opts.userAgent ? new UserAgentKubeConfig(loaded, opts.userAgent) : loaded;
    return new MemberCluster(name, kc, `${context ?? ''}\n${text}`, opts.onWrite, opts.fence);
  }

  /** The member's version: the reachability probe, so a member that hangs counts as unreachable after 10 s. */
  async version(): Promise<{ major: string; minor: string; gitVersion: string }> {
    const v = await this.rest.request<{ major: string; minor: string; gitVersion: string }>('GET', '/version', undefined, 'application/json', PROBE_TIMEOUT_MS);
    return { major: v.major, minor: v.minor, gitVersion: v.gitVersion };
  }

  /**
   * Server-side apply, taking ownership of the fields we set (force: we are the only manager). The
   * object the server returns goes into the cache at once (write-through), so the tenant's next
   * reconcile sees it without waiting for its watch event.
   */
  async apply(object: K8sObject): Promise<void> {
    this.onWrite('apply');
    const applied = await this.rest.apply<k8s.KubernetesObject>(object, FIELD_MANAGER, true);
    if (applied?.metadata) this.informerOf.get(`${object.apiVersion}/${object.kind}`)?.mutate(applied);
  }

  async delete(ref: ObjectRef): Promise<void> {
    this.onWrite('delete');
    await this.rest.delete(ref);
  }

  /** Whether an object exists: part of the heartbeat, so it waits no longer than the probe. */
  async exists(object: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<boolean> {
    try {
      await this.rest.request('GET', resourcePath(object), undefined, 'application/json', PROBE_TIMEOUT_MS);
      return true;
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) return false;
      throw e;
    }
  }

  /**
   * Velero's BackupStorageLocations, by name: all of them, longyun's or not (there are few; the
   * node's heartbeat reads them, and a location longyun did not make must be seen to be left alone).
   * Waits no longer than the probe.
   */
  async backupLocations(): Promise<Map<string, K8sObject>> {
    const path = resourcePath({ apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { namespace: VELERO_NAMESPACE } });
    const list = await this.rest.request<{ items: K8sObject[] }>('GET', path, undefined, 'application/json', PROBE_TIMEOUT_MS);
    return new Map(list.items.map((o) => [o.metadata.name, { ...o, apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation' }]));
  }

  /** Starts the informers; `onTenantChange` gets the tenant of every object that changes. */
  start(onTenantChange: (tenant: string) => void, onError?: (e: unknown) => void): void {
    if (this.started) return;
    this.started = true;
    const notify = (o: k8s.KubernetesObject) => {
      const t = o.metadata?.labels?.[LABELS.tenant];
      if (t) onTenantChange(t);
    };
    for (const kind of TENANT_KINDS) {
      const inf = new Informer(
        this.kubeConfig,
        { ...kind, labelSelector: LABELS.tenant },
        { onAdd: notify, onUpdate: notify, onDelete: notify, ...(onError ? { onError } : {}) },
        { transform: dropManagedFields, indexBy: (o) => o.metadata?.labels?.[LABELS.tenant] },
      );
      this.informers.push(inf);
      this.informerOf.set(`${kind.apiVersion}/${kind.kind}`, inf);
      void inf.start();
    }
  }

  stop(): void {
    for (const i of this.informers) i.stop();
    this.informers.length = 0;
    this.informerOf.clear();
    this.started = false;
    this.rest.close();
  }

  get synced(): boolean {
    return this.started && this.informers.every((i) => i.hasSynced);
  }

  /** A tenant's objects on this member, by ref key; undefined until every cache has synced. */
  tenantObjects(tenant: string): Map<string, K8sObject> | undefined {
    if (!this.synced) return undefined;
    const out = new Map<string, K8sObject>();
    for (const inf of this.informers) {
      for (const o of inf.indexed(tenant)) {
        const obj = o as unknown as K8sObject;
        out.set(refKey({ apiVersion: obj.apiVersion, kind: obj.kind, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name }), obj);
      }
    }
    return out;
  }
}
