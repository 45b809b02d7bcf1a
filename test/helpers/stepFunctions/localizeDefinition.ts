/**
 * A definition with Distributed Maps, rewritten into what aws-local-stepfunctions
 * 3.0.0 runs the way AWS would. The library knows Map states only inline: it
 * ignores ItemBatcher (each child would get one bare item) and the tolerated
 * failures (any failed child fails the Map). Here, in a copy of the definition:
 * - ItemBatcher: a Pass state before the Map cuts the items into batches of
 *   MaxItemsPerBatch (States.ArrayPartition), and each child gets
 *   `{ BatchInput, Items }` as in AWS; the Map's input gains the field
 *   `__localBatches`, which a Map with ResultPath null passes on unchanged.
 * - ToleratedFailurePercentage 100: each child runs inside a Parallel state
 *   whose Catch swallows its failure, so a failed child does not fail the Map.
 *   0 (or none) is the library's own behaviour; other thresholds are refused.
 * Anything else it cannot emulate (ItemReader, ResultWriter, an ItemSelector
 * with a batcher, MaxInputBytesPerBatch) is refused with one sentence.
 */
import type { Definition } from '../../../infra/stateMachine';

type State = Record<string, any>;
type States = Record<string, State>;

/** Where the Pass state puts the batches, in the Map's input. */
const BATCHES_FIELD = '__localBatches';

/**
 * The definition as aws-local-stepfunctions should run it; the argument is not changed.
 *
 * @example
 * localizeDefinition(buildDefinition({ functionArn, maxConcurrency: 4, maxItemsPerBatch: 2 })).States['MapPartitions·ItemBatcher'].Type // 'Pass'
 */
export function localizeDefinition<T extends Pick<Definition, 'StartAt' | 'States'>>(definition: T): T {
  // Not structuredClone: under Jest it makes objects of another realm, which the library's payload
  // templates do not take for plain objects (their Parameters would silently come out empty).
  const copy = JSON.parse(JSON.stringify(definition)) as T;
  localizeStates(copy);
  return copy;
}

function localizeStates(machine: { StartAt: string; States: States }): void {
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type === 'Parallel') for (const branch of state.Branches) localizeStates(branch);
    if (state.Type !== 'Map') continue;
    localizeStates(state.ItemProcessor ?? state.Iterator);
    if (state.ItemProcessor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') continue;
    refuseUnemulated(name, state);
    tolerateFailures(name, state);
    if (state.ItemBatcher) batchItems(machine, name, state);
  }
}

function refuseUnemulated(name: string, state: State): void {
  const unsupported = ['ItemReader', 'ResultWriter', 'ToleratedFailureCount', 'ToleratedFailureCountPath', 'ToleratedFailurePercentagePath', 'MaxConcurrencyPath'].filter((field) => field in state);
  if (state.ItemBatcher && state.ItemSelector) unsupported.push('ItemSelector (with ItemBatcher)');
  if (state.ItemBatcher && Object.keys(state.ItemBatcher).some((field) => field !== 'MaxItemsPerBatch' && field !== 'BatchInput')) unsupported.push('ItemBatcher fields other than MaxItemsPerBatch and BatchInput');
  if (unsupported.length > 0) throw new Error(`Map ${name} uses ${unsupported.join(', ')}, which the local Distributed Map does not emulate.`);
}

/** ToleratedFailurePercentage 100: a child's failure is caught around the child, as AWS lets the Map go on. */
function tolerateFailures(name: string, state: State): void {
  const tolerated = state.ToleratedFailurePercentage ?? 0;
  if (tolerated === 0) return;
  if (tolerated !== 100) throw new Error(`Map ${name} tolerates ${tolerated} % of failed children; the local Distributed Map emulates only 0 and 100.`);
  const { ProcessorConfig, ...child } = state.ItemProcessor;
  state.ItemProcessor = {
    ProcessorConfig,
    StartAt: `${name}·Child`,
    States: {
      [`${name}·Child`]: { Type: 'Parallel', Branches: [child], Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.toleratedFailure', Next: `${name}·ToleratedFailure` }], End: true },
      [`${name}·ToleratedFailure`]: { Type: 'Pass', End: true },
    },
  };
}

/** ItemBatcher: the items cut into batches first, each child gets `{ BatchInput, Items }`. */
function batchItems(machine: { StartAt: string; States: States }, name: string, state: State): void {
  const { MaxItemsPerBatch: size, BatchInput: batchInput } = state.ItemBatcher;
  if (!Number.isInteger(size) || size < 1) throw new Error(`Map ${name} has ItemBatcher.MaxItemsPerBatch ${JSON.stringify(size)}; the local Distributed Map needs a whole number from 1.`);
  const itemsPath = state.ItemsPath;
  if (typeof itemsPath !== 'string' || itemsPath === '$') throw new Error(`Map ${name} batches the whole input; the local Distributed Map needs an ItemsPath below $ to put its batches beside.`);
  const batcher = `${name}·ItemBatcher`;
  redirect(machine, name, batcher);
  machine.States[batcher] = { Type: 'Pass', Parameters: { 'batches.$': `States.ArrayPartition(${itemsPath}, ${size})` }, ResultPath: `$.${BATCHES_FIELD}`, Next: name };
  delete state.ItemBatcher;
  state.ItemsPath = `$.${BATCHES_FIELD}.batches`;
  state.ItemSelector = { ...(batchInput ? { BatchInput: batchInput } : {}), 'Items.$': '$$.Map.Item.Value' };
}

/** Every transition to `from` (start, Next, Catch, Choice) goes to `to` instead. */
function redirect(machine: { StartAt: string; States: States }, from: string, to: string): void {
  if (machine.StartAt === from) machine.StartAt = to;
  for (const state of Object.values(machine.States)) {
    if (state.Next === from) state.Next = to;
    if (state.Default === from) state.Default = to;
    for (const rule of [...(state.Catch ?? []), ...(state.Choices ?? [])]) if (rule.Next === from) rule.Next = to;
  }
}
