import { inspect } from "node:util";

/**
 * Upstream API keys by the environment variable that holds them. Kept apart
 * from the config (which may be printed or logged): it never serialises
 * (JSON, util.inspect, pino) to anything but a placeholder.
 */
export class Secrets {
  readonly #values: ReadonlyMap<string, string>;

  constructor(values: Iterable<[string, string]> = []) {
    this.#values = new Map(values);
  }

  /** The key held in that variable, if it was set. */
  get(envName: string | undefined): string | undefined {
    return envName === undefined ? undefined : this.#values.get(envName);
  }

  /** Every key, for redaction (logs, error bodies). */
  values(): string[] {
    return [...this.#values.values()];
  }

  get size(): number {
    return this.#values.size;
  }

  toJSON(): string {
    return `[${this.#values.size} secrets]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}
