import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { assetPath } from '../assets';
import { CatalogError } from '../errors';
import { DECLARED_EVENT_PATTERN, RETENTION_EVENTS, type Citation } from '../model';
import { ruleKinds, type Clause, type RuleKindName } from './ruleKindRegistry';

export interface CatalogCategory {
  id: string;
  name: string;
  sensitivity: 'personal' | 'special';
  /** For special-category data: what kind ("health", "biometric"). */
  specialCategory: string | null;
  rules: CatalogRule[];
}

export interface CatalogRule {
  /** `<module>/<clause id>`: stable, cited in every finding. */
  ruleId: string;
  clause: Clause;
  citation: Citation;
}

export interface CatalogModule {
  id: string;
  name: string;
  source: string;
  /** SHA-256 (hex) of the source document's bytes when the rule file records it (`policy lint` requires it). */
  sourceSha256: string | null;
  file: string;
  categories: Map<string, CatalogCategory>;
  /** The events the rule file declares beyond RETENTION_EVENTS, with their words ("domain expiry"). */
  events: ReadonlyMap<string, string>;
}

export interface Catalog {
  /** `sha256:` + the first 16 hex digits of the hash of the rule files' content. */
  version: string;
  modules: Map<string, CatalogModule>;
  /**
   * Every event name declared by any rule file of the catalog, sorted: an item of any
   * module may carry these in `events`, and they are validated as timestamps like the
   * built-in ones (RETENTION_EVENTS); other unknown names are kept and ignored.
   * Absent (a catalog built by hand): none.
   */
  events?: readonly string[];
}

/** The bundled rule files (beside the code, or in the Lambda package). */
export const DEFAULT_POLICIES_DIR = assetPath('policies');

interface RuleFile {
  module: string;
  name: string;
  source: string;
  sourceSha256?: string;
  events?: Record<string, { name: string }>;
  categories: Record<string, { name: string; sensitivity: 'personal' | 'special'; specialCategory?: string }>;
  clauses: Clause[];
}

const ID = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' };
const BASE_PROPERTIES = {
  id: ID,
  kind: { type: 'string' },
  categories: { type: 'array', minItems: 1, uniqueItems: true, items: ID },
  section: { type: 'string', minLength: 1 },
  text: { type: 'string', minLength: 1 },
  context: { type: 'string', minLength: 1 },
  supersedes: { type: 'array', minItems: 1, items: ID },
  /** Drafted by `policy import`: how sure the importer was, and what a person must check. */
  confidence: { enum: ['high', 'medium', 'low'] },
  check: { type: 'string', minLength: 1 },
};

/** The rule-file schema, assembled from the registry: each kind contributes its own branch. */
export function ruleFileSchema(): object {
  const branches = (Object.keys(ruleKinds) as RuleKindName[]).map((kind) => {
    const own = ruleKinds[kind].schema;
    return {
      type: 'object',
      properties: { ...BASE_PROPERTIES, ...own.properties, kind: { const: kind } },
      required: [...new Set(['id', 'kind', 'categories', 'section', 'text', ...own.required])],
      additionalProperties: false,
    };
  });
  return {
    type: 'object',
    properties: {
      $schema: { type: 'string' },
      module: ID,
      name: { type: 'string', minLength: 1 },
      source: { type: 'string', minLength: 1 },
      // Optional so that older files load; `policy lint` requires it.
      sourceSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      events: {
        type: 'object',
        propertyNames: { type: 'string', pattern: DECLARED_EVENT_PATTERN },
        additionalProperties: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1 } },
          required: ['name'],
          additionalProperties: false,
        },
      },
      categories: {
        type: 'object',
        minProperties: 1,
        propertyNames: ID,
        additionalProperties: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1 },
            sensitivity: { enum: ['personal', 'special'] },
            specialCategory: { type: 'string', minLength: 1 },
          },
          required: ['name', 'sensitivity'],
          additionalProperties: false,
        },
      },
      clauses: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          discriminator: { propertyName: 'kind' },
          required: ['kind'],
          oneOf: branches,
        },
      },
    },
    required: ['module', 'name', 'source', 'categories', 'clauses'],
    additionalProperties: false,
  };
}

let validateRuleFile: ReturnType<Ajv['compile']> | undefined;

function describeError(error: ErrorObject): string {
  const path = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') {
    return `${path}: unknown key "${String(error.params.additionalProperty)}"`;
  }
  if (error.propertyName !== undefined) {
    return `${path}/${error.propertyName}: invalid name (${error.message ?? 'is invalid'})`;
  }
  if (error.keyword === 'discriminator') {
    const known = Object.keys(ruleKinds).join(', ');
    return `${path}/kind: unknown rule kind (known kinds: ${known})`;
  }
  return `${path}: ${error.message ?? 'is invalid'}`;
}

/**
 * Checks one parsed rule file and compiles it. Throws a CatalogError naming the
 * file and the path inside it for anything it does not understand.
 *
 * @example
 * compileRuleFile(JSON.parse(text), 'policies/tokenhub.json').id // 'tokenhub'
 */
