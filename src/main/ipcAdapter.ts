import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { checkPayload, ContractError, POSE_API, POSE_EVENTS, type PoseMethod } from '../contract/poseApi.ts';
import { validate, type Schema } from '../core/schema/schema.ts';
import type { ProjectService } from '../node/project/projectService.ts';

export const IPC_PREFIX = 'pose:';
export const EVENT_PREFIX = 'pose-event:';

/** What an invoke returns over IPC: errors travel as values (Electron would flatten thrown errors to a string). */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: string; status: number };

/**
 * The contract over Electron IPC: one handler per method, each checking that the call comes from the app's own
 * window and page (`isTrustedSender`) and that request and response fit the contract, like the HTTP adapter.
 * `service()` is read on every call, so opening another project swaps it underneath. Returns a disposer.
 */
export function registerIpc(
  service: () => ProjectService,
  isTrustedSender: (e: IpcMainInvokeEvent) => boolean,
): () => void {
  for (const method of Object.keys(POSE_API) as PoseMethod[]) {
    ipcMain.handle(IPC_PREFIX + method, async (event, payload: unknown): Promise<IpcReply> => {
      if (!isTrustedSender(event)) return { ok: false, error: 'this page may not call the app', status: 403 };
      try {
        checkPayload(method, 'request', payload);
        const value = await (service()[method] as (r: unknown) => Promise<unknown>)(payload);
        checkPayload(method, 'response', value);
        return { ok: true, value: value ?? null };
      } catch (e) {
        if (e instanceof ContractError) return { ok: false, error: e.message, status: 400 };
        return { ok: false, error: (e as Error).message, status: (e as { status?: number }).status ?? 500 };
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
