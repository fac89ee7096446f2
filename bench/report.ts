// The benchmark's results: one table on stdout, the same data as JSON, and the target checks.
import type { TargetId } from './cases.js';

export interface CaseResult {
  /** shape/target, e.g. "single/native" or "reload/wasm". */
  id: string;
  shape: string;
  shapeLabel: string;
  target: TargetId;
  targetLabel: string;
  plugin?: string;
  status: 'ok' | 'skipped' | 'failed';
  /** Why the case was skipped or failed. */
  reason?: string;
  requests?: number;
  rps?: number;
  p50Ms?: number;
  p99Ms?: number;
  errors?: number;
  mbPerSecond?: number;
  /** CPU time of the server process (and any plugin processes it started) per request. */
  cpuUsPerRequest?: number;
  /** Baseline CPU per request / this case's: the throughput ratio a CPU-bound server would see. */
  cpuVsBaseline?: number;
  /** Throughput relative to the baseline server on the same shape. */
  vsBaseline?: number;
  /** Throughput relative to the native runtime on the same shape (WASM and gRPC cases). */
  vsNative?: number;
  /** Reload cases: reloads done while the load ran. */
  reloads?: { ok: number; failed: number };
  /** Answers checked value by value outside the load (before, between slices, after reloads). */
  answers?: { checked: number; maxDiff?: number };
  /** Slices of a fixed number of requests instead of a fixed time (runtimes too slow for timed slices). */
  counted?: boolean;
  /** Unloaded time of one call, ms (the first checked request). */
  probeMs?: number;
}

export interface TargetCheck {
  name: string;
  want: string;
  value?: number;
  /** undefined = not measured (the runtime is not available). */
  pass?: boolean;
  display: string;
}

export interface GatewayMemory {
  /** RSS once every bundled plugin was loaded, before any traffic. */
  rssAfterLoadBytes?: number;
  /** Highest RSS during the whole run. */
  rssPeakBytes?: number;
  /** RSS of the processes the gateway started (gRPC plugins), summed, at the end. */
  pluginProcessesRssBytes?: number;
  pluginsLoaded: string[];
  pluginsFailed: Array<{ name: string; failure?: string }>;
}

export interface BenchReport {
  generatedAt: string;
  mode: 'quick' | 'full';
  machine: { cpus: number; cpuModel: string; memoryBytes: number; node: string; platform: string; loadAverage: number[] };
  settings: {
    connections: number;
    rounds: number;
    sliceSeconds: number;
    durationSeconds: number;
    warmupSeconds: number;
    reloadSeconds: number;
    gatewayCommand: string;
    /** --only filters of a partial run. */
    only?: string[];
  };
  gateway: GatewayMemory;
  cases: CaseResult[];
  targets: TargetCheck[];
}

const MB = 1024 * 1024;

export function mb(bytes: number | undefined): string {
  return bytes === undefined || Number.isNaN(bytes) ? 'n/a' : `${(bytes / MB).toFixed(1)} MB`;
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? '' : value.toFixed(digits);
}

