import { FORMAT_IDS } from '../../../../lib/report/formats/formatIds';
import { describeFormats, reportFormats } from '../../../../lib/report/formats/reportFormats';

describe('the report format registry', () => {
  it.each(FORMAT_IDS)('registers %s under its own extension, with a content type and a description', (id) => {
    const format = reportFormats[id];
    expect(format.extension).toBe(id);
    expect(format.contentType).toMatch(/^[a-z]+\/[\w.+-]+(; charset=utf-8)?$/);
    expect(format.description.length).toBeGreaterThan(10);
  });

  it('gives each attached format its own place in the digest', () => {
    const ranks = FORMAT_IDS.map((id) => reportFormats[id].attachRank).filter((rank) => rank !== null);
    expect(new Set(ranks).size).toBe(ranks.length);
  });

  it('describes every format for --help', () => {
    for (const id of FORMAT_IDS) expect(describeFormats()).toContain(`${id} (`);
  });
});
