// A value computed at most once per key and period: callers that ask while it is being computed,
// or within `ttlMs` of the start of the computation, share the same promise.
export class SingleFlight<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V>; pending: boolean }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, compute: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && (entry.pending || this.now() - entry.at < this.ttlMs)) return entry.value;
    const value = compute();
    const fresh = { at: this.now(), value, pending: true };
    this.entries.set(key, fresh);
    // A failure is shared with whoever is waiting, but not remembered.
    value.then(
      () => (fresh.pending = false),
      () => {
        fresh.pending = false;
        if (this.entries.get(key) === fresh) this.entries.delete(key);
      },
    );
    return value;
  }

  invalidate(key: string): void {
    this.entries.delete(key);
  }
}
