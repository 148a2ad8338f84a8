/**
 * The explorer's compute thread: answers {@link ComputeJob}s posted by the server, one at a
 * time, with {@link runJob}'s result.
 */
import { parentPort } from 'node:worker_threads';
import { runJob, type ComputeJob } from './compute.js';

parentPort?.on('message', (m: { id: number; job: ComputeJob }) => {
  parentPort?.postMessage({ id: m.id, result: runJob(m.job) });
});
