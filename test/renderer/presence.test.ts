// The editor's side of "who has this image open", under Node over a real project (the studio harness): the engine
// says which image it shows, and again on every heartbeat; it keeps what the server says of the others (the
// answer for the open image, imageEditors events for any image); a failed call says nothing to the reviewer.
import { describe, expect, it } from 'vitest';
import { photoProject, serviceClient } from './studioHarness.ts';
import { Presence, presenceText } from '../../src/renderer/editor/presence.ts';

describe('Presence', () => {
  it('tells the server the open image, again each heartbeat, and none when it closes', async () => {
    const p = await photoProject(2);
    const client = serviceClient(p.service);
    const seen: unknown[] = [];
    client.override('editingImage', async (r) => {
      seen.push(r);
      return { editors: r.imageId === 1 ? ['alice'] : [] };
    });
    let beat: (() => void) | null = null;
    const presence = new Presence(client, {
      every: (_ms, f) => {
        beat = f;
        return () => (beat = null);
      },
    });
    presence.opened(1);
    await new Promise((r) => setImmediate(r));
    expect(presence.of(1)).toEqual(['alice']);
    beat!();
    presence.opened(2);
    presence.opened(null);
    expect(beat).toBeNull();
    expect(seen).toEqual([1, 1, 2, null].map((imageId) => ({ imageId, client: 'test-window' })));
    await p.close();
  });

  it('keeps what imageEditors events say, for every image; a refused call is silent', async () => {
    const p = await photoProject(2);
    const client = serviceClient(p.service);
    client.override('editingImage', async () => {
      throw new Error('the server went away');
    });
    const presence = new Presence(client, { every: () => () => undefined });
    presence.opened(1);
    p.service.events.emit('imageEditors', { imageId: 2, editors: ['bob', 'carol'] });
    await new Promise((r) => setTimeout(r, 10));
    expect(presence.of(2)).toEqual(['bob', 'carol']);
    p.service.events.emit('imageEditors', { imageId: 2, editors: [] });
    await new Promise((r) => setTimeout(r, 10));
    expect([...presence.editors.get().keys()]).toEqual([]);
    await p.close();
  });

  it('in a local project nobody else has the image (the real service answers no one)', async () => {
    const p = await photoProject(1);
    const presence = new Presence(serviceClient(p.service), { every: () => () => undefined });
    presence.opened(1);
    await new Promise((r) => setTimeout(r, 10));
    expect(presence.of(1)).toEqual([]);
    expect(await p.service.editingImage({ imageId: null, client: 'window-1' })).toEqual({ editors: [] });
    await expect(p.service.editingImage({ imageId: 99, client: 'window-1' })).rejects.toThrow(/no image 99/);
    await p.close();
  });

  it('says who in words', () => {
    expect(presenceText([])).toBeNull();
    expect(presenceText(['alice'])).toBe('alice has this image open');
    expect(presenceText(['alice', 'bob'])).toBe('alice and bob have this image open');
    expect(presenceText(['a', 'b', 'c', 'd'])).toBe('a, b and 2 more have this image open');
  });
});
