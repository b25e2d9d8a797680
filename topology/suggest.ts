// "Did you mean …?" for ids and field names: the closest candidate by edit distance.

/** Edit distance counting an adjacent transposition as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
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
    // Edit distance first; on a tie, prefer the longer shared beginning.
    const score = d - Math.min(commonPrefix(norm, c), 50) * 0.01;
    if (score < bestScore) {
      bestScore = score;
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(word.length, best.length) * 0.34));
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
