import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import reportSchema from '../../templates/report.schema.json';

export function tempDir(prefix = 'auditor-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTemp(name: string, content: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

export function ndjson(items: unknown[]): string {
  return `${items.map((item) => JSON.stringify(item)).join('\n')}\n`;
}

const ajv = new Ajv({ strict: true, allErrors: true });
addFormats(ajv);
const validateReport = ajv.compile(reportSchema);

/** Reads a JSON report and asserts it is valid against the shipped schema. */
export function readReport(path: string): any {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  if (!validateReport(report)) throw new Error(`report ${path} breaks the schema: ${ajv.errorsText(validateReport.errors)}`);
  return report;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}
