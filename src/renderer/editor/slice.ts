type Listener = () => void;

/**
 * One piece of the editor's state that components subscribe to on its own (React's useSyncExternalStore reads
 * `subscribe` and `get`): a change to the viewport re-renders what shows the viewport, not the side panel.
 * Values are replaced, never mutated, so a reader can compare them by identity.
 */
export class Slice<T> {
  private value: T;
  private readonly listeners = new Set<Listener>();

  constructor(initial: T) {
    this.value = initial;
  }

  get = (): T => this.value;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set(value: T): void {
    if (Object.is(value, this.value)) return;
    this.value = value;
    for (const l of [...this.listeners]) l();
  }

  /** Merges a partial change into an object value (nothing happens, and nobody hears, when nothing differs). */
  patch(this: Slice<T & object>, change: Partial<T>): void {
    const cur = this.value as Record<string, unknown>;
    if (Object.entries(change).every(([k, v]) => Object.is(cur[k], v))) return;
    this.set({ ...this.value, ...change });
  }
}
