// The editor engine under Node over a real project: the real project service (SQLite file, folder of real images)
// behind a client that behaves like a transport — every payload checked against the contract both ways and
// copied through JSON, failures as errors with their status, events delivered later as over SSE —, media read
// through the server's own readMedia (images decoded by sharp: size only, nothing to draw), preferences in memory.
import sharp from 'sharp';
import { checkPayload } from '../../src/contract/checkPayload.ts';
import type { PoseApi, PoseMethod } from '../../src/contract/poseApi.ts';
import { errorCodeOf, API_ERROR_STATUS } from '../../src/contract/apiErrors.ts';
import type { OpenProject } from '../../src/node/project/openProjectFolder.ts';
export { photoProject } from '../support/photoProject.ts';
import { readMedia } from '../../src/node/project/projectMedia.ts';
import { mediaPath } from '../../src/contract/apiRoutes.ts';
import type { ProjectService } from '../../src/node/project/projectService.ts';
import { EditorEngine, type EngineOptions } from '../../src/renderer/editor/editorEngine.ts';
import type { MediaLoader } from '../../src/renderer/editor/imageSession.ts';
import type { StudioClient } from '../../src/renderer/api/studioClient.ts';
import { memoryPrefsStorage } from '../../src/renderer/editor/viewPrefs.ts';

/** A transport error: the server's message and status, as both clients throw them. */
class TransportError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export interface RecordingClient extends StudioClient {
  /** Every API call, in order. */
  calls: PoseMethod[];
  /** Replaces a method (a failure, a delay) for a test. */
  override<M extends PoseMethod>(method: M, f: PoseApi[M] | null): void;
}

export function serviceClient(service: ProjectService): RecordingClient {
  const calls: PoseMethod[] = [];
  const overrides = new Map<PoseMethod, unknown>();
  const api = new Proxy({} as PoseApi, {
    get: (_, method: PoseMethod) => async (request: unknown) => {
      calls.push(method);
      const body = JSON.parse(JSON.stringify(request));
      checkPayload(method, 'request', body);
      const f = (overrides.get(method) ?? service[method].bind(service)) as (r: unknown) => Promise<unknown>;
      let answer: unknown;
      try {
        answer = await f(body);
      } catch (e) {
        throw new TransportError((e as Error).message, API_ERROR_STATUS[errorCodeOf(e)]);
      }
      const copy = JSON.parse(JSON.stringify(answer ?? null));
      checkPayload(method, 'response', copy);
      return copy;
    },
  });
  return {
    api,
    calls,
    transport: 'http',
    clientId: 'test-window',
    override: (method, f) => (f ? overrides.set(method, f) : overrides.delete(method)),
    on(event, listener) {
      const l = (p: unknown) => {
        setImmediate(() => listener(JSON.parse(JSON.stringify(p))));
      };
      service.events.on(event, l);
      return () => service.events.off(event, l);
    },
    mediaUrl: (kind, imageId) => mediaPath(kind, imageId),
  };
}

/** Media as the server serves them; a photo's size decoded by sharp (what the browser's decode checks). */
export function serviceMedia(service: ProjectService): MediaLoader {
  const read = async (url: string) => {
    const r = await readMedia(service, url);
    if (r.status !== 200) throw new Error(JSON.parse(Buffer.from(r.body).toString()).error);
    return r.body;
  };
  return {
    async image(url) {
      const body = await read(url);
      const meta = await sharp(body)
        .metadata()
        .catch(() => {
          throw new Error('the image cannot be shown (missing or not an image the browser decodes)');
        });
      return { width: meta.width, height: meta.height, source: null };
    },
    bytes: read,
  };
}

/** An engine over the project, with instant retries; `prefs`: the saved preferences' text. */
export function studio(project: OpenProject, o: Partial<EngineOptions> & { prefsText?: string } = {}) {
  const client = serviceClient(project.service);
  const prefs = memoryPrefsStorage(o.prefsText ?? null);
  const engine = new EditorEngine(client, {
    media: serviceMedia(project.service),
    prefs,
    isMac: false,
    prefetch: false,
    afterPaint: () => undefined,
    sleep: () => Promise.resolve(),
    ...o,
  });
  return { engine, client, prefs };
}

/** A key press as the DOM gives it. */
export const key = (k: string, mods: Partial<{ shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }> = {}) => ({
  key: k,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

/** Lets queued events (the service's annotationChanged, delivered like SSE) arrive. */
export const settle = () => new Promise((r) => setTimeout(r, 20));
