import { useEffect } from 'react';
import { ImageList } from './ImageList.tsx';
import { PoseCanvas } from './PoseCanvas.tsx';
import { SidePanel } from './SidePanel.tsx';
import { HeatmapPanel } from './HeatmapPanel.tsx';
import { TriagePanel } from './TriagePanel.tsx';
import { CorrectionPanel } from './CorrectionPanel.tsx';
import { StatusBar, TopBar } from './TopBar.tsx';
import { ExportDialog, HelpOverlay } from './Dialogs.tsx';
import { SettingsDialog } from './SettingsDialog.tsx';
import { EvaluationDialog } from './EvaluationDialog.tsx';
import { ProblemsDialog, RerunDialog } from './DetectionDialogs.tsx';
import { ModelNotice } from './ModelNotice.tsx';
import { TrainDialog } from './TrainDialog.tsx';
import { useEngine, useSlice } from './useEditor.ts';

export function App() {
  const engine = useEngine();
  const dialog = useSlice(engine.notices.dialog);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // Only a field one types into keeps its keys; after a click on a checkbox, a slider or a list the shortcuts work.
      if (e.key !== 'Escape' && typesText(e.target)) return;
      if (engine.handleKey(e)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [engine]);
  return (
    <div className="app">
      <TopBar />
      <main className="workspace">
        <ImageList />
        <PoseCanvas />
        <div className="right">
          <SidePanel />
          <TriagePanel />
          <CorrectionPanel />
          <HeatmapPanel />
        </div>
      </main>
      <StatusBar />
      <ModelNotice />
      {dialog === 'help' && <HelpOverlay />}
      {dialog === 'export' && <ExportDialog />}
      {dialog === 'settings' && <SettingsDialog />}
      {dialog === 'evaluation' && <EvaluationDialog />}
      {dialog === 'problems' && <ProblemsDialog />}
      {dialog === 'rerun' && <RerunDialog />}
      {dialog === 'train' && <TrainDialog />}
    </div>
  );
}

/** Input types that are not typed into: their keys stay the app's shortcuts. */
const NOT_TYPED = new Set(['checkbox', 'radio', 'range', 'button', 'submit', 'reset', 'color', 'file', 'image']);

/** A field that takes typed text (a text or number input, a textarea, an editable element). */
export function typesText(target: EventTarget | null): boolean {
  const t = target as HTMLElement | null;
  if (!t || typeof t.tagName !== 'string') return false;
  if (t.tagName === 'TEXTAREA' || t.isContentEditable) return true;
  return t.tagName === 'INPUT' && !NOT_TYPED.has((t as HTMLInputElement).type);
}
