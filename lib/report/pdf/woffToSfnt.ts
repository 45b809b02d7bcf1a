import { inflateSync } from 'node:zlib';

const WOFF_SIGNATURE = 0x774f4646; // 'wOFF'
const WOFF_HEADER = 44;
const WOFF_ENTRY = 20;
const SFNT_HEADER = 12;
const SFNT_ENTRY = 16;

interface WoffTable {
  tag: number;
  offset: number;
  compLength: number;
  origLength: number;
  checksum: number;
}

const padded = (length: number) => (length + 3) & ~3;

function tablesOf(woff: Buffer): WoffTable[] {
  const count = woff.readUInt16BE(12);
  return Array.from({ length: count }, (_, i) => {
    const at = WOFF_HEADER + i * WOFF_ENTRY;
    return { tag: woff.readUInt32BE(at), offset: woff.readUInt32BE(at + 4), compLength: woff.readUInt32BE(at + 8), origLength: woff.readUInt32BE(at + 12), checksum: woff.readUInt32BE(at + 16) };
  });
}

function tableData(woff: Buffer, table: WoffTable): Buffer {
  const stored = woff.subarray(table.offset, table.offset + table.compLength);
  return table.compLength < table.origLength ? inflateSync(stored) : stored;
}

/**
 * The plain TrueType/OpenType font inside a WOFF 1.0 file (W3C WOFF, section 5):
 * each table inflated with the native zlib. fontkit reads WOFF itself, but inflates
 * a table again on every glyph it copies into a PDF subset, which takes seconds for
 * a font of tens of thousands of glyphs; from the plain font, subsetting is instant.
 *
 * @example
 * doc.registerFont('fallback', woffToSfnt(readFileSync('unifontex-latin-400-normal.woff')));
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.readUInt32BE(0) !== WOFF_SIGNATURE) throw new Error('Not a WOFF 1.0 font.');
  const tables = tablesOf(woff);
  const log2 = Math.floor(Math.log2(tables.length));
  const header = Buffer.alloc(SFNT_HEADER + tables.length * SFNT_ENTRY);
  header.writeUInt32BE(woff.readUInt32BE(4), 0); // the flavor: the sfnt version
  header.writeUInt16BE(tables.length, 4);
  header.writeUInt16BE(2 ** log2 * 16, 6);
  header.writeUInt16BE(log2, 8);
  header.writeUInt16BE(tables.length * 16 - 2 ** log2 * 16, 10);
  const parts: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((table, i) => {
    const data = tableData(woff, table);
    const at = SFNT_HEADER + i * SFNT_ENTRY;
    header.writeUInt32BE(table.tag, at);
    header.writeUInt32BE(table.checksum, at + 4);
    header.writeUInt32BE(offset, at + 8);
    header.writeUInt32BE(data.length, at + 12);
    parts.push(data, Buffer.alloc(padded(data.length) - data.length));
    offset += padded(data.length);
  });
  return Buffer.concat(parts);
}
