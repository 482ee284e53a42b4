import { useEngine, useSlice } from './useEditor.ts';

/** Project, model and provider, the detection job and the app's dialogs. */
export function TopBar() {
  const engine = useEngine();
  const info = useSlice(engine.jobs.project);
  const job = useSlice(engine.jobs.job);
  const { index } = useSlice(engine.images.status);
  const setup = useSlice(engine.setup.setup);
  useSlice(engine.listVersion);
  const running = job?.status === 'running';
  const model = setup?.model;
  const todo = setup?.toDetect ?? 0;
  return (
    <header className="top-bar">
      <strong className="app-name">SimplePose Studio</strong>
      <span className="project" title={info?.root}>
        {info?.name ?? '…'}
      </span>
      <span className="counter" data-testid="counter">
        {index >= 0 ? `${index + 1} / ${engine.list.total}` : ''}
      </span>
      <span className="spacer" />
      <span
        className="model"
        data-testid="model-status"
        title={model ? `${model.path}\ntrained on: ${model.facts.trainedOn}` : undefined}
        onClick={() => engine.notices.open('settings')}
      >
        model: {model ? `${model.name}${model.exists ? '' : ' (file missing)'}` : '…'}
        {model?.facts.syntheticOnly ? ' (synthetic people only)' : ''} · provider: {info?.lastRun?.provider ?? '—'}
      </span>
      {running ? (
        <button type="button" onClick={() => void engine.jobs.cancel()}>
          Cancel detection
        </button>
      ) : (
        <>
          <button
            type="button"
            className="primary"
            data-testid="run-detection"
            disabled={!model?.exists || todo === 0}
            title={
              todo === 0
                ? 'Every image has a prediction of this model and these settings ("Re-run all…" starts over)'
                : `Runs the model on the ${todo} images without its prediction yet`
            }
            onClick={() => void engine.jobs.start()}
          >
            {setup && todo === 0 ? 'Detection up to date' : `Run detection${setup ? ` (${todo})` : ''}`}
          </button>
          <button type="button" disabled={!model?.exists} onClick={() => engine.notices.open('rerun')}>
            Re-run all…
          </button>
        </>
      )}
      <button type="button" onClick={() => engine.notices.open('evaluation')}>
        Evaluate
      </button>
      <button type="button" data-testid="open-train" onClick={() => engine.notices.open('train')}>
        Train…
      </button>
      <button type="button" onClick={() => engine.notices.open('export')}>
        Export COCO…
      </button>
      <button type="button" onClick={() => engine.notices.open('settings')}>
        Settings
      </button>
      <button type="button" aria-label="Keyboard shortcuts" onClick={() => engine.notices.open('help')}>
        ?
      </button>
    </header>
  );
}

/** The job's progress and the last message. */
export function StatusBar() {
  const engine = useEngine();
  const j = useSlice(engine.jobs.job);
  const message = useSlice(engine.notices.message);
  const t = useSlice(engine.training.job);
  const loss = useSlice(engine.training.points).findLast((p) => p.loss !== undefined)?.loss;
  const pct = j?.total ? (100 * (j.done + j.failed)) / j.total : 0;
  return (
    <footer className="status-bar">
      {t && (
        <div className="job" data-testid="train-job" data-stage={t.stage} onClick={() => engine.notices.open('train')}>
          <progress max={t.steps ?? 1} value={t.steps ? t.step : 0} aria-label="Training progress" />
          <span>
            training {t.stage}: step {t.step}/{t.steps ?? '?'}
            {loss !== undefined ? ` · loss ${loss.toFixed(3)}` : ''}
            {t.stage === 'training' && t.etaSeconds ? ` · ETA ${Math.ceil(t.etaSeconds)} s` : ''}
          </span>
        </div>
      )}
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
      <span className="message" role="status" data-testid="message" onClick={() => engine.notices.say(null)}>
        {message}
      </span>
    </footer>
  );
}
