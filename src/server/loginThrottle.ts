import { ApiError } from '../contract/apiErrors.ts';

/** Failed logins allowed per user name within LOGIN_WINDOW_MS before that name is refused until they age out. */
export const LOGIN_FAILURES_ALLOWED = 5;
export const LOGIN_WINDOW_MS = 60_000;
/** Names remembered at most (the oldest forgotten first): random names cannot grow the map without bound. */
const MAX_NAMES = 10_000;
/** A name is remembered by its first characters (no user name is longer): a megabyte name holds no megabyte here. */
const KEY_LENGTH = 256;
const keyOf = (name: string) => name.slice(0, KEY_LENGTH);

/**
 * Slows password guessing on the team server: after LOGIN_FAILURES_ALLOWED failed logins for one name within
 * LOGIN_WINDOW_MS, further logins of that name — right or wrong — are refused with 429 until the oldest failure is
 * older than the window. A successful login clears the name's failures. In memory, per server process.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Refuses (ApiError too_many_requests) while the name has used up its failed logins. */
  check(name: string): void {
    const recent = this.recent(keyOf(name));
    if (recent.length < LOGIN_FAILURES_ALLOWED) return;
    const wait = Math.max(1, Math.ceil((recent[0] + LOGIN_WINDOW_MS - this.now()) / 1000));
    throw new ApiError(
      'too_many_requests',
      `too many failed logins for this name (${recent.length} in ${LOGIN_WINDOW_MS / 1000} s): try again in ${wait} s`,
    );
  }

  failed(name: string): void {
    const key = keyOf(name);
    const recent = this.recent(key);
    this.failures.delete(key);
    this.failures.set(key, [...recent, this.now()]);
    if (this.failures.size > MAX_NAMES) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(name: string): void {
    this.failures.delete(keyOf(name));
  }

  private recent(key: string): number[] {
    const since = this.now() - LOGIN_WINDOW_MS;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }
}
