/**
 * Packages the service with `osls package` (offline, no credentials), once per
 * set of inputs: the output is kept in the system's temp folder under a hash of
 * the stage, the parameters and every file the package is built from, so the
 * test files that need the same package (and a second `npm test`) share it.
 * Concurrent callers wait for the first one's build.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const OSLS = join(ROOT, 'node_modules/osls/bin/serverless.js');
const INPUTS = ['serverless.yml', 'package-lock.json', 'infra', 'lib', 'handlers', 'policies', 'templates'];

/** The parameters of a package that a real stage would accept (no example addresses). */
export const REAL_ADDRESSES = {
  dpoEmail: 'dpo@acme-health.eu',
  senderEmail: 'retention-auditor@acme-health.eu',
  alarmEmail: 'platform-alerts@acme-health.eu',
};

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full).sort().flatMap((name) => files(join(path, name)));
}

function fingerprint(stage: string, params: Record<string, string>, region: string): string {
  const hash = createHash('sha256').update(JSON.stringify({ stage, params, region }));
  for (const file of INPUTS.flatMap(files)) hash.update(file).update(readFileSync(join(ROOT, file)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Whether the process that took a lock folder (its `pid` file) has ended; a lock without its pid yet is still being taken.
 *
 * @example
 * if (lockOwnerGone(lock)) rmSync(lock, { recursive: true, force: true });
 */
export function lockOwnerGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    return false;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface Packaged {
  dir: string;
  template: { Resources: Record<string, { Type: string; Properties: any; Metadata?: any }>; Outputs?: any; Conditions?: any };
}

/**
 * @example
 * const { dir, template } = packageService('prod', { ...REAL_ADDRESSES });
 */
export function packageService(stage: string, params: Record<string, string>, region = 'eu-central-1'): Packaged {
  const dir = join(tmpdir(), `retention-auditor-package-${fingerprint(stage, params, region)}`);
  const done = join(dir, '.done');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 300_000;
  while (!existsSync(done)) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
    } catch {
      // A lock whose process is gone (a run killed while packaging) is taken over, not waited out.
      if (lockOwnerGone(lock)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`Timed out waiting for another process to package ${stage} (${lock}).`);
      else execFileSync('sleep', ['1']);
      continue;
    }
    try {
      rmSync(dir, { recursive: true, force: true });
      const args = [OSLS, 'package', '--stage', stage, '--region', region, '--package', dir];
      for (const [name, value] of Object.entries(params)) args.push('--param', `${name}=${value}`);
      execFileSync(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      writeFileSync(done, new Date().toISOString());
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return { dir, template: JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) };
}
