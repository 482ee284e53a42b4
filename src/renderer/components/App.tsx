import { useEffect } from 'react';
import { ImageList } from './ImageList.tsx';
import { PoseCanvas } from './PoseCanvas.tsx';
import { SidePanel } from './SidePanel.tsx';
import { HeatmapPanel } from './HeatmapPanel.tsx';
import { StatusBar, TopBar } from './TopBar.tsx';
import { ExportDialog, HelpOverlay, SettingsDialog } from './Dialogs.tsx';
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
      {dialog === 'help' && <HelpOverlay />}
      {dialog === 'export' && <ExportDialog />}
      {dialog === 'settings' && <SettingsDialog />}
    </div>
  );
}
