// The preload: the page's only door to the app. One function per contract method (an IPC invoke on its contract
// channel), the contract's events, and menu commands; nothing else of Electron or Node reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { API_ROUTES, EVENT_CHANNELS, MEDIA_SCHEME, MENU_CHANNEL } from '../contract/apiRoutes.ts';
import { errorOfFailure, type ApiReply } from '../contract/dispatch.ts';
import { isPoseEvent, type PoseMethod } from '../contract/poseApi.ts';

const api: Record<string, (request: unknown) => Promise<unknown>> = {};
for (const method of Object.keys(API_ROUTES) as PoseMethod[]) {
  api[method] = async (request: unknown) => {
    const r = (await ipcRenderer.invoke(API_ROUTES[method].channel, request)) as ApiReply;
    if (!r.ok) throw errorOfFailure(r, method);
    return r.value;
  };
}

contextBridge.exposeInMainWorld('simplepose', {
  api,
  mediaScheme: MEDIA_SCHEME,
  on(event: string, listener: (payload: unknown) => void) {
    if (!isPoseEvent(event)) throw new Error(`unknown event ${event}`);
    const f = (_e: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(EVENT_CHANNELS[event], f);
    return () => {
      ipcRenderer.off(EVENT_CHANNELS[event], f);
    };
  },
  onMenu(listener: (commandId: string) => void) {
    const f = (_e: unknown, id: string) => listener(id);
    ipcRenderer.on(MENU_CHANNEL, f);
    return () => {
      ipcRenderer.off(MENU_CHANNEL, f);
    };
  },
});
