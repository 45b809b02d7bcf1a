/** Where a snapshot's size comes from, in the words the plan prints. */
export const SIZE_SOURCES = {
  manifest: "the snapshot's manifest in the inventory table",
  file: 'the inventory file (its lines and bytes)',
  'describe-table': "DescribeTable's ItemCount and TableSizeBytes (the whole table; DynamoDB updates them about every six hours)",
  'what-if': 'the numbers given on the command line (what if)',
} as const;

export type SizeSource = keyof typeof SIZE_SOURCES;

/** How big a snapshot is: what the planner needs to know of it, and nothing else. */
export interface SnapshotSize {
  /** Null when it is not known before the run (a table without manifests: the run finds the latest by a Scan). */
  snapshotId: string | null;
  items: number;
  /** The items' bytes as stored (DynamoDB's item size, or the file's bytes). */
  bytes: number;
  /** The whole table's bytes when known (other snapshots included), for people: the run reads only the snapshot's items, by Query. */
  tableBytes: number | null;
  source: SizeSource;
  /** What the numbers rest on, for people (estimates, fallbacks). */
  notes: string[];
}
