#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm install` via "prepare").
import { main } from '../dist/src/cli/main.js';

// Every command is done when main() settles. Exit then, once stdout and stderr are
// flushed, so that nothing left behind (e.g. a compute thread's worker) can keep the
// process alive; the thread pools themselves do not hold it (see learning/tf/backend.ts).
function exitWhenFlushed(code) {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (err) => {
    console.error(err?.stack ?? String(err));
    exitWhenFlushed(1);
  },
);
