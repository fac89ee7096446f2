#!/usr/bin/env node
// The `modgate` command line.
import { processIO } from './cli-io.js';
import { runCli } from './program.js';
import { registerServeCommand } from './serve-command.js';

const code = await runCli(process.argv.slice(2), processIO(), registerServeCommand);
if (code !== 0) process.exitCode = code;
