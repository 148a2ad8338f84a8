import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * Build dist/ once so end-to-end tests run the real `dflsim` binary, and give the run one
 * temporary directory: TMPDIR points into it for every test process and every child they
 * start (results directories, redis-server data, worker work directories), and it is
 * removed when the run ends, so a test run leaves nothing behind in the system's tmp.
 */
export default function setup(): () => void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  // the reproduction tests read the papers' networks and reference results from ../shared:
  // without it, one clear message instead of dozens of ENOENT failures
  const shared = path.resolve(root, '..', 'shared');
  if (!existsSync(path.join(shared, 'networks'))) {
    throw new Error(
      `dflsim tests: ${shared}/networks not found. The tests read the papers' networks and reference results from ../shared beside the project: clone dflsim next to the shared/ folder (e.g. parent/dflsim and parent/shared) and run npm test again`,
    );
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dflsim-test-run-'));
  process.env.TMPDIR = tmp;
  if (process.env.DFLSIM_SKIP_BUILD !== '1') {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'inherit',
    });
    // the native kernels (a warning, not a failure, without a C compiler)
    execFileSync(process.execPath, [path.join(root, 'scripts/build-native.mjs')], { cwd: root, stdio: 'inherit' });
  }
  return () => {
    rmSync(tmp, { recursive: true, force: true });
  };
}
