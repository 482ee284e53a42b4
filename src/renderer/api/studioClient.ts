import type { PoseApi } from '../../contract/poseApi.ts';
import type { POSE_EVENTS } from '../../contract/poseApi.ts';
import type { Infer } from '../../core/schema/schema.ts';

export type PoseEventName = keyof typeof POSE_EVENTS;
export type PoseEvent<E extends PoseEventName> = Infer<(typeof POSE_EVENTS)[E]>;
export type MediaKind = 'images' | 'thumbs' | 'maps';

/** What the renderer talks to, whatever the transport: the contract's API, its events, and the binary media. */
export interface StudioClient {
  api: PoseApi;
  on<E extends PoseEventName>(event: E, listener: (payload: PoseEvent<E>) => void): () => void;
  /** A URL the browser can load directly (img src, fetch). */
  mediaUrl(kind: MediaKind, imageId: number): string;
  transport: 'http' | 'ipc';
}

/** Error thrown by a client call: the server's message, and its HTTP-like status. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}
