// A member cluster as the operator sees it: a client from its kubeconfig, server-side apply with
// field manager `longyun`, and watches: tenant Namespaces (cluster-wide, by label), Velero's
// Schedules (in its namespace), and every other kind longyun reads *inside* the namespaces it was
// given (a tenant's own, or the standby copy of one): longyun has no rights elsewhere. The kinds
// are longyun's own (TENANT_KINDS) plus, once the DR copier asks for them, every kind discovered
// on the member. An edit wakes its tenant's reconcile, or the copier, at once.
import * as k8s from '@kubernetes/client-node';
import type { ObjectRef } from '../controllers/tenant-reconciler.js';
import { covers, refKey } from '../controllers/tenant-reconciler.js';
import { VELERO_NAMESPACE } from '../stacks/graph/tenant-objects.js';
import { LABELS, type K8sObject } from '../stacks/graph/types.js';
import type { Discovery } from '../controllers/dr/copy-kinds.js';
import { dropManagedFields, Informer, type ResourceType } from './informer.js';
import { NamespacedInformers } from './namespaced-informers.js';
import { memberSubjects, tenantRoleBinding, type Subject } from './member-rbac.js';
import { MEMBER_BINDING, TENANT_ROLE_BINDING } from '../stacks/graph/tenant-objects.js';
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

/** The kinds watched inside each namespace by default: longyun's own, but the Namespace and the Schedule. */
const IN_NAMESPACE_KINDS = TENANT_KINDS.filter((k) => k.kind !== 'Namespace' && k.kind !== 'Schedule');
const NAMESPACE_KIND = TENANT_KINDS.find((k) => k.kind === 'Namespace')!;
const SCHEDULE_KIND = TENANT_KINDS.find((k) => k.kind === 'Schedule')!;
type Kind = Omit<ResourceType, 'labelSelector' | 'namespace'>;

/** What changed on a member, for whoever listens (the tenant controller, the DR copier). */
export type MemberChange = (member: string, namespace: string | undefined, obj: K8sObject) => void;

/** A Namespace, or longyun's access RoleBinding in one: what longyun may create before it has rights there. */
function isAccessObject(o: K8sObject): boolean {
  return (o.apiVersion === 'v1' && o.kind === 'Namespace') || (o.apiVersion === 'rbac.authorization.k8s.io/v1' && o.kind === 'RoleBinding' && o.metadata.name === TENANT_ROLE_BINDING);
}

export class MemberCluster {
  readonly rest: RestClient;
  /** Tenant Namespaces (cluster-wide, labelled) and Velero's Schedules. */
  private readonly informers: Informer[] = [];
  private readonly informerOf = new Map<string, Informer>();
  /** longyun's own kinds, watched inside every namespace longyun works in here. */
  private namespaced: NamespacedInformers | undefined;
  /** The other kinds the DR copier copies, watched only inside the namespaces it copies from or to. */
  private copied: NamespacedInformers | undefined;
  private copyKinds: Kind[] = [];
  private readonly watched = new Set<string>();
  /** Namespaces the copier asked for (watched with the copied kinds too, once accessible). */
  private readonly copyWanted = new Set<string>();
  private readonly listeners = new Set<MemberChange>();
  private started = false;
  /**
   * Who longyun is here, as the subjects of the `longyun-member` ClusterRoleBinding (municipal ops
   * bound them at onboarding); null when there is no such binding (an identity with rights of its
   * own, such as a dev cluster's admin), undefined until read.
   */
  private subjects: Subject[] | null | undefined;
  private subjectsReadMs = 0;
  /** Namespaces where longyun's access binding is known to be in place. */
  private readonly accessible = new Set<string>();
  private readonly probing = new Set<string>();

  constructor(
    readonly name: string,
    readonly kubeConfig: k8s.KubeConfig,
    /** The kubeconfig text it was built from, to notice a rotated secret. */
    readonly source: string,
    /** Called for every write sent (for the writes metric). */
    private readonly onWrite: (verb: 'apply' | 'delete' | 'update' | 'create') => void = () => {},
    /** Checked right before each write goes out (RestClient's WriteFence). */
    fence?: WriteFence,
  ) {
    this.rest = new RestClient(kubeConfig, fence ? { fence } : {});
  }

