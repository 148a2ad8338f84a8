/**
 * Node labels as they are shown. Labels of the Internet Topology Zoo and Rocketfuel files
 * are sometimes URL-form encoded (`New+York,+NY236`): tables, reports and plots show them
 * decoded (`New York, NY236`), while the raw label stays the node's id (what users write in
 * `silos`, silo-profile CSVs, overlay files); lookups accept either.
 */

/** How many dropped labels a note names before `...`. */
const NAMED_DROPPED = 5;

/**
 * A label as shown in tables, reports and plots: a label written with `+` for spaces (it has
 * no space and a `+` between two other characters, as Rocketfuel and some Topology Zoo files
 * write them) gets its `+` turned into spaces and `%XX` escapes decoded; any other label is
 * shown as it is (`C++`, `A B+` stay).
 */
export function displayLabel(label: string): string {
  if (/\s/.test(label) || !/[^+]\+[^+]/.test(label)) return label;
  const spaced = label.replace(/\+/g, ' ');
  if (!/%[0-9A-Fa-f]{2}/.test(spaced)) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** A sentence with the labels in it shown decoded (an encoded label has no space, so each word is tried). */
export function displayLabelsIn(text: string): string {
  return text.split(' ').map(displayLabel).join(' ');
}

/**
 * The index of a node named `name` in `names`: its raw label, else the one node whose
 * displayed label ({@link displayLabel}) it is, else the one whose raw or displayed label it
 * is but for white space; -1 when none.
 */
export function findLabel(names: readonly string[], name: string): number {
  const i = names.indexOf(name);
  if (i >= 0) return i;
  const one = (match: (n: string) => boolean): number => {
    const found = names.flatMap((n, j) => (match(n) ? [j] : []));
    return found.length === 1 ? found[0] : -1;
  };
  const shown = one((n) => displayLabel(n) === name);
  if (shown >= 0) return shown;
  const bare = (x: string): string => x.replace(/\s+/g, '');
  const b = bare(name);
  return one((n) => bare(n) === b || bare(displayLabel(n)) === b);
}

/**
 * Labels as a message names them: the first few, shown decoded, then `...`.
 * @param quoted quote each (for lists of labels that may hold commas)
 */
export function someLabels(names: readonly string[], max = NAMED_DROPPED, quoted = false): string {
  const shown = names
    .slice(0, max)
    .map((n) => (quoted ? JSON.stringify(displayLabel(n)) : displayLabel(n)))
    .join(', ');
  return names.length > max ? `${shown}, ...` : shown;
}
