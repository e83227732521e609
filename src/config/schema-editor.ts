/**
 * The schema as editors and standard validators (ajv-cli, @cfworker/json-schema, VS Code) see a
 * config file: before kerats substitutes `${ENV}` references and expands `blocks:`. kerats itself
 * validates the document after both, against the strict schema (schema.ts); this variant, written
 * to schemas/kerats.schema.json, additionally accepts
 *  - `${NAME}` / `${NAME:-default}` / `${expr}` strings wherever a number or boolean goes
 *    (`epochs: ${EPOCHS:-3}`, `units: "${embed_dim * 4}"` inside a block), and
 *  - a block's name as a layer key (`- TransformerBlock: {embed_dim: 32}`) in a file that defines
 *    `blocks:`; without `blocks:`, an unknown layer name (`Dens`) is still an error.
 */
import type { JsonSchema } from '../registry/types.js';
import { losses } from '../registry/losses.js';
import { metrics } from '../registry/metrics.js';
import type { Registry } from '../registry/registry.js';
import type { RegistryEntry } from '../registry/types.js';
import { buildSchema, layerEntries } from './schema.js';

/**
 * A loss or metric entry with arguments also under its Keras class name, as users write it
 * (`TopKCategoricalAccuracy: {k: 3}` as well as `top_k_categorical_accuracy: {k: 3}`): kerats
 * normalises the name before its own check, an editor sees it as written.
 */
function withAliases(entry: JsonSchema | undefined, registry: Registry<RegistryEntry>): JsonSchema | undefined {
  const props = entry?.properties as Record<string, JsonSchema> | undefined;
  if (!entry || !props) return entry;
  const all: Record<string, JsonSchema> = { ...props };
  for (const name of Object.keys(props)) for (const alias of registry.find(name)?.aliases ?? []) all[alias] ??= props[name] as JsonSchema;
  return { ...entry, properties: all };
}

/** A string that is one `${...}` reference, as the environment and block substitution replace. */
const PLACEHOLDER: JsonSchema = {
  type: 'string',
  pattern: '^\\$\\{[^{}]+\\}$',
  description: 'A `${NAME}` / `${NAME:-default}` environment reference, or a `${expr}` of block parameters, replaced by a value before the config is checked.',
};

const SCALAR_TYPES = new Set(['number', 'integer', 'boolean']);
/** Keywords that describe a value rather than constrain it: they stay on the outside of the anyOf. */
const ANNOTATIONS = ['description', 'default', 'title', 'examples'];

function isScalarTyped(node: Record<string, unknown>): boolean {
  return typeof node.type === 'string' && SCALAR_TYPES.has(node.type);
}

/** `{type: integer, minimum: 1, description}` → `{description, anyOf: [{type: integer, minimum: 1}, placeholder]}`, everywhere. */
function acceptPlaceholders(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(acceptPlaceholders);
  if (typeof node !== 'object' || node === null) return node;
  // Maps of names to schemas (`properties`, `definitions`) are walked like schemas: a schema is
  // an object, so a name never passes for a `type` keyword.
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = acceptPlaceholders(v);
  if (!isScalarTyped(out)) return out;
  const annotations: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(out)) (ANNOTATIONS.includes(k) ? annotations : rest)[k] = v;
  return { ...annotations, anyOf: [rest, { $ref: '#/definitions/placeholder' }] };
}

/** The editor schema for the strict one (see the file comment). Deterministic. */
export function editorSchema(strict: JsonSchema): JsonSchema {
  const schema = acceptPlaceholders(strict) as JsonSchema & { definitions: Record<string, JsonSchema>; allOf?: JsonSchema[] };
  const layerItem = schema.definitions.layerItem as JsonSchema;
  schema.definitions = {
    ...schema.definitions,
    lossEntry: withAliases(schema.definitions.lossEntry, losses) as JsonSchema,
    metricEntry: withAliases(schema.definitions.metricEntry, metrics) as JsonSchema,
    placeholder: PLACEHOLDER,
    // A layer, or (in a file with `blocks:`) an instance of a block: one key that is no layer's name.
    layerItem: {
      description: layerItem.description,
      anyOf: [{ $ref: '#/definitions/knownLayerItem' }, { $ref: '#/definitions/blockInstance' }],
    },
    knownLayerItem: { ...layerItem, description: 'A layer kerats knows (not a block).' },
    blockInstance: {
      description: 'An instance of a block defined under `blocks:`: its name and its parameters, e.g. `TransformerBlock: {embed_dim: 32}`.',
      type: 'object',
      minProperties: 1,
      maxProperties: 1,
      propertyNames: { not: { enum: layerEntries().map((e) => e.name) } },
      additionalProperties: { type: ['object', 'null'] },
    },
  };
  // Only a file that defines blocks may use them: elsewhere every top-level layer must be known.
  schema.if = { not: { required: ['blocks'] } };
  schema.then = {
    properties: {
      model: { properties: { layers: { items: { $ref: '#/definitions/knownLayerItem' } } } },
      models: { additionalProperties: { properties: { layers: { items: { $ref: '#/definitions/knownLayerItem' } } } } },
    },
  };
  return schema;
}

/** The schema file's text: what `npm run schema` writes, `kerats schema` prints and the test compares. */
export function schemaText(): string {
  return `${JSON.stringify(editorSchema(buildSchema()), null, 2)}\n`;
}
