// A self-contained HTML report of a run: score-against-time plot (inline SVG), experiments table, grading and config.
import type { RunArchive } from './run-archive.ts';
import type { RunMetrics } from './run-metrics.ts';

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function scorePlotSvg(points: RunArchive['trajectory'], lowerIsBetter: boolean, thresholds: Record<string, number | null> = {}, w = 720, h = 320): string {
  const scored = points.filter((p) => p.score !== null);
  if (!scored.length) return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><text x="20" y="40">no scored experiments</text></svg>`;
  const pad = { l: 60, r: 20, t: 20, b: 40 };
  const tMax = Math.max(1, ...points.map((p) => p.t));
  const ys = [...scored.map((p) => p.score!), ...Object.values(thresholds).filter((v): v is number => v !== null)];
  let yMin = Math.min(...ys); let yMax = Math.max(...ys);
  if (yMax - yMin < 1e-9) { yMin -= 0.5; yMax += 0.5; }
  const span = yMax - yMin; yMin -= span * 0.05; yMax += span * 0.05;
  const X = (t: number) => pad.l + (t / tMax) * (w - pad.l - pad.r);
  const Y = (v: number) => pad.t + (1 - (v - yMin) / (yMax - yMin)) * (h - pad.t - pad.b);
  const best = points.filter((p) => p.best !== null);
  // best-so-far is a step function: flat until the next improvement, then straight up (or down)
  const step = best.map((p, i) => (i === 0 ? `M${X(p.t).toFixed(1)},${Y(p.best!).toFixed(1)}` : `H${X(p.t).toFixed(1)} V${Y(p.best!).toFixed(1)}`)).join(' ')
    + (best.length ? ` H${X(tMax).toFixed(1)}` : '');
  const xticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${X(f * tMax).toFixed(1)}" y="${h - pad.b + 14}" text-anchor="middle" font-size="11">${Math.round((f * tMax) / 1000)}</text>`).join('');
  const dots = scored.map((p) => `<circle cx="${X(p.t).toFixed(1)}" cy="${Y(p.score!).toFixed(1)}" r="4" fill="${p.status === 'accepted' ? '#2a7' : '#c44'}"><title>${esc(p.experiment)} ${esc(p.status)} ${p.score}</title></circle>`).join('');
  const colors: Record<string, string> = { gold: '#d4af37', silver: '#999', bronze: '#cd7f32', median: '#68a' };
  const lines = Object.entries(thresholds).filter(([, v]) => v !== null && v >= yMin && v <= yMax).map(([k, v]) =>
    `<line x1="${pad.l}" x2="${w - pad.r}" y1="${Y(v!).toFixed(1)}" y2="${Y(v!).toFixed(1)}" stroke="${colors[k] ?? '#888'}" stroke-dasharray="4 3"/><text x="${w - pad.r - 4}" y="${(Y(v!) - 3).toFixed(1)}" text-anchor="end" font-size="11" fill="${colors[k] ?? '#888'}">${esc(k)}</text>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = yMin + f * (yMax - yMin);
    return `<text x="${pad.l - 6}" y="${Y(v).toFixed(1)}" text-anchor="end" font-size="11" dominant-baseline="middle">${Number(v.toPrecision(4))}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">
<rect x="${pad.l}" y="${pad.t}" width="${w - pad.l - pad.r}" height="${h - pad.t - pad.b}" fill="#fafafa" stroke="#ccc"/>
${lines}<path d="${step}" fill="none" stroke="#2a7" stroke-width="2"/>${dots}${ticks}${xticks}
<text x="${w / 2}" y="${h - 6}" text-anchor="middle" font-size="12">time since start (s)</text>
<text x="14" y="${h / 2}" transform="rotate(-90 14 ${h / 2})" text-anchor="middle" font-size="12">score (${lowerIsBetter ? 'lower' : 'higher'} is better)</text>
</svg>`;
}

export function renderHtmlReport(args: {
  title: string; archive: RunArchive; metrics: RunMetrics; report: Record<string, unknown> | null; config: unknown; lowerIsBetter: boolean;
}): string {
  const { archive, metrics, report } = args;
  const th: Record<string, number | null> = report ? {
    gold: report.gold_threshold as number | null, silver: report.silver_threshold as number | null,
    bronze: report.bronze_threshold as number | null, median: report.median_threshold as number | null,
  } : {};
  const rows = archive.experiments.map((e) => `<tr class="${e.status}"><td>${esc(e.id)}</td><td>${esc(e.trace)}</td><td>${esc(e.stage)}</td><td>${esc(e.hypothesis.kind)}</td><td>${esc(e.hypothesis.title)}</td><td>${esc(e.status)} (${esc(e.level)})</td><td>${e.score ?? ''}</td><td>${e.attempts}</td><td>${esc(e.reasons.join('; ')).slice(0, 400)}</td></tr>`).join('\n');
  const kv = (o: Record<string, unknown>) => Object.entries(o).filter(([k]) => k !== 'trajectory').map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === 'object' ? JSON.stringify(v) : v)}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(args.title)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
tr.accepted td{background:#eefaf2}tr.failed td{background:#fdf0f0}h2{margin-top:28px}pre{background:#f6f6f6;padding:8px;overflow:auto}</style></head><body>
<h1>${esc(args.title)}</h1>
<h2>Score against time</h2>${scorePlotSvg(archive.trajectory, args.lowerIsBetter, th)}
<p>Dots: each experiment's validation score (green accepted, red rejected). Line: best so far. Dashed: the leaderboard's medal and median bars (test-set scale).</p>
<h2>Grading (MLE-bench fields)</h2>${report ? `<table>${kv(report)}</table>` : '<p>not graded (no private answers or no submission)</p>'}
${metrics.llm ? `<h2>LLM use</h2><table><tr><th></th><th>calls</th><th>failed</th><th>prompt tokens</th><th>completion tokens</th><th>waiting (s)</th><th>cost (USD)</th></tr>${
  [['all', metrics.llm.total] as const, ...Object.entries(metrics.llm.byRole).map(([k, v]) => [`role ${k}`, v] as const), ...Object.entries(metrics.llm.byModel).map(([k, v]) => [`model ${k}`, v] as const)]
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v.calls}</td><td>${v.failed}</td><td>${v.promptTokens}</td><td>${v.completionTokens}</td><td>${(v.latencyMs / 1000).toFixed(1)}</td><td>${v.costUsd === null ? 'unknown' : v.costUsd.toFixed(4)}</td></tr>`).join('')
}</table>${metrics.llm.capReached ? `<p>${esc(metrics.llm.capReached)}</p>` : ''}` : ''}
<h2>Metrics</h2><table>${kv(metrics as unknown as Record<string, unknown>)}</table>
<h2>Experiments</h2><table><tr><th>id</th><th>trace</th><th>stage</th><th>kind</th><th>hypothesis</th><th>status</th><th>score</th><th>attempts</th><th>reasons</th></tr>${rows}</table>
<h2>Config</h2><pre>${esc(JSON.stringify(args.config, null, 2))}</pre>
</body></html>`;
}
