import { readFile } from 'node:fs/promises';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import schema from '../../templates/waivers.schema.json';
import { InputError } from '../errors';
import type { Waiver } from './waivers';

const ajv = new Ajv({ strict: false });
addFormats(ajv, ['date-time']);
const validate = ajv.compile<{ waivers: Waiver[] }>(schema);

/**
 * Reads a waivers file (YAML or JSON) and validates it strictly.
 *
 * @example
 * const waivers = await loadWaivers('examples/waivers.yaml');
 */
export async function loadWaivers(path: string): Promise<Waiver[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new InputError(`Cannot read waivers file ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}.`, { cause });
  }
  return parseWaivers(text, path);
}

/**
 * Parses and validates the text of a waivers file; `path` names it in errors.
 *
 * @example
 * parseWaivers('waivers: []', 's3://bucket/waivers.yaml') // []
 */
export function parseWaivers(text: string, path: string): Waiver[] {
  let data: unknown;
  try {
    data = parse(text);
  } catch (cause) {
    throw new InputError(`Waivers file ${path} is not valid YAML or JSON: ${(cause as Error).message}`, { cause });
  }
  if (!validate(data)) {
    const error = validate.errors?.[0];
    const where = error?.instancePath || '/';
    const what = error?.keyword === 'additionalProperties' ? `unknown key "${String(error.params.additionalProperty)}"` : error?.message;
    throw new InputError(`Waivers file ${path} is invalid at ${where}: ${what}.`);
  }
  const ids = new Set<string>();
  for (const waiver of data.waivers) {
    if (ids.has(waiver.id)) throw new InputError(`Waivers file ${path} uses the id ${waiver.id} twice.`);
    ids.add(waiver.id);
  }
  return data.waivers;
}
