/**
 * Prints one plain closing line, `N passed, N failed` (and `, N skipped`), after vitest's
 * own summary, so that any CI can read the outcome.
 *
 * `failed` counts every failure vitest knows of, not only failed tests:
 * - each failed test;
 * - each test file that failed outside its tests (it did not load, or a `beforeAll` /
 *   `afterAll` hook of the file or of one of its suites threw), once per file, even when
 *   the file has tests (whose state is then `skipped`, not `failed`);
 * - each unhandled error of the run (`onTestRunEnd`'s second argument).
 * Each such non-test failure is named on a line above the closing line.
 *
 * Lines that tests print starting with `skipped:` (e.g. the browser test without
 * Chromium) are repeated above the closing line, so that a skip is seen at the end.
 */
import type { UserConsoleLog } from 'vitest';
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

/** The counts of a run, and what failed outside of tests. */
export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** One line per failure that is not a failed test. */
  otherFailures: string[];
}

function firstLine(e: { message?: string; name?: string } | undefined): string {
  const m = e?.message ?? e?.name ?? 'unknown error';
  return m.split('\n')[0]!;
}

/** Count a run's outcome (see the module comment). */
export function countRun(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
  reason?: TestRunEndReason,
): RunCounts {
  let passed = 0,
    failed = 0,
    skipped = 0;
  const otherFailures: string[] = [];
  for (const m of testModules) {
    let failedTests = 0;
    for (const t of m.children.allTests()) {
      const s = t.result().state;
      if (s === 'passed') passed++;
      else if (s === 'failed') failedTests++;
      else skipped++;
    }
    failed += failedTests;
    // errors outside the tests: collection (the module's own errors) and hooks (module or suite)
    const own = [...m.errors(), ...[...m.children.allSuites()].flatMap((s) => s.errors())];
    if (own.length > 0 || (m.state() === 'failed' && failedTests === 0)) {
      failed++;
      otherFailures.push(`failed: ${m.relativeModuleId}: ${own.length ? firstLine(own[0]) : 'the file failed'}`);
    }
  }
  for (const e of unhandledErrors) {
    failed++;
    otherFailures.push(`failed: unhandled error: ${firstLine(e)}`);
  }
  // vitest judged the run failed for a reason not counted above (never 0 failed then)
  if (reason === 'failed' && failed === 0) {
    failed++;
    otherFailures.push('failed: the run (vitest reported a failure outside the test files)');
  }
  return { passed, failed, skipped, otherFailures };
}

/** The closing line. */
export function closingLine(c: RunCounts, reason?: TestRunEndReason): string {
  return `${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}${reason === 'interrupted' ? ' (interrupted)' : ''}`;
}

export default class SummaryReporter implements Reporter {
  private notices: string[] = [];

  onUserConsoleLog(log: UserConsoleLog): void {
    for (const line of log.content.split('\n')) if (line.startsWith('skipped:') && !this.notices.includes(line)) this.notices.push(line);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const c = countRun(testModules, unhandledErrors, reason);
    const above = [...this.notices, ...c.otherFailures];
    process.stdout.write(`\n${above.map((l) => l + '\n').join('')}${closingLine(c, reason)}\n`);
  }
}
