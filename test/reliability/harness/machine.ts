import { cpus } from "node:os";
import { inject } from "vitest";
import { Worker } from "node:worker_threads";

/**
 * How much slower this machine is, now, than the quiet 2-core box the timing
 * criteria were set on. The criteria are wall-clock bounds (a write answered
 * within 2 s, a p99 within 1 s); on a machine that is shared or simply slower
 * they measure the machine, not the service: a fresh-clone CI run whose soak
 * served 98 req/s at p50 873 ms (the quiet box: ~300 req/s) failed bounds the
 * same build meets with room to spare alone. So every bound's slack is scaled
 * by this factor, measured once per run and printed in the summary: 1 on the
 * reference box (the bounds as written), never above MAX_FACTOR (a machine
 * that slow fails honestly).
 *
 * The probe: one worker per core runs the same fixed arithmetic at once; the
 * median wall time of 7 rounds against the reference box's (85 ms, quiet,
 * 2026-12-05). A busy neighbour on one core reads ~1.5, on both ~2.1.
 */
const REFERENCE_MS = 85;
const ROUNDS = 7;
const WORK = 3000;
export const MAX_FACTOR = 5;

const worker = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (n) => {
  let acc = 0;
  const a = new Float64Array(4096);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < a.length; i++) { a[i] = Math.sqrt(a[i] + i * r) % 7; acc += a[i]; }
    acc += JSON.stringify({ r, acc }).length;
  }
  parentPort.postMessage(acc);
});`;

export interface MachineSpeed {
  /** Median wall time of one round here, and on the reference box. */
  roundMs: number;
  referenceMs: number;
  /** roundMs / referenceMs, clamped to [1, MAX_FACTOR]: what bounds' slack is multiplied by. */
  factor: number;
}

export async function measureMachine(): Promise<MachineSpeed> {
  const override = Number(process.env.RELIABILITY_MACHINE_FACTOR);
  const workers = Array.from({ length: Math.max(1, cpus().length) }, () => new Worker(worker, { eval: true }));
  try {
    const round = (n: number) => Promise.all(workers.map((w) => new Promise((resolve) => (w.once("message", resolve), w.postMessage(n)))));
    await round(200);
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      await round(WORK);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const roundMs = times[Math.floor(ROUNDS / 2)]!;
    const measured = Number.isFinite(override) && override > 0 ? override : roundMs / REFERENCE_MS;
    return { roundMs: Math.round(roundMs), referenceMs: REFERENCE_MS, factor: Math.round(Math.min(MAX_FACTOR, Math.max(1, measured)) * 100) / 100 };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    machine: MachineSpeed;
  }
}

/** This run's machine factor (global-setup measured it). */
export function machineFactor(): number {
  return inject("machine").factor;
}

/** A wall-clock bound for this machine: the slack over what the service itself promises, times the machine factor. */
export function onThisMachine(slackMs: number, promisedMs = 0): number {
  return Math.round(promisedMs + slackMs * machineFactor());
}
