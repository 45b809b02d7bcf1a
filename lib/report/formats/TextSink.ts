import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * A buffered, back-pressure-aware text writer: strings collect into ~256 KB
 * blocks so millions of small writes cost a few hundred system calls.
 */
export class TextSink {
  private readonly stream: WriteStream;
  private buffer = '';

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
  }

  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= 1 << 18) await this.flush();
  }

  private async flush(): Promise<void> {
    const chunk = this.buffer;
    this.buffer = '';
    if (chunk && !this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }

  destroy(): void {
    this.stream.destroy();
  }
}
