// `longyun tenant request|list|get|delete` and `longyun node onboard|list|get|delete`: thin commands over
// the management cluster's Tenant and CloudNode objects; `longyun node member-rbac` prints what a
// member cluster grants longyun.
import { readFileSync } from 'node:fs';
import { Document, isMap, isSeq } from 'yaml';
import { findCondition, type Condition } from '../../controllers/conditions.js';
import { API_VERSION } from '../../operator/crds.js';
import { LongyunError } from '../../topology/errors.js';
import { loadEstate } from '../../topology/load.js';
import { TenantSpec, type CloudKind } from '../../topology/schema.js';
import { validate } from '../../topology/validate.js';
import { EXIT, UsageError } from '../common.js';
import { printJson } from '../render.js';
import { call, crPath, managementConfig, RestClient, type ClusterOptions } from './cluster-client.js';

type Output = 'table' | 'json';
interface Obj {
  metadata: { name: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec: Record<string, unknown>;
  status?: { conditions?: Condition[]; phase?: string; node?: string; serverVersion?: string; tenants?: number; allocated?: Record<string, string>; allocatable?: Record<string, string> };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n');
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
const ready = (o: Obj) => findCondition(o.status?.conditions, 'Ready')?.status ?? 'Unknown';

async function waitUntil(rest: RestClient, plural: string, name: string, done: (o: Obj) => string | undefined, timeoutS: number, progress: boolean): Promise<Obj> {
  const deadline = Date.now() + timeoutS * 1000;
  let last = '';
  for (;;) {
    const o = await call(`${plural}/${name}`, () => rest.request<Obj>('GET', crPath(plural, name)));
    const verdict = done(o);
    const line = (o.status?.conditions ?? []).map((c) => `${c.type}=${c.status}${c.status !== 'True' ? ` (${c.reason})` : ''}`).join(' ');
    if (progress && line !== last) process.stderr.write(`  ${name}: ${line || 'waiting for the operator'}\n`);
    last = line;
    if (verdict !== undefined) return o;
    if (Date.now() > deadline) throw new LongyunError(`${plural}/${name}: not done after ${timeoutS} s; last: ${line || 'no status (is "longyun operator run" running?)'}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until the object is gone (404), showing its conditions as they change. */
async function waitGone(rest: RestClient, plural: string, name: string, timeoutS: number, progress: boolean): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  let last = '';
  for (;;) {
    let o: Obj;
    try {
      o = await rest.request<Obj>('GET', crPath(plural, name));
    } catch (e) {
      if ((e as { code?: number }).code === 404) return;
      throw e;
    }
    const line = (o.status?.conditions ?? []).filter((c) => c.status !== 'True').map((c) => `${c.type}=${c.status} (${c.reason}): ${c.message}`).join('; ');
    if (progress && line && line !== last) process.stderr.write(`  ${name}: ${line}\n`);
    last = line;
    if (Date.now() > deadline) throw new LongyunError(`${plural}/${name}: still there after ${timeoutS} s${line ? `; last: ${line}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function printDeleted(kind: string, name: string, done: boolean, output: Output, what: string): void {
  if (output === 'json') printJson({ kind, name, deleted: done });
  else process.stdout.write(`${kind.toLowerCase()}/${name} ${done ? `deleted${what}` : 'deletion requested'}\n`);
}

// ---- tenants ----------------------------------------------------------------------------------

export interface TenantRequestOptions extends ClusterOptions {
  department: string;
  cpu: string;
  memory: string;
  storage: string;
  mlps: string;
  node?: string;
  planes: string;
  name?: string;
  rpo?: string;
  rto?: string;
  drCentres?: string;
  wait?: boolean;
  timeout: string;
  output: Output;
}

export async function tenantRequest(opts: TenantRequestOptions): Promise<number> {
  const num = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new UsageError(`${flag} takes a whole number, got "${v}"`);
    return Number(v);
  };
  const spec: Record<string, unknown> = {
    department: opts.department,
    quota: { cpu: opts.cpu, memory: opts.memory, storage: opts.storage },
    mlps: num('--mlps', opts.mlps),
    planes: opts.planes.split(',').map((p) => p.trim()).filter(Boolean),
    ...(opts.node ? { node: opts.node } : {}),
  };
  if (opts.rpo !== undefined || opts.rto !== undefined) {
    spec.dr = { rpoMinutes: num('--rpo', opts.rpo), rtoMinutes: num('--rto', opts.rto ?? String(Math.max(60, Number(opts.rpo ?? 60) * 4))), centres: (opts.drCentres ?? 'same-city-dr,remote-dr').split(',') };
  }
  const issues = validate(TenantSpec, spec, '--options', '');
  if (issues.length) throw new UsageError(`the request is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  const name = opts.name ?? opts.department;
  const rest = new RestClient(managementConfig(opts));
  await call(`tenants/${name}`, () => rest.request('POST', crPath('tenants'), { apiVersion: API_VERSION, kind: 'Tenant', metadata: { name }, spec }));
  if (!opts.wait) {
    if (opts.output === 'json') printJson({ name, spec });
    else process.stdout.write(`tenant/${name} requested; watch it with "longyun tenant get ${name}" (or pass --wait)\n`);
    return EXIT.OK;
  }
  const t = await waitUntil(rest, 'tenants', name, (o) => (o.status?.phase === 'Ready' || o.status?.phase === 'Rejected' ? o.status.phase : undefined), Number(opts.timeout), opts.output !== 'json');
  if (opts.output === 'json') printJson(t);
  else process.stdout.write(`tenant/${name} ${t.status?.phase === 'Ready' ? `is Ready on ${t.status.node}` : `was rejected: ${findCondition(t.status?.conditions, 'Approved')?.message}`}\n`);
  return t.status?.phase === 'Ready' ? EXIT.OK : EXIT.POLICY;
}

export async function tenantList(opts: ClusterOptions & { output: Output }): Promise<number> {
  const rest = new RestClient(managementConfig(opts));
  const list = await call('tenants', () => rest.request<{ items: Obj[] }>('GET', crPath('tenants')));
  if (opts.output === 'json') {
    printJson(list.items);
    return EXIT.OK;
  }
  const rows = [['NAME', 'DEPARTMENT', 'NODE', 'MLPS', 'PHASE', 'READY'], ...list.items.map((t) => [t.metadata.name, String(t.spec.department), t.status?.node ?? '-', String(t.spec.mlps), t.status?.phase ?? 'Pending', ready(t)])];
  process.stdout.write(list.items.length ? `${table(rows)}\n` : 'No tenants.\n');
  return EXIT.OK;
}

export async function tenantGet(name: string, opts: ClusterOptions & { output: Output }): Promise<number> {
  const rest = new RestClient(managementConfig(opts));
  const t = await call(`tenants/${name}`, () => rest.request<Obj>('GET', crPath('tenants', name)));
  if (opts.output === 'json') {
    printJson(t);
    return EXIT.OK;
  }
  const lines = [`Name:        ${t.metadata.name}`, `Department:  ${t.spec.department}`, `Node:        ${t.status?.node ?? '-'}`, `Phase:       ${t.status?.phase ?? 'Pending'}`, 'Conditions:'];
  for (const c of t.status?.conditions ?? []) lines.push(`  ${c.type.padEnd(12)} ${c.status.padEnd(7)} ${c.reason}: ${c.message}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}

export async function tenantDelete(name: string, opts: ClusterOptions & { wait?: boolean; timeout: string; output: Output }): Promise<number> {
  const rest = new RestClient(managementConfig(opts));
  await call(`tenants/${name}`, () => rest.request('DELETE', crPath('tenants', name)));
  if (opts.wait) await waitGone(rest, 'tenants', name, Number(opts.timeout), opts.output !== 'json');
  printDeleted('Tenant', name, opts.wait === true, opts.output, ', and its objects removed from its node');
  return EXIT.OK;
}

// ---- nodes ------------------------------------------------------------------------------------

export interface NodeOnboardOptions extends ClusterOptions {
  memberKubeconfig: string;
  memberContext?: string;
  unit: string;
  kind: CloudKind;
  name?: string;
  estate: string;
  wait?: boolean;
  timeout: string;
  output: Output;
}

export async function nodeOnboard(opts: NodeOnboardOptions): Promise<number> {
  const { findCloud, registerCloudNode } = await import('../../operator/cloud-node-registration.js');
  const estate = loadEstate(opts.estate);
  const cloud = findCloud(estate, opts.name ? { id: opts.name } : { unit: opts.unit, kind: opts.kind }, opts.estate);
  let text: string;
  try {
    text = readFileSync(opts.memberKubeconfig, 'utf8');
  } catch (e) {
    throw new UsageError(`--member-kubeconfig ${opts.memberKubeconfig}: ${(e as Error).message}`);
  }
  const rest = new RestClient(managementConfig(opts));
  await registerCloudNode(rest, { cloud, kubeconfig: text, ...(opts.memberContext ? { context: opts.memberContext } : {}) }, 'longyun-cli', call);
  if (opts.output !== 'json') {
    process.stderr.write(`note: the identity in ${opts.memberKubeconfig} needs what longyun node member-rbac prints (the longyun-member and longyun-tenant ClusterRoles, a Role in velero), and nothing more; as the member's admin:\n  longyun node member-rbac --user NAME | kubectl apply -f -   (or --serviceaccount NAMESPACE:NAME, --group NAME)\n`);
  }
  if (!opts.wait) {
    if (opts.output === 'json') printJson(await call(`cloudnodes/${cloud.id}`, () => rest.request<Obj>('GET', crPath('cloudnodes', cloud.id))));
    else process.stdout.write(`cloudnode/${cloud.id} registered; the operator onboards it (longyun node get ${cloud.id})\n`);
    return EXIT.OK;
  }
  const n = await waitUntil(rest, 'cloudnodes', cloud.id, (o) => (ready(o) === 'True' ? 'ok' : undefined), Number(opts.timeout), opts.output !== 'json');
  if (opts.output === 'json') printJson(n);
  else process.stdout.write(`cloudnode/${cloud.id} is Ready (Kubernetes ${n.status?.serverVersion})\n`);
  return EXIT.OK;
}

export async function nodeList(opts: ClusterOptions & { output: Output }): Promise<number> {
  const rest = new RestClient(managementConfig(opts));
  const list = await call('cloudnodes', () => rest.request<{ items: Obj[] }>('GET', crPath('cloudnodes')));
  if (opts.output === 'json') {
    printJson(list.items);
    return EXIT.OK;
  }
  const rows = [['NAME', 'KIND', 'UNIT', 'READY', 'VERSION', 'TENANTS', 'CPU ALLOCATED'], ...list.items.map((n) => [n.metadata.name, `${String(n.spec.kind)}${n.spec.role === 'standby' ? ' (standby)' : ''}`, String(n.spec.unit), `${ready(n)}${n.metadata.deletionTimestamp ? ' (offboarding)' : ''}`, n.status?.serverVersion ?? '-', String(n.status?.tenants ?? 0), `${n.status?.allocated?.cpu ?? 0}/${n.status?.allocatable?.cpu ?? '?'}`])];
  process.stdout.write(list.items.length ? `${table(rows)}\n` : 'No cloud nodes; onboard one with "longyun node onboard".\n');
  return EXIT.OK;
}

export async function nodeGet(name: string, opts: ClusterOptions & { output: Output }): Promise<number> {
  const rest = new RestClient(managementConfig(opts));
  const n = await call(`cloudnodes/${name}`, () => rest.request<Obj>('GET', crPath('cloudnodes', name)));
  if (opts.output === 'json') {
    printJson(n);
    return EXIT.OK;
  }
  const lines = [`Name:     ${n.metadata.name}`, `Kind:     ${n.spec.kind}`, `Unit:     ${n.spec.unit}`, ...(n.spec.role === 'standby' ? [`Standby:  in ${n.spec.datacentre ?? '-'}, protects ${(n.spec.protects as string[] | undefined)?.join(', ') || '-'}`] : []), `Version:  ${n.status?.serverVersion ?? '-'}`, `Tenants:  ${n.status?.tenants ?? 0}`, ...(n.metadata.deletionTimestamp ? [`Deleting: since ${n.metadata.deletionTimestamp} (offboarding)`] : []), 'Conditions:'];
  for (const c of n.status?.conditions ?? []) lines.push(`  ${c.type.padEnd(10)} ${c.status.padEnd(7)} ${c.reason}: ${c.message}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}

/**
 * Offboards a node. Refused while tenants are on it (their data is there), so nothing is left
 * half-deleted; the operator's finalizer holds the same line for any other client.
 */
export async function nodeDelete(name: string, opts: ClusterOptions & { wait?: boolean; timeout: string; output: Output }): Promise<number> {
  const rest = new RestClient(managementConfig(opts));
  await call(`cloudnodes/${name}`, () => rest.request('GET', crPath('cloudnodes', name)));
  const tenants = await call('tenants', () => rest.request<{ items: Obj[] }>('GET', crPath('tenants')));
  // Tenants already being deleted are going: the operator's finalizer waits for them, and so does --wait.
  const on = tenants.items.filter((t) => t.status?.node === name && !t.metadata.deletionTimestamp).map((t) => t.metadata.name).sort(byName);
  if (on.length > 0) {
    throw new LongyunError(
      `cloudnode/${name} has ${on.length} tenant${on.length === 1 ? '' : 's'} (${on.join(', ')}); their data is on it. ` +
        `Delete ${on.length === 1 ? 'it' : 'them'} first (longyun tenant delete NAME --wait), then the node. Nothing was deleted.`,
    );
  }
  await call(`cloudnodes/${name}`, () => rest.request('DELETE', crPath('cloudnodes', name)));
  if (opts.wait) await waitGone(rest, 'cloudnodes', name, Number(opts.timeout), opts.output !== 'json');
  printDeleted('CloudNode', name, opts.wait === true, opts.output, ' and offboarded from its member cluster (its kubeconfig Secret goes with it)');
  return EXIT.OK;
}

export interface NodeMemberRbacOptions {
  user: string[];
  group: string[];
  serviceaccount: string[];
  output: 'yaml' | 'json';
}

/**
 * What municipal ops apply on their member before handing the kubeconfig over: the
 * `longyun-member` and `longyun-tenant` ClusterRoles, the ClusterRoleBinding of `longyun-member`
 * to the member kubeconfig's identity, and the `longyun-velero` Role with its RoleBinding in
 * `velero`. YAML carries what each object is for and each rule's reason as comments; JSON is a
 * List (`kubectl apply -f` takes both).
 */
export async function nodeMemberRbac(opts: NodeMemberRbacOptions): Promise<number> {
  const { memberRbacExplained, parseServiceAccount } = await import('../../operator/member-rbac.js');
  const subjects = [
    ...opts.user.map((name) => ({ kind: 'User' as const, name })),
    ...opts.group.map((name) => ({ kind: 'Group' as const, name })),
    ...opts.serviceaccount.map((v) => {
      try {
        return parseServiceAccount(v);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }),
  ];
  if (subjects.length === 0) throw new UsageError('name the identity of the member kubeconfig you hand over: --user NAME, --group NAME or --serviceaccount NAMESPACE:NAME');
  const docs = memberRbacExplained(subjects);
  if (opts.output === 'json') {
    printJson({ apiVersion: 'v1', kind: 'List', items: docs.map((d) => d.object) });
    return EXIT.OK;
  }
  const texts = docs.map(({ object, comment, why }) => {
    const doc = new Document(object);
    doc.commentBefore = ` ${comment}`;
    const rules = doc.get('rules', true);
    if (isSeq(rules)) rules.items.forEach((item, j) => isMap(item) && why[j] && (item.commentBefore = ` ${why[j]}`));
    return doc.toString({ lineWidth: 0 });
  });
  process.stdout.write(texts.join('---\n'));
  return EXIT.OK;
}
