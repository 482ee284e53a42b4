import { useEffect } from 'react';
import { ImageList } from './ImageList.tsx';
import { PoseCanvas } from './PoseCanvas.tsx';
import { SidePanel } from './SidePanel.tsx';
import { HeatmapPanel } from './HeatmapPanel.tsx';
import { StatusBar, TopBar } from './TopBar.tsx';
import { ExportDialog, HelpOverlay } from './Dialogs.tsx';
import { SettingsDialog } from './SettingsDialog.tsx';
import { EvaluationDialog } from './EvaluationDialog.tsx';
import { ProblemsDialog, RerunDialog } from './DetectionDialogs.tsx';
import { ModelNotice } from './ModelNotice.tsx';
import { useEngine, useSlice } from './useEditor.ts';

export function App() {
  const engine = useEngine();
  const dialog = useSlice(engine.notices.dialog);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key !== 'Escape' && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
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
    </div>
  );
}
