import { POSE_API, POSE_EVENTS, type PoseApi, type PoseMethod } from '../../contract/poseApi.ts';
import { ApiError, type MediaKind, type PoseEventName, type StudioClient } from './studioClient.ts';

/**
 * The web-mode client, generated from the contract table: every method is POST /api/<method> with a JSON body;
 * events come over one EventSource. The token arrives in the page URL (?token=…); the server also sets it as an
 * HttpOnly cookie, which is what the browser's own image and event requests carry.
 */
export function createHttpClient(
  base = '',
  token: string | null = new URLSearchParams(location.search).get('token'),
): StudioClient {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const api = {} as Record<PoseMethod, (r: unknown) => Promise<unknown>>;
  for (const method of Object.keys(POSE_API) as PoseMethod[]) {
    api[method] = async (request: unknown) => {
      const res = await fetch(`${base}/api/${method}`, { method: 'POST', headers, body: JSON.stringify(request) });
      const body = (await res
        .json()
        .catch(() => ({ error: `${method}: the server answered ${res.status} without JSON` }))) as { error?: string };
      if (!res.ok) throw new ApiError(body.error ?? `${method} failed (${res.status})`, res.status);
      return body;
    };
  }
  let source: EventSource | null = null;
  const listeners = new Map<PoseEventName, Set<(p: never) => void>>();
  const open = () => {
    if (source) return;
    source = new EventSource(`${base}/api/events${token ? `?token=${encodeURIComponent(token)}` : ''}`);
    for (const name of Object.keys(POSE_EVENTS) as PoseEventName[]) {
      source.addEventListener(name, (e) => {
        const payload = JSON.parse((e as MessageEvent<string>).data) as never;
        for (const l of listeners.get(name) ?? []) l(payload);
      });
    }
  };
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  return {
    api: api as unknown as PoseApi,
    transport: 'http',
    on(event, listener) {
      open();
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: never) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (p: never) => void);
    },
    mediaUrl: (kind: MediaKind, imageId: number) => `${base}/${kind}/${imageId}${q}`,
  };
}
