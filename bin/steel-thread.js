#!/usr/bin/env node
// The `steel-thread` and `create-steel-thread` commands: `new` is the default, so both generate.
import { main } from '../dist/cli.js';

await main(process.argv.slice(2));
