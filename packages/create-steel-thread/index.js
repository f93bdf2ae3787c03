#!/usr/bin/env node
// `npm create steel-thread@latest my-project` runs this: steel-thread's `new`, its default command.
import { main } from 'steel-thread';

await main(process.argv.slice(2));
