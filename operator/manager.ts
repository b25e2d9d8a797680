// The operator runtime: informers on the management cluster (CloudNodes, Tenants), a work queue
// per controller, the registry of member clusters, leader election, metrics, and the DR
// controllers of each leadership term (operator/dr-runtime.ts: copier, drills, failovers). The
// decisions are the pure reconcilers in controllers/; this file only reads caches and does their
// I/O, writing statuses and finalizers through operator/status-writer.ts.
import * as k8s from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import type { Server } from 'node:http';
import { ownBackupLocation } from '../controllers/backup-locations.js';
import { NODE_FINALIZER, reconcileCloudNode, reconcileCloudNodeDeletion, SYSTEM_NAMESPACE, type BackupLocationsInput } from '../controllers/cloud-node-reconciler.js';
import { CloudNodeConditions, isTrue, Reasons, setCondition, TenantConditions, withFinalizer } from '../controllers/conditions.js';
import { add, capacityResources, quotaResources, ZERO, type NodeView, type Resources } from '../controllers/placement.js';
import { reconcileTenant, refKey, refOf, TENANT_FINALIZER, type TenantResource, type TenantStatus } from '../controllers/tenant-reconciler.js';
import type { Estate } from '../topology/estate.js';
import type { AddressPlan } from '../topology/ipam/address-plan.js';
import { API_VERSION } from './crds.js';
import { EventRecorder, objectReference } from './events.js';
import { leaseFence } from './fence.js';
import { dropManagedFields, Informer } from './informer.js';
import { electionTimings, LeaderElector, LeaseLostError, RestLeaseStore, systemClock, type ElectionClock, type ElectionTimings } from './leader-election.js';
import { MemberCluster } from './member-cluster.js';
import { tenantNamespace } from '../stacks/graph/tenant-objects.js';
import { reservedRoom, type HostContext } from './copier-host.js';
import { DrRuntime } from './dr-runtime.js';
import type { DrillRunnerOptions } from './drill-runner.js';
import { StatusWriter, type CloudNodeObj, type Plural, type TenantObj } from './status-writer.js';
import { OperatorMetrics, startHealthServer } from './metrics.js';
import { KubeApiError, operatorUserAgent, RequestCancelledError, RestClient, UserAgentKubeConfig, type WriteFence } from './rest.js';
import { WorkQueue } from './work-queue.js';

export const OPERATOR_NAMESPACE = 'longyun-system';
/** How soon a key taken before both caches synced is tried again. */
const CACHE_SYNC_WAIT_MS = 100;

export interface OperatorOptions {
  kubeConfig: k8s.KubeConfig;
  estate: Estate;
  plan: AddressPlan;
  namespace?: string;
  identity?: string;
  /** /metrics, /healthz and /readyz: 0 picks a free port; undefined serves no HTTP. */
  metricsPort?: number;
  /** The address they listen on; undefined: every interface. */
  metricsHost?: string;
  /** Leader election (client-go's semantics): lease duration (whole seconds, default 15), renew deadline and retry period (default 2/3 and 2/15 of the lease). */
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /**
   * One line per mutating request: `write sent=… deadline=… identity=… cluster=… METHOD PATH` once
   * it passed the fence and was handed to its socket, `fenced sent=…` (same fields) when the fence
   * kept it back. `deadline` is the wall time at which this replica's renew deadline passes.
   */
  logWrites?: (line: string) => void;
  /** The clocks of the election and the fence (tests). */
  clock?: ElectionClock;
  /**
   * After a lost lease, once the queues have stopped, compete again as a restarted replica would
   * (tests that take the management API server away). Without it the replica stays out, as
   * client-go's elector does: `operator run` exits then, and its pod restarts.
   */
  rejoinAfterLoss?: boolean;
  /** The DR copier: how often the source's liveness is read (default 2 s), and how far a recovery point moves before the status is written (default 30 s). */
  drLivenessMs?: number;
  drStatusStepMs?: number;
  resyncMs?: number;
  /** Test hooks of the drill and failover runners: kill the process on entering these phases; hold a drill's step until the promise settles. */
  crashOnPhase?: ReadonlySet<string>;
  /** How long an old source must answer again before its fence is checked again and lost+found taken (default 60 s, the API server's request timeout). */
  fenceSettleMs?: number;
  drillGate?: DrillRunnerOptions['gate'];
  concurrency?: number;
  log?: (line: string) => void;
}


/** A Tenant's status without what the DR controllers write there (the copier's, the drills', the failovers'): not the tenant controller's to compare. */
function tenantOwnStatus(status: TenantStatus | undefined): TenantStatus {
  const { dr: _dr, operation: _op, drills: _drills, failovers: _failovers, lostAndFound: _lostAndFound, ...own } = status ?? {};
  return own;
}

