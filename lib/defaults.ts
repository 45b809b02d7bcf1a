import defaults from './defaults.json';

/**
 * Defaults shared by the CLI, the Lambda configuration and serverless.yml
 * (which reads the same JSON file with `${file(./lib/defaults.json):name}`).
 *
 * @example
 * DEFAULTS.graceDays // 30
 */
export const DEFAULTS = Object.freeze({
  graceDays: defaults.graceDays,
  pdfRows: defaults.pdfRows,
  forecastDays: defaults.forecastDays,
  staleAfterHours: defaults.staleAfterHours,
  presignSeconds: defaults.presignSeconds,
  attachMaxBytes: defaults.attachMaxBytes,
  reportRetentionDays: defaults.reportRetentionDays,
  waiversKey: defaults.waiversKey,
  timeReserveSeconds: defaults.timeReserveSeconds,
  maxActiveAudits: defaults.maxActiveAudits,
  workerMaxEventAgeSeconds: defaults.workerMaxEventAgeSeconds,
});
