import { describe, expect, it } from 'vitest';
import { AllocationList, type AllocationSource } from './allocation-list.js';
import type { Allocation } from './ledger.js';

const made: Allocation[] = Array.from({ length: 10 }, (_, i) => ({
  plane: 'p1',
  family: 'ipv4',
  owner: `o${i}`,
  level: 'service',
  prefix: `10.0.0.${8 * i}/29`,
  parent: '10.0.0.0/24',
}));
let reads = 0;
const source: AllocationSource = {
  allocationAt: (i) => {
    reads++;
    return made[i]!;
  },
  writeLedgerLines: () => undefined,
};

describe('AllocationList', () => {
  const list = new AllocationList(source, 2, 7); // made[2] … made[6]

  it('is array-like: length, index access, at(), iteration, spreading', () => {
    expect(list.length).toBe(5);
    expect(list[0]).toBe(made[2]);
    expect(list[4]).toBe(made[6]);
    expect(list[5]).toBeUndefined();
    expect(list.at(-1)).toBe(made[6]);
    expect(list.at(5)).toBeUndefined();
    expect([...list]).toEqual(made.slice(2, 7));
    expect(list.toArray()).toEqual(made.slice(2, 7));
    expect(Array.from(list)).toEqual(made.slice(2, 7));
    expect([...list.entries()].map(([i, a]) => [i, a.owner])).toEqual([[0, 'o2'], [1, 'o3'], [2, 'o4'], [3, 'o5'], [4, 'o6']]);
    expect(Array.isArray(list)).toBe(false);
    expect(Object.keys(list)).toEqual(['length']);
    expect((list as unknown as Record<string, unknown>)['01']).toBeUndefined();
    expect((list as unknown as Record<string, unknown>).nothing).toBeUndefined();
    expect(String(list)).toBe('[object Object]');
  });

  it('has the non-mutating array methods, returning plain arrays (slice returns a list)', () => {
    expect(list.map((a) => a.owner)).toEqual(['o2', 'o3', 'o4', 'o5', 'o6']);
    expect(list.filter((a, i) => i % 2 === 0).map((a) => a.owner)).toEqual(['o2', 'o4', 'o6']);
    expect(list.find((a) => a.owner === 'o4')).toBe(made[4]);
    expect(list.findIndex((a) => a.owner === 'o4')).toBe(2);
    expect(list.some((a) => a.owner === 'o9')).toBe(false);
    expect(list.every((a) => a.level === 'service')).toBe(true);
    expect(list.reduce((n, a) => n + a.owner, '')).toBe('o2o3o4o5o6');
    expect(list.indexOf(made[5]!)).toBe(3);
    expect(list.includes(made[0]!)).toBe(false);
    const owners: string[] = [];
    list.forEach((a) => owners.push(a.owner));
    expect(owners).toEqual(['o2', 'o3', 'o4', 'o5', 'o6']);
    const tail = list.slice(-2);
    expect(tail).toBeInstanceOf(AllocationList);
    expect(tail.toArray()).toEqual(made.slice(5, 7));
    expect(list.slice(1, 3).toArray()).toEqual(made.slice(3, 5));
    expect(list.slice(4, 2).length).toBe(0);
  });

  it('is written by JSON.stringify as an array, and reads only what is asked for', () => {
    expect(JSON.parse(JSON.stringify({ list }))).toEqual({ list: made.slice(2, 7) });
    reads = 0;
    expect(list.length).toBe(5);
    expect(list[1]!.owner).toBe('o3');
    expect(reads).toBe(1);
  });

  it('compares equal to a list of equal allocations, and (as an array) to an array', () => {
    expect(new AllocationList(source, 0, 3)).toEqual(new AllocationList(source, 0, 3));
    expect(new AllocationList(source, 0, 3)).not.toEqual(new AllocationList(source, 1, 4));
    expect(new AllocationList(source, 0, 0).toArray()).toEqual([]);
  });
});
