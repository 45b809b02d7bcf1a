/**
 * One file of a report written in parts (a part of findings, or the tail): the
 * reduce needs each one's size to put the report together, and a failed run
 * must leave none behind. Shared by the formats that have an assembly.
 */
import { rm, stat } from 'node:fs/promises';
import { TextSink } from './TextSink';

/**
 * A new file written through a TextSink: answers its bytes when closed, removes itself when aborted.
 *
 * @example
 * const file = new PartFile('part-0001.json');
 * await file.sink.write('{"itemId":"a"},\n');
 * const bytes = await file.close(); // 16
 */
export class PartFile {
  readonly sink: TextSink;

  constructor(readonly path: string) {
    this.sink = new TextSink(path);
  }

  /**
   * Writes a whole file with `fill` and answers its bytes; on failure removes it and rethrows.
   *
   * @example
   * const bytes = await PartFile.write('tail.json', (sink) => sink.write('\n]}\n')); // 4
   */
  static async write(path: string, fill: (sink: TextSink) => Promise<void>): Promise<number> {
    const file = new PartFile(path);
    try {
      await fill(file.sink);
      return await file.close();
    } catch (error) {
      await file.abort();
      throw error;
    }
  }

  /** Closes the file; answers its bytes. */
  async close(): Promise<number> {
    await this.sink.close();
    return (await stat(this.path)).size;
  }

  /** Removes the file (whether written, closed or half open); never throws. */
  async abort(): Promise<void> {
    // The sink first: removing a file the stream is still opening would see it created again (TextSink.destroy).
    await this.sink.destroy().catch(() => undefined);
    await rm(this.path, { force: true }).catch(() => undefined);
  }
}
