/**
 * End-to-end: real results directories written by the `dflsim` binary, their reports
 * written, and `report.html` opened in headless Chromium: every figure must hold a
 * rendered SVG of non-zero size, with no console errors and no requests beyond the page.
 * Screenshots go to `.dflsim-tmp/test-output/report/` (git-ignored) for a human to look at.
 *
 * Needs Chromium at /usr/bin/chromium (or $DFLSIM_CHROMIUM):
 *   apt-get update && apt-get install -y chromium
 * Without it the file is skipped with a `skipped: ...` notice (repeated above the closing
 * line by test/summary-reporter.ts), except under CI (`CI` set, as in .ci/run, which
 * installs Chromium), where a missing browser fails the file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/write.js';
import { ROOT } from '../helpers.js';

const CHROMIUM = process.env.DFLSIM_CHROMIUM || '/usr/bin/chromium';
/** Under CI a missing browser is a failure, not a skip. */
const IN_CI = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());
const FOUND = existsSync(CHROMIUM);
const SKIP = !FOUND && !IN_CI;
const INSTALL = 'install with `apt-get install -y chromium` or set DFLSIM_CHROMIUM, and run again';
if (SKIP) console.warn(`skipped: report.html in headless Chromium — Chromium not found at ${CHROMIUM}; ${INSTALL}`);
const OUTPUT = path.join(ROOT, '.dflsim-tmp', 'test-output', 'report');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function dflsim(...args: string[]): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/dflsim.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`dflsim ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
}

/** What the browser saw of one report. */
interface PageCheck {
  figures: { id: string; svgs: number; width: number; height: number; caption: string }[];
  consoleErrors: string[];
  badRequests: string[];
  screenshot: string;
}

describe.skipIf(SKIP)('report.html in headless Chromium', () => {
  let work: string;
  let context: BrowserContext | undefined;
  let userDataDir: string;

  beforeAll(async () => {
    if (!FOUND) throw new Error(`Chromium not found at ${CHROMIUM} (CI=${process.env.CI}: a missing browser fails under CI); ${INSTALL}`);
    work = mkdtempSync(path.join(tmpdir(), 'dflsim-report-e2e-'));
    userDataDir = mkdtempSync(path.join(tmpdir(), 'dflsim-chromium-profile-'));
    mkdirSync(OUTPUT, { recursive: true });
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  async function openReport(htmlPath: string, name: string): Promise<PageCheck> {
    const page = await context!.newPage();
    const consoleErrors: string[] = [];
    const badRequests: string[] = [];
    const self = pathToFileURL(path.resolve(htmlPath)).href;
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('requestfailed', (r) => badRequests.push(`failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('request', (r) => {
      if (r.url() !== self) badRequests.push(`unexpected request: ${r.url()}`);
    });
    const res = await page.goto(self, { waitUntil: 'load' });
    expect(res?.ok() ?? true).toBe(true);
    const figures = await page.$$eval('figure', (els) =>
      els.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.id,
          svgs: f.querySelectorAll('svg').length,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          caption: f.querySelector('figcaption')?.textContent ?? '',
        };
      }),
    );
    const screenshot = path.join(OUTPUT, `${name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.close();
    return { figures, consoleErrors, badRequests, screenshot };
  }

  function expectRendered(check: PageCheck): void {
    expect(check.consoleErrors).toEqual([]);
    expect(check.badRequests).toEqual([]);
    for (const f of check.figures) {
      expect(f.svgs, `figure ${f.id} has an <svg>`).toBe(1);
      expect(f.width, `figure ${f.id} width`).toBeGreaterThan(50);
      expect(f.height, `figure ${f.id} height`).toBeGreaterThan(50);
      expect(f.caption, `figure ${f.id} caption`).toMatch(/^Figure \d+\. \S/);
    }
    expect(readFileSync(check.screenshot).subarray(1, 4).toString()).toBe('PNG');
  }

  it('a training sweep over topologies on gaia-cities', async () => {
    const cfg = path.join(work, 'train.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        kind: 'train',
        name: 'report-e2e-train',
        network: 'gaia-cities',
        model: { name: 'linear', inputSize: 16 },
        dataset: { kind: 'synthetic-driving', sequences: 22, framesPerSequence: 6 },
        rounds: 12,
        batchSize: 8,
        lr: 0.001,
        evalEvery: 3,
        checkpointEvery: 100,
        seed: 5,
        sweep: { topology: ['ring', 'multigraph-ring', 'star'] },
      }),
    );
    const out = path.join(work, 'train');
    dflsim('run', cfg, '--out', out);
    const { markdownPath, htmlPath } = await writeReport(out);
    const md = readFileSync(markdownPath, 'utf8');
    expect(md).toContain('## Training');
    expect(md).toMatch(/\| multigraph-ring \| 12 \|/);
    const check = await openReport(htmlPath, 'train-sweep');
    expectRendered(check);
    const ids = check.figures.map((f) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'training-test-rmse',
        'training-test-loss',
        'cycle-times',
        'topology-gaia-cities-ring',
        'states-gaia-cities-multigraph-ring',
      ]),
    );
  });

  it('a cycle-time sweep over t on gaia-cities', async () => {
    const cfg = path.join(work, 'ct.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        kind: 'cycle-times',
        name: 'report-e2e-cycle-times',
        networks: ['gaia-cities'],
        workload: 'femnist',
        topologies: ['star', 'mst', 'ring', 'multigraph-ring'],
        sweep: { tMax: [1, 3, 5] },
      }),
    );
    const out = path.join(work, 'ct');
    dflsim('run', cfg, '--out', out);
    const { htmlPath } = await writeReport(out);
    const check = await openReport(htmlPath, 'cycle-time-sweep');
    expectRendered(check);
    expect(check.figures.find((f) => f.id === 'cycle-times')?.caption).toMatch(/against tMax/);
    expect(check.figures.filter((f) => f.id.startsWith('topology-gaia-cities-'))).toHaveLength(5);
  });
});
