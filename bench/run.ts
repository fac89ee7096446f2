// `npm run bench [-- --quick]`: starts the built gateway (all bundled plugins) and a baseline
// server as separate processes on loopback, drives each request shape against both with
// autocannon, and prints throughput, latency, ratios and the gateway's RSS. Writes
// bench/results/latest.json, latest.md and ratios.svg. See docs/benchmarks.md.
//
// Each shape runs in rounds: one short slice per runtime and the baseline, in rotating order,
// so that whatever else the machine does hits every runtime alike and the ratios stay fair.
// Every case's answers are checked value by value before it is measured, after each of its
// slices, and after each reload.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SHAPES, type Shape, type TargetId } from './cases.js';
import { slice, summarize, type LoadResult, type Request, type Slice } from './load.js';
import { findTargets, type Target } from './plugins.js';
import { AnswerLog, probe, requestFor } from './probe.js';
import { descendantsOf, memoryOf, settle, type ServerProcess } from './processes.js';
import { reloadEverySecond, type ReloadCounts } from './reload.js';
import { addRatios, checkTargets, markdown, mb, table, targetLines, type BenchReport, type CaseResult, type GatewayMemory } from './report.js';
import {
  ADMIN_TOKEN,
  FIXTURES,
  GATEWAY_MAIN,
  PLUGINS,
  PeakTracker,
  REPO,
  build,
  pluginStates,
  pluginTimeoutMs,
  startBaseline,
  startGateway,
  startNodeOptions,
} from './servers.js';
import { ratiosSvg } from './svg.js';

const RESULTS = join(REPO, 'bench', 'results');

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    slice: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    only: { type: 'string', multiple: true },
    out: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (flags.help) {
  console.log(`usage: npm run bench -- [options]
  --quick            CI-sized run: 2 rounds of 1 s per case after 0.5 s of warm-up
                     (default, for the README: 5 rounds of 2 s after 2 s)
  --rounds <n>       measured slices per case; the runtimes of a shape take turns
  --slice <s>        seconds per slice
  --warmup <s>       seconds of unmeasured load per case before its first slice
  --connections <n>  concurrent connections (default 16)
  --only <text>      run only cases whose id contains text (repeatable), e.g. --only single/
                     (the baseline of each shape always runs)
  --out <name>       write bench/results/<name>.json, .md and -ratios.svg
                     (default: latest.json, latest.md and ratios.svg; partial.* with --only)
  --no-build         use dist/ as it is (default: tsc and the plugin builds first)
  --profile          start the gateway with --cpu-prof; profiles land in bench/results/profiles`);
  process.exit(0);
}

const mode = flags.quick ? 'quick' : 'full';
const rounds = Number(flags.rounds ?? (flags.quick ? 2 : 5));
const sliceSeconds = Number(flags.slice ?? (flags.quick ? 1 : 2));
const warmupSeconds = Number(flags.warmup ?? (flags.quick ? 0.5 : 2));
const durationSeconds = rounds * sliceSeconds;
/** The reload case runs long enough for several reloads even in quick mode. */
const reloadSeconds = Math.max(durationSeconds, 5);
const connections = Number(flags.connections ?? 16);
const selected = (id: string) => !flags.only || flags.only.some((text) => id.includes(text));
const outName = flags.out ?? (flags.only ? 'partial' : 'latest');
const profileDir = flags.profile ? join(RESULTS, 'profiles') : undefined;

function caseBase(shape: Shape, target: TargetId, targetLabel: string, plugin?: string, shapeId = shape.id, shapeLabel = shape.label) {
  return { id: `${shapeId}/${target}`, shape: shapeId, shapeLabel, target, targetLabel, plugin };
}

type Base = ReturnType<typeof caseBase>;

interface Participant {
  base: Base;
  server: ServerProcess;
  request: Request;
  slices: Slice[];
  answers: AnswerLog;
  probeMs: number;
  /** Requests per slice when slices are counted rather than timed. */
  amount?: number;
  /** Set when an answer between slices was wrong: the case stops and fails. */
  failed?: string;
}

function resultLine(id: string, result: LoadResult, counted: boolean, reloads?: ReloadCounts): string {
  const cpu = result.cpuUsPerRequest === undefined ? '' : `, ${Math.round(result.cpuUsPerRequest)} µs CPU/req`;
  const reloaded = reloads ? `, ${reloads.ok} reloads (${reloads.failed} failed)` : '';
  return `${id.padEnd(28)} ${Math.round(result.rps)}${counted ? '*' : ''} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms${cpu}, ${result.errors} errors${reloaded}`;
}

function okCase(base: Base, result: LoadResult, extra: Partial<CaseResult>): CaseResult {
  const { requests, rps, p50Ms, p99Ms, errors, mbPerSecond, cpuUsPerRequest } = result;
  return { ...base, status: 'ok', requests, rps, p50Ms, p99Ms, errors, mbPerSecond, cpuUsPerRequest, ...extra };
}