export class Operator {
  readonly metrics = new OperatorMetrics();
  readonly members = new Map<string, MemberCluster>();
  /** The management cluster, as plain JSON over one keep-alive connection pool. */
  private readonly rest: RestClient;
  /** The same cluster without the fence: the Lease itself, and the namespace it lives in. */
  private readonly leaseRest: RestClient;
  /** The caller's kubeconfig with this replica's User-Agent. */
  private readonly kubeConfig: k8s.KubeConfig;
  private readonly clock: ElectionClock;
  /** Settles at the first lost lease (never after a graceful stop), once the queues have stopped: `operator run` exits then. */
  readonly lost: Promise<LeaseLostError>;
  private resolveLost!: (e: LeaseLostError) => void;
  private stopping: Promise<void> | undefined;
  private stopped = false;
  /** Events on the management cluster, a repeat counted on the Event it repeats. */
  private readonly recorder: EventRecorder;
  /** Statuses and finalizers of CloudNodes and Tenants. */
  private readonly writer: StatusWriter;
  private nodeInformer: Informer<CloudNodeObj> | undefined;
  private tenantInformer: Informer<TenantObj> | undefined;
  private nodeQueue: WorkQueue | undefined;
  /** The DR controllers of this term: copier, drills, schedules, failovers, fence guard (operator/dr-runtime.ts). */
  private dr: DrRuntime | undefined;
  private tenantQueue: WorkQueue | undefined;
  private elector: LeaderElector;
  /** Leadership terms begun, so that a term's late start-up does not run into the next one. */
  private term = 0;
  private server: Server | undefined;
  private resync: NodeJS.Timeout | undefined;
  /** Placements decided by this process and not yet seen in a Tenant's status. */
  private readonly placements = new Map<string, { node: string; resources: Resources }>();
  /** Nodes announced usable (Ready, caches synced) to the waiting tenants; forgotten when they stop being usable. */
  private readonly announced = new Set<string>();
  private leading = false;
  readonly namespace: string;
  readonly identity: string;

  constructor(private readonly opts: OperatorOptions) {
    this.namespace = opts.namespace ?? OPERATOR_NAMESPACE;
    this.identity = opts.identity ?? `${hostname()}-${process.pid}`;
    this.clock = opts.clock ?? systemClock;
    this.kubeConfig = new UserAgentKubeConfig(opts.kubeConfig, operatorUserAgent(this.identity));
    this.leaseRest = new RestClient(this.kubeConfig);
    this.rest = new RestClient(this.kubeConfig, { fence: this.fence('management') });
    this.writer = new StatusWriter(this.rest, this.metrics, (p) => this.informerOf(p));
    this.recorder = new EventRecorder(this.rest, { source: { component: 'longyun-operator' }, onWrite: (verb) => this.metrics.writes.inc({ cluster: 'management', verb }) });
    this.lost = new Promise((resolve) => (this.resolveLost = resolve));
    this.elector = this.newElector(electionTimings(opts.leaseDurationSeconds ?? 15, opts.renewDeadlineMs, opts.retryPeriodMs));
  }

  private newElector(timings: ElectionTimings): LeaderElector {
    return new LeaderElector({
      identity: this.identity,
      store: new RestLeaseStore(this.leaseRest, this.namespace, 'longyun-operator'),
      timings,
      clock: this.clock,
      onStartedLeading: () => void this.startLeading(),
      onStoppedLeading: (lost) => this.stopLeading(lost),
      log: (l) => this.log(l),
    });
  }

