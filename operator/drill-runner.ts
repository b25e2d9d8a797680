// The drill runtime (issue 12): FailoverDrills on the management cluster, each walked through its
// phases (controllers/dr/drill.ts decides; this file does the I/O). A drill reads the standby copy
// the DR copier keeps (the member cache of the tenant's namespace on the standby) and writes only
// into its own namespaces on that standby: `drillWrite` refuses any member holding a tenant's
// active copy or its home. Every phase is persisted with its time before its work begins, so a
// successor resumes there; the test hook `crashOnPhase` kills the process on entering a phase.
import { DrillReasons, drillTotals, enterPhase, finalPhase, nextDrillStep, tenantDrillSummary, tenantFailed, tenantVerified, type DrillStep } from '../controllers/dr/drill.js';
import { byKey, unavailableWorkloads, drillNamespace, drillNamespaceName, drillObjects, drillRecord, isolationPolicy, readDrillRecord, verifyDrill, whyNotRestored } from '../controllers/dr/drill-form.js';
import { resolveDrillScope } from '../controllers/dr/drill-scope.js';
import { drillReport } from '../controllers/dr/drill-report.js';
import { copyDigest } from '../controllers/dr/digest.js';
import { DRILL_LABEL, DRILL_RECORD, type DrillPhase, type DrillStatus, type DrillTenantStatus, type FailoverDrill, type TenantDrills } from '../controllers/dr/drill-types.js';
import { tenantNamespace } from '../stacks/graph/tenant-objects.js';
import type { K8sObject } from '../stacks/graph/types.js';
import type { Estate } from '../topology/estate.js';
import { API_VERSION } from './crds.js';
import type { MemberCluster } from './member-cluster.js';
import { DrillMemberIO } from './drill-member-io.js';
import { KubeApiError, resourcePath, type RestClient } from './rest.js';
import type { CloudNodeObj, StatusWriter, TenantObj } from './status-writer.js';
import { claimTenant, crashNow, NotYet, OperationRunner, runSteps } from './operation-steps.js';
import type * as k8s from '@kubernetes/client-node';

export type DrillObj = FailoverDrill & k8s.KubernetesObject;

export const DRILL_FINALIZER = 'longyun.io/drill-cleanup';
/** Tenants restored or verified at once. */
const TENANT_CONCURRENCY = 8;
/** How long a drill's Precheck waits for a standby member to be connected (an operator just started). */
const CONNECT_WAIT_MS = 60_000;
/** The drill's status is written at least this often while it works through its tenants (for `--wait`). */
const PROGRESS_MS = 2000;

export interface DrillHost {
  estate: Estate;
  /** Where the reports go (the operator's namespace). */
  namespace: string;
  /** The management cluster (fenced). */
  rest: RestClient;
  kubeConfig: k8s.KubeConfig;
  member(name: string): MemberCluster | undefined;
  nodes(): CloudNodeObj[];
  tenants(): TenantObj[];
  tenant(name: string): TenantObj | undefined;
  writer: StatusWriter;
  log(line: string): void;
}

export interface DrillRunnerOptions {
  /** Test hook: the phases on whose entry the process is killed (right after the phase is persisted). */
  crashOnPhase?: ReadonlySet<string>;
  crash?: (phase: DrillPhase) => void;
  /** Test hook: awaited before a step of the named type runs (holds a drill in a phase). */
  gate?: (drill: string, step: DrillStep['type']) => Promise<void>;
  /** Any change of a drill (the schedules follow their drills' phases). */
  onChange?: (d: DrillObj) => void;
  now?: () => Date;
}


export class DrillRunner extends OperationRunner<DrillObj> {
  private readonly now: () => Date;
  /** Reads and writes on the standbys. */
  private readonly io = new DrillMemberIO();

  constructor(
    private readonly host: DrillHost,
    private readonly opts: DrillRunnerOptions = {},
  ) {
    super(host.kubeConfig, { kind: 'FailoverDrill', plural: 'failoverdrills' }, host.log, opts.onChange);
    this.now = opts.now ?? (() => new Date());
  }

