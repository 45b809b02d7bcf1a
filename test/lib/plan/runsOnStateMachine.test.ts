import { DEFAULTS } from '../../../lib/defaults';
import { runsOnStateMachine } from '../../../lib/plan/runsOnStateMachine';

describe('runsOnStateMachine: the switch between one Lambda and the state machine', () => {
  it('from distributedThresholdItems on (500,000 by default), not one item before', () => {
    expect(DEFAULTS.distributedThresholdItems).toBe(500_000);
    expect(runsOnStateMachine(499_999)).toBe(false);
    expect(runsOnStateMachine(500_000)).toBe(true);
    expect(runsOnStateMachine(0)).toBe(false);
  });

  it('a stage that sets its own threshold', () => {
    expect(runsOnStateMachine(9, 10)).toBe(false);
    expect(runsOnStateMachine(10, 10)).toBe(true);
  });
});
