import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLocalDynamo, type LocalDynamo } from '../../cli/local/localDynamo';
import { main } from '../../cli/main';
import { FORMAT_IDS } from '../../lib/report/formats/formatIds';
import { ndjson, readReport, tempDir, writeTemp } from '../helpers/files';
import { makeItem } from '../helpers/items';
import { startSmtpSink } from '../helpers/smtpSink';
import { stringify as stringifyYaml } from 'yaml';

const ROOT = resolve(__dirname, '../..');
const EXAMPLE = join(ROOT, 'examples/inventory.ndjson');

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** The report files of a folder (the run history lives beside them, in history/). */
const reportFiles = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('audit-'));

const oneSentence = (stderr: string) => {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
};

describe('retention-auditor CLI', () => {
  it('--help lists the commands and the exit statuses', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/run \[options\]/);
    expect(stdout).toMatch(/inventory/);
    expect(stdout).toMatch(/Exit status: 0 ran; 2 bad usage/);
  });

  it('says which step of the SQL engine ran out of memory, and the limit to raise, in one sentence', async () => {
    const { code, stderr } = await cli('run', '--engine', 'sql', '--inventory', EXAMPLE, '--out', tempDir('cli-memory-'), '--no-history', '--no-progress', '--memory-limit', '16MB');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: The SQL engine failed while reading the file: Out of Memory Error: .*\. Raise --memory-limit \(now 16MB\) or lower --workers\.$/m);
    oneSentence(stderr);
  });

  it('run --help lists every option of docs/semantics.md#command-line', async () => {
    const { stdout } = await cli('run', '--help');
    for (const option of ['--inventory', '--table', '--endpoint', '--region', '--snapshot', '--out', '--format', '--fail-on', '--email', '--notify']) {
      expect(stdout).toContain(option);
    }
  });

  it('audits a file: exit 0, a summary table, the reports in --out', async () => {
    const out = tempDir();
    const { code, stdout, stderr } = await cli('run', '--inventory', EXAMPLE, '--out', out, '--format', 'json,csv');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/│ violation │\s+18 │/);
    expect(stdout).toMatch(/Complete: every item/);
    const files = reportFiles(out).sort();
    expect(files).toHaveLength(2);
    expect(stdout).toContain(join(out, files[0]!));
    const report = readReport(join(out, files.find((f) => f.endsWith('.json'))!));
    expect(report.summary.byVerdict.violation).toBe(18);
  });

  it('writes JSON and PDF by default (docs/semantics.md#command-line)', async () => {
    const out = tempDir();
    expect((await cli('run', '--inventory', EXAMPLE, '--out', out)).code).toBe(0);
    expect(reportFiles(out).map((f) => f.split('.').pop()).sort()).toEqual(['json', 'pdf']);
  });

  it('--format csv writes only the CSV', async () => {
    const out = tempDir();
    expect((await cli('run', '--inventory', EXAMPLE, '--out', out, '--format', 'csv')).code).toBe(0);
    expect(reportFiles(out)).toEqual([expect.stringMatching(/\.csv$/)]);
  });

  it('--fail-on exits 3 when a finding is at least that severe, 0 otherwise', async () => {
    const out = tempDir();
    expect((await cli('run', '--inventory', EXAMPLE, '--out', out, '--fail-on', 'critical')).code).toBe(3);
    const clean = writeTemp('clean.ndjson', ndjson([makeItem()]));
    expect((await cli('run', '--inventory', clean, '--out', out, '--fail-on', 'low')).code).toBe(0);
    expect((await cli('run', '--inventory', clean, '--out', out, '--fail-on', 'info')).code).toBe(3);
  });

  it('--waivers turns covered findings into waived ones', async () => {
    const out = tempDir();
    const { stdout } = await cli('run', '--inventory', EXAMPLE, '--out', out, '--waivers', join(ROOT, 'examples/waivers.yaml'));
    expect(stdout).toMatch(/│ waived\s+│\s+1 │/);
  });

  describe('hostile waivers', () => {
    const waiversFile = (waiver: Record<string, unknown>) =>
      writeTemp('waivers.yaml', stringifyYaml({ waivers: [{ id: 'W-ALL', reason: 'r', approver: 'dpo@example.com', createdAt: '2026-11-01T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z', ...waiver }] }));

    it('a waiver of everything, forever, approved by "x" is refused (exit 2), not used to pass --fail-on', async () => {
      const file = waiversFile({ scope: { module: '*' }, approver: 'x', expiresAt: '9999-12-31T00:00:00Z' });
      const { code, stdout, stderr } = await cli('run', '--inventory', EXAMPLE, '--out', tempDir(), '--waivers', file, '--fail-on', 'high');
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^error: Waivers file .*waivers\.yaml is invalid at \/waivers\/0\/approver \(waiver W-ALL\): must be an e-mail address/);
      oneSentence(stderr);
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['a match-all scope', { scope: { module: '*' } }, /Waiver W-ALL in .*waivers\.yaml is too broad: scope\.module "\*" is a wildcard; a waiver must name one tenant \(scope\.tenantId\) or one module \(scope\.module\) exactly\./],
      ['a scope of wildcards only', { scope: { tenantId: '**', dataCategory: '*' } }, /scope\.tenantId "\*\*" is a wildcard/],
      ['a lifetime beyond the maximum', { scope: { tenantId: 'tenant-globex' }, expiresAt: '9999-12-31T00:00:00Z' }, /Waiver W-ALL in .* lasts \d+ days .* longer than the 365 days a waiver may last \(maxWaiverDays\)\./],
    ])('refuses %s when the file is loaded (exit 2)', async (_name, waiver, message) => {
      const { code, stderr } = await cli('run', '--inventory', EXAMPLE, '--out', tempDir(), '--waivers', waiversFile(waiver), '--fail-on', 'high');
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      oneSentence(stderr);
    });

    it('--max-waiver-days sets the longest lifetime: the example (89.6 days) passes at 90 and is refused at 89', async () => {
      const waivers = join(ROOT, 'examples/waivers.yaml');
      expect((await cli('run', '--inventory', EXAMPLE, '--out', tempDir(), '--waivers', waivers, '--max-waiver-days', '90')).code).toBe(0);
      const { code, stderr } = await cli('run', '--inventory', EXAMPLE, '--out', tempDir(), '--waivers', waivers, '--max-waiver-days', '89');
      expect(code).toBe(2);
      expect(stderr).toMatch(/Waiver W-2026-014 in .*waivers\.yaml lasts more than 89 days \(createdAt 2026-11-02T09:00:00Z to expiresAt 2027-01-31T00:00:00Z\), longer than the 89 days/);
      expect((await cli('run', '--max-waiver-days', '0')).stderr).toMatch(/--max-waiver-days must be a whole number above 0/);
    });

    it('the summary lists the waivers in force with what each waived', async () => {
      const { stdout } = await cli('run', '--inventory', EXAMPLE, '--out', tempDir(), '--waivers', join(ROOT, 'examples/waivers.yaml'));
      expect(stdout).toContain(
        'Waivers in force (1):\n  W-2026-014: tenantId=tenant-globex, module=instant-messaging, dataCategory=log-data, resource=im-prod/log-archive-*; approved by dpo@example.com; expires 2027-01-31; waived 1 finding.\n',
      );
    });
  });

  describe('no control sequence from the input reaches the terminal', () => {
    const OSC_LINK = '\u001b]8;;http://evil\u0007click\u001b]8;;\u0007';
    const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

    it('a snapshot id with an OSC hyperlink and a clear-screen: the summary shows them escaped', async () => {
      const file = writeTemp('osc.ndjson', ndjson([makeItem({ snapshotId: `snap${OSC_LINK}\u001b[2J` })]));
      const { code, stdout, stderr } = await cli('run', '--inventory', file, '--out', tempDir(), '--format', 'json');
      expect(code).toBe(0);
      expect(stdout).toContain('of snapshot snap\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07\\x1b[2J');
      expect(stdout + stderr).not.toMatch(RAW_CONTROL);
    });

    it('an error message that quotes input (a file name) is escaped and stays one line', async () => {
      const { code, stderr } = await cli('run', '--inventory', '/nope/\u001b[2Jinv\r\nentory.ndjson', '--out', tempDir());
      expect(code).toBe(2);
      expect(stderr).toContain('Cannot read inventory file /nope/\\x1b[2Jinv\\x0d\\x0aentory.ndjson: ENOENT.');
      expect(stderr).not.toMatch(RAW_CONTROL);
      oneSentence(stderr);
    });

    it('verify prints the path it was given escaped', async () => {
      const out = join(tempDir(), 'evil\u001b[2J');
      expect((await cli('run', '--inventory', EXAMPLE, '--out', out, '--format', 'json')).code).toBe(0);
      const report = join(out, reportFiles(out).find((f) => f.endsWith('.json'))!);
      const { code, stdout } = await cli('verify', report, '--history', join(out, 'history'));
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Verified: .*evil\\x1b\[2J\/audit-.*\.json matches the SHA-256 recorded for run audit-/);
      expect(stdout).not.toMatch(RAW_CONTROL);
    });
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown option', ['run', '--bogus'], /unknown option '--bogus'/],
    // The formats the registry has, the last after "or" (lib/report/formats/formatIds.ts).
    ['an unknown format', ['run', '--inventory', EXAMPLE, '--format', 'json,xml'], new RegExp(`Unknown report format "xml": use ${FORMAT_IDS.slice(0, -1).join(', ')} or ${FORMAT_IDS.at(-1)}\\.`)],
    ['a missing file', ['run', '--inventory', '/nope/inventory.ndjson'], /Cannot read inventory file \/nope\/inventory\.ndjson: ENOENT\./],
    ['a file that is not an inventory', ['run', '--inventory', writeTemp('notes.txt', 'hello\nworld\n')], /notes\.txt is not an inventory/],
    ['a bad severity', ['run', '--fail-on', 'severe'], /argument 'severe' is invalid/],
    ['a file and a table at once', ['run', '--inventory', EXAMPLE, '--table', 't'], /either --inventory FILE or --table NAME/],
    ['an endpoint without a table', ['run', '--endpoint', 'http://127.0.0.1:8000'], /give --table NAME too/],
    ['a bad waivers file', ['run', '--inventory', EXAMPLE, '--waivers', join(ROOT, 'package.json')], /Waivers file .*package\.json is invalid at \/: must have required property 'waivers'\./],
    ['a bad grace period', ['run', '--grace-days', '0'], /--grace-days must be a whole number above 0/],
    ['an unknown command', ['audit'], /too many arguments|unknown command/],
  ])('exits 2 with one clear sentence on %s', async (_name, argv, message) => {
    const { code, stderr } = await cli(...argv, '--out', tempDir());
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    oneSentence(stderr);
  });

  describe('--email', () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const key of ['DPO_EMAIL', 'SMTP_URL', 'SENDER_EMAIL']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    });

    it('mails the digest, with the reports attached (the PDF first), to DPO_EMAIL through SMTP_URL', async () => {
      const smtp = await startSmtpSink();
      try {
        Object.assign(process.env, { DPO_EMAIL: 'dpo@example.com', SMTP_URL: smtp.url, SENDER_EMAIL: 'auditor@example.com' });
        const { code, stdout } = await cli('run', '--inventory', EXAMPLE, '--out', tempDir(), '--email');
        expect(code).toBe(0);
        const [mail] = await smtp.waitFor(1);
        // The bundled example was captured on 2026-11-20: audited days later, it is stale.
        expect(mail!.subject).toBe('[Retention audit] STALE INVENTORY — 18 violations (4 special-category), 6 due soon — snapshot snap-2026-11-20');
        expect(mail!.to).toMatchObject({ value: [{ address: 'dpo@example.com' }] });
        // run writes JSON and PDF by default: both fit the attachment limit.
        expect(mail!.attachments.map((a) => a.contentType)).toEqual(['application/pdf', 'application/json']);
        expect(mail!.text).toMatch(/Every report of this run is in .+ on the machine that ran the audit\./);
        expect(stdout).toMatch(/E-mail sent to dpo@example\.com \(<.+>\)\./);
      } finally {
        await smtp.close();
      }
    });

    it('refuses without DPO_EMAIL (exit 2), before auditing anything', async () => {
      delete process.env.DPO_EMAIL;
      const out = tempDir();
      const { code, stderr } = await cli('run', '--inventory', EXAMPLE, '--out', out, '--email');
      expect(code).toBe(2);
      expect(stderr).toMatch(/--email needs the DPO address in the environment variable DPO_EMAIL/);
      oneSentence(stderr);
      expect(reportFiles(out)).toEqual([]);
    });

    it('--notify email is the same channel: with --email too, the DPO gets one mail', async () => {
      const smtp = await startSmtpSink();
      try {
        Object.assign(process.env, { DPO_EMAIL: 'dpo@example.com', SMTP_URL: smtp.url, SENDER_EMAIL: 'auditor@example.com' });
        const { code, stdout } = await cli('run', '--inventory', EXAMPLE, '--out', tempDir(), '--format', 'json', '--email', '--notify', 'email');
        expect(code).toBe(0);
        await smtp.waitFor(1);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(smtp.messages).toHaveLength(1);
        expect(stdout.match(/^E-mail sent to dpo@example\.com \(<.+>\)\.$/gm)).toHaveLength(1);
      } finally {
        await smtp.close();
      }
    });

    it('a digest the SMTP server does not take: the reports are written, the line says NOT sent, one error sentence, exit 1', async () => {
      Object.assign(process.env, { DPO_EMAIL: 'dpo@example.com', SMTP_URL: 'smtp://127.0.0.1:1' });
      const out = tempDir();
      const { code, stdout, stderr } = await cli('run', '--inventory', EXAMPLE, '--out', out, '--format', 'json', '--notify', 'email');
      expect(code).toBe(1);
      expect(reportFiles(out)).toHaveLength(1);
      expect(stdout).toMatch(/^E-mail NOT sent to dpo@example\.com: Sending the e-mail through SMTP 127\.0\.0\.1:1 failed: /m);
      expect(stderr).toMatch(/^error: E-mail not sent: Sending the e-mail through SMTP 127\.0\.0\.1:1 failed: /);
      oneSentence(stderr);
    });

    it('--notify owner-email: each owner on the allowlist gets their own findings, the DPO the whole run', async () => {
      const smtp = await startSmtpSink();
      try {
        Object.assign(process.env, { DPO_EMAIL: 'dpo@example.com', SMTP_URL: smtp.url, SENDER_EMAIL: 'auditor@example.com', OWNER_ALLOWLIST: '@example.com' });
        const { code, stdout, stderr } = await cli('run', '--inventory', EXAMPLE, '--out', tempDir(), '--format', 'json', '--notify', 'email,owner-email');
        expect(code).toBe(0);
        // The example's owners: five on the allowlist; the findings that name none are counted, not lost.
        const owners = [...stdout.matchAll(/^Owner e-mail sent to (\S+@example\.com) /gm)].map((match) => match[1]);
        expect(owners).toHaveLength(5);
        expect(stdout).toMatch(/^Owner e-mail: 16 findings calling for action name no owner; only the DPO's digest has them\.$/m);
        // A note, not a failed delivery: no warning.
        expect(stderr).not.toMatch(/no owner/);
        await smtp.waitFor(owners.length + 1);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(smtp.messages).toHaveLength(owners.length + 1);
        const to = (m: (typeof smtp.messages)[number]) => [m.to].flat().flatMap((address) => address?.value.map((v) => v.address) ?? []);
        expect(smtp.messages.map(to).flat().sort()).toEqual(['dpo@example.com', ...owners].sort());
        // Each owner's mail holds their own findings only, in the attached CSV.
        for (const mail of smtp.messages.filter((m) => to(m)[0] !== 'dpo@example.com')) {
          expect(mail.subject).toMatch(/^\[Retention audit\] (STALE INVENTORY — )?Your data: /);
          const csv = mail.attachments.find((a) => a.contentType.startsWith('text/csv'))!.content.toString('utf8');
          const rows = csv.trim().split('\n').slice(1);
          expect(rows.length).toBeGreaterThan(0);
          for (const row of rows) expect(row).toContain(to(mail)[0]);
        }
      } finally {
        delete process.env.OWNER_ALLOWLIST;
        await smtp.close();
      }
    });

    it('refuses --notify owner-email without the JSON report (exit 2), before auditing anything', async () => {
      Object.assign(process.env, { DPO_EMAIL: 'dpo@example.com', OWNER_ALLOWLIST: '@example.com' });
      const out = tempDir();
      try {
        const { code, stderr } = await cli('run', '--inventory', EXAMPLE, '--out', out, '--format', 'pdf', '--notify', 'owner-email');
        expect(code).toBe(2);
        expect(stderr).toMatch(/^error: --notify owner-email reads the findings from the json report: add json to --format\./);
        expect(reportFiles(out)).toEqual([]);
      } finally {
        delete process.env.OWNER_ALLOWLIST;
      }
    });

    it('refuses an unknown channel in --notify (exit 2), naming the channels there are', async () => {
      const { code, stderr } = await cli('run', '--inventory', EXAMPLE, '--out', tempDir(), '--notify', 'email,sms');
      expect(code).toBe(2);
      expect(stderr).toMatch(/^error: Unknown channel "sms" in --notify: use email/);
      oneSentence(stderr);
    });
  });

  it('--scope .. is bad usage (exit 2), before any audit, and writes nothing outside the history folder', async () => {
    const parent = tempDir();
    const out = join(parent, 'out');
    const { code, stderr } = await cli('run', '--inventory', EXAMPLE, '--out', out, '--format', 'json', '--scope', '..');
    expect(code).toBe(2);
    expect(stderr).toMatch(/--scope "\.\." is not a usable history scope/);
    oneSentence(stderr.replace('(run again with --debug for details)\n', ''));
    expect(readdirSync(parent).filter((name) => name !== 'out')).toEqual([]);
    expect(existsSync(out) ? reportFiles(out) : []).toEqual([]);
  });

  it('prints the stack trace only with --debug', async () => {
    const { stderr } = await cli('run', '--inventory', '/nope.ndjson', '--debug');
    expect(stderr).toMatch(/\n\s+at /);
  });

  describe('with a local DynamoDB', () => {
    let dynamo: LocalDynamo;
    beforeAll(async () => {
      dynamo = await startLocalDynamo(0);
    });
    afterAll(async () => {
      await dynamo.close();
    });

    it('inventory load creates the table, reports the counts, and run --table audits it', async () => {
      const load = await cli('inventory', 'load', EXAMPLE, '--table', 'cli-inventory', '--endpoint', dynamo.endpoint);
      expect(load.code).toBe(0);
      expect(load.stdout).toMatch(/45 items written, 0 rejected \(of 45 read\)/);
      const out = tempDir();
      const run = await cli('run', '--table', 'cli-inventory', '--endpoint', dynamo.endpoint, '--out', out);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('snapshot snap-2026-11-20 (DynamoDB table cli-inventory)');
    });

    it('a load that rejects items exits 1 and the audit of that snapshot is incomplete (exit 1)', async () => {
      const file = writeTemp('dup.ndjson', ndjson([makeItem({ itemId: 'a' }), makeItem({ itemId: 'a' })]));
      const load = await cli('inventory', 'load', file, '--table', 'cli-dup', '--endpoint', dynamo.endpoint);
      expect(load.code).toBe(1);
      expect(load.stdout).toMatch(/rejected line 2 \(itemId a\): itemId a appears twice/);
      const run = await cli('run', '--table', 'cli-dup', '--endpoint', dynamo.endpoint, '--out', tempDir());
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/INCOMPLETE/);
    });

    it('inventory load prints snapshot ids, item ids and reasons from the file escaped', async () => {
      const evil = makeItem({ itemId: 'i\u001b[2J', snapshotId: 'snap\u001b]8;;http://evil\u0007x\u001b]8;;\u0007' });
      const file = writeTemp('evil.ndjson', ndjson([evil, { ...evil }]));
      const load = await cli('inventory', 'load', file, '--table', 'cli-evil', '--endpoint', dynamo.endpoint);
      expect(load.stdout).toContain('snapshot snap\\x1b]8;;http://evil\\x07x\\x1b]8;;\\x07:');
      expect(load.stdout).toMatch(/rejected line 2 \(itemId i\\x1b\[2J\)/);
      expect(load.stdout + load.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    });

    it('inventory load warns, per snapshot, of a capture time in the future, and still writes the item (exit 0)', async () => {
      const file = writeTemp('future.ndjson', ndjson([makeItem({ itemId: 'a' }), makeItem({ itemId: 'b', capturedAt: '9999-12-31T00:00:00Z' })]));
      const load = await cli('inventory', 'load', file, '--table', 'cli-future', '--endpoint', dynamo.endpoint);
      expect(load.code).toBe(0);
      expect(load.stdout).toMatch(/2 items written, 0 rejected/);
      expect(load.stdout).toMatch(/snapshot snap-test: 2 items, captured 2026-11-20T02:00:00\.000Z\n/);
      expect(load.stdout).toMatch(/\n  warning: Snapshot snap-test: 1 item has a capturedAt more than 10 minutes after the load \(itemId b: 9999-12-31T00:00:00Z\)/);
    });

    it('an unknown snapshot is bad input (exit 2)', async () => {
      await cli('inventory', 'load', EXAMPLE, '--table', 'cli-snap', '--endpoint', dynamo.endpoint);
      const run = await cli('run', '--table', 'cli-snap', '--endpoint', dynamo.endpoint, '--snapshot', 'nope', '--out', tempDir());
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/Snapshot nope is not in DynamoDB table cli-snap/);
    });
  });

  it('with no command, audits the bundled example on an embedded DynamoDB, every verdict included', async () => {
    const out = tempDir();
    const { code, stdout, stderr } = await cli('--out', out);
    expect(code).toBe(0);
    expect(stderr).toMatch(/Embedded DynamoDB at http:\/\/127\.0\.0\.1:\d+: loaded 45 example items/);
    const report = readReport(join(out, readdirSync(out).find((f) => f.endsWith('.json'))!));
    for (const count of Object.values(report.summary.byVerdict)) expect(count).toBeGreaterThan(0);
    expect(stdout).toContain('DynamoDB table retention-inventory');
    expect(reportFiles(out).map((f) => f.split('.').pop()).sort()).toEqual(['csv', 'json', 'pdf']);
  });

  it('npm run local prints one line per service and runs until stopped', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'cli/main.ts'), 'local', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolveLine, reject) => {
      child.stdout.on('data', (chunk: Buffer) => resolveLine(chunk.toString()));
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    expect(line).toMatch(/^dynamodb http:\/\/127\.0\.0\.1:\d+\n$/);
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(ROOT)).toBe(true);
  });
});
