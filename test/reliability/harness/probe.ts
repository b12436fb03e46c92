import { maxOf } from "./figures.js";
import { keepAliveAgent, send, type HttpResult } from "./http.js";
import { sleep } from "./service.js";

/** How blocked the service's event loop was while some work ran. */
export interface LoopWatch<T> {
  result: T;
  /** Slowest /healthz answer meanwhile (probed every 5 ms on a connection of its own). */
  healthzMaxMs: number;
  healthzProbes: number;
  /** Probes not answered 200. */
  healthzFailures: number;
  /** Largest event-loop delay the service itself measured meanwhile (/metrics nodejs_eventloop_lag_max_seconds, 10 ms resolution). */
  loopLagMaxMs: number;
}

/**
 * The service's largest event-loop delay since the previous scrape:
 * prom-client resets its loop-delay histogram on every collection, so a
 * scrape before some work and one after bracket it.
 */
export async function loopLagMaxMs(base: string): Promise<number> {
  const res = await send(base, { method: "GET", path: "/metrics", timeoutMs: 60_000, agent: false });
  const line = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([\d.e+-]+)$/m.exec(res.body.toString("utf8"));
  return line === null ? NaN : Math.round(Number(line[1]) * 1000 * 10) / 10;
}

/** Runs `work` while probing /healthz and brackets it with two loop-delay scrapes. */
export async function watchLoop<T>(base: string, work: () => Promise<T>): Promise<LoopWatch<T>> {
  await loopLagMaxMs(base);
  const agent = keepAliveAgent(1);
  let running = true;
  const probes: HttpResult[] = [];
  const prober = (async () => {
    while (running) {
      probes.push(await send(base, { method: "GET", path: "/healthz", timeoutMs: 120_000, agent }));
      await sleep(5);
    }
  })();
  let result: T;
  try {
    result = await work();
  } finally {
    running = false;
    await prober;
    agent.destroy();
  }
  const loopLag = await loopLagMaxMs(base);
  return {
    result,
    healthzMaxMs: Math.round(maxOf(probes.map((p) => p.ms))),
    healthzProbes: probes.length,
    healthzFailures: probes.filter((p) => p.status !== 200).length,
    loopLagMaxMs: loopLag,
  };
}
