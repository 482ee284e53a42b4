import { API_ROUTES, EVENTS_ROUTE, mediaPath } from '../../contract/apiRoutes.ts';
import { errorOfFailure } from '../../contract/dispatch.ts';
import { isPoseEvent, type PoseApi, type PoseMethod } from '../../contract/poseApi.ts';
import { newClientId, type MediaKind, type PoseEventName, type StudioClient } from './studioClient.ts';

/**
 * The web-mode client, generated from the contract table: every method is POST /api/<method> with a JSON body and
 * the token in `Authorization: Bearer` (the only way the server takes it for the API: no other origin can send
 * that header); events come over one server-sent-event stream read with fetch, so it carries the header too
 * (an EventSource cannot). The token arrives in the page URL (?token=…); media URLs, which the browser loads
 * itself (<img>, fetch of maps), carry it as `?token=`.
 */
export function createHttpClient(
  base = '',
  token: string | null = new URLSearchParams(location.search).get('token'),
): StudioClient {
  const auth: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const headers: Record<string, string> = { ...auth, 'Content-Type': 'application/json' };
  const api = {} as Record<PoseMethod, (r: unknown) => Promise<unknown>>;
  for (const method of Object.keys(API_ROUTES) as PoseMethod[]) {
    const url = `${base}${API_ROUTES[method].route}`;
    api[method] = async (request: unknown) => {
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(request) });
      const body = (await res
        .json()
        .catch(() => ({ error: `${method}: the server answered ${res.status} without JSON` }))) as unknown;
      if (!res.ok) throw errorOfFailure(body, method, res.status);
      return body;
    };
  }
  const listeners = new Map<PoseEventName, Set<(p: never) => void>>();
  let opened = false;
  const dispatch = (name: string, data: string) => {
    if (!isPoseEvent(name)) return;
    const payload = JSON.parse(data) as never;
    for (const l of listeners.get(name as PoseEventName) ?? []) l(payload);
  };
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  const clientId = newClientId();
  return {
    api: api as unknown as PoseApi,
    transport: 'http',
    clientId,
    on(event, listener) {
      if (!opened) {
        opened = true;
        // the stream names this window: the server forgets which image it has open when the stream closes
        void readEventStream(`${base}${EVENTS_ROUTE}?client=${clientId}`, auth, dispatch);
      }
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: never) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (p: never) => void);
    },
    mediaUrl: (kind: MediaKind, imageId: number) => `${base}${mediaPath(kind, imageId)}${q}`,
  };
}

/**
 * Reads a text/event-stream response (`event:` and `data:` lines, blank line ends an event) and reconnects after
 * `retryMs` whenever the stream ends or fails, as EventSource would.
 */
async function readEventStream(
  url: string,
  headers: Record<string, string>,
  dispatch: (name: string, data: string) => void,
  retryMs = 1000,
): Promise<never> {
  for (;;) {
    try {
      const res = await fetch(url, { headers, cache: 'no-store' });
      if (res.ok && res.body) {
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffered = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffered += value.replaceAll('\r\n', '\n');
          for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            let name = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) name = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
            }
            try {
              if (data.length) dispatch(name, data.join('\n'));
            } catch (e) {
              console.error(`event ${name}:`, e); // one bad listener does not end the stream
            }
          }
        }
      }
    } catch {
      /* the server went away: try again */
    }
    await new Promise((r) => setTimeout(r, retryMs));
  }
}