  private drill(name: string): DrillObj | undefined {
    return this.informer.cache.get(name);
  }

  protected reconcile(name: string): Promise<{ requeueAfterMs?: number } | void> {
    return runSteps<DrillObj, DrillStep>({
      what: `drill ${name}`,
      stopped: () => this.stopped,
      current: () => this.drill(name),
      next: async (d) => {
        if (d.metadata.deletionTimestamp) return { done: await this.deleted(d) };
        const step = nextDrillStep(d);
        return step.type === 'none' ? { done: undefined } : step;
      },
      gate: (step) => this.opts.gate?.(name, step.type) ?? Promise.resolve(),
      run: (d, step) => this.run(d, step),
      log: (l) => this.host.log(l),
    });
  }

  /** Writes the drill's status (the whole of it: arrays replace) and, on a new phase, fires the crash hook. */
  private async writeStatus(d: DrillObj, status: DrillStatus): Promise<void> {
    const before = this.drill(d.metadata.name)?.status?.phase;
    await this.host.writer.readModifyWrite('failoverdrills', d.metadata.name, '/status', () => ({ status: { ...status, observedGeneration: d.metadata.generation } }));
    if (status.phase && status.phase !== before) {
      this.host.log(`drill ${d.metadata.name}: ${status.phase}`);
      if (this.opts.crashOnPhase?.has(status.phase)) (this.opts.crash ?? crashNow)(status.phase);
    }
  }

  private async enter(d: DrillObj, status: DrillStatus | undefined, phase: DrillPhase, extra: Partial<DrillStatus> = {}): Promise<void> {
    await this.writeStatus(d, { ...enterPhase(status, phase, this.now()), ...extra });
  }

  private async run(d: DrillObj, step: DrillStep): Promise<void> {
    const s = d.status ?? {};
    switch (step.type) {
      case 'init':
        await this.host.writer.readModifyWrite('failoverdrills', d.metadata.name, '', (cur) => ((cur.metadata.finalizers ?? []).includes(DRILL_FINALIZER) ? undefined : { metadata: { finalizers: [...(cur.metadata.finalizers ?? []), DRILL_FINALIZER] } }));
        return this.enter(d, s, 'Pending', { rtoScope: 'objects', rpoScope: 'objects' });
      case 'start':
        return this.enter(d, s, 'Precheck');
      case 'precheck':
        return this.precheck(d);
      case 'abort':
        return this.enter(d, s, 'CleaningUp', { reason: DrillReasons.Aborted, message: `aborted in ${s.phase}${d.spec.requestedBy ? ` (drill requested by ${d.spec.requestedBy})` : ''}` });
      case 'restore':
        return this.restore(d, step.tenants);
      case 'verify':
        return this.verify(d, step.tenants);
      case 'cleanup':
        return this.cleanup(d, step.tenants, step.keep);
      case 'finish':
        return;
      case 'finalize':
        return this.finalize(d);
      case 'cleanupKept': {
        await this.deleteNamespaces(d, step.tenants);
        return this.writeStatus(d, { ...s, cleanup: { state: 'Done', at: this.now().toISOString(), namespaces: namespacesOf(s.tenants) } });
      }
      case 'none':
        return;
    }
  }

  // ---- Precheck ------------------------------------------------------------------------------

