// Test helper: the scripted model replies of a first draft that crashes and its repair, on a binary AUC competition
// (breast-cancer-diagnosis): a k-NN proposal, code that raises `crash` before doing anything, then the hand-written
// k-NN draft as the repair. Used wherever a test needs a real run with one crashing attempt.
import type { ScriptStep } from './chat-server.ts';
import { handwrittenDraft } from './playing-model.ts';

export function crashThenRepair(crash: string, diagnosis: Array<{ category: string; summary: string; evidence: string }> = []): ScriptStep[] {
  const research = { diagnosis, hypotheses: [{
    kind: 'draft:knn', component: 'model', title: 'k-NN baseline', rationale: 'quick', problem: null,
    scores: { alignment: 8, impact: 5, novelty: 5, feasibility: 9, risk: 8 }, instruction: 'write a k-NN pipeline', estimatedSeconds: 5 }] };
  const crashing = `import pandas as pd\n# writes submission.csv and scores.csv\nraise RuntimeError(${JSON.stringify(crash)})\n`;
  return [
    { kind: 'reply', content: JSON.stringify(research) },
    { kind: 'reply', content: JSON.stringify({ summary: 'k-NN', format: 'file', content: crashing }) },
    { kind: 'reply', content: JSON.stringify({ summary: 'k-NN, fixed', format: 'file', content: handwrittenDraft('binary', 'auc'), cause: 'the script raised before doing anything' }) },
  ];
}
