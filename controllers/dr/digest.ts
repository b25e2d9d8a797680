// Digests of objects in source form: the same object has the same digest on production and on a
// standby, whatever each server added. Never resourceVersions: they are opaque and per cluster.
import { createHash } from 'node:crypto';
import type { K8sObject } from '../../stacks/graph/types.js';
import { canonical, normalize } from './normalize.js';

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** `${apiVersion}/${kind}/${name}`: an object's key within its namespace (the namespace is implied). */
export function objectKey(o: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.name}`;
}

/** JSON with keys sorted at every level and no null values. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(canonical(v));
}

/**
 * Digests by object: an informer replaces an object when it changes and never edits one in place,
 * so the same object always has the same digest, and a copier pass over an unchanged namespace
 * hashes nothing again.
 */
const digests = new WeakMap<object, string>();

/** `sha256:` + hex of the canonical JSON of the normalised object. */
export function objectDigest(o: K8sObject): string {
  let d = digests.get(o);
  if (d === undefined) digests.set(o, (d = sha256(canonicalJson(normalize(o)))));
  return d;
}

/** The digest of a whole copy: over the `key digest` lines, sorted by key. */
export function copyDigest(digests: ReadonlyMap<string, string>): string {
  const lines = [...digests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, d]) => `${k} ${d}\n`);
  return sha256(lines.join(''));
}