  /** The write fence of one cluster's client (the management cluster, or a member). */
  private fence(cluster: string): WriteFence {
    return leaseFence({ clock: this.clock, deadline: () => this.elector.writeDeadline, identity: this.identity, cluster, ...(this.opts.logWrites ? { logWrites: this.opts.logWrites } : {}) });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Election timings in effect (the defaults scaled from the lease duration). */
  get electionTimings(): ElectionTimings {
    return this.elector.timings;
  }

  /** The lease holder this replica last saw: itself, another replica, or undefined before its first try. */
  get leader(): string | undefined {
    return this.elector.leader;
  }

  get metricsPort(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  private log(line: string): void {
    this.opts.log?.(`${new Date().toISOString()} ${this.identity} ${line}`);
  }

  async start(): Promise<void> {
    if (this.opts.metricsPort !== undefined) {
      this.server = await startHealthServer({
        port: this.opts.metricsPort,
        ...(this.opts.metricsHost !== undefined ? { host: this.opts.metricsHost } : {}),
        metrics: this.metrics,
        ready: () => !this.leading || this.synced(),
      });
    }
    await this.ensureNamespace();
    this.elector.start();
  }

  /** Graceful: stop taking work, finish reconciles in flight, release the lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.stopLeadingAsync();
    await this.elector.stop();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  synced(): boolean {
    return (this.nodeInformer?.hasSynced ?? false) && (this.tenantInformer?.hasSynced ?? false);
  }

  /**
   * The lease's namespace, before there is a leader: one of the two writes not fenced (with the
   * Lease's own), and made only when the namespace is missing.
   */
  private async ensureNamespace(): Promise<void> {
    try {
      await this.leaseRest.request('GET', `/api/v1/namespaces/${this.namespace}`);
      return;
    } catch (e) {
      // 403: deployed with least privilege, where the manifests create it.
      const code = (e as { code?: number }).code;
      if (code === 403) return;
      if (code !== 404) throw e;
    }
    try {
      await this.leaseRest.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } });
    } catch (e) {
      // 409: made meanwhile (by another replica).
      const code = (e as { code?: number }).code;
      if (code !== 409 && code !== 403) throw e;
    }
  }

  private async startLeading(): Promise<void> {
    if (this.leading) return;
    this.leading = true;
    const term = ++this.term;
    this.metrics.leader.set(1);
    this.log('leading: starting controllers');
    const concurrency = this.opts.concurrency ?? 8;
    this.nodeQueue = new WorkQueue((k) => this.reconcileNode(k), { concurrency: 4 });
    this.tenantQueue = new WorkQueue((k) => this.reconcileTenantKey(k), { concurrency });
    this.metrics.observe({
      queueDepths: () => ({ tenant: this.tenantQueue?.stats().depth ?? 0, cloudnode: this.nodeQueue?.stats().depth ?? 0 }),
      tenantPhases: () => this.phaseCounts(),
    });
    const enqueueTenant = (t: TenantObj) => this.tenantQueue?.add(t.metadata.name);
    this.nodeInformer = new Informer<CloudNodeObj>(this.kubeConfig, { apiVersion: API_VERSION, kind: 'CloudNode', plural: 'cloudnodes' }, {
      onAdd: (n) => this.nodeQueue?.add(n.metadata.name),
      onUpdate: (n, old) => {
        if (n.metadata.generation !== old.metadata.generation || n.metadata.deletionTimestamp !== old.metadata.deletionTimestamp) this.nodeQueue?.add(n.metadata.name);
        // A standby onboarded or gone, a node Ready or not: the copies may go where they could not.
        if (n.metadata.generation !== old.metadata.generation || isTrue(n.status?.conditions, CloudNodeConditions.Ready) !== isTrue(old.status?.conditions, CloudNodeConditions.Ready)) this.dr?.copier.enqueueAll();
        // A node becoming Ready lets waiting tenants proceed.
        if (isTrue(n.status?.conditions, CloudNodeConditions.Ready) !== isTrue(old.status?.conditions, CloudNodeConditions.Ready)) {
          for (const t of this.tenantInformer?.list() ?? []) enqueueTenant(t);
        }
      },
      onDelete: (n) => this.dropMember(n.metadata.name),
      onError: (e) => this.log(`cloudnodes watch: ${(e as Error).message ?? e}`),
    }, { transform: dropManagedFields });
    this.tenantInformer = new Informer<TenantObj>(this.kubeConfig, { apiVersion: API_VERSION, kind: 'Tenant', plural: 'tenants' }, {
      onAdd: enqueueTenant,
      onUpdate: (t, old) => {
        // Our own status writes do not need another pass; spec, deletion and finalizers do.
        if (t.metadata.generation !== old.metadata.generation || t.metadata.deletionTimestamp !== old.metadata.deletionTimestamp || JSON.stringify(t.metadata.finalizers) !== JSON.stringify(old.metadata.finalizers)) enqueueTenant(t);
        // The copier: a new plan, a deletion, a placement or a move of the active copy (not its own writes).
        if (t.metadata.generation !== old.metadata.generation || t.metadata.deletionTimestamp !== old.metadata.deletionTimestamp || t.status?.node !== old.status?.node || t.status?.activeNode !== old.status?.activeNode) this.dr?.copier.enqueue(t.metadata.name);
        // A switch: the backup storage locations move with the active copy.
        if (t.spec.dr && t.status?.activeNode !== old.status?.activeNode) for (const n of [old.status?.activeNode, t.status?.activeNode]) if (n) this.nodeQueue?.add(n);
      },
      onDelete: (t) => {
        const node = this.placedNode(t);
        this.placements.delete(t.metadata.name);
        // A node being offboarded may have been waiting for this tenant to go; with its DR plan
        // gone, the node may not need some backup storage locations any more.
        if (node && (t.spec.dr || this.nodeInformer?.cache.get(node)?.metadata.deletionTimestamp)) this.nodeQueue?.add(node);
      },
      onError: (e) => this.log(`tenants watch: ${(e as Error).message ?? e}`),
    }, { transform: dropManagedFields });
    await Promise.all([this.nodeInformer.start(), this.tenantInformer.start()]);
    if (term !== this.term || !this.leading) return; // this term ended while the caches filled
    const dr = new DrRuntime(
      { ...this.hostContext(), plan: this.opts.plan, namespace: this.namespace, kubeConfig: this.kubeConfig, rest: this.rest },
      {
        ...(this.opts.drLivenessMs !== undefined ? { drLivenessMs: this.opts.drLivenessMs } : {}),
        ...(this.opts.drStatusStepMs !== undefined ? { drStatusStepMs: this.opts.drStatusStepMs } : {}),
        ...(this.opts.crashOnPhase ? { crashOnPhase: this.opts.crashOnPhase } : {}),
        ...(this.opts.drillGate ? { drillGate: this.opts.drillGate } : {}),
        ...(this.opts.fenceSettleMs !== undefined ? { fenceSettleMs: this.opts.fenceSettleMs } : {}),
      },
    );
    this.dr = dr;
    this.metrics.observeDr(() => this.dr?.copier.recoveryPoints() ?? []);
    await dr.start();
    if (term !== this.term || !this.leading) return void dr.stop();
    // Periodic resync: every key again, so drift is corrected even without an event.
    this.resync = setInterval(() => {
      for (const n of this.nodeInformer?.list() ?? []) this.nodeQueue?.add(n.metadata.name);
      for (const t of this.tenantInformer?.list() ?? []) enqueueTenant(t);
    }, this.opts.resyncMs ?? 300_000);
  }

  /**
   * The elector stopped leading: gracefully (stop(), which has drained the queues already), or
   * because the lease was lost. Then the fence holds every write back already; the requests in
   * flight are cut off too (reads, or writes sent before the deadline), so that the reconciles end
   * at once, and `lost` settles once the queues have stopped.
   */
  private stopLeading(lost?: LeaseLostError): void {
    if (lost) {
      const cancelled = new RequestCancelledError(lost.message);
      this.rest.cancelAll(cancelled);
      for (const m of this.members.values()) m.rest.cancelAll(cancelled);
    }
    void this.stopLeadingAsync().then(() => {
      if (!lost) return;
      this.resolveLost(lost);
      if (this.opts.rejoinAfterLoss && !this.stopped) {
        this.elector = this.newElector(this.elector.timings);
        this.elector.start();
      }
    });
  }

  private stopLeadingAsync(): Promise<void> {
    if (!this.leading) return this.stopping ?? Promise.resolve();
    this.leading = false;
    this.metrics.leader.set(0);
    this.log('no longer leading: stopping controllers');
    if (this.resync) clearInterval(this.resync);
    this.metrics.observe(undefined);
    this.metrics.memberUp.reset();
    this.nodeInformer?.stop();
    this.tenantInformer?.stop();
    this.stopping = (async () => {
      const dr = this.dr;
      this.dr = undefined;
      this.metrics.observeDr(undefined);
      await Promise.all([this.nodeQueue?.shutdown(), this.tenantQueue?.shutdown(), dr?.stop()]);
      for (const m of this.members.values()) m.stop();
      this.members.clear();
      this.placements.clear();
      this.announced.clear();
    })();
    return this.stopping;
  }

  /** Reconciles one CloudNode or Tenant now, and waits until that queue is idle (tests). */
  reconcileNow(plural: 'tenants' | 'cloudnodes', name: string): Promise<void> {
    const queue = plural === 'tenants' ? this.tenantQueue : this.nodeQueue;
    queue?.add(name);
    return queue?.idle() ?? Promise.resolve();
  }

  /**
   * The informer cache of CloudNodes or Tenants, what every decision starts from. Tests put an
   * outdated object in it on purpose, to show that no write from a stale cache loses an update.
   */
  cacheOf(plural: 'tenants' | 'cloudnodes'): Map<string, TenantObj | CloudNodeObj> | undefined {
    return (plural === 'tenants' ? this.tenantInformer : this.nodeInformer)?.cache;
  }

  /** Reconciles every known tenant now (used by `resync` benchmarks and tests). */
  resyncAll(): Promise<void> {
    for (const t of this.tenantInformer?.list() ?? []) this.tenantQueue?.add(t.metadata.name);
    return this.tenantQueue?.idle() ?? Promise.resolve();
  }

  private dropMember(name: string): void {
    this.announced.delete(name);
    this.members.get(name)?.stop();
    this.members.delete(name);
    this.metrics.memberUp.remove(name);
  }

  private async timed<T>(controller: string, fn: () => Promise<T>): Promise<T> {
    const end = this.metrics.duration.startTimer({ controller });
    try {
      const r = await fn();
      this.metrics.reconciles.inc({ controller, result: 'success' });
      return r;
    } catch (e) {
      this.metrics.reconciles.inc({ controller, result: 'error' });
      this.log(`${controller} reconcile failed: ${(e as Error).message ?? e}`);
      throw e;
    } finally {
      end();
    }
  }

  // ---- CloudNode ------------------------------------------------------------------------------

  private async memberFor(node: CloudNodeObj): Promise<{ member?: MemberCluster; error?: string; secretOwned?: boolean }> {
    const ref = node.spec.kubeconfigSecretRef;
    // Only a missing secret is the node's problem; the management API being away is not (that throws).
    const secret = await this.rest.get<k8s.V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { name: ref.name, namespace: ref.namespace ?? this.namespace } });
    if (!secret) return { error: `secret ${ref.namespace ?? this.namespace}/${ref.name}: not found` };
    const secretOwned = node.metadata.uid === undefined || (secret.metadata?.ownerReferences ?? []).some((o) => o.uid === node.metadata.uid);
    const data = secret.data?.[ref.key ?? 'kubeconfig'];
    if (!data) return { error: `secret ${ref.namespace ?? this.namespace}/${ref.name} has no key "${ref.key ?? 'kubeconfig'}"`, secretOwned };
    const text = Buffer.from(data, 'base64').toString('utf8');
    const existing = this.members.get(node.metadata.name);
    if (existing && existing.source === `${node.spec.context ?? ''}\n${text}`) return { member: existing, secretOwned };
    existing?.stop();
    try {
      const member = MemberCluster.fromKubeconfig(node.metadata.name, text, node.spec.context, {
        onWrite: (verb) => this.metrics.writes.inc({ cluster: node.metadata.name, verb }),
        userAgent: operatorUserAgent(this.identity),
        fence: this.fence(node.metadata.name),
      });
      this.members.set(node.metadata.name, member);
      return { member, secretOwned };
    } catch (e) {
      return { error: `the kubeconfig in secret ${ref.name} does not load: ${(e as Error).message}`, secretOwned };
    }
  }

  /** The node a tenant is on: in its status, or decided by this process and not yet written. */
  private placedNode(t: TenantObj): string | undefined {
    return t.status?.node ?? this.placements.get(t.metadata.name)?.node;
  }

  /** Tenants placed on `node`, those being deleted included. */
  private tenantsOn(node: string): string[] {
    return (this.tenantInformer?.list() ?? []).filter((t) => this.placedNode(t) === node).map((t) => t.metadata.name);
  }

  /** What a node has committed: its tenants' quotas, and on a standby the room it holds for the copies of the DR tenants it protects. */
  private allocatedOn(node: string): { resources: Resources; tenants: number } {
    const n = this.nodeInformer?.cache.get(node);
    let resources = n?.spec.role === 'standby' ? reservedRoom(n, this.hostContext()) : ZERO;
    let tenants = 0;
    for (const t of this.tenantInformer?.list() ?? []) {
      if (this.placedNode(t) !== node) continue;
      resources = add(resources, quotaResources(t.spec.quota));
      tenants++;
    }
    return { resources, tenants };
  }

  private async reconcileNode(name: string): Promise<{ requeueAfterMs?: number } | void> {
    // Each informer's first list enqueues its keys while the other may still be listing: a node
    // decided on before the tenants are known would see none on it (and could be offboarded under
    // them), a tenant before the nodes are known would be placed without its city's node.
    if (!this.synced()) return { requeueAfterMs: CACHE_SYNC_WAIT_MS };
    return this.timed('cloudnode', async () => {
      const node = this.nodeInformer?.cache.get(name);
      if (!node) return this.dropMember(name);
      if (node.metadata.deletionTimestamp) return this.offboardNode(node);
      const { member, error, secretOwned } = await this.memberFor(node);
      const { version, reachError, forbidden, systemReady } = await this.probe(name, member);
      // Only from a member that answered the whole probe (one that hangs would hold up its heartbeat).
      const backups = member && version && forbidden === undefined && reachError === undefined ? await this.backupLocationsInput(name, member) : undefined;
      const decision = reconcileCloudNode(
        node,
        { ...(error !== undefined ? { kubeconfigError: error } : {}), ...(secretOwned !== undefined ? { secretOwned } : {}), ...(version ? { version } : {}), ...(reachError ? { error: reachError } : {}), ...(forbidden !== undefined ? { forbidden } : {}), systemReady, cachesSynced: member?.synced ?? false },
        this.allocatedOn(name),
        new Date(),
        backups,
      );
      if (member && version) {
        for (const o of decision.apply) await member.apply(o);
        for (const r of decision.delete) await member.delete(r);
        if (forbidden === undefined) {
          await member.readSubjects();
          member.start((tenant) => this.tenantQueue?.add(tenant), (e) => this.log(`member ${name}: ${(e as Error).message ?? e}`));
        }
      }
      if (decision.addFinalizer) await this.writer.setFinalizer('cloudnodes', name, NODE_FINALIZER, true);
      if (decision.adoptSecret) await this.adoptSecret(node);
      if (decision.event) await this.event(node, decision.event);
      await this.writer.patchStatus('cloudnodes', name, decision.status);
      // A node that has just become usable (Ready, its caches synced: at start, after onboarding,
      // after it was unreachable) can take the tenants waiting for it: wake them. This cannot be
      // left to the informer's update handler: the watch event of this status write never reaches
      // it (the write-through cache has the object already), and they would wait out their
      // requeue (30 s).
      const usable = isTrue(decision.status.conditions, CloudNodeConditions.Ready) && (member?.synced ?? false);
      if (!usable) this.announced.delete(name);
      else if (!this.announced.has(name)) {
        this.announced.add(name);
        for (const t of this.tenantInformer?.list() ?? []) this.tenantQueue?.add(t.metadata.name);
      }
      if (member && !member.synced && forbidden === undefined) return { requeueAfterMs: 250 };
      return { requeueAfterMs: decision.requeueAfterMs };
    });
  }

  /**
   * Whether the member answers (its version), whether it lets the kubeconfig's identity in (a 403
   * is `forbidden`), and whether longyun-system is there; sets its up metric.
   */
  private async probe(name: string, member: MemberCluster | undefined): Promise<{ version?: { major: string; minor: string; gitVersion: string }; reachError?: string; forbidden?: string; systemReady: boolean }> {
    let version: { major: string; minor: string; gitVersion: string } | undefined;
    let reachError: string | undefined;
    let forbidden: string | undefined;
    let systemReady = false;
    if (member) {
      try {
        version = await member.version();
        systemReady = await member.exists({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NAMESPACE } });
      } catch (e) {
        if (e instanceof KubeApiError && e.code === 403) forbidden = e.message;
        else reachError = (e as Error).message ?? String(e);
      }
    }
    this.metrics.memberUp.set({ cluster: name }, version ? 1 : 0);
    return { ...(version ? { version } : {}), ...(reachError !== undefined ? { reachError } : {}), ...(forbidden !== undefined ? { forbidden } : {}), systemReady };
  }

  /**
   * What the node's BackupStorageLocation decision needs: its tenants' DR centres and the locations
   * on the member. Undefined until the tenant cache has synced (an empty cache would look like no
   * tenant needs any).
   */
  private async backupLocationsInput(name: string, member: MemberCluster): Promise<BackupLocationsInput | undefined> {
    if (!this.tenantInformer?.hasSynced) return undefined;
    // The locations follow the active copy: a tenant failed over backs up from the node now active.
    const tenants = (this.tenantInformer.list() ?? []).filter((t) => t.spec.dr && (t.status?.activeNode ?? this.placedNode(t)) === name).map((t) => ({ name: t.metadata.name, centres: t.spec.dr!.centres }));
    try {
      return { estate: this.opts.estate, tenants, onMember: await member.backupLocations() };
    } catch (e) {
      return { estate: this.opts.estate, tenants, onMember: undefined, readError: (e as Error).message ?? String(e) };
    }
  }

  /** A deleted CloudNode: wait for its tenants to go, undo onboarding on the member, release the finalizer. */
  private async offboardNode(node: CloudNodeObj): Promise<{ requeueAfterMs?: number } | void> {
    const name = node.metadata.name;
    const { member } = await this.memberFor(node);
    const { version, systemReady } = await this.probe(name, member);
    // No BackupStorageLocation kind on the member (404): Velero is gone, and so are they.
    const locations = member && version ? await member.backupLocations().catch((e) => (e instanceof KubeApiError && e.code === 404 ? new Map() : Promise.reject(e))) : new Map();
    const backupLocations = [...locations.values()].filter((o) => ownBackupLocation(o, name)).map(refOf);
    const decision = reconcileCloudNodeDeletion(node, { tenants: this.tenantsOn(name), reachable: version !== undefined, systemPresent: systemReady, backupLocations }, new Date());
    if (decision.event) await this.event(node, decision.event);
    if (!decision.removeFinalizer) {
      if (!isDeepStrictEqual(decision.status, node.status ?? {})) await this.writer.patchStatus('cloudnodes', name, decision.status);
      return decision.requeueAfterMs !== undefined ? { requeueAfterMs: decision.requeueAfterMs } : undefined;
    }
    for (const ref of decision.deleteFromMember) await member!.delete(ref);
    await this.writer.setFinalizer('cloudnodes', name, NODE_FINALIZER, false);
    this.log(`cloudnode ${name}: offboarded`);
    this.dropMember(name);
  }

  // ---- Tenant ---------------------------------------------------------------------------------

  private nodeViews(): NodeView[] {
    return (this.nodeInformer?.list() ?? []).map((n) => ({
      name: n.metadata.name,
      kind: n.spec.kind,
      unit: n.spec.unit,
      ready: isTrue(n.status?.conditions, CloudNodeConditions.Ready) && (this.members.get(n.metadata.name)?.synced ?? false),
      ...(n.metadata.deletionTimestamp ? { deleting: true } : {}),
      ...(n.spec.role === 'standby' ? { standby: true, ...(n.spec.datacentre ? { datacentre: n.spec.datacentre } : {}), protects: n.spec.protects ?? [] } : {}),
      capacity: capacityResources(n.spec.capacity),
    }));
  }

  private committed(except: string): Map<string, Resources> {
    const out = new Map<string, Resources>();
    for (const t of this.tenantInformer?.list() ?? []) {
      if (t.metadata.name === except || t.metadata.deletionTimestamp) continue;
      const node = this.placedNode(t);
      if (!node) continue;
      out.set(node, add(out.get(node) ?? ZERO, quotaResources(t.spec.quota)));
    }
    return out;
  }

  private async reconcileTenantKey(name: string): Promise<{ requeueAfterMs?: number } | void> {
    if (!this.synced()) return { requeueAfterMs: CACHE_SYNC_WAIT_MS };
    return this.timed('tenant', async () => {
      const tenant = this.tenantInformer?.cache.get(name);
      if (!tenant) return;
      // A failover holds the tenant's member objects until it is verified on the target: no write
      // here may undo its fence or race its promotion.
      if (this.dr?.holds(name).reconcile && !tenant.metadata.deletionTimestamp) return { requeueAfterMs: 2000 };
      const node = this.placedNode(tenant);
      // The tenant's objects are on the node holding its active copy (its home until a failover).
      const active = tenant.status?.activeNode ?? node;
      const member = active ? this.members.get(active) : undefined;
      const withNode: TenantResource = node && !tenant.status?.node ? { ...tenant, status: { ...tenant.status, node } } : tenant;
      const ctx = { estate: this.opts.estate, plan: this.opts.plan, now: new Date() };
      // Reading what is committed and recording our placement happen with no await in between:
      // two tenants can never both take the last room on a node. (Only a tenant still to be
      // placed needs the tally of the others.)
      const placing = node === undefined && !tenant.metadata.deletionTimestamp;
      const accessBinding = (on: string) => this.members.get(on)?.accessBinding(name, tenantNamespace({ id: name }));
      const decision = reconcileTenant(withNode, { nodes: this.nodeViews(), allocated: placing ? this.committed(name) : new Map(), memberObjects: active ? member?.tenantObjects(name) : new Map(), accessBinding }, ctx);
      if (decision.status.node && !tenant.metadata.deletionTimestamp) this.placements.set(name, { node: decision.status.node, resources: quotaResources(tenant.spec.quota) });
      let finalizers = tenant.metadata.finalizers ?? [];
      let applied = 0;
      // Write-ahead: the node and every object about to be applied are in the Tenant's status
      // before the first apply. A replica can stop between an apply and the status write after it
      // (killed, or fenced when it lost the lease); its successor deletes a tenant's objects from
      // what the status records, and would leave unrecorded ones behind. Until this pass is done,
      // the record keeps the objects it is about to delete too.
      const before = tenant.status?.node === undefined ? [] : (tenant.status.appliedObjects ?? []);
      const recorded = new Set(before.map(refKey));
      const intent: TenantStatus = { ...decision.status, appliedObjects: [...before, ...(decision.status.appliedObjects ?? []).filter((r) => !recorded.has(refKey(r)))] };
      let writeAhead = decision.actions.some((a) => a.type === 'apply' && (a.node !== (tenant.status?.activeNode ?? tenant.status?.node) || !recorded.has(refKey(refOf(a.object)))));
      for (const a of decision.actions) {
        switch (a.type) {
          case 'addFinalizer':
            finalizers = withFinalizer(finalizers, TENANT_FINALIZER, true);
            await this.writer.setFinalizer('tenants', name, TENANT_FINALIZER, true);
            break;
          case 'apply': {
            const m = this.members.get(a.node);
            if (!m) throw new Error(`member cluster "${a.node}" is not connected`);
            if (writeAhead) {
              await this.writer.patchStatus('tenants', name, intent);
              writeAhead = false;
            }
            try {
              await m.apply(a.object);
              applied++;
              // The node applies the backup storage locations its tenants' Schedules name.
              if (a.object.kind === 'Schedule') this.nodeQueue?.add(a.node);
            } catch (e) {
              // Say why in the Tenant's status, then retry with backoff.
              const message = `applying ${a.object.kind} ${a.object.metadata.namespace ?? ''}/${a.object.metadata.name} on ${a.node}: ${(e as Error).message}`;
              const conditions = setCondition(decision.status.conditions, { type: TenantConditions.Provisioned, status: 'False', reason: Reasons.ApplyFailed, message, ...(tenant.metadata.generation !== undefined ? { observedGeneration: tenant.metadata.generation } : {}) }, new Date());
              await this.writer.patchStatus('tenants', name, { ...intent, conditions }).catch(() => {});
              throw e;
            }
            break;
          }
          case 'delete': {
            const m = this.members.get(a.node);
            if (!m) throw new Error(`member cluster "${a.node}" is not connected`);
            await m.delete(a.ref);
            break;
          }
          case 'removeFinalizer':
            await this.writer.setFinalizer('tenants', name, TENANT_FINALIZER, false);
            this.placements.delete(name);
            return;
          case 'event':
            await this.event(tenant, a);
            break;
        }
      }
      let status = decision.status;
      let requeueAfterMs = decision.requeueAfterMs;
      // What was just applied is in the member's cache (the server's answers): decide again, and
      // if nothing is left to do, write the final status now rather than on the next pass.
      if (applied > 0 && status.node) {
        const again = reconcileTenant(
          { ...tenant, metadata: { ...tenant.metadata, finalizers }, status },
          { nodes: this.nodeViews(), allocated: new Map(), memberObjects: this.members.get(status.activeNode ?? status.node)?.tenantObjects(name), accessBinding },
          { ...ctx, now: new Date() },
        );
        if (again.actions.length === 0) {
          status = again.status;
          requeueAfterMs = again.requeueAfterMs;
        }
      }
      if (!isDeepStrictEqual(status, tenantOwnStatus(tenant.status))) await this.writer.patchStatus('tenants', name, status);
      return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
    });
  }

  /** What the DR copier reads and writes through. */
  private hostContext(): HostContext {
    return { estate: this.opts.estate, members: this.members, nodes: this.nodeInformer, tenants: this.tenantInformer, writer: this.writer, metrics: this.metrics, log: (l) => this.log(l) };
  }

  /** Tenants by phase, as the cache has them now. */
  phaseCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const t of this.tenantInformer?.cache.values() ?? []) counts.set(t.status?.phase ?? 'Pending', (counts.get(t.status?.phase ?? 'Pending') ?? 0) + 1);
    return counts;
  }

  // ---- I/O helpers ----------------------------------------------------------------------------

  private informerOf(plural: Plural): Informer<CloudNodeObj> | Informer<TenantObj> | Informer<never> | undefined {
    return plural === 'tenants' ? this.tenantInformer : plural === 'cloudnodes' ? this.nodeInformer : this.dr?.informerOf(plural);
  }

  /**
   * Test hook: holds (or releases) a tenant's standby copies as they are — no pass, no write, the
   * recovery point where it is — so that a test can make a copy differ from production.
   */
  pauseStandbyCopies(tenant: string, paused: boolean): void {
    this.dr?.copier.pause(tenant, paused);
  }

  /** The CloudNode becomes an owner of its kubeconfig Secret (a strategic merge adds to the owners, keyed by uid). */
  private async adoptSecret(node: CloudNodeObj): Promise<void> {
    const ref = node.spec.kubeconfigSecretRef;
    const owner = { apiVersion: API_VERSION, kind: 'CloudNode', name: node.metadata.name, uid: node.metadata.uid };
    this.metrics.writes.inc({ cluster: 'management', verb: 'patch' });
    await this.rest.request('PATCH', `/api/v1/namespaces/${ref.namespace ?? this.namespace}/secrets/${ref.name}`, { metadata: { ownerReferences: [owner] } }, 'application/strategic-merge-patch+json');
  }

  private async event(obj: k8s.KubernetesObject, e: { eventType: 'Normal' | 'Warning'; reason: string; message: string }): Promise<void> {
    try {
      await this.recorder.record({ involvedObject: objectReference(obj), type: e.eventType, reason: e.reason, message: e.message });
    } catch (err) {
      this.log(`event ${e.reason} for ${obj.metadata?.name}: ${(err as Error).message}`);
    }
  }
}
