import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import itemSchema from '../../templates/inventory-item.schema.json';
import type { InventoryItem } from '../model';

export type ItemCheck = { ok: true; item: InventoryItem } | { ok: false; reason: string };

const ajv = new Ajv({ allErrors: false, strict: false });
addFormats(ajv, ['date-time']);
const validateSchema = ajv.compile<InventoryItem>(itemSchema);

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
  const words = FIELD_WORDS[error.keyword] ?? error.message ?? 'is invalid';
  return field ? `Field ${field} ${words}.` : `The item ${words}.`;
}

/**
 * Checks an item against docs/semantics.md#inventory-item (schema in templates/). The reason
 * of a broken item names the field.
 *
 * @example
 * validateItem({ snapshotId: 's' }) // { ok: false, reason: 'Required field itemId is missing.' }
 */
export function validateItem(raw: unknown): ItemCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: 'The item is not a JSON object.' };
  }
  if (!validateSchema(raw)) {
    const error = validateSchema.errors?.[0];
    return { ok: false, reason: error ? describe(error) : 'The item is invalid.' };
  }
  const item = raw;
  if (item.oldestRecordAt !== undefined && Date.parse(item.oldestRecordAt) > Date.parse(item.capturedAt)) {
    return { ok: false, reason: 'Field oldestRecordAt is later than capturedAt.' };
  }
  if (
    item.oldestRecordAt !== undefined &&
    item.newestRecordAt !== undefined &&
    Date.parse(item.newestRecordAt) < Date.parse(item.oldestRecordAt)
  ) {
    return { ok: false, reason: 'Field newestRecordAt is earlier than oldestRecordAt.' };
  }
  return { ok: true, item };
}
