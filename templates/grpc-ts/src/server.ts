// The plugin process: serves src/plugin.ts over gRPC. Started by the gateway (launch contract:
// handshake line on stdout, exits when stdin closes), or standalone as a remote plugin with
// MODGATE_PLUGIN_LISTEN=127.0.0.1:50051 (then use spec.endpoint instead of spec.binary).
import { serve } from '@modgate/sdk';
import plugin from './plugin.js';

await serve(plugin, { name: '{{name}}', maxBatchSize: 128, maxInputLength: 100_000 });