  static fromKubeconfig(name: string, text: string, context?: string, opts: { onWrite?: (verb: 'apply' | 'delete' | 'update' | 'create') => void; userAgent?: string; fence?: WriteFence } = {}): MemberCluster {
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

  /** API discovery: the core versions, the groups, and each group version's resources (GETs, no LIST). */
  async discovery(): Promise<Discovery> {
    const get = <T>(path: string) => this.rest.request<T>('GET', path, undefined, 'application/json', PROBE_TIMEOUT_MS);
    const core = await get<{ versions: string[] }>('/api');
    const apis = await get<{ groups: Array<{ name: string; versions: Array<{ groupVersion: string; version: string }>; preferredVersion?: { version: string } }> }>('/apis');
    const groups: Discovery['groups'] = [
      { name: '', preferredVersion: core.versions[0] ?? 'v1', versions: core.versions },
      ...apis.groups.map((g) => ({ name: g.name, preferredVersion: g.preferredVersion?.version ?? g.versions[0]?.version ?? '', versions: g.versions.map((v) => v.version) })),
    ];
    const resources: Discovery['resources'] = {};
    await Promise.all(
      groups.flatMap((g) =>
        g.versions.map(async (v) => {
          const gv = g.name ? `${g.name}/${v}` : v;
          try {
            const list = await get<{ resources: Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }> }>(g.name ? `/apis/${gv}` : `/api/${gv}`);
            resources[gv] = list.resources.map((r) => ({ name: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs }));
          } catch (e) {
            // A group version that stopped being served (a CRD removed meanwhile), or an aggregated API that is down: not copyable now.
            if (!(e instanceof KubeApiError) || (e.code !== 404 && e.code !== 503)) throw e;
          }
        }),
      ),
    );
    return { groups, resources };
  }

  /**
   * Server-side apply, taking ownership of the fields we set (force: we are the only manager). The
   * object the server returns goes into the cache at once (write-through), so the tenant's next
   * reconcile sees it without waiting for its watch event.
   */
  async apply(object: K8sObject): Promise<void> {
    // Nothing to change: no write. (Also what lets a pass made before a namespace's watches have
    // synced, which applies everything, get past a Namespace that exists to its access binding: a
    // patch of the Namespace is refused until that binding is there.)
    const cached = this.cached(object);
    if (cached && covers(cached, object)) return;
    // A tenant's Namespace and its access RoleBinding not seen yet are created first: RBAC
    // authorises an apply as a patch, and longyun may only *create* those two before the binding
    // exists (operator/member-rbac.ts). Either is applied when it exists (409).
    if (isAccessObject(object) && !this.seen(object)) {
      this.onWrite('create');
      try {
        const created = await this.rest.request<k8s.KubernetesObject>('POST', `${resourcePath({ ...object, metadata: { ...object.metadata, name: '' } })}?fieldManager=${FIELD_MANAGER}`, object);
        if (created?.metadata) this.mutate({ ...created, apiVersion: object.apiVersion, kind: object.kind });
        if (object.kind === 'RoleBinding') {
          await this.awaitAccess(object.metadata.namespace!);
          this.granted(object.metadata.namespace!);
        }
        return;
      } catch (e) {
        if (!(e instanceof KubeApiError && e.code === 409)) throw e;
      }
    }
    this.onWrite('apply');
    const applied = await this.rest.apply<k8s.KubernetesObject>(object, FIELD_MANAGER, true);
    if (applied?.metadata) this.mutate(applied);
    if (isAccessObject(object) && object.kind === 'RoleBinding') this.granted(object.metadata.namespace!);
  }

