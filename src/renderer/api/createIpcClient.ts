import { MEDIA_HOST, mediaPath } from '../../contract/apiRoutes.ts';
import type { PoseApi } from '../../contract/poseApi.ts';
import { newClientId, type MediaKind, type PoseEventName, type StudioClient } from './studioClient.ts';

/** What the preload script exposes on `window.simplepose` (one function per contract method, events, media scheme). */
export interface PreloadBridge {
  api: PoseApi;
  on(event: PoseEventName, listener: (payload: unknown) => void): () => void;
  mediaScheme: string;
  /** Menu commands of the desktop app (command ids of the editor's tables). */
  onMenu?(listener: (commandId: string) => void): () => void;
}

/** The Electron client: the preload's functions are the API (each an IPC invoke validated in the main process). */
export function createIpcClient(bridge: PreloadBridge): StudioClient {
  return {
    api: bridge.api,
    transport: 'ipc',
    clientId: newClientId(),
    on: (event, listener) => bridge.on(event, listener as (p: unknown) => void),
    mediaUrl: (kind: MediaKind, imageId: number) => `${bridge.mediaScheme}://${MEDIA_HOST}${mediaPath(kind, imageId)}`,
  };
}
