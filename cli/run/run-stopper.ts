// How a run ends when it does not end by itself: a signal (first SIGINT/SIGTERM stops gracefully, a second forces),
// the hard wall-clock deadline (budget + grace), an open circuit breaker, or an escalated actor. One object owns
// every such trigger so the session has one place to ask "stop now?" and "why?".
import type { Envelope } from '../../protocols/messages.ts';

export type StopStatus = 'stopped' | 'failed';

export interface StopRequest {
  /** stopped: by the user or the deadline; failed: the infrastructure or an actor broke. */
  status: StopStatus;
  reason: string;
  error?: Error;
}

export interface RunStopperOptions {
  /** Wall-clock time (ms since epoch, the session clock) when the run must stop dispatching and wind down. */
  stopAt: number;
  /** Wall-clock time when the session stops waiting for the actors and writes its reports with what it has (after stopAt). */
  abandonAt: number;
  now: () => number;
  /** Installs SIGINT/SIGTERM handlers (the CLI); in-process callers (tests) leave it off. */
  handleSignals: boolean;
  /** Called once, on the first stop trigger: stop dispatching work and kill running jobs. */
  onStop: (req: StopRequest) => void;
  /** Called on a second signal: exit now, leaving nothing running. */
  onForce: (signal: NodeJS.Signals) => void;
}

export class RunStopper {
  private request: StopRequest | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly signalHandlers: Array<[NodeJS.Signals, () => void]> = [];
  private abandonResolve: (() => void) | null = null;
  /** Resolves when the session must stop waiting for run.finished. */
  readonly abandoned: Promise<void>;

  constructor(private readonly o: RunStopperOptions) {
    this.abandoned = new Promise<void>((r) => { this.abandonResolve = r; });
    this.at(o.stopAt, () => this.stop({ status: 'stopped', reason: 'the hard wall-clock deadline (budget + grace) was reached' }));
    this.at(o.abandonAt, () => {
      this.stop({ status: 'stopped', reason: 'the hard wall-clock deadline (budget + grace) was reached' });
      this.abandonResolve?.();
    });
    if (o.handleSignals) {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        const h = () => this.onSignal(sig);
        process.on(sig, h);
        this.signalHandlers.push([sig, h]);
      }
    }
  }

  get stopped(): StopRequest | null { return this.request; }

  /** First trigger wins: records why, stops the work, and gives the actors a short window to report. */
  stop(req: StopRequest): void {
    if (this.request) return;
    this.request = req;
    this.o.onStop(req);
    // after a stop the actors get a few seconds to wind down (the killed job's result, the last records)
    this.at(Math.min(this.o.abandonAt, this.o.now() + 8_000), () => this.abandonResolve?.());
  }

  private onSignal(sig: NodeJS.Signals): void {
    if (this.request && this.request.reason.startsWith('signal')) { this.o.onForce(sig); return; }
    this.stop({ status: 'stopped', reason: `signal ${sig}: stopped by the user` });
  }

  private at(when: number, fn: () => void): void {
    const t = setTimeout(fn, Math.max(0, when - this.o.now()));
    this.timers.push(t);
  }

  /** Waits for run.finished, or gives up at the abandon time; null when abandoned. Once it arrives, the deadline timers stop. */
  async waitFinished(finished: Promise<Envelope<'run.finished'>>): Promise<Envelope<'run.finished'> | null> {
    const r = await Promise.race([finished, this.abandoned.then(() => null)]);
    if (r) this.clearTimers();
    return r;
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
  }

  dispose(): void {
    this.clearTimers();
    for (const [sig, h] of this.signalHandlers) process.off(sig, h);
  }
}
