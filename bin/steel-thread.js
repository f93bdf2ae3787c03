#!/usr/bin/env node
// The `steel-thread` command (`new` is its default, so `npx steel-thread my-project` generates).
import { main } from '../dist/cli.js';

await main(process.argv.slice(2));
