import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import itemSchema from '../../templates/inventory-item.schema.json';
import type { InventoryItem } from '../model';
import { parseTimestamp } from '../time';

export type ItemCheck = { ok: true; item: InventoryItem } | { ok: false; reason: string };

export interface ItemBounds {
  /** A capture time later than this (the audit's start plus the allowed clock skew) is invalid. */
  capturedNotAfterMs?: number;
}

const ajv = new Ajv({ allErrors: false, strict: false });
// A timestamp is what the arithmetic can use: one definition, lib/time.ts parseTimestamp.
ajv.addFormat('date-time', { type: 'string', validate: (text: string) => parseTimestamp(text) !== null });
const validators = new Map<string, ValidateFunction<InventoryItem>>();

/**
 * The item schema with the catalog's declared events added to `events` (after the
 * built-in ones, each a #/definitions/timestamp), compiled once per list of names.
 */
function schemaValidator(declaredEvents: readonly string[]): ValidateFunction<InventoryItem> {
  const key = declaredEvents.join(',');
  let validator = validators.get(key);
  if (!validator) {
    const events = itemSchema.properties.events;
    const declared = Object.fromEntries(declaredEvents.map((name) => [name, { $ref: '#/definitions/timestamp' }]));
    // Each variant its own $id: ajv refuses two schemas with one.
    const $id = key === '' ? itemSchema.$id : `${itemSchema.$id}?events=${key}`;
    const schema = { ...itemSchema, $id, properties: { ...itemSchema.properties, events: { ...events, properties: { ...events.properties, ...declared } } } };
    validator = ajv.compile<InventoryItem>(schema);
    validators.set(key, validator);
  }
  return validator;
}

const FIELD_WORDS: Record<string, string> = {
  type: 'has the wrong type',
  format: 'is not an ISO-8601 timestamp with a time zone',
  minLength: 'is empty',
  minimum: 'is negative or too small',
  integer: 'is not a whole number',
};

function fieldOf(error: ErrorObject): string {
  const path = error.instancePath.slice(1).replaceAll('/', '.');
  if (error.keyword === 'required') {
    const missing = String(error.params.missingProperty);
    return path ? `${path}.${missing}` : missing;
  }
  return path;
}

function describe(error: ErrorObject): string {
  const field = fieldOf(error);
  if (error.keyword === 'required') {
    return error.schemaPath.startsWith('#/then')
      ? `Field ${field} is missing but is required when recordCount is above 0.`
      : `Required field ${field} is missing.`;
  }
  if (error.keyword === 'type' && error.params.type === 'integer') return `Field ${field} is not a whole number.`;
  if (error.keyword === 'type') return `Field ${field} has the wrong type (expected ${String(error.params.type)}).`;
  if (error.keyword === 'maxLength') return `Field ${field} is longer than ${String(error.params.limit)} characters.`;
  if (error.keyword === 'maximum') return `Field ${field} is larger than ${String(error.params.limit)}.`;
  if (error.keyword === 'maxItems') return `Field ${field} has more than ${String(error.params.limit)} entries.`;
  const words = FIELD_WORDS[error.keyword] ?? error.message ?? 'is invalid';
  return field ? `Field ${field} ${words}.` : `The item ${words}.`;
}

/**
 * Checks an item against docs/semantics.md#inventory-item (schema in templates/). The reason
 * of a broken item names the field. A number JSON cannot hold exactly (1e999 reads as
 * Infinity) is never a count; a capture time later than `bounds.capturedNotAfterMs` did not
 * happen yet. `declaredEvents` (Catalog.events: the event names the catalog's rule files
 * declare, of any module) are checked in `events` as timestamps, like the built-in events;
 * other unknown names there are kept and ignored.
 *
 * @example
 * validateItem({ snapshotId: 's' }) // { ok: false, reason: 'Required field itemId is missing.' }
 */
export function validateItem(raw: unknown, bounds: ItemBounds = {}, declaredEvents: readonly string[] = []): ItemCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: 'The item is not a JSON object.' };
  }
  const validateSchema = schemaValidator(declaredEvents);
  if (!validateSchema(raw)) {
    const error = validateSchema.errors?.[0];
    return { ok: false, reason: error ? describe(error) : 'The item is invalid.' };
  }
  const item = raw;
  const capturedMs = parseTimestamp(item.capturedAt)!;
  if (bounds.capturedNotAfterMs !== undefined && capturedMs > bounds.capturedNotAfterMs) {
    const bound = new Date(bounds.capturedNotAfterMs).toISOString();
    return { ok: false, reason: `Field capturedAt lies in the future: it is later than ${bound}, the audit's start plus the clock skew allowed.` };
  }
  const oldestMs = item.oldestRecordAt === undefined ? null : parseTimestamp(item.oldestRecordAt);
  if (oldestMs !== null && oldestMs > capturedMs) {
    return { ok: false, reason: 'Field oldestRecordAt is later than capturedAt.' };
  }
  const newestMs = item.newestRecordAt === undefined ? null : parseTimestamp(item.newestRecordAt);
  if (oldestMs !== null && newestMs !== null && newestMs < oldestMs) {
    return { ok: false, reason: 'Field newestRecordAt is earlier than oldestRecordAt.' };
  }
  return { ok: true, item };
}
