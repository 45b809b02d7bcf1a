/**
 * The packaged service for the tests in test/infra, through the shared, cached
 * `packageService` of test/helpers — one build at a time: osls and serverless-esbuild
 * work in the service directory (`.serverless/`, `.esbuild/`, which serverless-esbuild
 * deletes when it is done), so two different packages built at once by parallel Jest
 * workers would break each other. The helper's own lock covers one package only.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { lockOwnerGone, packageService, REAL_ADDRESSES, type Packaged } from '../helpers/packageService';

export { REAL_ADDRESSES, type Packaged };
export const ROOT = resolve(__dirname, '../..');
const LOCK = join(tmpdir(), `retention-auditor-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function withBuildLock<T>(work: () => T): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a process that died (a killed test run) is taken over.
      if (lockOwnerGone(LOCK)) rmSync(LOCK, { recursive: true, force: true });
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

/** Every channel on: the grants they need exist only then (the default stage has none: test/integration/packaged.test.ts). */
export const CHANNEL_PARAMS = {
  notifyChannels: 'email,owner-email,slack,teams',
  ownerAllowlist: '@acme-health.eu',
  slackWebhookParameter: '/retention-auditor/ci/slack-webhook',
  teamsWebhookParameter: '/retention-auditor/ci/teams-webhook',
  securityHub: 'true',
};

/** The state machine's parameters off their defaults, as `--param` gives them (strings). */
export const MAP_PARAMS = { mapMaxConcurrency: '25', mapItemsPerBatch: '3', partitions: '12', distributedThresholdItems: '750000', runFilesDays: '4' };

/** The ci stage's package, shared by serverlessPackage.test.ts and stateMachine.test.ts (one build). */
export const CI = {
  stage: 'ci',
  region: 'eu-west-1',
  params: { ...REAL_ADDRESSES, schedule: 'cron(30 1 * * ? *)', reportRetentionDays: '90', objectLockDays: '30', ...CHANNEL_PARAMS, ...MAP_PARAMS },
};
export const packageCi = (): Promise<Packaged> => packageStage(CI.stage, CI.params, CI.region);
