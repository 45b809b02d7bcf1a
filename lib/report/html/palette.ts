/**
 * The HTML report's colours for verdicts, severities and the trend, the same
 * meanings as the PDF's (red for violations and critical, amber for due soon),
 * each dark enough for white text and for bars on white (WCAG AA contrast).
 */
import type { Severity, Verdict } from '../../model';

export const VERDICT_COLORS: Readonly<Record<Verdict, string>> = {
  invalid: '#9d174d',
  unmapped: '#475569',
  exempt: '#0f766e',
  waived: '#6b7280',
  violation: '#b91c1c',
  'due-soon': '#b45309',
  review: '#6d28d9',
  compliant: '#15803d',
};

export const SEVERITY_COLORS: Readonly<Record<Severity, string>> = {
  critical: '#7f1d1d',
  high: '#dc2626',
  medium: '#d97706',
  low: '#2563eb',
  info: '#6b7280',
};

export const TREND_COLORS = {
  open: '#b91c1c',
  new: '#d97706',
  resolved: '#15803d',
} as const;
