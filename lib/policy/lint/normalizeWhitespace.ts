/**
 * The one normalisation `policy lint` allows between a citation and its source:
 * every run of white space (spaces, tabs, line breaks, no-break spaces: JavaScript's
 * `\s`) reads as one space, and the ends are trimmed. Nothing else: case, punctuation,
 * quotation marks and hyphens must be the document's own. A citation may so quote
 * across the document's line breaks (a table row split over lines) with spaces.
 *
 * @example
 * normalizeWhitespace('Stored for\n 7\u00a0days. ') // 'Stored for 7 days.'
 */
export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
