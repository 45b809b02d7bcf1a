import { rename, rm } from 'node:fs/promises';
import { readLines } from '../../inventory/readLines';
import { complianceFindingOf, envelopePrefix, ocsfEnvelope, ocsfLine, resolvedComplianceFindingOf } from '../ocsf/complianceFindingOf';
import type { ReportFormat } from './ReportFormat';
import { TextSink } from './TextSink';

/**
 * The OCSF report: the non-compliant findings as OCSF Compliance Finding events,
 * one JSON object per line (which verdicts, and why: lib/report/ocsf/complianceFindingOf.ts),
 * then one closing event per violation of the previous run that is gone.
 *
 * Every event carries the run's finish as its `time`, known only at finish(): the
 * events stream to a part file without their envelope, and finish() copies them,
 * line by line, behind the envelope into the final file. Memory never holds the
 * findings; the same findings and head give the same bytes.
 */
export const ocsfFormat: ReportFormat = {
  extension: 'ocsf',
  contentType: 'application/x-ndjson',
  description: 'the non-compliant findings as OCSF Compliance Finding events (NDJSON)',
  attachRank: null,
  create(path) {
    const partialPath = `${path}.partial`;
    const bodiesPath = `${path}.events.partial`;
    let bodies: TextSink | null = null;
    let out: TextSink | null = null;
    return {
      async write(record) {
        const body = complianceFindingOf(record.finding());
        if (body) await (bodies ??= new TextSink(bodiesPath)).write(`${JSON.stringify(body)}\n`);
      },
      async finish(head, finished) {
        const prefix = envelopePrefix(ocsfEnvelope(head.run));
        const sink = (out = new TextSink(partialPath));
        if (bodies) {
          await bodies.close();
          for await (const line of readLines(bodiesPath)) {
            if (line.length > 0) await sink.write(`${ocsfLine(prefix, line)}\n`);
          }
        }
        for await (const entry of finished.resolved()) {
          await sink.write(`${ocsfLine(prefix, JSON.stringify(resolvedComplianceFindingOf(entry)))}\n`);
        }
        await sink.close();
        await rm(bodiesPath, { force: true });
        await rename(partialPath, path);
      },
      async abort() {
        await Promise.all([bodies?.destroy(), out?.destroy()]);
        await Promise.all([rm(partialPath, { force: true }), rm(bodiesPath, { force: true })]);
      },
    };
  },
};
