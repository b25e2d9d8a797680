// The Pulumi components under Pulumi's own mocks (pulumi.runtime.setMocks): every registration
// the program makes reaches a mock monitor, which records what the engine would see: type token,
// name, inputs, custom or component, provider reference and parent.
//
// setMocks must run before the modules that create resources are loaded, so program.ts (and,
// through it, the components) is imported dynamically after it. The desired state itself does not
// touch Pulumi and is imported statically.
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { desiredStateOf, type LoadedState } from '../desired-state-of.js';
import type { DesiredResource, NodeGraph } from '../graph/types.js';

interface Registration {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  custom: boolean;
  /** The provider reference (`<urn>::<id>`), '' when none. */
  provider: string;
  /** The parent's URN, '' when none. */
  parent: string;
  urn: string;
  id: string;
}

/** The @pulumi/kubernetes type tokens, written out (not computed) so a wrong mapping fails. */
const TOKENS: Record<string, string> = {
  'v1/Namespace': 'kubernetes:core/v1:Namespace',
  'v1/ResourceQuota': 'kubernetes:core/v1:ResourceQuota',
  'v1/LimitRange': 'kubernetes:core/v1:LimitRange',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes:networking.k8s.io/v1:NetworkPolicy',
  'rbac.authorization.k8s.io/v1/Role': 'kubernetes:rbac.authorization.k8s.io/v1:Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding',
  'k8s.cni.cncf.io/v1/NetworkAttachmentDefinition': 'kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition',
  'velero.io/v1/Schedule': 'kubernetes:velero.io/v1:Schedule',
  'velero.io/v1/BackupStorageLocation': 'kubernetes:velero.io/v1:BackupStorageLocation',
};

const KUBECONFIG = (node: string) => `kubeconfig-for-${node}`;
const PROVIDER_TOKEN = 'pulumi:providers:kubernetes';

/** Resolves an Output in a test (mocks resolve every output). */
const resolve = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((r) => o.apply((v) => (r(v), v)));

let loaded: LoadedState;
let nodes: NodeGraph[];
const registrations: Registration[] = [];
let byName: Map<string, Registration>;
let byUrn: Map<string, Registration>;

beforeAll(async () => {
  loaded = desiredStateOf('topology/estates/gansu');
  nodes = loaded.state.nodes;

  // Inputs, custom and provider come from the mock's newResource (deserialized inputs); parent
  // and URN from the monitor's request and response, which newResource does not see.
  const fromMock = new Map<string, Pick<Registration, 'type' | 'inputs' | 'custom' | 'provider' | 'id'>>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const id = `${args.name}-id`;
        fromMock.set(args.name, { type: args.type, inputs: args.inputs as Record<string, unknown>, custom: args.custom ?? false, provider: args.provider ?? '', id });
        return { id, state: args.inputs };
      },
      call: (args) => {
        throw new Error(`unexpected call ${args.token}`);
      },
    },
    'longyun',
    'test',
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: (err: unknown, resp?: RegisterResponse) => void): Promise<void>;
  };
  interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
  }
  interface RegisterResponse {
    getUrn(): string;
  }
  const register = monitor.registerResource.bind(monitor);
  const seen: Array<Omit<Registration, 'inputs' | 'custom' | 'provider' | 'id'>> = [];
  monitor.registerResource = (req, cb) =>
    register(req, (err, resp) => {
      if (!err && resp) seen.push({ type: req.getType(), name: req.getName(), parent: req.getParent(), urn: resp.getUrn() });
      cb(err, resp);
    });

  const { defineCloud } = await import('./program.js');
  const components = defineCloud(loaded.state, KUBECONFIG);
  // Every registration has completed once every resource's URN has resolved.
  await Promise.all(
    components.flatMap((c) => [
      resolve(c.urn),
      resolve(c.provider.urn),
      ...c.objects.map((o) => resolve(o.urn)),
      ...c.tenants.flatMap((t) => [resolve(t.urn), ...t.objects.map((o) => resolve(o.urn))]),
    ]),
  );

  for (const s of seen) {
    const m = fromMock.get(s.name);
    if (!m) throw new Error(`registered ${s.type} ${s.name} never reached the mock`);
    if (m.type !== s.type) throw new Error(`${s.name}: the mock saw ${m.type}, the monitor ${s.type}`);
    registrations.push({ ...s, ...m });
  }
  byName = new Map(registrations.map((r) => [r.name, r]));
  byUrn = new Map(registrations.map((r) => [r.urn, r]));
}, 120_000);

