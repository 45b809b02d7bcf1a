import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

const BLOCK = 1 << 20;

/**
 * A buffered, back-pressure-aware text writer. Each string is encoded straight
 * into a 1 MiB block (no concatenated intermediate strings to flatten), and
 * a full block goes to the file in one write.
 *
 * @example
 * const sink = new TextSink('report.json');
 * await sink.write('{"a":1}\n');
 * await sink.close();
 */
export class TextSink {
  private readonly stream: WriteStream;
  private block = Buffer.allocUnsafe(BLOCK);
  private used = 0;

  constructor(
    readonly path: string,
    /** 'a' appends to what the file holds (another writer's part). */
    flags: 'w' | 'a' = 'w',
  ) {
    this.stream = createWriteStream(path, { flags });
  }

  async write(text: string): Promise<void> {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8: when that much room is
    // left, the exact byte length (a scan of the string) is not needed.
    if (this.used + text.length * 3 > BLOCK) {
      await this.flush();
      if (text.length * 3 > BLOCK && Buffer.byteLength(text) > BLOCK) {
        if (!this.stream.write(text)) await once(this.stream, 'drain');
        return;
      }
    }
    this.used += this.block.write(text, this.used);
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const full = this.block.subarray(0, this.used);
    // The stream keeps the full block until it is written: start a fresh one.
    this.block = Buffer.allocUnsafe(BLOCK);
    this.used = 0;
    if (!this.stream.write(full)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }

  /**
   * Stops writing and waits until the file is closed. The stream may still be
   * opening it: a caller that removed the file before that would see it created
   * again, so callers remove it after this resolves.
   */
  async destroy(): Promise<void> {
    if (this.stream.closed) return;
    const closed = once(this.stream, 'close');
    this.stream.destroy();
    await closed;
  }
}
