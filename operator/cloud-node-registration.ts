// Registering a member cluster as a CloudNode: the objects `longyun node onboard` and
// `longyun dev up` write to the management cluster (the operator's namespace, a Secret holding the
// member's kubeconfig, the CloudNode). The operator then reaches the member and onboards it.
import { Value } from '@sinclair/typebox/value';
import { LongyunError } from '../topology/errors.js';
import type { Estate } from '../topology/estate.js';
import { CloudNodeSpec, type Cloud, type CloudKind } from '../topology/schema.js';
import { didYouMean } from '../topology/suggest.js';
import { validate } from '../topology/validate.js';
import { API_VERSION } from './crds.js';
import { OPERATOR_NAMESPACE } from './manager.js';
import type { RestClient } from './rest.js';

export class CloudNodeRegistrationError extends LongyunError {
  override name = 'CloudNodeRegistrationError';
}

export interface CloudNodeRegistration {
  cloud: Cloud;
  /** The member's kubeconfig, as text; it is stored in a Secret, never printed. */
  kubeconfig: string;
  context?: string;
}

interface PlainObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}

/** Finds the estate cloud a member stands for: by id, or by unit and kind (a production cloud: a standby is named by id). */
export function findCloud(estate: Estate, by: { id: string } | { unit: string; kind: CloudKind }, estateDir: string): Cloud {
  if ('id' in by) {
    const cloud = estate.cloudById.get(by.id);
    if (!cloud) throw new CloudNodeRegistrationError(`${estateDir} has no cloud "${by.id}"${didYouMean(by.id, estate.cloudById.keys())}; the clouds are listed in clouds.yaml`);
    return cloud;
  }
  const cloud = estate.doc.clouds.find((c) => c.unit === by.unit && c.kind === by.kind && c.role !== 'standby');
  if (!cloud) throw new CloudNodeRegistrationError(`${estateDir}: no ${by.kind} cloud for unit "${by.unit}"${didYouMean(by.unit, estate.unitById.keys())}; add it to clouds.yaml or pass --name`);
  return cloud;
}

/** The objects that register a member cluster, in the order they are applied. */
export function cloudNodeRegistrationObjects(r: CloudNodeRegistration): PlainObject[] {
  const secretName = `${r.cloud.id}-kubeconfig`;
  const spec = {
    kind: r.cloud.kind,
    unit: r.cloud.unit,
    kubeconfigSecretRef: { name: secretName, key: 'kubeconfig' },
    ...(r.context ? { context: r.context } : {}),
    capacity: r.cloud.capacity,
    // Its role, data centre (for a standby, the DR centre it stands in) and the clouds it protects.
    ...(r.cloud.role ? { role: r.cloud.role } : {}),
    ...(r.cloud.datacentre ? { datacentre: r.cloud.datacentre } : {}),
    ...(r.cloud.protects ? { protects: r.cloud.protects } : {}),
  };
  if (!Value.Check(CloudNodeSpec, spec)) {
    throw new CloudNodeRegistrationError(`cloud ${r.cloud.id}: ${validate(CloudNodeSpec, spec, 'spec').map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NAMESPACE } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName, namespace: OPERATOR_NAMESPACE }, type: 'Opaque', data: { kubeconfig: Buffer.from(r.kubeconfig).toString('base64') } },
    { apiVersion: API_VERSION, kind: 'CloudNode', metadata: { name: r.cloud.id }, spec },
  ];
}

/** Applies the registration server-side; `wrap` turns API errors into the caller's messages. */
export async function registerCloudNode(
  rest: RestClient,
  r: CloudNodeRegistration,
  fieldManager: string,
  wrap: <T>(what: string, fn: () => Promise<T>) => Promise<T> = (_what, fn) => fn(),
): Promise<void> {
  for (const o of cloudNodeRegistrationObjects(r)) {
    const what = `${o.kind.toLowerCase()}/${o.metadata.name}`;
    await wrap(what, () => rest.apply(o, fieldManager));
  }
}
