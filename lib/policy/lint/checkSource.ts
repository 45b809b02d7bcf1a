import { createHash } from 'node:crypto';
import { asString, type LintCheck } from './RuleFileUnderLint';

/** The SHA-256 (lower-case hex) of a source document's bytes, as `sourceSha256` records it. */
export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The source document is there and unchanged since the rule file was drafted from it:
 * `source` names a file of `<policies>/sources/`, and `sourceSha256` is its hash.
 * A changed source means the citations and periods must be checked again.
 */
export const checkSource: LintCheck = ({ data, source }) => {
  const name = asString(data.source);
  if (name === undefined) return [{ path: '/source', message: 'no source document is named' }];
  if (source === null) return [{ path: '/source', message: `the source document sources/${name} is missing` }];
  const actual = sha256Hex(source);
  const recorded = asString(data.sourceSha256);
  if (recorded === undefined) {
    return [{ path: '/sourceSha256', message: `missing: record the SHA-256 of sources/${name} ("sourceSha256": "${actual}")` }];
  }
  if (recorded !== actual) {
    return [
      {
        path: '/sourceSha256',
        message: `sources/${name} changed since import (recorded ${recorded.slice(0, 12)}…, now ${actual.slice(0, 12)}…): check the clauses against it, then record "${actual}"`,
      },
    ];
  }
  return [];
};
