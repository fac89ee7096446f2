// The reload case's second client: POST /plugins/:name/reload every second while the load
// runs, and one checked request right after each reload (served by the new version).
import type { Shape } from './cases.js';
import type { Request } from './load.js';
import { probe, type AnswerLog } from './probe.js';

export interface ReloadCounts {
  ok: number;
  failed: number;
}

export function reloadEverySecond(options: {
  url: string;
  plugin: string;
  adminToken: string;
  check: { request: Request; shape: Shape; answers: AnswerLog };
}) {
  let running = true;
  const counts: ReloadCounts = { ok: 0, failed: 0 };
  const failures: string[] = [];
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000);
      });
      if (!running) break;
      const response = await fetch(`${options.url}/plugins/${options.plugin}/reload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.adminToken}` },
      }).catch((err: unknown) => ({ status: 0, text: async () => String(err) }));
      if (response.status === 200) counts.ok++;
      else {
        counts.failed++;
        failures.push(`${response.status}: ${(await response.text()).slice(0, 200)}`);
      }
      options.check.answers.add(await probe(options.check.request, options.check.shape));
    }
  })();
  return {
    async stop(): Promise<ReloadCounts> {
      running = false;
      wake?.();
      await loop;
      if (failures.length) console.warn(`  reload failures: ${failures.slice(0, 3).join(' | ')}`);
      return counts;
    },
  };
}
