// gRPC plugins in TypeScript: serve(definePlugin({...})) (docs/grpc.md).
export { serve, type PluginServer, type ServeOptions } from './serve.js';
export { stderrLogger } from './logger.js';
