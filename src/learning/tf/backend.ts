/**
 * TensorFlow.js backend choice for dflsim.
 *
 * Order of preference (`backend: 'auto'`): tfjs-node when it loads and passes a small
 * gradient smoke test; else the WebAssembly backend completed and sped up by dflsim's
 * own kernels (see `kernels/`); else the pure-JS cpu backend (fit only for tiny tests).
 *
 * The wasm package disables its multi-threaded build under Node (its pthread worker is
 * given as a `blob:` URL, which Node's `worker_threads` cannot load). We load the
 * threaded Emscripten module ourselves with the worker script written to a temporary
 * `.cjs` file and the main script given as a file path, and register it as the 'wasm'
 * backend. The compiled code also caps its pool at half the logical cores Emscripten
 * reports, so we report `2 * threads` cores to it.
 */
import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerDflsimWasmKernels } from './kernels/index.js';
import { nativeAddon, nativeKernels, setNativeThreads } from './kernels/native.js';

/** Backend names accepted by {@link initBackend}. */
export const BACKEND_CHOICES = ['auto', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** The backend actually in use. */
export type BackendName = 'node' | 'wasm' | 'cpu';

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Which backend; default env `DFLSIM_BACKEND` or 'auto'. */
  backend?: BackendChoice;
  /** Compute threads for wasm (1 = single-threaded build); default env `DFLSIM_THREADS` or 1. */
  threads?: number;
}

/** What {@link initBackend} chose; record it next to every result. */
export interface BackendInfo {
  /** Backend in use. */
  backend: BackendName;
  /** Compute threads in use (the wasm thread pool size; 0 when unknown, e.g. tfjs-node). */
  threads: number;
  /**
   * wasm only: the convolution and matrix-product kernels, 'native-fma' (dflsim's addon,
   * the same bits on every code path) or 'wasm' (XNNPACK, other bits).
   */
  kernels?: string;
}

let current: BackendInfo | null = null;
let currentKey = '';
let pending: Promise<BackendInfo> | null = null;
let wasmThreadsLoaded = 0; // thread count the registered wasm factory was built for

const require = createRequire(import.meta.url);

