// A small hand-written SVG bar chart of throughput relative to the baseline (no dependencies):
// one group of bars per request shape, one bar per runtime, a dashed line at 1.0.
import type { BenchReport, CaseResult } from './report.js';

const COLORS: Record<string, string> = {
  native: '#2b6cb0',
  wasm: '#805ad5',
  'grpc-ts': '#2f855a',
  'grpc-py': '#c05621',
};

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function ratiosSvg(report: BenchReport): string {
  const measured = report.cases.filter((c) => c.status === 'ok' && c.target !== 'baseline' && c.vsBaseline !== undefined);
  const groups = new Map<string, CaseResult[]>();
  for (const c of measured) groups.set(c.shapeLabel, [...(groups.get(c.shapeLabel) ?? []), c]);

  const width = 760;
  const labelWidth = 250;
  const chartWidth = width - labelWidth - 70;
  const bar = 14;
  const gap = 4;
  const groupGap = 14;
  const top = 56;
  const max = Math.max(1.2, ...measured.map((c) => c.vsBaseline!));
  const x = (ratio: number) => labelWidth + (ratio / max) * chartWidth;

  const parts: string[] = [];
  let y = top;
  for (const [label, cases] of groups) {
    parts.push(`<text x="8" y="${y + 11}" class="group">${escape(label)}</text>`);
    for (const c of cases) {
      const w = Math.max(1, x(c.vsBaseline!) - labelWidth);
      const color = COLORS[c.target] ?? '#718096';
      parts.push(
        `<text x="${labelWidth - 6}" y="${y + 11}" class="runtime">${escape(c.targetLabel)}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${color}"><title>${escape(`${c.id}: ${Math.round(c.rps ?? 0)} req/s, p99 ${c.p99Ms?.toFixed(2)} ms`)}</title></rect>`,
        `<text x="${(labelWidth + w + 4).toFixed(1)}" y="${y + 11}" class="value">${c.vsBaseline!.toFixed(2)}</text>`,
      );
      y += bar + gap;
    }
    y += groupGap;
  }
  const height = y + 30;
  const one = x(1).toFixed(1);
  const { machine, settings } = report;
  const subtitle = `${report.mode} run, ${settings.connections} connections, ${settings.durationSeconds} s per case, ${machine.cpus} CPU ${machine.cpuModel}, Node ${machine.node}`;

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>
  .title { font-size: 15px; font-weight: 600; fill: #1a202c; }
  .subtitle { font-size: 11px; fill: #4a5568; }
  .group { font-size: 12px; font-weight: 600; fill: #2d3748; }
  .runtime { font-size: 11px; fill: #4a5568; text-anchor: end; }
  .value { font-size: 11px; fill: #1a202c; }
  .axis { font-size: 10px; fill: #4a5568; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="8" y="20" class="title">modgate throughput relative to a bare Fastify route (HTTP + JSON only = 1.0)</text>
<text x="8" y="38" class="subtitle">${escape(subtitle)}</text>
${parts.join('\n')}
<line x1="${one}" y1="${top - 8}" x2="${one}" y2="${y - groupGap + 4}" stroke="#1a202c" stroke-dasharray="4 3"/>
<text x="${one}" y="${y + 8}" class="axis" text-anchor="middle">1.0 = baseline</text>
<line x1="${labelWidth}" y1="${top - 8}" x2="${labelWidth}" y2="${y - groupGap + 4}" stroke="#a0aec0"/>
</svg>
`;
}
