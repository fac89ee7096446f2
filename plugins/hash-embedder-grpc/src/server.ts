// hash-embedder served over gRPC: the native hash-embedder's own implementation (same
// create(), same vectors bit for bit) run as a separate process through the TypeScript SDK.
import hashEmbedder from '../../hash-embedder/src/index.js';
import { serve } from '../../../sdk/typescript/src/index.js';

await serve(hashEmbedder, {
  name: 'hash-embedder-grpc',
  version: '1.0.0',
  model: 'hash-embedder',
  maxBatchSize: 256,
  maxInputLength: 100_000,
});
