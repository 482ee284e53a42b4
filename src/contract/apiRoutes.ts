import { POSE_API, POSE_EVENTS, type PoseEventName, type PoseMethod } from './poseApi.ts';

/**
 * Where the API travels, one table for both transports, generated from the method and event tables: each method's
 * IPC channel and HTTP route, each event's IPC channel (over HTTP events are named as they are, on one stream), the
 * media routes and the menu channel. The adapters, the preload and both renderer clients read names only here.
 */
export const API_ROUTES = Object.fromEntries(
  Object.keys(POSE_API).map((m) => [m, { channel: `pose:${m}`, route: `/api/${m}` }]),
) as { readonly [M in PoseMethod]: { readonly channel: `pose:${M}`; readonly route: `/api/${M}` } };

export const EVENT_CHANNELS = Object.fromEntries(Object.keys(POSE_EVENTS).map((e) => [e, `pose-event:${e}`])) as {
  readonly [E in PoseEventName]: `pose-event:${E}`;
};

/** The server-sent event stream of web mode (GET, the token in `Authorization: Bearer`). */
export const EVENTS_ROUTE = '/api/events';
/** Any other path under it is an API route (a method or a refusal). */
export const API_PREFIX = '/api/';

/** The method an HTTP path names (`/api/listImages` → listImages), or null. */
export function methodOfRoute(pathname: string): PoseMethod | null {
  if (!pathname.startsWith(API_PREFIX)) return null;
  const m = pathname.slice(API_PREFIX.length);
  return Object.hasOwn(POSE_API, m) && API_ROUTES[m as PoseMethod].route === pathname ? (m as PoseMethod) : null;
}

/** Binary media of an image: the file, its JPEG thumbnail, its overlay maps (float16 .npy). */
export const MEDIA_KINDS = ['images', 'thumbs', 'maps'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];
/** Electron's media protocol: `simplepose-media://project/<kind>/<id>`; web mode serves `/<kind>/<id>`. */
export const MEDIA_SCHEME = 'simplepose-media';
export const MEDIA_HOST = 'project';
export const mediaPath = (kind: MediaKind, imageId: number) => `/${kind}/${imageId}`;
export const MEDIA_PATH = new RegExp(`^/(${MEDIA_KINDS.join('|')})/(\\d{1,15})$`);
/** The media a path names (`/thumbs/12` → thumbs of image 12), or null: the one parser of media paths. */
export function parseMediaPath(pathname: string): { kind: MediaKind; imageId: number } | null {
  const m = MEDIA_PATH.exec(pathname);
  return m ? { kind: m[1] as MediaKind, imageId: Number(m[2]) } : null;
}

/** A team server's login page, and the mark in it by which the desktop app knows it is one (teamServerUrl.ts). */
export const TEAM_LOGIN_PAGE = '/login';
export const TEAM_LOGIN_MARK = '<meta name="simplepose-team-login" content="1">';

/** Main → window: a menu item was chosen (the payload is a command id of the renderer's tables). */
export const MENU_CHANNEL = 'menu-command';
