// End to end with the real binary for the native and WebAssembly templates (e2e-flow.ts).
import t from 'tap';
import { endToEnd } from './e2e-flow.js';

t.test('native and wasm plugins: publish, serve, install, update under load, remove', (t) =>
  endToEnd(t, [
    { name: 'e2e-native', runtime: 'native' },
    { name: 'e2e-wasm', runtime: 'wasm', lang: 'as' },
  ]),
);
