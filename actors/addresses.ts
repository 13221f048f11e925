// Actor addresses of a run: role.instance, with one researcher/developer/validator per trace.
export const addr = {
  coordinator: 'coordinator.0',
  memory: 'memory.0',
  gpu: 'gpu.0',
  brain: 'brain.0',
  cli: 'cli.0',
  researcher: (trace: string) => `researcher.${trace}`,
  developer: (trace: string) => `developer.${trace}`,
  validator: (trace: string) => `validator.${trace}`,
};

export function traceIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `t${i}`);
}

/** The addresses of one role's actors in a run of `traces` traces: one per trace, or the single shared one. */
export function roleAddresses(role: 'researcher' | 'developer' | 'validator' | 'memory', traces: number): string[] {
  return role === 'memory' ? [addr.memory] : traceIds(traces).map((t) => addr[role](t));
}
