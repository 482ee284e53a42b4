import { createRoot } from 'react-dom/client';
import { createHttpClient } from './api/createHttpClient.ts';
import { createIpcClient, type PreloadBridge } from './api/createIpcClient.ts';
import { EditorEngine, afterPaint } from './editor/editorEngine.ts';
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
const engine = new EditorEngine(client, { prefetch: new URLSearchParams(location.search).get('prefetch') !== '0' });
window.simplepose?.onMenu?.((id) => engine.runCommandId(id));
window.studio = engine; // for the end-to-end tests and the console
createRoot(document.getElementById('root')!).render(
  <EngineContext.Provider value={engine}>
    <App />
  </EngineContext.Provider>,
);
engine
  .start()
  .then(() => afterPaint(() => performance.measure('first-screen', { start: 0, end: performance.now() })))
  .catch((e: Error) => engine.say(`Could not open the project: ${e.message}`));
