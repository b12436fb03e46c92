/**
 * Lets queued I/O (route requests, health probes) run between slices of a
 * long synchronous loop, so bulk curation never freezes routing.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Items handled between two yields: about a few milliseconds of index work. */
export const YIELD_EVERY = 128;