  private async precheck(d: DrillObj): Promise<void> {
    const name = d.metadata.name;
    const s = d.status ?? {};
    const now = this.now();
    const { tenants, problems } = resolveDrillScope(d.spec, { estate: this.host.estate, tenants: this.host.tenants(), nodes: this.host.nodes(), now, drill: name });
    // A copy catching up, or members this process is still connecting to (a successor just started): wait a little.
    const waited = Math.min(now.getTime() - Date.parse(s.startedAt ?? now.toISOString()), Date.now() - this.startedMs);
    if (problems.some((p) => p.transient) && waited < CONNECT_WAIT_MS) throw new NotYet(500);
    const out: DrillTenantStatus[] = [];
    const byTenant = new Map<string, string[]>();
    const general: string[] = [];
    for (const p of problems) {
      if (p.tenant) byTenant.set(p.tenant, [...(byTenant.get(p.tenant) ?? []), p.message]);
      else general.push(`${p.field}: ${p.message}`);
    }
    for (const [tenant, messages] of byTenant) {
      const t = this.host.tenant(tenant);
      out.push({ tenant, state: 'Failed', message: messages.join('; '), rtoTargetSeconds: (t?.spec.dr?.rtoMinutes ?? 0) * 60, rpoTargetSeconds: (t?.spec.dr?.rpoMinutes ?? 0) * 60 });
    }
    for (const r of tenants) {
      const base: DrillTenantStatus = { tenant: r.tenant, source: r.source, standby: r.standby, state: 'Pending', recoveryPoint: r.recoveryPoint, expectedDigest: r.expectedDigest, rtoTargetSeconds: r.rtoTargetSeconds, rpoTargetSeconds: r.rpoTargetSeconds };
      if (!this.host.member(r.standby)?.synced) {
        // An operator just started (a successor) connects to its members within seconds: wait for that, not for a standby that is down.
        if (waited < CONNECT_WAIT_MS) throw new NotYet(500);
        out.push(tenantFailed(base, `standby ${r.standby} is not connected (its CloudNode is not Ready, or its caches did not sync within ${CONNECT_WAIT_MS / 1000} s)`));
        continue;
      }
      const busy = await claimTenant(this.host.writer, r.tenant, { kind: 'FailoverDrill', name }, now);
      if (busy) out.push(tenantFailed(base, busy));
      else out.push({ ...base, namespace: drillNamespaceName(r.tenant, name) });
    }
    out.sort((a, b) => (a.tenant < b.tenant ? -1 : 1));
    const standbys = [...new Set(tenants.map((t) => t.standby))].sort();
    const status: DrillStatus = { ...s, tenants: out, standbys, totals: drillTotals(out) };
    if (!out.some((t) => t.state === 'Pending')) {
      const message = [...general, ...out.map((t) => `${t.tenant}: ${t.message}`)].join('; ') || 'nothing to drill in this scope';
      return this.enter(d, { ...status, reason: DrillReasons.PrecheckFailed, message }, 'CleaningUp');
    }
    return this.enter(d, { ...status, ...(general.length ? { message: general.join('; ') } : {}) }, 'Restoring');
  }

  // ---- Restoring -----------------------------------------------------------------------------

  private restore(d: DrillObj, names: string[]): Promise<void> {
    return this.tenantStep(d, names, 'restoring', (t) => this.restoreTenant(d, t), 'Verifying');
  }

  /**
   * One phase's work on each tenant named: a tenant whose work asks to wait stays as it was (the
   * step runs again for it), one whose work fails is Failed with why. Then, unless the drill was
   * aborted meanwhile (the next step aborts it) or some tenant waits, the next phase.
   */
  private async tenantStep(d: DrillObj, names: string[], doing: string, work: (t: DrillTenantStatus) => Promise<DrillTenantStatus>, next: DrillPhase, extra: (all: DrillTenantStatus[]) => Partial<DrillStatus> = () => ({})): Promise<void> {
    const s = d.status ?? {};
    const tenants = new Map((s.tenants ?? []).map((t) => [t.tenant, t]));
    let wait: NotYet | undefined;
    await this.eachTenant(d, names, tenants, async (t) => {
      try {
        return await work(t);
      } catch (e) {
        if (!(e instanceof NotYet)) return tenantFailed(t, `${doing} on ${t.standby}: ${(e as Error).message ?? e}`);
        wait = e;
        return t;
      }
    });
    if (this.drill(d.metadata.name)?.spec.abort) return;
    if (wait) throw wait;
    const all = [...tenants.values()];
    await this.enter(d, { ...s, tenants: all, totals: drillTotals(all) }, next, extra(all));
  }

