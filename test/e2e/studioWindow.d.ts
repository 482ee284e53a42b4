// The page exposes its editor engine as window.studio (src/renderer/main.tsx) for these tests.
import type { EditorEngine } from '../../src/renderer/editor/editorEngine.ts';

declare global {
  interface Window {
    studio?: EditorEngine;
  }
}
