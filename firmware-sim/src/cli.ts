#!/usr/bin/env node
/** The `rfid-sim` executable: `rfid-sim --help`. Ctrl-C stops a run cleanly (taps in flight finish). */
import { main } from './cli-main.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

main(process.argv.slice(2), undefined, controller.signal).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('rfid-sim: unexpected error', err);
    process.exitCode = 1;
  },
);
