import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError, UsageError } from '../../errors';
import { draftRuleFile, type Draft } from './draftRuleFile';

export interface ImportPolicyOptions {
  moduleId: string;
  name?: string;
  /** The rule folder (default `policies/`); the source is copied to its `sources/`. */
  policiesDir: string;
  /** Overwrite an existing rule file (and a different source of the same name). */
  force?: boolean;
}

export interface ImportResult extends Draft {
  /** The rule file written. */
  file: string;
  /** The copy of the source under `sources/`. */
  sourceFile: string;
}

const MODULE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * `policy import`: drafts `<dir>/<module>.json` from a privacy-policy module
 * and keeps the source under `<dir>/sources/` with its SHA-256. Refuses to
 * overwrite a rule file without `force`. Offline and deterministic.
 *
 * @example
 * importPolicy('seeds/003.txt', { moduleId: 'instant-messaging', policiesDir: 'policies' }).file // 'policies/instant-messaging.json'
 */
export function importPolicy(path: string, options: ImportPolicyOptions): ImportResult {
  if (!MODULE_ID.test(options.moduleId)) throw new UsageError(`The module id "${options.moduleId}" must be lower-case kebab-case (e.g. instant-messaging).`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new InputError(`Cannot read the policy document ${path}.`, { cause });
  }
  const file = join(options.policiesDir, `${options.moduleId}.json`);
  if (existsSync(file) && !options.force) throw new UsageError(`${file} exists already; pass --force to overwrite it.`);
  const source = basename(path);
  const sourceFile = join(options.policiesDir, 'sources', source);
  if (existsSync(sourceFile) && !options.force && !readFileSync(sourceFile).equals(bytes)) {
    throw new UsageError(`${sourceFile} exists with other content; pass --force to replace it.`);
  }
  const sourceSha256 = createHash('sha256').update(bytes).digest('hex');
  const draft = draftRuleFile(bytes.toString('utf8'), { moduleId: options.moduleId, name: options.name, source, sourceSha256 });
  mkdirSync(join(options.policiesDir, 'sources'), { recursive: true });
  writeFileSync(sourceFile, bytes);
  writeFileSync(file, `${JSON.stringify(draft.ruleFile, null, 2)}\n`);
  return { ...draft, file, sourceFile };
}
