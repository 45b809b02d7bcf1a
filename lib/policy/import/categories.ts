import { categoryNameOf, kebabCase } from './categoryNames';
import { collectionSections, type DocumentLine, type DocumentSection } from './documentSections';

/** A data category the document names, with what the importer guessed about it. */
export interface DraftCategory {
  id: string;
  name: string;
  /** The document's description of the data, used to guess its sensitivity. */
  details: string;
  sensitivity: 'personal' | 'special';
  specialCategory?: 'health' | 'biometric';
  /** "Applicable to Intelligent Guidance only": the feature this category is limited to. */
  onlyFor?: string;
}

const SPECIAL_WORDS: readonly { kind: 'health' | 'biometric'; pattern: RegExp }[] = [
  { kind: 'biometric', pattern: /\b(face|facial|biometrics?|fingerprints?|voiceprints?|iris|retina|palm ?prints?)\b/i },
  { kind: 'health', pattern: /\b(health|medical|patients?|symptoms?|diagnos[ie]s|clinical|medication)\b/i },
];

/**
 * A guess from the category's name and description: health and biometric data
 * are special categories (GDPR art. 9). Only a guess: the review table asks a
 * person to confirm it.
 *
 * @example
 * guessSensitivity('Face features', 'generated from the face images') // { sensitivity: 'special', specialCategory: 'biometric' }
 */
export function guessSensitivity(name: string, details: string): Pick<DraftCategory, 'sensitivity' | 'specialCategory'> {
  const text = `${name} ${details}`;
  const special = SPECIAL_WORDS.find(({ pattern }) => pattern.test(text));
  return special ? { sensitivity: 'special', specialCategory: special.kind } : { sensitivity: 'personal' };
}

const ONLY_FOR = /^applicable to (.+?) only\.?$/i;

function nameOfLine(line: DocumentLine): { name: string; rest: string } | null {
  if (line.cells) {
    const named = line.cells.length > 1 ? categoryNameOf(line.cells[0]!) : null;
    return named && { name: named.name, rest: line.cells.slice(1).join(' ') };
  }
  return categoryNameOf(line.text);
}

/** Builds a category from its name and description. */
export function draftCategory(name: string, details: string, onlyFor?: string): DraftCategory {
  return { id: kebabCase(name), name, details, ...guessSensitivity(name, details), ...(onlyFor ? { onlyFor } : {}) };
}

/**
 * Every data category named where the document lists the personal data it
 * collects (a table of name and details, "Name: details" lines, or "Name
 * (including …)"), in document order, each once.
 *
 * @example
 * extractCategories(splitSections(text)).map((category) => category.id) // ['log-data', 'monitoring-data', 'configuration-data']
 */
export function extractCategories(sections: readonly DocumentSection[]): DraftCategory[] {
  const found = new Map<string, DraftCategory>();
  for (const section of collectionSections(sections)) {
    const lines = section.lines;
    lines.forEach((line, index) => {
      const named = nameOfLine(line);
      if (!named || found.has(kebabCase(named.name))) return;
      let details = named.rest;
      let onlyFor: string | undefined;
      // In a table written as lines, the next lines hold a limitation and the details.
      for (const next of lines.slice(index + 1, index + 3)) {
        const only = ONLY_FOR.exec(next.text);
        if (only) onlyFor = only[1];
        else if (!details && !nameOfLine(next)) details = next.text;
        else break;
      }
      found.set(kebabCase(named.name), draftCategory(named.name, details, onlyFor));
    });
  }
  return [...found.values()];
}

/**
 * Whether a category applies to the module: a category "applicable to X only"
 * belongs to X alone (compared on letters and digits, case-insensitively).
 */
export function appliesToModule(category: DraftCategory, moduleName: string): boolean {
  if (!category.onlyFor) return true;
  const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  return squash(category.onlyFor) === squash(moduleName);
}
