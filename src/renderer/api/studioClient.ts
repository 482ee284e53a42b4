import type { MediaKind } from '../../contract/apiRoutes.ts';
import type { PoseApi, PoseEvent, PoseEventName } from '../../contract/poseApi.ts';

export type { MediaKind, PoseEvent, PoseEventName };
/** What a failed call throws, on both transports: the contract's error (message, code, status, details). */
export { ApiError } from '../../contract/apiErrors.ts';

/** What the renderer talks to, whatever the transport: the contract's API, its events, and the binary media. */
export interface StudioClient {
  api: PoseApi;
  on<E extends PoseEventName>(event: E, listener: (payload: PoseEvent<E>) => void): () => void;
  /** A URL the browser can load directly (img src, fetch). */
  mediaUrl(kind: MediaKind, imageId: number): string;
  transport: 'http' | 'ipc';
  /** This window, as it names itself to the server (editingImage's `client`; web mode's events stream carries it). */
  clientId: string;
}

/** A new window id (ClientId): 128 random bits; getRandomValues, unlike randomUUID, works on plain http too. */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
