import { ref } from './common.js';
import { Type, type Static } from '@sinclair/typebox';
import { PLUGIN_STATES, PLUGIN_TYPES, RUNTIME_KINDS } from '../src/core/types.js';

export const PluginTypeSchema = Type.Unsafe<(typeof PLUGIN_TYPES)[number]>({ type: 'string', enum: [...PLUGIN_TYPES] });
export const PluginStateSchema = Type.Unsafe<(typeof PLUGIN_STATES)[number]>({ type: 'string', enum: [...PLUGIN_STATES] });
export const RuntimeKindSchema = Type.Unsafe<(typeof RUNTIME_KINDS)[number]>({ type: 'string', enum: [...RUNTIME_KINDS] });

export const PluginStatsSchema = Type.Object({
  calls: Type.Integer(),
  errors: Type.Integer(),
  byOutcome: Type.Record(Type.String(), Type.Integer()),
  byOperation: Type.Record(Type.String(), Type.Integer()),
  latencyMs: Type.Object({
    p50: Type.Union([Type.Number(), Type.Null()]),
    p99: Type.Union([Type.Number(), Type.Null()]),
    window: Type.Integer({ description: 'number of recent calls the percentiles cover' }),
  }),
});

export const PluginSummary = Type.Object(
  {
    name: Type.String({ examples: ['hash-embedder'] }),
    version: Type.Union([Type.String(), Type.Null()], { examples: ['1.0.0'] }),
    type: Type.Union([PluginTypeSchema, Type.Null()]),
    runtime: Type.Union([RuntimeKindSchema, Type.Null()]),
    state: PluginStateSchema,
    description: Type.Optional(Type.String()),
    failure: Type.Optional(Type.String({ description: 'why the plugin is failed' })),
  },
  { $id: 'PluginSummary' },
);
export type PluginSummary = Static<typeof PluginSummary>;

export const PluginList = Type.Object({ plugins: Type.Array(ref(PluginSummary)) }, { $id: 'PluginList' });

export const PluginDetail = Type.Object(
  {
    name: Type.String(),
    version: Type.Union([Type.String(), Type.Null()]),
    type: Type.Union([PluginTypeSchema, Type.Null()]),
    runtime: Type.Union([RuntimeKindSchema, Type.Null()]),
    state: PluginStateSchema,
    failure: Type.Optional(Type.String()),
    source: Type.Optional(Type.String({ description: 'directory (bundled folder) or store (uploaded)' })),
    dimensions: Type.Optional(Type.Integer()),
    inFlight: Type.Integer(),
    loadedAt: Type.Optional(Type.String({ format: 'date-time' })),
    limits: Type.Optional(
      Type.Object({ memoryBytes: Type.Integer(), cpuMillis: Type.Integer(), timeoutMs: Type.Integer() }),
    ),
    manifest: Type.Optional(Type.Unknown({ description: 'the plugin.yaml contents; secret config defaults shown as ***' })),
    config: Type.Record(Type.String(), Type.Unknown(), { description: 'resolved config; secret values shown as ***' }),
    stats: PluginStatsSchema,
    runtimeInfo: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'PluginDetail' },
);
export type PluginDetail = Static<typeof PluginDetail>;

export const PluginListQuery = Type.Object({
  type: Type.Optional(PluginTypeSchema),
  state: Type.Optional(PluginStateSchema),
});

export const PluginHealth = Type.Object(
  {
    name: Type.String(),
    state: PluginStateSchema,
    healthy: Type.Boolean(),
    detail: Type.Optional(Type.String()),
  },
  { $id: 'PluginHealth' },
);
