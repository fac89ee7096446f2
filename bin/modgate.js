#!/usr/bin/env node
// Runs the compiled CLI (npm run build creates dist/).
await import('../dist/src/cli/main.js');
