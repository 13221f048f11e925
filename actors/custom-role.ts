// Custom roles: a user adds a role by writing one file and naming it in a topology (roles.<name>.machine). The file's
// default export is a role factory: given Gome's kit (xstate's builders, zod, the send helper, the run's addresses),
// it returns the role's machine, its own message types with their schemas, the messages it intercepts on their way to
// another role, and the schema of its parameters. This module holds that contract and the pure parts of putting a
// role in a run (its checks, its actors' addresses, its routes); cli/run/role-loader.ts reads the file.
import { assign, emit, enqueueActions, setup, type AnyStateMachine } from 'xstate';
import { z } from 'zod';
import type { Route } from '../protocols/route.ts';
import { isMessageType } from '../protocols/messages.ts';
import { isOwnType } from '../protocols/message-registry.ts';
import type { TaskInfo } from '../protocols/domain.ts';
import type { RoleSettings } from '../protocols/topology.ts';
import type { Outgoing } from '../runtime/envelope-factory.ts';
import type { SendEvent } from '../runtime/machine-io.ts';
import { addr } from './addresses.ts';
import { MACHINES } from './machines.ts';

export type { SendEvent };

/** What a role factory is given: the same xstate and zod Gome runs with, so a role file needs no imports of its own. */
export interface RoleKit {
  setup: typeof setup; assign: typeof assign; emit: typeof emit; enqueueActions: typeof enqueueActions;
  z: typeof z;
  /** A send for emit(): a message of any type (built-in or the role's own) to an address, optionally on a trace. */
  out(to: string, type: string, payload: unknown, trace?: string): SendEvent;
  /** The run's addresses: addr.coordinator, addr.developer('t0'), … */
  addr: typeof addr;
}

/** Messages of `type` sent to the role `to` (researcher, developer, validator, memory, coordinator) come to this role first. */
export interface Interception { type: string; to: string }

/** What a role factory returns. */
export interface RoleDefinition {
  /** Its lifecycle: an xstate machine, pure like the built-in ones; its input is a RoleInput; it emits sends (kit.out). */
  machine: AnyStateMachine;
  /** Its own message types, "<role>.<name>", with their payload schemas: validated like the built-in ones. */
  messages?: Record<string, z.ZodType>;
  intercepts?: Interception[];
  /** The schema of roles.<name>.params in the topology (absent: the role takes none). */
  params?: z.ZodType;
  /** One line for the topology summary. */
  description?: string;
}

export type RoleFactory = (kit: RoleKit) => RoleDefinition;

/** A custom role's machine input. */
export interface RoleInput {
  role: string;
  address: string;
  /** The trace this actor serves (per-trace roles), or "run". */
  trace: string;
  /** The traces whose messages it receives. */
  traces: string[];
  task: TaskInfo;
  /** roles.<name>.params, parsed by the role's params schema. */
  params: unknown;
}

/** A role's file, loaded and checked: its definition and where its actors are. */
export interface LoadedRole {
  name: string;
  file: string;
  sha256: string;
  definition: RoleDefinition;
  params: unknown;
  settings: RoleSettings;
}

export const ROLE_KIT: RoleKit = {
  setup, assign, emit, enqueueActions, z, addr,
  out: (to, type, payload, trace) => ({ type: 'send', out: { to, type, payload, ...(trace ? { trace } : {}) } as unknown as Outgoing }),
};

/** Roles whose actors are one per trace (the others are single: memory.0, coordinator.0). */
const PER_TRACE_TARGETS = ['researcher', 'developer', 'validator'] as const;
const SINGLE_TARGETS: Record<string, string> = { memory: addr.memory, coordinator: addr.coordinator };

