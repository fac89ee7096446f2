export * from './native.js';
export type * from '../../../src/core/types.js';
export * from './text.js';
export * from './grpc/index.js';
