/**
 * "Did you mean" suggestions for misspelt names (topologies, config fields, networks,
 * silos): the known names closest to what was written, by edit distance.
 */
import { distance } from 'fastest-levenshtein';

/**
 * The known names closest to `word` (case-insensitive Levenshtein distance), best first;
 * only those within a third of the longer name's length, rounded up (at least 1, at most 3 edits; a swap of two letters counts 2), and
 * at most `max` of them. When none is that close, the names that contain the word or are
 * contained in it (`multigraph-ring` for `multigraph`).
 */
export function closestNames(word: string, known: readonly string[], max = 3): string[] {
  const w = word.toLowerCase();
  if (!w) return [];
  const close: { name: string; d: number }[] = [];
  const containing: string[] = [];
  for (const name of new Set(known)) {
    const n = name.toLowerCase();
    if (n === w) continue;
    const d = distance(w, n);
    const limit = Math.min(3, Math.max(1, Math.ceil(Math.max(w.length, n.length) / 3)));
    if (d <= limit) close.push({ name, d });
    else if (w.length >= 4 && (n.includes(w) || w.includes(n))) containing.push(name);
  }
  // near misspellings first; names that merely contain the word only when nothing is close
  if (close.length)
    return close
      .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
      .slice(0, max)
      .map((s) => s.name);
  return containing.sort((a, b) => a.length - b.length || a.localeCompare(b)).slice(0, max);
}

/** ` (did you mean "ring"?)`, or an empty string when nothing is close. */
export function didYouMean(word: string, known: readonly string[]): string {
  const c = closestNames(word, known);
  if (!c.length) return '';
  return ` (did you mean ${c.map((x) => `"${x}"`).join(' or ')}?)`;
}
