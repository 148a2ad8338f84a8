/**
 * The config reference (`docs/config-reference.md`): every field of training and
 * cycle-time configs with its type, default and meaning, generated from the config schema
 * (its JSON Schema), so it cannot drift from what the code accepts.
 */
import { configJsonSchema } from './config.js';

/** A JSON Schema node, as far as the reference reads it. */
interface Node {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  prefixItems?: Node[];
  anyOf?: Node[];
  oneOf?: Node[];
  additionalProperties?: Node | boolean;
  not?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
}

const BIG = 9007199254740991;

function bounds(n: Node): string {
  const lo = n.exclusiveMinimum !== undefined ? `> ${n.exclusiveMinimum}` : n.minimum !== undefined ? `≥ ${n.minimum}` : '';
  const hi =
    n.exclusiveMaximum !== undefined ? `< ${n.exclusiveMaximum}` : n.maximum !== undefined && n.maximum !== BIG ? `≤ ${n.maximum}` : '';
  return [lo, hi].filter(Boolean).join(', ');
}

/** A node's type in words: `integer > 0`, `"max-plus" \| "events"`, `list of string`, `object`. */
function typeOf(n: Node): string {
  if (n.not !== undefined && Object.keys(n).every((k) => k === 'not' || k === 'description')) return 'not allowed';
  if (n.const !== undefined) return JSON.stringify(n.const);
  if (n.enum) return n.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alts = n.anyOf ?? n.oneOf;
  if (alts) return [...new Set(alts.map(typeOf))].join(' or ');
  if (n.type === 'array')
    return n.prefixItems ? `[${n.prefixItems.map(typeOf).join(', ')}]` : `list of ${n.items ? typeOf(n.items) : 'values'}`;
  if (n.type === 'object')
    return n.properties?.kind?.const !== undefined
      ? `object (kind ${JSON.stringify(n.properties.kind.const)})`
      : n.properties?.model?.const !== undefined
        ? `object (model ${JSON.stringify(n.properties.model.const)})`
        : n.properties
          ? 'object'
          : 'map';
  const b = bounds(n);
  return `${Array.isArray(n.type) ? n.type.join(' or ') : (n.type ?? 'any')}${b ? ` ${b}` : ''}`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function defaultOf(n: Node): string {
  return n.default === undefined ? '' : `\`${JSON.stringify(n.default)}\``;
}

/** The object schemas reachable below a node (its own, and each branch of a union of objects). */
function objects(n: Node): Node[] {
  const alts = n.anyOf ?? n.oneOf;
  if (alts) return alts.flatMap(objects);
  if (n.type === 'object' && n.properties) return [n];
  if (n.type === 'array' && n.items) return objects(n.items);
  if (n.additionalProperties && typeof n.additionalProperties === 'object') return objects(n.additionalProperties);
  return [];
}

/** Rows of a field table: each field, then its nested fields as `parent.child` (`dataset.sequences`). */
function rows(props: Record<string, Node>, required: readonly string[], prefix: string, out: string[][]): void {
  for (const [name, node] of Object.entries(props)) {
    if (name === '$schema') continue;
    const path = `${prefix}${name}`;
    const req = required.includes(name) && node.default === undefined ? ' (required)' : '';
    out.push([`\`${path}\``, typeOf(node), defaultOf(node), `${node.description ?? ''}${req}`]);
    const nested = objects(node);
    for (const o of nested) {
      // a branch of a union: its own fields under the parent, the branch named in the meaning
      const branch = o.properties?.kind?.const ?? o.properties?.model?.const;
      const sub: string[][] = [];
      rows(
        Object.fromEntries(Object.entries(o.properties ?? {}).filter(([k]) => !(k === 'kind' || k === 'model') || branch === undefined)),
        o.required ?? [],
        `${path}${node.type === 'array' || node.items ? '[]' : ''}.`,
        sub,
      );
      if (branch !== undefined) for (const r of sub) r[3] = `(${JSON.stringify(branch)}) ${r[3]}`;
      out.push(...sub);
    }
  }
}

function table(props: Record<string, Node>, required: readonly string[]): string {
  const out: string[][] = [];
  rows(props, required, '', out);
  return (
    ['| field | type | default | meaning |', '| --- | --- | --- | --- |', ...out.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n') +
    '\n'
  );
}

/** The config reference as Markdown, from the config schema. */
export function configReferenceMarkdown(): string {
  const schema = configJsonSchema() as { oneOf?: Node[]; anyOf?: Node[] };
  const kinds = schema.oneOf ?? schema.anyOf ?? [];
  const train = kinds.find((k) => k.properties?.kind?.const === 'train')!;
  const cycle = kinds.find((k) => k.properties?.kind?.const === 'cycle-times')!;
  return [
    '# Config reference',
    '',
    'Generated from the config schema by `dflsim config-schema --format markdown` (a test checks that this file is current). Configs are JSON or YAML; paths are relative to the config file; unknown fields are errors. `experiments/dflsim-config.schema.json` is the same schema for editors.',
    '',
    'A field with a default may be left out. Nested fields are written `parent.child`; a field of one kind of a union says which (`("synthetic-driving")`).',
    '',
    '## Training configs (`"kind": "train"`, the default)',
    '',
    'One run per sweep point and seed. Each run records what it simulated (clock, model size and step time with their sources, evaluation period) in its `summary.json`.',
    '',
    table(train.properties ?? {}, train.required ?? []),
    '## Cycle-time configs (`"kind": "cycle-times"`)',
    '',
    'Cycle times of topologies over networks, without training.',
    '',
    table(cycle.properties ?? {}, cycle.required ?? []),
  ].join('\n');
}
