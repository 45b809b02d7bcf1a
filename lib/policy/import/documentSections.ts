/**
 * A privacy-policy module as sections of lines: plain text (numbered ALL-CAPS
 * headings, "6. DATA RETENTION") or Markdown (`## Data retention`, `|` tables,
 * `-` lists). Lines keep the document's own words; only list markers, emphasis
 * and surrounding blanks are removed, so every citation is verbatim.
 */

export interface DocumentLine {
  /** The line's words (list markers and Markdown emphasis removed). */
  text: string;
  /** Cells of a Markdown table row, else undefined. */
  cells?: string[];
  /** A list item (bullet or numbered). */
  listItem: boolean;
}

export interface DocumentSection {
  /** The heading as written, e.g. "6. DATA RETENTION" (empty before the first heading). */
  heading: string;
  lines: DocumentLine[];
}

const MARKDOWN_HEADING = /^#{1,6}\s+(.+?)\s*#*$/;
// "6. DATA RETENTION", "1.INTRODUCTION", "DATA RETENTION": upper-case words, optionally numbered.
const PLAIN_HEADING = /^(?:\d+(?:\.\d+)*\.?\s*)?[A-Z][A-Z ,&'’/()-]{2,}$/;
const LIST_MARKER = /^(?:[•·▪◦*+-]|\d+[.)])\s+/;
const TABLE_SEPARATOR = /^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$/;

function stripEmphasis(text: string): string {
  return text.replace(/(\*\*|__)(.+?)\1/g, '$2').replace(/`([^`]+)`/g, '$1');
}

function headingOf(raw: string): string | null {
  const markdown = MARKDOWN_HEADING.exec(raw);
  if (markdown) return stripEmphasis(markdown[1]!);
  // A numbered list item in upper case is rare; a heading has at least one word of 4+ letters.
  if (PLAIN_HEADING.test(raw) && /[A-Z]{4,}/.test(raw) && raw.length <= 80) return raw;
  return null;
}

function lineOf(raw: string): DocumentLine | null {
  if (raw.startsWith('|')) {
    if (TABLE_SEPARATOR.test(raw)) return null;
    const cells = raw
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split('|')
      .map((cell) => stripEmphasis(cell.trim()));
    return { text: cells.join(' | '), cells, listItem: false };
  }
  const listItem = LIST_MARKER.test(raw);
  const text = stripEmphasis(raw.replace(LIST_MARKER, '')).trim();
  return text ? { text, listItem } : null;
}

/**
 * Splits a document into its sections.
 *
 * @example
 * splitSections('1. INTRODUCTION\nHello.\n6. DATA RETENTION\nStored for 7 days.')[2].heading // '6. DATA RETENTION'
 */
export function splitSections(document: string): DocumentSection[] {
  const sections: DocumentSection[] = [{ heading: '', lines: [] }];
  for (const rawLine of document.replace(/\r\n?/g, '\n').split('\n')) {
    const raw = rawLine.trim();
    if (!raw) continue;
    const heading = headingOf(raw);
    if (heading !== null) {
      sections.push({ heading, lines: [] });
      continue;
    }
    const line = lineOf(raw);
    if (line) sections.at(-1)!.lines.push(line);
  }
  return sections;
}

/** The DATA RETENTION section (the law the auditor enforces), if the document has one. */
export function retentionSection(sections: readonly DocumentSection[]): DocumentSection | undefined {
  return sections.find((section) => /retention/i.test(section.heading));
}

/**
 * The sections that list the personal data collected ("PERSONAL DATA WE COLLECT",
 * "HOW WE USE PERSONAL INFORMATION"), where the data categories are named.
 */
export function collectionSections(sections: readonly DocumentSection[]): DocumentSection[] {
  return sections.filter(
    (section) =>
      /collect|how we use|personal (data|information)|data categor|information we process/i.test(section.heading) &&
      !/retention|share|store|transfer|rights/i.test(section.heading),
  );
}
