import { createContext, useContext, useSyncExternalStore } from 'react';
import type { EditorEngine } from '../editor/editorEngine.ts';
import type { Slice } from '../editor/slice.ts';

export const EngineContext = createContext<EditorEngine | null>(null);

export function useEngine(): EditorEngine {
  const e = useContext(EngineContext);
  if (!e) throw new Error('no EditorEngine in context');
  return e;
}

/** One slice of the engine's state: the component re-renders when that slice changes, and only then. */
export function useSlice<T>(slice: Slice<T>): T {
  return useSyncExternalStore(slice.subscribe, slice.get);
}