  /**
   * Waits (a few seconds at most) until a binding just made has taken effect: the API server's
   * authorizer sees a new RoleBinding through its own cache, so a write right after it can still
   * be refused. Asked as a SelfSubjectAccessReview (every authenticated identity may).
   */
  async awaitAccess(namespace: string, limitMs = 10_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'create', resource: 'configmaps', namespace } } };
    for (;;) {
      const r = await this.rest.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', review).catch(() => undefined);
      if (r?.status?.allowed || Date.now() > deadline) return;
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** Whether a watch here has seen the object (false as well before the watch has synced). */
  private seen(object: K8sObject): boolean {
    return this.cached(object) !== undefined;
  }

  private cached(object: K8sObject): unknown {
    const key = `${object.apiVersion}/${object.kind}`;
    const inf = this.informerOf.get(key);
    if (inf) return inf.cache.get(object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name);
    if (!object.metadata.namespace) return undefined;
    const where = this.isOwnKind(object.apiVersion, object.kind) ? this.namespaced : this.copied;
    return where?.objects(object.metadata.namespace).get(`${key}/${object.metadata.name}`);
  }

  /**
   * Makes the object exactly `object` (a standby copy: longyun owns all of it, so a field someone
   * else added is removed too): PUT over the version seen (`current`, optimistic concurrency: a
   * 409 means it changed meanwhile, and the caller tries again from the new version), or POST when
   * there is none.
   */
  async replace(object: K8sObject, plural: string, current: K8sObject | undefined): Promise<void> {
    await this.replaceOnce(object, plural, current);
    if (isAccessObject(object) && object.kind === 'RoleBinding') {
      if (!current) await this.awaitAccess(object.metadata.namespace!);
      this.granted(object.metadata.namespace!);
    }
  }

  private async replaceOnce(object: K8sObject, plural: string, current: K8sObject | undefined): Promise<void> {
    const path = resourcePath(object, plural);
    let written: k8s.KubernetesObject | undefined;
    if (current?.metadata) {
      this.onWrite('update');
      const body = { ...object, metadata: { ...object.metadata, resourceVersion: (current.metadata as { resourceVersion?: string }).resourceVersion } };
      written = await this.rest.request<k8s.KubernetesObject>('PUT', path, body);
    } else {
      this.onWrite('create');
      written = await this.rest.request<k8s.KubernetesObject>('POST', resourcePath({ ...object, metadata: { ...object.metadata, name: '' } }, plural), object);
    }
    if (written?.metadata) this.mutate({ ...written, apiVersion: object.apiVersion, kind: object.kind });
  }

  async delete(ref: ObjectRef, plural?: string): Promise<void> {
    this.onWrite('delete');
    if (plural === undefined) await this.rest.delete(ref);
    else {
      try {
        await this.rest.request('DELETE', resourcePath({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } }, plural));
      } catch (e) {
        if (!(e instanceof KubeApiError && e.code === 404)) throw e;
      }
    }
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

  /** Reads the subjects longyun is bound as (at most once a minute): part of the heartbeat. */
  async readSubjects(nowMs = Date.now()): Promise<void> {
    if (this.subjects !== undefined && nowMs - this.subjectsReadMs < 60_000) return;
    try {
      const crb = await this.rest.request<{ subjects?: Subject[] }>('GET', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${MEMBER_BINDING}`, undefined, 'application/json', PROBE_TIMEOUT_MS);
      try {
        this.subjects = memberSubjects(crb as never);
      } catch {
        this.subjects = null; // a binding with no subject longyun could name
      }
    } catch (e) {
      if (!(e instanceof KubeApiError) || (e.code !== 404 && e.code !== 403)) throw e;
      this.subjects = null;
    }
    this.subjectsReadMs = nowMs;
  }

  /**
   * The RoleBinding that gives longyun its rights inside `namespace` (a tenant's, or its standby
   * copy), labelled as the tenant's; undefined when this member's identity needs none.
   */
  accessBinding(tenant: string, namespace: string): K8sObject | undefined {
    if (!this.subjects) return undefined;
    const b = tenantRoleBinding(namespace, this.subjects);
    return { ...b, metadata: { ...b.metadata, labels: { ...b.metadata.labels, [LABELS.tenant]: tenant } } };
  }

  /** Called with every object that changes here (after start). */
  listen(listener: MemberChange): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the watches; `onTenantChange` gets the tenant of every object labelled with one that changes. */
  start(onTenantChange: (tenant: string) => void, onError?: (e: unknown) => void): void {
    if (this.started) return;
    this.started = true;
    const notify = (namespace: string | undefined, o: k8s.KubernetesObject) => {
      const t = o.metadata?.labels?.[LABELS.tenant];
      if (t) onTenantChange(t);
      for (const l of this.listeners) l(this.name, namespace, o as unknown as K8sObject);
    };
    for (const kind of [NAMESPACE_KIND, SCHEDULE_KIND]) {
      const isNamespace = kind === NAMESPACE_KIND;
      // A Namespace's change is its own namespace's; a Schedule's is Velero's.
      const n = (o: k8s.KubernetesObject) => notify(isNamespace ? o.metadata?.name : VELERO_NAMESPACE, { ...o, apiVersion: kind.apiVersion, kind: kind.kind });
      const inf = new Informer(
        this.kubeConfig,
        { ...kind, labelSelector: LABELS.tenant, ...(isNamespace ? {} : { namespace: VELERO_NAMESPACE }) },
        { onAdd: n, onUpdate: n, onDelete: n, ...(onError ? { onError } : {}) },
        { transform: dropManagedFields, indexBy: (o) => o.metadata?.labels?.[LABELS.tenant] },
      );
      this.informers.push(inf);
      this.informerOf.set(`${kind.apiVersion}/${kind.kind}`, inf);
      void inf.start();
    }
    const handlers = {
      onChange: (namespace: string, obj: K8sObject) => notify(namespace, obj as unknown as k8s.KubernetesObject),
      ...(onError ? { onError: (namespace: string, kind: { kind: string }, e: unknown) => onError(new Error(`${kind.kind} in ${namespace}: ${(e as Error).message ?? e}`)) } : {}),
    };
    this.namespaced = new NamespacedInformers(this.kubeConfig, IN_NAMESPACE_KINDS, handlers);
    this.copied = new NamespacedInformers(this.kubeConfig, this.copyKinds, handlers);
    for (const ns of this.watched) {
      this.namespaced.add(ns);
      if (this.copyWanted.has(ns)) this.copied.add(ns);
    }
  }

  /**
   * Watches every kind inside `namespace` from now on (a tenant's namespace, or its standby copy).
   * Where longyun needs its access binding, not before that binding is there (a read of it, or its
   * write, shows it): a watch started earlier would only be refused.
   */
  watchNamespace(namespace: string): void {
    if (this.watched.has(namespace)) return;
    if (this.subjects && !this.accessible.has(namespace)) {
      void this.probeAccess(namespace);
      return;
    }
    this.watched.add(namespace);
    this.namespaced?.add(namespace);
    if (this.copyWanted.has(namespace)) this.copied?.add(namespace);
  }

  /** Watches `namespace` with the copied kinds too (setCopyKinds): the DR copier's source or standby namespace. */
  watchCopies(namespace: string): void {
    if (this.copyWanted.has(namespace)) return;
    this.copyWanted.add(namespace);
    if (this.watched.has(namespace)) this.copied?.add(namespace);
    else this.watchNamespace(namespace);
  }

  private async probeAccess(namespace: string): Promise<void> {
    if (this.probing.has(namespace)) return;
    this.probing.add(namespace);
    try {
      await this.rest.request('GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings/${TENANT_ROLE_BINDING}`, undefined, 'application/json', PROBE_TIMEOUT_MS);
      this.granted(namespace);
    } catch {
      // Not there yet (403, or 404): writing it makes the namespace accessible.
    } finally {
      this.probing.delete(namespace);
    }
  }

  /** longyun's access binding in `namespace` is in place: watch it. */
  private granted(namespace: string): void {
    this.accessible.add(namespace);
    this.watchNamespace(namespace);
  }

  unwatchNamespace(namespace: string): void {
    this.accessible.delete(namespace);
    this.copyWanted.delete(namespace);
    this.copied?.remove(namespace);
    if (!this.watched.delete(namespace)) return;
    this.namespaced?.remove(namespace);
  }

  /** The kinds the copier copies (from discovery): watched, besides longyun's own, in the namespaces of watchCopies. */
  setCopyKinds(kinds: readonly Kind[]): void {
    const own = new Set(IN_NAMESPACE_KINDS.map((k) => `${k.apiVersion}/${k.kind}`));
    const next = kinds.filter((k) => !own.has(`${k.apiVersion}/${k.kind}`)).map((k) => ({ apiVersion: k.apiVersion, kind: k.kind, plural: k.plural }));
    const key = (l: readonly Kind[]) => l.map((k) => `${k.apiVersion}/${k.kind}`).join(',');
    if (key(next) === key(this.copyKinds)) return;
    this.copyKinds = next;
    this.copied?.setKinds(next);
  }

  private isOwnKind(apiVersion: string | undefined, kind: string | undefined): boolean {
    return IN_NAMESPACE_KINDS.some((k) => k.apiVersion === apiVersion && k.kind === kind);
  }

  private mutate(obj: k8s.KubernetesObject): void {
    const key = `${obj.apiVersion}/${obj.kind}`;
    const inf = this.informerOf.get(key);
    if (inf) inf.mutate(obj);
    else if (this.isOwnKind(obj.apiVersion, obj.kind)) this.namespaced?.mutate(obj as unknown as K8sObject);
    else this.copied?.mutate(obj as unknown as K8sObject);
  }

  stop(): void {
    for (const i of this.informers) i.stop();
    this.informers.length = 0;
    this.informerOf.clear();
    this.namespaced?.stop();
    this.namespaced = undefined;
    this.copied?.stop();
    this.copied = undefined;
    this.started = false;
    this.rest.close();
  }

  /** The cluster-wide watches have synced (each namespace syncs on its own: see namespaceSynced). */
  get synced(): boolean {
    return this.started && this.informers.every((i) => i.hasSynced);
  }

  /** longyun's own kinds have synced in the namespace (and the copied ones, where the copier asked for them). */
  namespaceSynced(namespace: string): boolean {
    return this.synced && (this.namespaced?.synced(namespace) ?? false) && (!this.copyWanted.has(namespace) || (this.copied?.synced(namespace) ?? false));
  }

  /** Everything seen inside a namespace, by `${apiVersion}/${kind}/${name}`; undefined until it has synced. */
  namespaceObjects(namespace: string): ReadonlyMap<string, K8sObject> | undefined {
    if (!this.namespaceSynced(namespace)) return undefined;
    const own = this.namespaced!.objects(namespace);
    return this.copyWanted.has(namespace) ? new Map([...own, ...this.copied!.objects(namespace)]) : own;
  }

  /** The Namespace object, as last seen (tenant Namespaces only: those labelled with a tenant). */
  namespaceObject(namespace: string): K8sObject | undefined {
    const o = this.informerOf.get(`${NAMESPACE_KIND.apiVersion}/${NAMESPACE_KIND.kind}`)?.cache.get(namespace);
    return o ? ({ ...o, apiVersion: 'v1', kind: 'Namespace' } as unknown as K8sObject) : undefined;
  }

  /**
   * A tenant's objects on this member (labelled as its), by ref key: its Namespace, what is in its
   * namespace, its Schedules; undefined until every watch of them has synced.
   */
  tenantObjects(tenant: string, namespace: string = tenant): Map<string, K8sObject> | undefined {
    if (!this.synced) return undefined;
    this.watchNamespace(namespace);
    const inside = this.namespaceObjects(namespace);
    if (inside === undefined) return undefined;
    const out = new Map<string, K8sObject>();
    const put = (obj: K8sObject) => out.set(refKey({ apiVersion: obj.apiVersion, kind: obj.kind, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name }), obj);
    for (const inf of this.informers) for (const o of inf.indexed(tenant)) put(o as unknown as K8sObject);
    for (const o of inside.values()) if (o.metadata.labels?.[LABELS.tenant] === tenant && IN_NAMESPACE_KINDS.some((k) => k.apiVersion === o.apiVersion && k.kind === o.kind)) put(o);
    return out;
  }
}