const nodeComponents = () => registrations.filter((r) => r.type === 'longyun:cloud:Node');
const tenantComponents = () => registrations.filter((r) => r.type === 'longyun:cloud:Tenant');
const kubernetesObjects = () => registrations.filter((r) => r.type.startsWith('kubernetes:'));
const providers = () => registrations.filter((r) => r.type === PROVIDER_TOKEN);

/** The registration of a node's component, by node id. */
function nodeComponent(node: string): Registration {
  const matches = nodeComponents().filter((r) => r.name === node);
  expect(matches, `Node component for ${node}`).toHaveLength(1);
  return matches[0]!;
}

function providerOf(node: string): Registration {
  const matches = providers().filter((p) => p.inputs.kubeconfig === KUBECONFIG(node));
  expect(matches, `provider of ${node}`).toHaveLength(1);
  return matches[0]!;
}

/** Every graph resource with its node. */
function graphResources(): Array<{ node: string; r: DesiredResource }> {
  return nodes.flatMap((g) => g.resources.map((r) => ({ node: g.node, r })));
}

describe('Pulumi components (mocked engine) on the Gansu estate', () => {
  it('loads the shipped estate: 21 cloud nodes (2 of them standbys) with objects to register', () => {
    expect(nodes).toHaveLength(21);
    expect(nodes.map((n) => n.node)).toEqual(loaded.estate.doc.clouds.map((c) => c.id));
    expect(graphResources().length).toBeGreaterThan(100);
    // Every kind the graph holds has a known token below: a new kind must be added here.
    for (const { r } of graphResources()) expect(TOKENS, `${r.object.apiVersion}/${r.object.kind}`).toHaveProperty([`${r.object.apiVersion}/${r.object.kind}`]);
    // The estate exercises both the tenant objects and the node-wide ones (backup locations).
    expect(graphResources().some(({ r }) => r.tenant === undefined)).toBe(true);
  });

  it('registers one longyun:cloud:Node component per cloud node, at the top', () => {
    const comps = nodeComponents();
    expect(comps.map((c) => c.name).sort()).toEqual(nodes.map((n) => n.node).sort());
    for (const g of nodes) {
      const c = nodeComponent(g.node);
      expect(c.custom).toBe(false);
      expect(c.inputs).toEqual({ kind: g.kind, unit: g.unit });
      expect(byUrn.has(c.parent), `${g.node} has no longyun parent`).toBe(false);
    }
  });

  it('gives each node its own kubernetes provider, parented by the node, with its kubeconfig', () => {
    expect(providers()).toHaveLength(nodes.length);
    for (const g of nodes) {
      const p = providerOf(g.node);
      expect(p.custom).toBe(true);
      expect(p.parent).toBe(nodeComponent(g.node).urn);
      expect(p.urn).toContain(PROVIDER_TOKEN);
    }
  });

  it('registers one longyun:cloud:Tenant per tenant, parented by its node', () => {
    const tenants = loaded.estate.doc.tenants;
    expect(tenants.length).toBeGreaterThan(5);
    const comps = tenantComponents();
    expect(comps).toHaveLength(tenants.length);
    for (const t of tenants) {
      const matches = comps.filter((c) => c.inputs.tenant === t.id);
      expect(matches, `Tenant component for ${t.id}`).toHaveLength(1);
      const c = matches[0]!;
      expect(c.custom).toBe(false);
      expect(c.parent, `${t.id}'s parent`).toBe(nodeComponent(t.node).urn);
    }
  });

  it('registers every Kubernetes object with its type token, the graph object as inputs, its node provider and its parent', () => {
    const objects = kubernetesObjects();
    const expected = graphResources();
    expect(objects).toHaveLength(expected.length);

    const tenantUrn = new Map(tenantComponents().map((c) => [c.inputs.tenant as string, c.urn]));
    const used = new Set<string>();
    for (const { node, r } of expected) {
      // The registration whose inputs are this object on this node's provider.
      const provider = providerOf(node);
      const ref = `${provider.urn}::${provider.id}`;
      const matches = objects.filter((o) => o.provider === ref && o.inputs.kind === r.object.kind && (o.inputs.metadata as { name?: string; namespace?: string })?.name === r.object.metadata.name && (o.inputs.metadata as { namespace?: string }).namespace === r.object.metadata.namespace);
      expect(matches, `${node} ${r.id}`).toHaveLength(1);
      const o = matches[0]!;
      used.add(o.urn);
      expect(o.custom).toBe(true);
      expect(o.type).toBe(TOKENS[`${r.object.apiVersion}/${r.object.kind}`]);
      expect(o.inputs).toEqual(r.object);
      expect(o.inputs.apiVersion).toBe(r.object.apiVersion);
      expect(o.inputs.metadata).toEqual(r.object.metadata);
      expect(o.inputs.spec).toEqual(r.object.spec);
      expect(o.name).toContain(r.id);
      const parent = r.tenant === undefined ? nodeComponent(node).urn : tenantUrn.get(r.tenant);
      expect(parent, `${r.id}: expected parent`).toBeDefined();
      expect(o.parent, `${node} ${r.id}: parent`).toBe(parent);
    }
    expect(used.size).toBe(objects.length);
  });

  it('registers the right kinds, e.g. Namespace, NetworkPolicy, NetworkAttachmentDefinition, Schedule', () => {
    const count = (type: string) => kubernetesObjects().filter((o) => o.type === type).length;
    const graphCount = (apiVersion: string, kind: string) => graphResources().filter(({ r }) => r.object.apiVersion === apiVersion && r.object.kind === kind).length;
    expect(count('kubernetes:core/v1:Namespace')).toBe(loaded.estate.doc.tenants.length);
    expect(count('kubernetes:networking.k8s.io/v1:NetworkPolicy')).toBe(graphCount('networking.k8s.io/v1', 'NetworkPolicy'));
    expect(count('kubernetes:networking.k8s.io/v1:NetworkPolicy')).toBeGreaterThanOrEqual(2 * loaded.estate.doc.tenants.length);
    expect(count('kubernetes:k8s.cni.cncf.io/v1:NetworkAttachmentDefinition')).toBe(loaded.estate.doc.tenants.reduce((n, t) => n + t.planes.length, 0));
    expect(count('kubernetes:velero.io/v1:Schedule')).toBe(loaded.estate.doc.tenants.reduce((n, t) => n + (t.dr?.centres.length ?? 0), 0));
    expect(count('kubernetes:velero.io/v1:Schedule')).toBeGreaterThan(0);
    expect(count('kubernetes:velero.io/v1:BackupStorageLocation')).toBe(graphCount('velero.io/v1', 'BackupStorageLocation'));
    // Nothing else: every registration is a node, tenant, provider or Kubernetes object.
    expect(registrations).toHaveLength(nodeComponents().length + tenantComponents().length + providers().length + kubernetesObjects().length);
  });

  it('uses unique names and URNs', () => {
    expect(byName.size).toBe(registrations.length);
    expect(byUrn.size).toBe(registrations.length);
  });

  it('keeps the kubeconfig out of every object and component (only the providers hold it)', () => {
    for (const r of registrations) {
      const text = JSON.stringify(r.inputs);
      if (r.type === PROVIDER_TOKEN) expect(text).toContain('kubeconfig-for-');
      else expect(text, `${r.type} ${r.name}`).not.toContain('kubeconfig');
    }
  });
});
