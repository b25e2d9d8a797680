import { afterAll, describe, expect, it } from 'vitest';
import { buildDesiredState } from '../stacks/graph/desired-state.js';
import type { K8sObject, ObjectMeta } from '../stacks/graph/types.js';
import { copyGansu, editYaml, GANSU_DIR, removeDir } from '../topology/estate.test-helpers.js';
import { openAddressPlan } from '../topology/ipam/ledger-store.js';
import { loadEstate } from '../topology/load.js';
import { ownBackupLocation, reconcileBackupLocations } from './backup-locations.js';
import { Reasons } from './conditions.js';

/** An object as the member's API server holds it: metadata with the server's own fields. */
type ServedObject = K8sObject & { metadata: ObjectMeta & { uid: string; resourceVersion: string } };

const estate = loadEstate(GANSU_DIR);
const NODE = 'tianshui-cloud';
const bothCentres = ['same-city-dr', 'remote-dr'];
const onMember = (objects: K8sObject[]) => new Map(objects.map((o) => [o.metadata.name, structuredClone(o)]));
const names = (objects: Array<{ metadata: { name: string } } | { name: string }>) => objects.map((o) => ('metadata' in o ? o.metadata.name : o.name)).sort();

describe('reconcileBackupLocations', () => {
  it('applies the locations that the union of the node\'s tenants\' DR centres needs, and only those', () => {
    const d = reconcileBackupLocations(estate, NODE, {
      tenants: [
        { name: 'a', centres: ['remote-dr'] },
        { name: 'b', centres: bothCentres },
        { name: 'c', centres: [] },
      ],
      onMember: new Map(),
    });
    expect(names(d.apply)).toEqual(['dc-lanzhou-new-area-dr', 'dc-qingyang-dr']);
    expect(d.delete).toEqual([]);
    expect(d.condition).toMatchObject({ status: 'True', reason: Reasons.BackupLocationsReady });
    expect(d.condition.message).toBe('velero/dc-lanzhou-new-area-dr, velero/dc-qingyang-dr for 2 tenants with a DR plan');
    const one = reconcileBackupLocations(estate, NODE, { tenants: [{ name: 'a', centres: ['remote-dr'] }], onMember: new Map() });
    expect(names(one.apply)).toEqual(['dc-qingyang-dr']);
  });

  it('builds the same objects `longyun synth` writes for the node, labelled as the node\'s', () => {
    const plan = openAddressPlan(estate);
    const synth = buildDesiredState(estate, plan).nodes.find((n) => n.node === 'gansu-provincial')!.resources.filter((r) => r.object.kind === 'BackupStorageLocation').map((r) => r.object);
    expect(synth.length).toBeGreaterThan(0);
    const roles = [...new Set(estate.doc.tenants.filter((t) => t.node === 'gansu-provincial').flatMap((t) => t.dr?.centres ?? []))];
    const d = reconcileBackupLocations(estate, 'gansu-provincial', { tenants: [{ name: 'x', centres: roles }], onMember: new Map() });
    expect(d.apply).toEqual(synth);
    for (const o of d.apply) expect(ownBackupLocation(o, 'gansu-provincial')).toBe(true);
  });

  it('does nothing while what is on the member covers what is wanted; re-applies a drifted one', () => {
    const wanted = reconcileBackupLocations(estate, NODE, { tenants: [{ name: 'b', centres: bothCentres }], onMember: new Map() }).apply;
    // The server adds fields (uid, status, defaults): still covered.
    const seen = wanted.map((o): ServedObject => ({ ...structuredClone(o), status: { phase: 'Available' }, metadata: { ...o.metadata, uid: 'u-1', resourceVersion: '7' } }));
    const steady = reconcileBackupLocations(estate, NODE, { tenants: [{ name: 'b', centres: bothCentres }], onMember: onMember(seen) });
    expect(steady.apply).toEqual([]);
    expect(steady.delete).toEqual([]);
    const edited = structuredClone(seen);
    (edited[1]!.spec as { config: { s3Url: string } }).config.s3Url = 'https://elsewhere.example';
    const drift = reconcileBackupLocations(estate, NODE, { tenants: [{ name: 'b', centres: bothCentres }], onMember: onMember(edited) });
    expect(drift.apply).toEqual([wanted[1]]);
  });

  it('deletes the locations it made for this node once no tenant needs them', () => {
    const made = reconcileBackupLocations(estate, NODE, { tenants: [{ name: 'b', centres: bothCentres }], onMember: new Map() }).apply;
    const fewer = reconcileBackupLocations(estate, NODE, { tenants: [{ name: 'a', centres: ['remote-dr'] }], onMember: onMember(made) });
    expect(fewer.apply).toEqual([]);
    expect(fewer.delete).toEqual([{ apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', namespace: 'velero', name: 'dc-lanzhou-new-area-dr' }]);
    const none = reconcileBackupLocations(estate, NODE, { tenants: [], onMember: onMember(made) });
    expect(names(none.delete)).toEqual(['dc-lanzhou-new-area-dr', 'dc-qingyang-dr']);
    expect(none.condition).toMatchObject({ status: 'True', reason: Reasons.BackupLocationsReady, message: 'none needed: no tenant on this node has a DR plan' });
  });

  it('never touches a location longyun did not make for this node, even one a Schedule names', () => {
    const made = reconcileBackupLocations(estate, NODE, { tenants: [{ name: 'b', centres: bothCentres }], onMember: new Map() }).apply;
    const foreign: K8sObject = { apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'default', namespace: 'velero' }, spec: { provider: 'aws' } };
    // Same name as a wanted one, made by someone else (no labels).
    const preexisting: K8sObject = { ...structuredClone(made[1]!), metadata: { name: 'dc-qingyang-dr', namespace: 'velero', labels: { team: 'backup' } } };
    // Made by longyun for another node name (e.g. the member registered under another cloud before).
    const otherNode: K8sObject = { ...structuredClone(made[0]!), metadata: { ...made[0]!.metadata, labels: { ...made[0]!.metadata.labels, 'longyun.io/node': 'dingxi-cloud' } } };
    const d = reconcileBackupLocations(estate, NODE, { tenants: [{ name: 'a', centres: ['remote-dr'] }], onMember: onMember([foreign, preexisting, otherNode]) });
    expect(d.apply).toEqual([]);
    expect(d.delete).toEqual([]);
    expect(d.condition).toMatchObject({ status: 'False', reason: Reasons.BackupLocationNotManaged });
    expect(d.condition.message).toMatch(/^velero\/dc-qingyang-dr exists but longyun did not create it .*left alone/);
    const nothingNeeded = reconcileBackupLocations(estate, NODE, { tenants: [], onMember: onMember([foreign, preexisting, otherNode]) });
    expect(nothingNeeded.delete).toEqual([]);
  });

  it('does nothing when the member\'s locations cannot be read, and says why', () => {
    const d = reconcileBackupLocations(estate, NODE, { tenants: [{ name: 'b', centres: bothCentres }], onMember: undefined, readError: 'HTTP 403 Forbidden' });
    expect(d).toMatchObject({ apply: [], delete: [], condition: { status: 'False', reason: Reasons.BackupLocationsUnreadable } });
    expect(d.condition.message).toContain('HTTP 403 Forbidden');
  });

  describe('a DR centre without a backup endpoint', () => {
    const dir = copyGansu();
    afterAll(() => removeDir(dir));
    editYaml(dir, 'datacentres.yaml', (doc) => {
      const i = (doc.toJSON() as { datacentres: Array<{ id: string }> }).datacentres.findIndex((d) => d.id === 'dc-qingyang-dr');
      doc.deleteIn(['datacentres', i, 'backup']);
    });
    const broken = loadEstate(dir);

    it('applies the others and names the data centre and the file to fix', () => {
      const d = reconcileBackupLocations(broken, NODE, { tenants: [{ name: 'b', centres: bothCentres }], onMember: new Map() });
      expect(names(d.apply)).toEqual(['dc-lanzhou-new-area-dr']);
      expect(d.condition).toMatchObject({ status: 'False', reason: Reasons.BackupLocationInvalid });
      expect(d.condition.message).toMatch(/datacentres\.yaml: datacentres\[\d+\]\.backup: data centre "dc-qingyang-dr" .* no backup endpoint/);
    });
  });
});
