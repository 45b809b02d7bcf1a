/**
 * The local peers of a deployment and of its twin (two DynamoDBs, one S3, one
 * SMTP sink), started once for a test file, and the deployments on them: how the
 * partitioned-run tests compare a run on the state machine with one Lambda's run
 * of the same inventory.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startLocalDynamo, type LocalDynamo } from '../../cli/local/localDynamo';
import type S3rver from 's3rver';
import { startLocalS3, type LocalS3 } from '../../cli/local/localS3';
import { installPartCopy } from './aws/s3rverPartCopy';
import type { EngineKind } from '../../lib/audit/engineKind';
import type { AuditRequest } from '../../lib/delivery/RunRecord';
import { localContainer } from './delivery';
import { startSmtpSink, type SmtpSink } from './smtpSink';

const EXAMPLE = resolve(__dirname, '../../examples/inventory.ndjson');
const WAIVERS = readFileSync(resolve(__dirname, '../../examples/waivers.yaml'), 'utf8');
/** The state machine every twin deployment names (the test stack's `retention-auditor-test-audit`). */
export const TWIN_STATE_MACHINE = 'arn:aws:states:eu-central-1:123456789012:stateMachine:retention-auditor-test-audit';
/** Partitions of a twin deployment's runs on the state machine (stage param `partitions`). */
export const TWIN_PARTITIONS = 4;
/** When a queued run of a twin deployment was created. */
export const TWIN_CREATED = '2026-11-20T05:59:00.000Z';
/** What a queued run asks for by default: every nightly format, mailed. */
export const EVERYTHING: AuditRequest = { formats: ['json', 'csv', 'pdf'], notify: true, dryRun: false };

export interface TwinPeers {
  dynamo: LocalDynamo;
  twinDynamo: LocalDynamo;
  s3: LocalS3;
  smtp: SmtpSink;
}

/**
 * Registers the file's hooks: the peers start before its first test and stop after its
 * last; the mail sink is emptied before each test. Read the fields inside tests only.
 *
 * @example
 * const peers = useTwinPeers();
 * it('…', () => expect(peers.smtp.messages).toHaveLength(0));
 */
export function useTwinPeers(options: { configureS3?: (server: S3rver) => void } = {}): TwinPeers {
  const peers = {} as TwinPeers;
  // The local S3 taught what s3rver lacks and the reduce uses (UploadPartCopy, S3's checks at completion, its 5 MiB part minimum).
  const configure = (server: S3rver) => {
    installPartCopy(server);
    options.configureS3?.(server);
  };
  beforeAll(async () => {
    [peers.dynamo, peers.twinDynamo, peers.s3, peers.smtp] = await Promise.all([startLocalDynamo(0), startLocalDynamo(0), startLocalS3(0, undefined, ['test'], configure), startSmtpSink()]);
  });
  afterAll(async () => {
    await peers.smtp.close();
    await peers.s3.close();
    await peers.twinDynamo.close();
    await peers.dynamo.close();
  });
  beforeEach(() => peers.smtp.messages.splice(0));
  return peers;
}

export type TwinDeployment = Awaited<ReturnType<typeof localContainer>>;

export interface TwinDeploymentOptions {
  /** The DynamoDB (default the first; `peers.twinDynamo.endpoint` for the twin). */
  endpoint?: string;
  /** The stage's engine (default: the deployment's default). */
  engine?: EngineKind;
  /** The run files in a bucket of their own, as in AWS (default: the reports bucket's store). */
  runFilesBucket?: boolean;
  /** Another inventory file than the example's, audited without waivers. */
  inventoryFile?: string;
}

/**
 * A deployment with the state machine (TWIN_PARTITIONS partitions), on the example inventory and
 * waivers. The table names are the same in every deployment of one `name`, so twins'
 * reports (which name the table) can be compared byte for byte.
 *
 * @example
 * const [single, partitioned] = await Promise.all([twinDeployment(peers, 'a', { endpoint: peers.twinDynamo.endpoint }), twinDeployment(peers, 'a')]);
 */
export function twinDeployment(peers: TwinPeers, name: string, options: TwinDeploymentOptions = {}): Promise<TwinDeployment> {
  return localContainer({
    endpoint: options.endpoint ?? peers.dynamo.endpoint,
    s3: peers.s3,
    smtpUrl: peers.smtp.url,
    inventoryFile: options.inventoryFile ?? EXAMPLE,
    ...(options.inventoryFile ? {} : { waivers: WAIVERS }),
    env: { INVENTORY_TABLE: `inventory-${name}`, RUNS_TABLE: `runs-${name}`, STATE_MACHINE_ARN: TWIN_STATE_MACHINE, PARTITIONS: String(TWIN_PARTITIONS), ...(options.engine ? { ENGINE: options.engine } : {}) },
    ...(options.runFilesBucket ? { runFilesBucket: true } : {}),
  });
}

let queued = 0;

/**
 * Records a queued run, as POST /audits does; twins share its id (it is in the reports).
 *
 * @example
 * const runId = await queuedRun(deps); await queuedRun(twin, runId);
 */
export async function queuedRun(deps: TwinDeployment, runId = `audit-20261120T055900Z-${(++queued).toString(16).padStart(6, '0')}`, request = EVERYTHING): Promise<string> {
  await deps.runs.create({ runId, trigger: 'http', requestedBy: 'arn:aws:iam::123456789012:user/dpo-assistant', request, status: 'queued', createdAt: TWIN_CREATED, updatedAt: TWIN_CREATED });
  return runId;
}
