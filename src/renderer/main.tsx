import { createRoot } from 'react-dom/client';
import { createHttpClient } from './api/createHttpClient.ts';
import { createIpcClient, type PreloadBridge } from './api/createIpcClient.ts';
import { EditorEngine } from './editor/editorEngine.ts';
import { afterPaint, browserEngineOptions } from './editor/browserHost.ts';
import { App } from './components/App.tsx';
import { EngineContext } from './components/useEditor.ts';
import './styles.css';

declare global {
  interface Window {
    simplepose?: PreloadBridge;
    studio?: EditorEngine;
  }
}

// Electron's preload exposes the bridge; a browser (web mode) talks HTTP to the server that served this page.
const client = window.simplepose ? createIpcClient(window.simplepose) : createHttpClient();
const prefetch = new URLSearchParams(location.search).get('prefetch') !== '0';
const engine = new EditorEngine(client, browserEngineOptions(prefetch));
window.simplepose?.onMenu?.((id) => engine.runCommandId(id));
window.studio = engine; // for the end-to-end tests and the console
createRoot(document.getElementById('root')!).render(
  <EngineContext.Provider value={engine}>
    <App />
  </EngineContext.Provider>,
);
// start() reports its own failures ("The image list did not load: …") in the status line.
void engine
  .start()
  .then(() => afterPaint(() => performance.measure('first-screen', { start: 0, end: performance.now() })));
