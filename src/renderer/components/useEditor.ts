import { createContext, useContext, useSyncExternalStore } from 'react';
import type { EditorEngine, EditorSnapshot } from '../editor/editorEngine.ts';

export const EngineContext = createContext<EditorEngine | null>(null);

export function useEngine(): EditorEngine {
  const e = useContext(EngineContext);
  if (!e) throw new Error('no EditorEngine in context');
  return e;
}

/** The engine's snapshot (re-renders on every engine change). */
export function useEditor(): EditorSnapshot {
  const e = useEngine();
  return useSyncExternalStore(e.subscribe, e.getSnapshot);
}
