import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createBrotliCompress } from 'node:zlib';

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
  /** What the text is written to: the file, or the compressor in front of it. */
  private readonly stream: Writable;
  /** The compressor's pipeline into the file, settled once the file is written (compressed sinks only). */
  private readonly piped: Promise<void> | null = null;
  private block = Buffer.allocUnsafe(BLOCK);
  private used = 0;

  constructor(
    readonly path: string,
    /** 'a' appends to what the file holds (another writer's part). */
    flags: 'w' | 'a' = 'w',
    /**
     * 'brotli': the file holds the text compressed, at Brotli's fastest quality and a 64 KiB window
     * (finding lines: about 6.7 times smaller, 300–400 MB/s of one core; a reader needs only that window,
     * and a sort merges hundreds of runs at once): for scratch files when disk, not CPU, is short.
     */
    compression: 'none' | 'brotli' = 'none',
  ) {
    // Two Brotli streams one after the other do not decode as one.
    if (compression === 'brotli' && flags === 'a') throw new Error('TextSink: a compressed file cannot be appended to.');
    const file = createWriteStream(path, { flags });
    if (compression === 'none') {
      this.stream = file;
      return;
    }
    const compressor = createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_LGWIN]: 16 } });
    this.stream = compressor;
    this.piped = pipeline(compressor, file);
    // Awaited by close(); until then a failure must not count as unhandled.
    this.piped.catch(() => undefined);
  }

  async write(text: string): Promise<void> {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8: when that much room is
    // left, the exact byte length (a scan of the string) is not needed.
    if (this.used + text.length * 3 > BLOCK) {
      await this.flush();
      if (text.length * 3 > BLOCK && Buffer.byteLength(text) > BLOCK) {
        if (!this.stream.write(text)) await this.drained();
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
    if (!this.stream.write(full)) await this.drained();
  }

  /**
   * Waits until the stream takes more. A compressor whose file failed (disk full) was destroyed by the
   * pipeline, which reported the error once, already: the pipeline's rejection ends the wait instead.
   */
  private drained(): Promise<unknown> {
    return this.piped ? Promise.race([once(this.stream, 'drain'), this.piped]) : once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await (this.piped ?? once(this.stream, 'finish'));
  }

  /**
   * Stops writing and waits until the file is closed. The stream may still be
   * opening it: a caller that removed the file before that would see it created
   * again, so callers remove it after this resolves.
   */
  async destroy(): Promise<void> {
    if (this.piped) {
      // Destroying the compressor ends the pipeline, which closes the file.
      this.stream.destroy();
      await this.piped.catch(() => undefined);
      return;
    }
    if (this.stream.closed) return;
    const closed = once(this.stream, 'close');
    this.stream.destroy();
    await closed;
  }
}