async function main(): Promise<void> {
  if (!flags['no-build']) build();
  if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} does not exist: run npm run build (or drop --no-build)`);
  await mkdir(RESULTS, { recursive: true });

  const targets = findTargets(PLUGINS, FIXTURES);
  for (const target of targets.filter((t) => t.missing)) console.log(`not available: ${target.label}: ${target.missing}`);

  const dataDir = await mkdtemp(join(tmpdir(), 'modgate-bench-'));
  const servers: ServerProcess[] = [];
  try {
    const baseline = await startBaseline();
    servers.push(baseline);
    const gateway = await startGateway(dataDir, profileDir);
    servers.push(gateway);
    const states = await pluginStates(gateway);
    const afterLoad = memoryOf(gateway.pid);
    const memory: GatewayMemory = {
      rssAfterLoadBytes: afterLoad?.rss,
      pluginsLoaded: states.filter((p) => p.state === 'ready').map((p) => p.name),
      pluginsFailed: states.filter((p) => p.state !== 'ready').map((p) => ({ name: p.name, failure: p.failure })),
    };
    console.log(`gateway pid ${gateway.pid} at ${gateway.url}: ${memory.pluginsLoaded.length} plugins ready (${memory.pluginsLoaded.join(', ')}), RSS ${mb(afterLoad?.rss)}`);
    for (const failed of memory.pluginsFailed) console.log(`  plugin ${failed.name} did not load: ${failed.failure}`);
    console.log(`${rounds} rounds of ${sliceSeconds} s per case after ${warmupSeconds} s of warm-up, ${connections} connections; load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}\n`);
    const peak = new PeakTracker(gateway.pid);
    const cases: CaseResult[] = [];

    /**
     * Checks the plugin is loaded and answers right, and decides how to measure it. Records a
     * failed or skipped case and returns undefined when it cannot be measured.
     */
    const enlist = async (base: Base, server: ServerProcess, shape: Shape): Promise<Participant | undefined> => {
      const request = requestFor(server.url, shape, base.plugin ?? 'baseline');
      let reason: string | undefined;
      let timeoutMs: number | undefined;
      if (server === gateway) {
        const state = (await pluginStates(gateway)).find((p) => p.name === base.plugin);
        if (state?.state !== 'ready') reason = state ? `plugin ${base.plugin} is ${state.state}: ${state.failure ?? ''}` : `plugin ${base.plugin} is not installed`;
        timeoutMs = await pluginTimeoutMs(gateway, base.plugin!);
      }
      const answers = new AnswerLog();
      let probeMs = 0;
      if (!reason) {
        // The first call may pay for a cold start (a WASM worker, a gRPC connection): time the second.
        answers.add(await probe(request, shape));
        const second = await probe(request, shape);
        answers.add(second);
        probeMs = second.ms;
        if (answers.wrong) reason = `wrong answer: ${answers.wrong}`;
      }
      if (reason) {
        console.log(`${base.id.padEnd(28)} FAILED ${reason}`);
        cases.push({ ...base, status: 'failed', reason, answers: answers.summary() });
        return undefined;
      }
      // With every connection waiting its turn, a request waits about connections x one call.
      const queuedMs = probeMs * connections;
      if (timeoutMs !== undefined && queuedMs > 0.8 * timeoutMs) {
        const why = `one call takes ${Math.round(probeMs)} ms unloaded: ${connections} at once would wait about ${(queuedMs / 1000).toFixed(1)} s, past the plugin's ${timeoutMs / 1000} s time cap`;
        console.log(`${base.id.padEnd(28)} skipped: ${why}`);
        cases.push({ ...base, status: 'skipped', reason: why, probeMs, answers: answers.summary() });
        return undefined;
      }
      const amount = queuedMs > (sliceSeconds * 1000) / 4 ? 2 * connections : undefined;
      return { base, server, request, slices: [], answers, probeMs, amount };
    };

    const measure = (p: Participant, seconds: number, amount = p.amount) =>
      slice(p.request, { connections, seconds, amount, pid: p.server.pid });

    for (const shape of SHAPES) {
      const runtimes = targets.filter((t) => selected(`${shape.id}/${t.id}`) && (t.missing || t.plugins[shape.operation]));
      if (runtimes.length === 0) continue;
      const participants: Participant[] = [];
      const baselineParticipant = await enlist(caseBase(shape, 'baseline', 'baseline', undefined), baseline, shape);
      if (baselineParticipant) participants.push(baselineParticipant);
      for (const target of runtimes) {
        const plugin = target.plugins[shape.operation];
        const base = caseBase(shape, target.id, target.label, plugin);
        if (target.missing || !plugin) {
          cases.push({ ...base, status: 'skipped', reason: target.missing });
          continue;
        }
        const participant = await enlist(base, gateway, shape);
        if (participant) participants.push(participant);
      }
      for (const p of participants) {
        if (warmupSeconds > 0) await measure(p, warmupSeconds, p.amount === undefined ? undefined : connections);
        await settle(p.server.pid);
      }
      for (let round = 0; round < rounds; round++) {
        // Rotate who goes first so no runtime always follows the same neighbour.
        const order = participants.map((_, i) => participants[(i + round) % participants.length]);
        for (const p of order) {
          if (p.failed) continue;
          p.slices.push(await measure(p, sliceSeconds));
          await settle(p.server.pid);
          if (!p.answers.add(await probe(p.request, shape))) p.failed = `wrong answer after slice ${round + 1}: ${p.answers.wrong}`;
        }
      }
      for (const p of participants) {
        if (p.failed) {
          console.log(`${p.base.id.padEnd(28)} FAILED ${p.failed}`);
          cases.push({ ...p.base, status: 'failed', reason: p.failed, answers: p.answers.summary() });
          continue;
        }
        const result = summarize(p.slices);
        console.log(resultLine(p.base.id, result, p.amount !== undefined));
        cases.push(okCase(p.base, result, { answers: p.answers.summary(), probeMs: p.probeMs, counted: p.amount !== undefined || undefined }));
      }
    }

    await reloadCases(gateway, targets, cases);

    peak.stop();
    memory.rssPeakBytes = peak.peak;
    const children = descendantsOf(gateway.pid).map((pid) => memoryOf(pid)?.rss ?? 0);
    memory.pluginProcessesRssBytes = children.length ? children.reduce((a, b) => a + b, 0) : undefined;
    addRatios(cases);

    const report: BenchReport = {
      generatedAt: new Date().toISOString(),
      mode,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        memoryBytes: totalmem(),
        node: process.versions.node,
        platform: `${process.platform} ${process.arch}`,
        loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
      },
      settings: {
        connections,
        rounds,
        sliceSeconds,
        durationSeconds,
        warmupSeconds,
        reloadSeconds,
        gatewayCommand: ['node', ...startNodeOptions(), 'dist/src/cli/main.js serve'].join(' ') + (flags.profile ? ' (--cpu-prof)' : ''),
        ...(flags.only ? { only: flags.only } : {}),
      },
      gateway: memory,
      cases,
      targets: checkTargets(cases, memory),
    };
    console.log(`\n${table(cases)}\n`);
    console.log(
      `gateway RSS: ${mb(memory.rssAfterLoadBytes)} with ${memory.pluginsLoaded.length} plugins loaded, ${mb(memory.rssPeakBytes)} peak` +
        (memory.pluginProcessesRssBytes ? `; plugin processes it started: ${mb(memory.pluginProcessesRssBytes)}` : ''),
    );
    console.log(`load average at the end: ${report.machine.loadAverage.join(' ')}`);
    console.log(`\n${targetLines(report.targets)}\n`);
    const svgName = outName === 'latest' ? 'ratios.svg' : `${outName}-ratios.svg`;
    await writeFile(join(RESULTS, `${outName}.json`), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(RESULTS, `${outName}.md`), markdown(report));
    await writeFile(join(RESULTS, svgName), ratiosSvg(report));
    console.log(`wrote bench/results/${outName}.json, ${outName}.md and ${svgName}`);
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }

  /** Vectorize one text under load while the plugin is reloaded every second: every call must succeed. */
  async function reloadCases(gateway: ServerProcess, targets: Target[], cases: CaseResult[]): Promise<void> {
    const single = SHAPES.find((s) => s.id === 'single')!;
    for (const target of targets.filter((t) => t.id !== 'native-cached' && selected(`reload/${t.id}`))) {
      const plugin = target.plugins.vectorize;
      const base = caseBase(single, target.id, target.label, plugin, 'reload', 'vectorize 1 text + reload every second');
      if (target.missing || !plugin) {
        cases.push({ ...base, status: 'skipped', reason: target.missing });
        continue;
      }
      const request = requestFor(gateway.url, single, plugin);
      const answers = new AnswerLog();
      if (!answers.add(await probe(request, single))) {
        const reason = `wrong answer: ${answers.wrong}`;
        console.log(`${base.id.padEnd(28)} FAILED ${reason}`);
        cases.push({ ...base, status: 'failed', reason, answers: answers.summary() });
        continue;
      }
      // CPU is not accounted: a reloaded gRPC plugin is a new process.
      const reloader = reloadEverySecond({ url: gateway.url, plugin, adminToken: ADMIN_TOKEN, check: { request, shape: single, answers } });
      const measured = await slice(request, { connections, seconds: reloadSeconds });
      const reloads = await reloader.stop();
      await settle(gateway.pid);
      answers.add(await probe(request, single));
      const result = summarize([measured]);
      console.log(resultLine(base.id, result, false, reloads));
      const extra: Partial<CaseResult> = { reloads, answers: answers.summary() };
      if (answers.wrong) {
        cases.push({ ...okCase(base, result, extra), status: 'failed', reason: `wrong answer around a reload: ${answers.wrong}` });
      } else cases.push(okCase(base, result, extra));
    }
  }
}

await main();
