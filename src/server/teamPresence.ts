import { EDITING_EXPIRY_MS, EDITORS_LISTED } from '../contract/presenceApi.ts';

/** One window of one user with an image open (`window`: the user's id and the window's own id, so no other can claim it). */
export interface Editor {
  name: string;
  window: string;
}

interface Entry extends Editor {
  userId: number;
  imageId: number;
  seenMs: number;
}

/** Windows one user may have open at once; past it the one heard from longest ago is forgotten. */
const WINDOWS_PER_USER = 16;

/**
 * Who has which image open, as the team server knows it: each window says where it is (editingImage, repeated as a
 * heartbeat), and is forgotten when it leaves, when its events stream closes (a closed or killed browser) or when
 * it has not said so for `expiryMs` (a machine gone from the network). Every change answers the images whose
 * editors changed, for the server to announce. No I/O, a clock of its own: testable to the millisecond.
 */
export class TeamPresence {
  private readonly windows = new Map<string, Entry>();
  private readonly expiryMs: number;
  private readonly now: () => number;

  constructor(expiryMs = EDITING_EXPIRY_MS, now = () => Date.now()) {
    this.expiryMs = expiryMs;
    this.now = now;
  }

  /** The key of a user's window. */
  static windowOf(userId: number, client: string): string {
    return `${userId}:${client}`;
  }

  /** The window is on `imageId` now (null: on none); the images whose editors changed. */
  set(user: { id: number; name: string }, client: string, imageId: number | null): number[] {
    const window = TeamPresence.windowOf(user.id, client);
    const before = this.windows.get(window);
    const changed = new Set<number>();
    if (before && before.imageId !== imageId) changed.add(before.imageId);
    if (imageId === null) this.windows.delete(window);
    else {
      if (!before || before.imageId !== imageId) changed.add(imageId);
      this.windows.delete(window); // re-inserted: the map's order is the order windows were last heard from
      this.windows.set(window, { name: user.name, window, userId: user.id, imageId, seenMs: this.now() });
      const mine = [...this.windows.values()].filter((e) => e.userId === user.id);
      for (const old of mine.slice(0, Math.max(0, mine.length - WINDOWS_PER_USER))) {
        this.windows.delete(old.window);
        changed.add(old.imageId);
      }
    }
    return [...changed];
  }

  /** The window's events stream closed: it is gone. */
  drop(window: string): number[] {
    const e = this.windows.get(window);
    if (!e) return [];
    this.windows.delete(window);
    return [e.imageId];
  }

  /** Forgets the windows not heard from for the expiry time. */
  expire(): number[] {
    const changed = new Set<number>();
    const oldest = this.now() - this.expiryMs;
    for (const e of this.windows.values()) {
      if (e.seenMs > oldest) break; // in the order last heard from
      this.windows.delete(e.window);
      changed.add(e.imageId);
    }
    return [...changed];
  }

  /** The windows on an image. */
  on(imageId: number): Editor[] {
    return [...this.windows.values()]
      .filter((e) => e.imageId === imageId)
      .map(({ name, window }) => ({ name, window }));
  }

  /** Every image someone has open. */
  images(): number[] {
    return [...new Set([...this.windows.values()].map((e) => e.imageId))];
  }
}

/**
 * The names a window is shown of an image's editors: everyone but that window, each name once, sorted — the first
 * EDITORS_LISTED of them (the contract's bound: past it a reply would be refused as invalid, an event dropped).
 */
export function editorNames(editors: readonly Editor[], exceptWindow: string | null): string[] {
  const names = [...new Set(editors.filter((e) => e.window !== exceptWindow).map((e) => e.name))].sort();
  return names.slice(0, EDITORS_LISTED);
}
