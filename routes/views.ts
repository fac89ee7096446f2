// How plugins are shown over HTTP: summaries for lists, details for one plugin. Secret config
// values are replaced by *** here, before anything leaves the gateway.
import { redactConfig, redactManifest } from '../src/core/plugin-config.js';
import type { PluginHandle } from '../src/core/lifecycle.js';
import type { BrokenPlugin } from '../src/core/registry.js';
import type { StatsSnapshot } from '../src/core/stats.js';
import type { PluginDetail, PluginSummary } from '../schemas/plugins.js';

export function summarize(handle: PluginHandle): PluginSummary {
  const summary: PluginSummary = {
    name: handle.name,
    version: handle.version,
    type: handle.type,
    runtime: handle.manifest.spec.runtime,
    state: handle.state,
  };
  if (handle.manifest.metadata.description) summary.description = handle.manifest.metadata.description;
  if (handle.failureReason) summary.failure = handle.failureReason;
  return summary;
}

export function summarizeBroken(broken: BrokenPlugin): PluginSummary {
  return { name: broken.name, version: null, type: null, runtime: null, state: 'failed', failure: broken.reason };
}

export function describe(handle: PluginHandle, stats: StatsSnapshot): PluginDetail {
  const api = handle.loaded?.api as { dimensions?: unknown } | undefined;
  const detail: PluginDetail = {
    ...summarize(handle),
    source: handle.source,
    inFlight: handle.inFlight,
    loadedAt: handle.createdAt.toISOString(),
    limits: { ...handle.limits },
    manifest: redactManifest(handle.manifest),
    config: redactConfig(handle.manifest, handle.config),
    stats: { ...stats, byOutcome: stats.byOutcome as Record<string, number> },
  };
  if (handle.type === 'vectorizer' && typeof api?.dimensions === 'number') detail.dimensions = api.dimensions;
  const runtimeInfo = handle.loaded?.describe?.();
  if (runtimeInfo) detail.runtimeInfo = runtimeInfo;
  return detail;
}

export function describeBroken(broken: BrokenPlugin, stats: StatsSnapshot): PluginDetail {
  return { ...summarizeBroken(broken), inFlight: 0, config: {}, stats: { ...stats, byOutcome: stats.byOutcome as Record<string, number> } };
}
