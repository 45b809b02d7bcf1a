import { createHash } from 'node:crypto';
import { readFileChunks } from '../fileChunks';

/**
 * The SHA-256 of a file, hex, read as a stream.
 *
 * @example
 * await sha256File('reports/audit-….json') // 'e3b0c442…'
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of readFileChunks(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
