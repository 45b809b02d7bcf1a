/**
 * Violations per module and severity, counted as the findings stream past: the
 * summary knows violations per module but not their severities, which the chart
 * of the worst modules stacks. Only catalog modules can have violations, so the
 * map stays small; a cap keeps it so even if that ever changed.
 */
import type { Finding, Severity } from '../../model';
import { SEVERITIES } from '../../model';

export type SeverityCounts = Record<Severity, number>;

const MAX_MODULES = 10_000;

const zeroSeverities = (): SeverityCounts => Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;

/**
 * @example
 * const tally = new ViolationTally();
 * tally.add(finding); // a critical violation of instant-messaging
 * tally.of('instant-messaging') // { critical: 1, high: 0, medium: 0, low: 0, info: 0 }
 */
export class ViolationTally {
  private readonly byModule = new Map<string, SeverityCounts>();

  add(finding: Finding): void {
    if (finding.verdict !== 'violation') return;
    const module = finding.module ?? '(unknown)';
    let counts = this.byModule.get(module);
    if (!counts) {
      if (this.byModule.size >= MAX_MODULES) return;
      counts = zeroSeverities();
      this.byModule.set(module, counts);
    }
    counts[finding.severity] += 1;
  }

  /** The module's violations by severity, or null when it was not counted. */
  of(module: string): SeverityCounts | null {
    return this.byModule.get(module) ?? null;
  }
}
