/**
 * The PDF's colours and page geometry, in one place so every section draws with
 * the same palette and margins (the faces are in pdfFonts.ts).
 */
import type { Severity } from '../../../model';

export const COLORS = {
  text: '#1f2937',
  muted: '#6b7280',
  rule: '#d1d5db',
  /** Chart grid lines: lighter than a rule, so data stays in front. */
  grid: '#e5e7eb',
  stripe: '#f3f4f6',
  headerFill: '#e5e7eb',
  accent: '#1e3a8a',
  ok: '#15803d',
  alarm: '#b91c1c',
  warn: '#b45309',
} as const;

export const SEVERITY_COLORS: Record<Severity, string> = {
  critical: '#7f1d1d',
  high: '#dc2626',
  medium: '#f59e0b',
  low: '#3b82f6',
  info: '#9ca3af',
};

/** Landscape A4 margins, in points; the header and footer sit inside the top and bottom ones. */
export const MARGIN = { top: 56, bottom: 56, left: 40, right: 40 } as const;