  /** Runs `work` over the tenants named, a few at a time, writing progress now and then; stops early when aborted. */
  private async eachTenant(d: DrillObj, names: string[], tenants: Map<string, DrillTenantStatus>, work: (t: DrillTenantStatus) => Promise<DrillTenantStatus>): Promise<void> {
    const queue = [...names];
    let lastWrite = Date.now();
    let dirty = false;
    const progress = async (force: boolean) => {
      if (!dirty || (!force && Date.now() - lastWrite < PROGRESS_MS)) return;
      dirty = false;
      lastWrite = Date.now();
      const all = [...tenants.values()];
      await this.writeStatus(d, { ...d.status, tenants: all, totals: drillTotals(all) });
    };
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        if (this.drill(d.metadata.name)?.spec.abort) return;
        const t = tenants.get(next);
        if (!t) continue;
        tenants.set(next, await work(t));
        dirty = true;
        await progress(false);
      }
    };
    await Promise.all(Array.from({ length: Math.min(TENANT_CONCURRENCY, queue.length) }, worker));
    await progress(true);
  }

  /** Refuses a write to a member holding the tenant's active copy or its home: a drill writes on standbys only. */
  private standbyOf(t: DrillTenantStatus): MemberCluster {
    const tenant = this.host.tenant(t.tenant);
    const m = t.standby ? this.host.member(t.standby) : undefined;
    if (!m?.synced && Date.now() - this.startedMs < CONNECT_WAIT_MS) throw new NotYet(500); // a successor still connecting
    if (!m) throw new Error(`standby ${t.standby} is not connected`);
    const active = tenant?.status?.activeNode ?? tenant?.status?.node;
    if (m.name === active || m.name === tenant?.status?.node || m.name === t.source) throw new Error(`refusing to write drill objects to ${m.name}: it holds tenant ${t.tenant}'s active copy or home`);
    return m;
  }

  private async restoreTenant(d: DrillObj, t: DrillTenantStatus): Promise<DrillTenantStatus> {
    const m = this.standbyOf(t);
    const ns = t.namespace!;
    const tenantNs = tenantNamespace({ id: t.tenant });
    const existing = await this.io.get(m, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    if (existing?.metadata.deletionTimestamp) throw new NotYet(1000);
    if (!existing) await this.io.create(m, drillNamespace(ns, t.tenant, d.metadata.name));
    const binding = m.accessBinding(t.tenant, ns);
    if (binding) {
      await this.io.create(m, binding);
      await m.awaitAccess(ns);
    }
    await this.io.ensure(m, isolationPolicy(ns, d.metadata.name));
    // What it is restored from: the record, when an earlier attempt wrote one; else the copy as its status has it now.
    let record = readDrillRecord(await this.io.get(m, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: DRILL_RECORD, namespace: ns } }));
    let moved: string | undefined;
    if (!record) {
      const copy = this.host.tenant(t.tenant)?.status?.dr?.standbys.find((c) => c.centre === d.spec.to);
      const expected = copy?.objectDigests;
      if (!copy || copy.state !== 'Current' || !expected || !copy.recoveryPoint) {
        // The copier of a successor just started reports again within seconds of connecting.
        if (Date.now() - this.startedMs < CONNECT_WAIT_MS) throw new NotYet(500);
        return tenantFailed(t, `the standby copy on ${t.standby} is ${copy?.state ?? 'gone'}${copy?.message ? ` (${copy.message})` : ''}: nothing current to restore`);
      }
      const expectedDigest = copyDigest(new Map(Object.entries(expected)));
      if (expectedDigest !== t.expectedDigest) moved = `the copy moved on after the precheck; restored from its recovery point ${copy.recoveryPoint}`;
      record = { drill: d.metadata.name, tenant: t.tenant, recoveryPoint: copy.recoveryPoint, expectedDigest, expected };
      await this.io.create(m, drillRecord(ns, record));
    }
    if (!m.namespaceSynced(tenantNs)) throw new NotYet(500);
    const standbyObjects = m.namespaceObjects(tenantNs) ?? new Map<string, K8sObject>();
    const { objects, missing } = drillObjects({ drill: d.metadata.name, tenantNamespace: tenantNs, namespace: ns, standbyObjects, expected: record.expected });
    const issues = [...missing];
    for (const o of objects) {
      try {
        await this.io.ensure(m, o);
      } catch (e) {
        issues.push({ object: `${o.apiVersion}/${o.kind}/${o.metadata.name}`, problem: 'failed', reason: (e as Error).message ?? String(e) });
      }
    }
    const updated: DrillTenantStatus = { ...t, recoveryPoint: record.recoveryPoint, expectedDigest: record.expectedDigest, state: 'Verifying', ...(moved ? { message: moved } : {}) };
    // Missing objects show in the verification; a refused write is the tenant's failure now.
    const failed = issues.filter((i) => i.problem === 'failed');
    return failed.length ? tenantFailed(updated, `${failed.length} objects could not be written: ${failed[0]!.object}: ${failed[0]!.reason}`, failed) : updated;
  }

  // ---- Verifying -----------------------------------------------------------------------------

  private verify(d: DrillObj, names: string[]): Promise<void> {
    const startedAt = d.status?.startedAt ?? this.now().toISOString();
    return this.tenantStep(d, names, 'verifying', (t) => this.verifyTenant(t, startedAt), 'CleaningUp', (all) => ({ cleanup: { state: 'Pending', namespaces: namespacesOf(all) } }));
  }

  private async verifyTenant(t: DrillTenantStatus, startedAt: string): Promise<DrillTenantStatus> {
    const m = this.standbyOf(t);
    const ns = t.namespace!;
    const tenantNs = tenantNamespace({ id: t.tenant });
    const record = readDrillRecord(await this.io.get(m, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: DRILL_RECORD, namespace: ns } }));
    if (!record) return tenantFailed(t, `the drill record ${ns}/${DRILL_RECORD} is missing or does not add up: the restore cannot be checked`);
    const kinds = new Set<string>();
    for (const key of Object.keys(record.expected)) if (whyNotRestored(key, tenantNs) === undefined) kinds.add(key.slice(0, key.lastIndexOf('/')));
    const restored = new Map<string, K8sObject>();
    for (const kind of kinds) {
      const apiVersion = kind.slice(0, kind.lastIndexOf('/'));
      const k = kind.slice(kind.lastIndexOf('/') + 1);
      const plural = await this.io.pluralOf(m, apiVersion, k);
      const list = await m.rest.request<{ items: K8sObject[] }>('GET', resourcePath({ apiVersion, kind: k, metadata: { namespace: ns } }, plural));
      for (const [key, o] of byKey(list.items.map((o) => ({ ...o, apiVersion, kind: k })))) restored.set(key, o);
    }
    const { inventory, issues } = verifyDrill({ expected: record.expected, restored, tenantNamespace: tenantNs });
    const policy = await this.io.get(m, isolationPolicy(ns, ''));
    if (!policy) issues.unshift({ object: `networking.k8s.io/v1/NetworkPolicy/${isolationPolicy(ns, '').metadata.name}`, problem: 'failed', reason: 'the drill namespace is not isolated: its default-deny policy is missing' });
    const availability = await this.io.availability(m);
    let availabilityFailed: string | undefined;
    if (availability.state === 'Measured') {
      const down = unavailableWorkloads(restored.values());
      if (down.length > 0) {
        // Pods take a while: keep verifying until the tenant's RTO target has passed since the start.
        if (this.now().getTime() - Date.parse(startedAt) < t.rtoTargetSeconds * 1000) throw new NotYet(2000);
        availabilityFailed = `${down.length} workloads not available within the RTO target (${down.slice(0, 3).join(', ')}${down.length > 3 ? ', …' : ''})`;
      }
    }
    return tenantVerified(t, { inventory, issues, availability, ...(availabilityFailed ? { availabilityFailed } : {}) }, startedAt, this.now());
  }

  // ---- CleaningUp and after ------------------------------------------------------------------

  private async cleanup(d: DrillObj, names: string[], keep: boolean): Promise<void> {
    const s = d.status ?? {};
    const namespaces = namespacesOf(s.tenants);
    if (!keep) await this.deleteNamespaces(d, names);
    const end = finalPhase(s);
    await this.enter(d, { ...s, totals: drillTotals(s.tenants ?? []), reason: end.reason, message: end.message, cleanup: keep ? { state: 'Kept', namespaces } : { state: 'Done', at: this.now().toISOString(), namespaces } }, end.phase);
  }

  /** Deletes the drill namespaces of these tenants and waits until they are gone. */
  private async deleteNamespaces(d: DrillObj, names: string[]): Promise<void> {
    const tenants = (d.status?.tenants ?? []).filter((t) => names.includes(t.tenant) && t.namespace);
    let left = 0;
    for (const t of tenants) {
      const m = this.standbyOf(t);
      const ref = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: t.namespace! } };
      const ns = await this.io.get(m, ref);
      if (!ns) continue;
      // Only a drill's own namespace: never one it did not label.
      if (ns.metadata.labels?.[DRILL_LABEL] !== d.metadata.name) continue;
      left++;
      if (!ns.metadata.deletionTimestamp) await m.delete({ apiVersion: 'v1', kind: 'Namespace', name: t.namespace! }, 'namespaces');
    }
    if (left > 0) throw new NotYet(1000);
  }

  /** A finished drill: the tenants released with their summaries, then the report, each once. */
  private async finalize(d: DrillObj): Promise<void> {
    const s = d.status ?? {};
    for (const t of s.tenants ?? []) await this.release(d, t, true);
    const name = `drill-report-${d.metadata.name}`.slice(0, 253);
    const { json, markdown } = drillReport(d, { generatedAt: new Date(s.finishedAt ?? this.now().toISOString()) });
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: this.host.namespace, labels: { [DRILL_LABEL]: d.metadata.name }, ownerReferences: d.metadata.uid ? [{ apiVersion: API_VERSION, kind: 'FailoverDrill', name: d.metadata.name, uid: d.metadata.uid }] : [] },
      immutable: true,
      data: { 'report.json': `${JSON.stringify(json, null, 2)}\n`, 'report.md': markdown },
    };
    try {
      await this.host.rest.request('POST', `/api/v1/namespaces/${this.host.namespace}/configmaps`, cm);
    } catch (e) {
      if (!(e instanceof KubeApiError && e.code === 409)) throw e;
    }
    await this.writeStatus(d, { ...s, report: { namespace: this.host.namespace, name } });
  }

  /** Releases the tenant's claim if it is this drill's, and (when finished) records the drill in its status. */
  private async release(d: DrillObj, t: DrillTenantStatus, summarize: boolean): Promise<void> {
    const summary = tenantDrillSummary(d, t);
    await this.host.writer.readModifyWrite('tenants', t.tenant, '/status', (cur) => {
      const st = (cur as TenantObj).status;
      const ours = st?.operation?.kind === 'FailoverDrill' && st.operation.name === d.metadata.name;
      const record = summarize && st?.drills?.last?.name !== d.metadata.name;
      if (!ours && !record) return undefined;
      const drills: TenantDrills = { ...st?.drills, last: summary, ...(t.state === 'Verified' ? { lastSucceeded: summary } : {}) };
      return { status: { ...(ours ? { operation: null } : {}), ...(record ? { drills } : {}) } };
    });
  }

  /** A drill deleted: its namespaces and claims go before its finalizer does. */
  private async deleted(d: DrillObj): Promise<{ requeueAfterMs?: number } | void> {
    if (!(d.metadata.finalizers ?? []).includes(DRILL_FINALIZER)) return;
    try {
      await this.deleteNamespaces(d, (d.status?.tenants ?? []).map((t) => t.tenant));
    } catch (e) {
      if (e instanceof NotYet) return { requeueAfterMs: e.ms };
      throw e;
    }
    for (const t of d.status?.tenants ?? []) await this.release(d, t, false);
    await this.host.writer.readModifyWrite('failoverdrills', d.metadata.name, '', (cur) => ({ metadata: { finalizers: (cur.metadata.finalizers ?? []).filter((f: string) => f !== DRILL_FINALIZER) } }));
  }
}

function namespacesOf(tenants: readonly DrillTenantStatus[] | undefined): string[] {
  return (tenants ?? []).flatMap((t) => (t.namespace ? [t.namespace] : []));
}

