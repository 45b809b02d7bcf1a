import { hash } from 'node:crypto';
import type { Finding } from '../model';

/**
 * A finding's identity across snapshots: tenant, module, data category and
 * store resource (item ids change from one snapshot to the next). The key sorts
 * findings for the diff; the fingerprint is its SHA-256, short.
 *
 * @example
 * identityKey({ tenantId: 't', module: 'm', dataCategory: 'c', store: { type: 'mysql', resource: 'r' } }) // 't\u0001m\u0001c\u0001r'
 */
export function identityKey(finding: Pick<Finding, 'tenantId' | 'module' | 'dataCategory' | 'store'>): string {
  return `${finding.tenantId ?? ''}\u0001${finding.module ?? ''}\u0001${finding.dataCategory ?? ''}\u0001${finding.store?.resource ?? ''}`;
}

export function fingerprintOf(key: string): string {
  return hash('sha256', key, 'hex').slice(0, 20);
}
