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
}