/** What is wrong with a definition a role factory returned (empty when nothing), as sentences. */
export function definitionProblems(name: string, d: unknown, customRoleNames: readonly string[]): string[] {
  if (!d || typeof d !== 'object') return [`its factory returned ${d === null ? 'null' : typeof d}, not a role definition ({ machine, messages, intercepts, params })`];
  const def = d as Partial<RoleDefinition>;
  const problems: string[] = [];
  const m = def.machine as { id?: unknown; transition?: unknown; config?: unknown } | undefined;
  if (!m || typeof m !== 'object' || typeof m.id !== 'string' || typeof m.transition !== 'function') {
    problems.push('machine is not an xstate machine: build it with kit.setup({ … }).createMachine({ id, … })');
  } else if (Object.prototype.hasOwnProperty.call(MACHINES, m.id)) {
    problems.push(`its machine's id "${m.id}" is a built-in machine's; give it the role's name, e.g. id: "${name}"`);
  }
  const own = Object.keys(def.messages ?? {});
  for (const t of own) {
    if (!isOwnType(name, t)) problems.push(`its message type "${t}" must be named "${name}.<name>" in lower case`);
  }
  for (const [i, ic] of (def.intercepts ?? []).entries()) {
    if (!ic || typeof ic.type !== 'string' || typeof ic.to !== 'string') { problems.push(`intercepts[${i}] must be { type, to }`); continue; }
    if (!isMessageType(ic.type) && !own.includes(ic.type)) problems.push(`intercepts[${i}] names the type "${ic.type}", which is neither built in nor one of the role's own`);
    const targets = [...PER_TRACE_TARGETS, ...Object.keys(SINGLE_TARGETS), ...customRoleNames.filter((r) => r !== name)];
    if (!targets.includes(ic.to)) problems.push(`intercepts[${i}] sends it on to "${ic.to}", which is no role of the run; use one of ${targets.join(', ')}`);
  }
  if (def.params !== undefined && typeof (def.params as { safeParse?: unknown }).safeParse !== 'function') problems.push('params must be a zod schema (kit.z.object({ … }))');
  return problems;
}

/** A custom role's actors: address → the traces it serves. */
export function roleActors(name: string, count: RoleSettings['count'], traces: readonly string[]): Array<{ address: string; trace: string; traces: string[] }> {
  if (count === undefined || count === 'per-trace') return traces.map((t) => ({ address: `${name}.${t}`, trace: t, traces: [t] }));
  return Array.from({ length: count }, (_, k) => ({ address: `${name}.${k}`, trace: 'run', traces: traces.filter((_, i) => i % count === k) }))
    .filter((a) => a.traces.length > 0);
}

/** The address of the role's actor that serves each trace. */
function servingActors(name: string, count: RoleSettings['count'], traces: readonly string[]): Map<string, string> {
  return new Map(roleActors(name, count, traces).flatMap((a) => a.traces.map((t) => [t, a.address] as const)));
}

/**
 * The routes that put every custom role's interceptions in place: for each trace, a message of the intercepted type
 * on its way to the target role's actor goes to the role's actor serving that trace. A target with one actor per trace
 * (developer.t0) tells the trace by its address; a target that serves several (memory.0) needs the route's trace.
 */
export function interceptRoutes(roles: readonly LoadedRole[], traces: readonly string[]): Route[] {
  const routes: Route[] = [];
  for (const r of roles) {
    const via = servingActors(r.name, r.settings.count, traces);
    for (const ic of r.definition.intercepts ?? []) {
      const custom = roles.find((o) => o.name === ic.to);
      const targets: Map<string, string> = (PER_TRACE_TARGETS as readonly string[]).includes(ic.to) ? new Map(traces.map((t) => [t, `${ic.to}.${t}`]))
        : custom ? servingActors(custom.name, custom.settings.count, traces)
          : new Map(traces.map((t) => [t, SINGLE_TARGETS[ic.to]!]));
      const perTrace = new Set(targets.values()).size === traces.length;
      for (const t of traces) routes.push({ type: ic.type, to: targets.get(t)!, via: via.get(t)!, ...(perTrace ? {} : { trace: t }) });
    }
  }
  return routes;
}
