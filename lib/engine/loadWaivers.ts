import { readFile } from 'node:fs/promises';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import schema from '../../templates/waivers.schema.json';
import { DEFAULTS } from '../defaults';
import { InputError } from '../errors';
import { printable } from '../text/printable';
import { waiverRuleBreach, type Waiver } from './waivers';

/** The schema's validator, compiled on first use: compiling it (and Ajv's meta-schema) took 35–40 ms of every CLI start. */
let validator: ValidateFunction<{ waivers: Waiver[] }> | null = null;

function waiversValidator(): ValidateFunction<{ waivers: Waiver[] }> {
  validator ??= addFormats(new Ajv({ strict: false }), ['date-time', 'email']).compile<{ waivers: Waiver[] }>(schema);
  return validator;
}

/** How strictly a waivers file is read. */
export interface LoadWaiversOptions {
  /** The longest a waiver may last, createdAt to expiresAt (default `DEFAULTS.maxWaiverDays`). */
  maxWaiverDays?: number;
  /** The load instant: no waiver may be approved later (default: the clock). */
  now?: () => Date;
}

/**
 * Reads a waivers file (YAML or JSON) and validates it strictly.
 *
 * @example
 * const waivers = await loadWaivers('examples/waivers.yaml', { maxWaiverDays: 180 });
 */
export async function loadWaivers(path: string, options: LoadWaiversOptions = {}): Promise<Waiver[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new InputError(`Cannot read waivers file ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}.`, { cause });
  }
  return parseWaivers(text, path, options);
}

const FORMAT_WORDS: Record<string, string> = { email: 'an e-mail address (who approved the waiver)', 'date-time': 'an RFC 3339 date-time' };

/** The first schema error as the end of a sentence, naming the waiver by its id where it has one. */
function describeSchemaError(error: ErrorObject | undefined, data: unknown): string {
  const where = error?.instancePath || '/';
  const index = /^\/waivers\/(\d+)/.exec(where)?.[1];
  const id = index === undefined ? undefined : (data as { waivers?: { id?: unknown }[] }).waivers?.[Number(index)]?.id;
  const which = typeof id === 'string' ? ` (waiver ${printable(id)})` : '';
  const what =
    error?.keyword === 'additionalProperties'
      ? `unknown key "${printable(String(error.params.additionalProperty))}"`
      : error?.keyword === 'format'
        ? `must be ${FORMAT_WORDS[String(error.params.format)] ?? `in the format ${String(error.params.format)}`}`
        : error?.message;
  return `${where}${which}: ${what}`;
}

/**
 * Parses and validates the text of a waivers file; `path` names it in errors.
 * Beyond the schema, each waiver must respect {@link waiverRuleBreach}: a scope
 * that names a tenant or a module exactly, and a lifetime of at most
 * `maxWaiverDays`. A file that breaks any rule is refused as a whole.
 *
 * @example
 * parseWaivers('waivers: []', 's3://bucket/waivers.yaml') // []
 */
export function parseWaivers(text: string, path: string, options: LoadWaiversOptions = {}): Waiver[] {
  let data: unknown;
  try {
    data = parse(text);
  } catch (cause) {
    // The YAML library's message ends in a code frame over several lines: its first line says it all.
    const message = (cause as Error).message.split('\n')[0]!.replace(/[:.]\s*$/, '');
    throw new InputError(`Waivers file ${path} is not valid YAML or JSON: ${message}.`, { cause });
  }
  const validate = waiversValidator();
  if (!validate(data)) {
    throw new InputError(`Waivers file ${path} is invalid at ${describeSchemaError(validate.errors?.[0], data)}.`);
  }
  const rules = { maxDays: options.maxWaiverDays ?? DEFAULTS.maxWaiverDays, nowMs: (options.now?.() ?? new Date()).getTime() };
  const ids = new Set<string>();
  for (const waiver of data.waivers) {
    if (ids.has(waiver.id)) throw new InputError(`Waivers file ${path} uses the id ${printable(waiver.id)} twice.`);
    ids.add(waiver.id);
    const breach = waiverRuleBreach(waiver, rules);
    if (breach) throw new InputError(`Waiver ${printable(waiver.id)} in ${path} ${breach}.`);
  }
  return data.waivers;
}
