import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { ApiError, type ApiErrorCode } from '../contract/apiErrors.ts';
import { checkPayload, POSE_API, POSE_EVENTS, type PoseMethod } from '../contract/poseApi.ts';
import { validate, type Schema } from '../core/schema/schema.ts';
import type { ProjectService } from '../node/project/projectService.ts';
import { toApiError } from '../node/project/toApiError.ts';
import type { ExchangePurpose } from '../node/fs/projectPaths.ts';

export const IPC_PREFIX = 'pose:';
export const EVENT_PREFIX = 'pose-event:';

/** What an invoke returns over IPC: errors travel as values (Electron would flatten thrown errors to a string). */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: string; status: number; code: ApiErrorCode };

/** The contract methods that name a file: in Electron the file comes from a native dialog, never from the page. */
const EXCHANGE: Partial<Record<PoseMethod, ExchangePurpose>> = { exportCoco: 'export', importCoco: 'import' };

export interface IpcOptions {
  /** Opens the native dialog for an export/import (the page's path is a suggestion); null when cancelled. */
  pickExchangeFile?: (purpose: ExchangePurpose, suggested: string) => Promise<string | null>;
}

/**
 * The contract over Electron IPC: one handler per method, each checking that the call comes from the app's own
 * window and page (`isTrustedSender`) and that request and response fit the contract, like the HTTP adapter.
 * exportCoco/importCoco go to the path the user picks in `pickExchangeFile`'s dialog. `service()` is read on every
 * call, so opening another project swaps it underneath. Returns a disposer.
 */
export function registerIpc(
  service: () => ProjectService,
  isTrustedSender: (e: IpcMainInvokeEvent) => boolean,
  o: IpcOptions = {},
): () => void {
  for (const method of Object.keys(POSE_API) as PoseMethod[]) {
    ipcMain.handle(IPC_PREFIX + method, async (event, payload: unknown): Promise<IpcReply> => {
      try {
        if (!isTrustedSender(event)) throw new ApiError('forbidden', 'this page may not call the app');
        checkPayload(method, 'request', payload);
        const purpose = EXCHANGE[method];
        if (purpose) {
          if (!o.pickExchangeFile) throw new ApiError('forbidden', `${method}: no file dialog in this window`);
          const picked = await o.pickExchangeFile(purpose, (payload as { path: string }).path);
          if (picked === null) throw new ApiError('bad_request', `no file chosen: the ${purpose} dialog was cancelled`);
          payload = { ...(payload as object), path: picked };
        }
        const value = await (service()[method] as (r: unknown) => Promise<unknown>)(payload);
        try {
          checkPayload(method, 'response', value);
        } catch (e) {
          throw new ApiError('internal', (e as Error).message);
        }
        return { ok: true, value: value ?? null };
      } catch (e) {
        const err = toApiError(e);
        return { ok: false, error: err.message, status: err.status, code: err.code };
      }
    });
  }
  return () => {
    for (const method of Object.keys(POSE_API)) ipcMain.removeHandler(IPC_PREFIX + method);
  };
}

/** Forwards the service's events (checked against the contract) to a window. Returns a disposer. */
export function forwardEvents(service: ProjectService, target: WebContents): () => void {
  const offs: (() => void)[] = [];
  for (const name of Object.keys(POSE_EVENTS) as (keyof typeof POSE_EVENTS)[]) {
    const f = (payload: unknown) => {
      if (!target.isDestroyed() && !validate(POSE_EVENTS[name] as Schema<unknown>, payload).length)
        target.send(EVENT_PREFIX + name, payload);
    };
    service.events.on(name, f);
    offs.push(() => service.events.off(name, f));
  }
  return () => offs.forEach((f) => f());
}
