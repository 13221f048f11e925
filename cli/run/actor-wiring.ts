// The actors of one run, hosted on the bus: the GPU node and the brain (services given by the caller), memory, the
// coordinator, a researcher, developer and validator per trace, and the topology's custom roles, each machine built
// with its input from the config; every host applies the routes of what custom roles intercept.
import type { RunConfig, TaskInfo } from '../../protocols/index.ts';
import { REFIT_TIME_FACTOR } from '../../protocols/config.ts';
import { ActorHost, type Behavior, type CheckpointSink, type ResumePoint } from '../../runtime/actor-host.ts';
import type { Bus } from '../../runtime/bus.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ActorEscalation } from '../../runtime/errors.ts';
import type { DurableInbox } from '../../runtime/durable-inbox.ts';
import { roleOf } from '../../protocols/subjects.ts';
import { actorLogger, type Logger } from '../../runtime/logger.ts';
import { RunNotResumable } from './run-not-resumable.ts';
import { addr, traceIds } from '../../actors/addresses.ts';
import { coordinatorMachine } from '../../actors/coordinator/coordinator-machine.ts';
import { memoryMachine } from '../../actors/memory/memory-machine.ts';
import { researcherMachine } from '../../actors/researcher/researcher-machine.ts';
import { developerMachine } from '../../actors/developer/developer-machine.ts';
import { validatorMachine } from '../../actors/validator/validator-machine.ts';
import { interceptRoutes, roleActors, type LoadedRole, type RoleInput } from '../../actors/custom-role.ts';

export interface ActorWiring {
  bus: Bus;
  runId: string;
  clock: Clock;
  config: RunConfig;
  task: TaskInfo;
  root: Logger;
  /** The GPU node's behaviour, or null when a node on another host serves the run (gome gpu-node). */
  gpu: Behavior | null;
  /** The brain's behaviour, or null when this process hosts no brain (a worker). */
  brain: Behavior | null;
  /** The brain gives final judgements (an LLM brain with a judge model): validators ask it after the harness accepts. */
  judge?: boolean;
  onEscalate?: (e: ActorEscalation) => void;
  /** A resumed run: where each actor continues (runtime/resume-plan.ts); every machine actor must have its point. */
  resume?: ReadonlyMap<string, ResumePoint>;
  /** The topology's custom roles, loaded (cli/run/role-loader.ts): their actors, and the routes of what they intercept. */
  roles?: readonly LoadedRole[];
  /** Put before every experiment id (the run's random tag: ids unique beyond the run); absent: ids unique within it. */
  idPrefix?: string;
  /** Host only the actors of these roles (the others run elsewhere: gome worker, gome gpu-node); absent: every role. */
  only?: ReadonlySet<string>;
  /**
   * Actors whose inbox is a durable consumer (runtime/durable-inbox.ts), by address, with the ids of what each already
   * handled and where its checkpoints go.
   */
  durable?: ReadonlyMap<string, { inbox: DurableInbox; handled?: Iterable<string>; checkpoints?: CheckpointSink }>;
}

/** Builds (does not start) every actor of the run; start them with host.start(). */
export function hostActors(w: ActorWiring): ActorHost[] {
  const { config, task } = w;
  const deadlines = { limits: config.limits, budgetMs: config.budgetMs };
  const hosts: ActorHost[] = [];
  const traces = traceIds(config.topology.traces);
  const roles = w.roles ?? [];
  const routes = interceptRoutes(roles, traces);
  const host = (address: string, trace: string, behavior: Behavior) => {
    if (w.only && !w.only.has(roleOf(address))) return;
    const durable = w.durable?.get(address);
    const resume = w.resume ? (w.resume.get(address) ?? { nextSeq: 0 }) : undefined;
    if (resume && behavior.kind === 'machine' && !resume.snapshot) {
      throw new RunNotResumable(w.runId, `its log holds no start of actor ${address}`, 'resume the run with the configuration it was recorded with (run_meta.json), or start it again');
    }
    hosts.push(new ActorHost({ bus: w.bus, run: w.runId, trace, address, behavior, clock: w.clock, logger: actorLogger(w.root, w.runId, address), deadlines,
      ...(w.onEscalate ? { onEscalate: w.onEscalate } : {}), ...(resume ? { resume } : {}), ...(routes.length ? { routes } : {}),
      ...(durable ? { durable: durable.inbox, ...(durable.handled ? { handled: durable.handled } : {}), ...(durable.checkpoints ? { checkpoints: durable.checkpoints } : {}) } : {}) }));
  };
  const topo = config.topology;
  // Without structured reasoning the gradient keeps its top-k draw but not its diagnosis-driven axis weights or momentum.
  const researchMode = topo.structuredReasoning ? 'gradient' : 'greedy';
  const diverse = topo.diversity === 'siblings';
  if (w.gpu) host(addr.gpu, 'run', w.gpu);
  if (w.brain) host(addr.brain, 'run', w.brain);
  host(addr.memory, 'run', { kind: 'machine', machine: memoryMachine, input: { lowerIsBetter: task.lowerIsBetter, enabled: topo.memory, ...(diverse ? {} : { diversity: false }) } });
  for (const [ordinal, t] of traces.entries()) {
    host(addr.researcher(t), t, { kind: 'machine', machine: researcherMachine, input: {
      trace: t, seed: config.seed, topK: config.topK, mode: researchMode, task, ...(diverse ? { ordinal } : {}),
      ...(topo.policy.kind !== 'gradient' ? { policy: topo.policy } : {}),
      ...(w.idPrefix ? { idPrefix: w.idPrefix } : {}),
    } });
    host(addr.developer(t), t, { kind: 'machine', machine: developerMachine, input: { trace: t, maxRepairs: config.maxRepairs, task, fullLimitMs: config.limits.fullMs } });
    host(addr.validator(t), t, { kind: 'machine', machine: validatorMachine, input: { trace: t, task, debugMs: config.limits.debugMs, fullMs: config.limits.fullMs, overfitGap: config.overfitGap, ...(w.judge ? { judge: true } : {}) } });
  }
  // custom roles: one actor per trace (or a fixed number sharing the traces), each with its RoleInput
  for (const r of roles) {
    for (const a of roleActors(r.name, r.settings.count, traces)) {
      const input: RoleInput = { role: r.name, address: a.address, trace: a.trace, traces: a.traces, task, params: r.params ?? null };
      host(a.address, a.trace, { kind: 'machine', machine: r.definition.machine, input });
    }
  }
  host(addr.coordinator, 'run', { kind: 'machine', machine: coordinatorMachine, input: {
    traces, maxIterations: config.maxIterations, minRemainingFrac: 0.02, refitFactor: config.finalRefit ? REFIT_TIME_FACTOR : null,
    ...(topo.concurrency !== null && topo.concurrency < traces.length ? { concurrency: topo.concurrency } : {}),
    ...(topo.scheduler.kind === 'puct' ? { scheduler: topo.scheduler } : {}),
    ...(topo.mergeWindow > 0 ? { mergeWindow: topo.mergeWindow } : {}),
    ...(topo.selector === 'llm' ? { selector: 'llm' as const } : {}),
  } });
  return hosts;
}
