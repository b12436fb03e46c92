import type { Logger } from "pino";
import { settlesWithin } from "../base/util/timeout.js";
import type { Readiness } from "../http/readiness.js";
import { Cutover } from "./cutover.js";

/** One part of the service with something to do at start or at stop. */
export interface Component {
  name: string;
  start?(): Promise<void> | void;
  /** Flush, save, close. Bounded by the lifecycle: a part that hangs cannot hold shutdown. */
  stop?(): Promise<void> | void;
}

export interface LifecycleOptions {
  logger: Pick<Logger, "warn" | "error">;
  /** Longest wait for each component's stop. */
  stopWaitMs: number;
  /** What /readyz answers, given whether the service is draining. */
  readiness: (draining: boolean) => Promise<Readiness>;
}

/**
 * The service's components in start order, built by the composition root
 * (app/components.ts). Start runs them in order, once; stop runs every one
 * in reverse order, each bounded, and goes on past a failure, so what
 * started last is flushed first and the database and the model close last.
 */
export class Lifecycle {
  /** Set at shutdown: readiness turns 503 so load balancers move traffic away while requests drain. */
  draining = false;
  /** Holds new requests for the instant the listener closes (app/http-server.ts). */
  readonly cutover = new Cutover();
  private starting: Promise<void> | undefined;

  constructor(
    readonly components: readonly Component[],
    private readonly options: LifecycleOptions,
  ) {}

  /** Idempotent. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      for (const component of this.components) await component.start?.();
    })();
    return this.starting;
  }

  readiness(): Promise<Readiness> {
    return this.options.readiness(this.draining);
  }

  /** Safe before, during or after start: a component's stop does nothing for what it never started. */
  async stop(): Promise<void> {
    for (const component of [...this.components].reverse()) {
      if (!component.stop) continue;
      const stopping = Promise.resolve().then(() => component.stop!());
      stopping.catch((err: unknown) => this.options.logger.error({ err, component: component.name }, "a component failed to stop"));
      if (!(await settlesWithin(stopping, this.options.stopWaitMs))) {
        this.options.logger.warn({ component: component.name, waitedMs: this.options.stopWaitMs }, "a component did not stop in time");
      }
    }
  }
}
