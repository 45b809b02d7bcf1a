import type { AddressInfo } from 'node:net';

export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts an in-process DynamoDB (dynalite, in memory) on 127.0.0.1.
 *
 * @example
 * const db = await startLocalDynamo(0); // a free port
 * await db.close();
 */
export async function startLocalDynamo(port = 0): Promise<LocalDynamo> {
  // Loaded here, not with the CLI: loading dynalite took 55–60 ms of every CLI start, most of which never start it.
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
