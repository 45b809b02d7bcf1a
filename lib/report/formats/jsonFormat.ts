import { createReadStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import type { ReportFormat } from './ReportFormat';
import { TextSink } from './TextSink';

/**
 * The JSON report (CONTRACT section 5; schema in templates/report.schema.json).
 * Findings stream into a side file, one per line; `finish` writes the head
 * (run, summary) first and then appends the findings, so memory never holds
 * the findings and a reader sees the summary at the top.
 */
export const jsonFormat: ReportFormat = {
  extension: 'json',
  create(path) {
    const bodyPath = `${path}.findings.partial`;
    const partialPath = `${path}.partial`;
    const body = new TextSink(bodyPath);
    let first = true;
    return {
      async write(finding) {
        await body.write(`${first ? '' : ',\n'}${JSON.stringify(finding)}`);
        first = false;
      },
      async finish(head) {
        await body.close();
        const out = createWriteStream(partialPath);
        out.write(`{"schemaVersion":${JSON.stringify(head.schemaVersion)},\n"run":${JSON.stringify(head.run)},\n`);
        out.write(`"summary":${JSON.stringify(head.summary)},\n"findings":[\n`);
        await pipeline(createReadStream(bodyPath), out, { end: false });
        out.end('\n]}\n');
        await new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
        await rm(bodyPath, { force: true });
        await rename(partialPath, path);
      },
      async abort() {
        body.destroy();
        await Promise.all([rm(bodyPath, { force: true }), rm(partialPath, { force: true })]);
      },
    };
  },
};
