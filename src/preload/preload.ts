// The preload: the page's only door to the app. One function per contract method (an IPC invoke), the contract's
// events, and menu commands; nothing else of Electron or Node reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { POSE_API, POSE_EVENTS } from '../contract/poseApi.ts';

type Reply = { ok: true; value: unknown } | { ok: false; error: string; status: number };

const api: Record<string, (request: unknown) => Promise<unknown>> = {};
for (const method of Object.keys(POSE_API)) {
  api[method] = async (request: unknown) => {
    const r = (await ipcRenderer.invoke(`pose:${method}`, request)) as Reply;
    if (!r.ok) throw Object.assign(new Error(r.error), { status: r.status });
    return r.value;
  };
}

contextBridge.exposeInMainWorld('simplepose', {
  api,
  mediaScheme: 'simplepose-media',
  on(event: string, listener: (payload: unknown) => void) {
    if (!Object.hasOwn(POSE_EVENTS, event)) throw new Error(`unknown event ${event}`);
    const f = (_e: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(`pose-event:${event}`, f);
    return () => {
      ipcRenderer.off(`pose-event:${event}`, f);
    };
  },
  onMenu(listener: (commandId: string) => void) {
    const f = (_e: unknown, id: string) => listener(id);
    ipcRenderer.on('menu-command', f);
    return () => {
      ipcRenderer.off('menu-command', f);
    };
  },
});
