import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileRuleFile, DEFAULT_POLICIES_DIR, loadCatalog } from '../../../lib/catalog/loadCatalog';
import { CatalogError } from '../../../lib/errors';

const CONTRACT_IDS: Record<string, string[]> = {
  tokenhub: ['configuration-data', 'diagnostic-and-usage-data'],
  'intelligent-guidance': [
    'configuration-data', 'resource-data', 'user-interaction-and-application-data', 'billing-data',
    'end-user-device-information', 'request-data', 'patient-data', 'contract-staff-information',
    'doctor-information', 'hospital-information',
  ],
  'intelligent-pre-consultation': [
    'configuration-data', 'resource-data', 'user-interaction-and-application-data', 'billing-data',
    'end-user-device-information', 'request-data', 'patient-data', 'contract-staff-information',
  ],
  'facial-recognition': ['error-log', 'running-log', 'face-features'],
  'instant-messaging': ['log-data', 'monitoring-data', 'configuration-data'],
  'healthcare-omics': ['account-information', 'troubleshooting-data'],
};

const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();

function ruleFile(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(DEFAULT_POLICIES_DIR, `${name}.json`), 'utf8'));
}

describe('loadCatalog', () => {
  const catalog = loadCatalog();

  it('holds exactly the modules and data category ids of docs/semantics.md#modules-and-data-categories', () => {
    const actual = Object.fromEntries([...catalog.modules].map(([id, m]) => [id, [...m.categories.keys()].sort()]));
    expect(actual).toEqual(Object.fromEntries(Object.entries(CONTRACT_IDS).map(([id, c]) => [id, [...c].sort()])));
  });

  it("cites every clause in the document's own words, from the named source file", () => {
    for (const module of catalog.modules.values()) {
      const source = normalize(readFileSync(join(DEFAULT_POLICIES_DIR, 'sources', module.source), 'utf8'));
      for (const category of module.categories.values()) {
        for (const rule of category.rules) {
          expect(source).toContain(normalize(rule.citation.text));
          expect(source).toContain(rule.citation.section.replace(/^(\d+)\.\s*/, ''));
        }
      }
    }
  });

  it('marks health and biometric data as special categories', () => {
    expect(catalog.modules.get('intelligent-guidance')?.categories.get('patient-data')?.specialCategory).toBe('health');
    expect(catalog.modules.get('facial-recognition')?.categories.get('face-features')?.specialCategory).toBe('biometric');
    expect(catalog.modules.get('instant-messaging')?.categories.get('log-data')?.sensitivity).toBe('personal');
  });

  it('identifies the catalog by a content hash that changes with the rules', () => {
    expect(catalog.version).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(loadCatalog().version).toBe(catalog.version);
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
    const im = ruleFile('instant-messaging') as { clauses: { text: string }[] };
    im.clauses[0]!.text = 'Stored for 7 days. ';
    writeFileSync(join(dir, 'instant-messaging.json'), JSON.stringify(im));
    expect(loadCatalog(dir).version).not.toBe(catalog.version);
  });

  it('takes a seventh module as a new rule file, with no code change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
    writeFileSync(
      join(dir, 'video-analytics.json'),
      JSON.stringify({
        module: 'video-analytics',
        name: 'Video Analytics',
        source: 'video.txt',
        categories: { 'frame-metadata': { name: 'Frame metadata', sensitivity: 'personal' } },
        clauses: [
          { id: 'frames-14-days', kind: 'fixed-period', categories: ['frame-metadata'], period: { days: 14 }, section: '6. DATA RETENTION', text: 'Stored for 14 days.' },
        ],
      }),
    );
    const extended = loadCatalog(dir);
    expect(extended.modules.size).toBe(7);
    expect(extended.modules.get('video-analytics')?.categories.get('frame-metadata')?.rules[0]?.ruleId).toBe('video-analytics/frames-14-days');
  });

  describe('declared events', () => {
    const declaring = () => {
      const data = ruleFile('instant-messaging') as any;
      data.events = { domainExpiredAt: { name: 'domain expiry' } };
      data.clauses[2].events = ['accountDeletedAt', 'domainExpiredAt'];
      return data;
    };

    it('lets a clause list an event its file declares, with the declared words', () => {
      const module = compileRuleFile(declaring(), 'policies/instant-messaging.json');
      expect(module.events).toEqual(new Map([['domainExpiredAt', 'domain expiry']]));
      const rule = [...module.categories.values()].flatMap((c) => c.rules).find((r) => 'events' in r.clause && r.clause.events.includes('domainExpiredAt'));
      expect(rule?.clause.declaredEvents).toEqual({ domainExpiredAt: 'domain expiry' });
    });

    it('leaves the parsed rule file as it was', () => {
      const data = declaring();
      const before = JSON.stringify(data);
      compileRuleFile(data, 'policies/instant-messaging.json');
      expect(JSON.stringify(data)).toBe(before);
    });

    it("gathers every module's declared events into the catalog, sorted", () => {
      const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
      cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
      const data = declaring();
      data.events.leaseEndedAt = { name: 'lease end' };
      writeFileSync(join(dir, 'instant-messaging.json'), JSON.stringify(data));
      expect(loadCatalog(dir).events).toEqual(['domainExpiredAt', 'leaseEndedAt']);
      expect(loadCatalog().events).toEqual([]);
    });
  });

  describe('strict validation names the file and the path', () => {
    const file = 'policies/instant-messaging.json';
    const cases: [string, (data: any) => void, RegExp][] = [
      ['an unknown key in a clause', (d) => (d.clauses[0].perod = { days: 7 }), /instant-messaging\.json is invalid at \/clauses\/0: unknown key "perod"/],
      ['an unknown rule kind', (d) => (d.clauses[1].kind = 'weekly'), /at \/clauses\/1\/kind: unknown rule kind/],
      ['an unknown top-level key', (d) => (d.owner = 'x'), /at \/: unknown key "owner"/],
      ['a period in weeks', (d) => (d.clauses[0].period = { weeks: 1 }), /at \/clauses\/0\/period/],
      ['an undeclared category', (d) => (d.clauses[0].categories = ['logs']), /at \/clauses\/0\/categories\/0: undeclared data category "logs"/],
      ['a category no clause governs', (d) => (d.categories['extra-data'] = { name: 'Extra', sensitivity: 'personal' }), /at \/categories\/extra-data: no clause governs/],
      ['a module id that is not the file name', (d) => (d.module = 'im'), /at \/module: module "im" must match the file name/],
      ['a duplicate clause id', (d) => (d.clauses[1].id = d.clauses[0].id), /duplicate clause id/],
      ['a special category without its kind', (d) => (d.categories['log-data'].sensitivity = 'special'), /special-category data must say which kind/],
      ['supersedes naming no clause', (d) => (d.clauses[0].supersedes = ['nothing']), /at \/clauses\/0\/supersedes: no clause "nothing"/],
      ['a source hash that is not 64 lower-case hex digits', (d) => (d.sourceSha256 = 'ABC'), /at \/sourceSha256: must match pattern/],
      ['a clause event neither built in nor declared', (d) => (d.clauses[2].events = ['domainExpiredAt']), /at \/clauses\/2\/events\/0: undeclared event "domainExpiredAt"/],
      ['a declared event named like a built-in', (d) => (d.events = { accountDeletedAt: { name: 'account deletion' } }), /at \/events\/accountDeletedAt: "accountDeletedAt" is a built-in event/],
      ['a declared event name not ending in At', (d) => (d.events = { domainExpiry: { name: 'domain expiry' } }), /at \/events\/domainExpiry: invalid name/],
      ['a declared event without its words', (d) => (d.events = { domainExpiredAt: {} }), /at \/events\/domainExpiredAt: must have required property 'name'/],
    ];
    it.each(cases)('refuses %s', (_name, mutate, message) => {
      const data = ruleFile('instant-messaging');
      mutate(data);
      expect(() => compileRuleFile(data, file)).toThrow(CatalogError);
      expect(() => compileRuleFile(data, file)).toThrow(message);
    });

    it('refuses a rule file that is not JSON, naming it', () => {
      const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
      writeFileSync(join(dir, 'broken.json'), '{ "module": ');
      expect(() => loadCatalog(dir)).toThrow(/Rule file .*broken\.json is not valid JSON/);
    });

    it('refuses an empty rule folder', () => {
      expect(() => loadCatalog(mkdtempSync(join(tmpdir(), 'catalog-')))).toThrow(/holds no rule files/);
    });
  });
});
