import { validateItem } from '../../../lib/engine/validateItem';
import { makeItem } from '../../helpers/items';

const valid = makeItem();
const without = (field: string) => {
  const copy: Record<string, unknown> = { ...valid };
  delete copy[field];
  return copy;
};

describe('validateItem', () => {
  it('accepts a valid item and keeps unknown fields', () => {
    const result = validateItem({ ...valid, extra: { nested: true } });
    expect(result.ok).toBe(true);
  });

  it.each([
    ['snapshotId'], ['itemId'], ['capturedAt'], ['tenantId'], ['module'], ['dataCategory'], ['store'], ['recordCount'], ['bytes'],
  ])('names the missing required field %s', (field) => {
    expect(validateItem(without(field))).toEqual({ ok: false, reason: `Required field ${field} is missing.` });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a timestamp that does not parse', { capturedAt: 'yesterday' }, 'Field capturedAt is not an ISO-8601 timestamp with a time zone.'],
    ['a timestamp without a time zone', { oldestRecordAt: '2026-11-01T00:00:00' }, 'Field oldestRecordAt is not an ISO-8601 timestamp with a time zone.'],
    ['an impossible date', { oldestRecordAt: '2026-02-30T00:00:00Z' }, 'Field oldestRecordAt is not an ISO-8601 timestamp with a time zone.'],
    ['a negative record count', { recordCount: -1 }, 'Field recordCount is negative or too small.'],
    ['negative bytes', { bytes: -10 }, 'Field bytes is negative or too small.'],
    ['a fractional count', { recordCount: 1.5 }, 'Field recordCount is not a whole number.'],
    ['a count given as text', { recordCount: '10' }, 'Field recordCount is not a whole number.'],
    ['a store without resource', { store: { type: 'mysql' } }, 'Required field store.resource is missing.'],
    ['a store that is a string', { store: 'mysql' }, 'Field store has the wrong type (expected object).'],
    ['an event that does not parse', { events: { accountDeletedAt: 'soon' } }, 'Field events.accountDeletedAt is not an ISO-8601 timestamp with a time zone.'],
    ['a zero customer retention', { customerRetentionDays: 0 }, 'Field customerRetentionDays is negative or too small.'],
    ['purposes that are not a list', { purposes: 'billing' }, 'Field purposes has the wrong type (expected array).'],
    ['a legal hold without reason', { legalHold: {} }, 'Required field legalHold.reason is missing.'],
    ['records but no oldest record time', { oldestRecordAt: undefined }, 'Field oldestRecordAt is missing but is required when recordCount is above 0.'],
    ['an oldest record later than the capture', { oldestRecordAt: '2026-11-21T00:00:00Z' }, 'Field oldestRecordAt is later than capturedAt.'],
    ['a newest record older than the oldest', { newestRecordAt: '2026-01-01T00:00:00Z' }, 'Field newestRecordAt is earlier than oldestRecordAt.'],
    ['an empty tenant', { tenantId: '' }, 'Field tenantId is empty.'],
  ])('refuses %s, naming the field', (_name, overrides, reason) => {
    const item = JSON.parse(JSON.stringify({ ...valid, ...overrides }));
    expect(validateItem(item)).toEqual({ ok: false, reason });
  });

  it('allows an item without records to omit oldestRecordAt', () => {
    expect(validateItem({ ...without('oldestRecordAt'), recordCount: 0 }).ok).toBe(true);
  });

  it.each([[null], [42], ['text'], [[1, 2]]])('refuses %p as not an object', (raw) => {
    expect(validateItem(raw)).toEqual({ ok: false, reason: 'The item is not a JSON object.' });
  });
});
