import { describe, expect, it } from 'vitest';
import { LOGIN_FAILURES_ALLOWED, LOGIN_WINDOW_MS, LoginThrottle } from './loginThrottle.ts';

describe('LoginThrottle', () => {
  it('refuses a name after its failed logins, until the oldest ages out of the window; a success clears it', () => {
    let now = 1_000_000;
    const t = new LoginThrottle(() => now);
    for (let i = 0; i < LOGIN_FAILURES_ALLOWED; i++) {
      t.check('ann');
      t.failed('ann');
      now += 1000;
    }
    expect(() => t.check('ann')).toThrow(/^too many failed logins for this name \(5 in 60 s\): try again in 55 s$/);
    t.check('bob'); // another name is not affected
    now = 1_000_000 + LOGIN_WINDOW_MS + 1; // the first failure aged out
    t.check('ann');
    t.failed('ann');
    expect(() => t.check('ann')).toThrow(/too many failed logins/);
    t.succeeded('ann');
    t.check('ann');
  });

  it('remembers a bounded number of names (random names cannot grow it without end)', () => {
    const t = new LoginThrottle(() => 5);
    for (let i = 0; i < 10_001; i++) t.failed(`n${i}${'x'.repeat(1000)}`);
    const kept = (t as unknown as { failures: Map<string, number[]> }).failures;
    expect(kept.size).toBe(10_000);
    expect(Math.max(...[...kept.keys()].map((k) => k.length))).toBe(256);
  });
});
