import { EDITING_HEARTBEAT_MS } from '../../contract/presenceApi.ts';
import type { StudioClient } from '../api/studioClient.ts';
import { Slice } from './slice.ts';

/** Who else has each image open, by image id (only images somebody has open; none in a local project). */
export type ImageEditors = ReadonlyMap<number, readonly string[]>;

export interface PresenceTimers {
  every(ms: number, f: () => void): () => void;
}
const realTimers: PresenceTimers = {
  every(ms, f) {
    const t = setInterval(f, ms);
    (t as { unref?: () => void }).unref?.(); // under Node, never what keeps a process alive
    return () => clearInterval(t);
  },
};

/**
 * "Alice has this image open": this window tells the server which image it shows (editingImage, again every
 * EDITING_HEARTBEAT_MS, so that a window that stops is forgotten), and keeps what the server says of the others
 * (the answer for the open image, `imageEditors` events for every image). A failed call is not the reviewer's
 * problem: the next heartbeat says it again.
 */
export class Presence {
  readonly editors = new Slice<ImageEditors>(new Map());
  private readonly client: StudioClient;
  private readonly timers: PresenceTimers;
  private readonly heartbeatMs: number;
  private openId: number | null = null;
  private stopBeat: (() => void) | null = null;

  constructor(client: StudioClient, timers = realTimers, heartbeatMs = EDITING_HEARTBEAT_MS) {
    this.client = client;
    this.timers = timers;
    this.heartbeatMs = heartbeatMs;
    client.on('imageEditors', (e) => this.put(e.imageId, e.editors));
  }

  /** The people besides this window on an image. */
  of(imageId: number): readonly string[] {
    return this.editors.get().get(imageId) ?? [];
  }

  /** This window shows `imageId` now (null: no image). */
  opened(imageId: number | null): void {
    if (imageId === this.openId) return;
    this.openId = imageId;
    this.tell();
    this.stopBeat?.();
    this.stopBeat = imageId === null ? null : this.timers.every(this.heartbeatMs, () => this.tell());
  }

  private tell(): void {
    const imageId = this.openId;
    this.client.api.editingImage({ imageId, client: this.client.clientId }).then(
      (r) => {
        if (imageId !== null && this.openId === imageId) this.put(imageId, r.editors);
      },
      () => undefined,
    );
  }

  private put(imageId: number, editors: readonly string[]): void {
    const now = this.editors.get();
    const before = now.get(imageId) ?? [];
    if (before.length === editors.length && before.every((n, i) => n === editors[i])) return;
    const next = new Map(now);
    if (editors.length) next.set(imageId, [...editors]);
    else next.delete(imageId);
    this.editors.set(next);
  }
}

/** What the editor says of an image's other editors ("Alice has this image open"), or null. */
export function presenceText(names: readonly string[]): string | null {
  if (!names.length) return null;
  const who = names.length <= 2 ? names.join(' and ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
  return `${who} ${names.length === 1 ? 'has' : 'have'} this image open`;
}