function parseChoice(v: string | undefined, where: string): BackendChoice | undefined {
  if (v === undefined || v === '') return undefined;
  if ((BACKEND_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new Error(`dflsim/learning/tf/backend: ${where}: expected auto, node, wasm or cpu, got "${v}"`);
}

function parseThreads(v: unknown, where: string): number | undefined {
  if (v === undefined || v === '' || v === null) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new Error(`dflsim/learning/tf/backend: ${where}: expected an integer in [1, 64], got "${String(v)}"`);
  }
  return n;
}

/**
 * Choose and initialise the TensorFlow.js backend. Idempotent: a second call with the
 * same resolved options returns the same info without work; a call with other options
 * switches backend (or the wasm thread count).
 * @param opts backend choice and thread count; env `DFLSIM_BACKEND` / `DFLSIM_THREADS`
 *   fill what is not given
 * @returns the backend in use and its thread count
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const choice = opts.backend ?? parseChoice(process.env.DFLSIM_BACKEND, 'DFLSIM_BACKEND') ?? 'auto';
  parseChoice(choice, 'backend');
  const threads = parseThreads(opts.threads, 'threads') ?? parseThreads(process.env.DFLSIM_THREADS, 'DFLSIM_THREADS') ?? 1;
  const key = `${choice}/${threads}`;
  if (pending) await pending.catch(() => undefined);
  if (current && key === currentKey && tf.getBackend() === engineName(current.backend)) return current;
  pending = doInit(choice, threads);
  try {
    current = await pending;
    currentKey = key;
    return current;
  } finally {
    pending = null;
  }
}

function engineName(b: BackendName): string {
  return b === 'node' ? 'tensorflow' : b;
}

async function doInit(choice: BackendChoice, threads: number): Promise<BackendInfo> {
  const errors: string[] = [];
  if (choice === 'auto' || choice === 'node') {
    try {
      if (await tryNode()) return { backend: 'node', threads: 0 };
      errors.push('tfjs-node: failed its gradient smoke test');
    } catch (e) {
      errors.push(`tfjs-node: ${(e as Error).message.split('\n')[0]}`);
    }
    if (choice === 'node') throw new Error(`dflsim/learning/tf/backend: backend "node" unavailable (${errors.join('; ')})`);
  }
  if (choice === 'auto' || choice === 'wasm') {
    try {
      // With the native kernels the heavy kernels thread themselves: the wasm module stays
      // single-threaded (its threaded build only slows the small element-wise kernels).
      const native = nativeAddon() !== null;
      const t = await initWasm(native ? 1 : threads);
      setNativeThreads(native ? threads : 1);
      return { backend: 'wasm', threads: native ? threads : t, kernels: nativeKernels() };
    } catch (e) {
      errors.push(`wasm: ${(e as Error).message}`);
      if (choice === 'wasm') throw new Error(`dflsim/learning/tf/backend: backend "wasm" unavailable (${errors.join('; ')})`);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { backend: 'cpu', threads: 1 };
}

async function tryNode(): Promise<boolean> {
  if (!tf.findBackendFactory('tensorflow')) {
    const spec = '@tensorflow/tfjs-node';
    await import(spec); // registers the 'tensorflow' backend on load
  }
  if (!(await tf.setBackend('tensorflow'))) return false;
  return gradientSmokeTest();
}

/**
 * A tiny convolution + max-pool gradient compared with its closed form, to reject a
 * backend that loads but computes wrong gradients.
 */
export function gradientSmokeTest(): boolean {
  return tf.tidy(() => {
    const x = tf.tensor4d([1, -2, 3, -4, 5, -6, 7, -8, 9], [1, 3, 3, 1]);
    const w = tf.tensor4d([1], [1, 1, 1, 1]);
    const g = tf.grad((wv: tf.Tensor) => tf.conv2d(x, wv as tf.Tensor4D, 1, 'valid').sum())(w);
    const gm = tf.grad((xv: tf.Tensor) => tf.maxPool(xv as tf.Tensor4D, 3, 1, 'valid').sum())(x.neg());
    const gv = g.dataSync()[0]!;
    const gmv = Array.from(gm.dataSync());
    // sum(x) = 5; max of -x is 8 at index 7 ('-(-8)')
    return Math.abs(gv - 5) < 1e-5 && gmv[7] === 1 && gmv.reduce((a, b) => a + b, 0) === 1;
  });
}

function wasmPackageDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/** Load the threaded-SIMD Emscripten module under Node (see the file comment). */
async function loadThreadedModule(threads: number): Promise<unknown> {
  const dir = wasmPackageDir();
  const factoryPath = path.join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const wasmFile = path.join(dir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');
  const factory = require(factoryPath) as (cfg: Record<string, unknown>) => Promise<Record<string, unknown>>;
  const { wasmWorkerContents } = require(path.join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const body = wasmWorkerContents.replace(/\n/g, '\\n');
  const workerFile = path.join(os.tmpdir(), `dflsim-tfjs-wasm-${tfwasm.version_wasm}-${hash(body)}.worker.cjs`);
  if (!fs.existsSync(workerFile)) {
    const tmp = `${workerFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, body);
    fs.renameSync(tmp, workerFile);
  }
  const binary = fs.readFileSync(wasmFile);
  const mod = await factory({
    mainScriptUrlOrBlob: factoryPath,
    locateFile: (p: string, prefix: string) => (p.endsWith('.worker.js') ? workerFile : p.endsWith('.wasm') ? wasmFile : prefix + p),
    instantiateWasm: (info: { env: Record<string, unknown> }, receive: (instance: unknown, module: unknown) => void) => {
      // The compiled pool size is capped at half the reported cores.
      info.env.emscripten_num_logical_cores = () => Math.max(2 * threads, os.cpus().length);
      const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
      void wa.instantiate(binary, info).then((r) => receive(r.instance, r.module));
      return {};
    },
  });
  const cwrap = mod.cwrap as (name: string, ret: string | null, args: string[]) => unknown;
  mod.tfjs = {
    init: cwrap('init', null, []),
    initWithThreadsCount: cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: cwrap('get_threads_count', 'number', []),
    registerTensor: cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: cwrap('dispose_data', null, ['number']),
    dispose: cwrap('dispose', null, []),
  };
  keepPoolFromHoldingProcess(mod.PThread as PThreadPool | undefined);
  return mod;
}

interface PoolWorker {
  ref(): void;
  unref(): void;
}

interface PThreadPool {
  unusedWorkers: PoolWorker[];
  runningWorkers: PoolWorker[];
  getNewWorker(): PoolWorker | undefined;
}

/**
 * Let the process exit with the thread pool alive. Emscripten unrefs a pool worker while it
 * is idle but `ref()`s it when it starts a pthread, and XNNPACK's compute threads never
 * end (they sleep between kernels): so once a kernel had run on two threads, their workers
 * kept Node's event loop alive after the command was done. The main thread blocks in
 * every kernel until the workers finish, so a worker has no reason to hold the event loop:
 * every worker is unref'd and its `ref` made a no-op (a worker created later, beyond the
 * preallocated pool, stays ref'd only while it loads, as Emscripten does).
 */
function keepPoolFromHoldingProcess(pool: PThreadPool | undefined): void {
  if (!pool || !Array.isArray(pool.unusedWorkers) || typeof pool.getNewWorker !== 'function') return;
  const release = (w: PoolWorker): PoolWorker => {
    w.unref();
    w.ref = () => {};
    return w;
  };
  for (const w of [...pool.unusedWorkers, ...pool.runningWorkers]) release(w);
  const getNewWorker = pool.getNewWorker.bind(pool);
  pool.getNewWorker = () => {
    const w = getNewWorker();
    if (w) w.ref = () => {};
    return w;
  };
}

interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: unknown; module: unknown }>;
}

function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
}

let packageWasmFactory: (() => tf.KernelBackend | Promise<tf.KernelBackend>) | null = null;

async function initWasm(threads: number): Promise<number> {
  registerDflsimWasmKernels();
  if (packageWasmFactory === null) {
    const f = tf.findBackendFactory('wasm');
    if (!f) throw new Error('the @tensorflow/tfjs-backend-wasm package did not register "wasm"');
    packageWasmFactory = f;
    tfwasm.setWasmPaths(path.join(wasmPackageDir(), 'dist') + path.sep);
    wasmThreadsLoaded = 1;
  }
  if (wasmThreadsLoaded !== threads) {
    tf.removeBackend('wasm');
    if (threads > 1) {
      const mod = await loadThreadedModule(threads);
      tf.registerBackend(
        'wasm',
        () => {
          tfwasm.setThreadsCount(threads);
          return new tfwasm.BackendWasm(mod as ConstructorParameters<typeof tfwasm.BackendWasm>[0]);
        },
        3,
      );
    } else {
      const f = packageWasmFactory;
      tf.registerBackend(
        'wasm',
        () => {
          tfwasm.setThreadsCount(1);
          return f();
        },
        3,
      );
    }
    wasmThreadsLoaded = threads;
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
  await tf.ready();
  return tfwasm.getThreadsCount();
}
