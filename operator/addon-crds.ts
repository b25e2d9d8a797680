// The custom resources of the add-ons longyun's tenant objects use on a member (Multus's
// NetworkAttachmentDefinition, Velero's Schedule and BackupStorageLocation). Real members get them
// from installing Multus and Velero; the local control plane (`longyun dev up`) and the tests
// install these minimal definitions instead (schemas open, as no controller acts on them here).
import { VELERO_NAMESPACE } from '../stacks/graph/tenant-objects.js';

const crd = (group: string, kind: string, plural: string, version: string, scope: 'Namespaced' | 'Cluster' = 'Namespaced') => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}`, labels: { 'app.kubernetes.io/managed-by': 'longyun', 'longyun.io/addon-stand-in': 'true' } },
  spec: {
    group,
    scope,
    names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        // Declared fields (server-side apply needs them declared), contents left open.
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
});

export const ADDON_CRDS = [
  crd('k8s.cni.cncf.io', 'NetworkAttachmentDefinition', 'network-attachment-definitions', 'v1'),
  crd('velero.io', 'Schedule', 'schedules', 'v1'),
  crd('velero.io', 'BackupStorageLocation', 'backupstoragelocations', 'v1'),
];

/** Velero's namespace, which installing Velero creates: tenants' Schedules live there. */
export const ADDON_NAMESPACES = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: VELERO_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'longyun', 'longyun.io/addon-stand-in': 'true' } } },
];

/** What a dev member gets in place of installing Multus and Velero. */
export const ADDON_STAND_INS: ReadonlyArray<{ apiVersion: string; kind: string; metadata: { name: string } }> = [...ADDON_CRDS, ...ADDON_NAMESPACES];