function ms(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '';
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

export function table(cases: CaseResult[]): string {
  const header = ['case', 'runtime', 'plugin', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline', 'vs native', 'CPU µs/req', 'CPU vs baseline', 'errors'];
  const shown = cases.filter((c) => c.status !== 'skipped');
  const rows = shown.map((c) => {
    if (c.status !== 'ok') return [c.shapeLabel, c.targetLabel, c.plugin ?? '', 'FAILED', '', '', '', '', '', '', ''];
    const reloads = c.reloads ? ` (${c.reloads.ok} reloads${c.reloads.failed ? `, ${c.reloads.failed} failed` : ''})` : '';
    return [
      c.shapeLabel,
      c.targetLabel,
      c.plugin ?? '',
      `${Math.round(c.rps ?? 0)}${c.counted ? '*' : ''}`,
      ms(c.p50Ms),
      ms(c.p99Ms),
      c.target === 'baseline' ? '1.00' : fixed(c.vsBaseline, 2),
      fixed(c.vsNative, 2),
      c.cpuUsPerRequest === undefined ? '' : Math.round(c.cpuUsPerRequest).toString(),
      c.target === 'baseline' ? (c.cpuUsPerRequest === undefined ? '' : '1.00') : fixed(c.cpuVsBaseline, 2),
      `${c.errors ?? 0}${reloads}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([3, 4, 5, 6, 7, 8, 9]);
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const notes = [
    ...(shown.some((c) => c.counted) ? ['* slices of a fixed number of requests (2 per connection): one call takes too long for timed slices'] : []),
    ...cases.filter((c) => c.status === 'skipped').map((c) => `skipped ${c.id}: ${c.reason}`),
    ...shown.filter((c) => c.status === 'failed').map((c) => `FAILED ${c.id}: ${c.reason}`),
  ];
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

export function targetLines(targets: TargetCheck[]): string {
  return targets
    .map((t) => `${t.pass === undefined ? 'n/a ' : t.pass ? 'PASS' : 'MISS'}  ${t.name}: ${t.display} (target ${t.want})`)
    .join('\n');
}

export function checkTargets(cases: CaseResult[], gateway: GatewayMemory): TargetCheck[] {
  const find = (id: string) => cases.find((c) => c.id === id && c.status === 'ok');
  const ratio = (name: string, id: string, field: 'vsBaseline' | 'vsNative', min: number): TargetCheck => {
    const value = find(id)?.[field];
    const against = field === 'vsBaseline' ? 'baseline' : 'native';
    return {
      name,
      want: `>= ${min.toFixed(2)} of ${against}`,
      value,
      pass: value === undefined ? undefined : value >= min,
      display: value === undefined ? 'not measured' : `${value.toFixed(2)} of ${against} throughput`,
    };
  };
  const checks = [
    ratio('gateway alone (native, cached answers), 1 text', 'single/native-cached', 'vsBaseline', 0.85),
    ratio('native vectorize, 1 text', 'single/native', 'vsBaseline', 0.85),
    ratio('native vectorize, 100 texts', 'batch100/native', 'vsBaseline', 0.85),
    ratio('WASM vectorize, 1 text', 'single/wasm', 'vsNative', 0.6),
    ratio('WASM vectorize, 100 texts', 'batch100/wasm', 'vsNative', 0.85),
    ratio('gRPC (TypeScript) vectorize, 1 text, unix socket', 'single/grpc-ts', 'vsBaseline', 0.4),
    ratio('gRPC (Python) vectorize, 1 text, unix socket', 'single/grpc-py', 'vsBaseline', 0.4),
  ];
  for (const c of cases.filter((c) => c.shape === 'reload' && c.status !== 'skipped')) {
    const errors = c.status === 'ok' ? (c.errors ?? 0) + (c.reloads?.failed ?? 0) : undefined;
    checks.push({
      name: `reload every second under load (${c.targetLabel})`,
      want: '0 errors',
      value: errors,
      pass: errors === undefined ? false : errors === 0,
      display:
        c.status === 'ok'
          ? `${c.errors} failed calls of ${c.requests}, ${c.reloads?.ok} reloads (${c.reloads?.failed} failed)`
          : `case failed: ${c.reason}`,
    });
  }
  const rss = gateway.rssAfterLoadBytes;
  checks.push({
    name: `gateway RSS with all bundled plugins loaded (${gateway.pluginsLoaded.length})`,
    want: '< 150 MB',
    value: rss,
    pass: rss === undefined ? undefined : rss < 150 * MB,
    display: `${mb(rss)} after load, ${mb(gateway.rssPeakBytes)} peak under load`,
  });
  return checks;
}

/** Fills vsBaseline, vsNative and cpuVsBaseline from the same shape's baseline and native cases. */
export function addRatios(cases: CaseResult[]): void {
  const find = (shape: string, target: TargetId) => cases.find((c) => c.shape === shape && c.target === target && c.status === 'ok');
  for (const c of cases) {
    if (c.status !== 'ok' || c.target === 'baseline') continue;
    // The reload case sends the single-text request: its references are the single-text ones.
    const shape = c.shape === 'reload' ? 'single' : c.shape;
    const baseline = find(shape, 'baseline');
    if (baseline?.rps) c.vsBaseline = c.rps! / baseline.rps;
    const native = find(c.shape, 'native');
    if (native?.rps && c.target !== 'native' && c.target !== 'native-cached') c.vsNative = c.rps! / native.rps;
    if (c.shape !== 'reload' && baseline?.cpuUsPerRequest && c.cpuUsPerRequest) c.cpuVsBaseline = baseline.cpuUsPerRequest / c.cpuUsPerRequest;
  }
}

const COLUMNS: Array<{ target: TargetId; label: string }> = [
  { target: 'native-cached', label: 'gateway alone' },
  { target: 'native', label: 'native' },
  { target: 'wasm', label: 'WASM' },
  { target: 'grpc-ts', label: 'gRPC TS' },
  { target: 'grpc-py', label: 'gRPC Python' },
];

/** The results as Markdown: one row per request shape, each runtime's throughput ratios. */
export function markdown(report: BenchReport): string {
  const shapes = [...new Set(report.cases.map((c) => c.shape))];
  const cell = (shape: string, target: TargetId): string => {
    const c = report.cases.find((x) => x.shape === shape && x.target === target);
    if (!c) return '';
    if (c.status === 'skipped') return c.reason?.includes('time cap') ? 'too slow' : '';
    if (c.status === 'failed') return 'FAILED';
    const ratio = fixed(c.vsBaseline, 2);
    const native = c.vsNative === undefined ? '' : ` (${fixed(c.vsNative, 2)}×N)`;
    return `${ratio}${native}${c.counted ? '*' : ''}`;
  };
  const rows = shapes.map((shape) => {
    const label = report.cases.find((c) => c.shape === shape)?.shapeLabel ?? shape;
    const baseline = report.cases.find((c) => c.shape === shape && c.target === 'baseline' && c.status === 'ok');
    const errors = report.cases.filter((c) => c.shape === shape).reduce((n, c) => n + (c.errors ?? 0) + (c.reloads?.failed ?? 0), 0);
    return `| ${label} | ${baseline?.rps === undefined ? '' : Math.round(baseline.rps)} | ${COLUMNS.map((col) => cell(shape, col.target)).join(' | ')} | ${errors} |`;
  });
  const { machine, settings } = report;
  return [
    `Throughput relative to the baseline (a bare Fastify route answering precomputed vectors: HTTP + JSON only = 1.00); ` +
      `in brackets, relative to the native runtime (×N). ${report.mode} run of ${report.generatedAt.slice(0, 10)}: ` +
      `${settings.connections} connections, ${settings.rounds} rounds of ${settings.sliceSeconds} s per case; ` +
      `${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load average ${machine.loadAverage.join(' ')}.`,
    '',
    `| case | baseline req/s | ${COLUMNS.map((c) => c.label).join(' | ')} | errors |`,
    `|---|--:|${COLUMNS.map(() => '--:').join('|')}|--:|`,
    ...rows,
    '',
    `Gateway RSS with all ${report.gateway.pluginsLoaded.length} bundled plugins loaded: ${mb(report.gateway.rssAfterLoadBytes)} ` +
      `(peak under load ${mb(report.gateway.rssPeakBytes)}; gRPC plugin processes ${mb(report.gateway.pluginProcessesRssBytes)}).`,
    ...(report.cases.some((c) => c.counted) ? ['', '\\* measured in slices of a fixed number of requests: one call takes too long for timed slices.'] : []),
    '',
  ].join('\n');
}
