// L0 static checks: cheap, pure inspections of the code text before anything runs.
export interface StaticVerdict { ok: boolean; reasons: string[] }

const FORBIDDEN: Array<[RegExp, string]> = [
  [/['"/\\]private['"/\\]/, 'reads the private/ folder (the answers); only GOME_DATA_DIR (public/) may be read'],
  [/\b(test_answers|answers\.csv|solution\.csv)\b/, 'references an answers file'],
  [/^\s*(import|from)\s+(requests|urllib3?|socket|http\.client|ftplib|paramiko)\b/m, 'imports a networking module; jobs run without network'],
  [/\bsubprocess\.|os\.system\(/, 'spawns shell commands; pipelines must be plain Python'],
];

/** Heuristics for "sample submission used as labels": fitting on, or assigning targets from, the sample file. */
const SAMPLE_AS_LABELS: RegExp[] = [
  /\.fit\([^)\n]*sample_sub/i,
  /^\s*y\w*\s*=\s*sample_sub\w*\s*\[/im,
];

export function staticChecks(code: string, baseCode: string | null): StaticVerdict {
  const reasons: string[] = [];
  if (!code.trim()) reasons.push('code is empty');
  if (baseCode !== null && normalise(code) === normalise(baseCode)) reasons.push('code is unchanged from its parent; a step must change something');
  for (const [re, why] of FORBIDDEN) if (re.test(code)) reasons.push(why);
  for (const re of SAMPLE_AS_LABELS) if (re.test(code)) { reasons.push('uses the sample submission as training labels'); break; }
  if (!/submission\.csv/.test(code)) reasons.push('never writes submission.csv');
  if (!/scores\.csv/.test(code)) reasons.push('never writes scores.csv');
  return { ok: reasons.length === 0, reasons };
}

function normalise(code: string): string {
  return code.split('\n').map((l) => l.replace(/#.*$/, '').trimEnd()).filter((l) => l.trim()).join('\n');
}
