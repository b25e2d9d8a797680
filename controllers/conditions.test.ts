import { describe, expect, it } from 'vitest';
import { mergeOwnConditions, OWN_CONDITION_TYPES, withFinalizer, type Condition } from './conditions.js';

const c = (type: string, status: Condition['status'] = 'True', reason = 'R'): Condition => ({ type, status, reason, message: '', lastTransitionTime: '2026-12-01T00:00:00Z' });

describe('mergeOwnConditions', () => {
  const own = OWN_CONDITION_TYPES.tenant;

  it("keeps another writer's condition that the controller's (stale) view never had", () => {
    const current = [c('Approved'), c('BackupVerified', 'True', 'VeleroSaysSo'), c('Ready', 'False')];
    const desired = [c('Approved'), c('Ready', 'True', 'TenantReady')];
    expect(mergeOwnConditions(current, desired, own)).toEqual([c('Approved'), c('BackupVerified', 'True', 'VeleroSaysSo'), c('Ready', 'True', 'TenantReady')]);
  });

  it('takes its own types from what it decided: set, added at the end, or dropped', () => {
    const current = [c('Placed'), c('Foreign'), c('Provisioned')];
    const desired = [c('Placed', 'False'), c('Ready')];
    expect(mergeOwnConditions(current, desired, own)).toEqual([c('Placed', 'False'), c('Foreign'), c('Ready')]);
  });

  it('never writes a foreign type from its own view (only the current object says what others have)', () => {
    expect(mergeOwnConditions([], [c('Ready'), c('GoneForeign')], own)).toEqual([c('Ready')]);
  });

  it('has the CloudNode controller own only the CloudNode types', () => {
    expect(mergeOwnConditions([c('Ready', 'False'), c('Placed')], [c('Ready')], OWN_CONDITION_TYPES.cloudnode)).toEqual([c('Ready'), c('Placed')]);
  });
});

describe('withFinalizer', () => {
  it("adds or removes one finalizer and keeps everyone else's in order", () => {
    expect(withFinalizer(['backup.io/hold'], 'longyun.io/x', true)).toEqual(['backup.io/hold', 'longyun.io/x']);
    expect(withFinalizer(['a', 'longyun.io/x', 'b'], 'longyun.io/x', true)).toEqual(['a', 'longyun.io/x', 'b']);
    expect(withFinalizer(['a', 'longyun.io/x', 'b'], 'longyun.io/x', false)).toEqual(['a', 'b']);
    expect(withFinalizer(undefined, 'longyun.io/x', false)).toEqual([]);
  });
});
