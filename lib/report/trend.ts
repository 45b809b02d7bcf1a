/**
 * One run in a scope's trend: how many violations were open after it, how many
 * were new in it and how many it found resolved. The trend is the last N runs of
 * the scope (from history), oldest first, ending with the run being reported.
 */
export interface TrendPoint {
  runId: string;
  finishedAt: string;
  openViolations: number;
  newViolations: number;
  resolvedViolations: number;
}
