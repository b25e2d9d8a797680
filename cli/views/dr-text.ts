// Cell texts shared by the DR views (drills, schedules, failovers): scope, times, ages, and an
// RTO or RPO against its target.
import type { DrillScope } from '../../controllers/dr/drill-types.js';
import { humanDuration, rpoText } from '../../controllers/dr/status.js';

/** `tenants a, b +2`, `node gansu-provincial`, `centre production`. */
export function scopeText(scope: DrillScope): string {
  if (scope.tenants?.length) return `tenants ${scope.tenants.slice(0, 2).join(', ')}${scope.tenants.length > 2 ? ` +${scope.tenants.length - 2}` : ''}`;
  if (scope.node !== undefined) return `node ${scope.node}`;
  return scope.centre !== undefined ? `centre ${scope.centre}` : '-';
}

/** `2026-12-02 03:59:48Z`. */
export const timeText = (t: string | undefined) => (t === undefined || Number.isNaN(Date.parse(t)) ? t ?? '-' : `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')}Z`);

/** How long ago, for AGE. */
export const ageText = (t: string | undefined, now: Date) => (t === undefined || Number.isNaN(Date.parse(t)) ? '-' : humanDuration((now.getTime() - Date.parse(t)) / 1000));

/** A maximum with ✗ when some tenant missed its target. */
export const worstText = (s: number | undefined, missed: boolean) => (s === undefined ? '-' : `${humanDuration(s)}${missed ? ' ✗' : ''}`);

/** `12s / 4h ✓`: achieved against the target, met or not. */
export const achievedText = (s: number | undefined, target: number, met: boolean | undefined) => (s === undefined ? `- / ${rpoText(target)}` : `${humanDuration(s)} / ${rpoText(target)} ${met ?? s <= target ? '✓' : '✗'}`);
