/**
 * The last moment of a shutdown: new requests are held at the door while
 * the ones already being served finish, so that once the event loop is idle
 * every client that connected has been accepted and the listener can close
 * without resetting anyone waiting in the kernel's accept queue. Then the
 * held requests go through (and are answered with Connection: close).
 */
export class Cutover {
  private held: Promise<void> | null = null;
  private release: (() => void) | null = null;
  /** Requests past the door and not yet answered. */
  inFlight = 0;

  /** Where every request waits while the door is shut. */
  async pass(): Promise<void> {
    if (this.held) await this.held;
  }

  hold(): void {
    this.held ??= new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.release?.();
    this.held = null;
    this.release = null;
  }

  /** Resolves when nothing is in flight, or after timeoutMs. */
  async idle(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  }
}
