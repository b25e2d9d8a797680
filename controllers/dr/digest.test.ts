import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../stacks/graph/types.js';
import { objectDigest } from './digest.js';

describe('objectDigest memo', () => {
  it('gives a replaced object (a watch event) its own digest, and the same object the same one', () => {
    const a: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'n' }, data: { k: '1' } };
    const b: K8sObject = { ...a, data: { k: '2' } };
    expect(objectDigest(a)).toBe(objectDigest(a));
    expect(objectDigest(b)).not.toBe(objectDigest(a));
    expect(objectDigest(structuredClone(b))).toBe(objectDigest(b));
  });
});
