#!/usr/bin/env node
// The `modgate` command line.
import { Command } from 'commander';
import { registerServeCommand } from './serve-command.js';
import { GATEWAY_VERSION } from '../version.js';

const program = new Command('modgate').description('modgate: plugin gateway for vector databases').version(GATEWAY_VERSION);
registerServeCommand(program);

await program.parseAsync(process.argv);
