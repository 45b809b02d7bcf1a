import { randomBytes } from 'node:crypto';

/**
 * A sortable, unique run id: `audit-20261123T150700Z-1a2b3c`. A module of its
 * own: the HTTP function that records runs needs it without the audit.
 *
 * @example
 * newRunId(new Date('2026-11-23T15:07:00Z')) // 'audit-20261123T150700Z-…'
 */
export function newRunId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `audit-${stamp}-${randomBytes(3).toString('hex')}`;
}
