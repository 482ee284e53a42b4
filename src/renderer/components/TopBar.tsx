import { useEffect, useState } from 'react';
import type { PoseResponse } from '../../contract/poseApi.ts';
import { useEditor, useEngine } from './useEditor.ts';

type Info = PoseResponse<'projectInfo'>;

/** Project, model and provider, the detection job and the app's dialogs. */
export function TopBar() {
  const engine = useEngine();
  const s = useEditor();
  const [info, setInfo] = useState<Info | null>(null);
  useEffect(() => {
    void engine.client.api
      .projectInfo({})
      .then(setInfo)
      .catch((e: Error) => engine.say(e.message));
  }, [engine, s.job?.status]);
  const job = s.job;
  const running = job?.status === 'running';
  return (
    <header className="top-bar">
      <strong className="app-name">SimplePose Studio</strong>
      <span className="project" title={info?.root}>
        {info?.name ?? '…'}
      </span>
      <span className="counter" data-testid="counter">
        {s.index >= 0 ? `${s.index + 1} / ${engine.list.total}` : ''}
      </span>
      <span className="spacer" />
      <span className="model" data-testid="model-status" title={info?.model?.path}>
        model:{' '}
        {s.detect.modelPath
          ? s.detect.modelPath.split(/[\\/]/).pop()
          : info?.model
            ? `${info.model.name}${info.model.exists ? '' : ' (file missing)'}`
            : 'none'}{' '}
        · provider: {info?.lastRun?.provider ?? '—'}
      </span>
      {running ? (
        <button type="button" onClick={() => void engine.cancelJob()}>
          Cancel detection
        </button>
      ) : (
        <button
          type="button"
          className="primary"
          disabled={!s.detect.modelPath && !info?.model?.exists}
          onClick={() => void engine.startDetect(info?.model?.path ?? '')}
        >
          Run detection
        </button>
      )}
      <button type="button" onClick={() => engine.openDialog('export')}>
        Export COCO…
      </button>
      <button type="button" onClick={() => engine.openDialog('settings')}>
        Settings
      </button>
      <button type="button" aria-label="Keyboard shortcuts" onClick={() => engine.openDialog('help')}>
        ?
      </button>
    </header>
  );
}

/** The job's progress and the last message. */
export function StatusBar() {
  const engine = useEngine();
  const s = useEditor();
  const j = s.job;
  const pct = j && j.total ? (100 * (j.done + j.failed)) / j.total : 0;
  return (
    <footer className="status-bar">
      {j && (
        <div className="job" data-testid="job" data-status={j.status}>
          <progress max={100} value={pct} aria-label="Detection progress" />
          <span>
            detection {j.status}: {j.done}/{j.total || '?'}
            {j.failed ? ` (${j.failed} failed)` : ''}
            {j.status === 'running' && j.imagesPerSecond
              ? ` · ${j.imagesPerSecond.toFixed(1)} img/s · ETA ${Math.round(j.etaSeconds ?? 0)} s`
              : ''}
            {j.message ? ` · ${j.message}` : ''}
          </span>
        </div>
      )}
      <span className="message" role="status" data-testid="message" onClick={() => engine.say(null)}>
        {s.message}
      </span>
    </footer>
  );
}
