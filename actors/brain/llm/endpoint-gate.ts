// A concurrency limit per LLM endpoint: at most `limit` requests in flight to one base URL from this process,
// whichever roles and traces send them. Waiters are served first come, first served, and leave when cancelled.

interface Gate { active: number; waiters: Array<() => void> }
const gates = new Map<string, Gate>();

/** Waits for a slot on the endpoint; the returned function frees it (call it exactly once). */
export async function acquireSlot(endpoint: string, limit: number, signal?: AbortSignal): Promise<() => void> {
  const g = gates.get(endpoint) ?? gates.set(endpoint, { active: 0, waiters: [] }).get(endpoint)!;
  if (g.active >= limit) {
    await new Promise<void>((resolve, reject) => {
      const go = (): void => { signal?.removeEventListener('abort', onAbort); resolve(); };
      const onAbort = (): void => {
        const i = g.waiters.indexOf(go);
        if (i >= 0) g.waiters.splice(i, 1);
        reject(signal!.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) { onAbort(); return; }
      signal?.addEventListener('abort', onAbort, { once: true });
      g.waiters.push(go);
    });
  }
  g.active++;
  let freed = false;
  return () => {
    if (freed) return;
    freed = true;
    g.active--;
    const next = g.waiters.shift();
    if (next) next();
  };
}

/** Requests in flight to an endpoint now (for tests and progress). */
export function inFlight(endpoint: string): number { return gates.get(endpoint)?.active ?? 0; }
