import { describe, expect, it } from 'vitest';
import { editorNames, TeamPresence } from './teamPresence.ts';

const ann = { id: 1, name: 'ann' };
const rev = { id: 2, name: 'rev' };

describe('TeamPresence', () => {
  it('answers the images whose editors changed, and expires the windows not heard from (clock in ms)', () => {
    let now = 0;
    const p = new TeamPresence(1000, () => now);
    expect(p.set(ann, 'w1', 5)).toEqual([5]);
    expect(p.set(ann, 'w1', 5)).toEqual([]); // a heartbeat changes nothing
    expect(p.set(rev, 'w1', 5)).toEqual([5]); // another user's window of the same id is another window
    now = 600;
    p.set(ann, 'w1', 5);
    now = 1000; // rev last heard at 0: exactly the expiry
    expect(p.expire()).toEqual([5]);
    expect(editorNames(p.on(5), null)).toEqual(['ann']);
    expect(p.set(ann, 'w1', 6)).toEqual([5, 6]);
    expect(p.drop(TeamPresence.windowOf(1, 'w1'))).toEqual([6]);
    expect(p.images()).toEqual([]);
  });

  it('keeps at most 16 windows per user (the one heard from longest ago goes)', () => {
    const p = new TeamPresence(1000, () => 0);
    for (let i = 0; i < 16; i++) p.set(ann, `w${i}`, 100 + i);
    expect(p.set(ann, 'w16', 200)).toEqual([200, 100]);
    expect(p.images()).toHaveLength(16);
    expect(p.on(100)).toEqual([]);
  });

  it('names each editor once, sorted, without the window asking', () => {
    const editors = [
      { name: 'rev', window: '2:a' },
      { name: 'ann', window: '1:a' },
      { name: 'ann', window: '1:b' },
    ];
    expect(editorNames(editors, '1:a')).toEqual(['ann', 'rev']);
    expect(editorNames(editors, '2:a')).toEqual(['ann']);
  });
});
