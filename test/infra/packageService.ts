/**
 * The packaged service for the tests in test/infra, through the shared, cached
 * `packageService` of test/helpers — one build at a time: osls and serverless-esbuild
 * work in the service directory (`.serverless/`, `.esbuild/`, which serverless-esbuild
 * deletes when it is done), so two different packages built at once by parallel Jest
 * workers would break each other. The helper's own lock covers one package only.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageService, REAL_ADDRESSES, type Packaged } from '../helpers/packageService';

export { REAL_ADDRESSES };
export const ROOT = resolve(__dirname, '../..');
const LOCK = join(tmpdir(), `retention-auditor-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function withBuildLock<T>(work: () => T): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // Just created: its owner has not written its pid yet.
      }
      // A lock left by a process that died (a killed test run) is taken over.
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      else await sleep(250);
    }
  }
  try {
    return work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** `osls package --stage <stage> --region <region> --param name=value…`: the output directory and its update template. */
export function packageStage(stage: string, params: Record<string, string>, region?: string): Promise<Packaged> {
  return withBuildLock(() => packageService(stage, params, region));
}
