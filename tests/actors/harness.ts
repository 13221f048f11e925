// Test harness for the pure actor machines: drives them only through xstate's initialTransition/transition,
// with envelopes built by EnvelopeFactory on a ManualClock (simulated time), and collects their sends.
import { expect } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine, type InputFrom, type SnapshotFrom } from 'xstate';
import type { Envelope, MessageType, Payload } from '../../protocols/messages.ts';
import type { Experiment, Hypothesis, JobOutcome, AxisScores, SotaRef, Budget } from '../../protocols/domain.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { EnvelopeFactory, type Outgoing } from '../../runtime/envelope-factory.ts';
import { collectSends } from '../../runtime/machine-io.ts';
import { outcome, hypothesis as sampleHypothesis, experiment as sampleExperiment, task as sampleTask } from '../helpers/envelopes.ts';

type Actions = ReadonlyArray<{ type: string; params?: unknown }>;

/** One machine under test, addressed as `address`, fed envelopes from simulated senders. */
export class Sim<M extends AnyStateMachine> {
  readonly clock: ManualClock;
  readonly initialSends: Outgoing[];
  private snap: SnapshotFrom<M>;
  private readonly factories = new Map<string, EnvelopeFactory>();

  constructor(readonly machine: M, input: InputFrom<M>, readonly address: string, readonly opts: { run?: string; trace?: string; t0?: number } = {}) {
    this.clock = new ManualClock(opts.t0 ?? 1_000);
    const init = initialTransition as unknown as (m: M, i: InputFrom<M>) => [SnapshotFrom<M>, Actions];
    const [snap, actions] = init(machine, input);
    this.snap = snap;
    this.initialSends = collectSends(actions);
  }

  get snapshot(): SnapshotFrom<M> { return this.snap; }
  get value(): unknown { return (this.snap as AnyMachineSnapshot).value; }
  get status(): string { return (this.snap as AnyMachineSnapshot).status; }

  /** Builds an envelope from `from` to this machine, stamped with the simulated clock. */
  envelope<T extends MessageType>(from: string, type: T, payload: Payload<T>, trace?: string): Envelope<T> {
    let f = this.factories.get(from);
    if (!f) { f = new EnvelopeFactory(this.opts.run ?? 'r1', from, this.opts.trace ?? 't0', this.clock); this.factories.set(from, f); }
    return f.make({ to: this.address, type, payload, ...(trace ? { trace } : {}) } as Outgoing<T>);
  }

  /** Feeds one envelope through the pure transition; returns the sends it emitted. */
  deliver(env: Envelope): Outgoing[] {
    const step = transition as unknown as (m: M, s: SnapshotFrom<M>, e: Envelope) => [SnapshotFrom<M>, Actions];
    const [next, actions] = step(this.machine, this.snap, env);
    const s = next as AnyMachineSnapshot;
    if (s.status === 'error') throw s.error instanceof Error ? s.error : new Error(String(s.error));
    this.snap = next;
    return collectSends(actions);
  }

  send<T extends MessageType>(from: string, type: T, payload: Payload<T>, trace?: string): Outgoing[] {
    return this.deliver(this.envelope(from, type, payload, trace) as Envelope);
  }
}

/** The single send of `type` among `outs` (fails the test when there is not exactly one). */
export function one<T extends MessageType>(outs: Outgoing[], type: T): Outgoing<T> {
  const found = outs.filter((o) => o.type === type);
  expect(found.map((o) => o.type), `expected exactly one ${type} in [${outs.map((o) => o.type).join(', ')}]`).toEqual([type]);
  return found[0] as Outgoing<T>;
}

export function ofType<T extends MessageType>(outs: Outgoing[], type: T): Outgoing<T>[] {
  return outs.filter((o) => o.type === type) as Outgoing<T>[];
}

export const task = sampleTask;
export const loglossTask = { ...sampleTask, metric: 'logloss' as const, lowerIsBetter: true };

export function scores(base: number, over: Partial<AxisScores> = {}): AxisScores {
  return { alignment: base, impact: base, novelty: base, feasibility: base, risk: base, ...over };
}

export function hyp(kind: string, s: AxisScores = scores(5), component: Hypothesis['component'] = 'model'): Hypothesis {
  return { ...sampleHypothesis, kind, component, title: `try ${kind}`, scores: s, change: { op: 'x', kind } };
}

export function job(over: Partial<JobOutcome> = {}): JobOutcome {
  return { ...outcome, ...over };
}

export function sotaRef(over: Partial<SotaRef> = {}): SotaRef {
  return { experiment: 'e1', score: 0.9, code: 'base code', hypothesis: 'baseline', cvStd: 0.01, trainScore: 0.92, folds: [0.89, 0.9, 0.91], holdout: null, feedback: null, ...over };
}

export function budget(usedFrac: number, budgetMs = 100_000): Budget {
  const usedMs = Math.round(usedFrac * budgetMs);
  return { startedAt: 0, budgetMs, usedMs, remainingMs: budgetMs - usedMs, refundedMs: 0 };
}

export function exp(over: Partial<Experiment> & { kind?: string; component?: Hypothesis['component'] } = {}): Experiment {
  const { kind, component, ...rest } = over;
  const status = rest.status ?? sampleExperiment.status;
  const blame = status === 'accepted' ? 'none' : status === 'rejected' ? 'score' : 'code';
  return { ...sampleExperiment, blame, hypothesis: hyp(kind ?? 'model:hgb', scores(5), component ?? 'model'), ...rest };
}
