// The experiment DAG's persistent append: order kept across chunk boundaries, earlier values untouched (snapshots
// stay values), and the cost of one append bounded by a chunk and the chunk index, not by the DAG's size.
import { describe, expect, it } from 'vitest';
import { DAG_CHUNK, dagAppend, dagFind, dagNodes, dagSize, type Dag, type DagNode } from '../../actors/memory/experiment-dag.ts';
import { experiment } from '../helpers/envelopes.ts';

const node = (i: number): DagNode => ({ id: `t0-e${i}`, trace: 't0', parent: i ? `t0-e${i - 1}` : null, status: 'accepted', score: i, kind: 'model:lr', component: 'model', title: `e${i}`, ts: i, record: { ...experiment, id: `t0-e${i}` } });

describe('experiment dag', () => {
  it('experiment dag - appends keep the recorded order across chunks and leave earlier values as they were', () => {
    let dag: Dag = [];
    const history: Dag[] = [];
    for (let i = 0; i < 3 * DAG_CHUNK + 5; i++) { history.push(dag); dag = dagAppend(dag, node(i)); }
    expect(dagSize(dag)).toBe(3 * DAG_CHUNK + 5);
    expect(dagNodes(dag).map((n) => n.score)).toEqual(Array.from({ length: 3 * DAG_CHUNK + 5 }, (_, i) => i));
    // every earlier snapshot still holds exactly its own prefix
    for (const [i, h] of history.entries()) expect(dagNodes(h).map((n) => n.score)).toEqual(Array.from({ length: i }, (_, k) => k));
    expect(dag.every((c) => c.length <= DAG_CHUNK)).toBe(true);
  });

  it('experiment dag - an append shares every full chunk with the value it came from', () => {
    let dag: Dag = [];
    for (let i = 0; i < 10 * DAG_CHUNK; i++) dag = dagAppend(dag, node(i));
    const next = dagAppend(dag, node(10 * DAG_CHUNK));
    for (let c = 0; c < dag.length; c++) expect(next[c]).toBe(dag[c]);
  });

  it('experiment dag - a node is found by its experiment id, with the experiment as recorded', () => {
    let dag: Dag = [];
    for (let i = 0; i < DAG_CHUNK + 3; i++) dag = dagAppend(dag, node(i));
    expect(dagFind(dag, `t0-e${DAG_CHUNK + 1}`)?.record.id).toBe(`t0-e${DAG_CHUNK + 1}`);
    expect(dagFind(dag, 't9-e0')).toBeUndefined();
  });
});
