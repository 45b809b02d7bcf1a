/**
 * The local peers of a deployment and of its twin (two DynamoDBs, one S3, one
 * SMTP sink), started once for a test file: how the partitioned-run tests
 * compare a run on the state machine with one Lambda's run of the same inventory.
 */
import { startLocalDynamo, type LocalDynamo } from '../../cli/local/localDynamo';
import { startLocalS3, type LocalS3 } from '../../cli/local/localS3';
import { startSmtpSink, type SmtpSink } from './smtpSink';

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
export function useTwinPeers(): TwinPeers {
  const peers = {} as TwinPeers;
  beforeAll(async () => {
    [peers.dynamo, peers.twinDynamo, peers.s3, peers.smtp] = await Promise.all([startLocalDynamo(0), startLocalDynamo(0), startLocalS3(0, undefined, ['test']), startSmtpSink()]);
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
