import { z } from 'zod';
import { NameText, RowId } from './apiPayloads.ts';

/** A window of the app, as it names itself to the server (editingImage, the events stream's `?client=`). */
export const ClientId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'a window id: 8 to 64 letters, digits, - or _');
/** How many of the people on an image are named (a room's worth; a server lists the first, by name). */
export const EDITORS_LISTED = 64;
/** People with an image open, by name (at most a room's worth are listed). */
const Editors = z.array(NameText).max(EDITORS_LISTED);
/** How often an editor repeats which image it has open, and how long a team server believes it without that. */
export const EDITING_HEARTBEAT_MS = 5000;
export const EDITING_EXPIRY_MS = 15_000;

/** "Alice has this image open": the method of the contract's table (poseApi.ts) for who is on which image. */
export const PRESENCE_API = {
  /**
   * Who else has an image open. The editor says which image it has open (`imageId`; null: none), again every
   * EDITING_HEARTBEAT_MS while it stays there; `client` names this window (one per page load, its events stream
   * carries the same id). The answer: the other people on that image. A team server forgets a window that stops
   * saying so (EDITING_EXPIRY_MS) or whose events stream closes, and tells the others (`imageEditors` events); in a
   * local project nobody else can have it open: always no one.
   */
  editingImage: {
    request: z.strictObject({ imageId: RowId.nullable(), client: ClientId }),
    response: z.strictObject({ editors: Editors }),
  },
} as const;

export const PRESENCE_EVENTS = {
  /** Who has the image open now, besides the window receiving it (a team project; see editingImage). */
  imageEditors: z.strictObject({ imageId: RowId, editors: Editors }),
} as const;
