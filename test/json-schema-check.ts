/**
 * A small JSON-Schema (2020-12) checker for the keywords dflsim's own schemas use: type,
 * const, enum, properties, required, additionalProperties, items, prefixItems, minItems,
 * maxItems, minimum, oneOf, anyOf and local `$ref`s (`#/$defs/...`). Unknown keywords are
 * an error, so a schema cannot quietly use one it does not check.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema',
  '$id',
  '$defs',
  '$ref',
  'title',
  'description',
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minimum',
  'oneOf',
  'anyOf',
]);

function typeOk(v: unknown, t: string): boolean {
  switch (t) {
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    default:
      throw new Error(`schema: unknown type ${t}`);
  }
}

/** The errors of `value` against `schema` (empty when it conforms), each with its JSON path. */
export function checkJsonSchema(value: unknown, schema: Schema, root: Schema = schema, at = '$'): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`schema: keyword ${k} is not checked`);
  if (typeof schema.$ref === 'string') {
    const m = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
    if (!m) throw new Error(`schema: $ref ${schema.$ref} is not local`);
    const target = (root.$defs as Record<string, Schema>)[m[1]];
    if (!target) throw new Error(`schema: $ref ${schema.$ref} not found`);
    return checkJsonSchema(value, target, root, at);
  }
  const errs: string[] = [];
  if (schema.type !== undefined && !typeOk(value, schema.type as string)) return [`${at}: expected ${String(schema.type)}`];
  if ('const' in schema && value !== schema.const) errs.push(`${at}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) errs.push(`${at}: not one of ${JSON.stringify(schema.enum)}`);
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum)
    errs.push(`${at}: below ${schema.minimum}`);
  if (typeOk(value, 'object')) {
    const o = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in o)) errs.push(`${at}: missing ${r}`);
    for (const [k, v] of Object.entries(o)) {
      if (props[k]) errs.push(...checkJsonSchema(v, props[k], root, `${at}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${at}: unexpected ${k}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) errs.push(`${at}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errs.push(`${at}: more than ${schema.maxItems} items`);
    const prefix = (schema.prefixItems ?? []) as Schema[];
    value.forEach((v, i) => {
      const s = i < prefix.length ? prefix[i] : (schema.items as Schema | undefined);
      if (s) errs.push(...checkJsonSchema(v, s, root, `${at}[${i}]`));
    });
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    const alts = schema[key] as Schema[] | undefined;
    if (!alts) continue;
    const ok = alts.filter((s) => checkJsonSchema(value, s, root, at).length === 0).length;
    if (key === 'oneOf' ? ok !== 1 : ok === 0) errs.push(`${at}: matches ${ok} of the ${key} alternatives`);
  }
  return errs;
}
