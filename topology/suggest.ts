// "Did you mean …?" for ids and field names: the closest candidate by edit distance.

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * Pinyin words people type for the English terms our ids use: "lanzhou-xinqu" means
 * "lanzhou-new-area" (兰州新区), "linxia-zhou" the prefecture.
 */
const PINYIN: Record<string, string> = {
  xinqu: 'new-area',
  shi: 'city',
  xian: 'county',
  qu: 'district',
  zhou: 'prefecture',
  zizhizhou: 'autonomous-prefecture',
  zizhixian: 'autonomous-county',
  sheng: 'province',
};

function normalise(word: string): string {
  return word
    .toLowerCase()
    .split(/[-_\s]+/)
    .map((t) => PINYIN[t] ?? t)
    .join('-');
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo, or if one
 * candidate shares a distinctive prefix. Pinyin terms are read as the English ones ids use.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const norm = normalise(word);
  let best: string | undefined;
  let bestScore = Infinity;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = Math.min(editDistance(word, c), editDistance(norm, c));
    if (d === 0 || norm === c) return c;
    // Prefer shared leading segments: "lanzhou-xinqu" shares "lanzhou-" with "lanzhou-new-area".
    const score = d - Math.min(commonPrefix(norm, c), 8) * 0.5;
    if (score < bestScore) {
      bestScore = score;
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.ceil(Math.max(word.length, best.length) * 0.4));
  if (bestDistance <= limit || commonPrefix(norm, best) >= Math.min(6, word.length)) return best;
  return undefined;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` (did you mean "${c}"?)`;
}
