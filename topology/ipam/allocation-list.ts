// A read-only list of allocations kept compactly by the address plan and made into `Allocation`
// objects only when asked for: a plan of hundreds of thousands of allocations costs a few bytes
// per allocation until someone reads them.
import type { Allocation } from './ledger.js';
import type { LedgerWriter } from './ledger-lines.js';

/** Where a list's allocations live: positions in the plan's append-only allocation log. */
export interface AllocationSource {
  /** The allocation at a position of the log (the same object every time it is asked for). */
  allocationAt(position: number): Allocation;
  /** Writes the ledger lines (see `serializeLedger`) of positions [start, end), in ledger order. */
  writeLedgerLines(start: number, end: number, planeOrder: readonly string[], out: LedgerWriter): void;
}

/**
 * Array-like and read-only: `length`, index access (`list[i]`, or `at(i)`), iteration, and the
 * usual non-mutating array methods (those that return arrays return plain arrays, `slice` returns
 * a list). It is not an Array (`Array.isArray` is false, and a deep equality with an array fails):
 * `toArray()` makes a plain array (for deep equality, or to mutate); `JSON.stringify` writes it as
 * one. Elements are the plan's allocations: the same object every time, the one `plan.get`
 * returns for it; treat them as read-only.
 */
export class AllocationList implements Iterable<Allocation> {
  /** `list[i]` is `list.at(i)` for i from 0 (see the prototype set below the class). */
  readonly [index: number]: Allocation;
  readonly #source: AllocationSource;
  readonly #start: number;
  readonly length: number;

  /** Positions [start, end) of the source. */
  constructor(source: AllocationSource, start: number, end: number) {
    this.#source = source;
    this.#start = start;
    this.length = Math.max(0, end - start);
  }

  /** Like `Array.prototype.at`: negative indexes count from the end. */
  at(index: number): Allocation | undefined {
    let i = Math.trunc(index) || 0;
    if (i < 0) i += this.length;
    return i >= 0 && i < this.length ? this.#source.allocationAt(this.#start + i) : undefined;
  }

  *[Symbol.iterator](): IterableIterator<Allocation> {
    for (let i = 0; i < this.length; i++) yield this.#source.allocationAt(this.#start + i);
  }

  *entries(): IterableIterator<[number, Allocation]> {
    for (let i = 0; i < this.length; i++) yield [i, this.#source.allocationAt(this.#start + i)];
  }

  values(): IterableIterator<Allocation> {
    return this[Symbol.iterator]();
  }

  forEach(f: (a: Allocation, index: number, list: AllocationList) => void): void {
    for (let i = 0; i < this.length; i++) f(this.#source.allocationAt(this.#start + i), i, this);
  }

  map<T>(f: (a: Allocation, index: number, list: AllocationList) => T): T[] {
    const out = new Array<T>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = f(this.#source.allocationAt(this.#start + i), i, this);
    return out;
  }

  filter<S extends Allocation>(f: (a: Allocation, index: number, list: AllocationList) => a is S): S[];
  filter(f: (a: Allocation, index: number, list: AllocationList) => unknown): Allocation[];
  filter(f: (a: Allocation, index: number, list: AllocationList) => unknown): Allocation[] {
    const out: Allocation[] = [];
    for (let i = 0; i < this.length; i++) {
      const a = this.#source.allocationAt(this.#start + i);
      if (f(a, i, this)) out.push(a);
    }
    return out;
  }

  find(f: (a: Allocation, index: number, list: AllocationList) => unknown): Allocation | undefined {
    const i = this.findIndex(f);
    return i < 0 ? undefined : this.#source.allocationAt(this.#start + i);
  }

  findIndex(f: (a: Allocation, index: number, list: AllocationList) => unknown): number {
    for (let i = 0; i < this.length; i++) if (f(this.#source.allocationAt(this.#start + i), i, this)) return i;
    return -1;
  }

  some(f: (a: Allocation, index: number, list: AllocationList) => unknown): boolean {
    return this.findIndex(f) >= 0;
  }

  every(f: (a: Allocation, index: number, list: AllocationList) => unknown): boolean {
    return this.findIndex((a, i, l) => !f(a, i, l)) < 0;
  }

  reduce<T>(f: (acc: T, a: Allocation, index: number, list: AllocationList) => T, initial: T): T {
    let acc = initial;
    for (let i = 0; i < this.length; i++) acc = f(acc, this.#source.allocationAt(this.#start + i), i, this);
    return acc;
  }

  /** Identity: the plan's allocations are the same objects every time. */
  indexOf(a: Allocation): number {
    return this.findIndex((x) => x === a);
  }

  includes(a: Allocation): boolean {
    return this.indexOf(a) >= 0;
  }

  /** Like `Array.prototype.slice`, as a list (nothing is copied). */
  slice(start = 0, end = this.length): AllocationList {
    const clamp = (x: number) => {
      const i = Math.trunc(x) || 0;
      return i < 0 ? Math.max(0, this.length + i) : Math.min(i, this.length);
    };
    const s = clamp(start);
    const e = clamp(end);
    return new AllocationList(this.#source, this.#start + s, this.#start + Math.max(s, e));
  }

  /** A plain array of the allocations. */
  toArray(): Allocation[] {
    return this.map((a) => a);
  }

  toJSON(): Allocation[] {
    return this.toArray();
  }

  /** Writes the lines `serializeLedger` writes for these allocations, in ledger order. */
  writeLedgerLines(planeOrder: readonly string[], out: LedgerWriter): void {
    this.#source.writeLedgerLines(this.#start, this.#start + this.length, planeOrder, out);
  }
}

/** A canonical array index ("0", "1", …, no sign or leading zero) as a number, or -1. */
function arrayIndex(key: string): number {
  const n = key.length;
  if (n === 0 || n > 10) return -1;
  const c0 = key.charCodeAt(0);
  if (c0 < 48 || c0 > 57 || (c0 === 48 && n > 1)) return -1;
  for (let k = 1; k < n; k++) {
    const c = key.charCodeAt(k);
    if (c < 48 || c > 57) return -1;
  }
  const i = Number(key);
  return i < 4294967295 ? i : -1;
}

// Index access without an object per element: a list looks up what neither it nor its class has
// (numeric keys, and names like `toString`) in a proxy at the end of its prototype chain, which
// answers indexes with `at` and everything else as Object.prototype does. Methods and `length`
// are found before the proxy is reached, so they cost what they would without it.
Object.setPrototypeOf(
  AllocationList.prototype,
  new Proxy(Object.prototype, {
    get(target, key, receiver: unknown) {
      if (typeof key === 'string' && receiver instanceof AllocationList) {
        const i = arrayIndex(key);
        if (i >= 0) return receiver.at(i);
      }
      return Reflect.get(target, key, receiver);
    },
  }),
);
