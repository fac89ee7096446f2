// Compiles assembly/ to build/bm25-reranker-wasm.wasm (run by scripts/build-plugins.mjs).
import { buildPlugin } from '../../sdk/assemblyscript/build.mjs';

await buildPlugin({ entry: 'assembly/index.ts', outFile: 'build/bm25-reranker-wasm.wasm' });
