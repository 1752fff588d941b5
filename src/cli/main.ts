#!/usr/bin/env node
/** @module The `agentvisor` executable. */
import { runCli } from './program.js';

const code = await runCli(process.argv);
process.exitCode = code;