export function compileRuleFile(data: unknown, file: string): CatalogModule {
  validateRuleFile ??= new Ajv({ allErrors: false, strict: true, strictRequired: false, discriminator: true }).compile(ruleFileSchema());
  if (!validateRuleFile(data)) {
    const first = validateRuleFile.errors?.[0];
    throw new CatalogError(`Rule file ${file} is invalid at ${first ? describeError(first) : '/'}.`, { context: { file } });
  }
  const ruleFile = data as RuleFile;
  const fail = (path: string, message: string): never => {
    throw new CatalogError(`Rule file ${file} is invalid at ${path}: ${message}.`, { context: { file } });
  };
  if (basename(file, '.json') !== ruleFile.module) fail('/module', `module "${ruleFile.module}" must match the file name`);

  const declaredEvents: Record<string, string> = {};
  for (const [event, { name }] of Object.entries(ruleFile.events ?? {})) {
    if ((RETENTION_EVENTS as readonly string[]).includes(event)) fail(`/events/${event}`, `"${event}" is a built-in event and cannot be declared`);
    declaredEvents[event] = name;
  }

  const categories = new Map<string, CatalogCategory>();
  for (const [id, category] of Object.entries(ruleFile.categories)) {
    if (category.sensitivity === 'special' && !category.specialCategory) {
      fail(`/categories/${id}`, 'special-category data must say which kind (specialCategory)');
    }
    categories.set(id, {
      id,
      name: category.name,
      sensitivity: category.sensitivity,
      specialCategory: category.specialCategory ?? null,
      rules: [],
    });
  }
  const clauseIds = new Set<string>();
  ruleFile.clauses.forEach((clause, index) => {
    if (clauseIds.has(clause.id)) fail(`/clauses/${index}/id`, `duplicate clause id "${clause.id}"`);
    clauseIds.add(clause.id);
  });
  ruleFile.clauses.forEach((written, index) => {
    let clause = written;
    if ('events' in written) {
      written.events.forEach((event, position) => {
        if (!(RETENTION_EVENTS as readonly string[]).includes(event) && !Object.hasOwn(declaredEvents, event)) {
          fail(`/clauses/${index}/events/${position}`, `undeclared event "${event}" (declare it in the top-level "events")`);
        }
      });
      // A copy: the parsed rule file is left as it was read.
      if (ruleFile.events) clause = { ...written, declaredEvents };
    }
    for (const superseded of clause.supersedes ?? []) {
      if (!clauseIds.has(superseded)) fail(`/clauses/${index}/supersedes`, `no clause "${superseded}" in this file`);
    }
    clause.categories.forEach((categoryId, position) => {
      const category = categories.get(categoryId);
      if (!category) return fail(`/clauses/${index}/categories/${position}`, `undeclared data category "${categoryId}"`);
      category.rules.push({
        ruleId: `${ruleFile.module}/${clause.id}`,
        clause,
        citation: {
          source: ruleFile.source,
          section: clause.section,
          text: clause.text,
          ...(clause.context ? { context: clause.context } : {}),
        },
      });
    });
  });
  for (const category of categories.values()) {
    if (category.rules.length === 0) fail(`/categories/${category.id}`, 'no clause governs this category (use a "review" clause)');
  }
  return {
    id: ruleFile.module,
    name: ruleFile.name,
    source: ruleFile.source,
    sourceSha256: ruleFile.sourceSha256 ?? null,
    file,
    categories,
    events: new Map(Object.entries(declaredEvents)),
  };
}

/**
 * Loads every `*.json` rule file of a folder: one file per privacy-policy module.
 *
 * @example
 * loadCatalog().modules.get('instant-messaging')?.categories.get('log-data')?.rules[0]?.ruleId
 * // 'instant-messaging/log-data-7-days'
 */
export function loadCatalog(dir: string = DEFAULT_POLICIES_DIR): Catalog {
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (cause) {
    throw new CatalogError(`Cannot read the rule folder ${dir}.`, { cause });
  }
  if (files.length === 0) throw new CatalogError(`The rule folder ${dir} holds no rule files (*.json).`);
  const hash = createHash('sha256');
  const modules = new Map<string, CatalogModule>();
  for (const name of files) {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    hash.update(name).update('\0').update(text).update('\0');
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (cause) {
      throw new CatalogError(`Rule file ${file} is not valid JSON: ${(cause as Error).message}.`, { cause });
    }
    const compiled = compileRuleFile(data, file);
    modules.set(compiled.id, compiled);
  }
  return { version: `sha256:${hash.digest('hex').slice(0, 16)}`, modules, events: catalogEvents(modules.values()) };
}

/**
 * The event names declared anywhere in a catalog's modules, sorted (the order in which
 * both engines validate them on an item).
 *
 * @example
 * catalogEvents(loadCatalog().modules.values()) // [] for the shipped policies
 */
export function catalogEvents(modules: Iterable<CatalogModule>): string[] {
  const names = new Set<string>();
  for (const module of modules) for (const name of module.events.keys()) names.add(name);
  return [...names].sort();
}
