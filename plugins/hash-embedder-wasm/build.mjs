// Compiles assembly/ to build/hash-embedder-wasm.wasm (run by scripts/build-plugins.mjs).
import { buildPlugin } from '../../sdk/assemblyscript/build.mjs';

await buildPlugin({ entry: 'assembly/index.ts', outFile: 'build/hash-embedder-wasm.wasm' });
