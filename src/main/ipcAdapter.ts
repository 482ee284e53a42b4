import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { ApiError } from '../contract/apiErrors.ts';
import { API_ROUTES, EVENT_CHANNELS } from '../contract/apiRoutes.ts';
import { isValidEvent } from '../contract/checkPayload.ts';
import { dispatch, failureOf, type ApiReply } from '../contract/dispatch.ts';
import { POSE_API, POSE_EVENTS, type PoseApi, type PoseEventName, type PoseMethod } from '../contract/poseApi.ts';
import type { ProjectService } from '../node/project/projectService.ts';
import type { ExchangePurpose } from '../node/fs/projectPaths.ts';
import type { ExchangeFile } from './exchangePicker.ts';

export interface IpcOptions {
  /** Opens the native dialog for an export/import (the page's path is a suggestion); null when cancelled. */
  pickExchangeFile?: (purpose: ExchangePurpose, suggested: string, file: ExchangeFile) => Promise<string | null>;
}

/**
 * The service as Electron serves it: exportCoco/importCoco/importModel (and a model file named by setDetectSetup or
 * startDetect) go to the file the user picks in the native
 * dialog (the page's path, already validated, only suggests its name; a checkpoint's dialog lists checkpoints);
 * `service()` is read on every call, so opening another project swaps it underneath.
 */
function electronApi(service: () => ProjectService, o: IpcOptions): PoseApi {
  const picked = async (purpose: ExchangePurpose, method: PoseMethod, suggested: string) => {
    if (!o.pickExchangeFile) throw new ApiError('forbidden', `${method}: no file dialog in this window`);
    const kind =
      method === 'importModel' ? 'checkpoint' : method === 'exportCoco' || method === 'importCoco' ? 'coco' : 'model';
    const file = await o.pickExchangeFile(purpose, suggested, kind);
    if (file === null) throw new ApiError('bad_request', `no file chosen: the ${purpose} dialog was cancelled`);
    return file;
  };
  const api = {} as Record<PoseMethod, (r: never) => Promise<unknown>>;
  for (const method of Object.keys(POSE_API) as PoseMethod[])
    api[method] = (r: never) => (service()[method] as (r: never) => Promise<unknown>)(r);
  return {
    ...(api as PoseApi),
    exportCoco: async (r) => service().exportCoco({ ...r, path: await picked('export', 'exportCoco', r.path) }),
    importCoco: async (r) => service().importCoco({ ...r, path: await picked('import', 'importCoco', r.path) }),
    importModel: async (r) =>
      service().importModel({ ...r, checkpoint: await picked('import', 'importModel', r.checkpoint) }),
    // a model file the page names is the one chosen in the open dialog (the service confines it: modelSource)
    setDetectSetup: async (r) =>
      service().setDetectSetup(
        r.modelPath === undefined ? r : { ...r, modelPath: await picked('import', 'setDetectSetup', r.modelPath) },
      ),
    startDetect: async (r) =>
      service().startDetect(
        r.modelPath === undefined ? r : { ...r, modelPath: await picked('import', 'startDetect', r.modelPath) },
      ),
  };
}

/**
 * The contract over Electron IPC: one handler per method on its contract channel, each checking that the call
 * comes from the app's own window and page (`isTrustedSender`), then the same dispatcher as the HTTP adapter
 * (request and response validated, every failure as `{ ok: false, error, code, details }`: errors travel as values,
 * since Electron would flatten a thrown error to a string). Returns a disposer.
 */
export function registerIpc(
  service: () => ProjectService,
  isTrustedSender: (e: IpcMainInvokeEvent) => boolean,
  o: IpcOptions = {},
): () => void {
  const api = electronApi(service, o);
  for (const method of Object.keys(POSE_API) as PoseMethod[]) {
    ipcMain.handle(API_ROUTES[method].channel, async (event, payload: unknown): Promise<ApiReply> => {
      if (!isTrustedSender(event)) return failureOf(new ApiError('forbidden', 'this page may not call the app'));
      return dispatch(api, method, payload);
    });
  }
  return () => {
    for (const method of Object.keys(POSE_API) as PoseMethod[]) ipcMain.removeHandler(API_ROUTES[method].channel);
  };
}

/** Forwards the service's events (checked against the contract) to a window. Returns a disposer. */
export function forwardEvents(service: ProjectService, target: WebContents): () => void {
  const offs: (() => void)[] = [];
  for (const name of Object.keys(POSE_EVENTS) as PoseEventName[]) {
    const f = (payload: unknown) => {
      if (!target.isDestroyed() && isValidEvent(name, payload)) target.send(EVENT_CHANNELS[name], payload);
    };
    service.events.on(name, f);
    offs.push(() => service.events.off(name, f));
  }
  return () => {
    for (const off of offs) off();
  };
}
