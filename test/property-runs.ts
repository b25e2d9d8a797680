// How many runs a property test makes, and the seed it draws from: both can be set from the
// environment so that a failure is replayed exactly and a long hunt needs no code change.
//   FC_SEED=-2127890483 FC_PATH=471:10:19   replay a failure (fast-check prints both)
//   FC_RUNS_SCALE=20                        every property runs 20× its usual number of times
// `test/property-setup.ts` applies them to every test file; tests call `runs(n)`.

function numberFrom(name: string, text: string | undefined, check: (n: number) => boolean, what: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new Error(`${name}=${JSON.stringify(text)}: expected ${what}`);
  return n;
}

export interface PropertyEnv {
  seed?: number;
  path?: string;
  scale: number;
}

export function propertyEnv(env: NodeJS.ProcessEnv = process.env): PropertyEnv {
  const seed = numberFrom('FC_SEED', env.FC_SEED, Number.isInteger, 'an integer (the seed fast-check printed)');
  const scale = numberFrom('FC_RUNS_SCALE', env.FC_RUNS_SCALE, (n) => n > 0, 'a positive number, e.g. 20') ?? 1;
  const path = env.FC_PATH === '' ? undefined : env.FC_PATH;
  if (path !== undefined && !/^\d+(:\d+)*$/.test(path)) throw new Error(`FC_PATH=${JSON.stringify(path)}: expected the path fast-check printed, e.g. "471:10:19"`);
  return { seed, path, scale };
}

/** fast-check parameters for a property that usually makes `n` runs, scaled by FC_RUNS_SCALE. */
export function runs(n: number): { numRuns: number } {
  return { numRuns: Math.max(1, Math.ceil(n * propertyEnv().scale)) };
}
