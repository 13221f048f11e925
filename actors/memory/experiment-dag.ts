// The experiment DAG as memory keeps it: an immutable, append-only sequence of nodes (each names its parent) stored
// in chunks of DAG_CHUNK, so recording an experiment copies one chunk and the chunk index instead of the whole DAG.
// A 12-hour run records thousands of experiments; copying the whole DAG on every record made memory, and the replay
// of a long log, quadratic in the run's length.
import type { Component, Experiment } from '../../protocols/domain.ts';

export interface DagNode {
  id: string; trace: string; parent: string | null; status: Experiment['status']; score: number | null;
  kind: string; component: Component; title: string; ts: number;
  /** A merge's other parents (the other traces' best pipelines it joined into `parent`). */
  mergedFrom?: string[];
  /** The experiment as recorded (its code, spec, scores and why it failed): what a tree-search operator starts from. */
  record: Experiment;
}

export const DAG_CHUNK = 64;

export type Dag = ReadonlyArray<ReadonlyArray<DagNode>>;

/** The DAG with one more node; the argument is left as it was. */
export function dagAppend(dag: Dag, node: DagNode): Dag {
  const last = dag[dag.length - 1];
  if (!last || last.length >= DAG_CHUNK) return [...dag, [node]];
  return [...dag.slice(0, -1), [...last, node]];
}

/** Every node, in the order experiments were recorded. */
export function dagNodes(dag: Dag): DagNode[] {
  return dag.flat();
}

/** The node of an experiment, or undefined (a scan: asked a few times per iteration, never per record). */
export function dagFind(dag: Dag, id: string): DagNode | undefined {
  for (const chunk of dag) for (const n of chunk) if (n.id === id) return n;
  return undefined;
}

export function dagSize(dag: Dag): number {
  return dag.length === 0 ? 0 : (dag.length - 1) * DAG_CHUNK + dag[dag.length - 1]!.length;
}
