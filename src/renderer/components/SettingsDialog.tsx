import { useEffect, useState } from 'react';
import type { ModelInfo } from '../../contract/apiPayloads.ts';
import { Dialog } from './Dialogs.tsx';
import { useEngine, useSlice } from './useEditor.ts';

/** A model's card facts, in one block: what it was trained on, what its card measured. */
export function ModelFactsView({ model }: { model: ModelInfo }) {
  const f = model.facts;
  return (
    <div className="model-facts" data-testid="model-facts">
      <div>
        <b>{model.name}</b>
        {model.bundled ? ' (bundled with the app)' : ''}
        {model.exists ? '' : ' — the file is missing'}
      </div>
      <div>Trained on: {f.trainedOn}</div>
      {f.parameters !== null && <div>{(f.parameters / 1e6).toFixed(1)} M parameters</div>}
      {f.accuracy.length ? (
        <ul>
          {f.accuracy.map((a) => (
            <li key={a.on}>
              AP {a.AP.toFixed(3)}
              {a.AP50 !== null ? ` (AP50 ${a.AP50.toFixed(3)})` : ''} on {a.on}
            </li>
          ))}
        </ul>
      ) : (
        <div className="muted">Its card reports no measured accuracy: evaluate it on reviewed images (Evaluate).</div>
      )}
    </div>
  );
}

/**
 * The project's detection settings and model (kept in the project: `simplepose detect` uses the same ones), and
 * importing a checkpoint of the official family as a job with progress.
 */
export function SettingsDialog() {
  const engine = useEngine();
  const setup = useSlice(engine.setup.setup);
  const job = useSlice(engine.setup.importJob);
  const [scales, setScales] = useState(setup ? setup.settings.scales.join(', ') : '1');
  const [flip, setFlip] = useState(setup?.settings.flip ?? true);
  const [mode, setMode] = useState<'fast' | 'reference'>(setup?.settings.mode ?? 'fast');
  const [modelKey, setModelKey] = useState(setup ? keyOf(setup.model) : 'bundled');
  const [onnxPath, setOnnxPath] = useState('');
  const [checkpoint, setCheckpoint] = useState('');
  // An imported model is in use at once: the choice follows it.
  useEffect(() => {
    if (job?.stage === 'done' && job.modelId !== undefined) setModelKey(`id:${job.modelId}`);
  }, [job?.stage, job?.modelId]);
  if (!setup)
    return (
      <Dialog title="Settings">
        <p>Loading the project's detection settings…</p>
      </Dialog>
    );
  const parsed = scales.split(/[ ,]+/).filter(Boolean).map(Number);
  const valid = parsed.length > 0 && parsed.length <= 8 && parsed.every((x) => x > 0 && x <= 4);
  const chosen = setup.models.find((m) => keyOf(m) === modelKey) ?? setup.model;
  const importing = job !== null && !['done', 'failed', 'cancelled'].includes(job.stage);
  const save = async () => {
    const settings = { scales: parsed, flip, mode };
    const model = onnxPath.trim() ? { modelPath: onnxPath.trim() } : { modelId: chosen.bundled ? null : chosen.id };
    if (await engine.setup.save({ settings, ...model })) {
      engine.notices.say('Detection settings saved in the project');
      engine.notices.open(null);
    }
  };
  return (
    <Dialog title="Settings">
      <h3>Detection (kept in the project; simplepose detect uses the same)</h3>
      <label className="wide">
        Model{' '}
        <select aria-label="Model" value={modelKey} onChange={(e) => setModelKey(e.target.value)}>
          {setup.models.map((m) => (
            <option key={keyOf(m)} value={keyOf(m)}>
              {m.name}
              {m.bundled ? ' (bundled)' : ''}
              {m.facts.syntheticOnly ? ' — synthetic people only' : ''}
            </option>
          ))}
        </select>
      </label>
      <ModelFactsView model={chosen} />
      <label className="wide">
        Or an ONNX model file (exported IMHN with its .card.json){' '}
        <input
          aria-label="Model file"
          value={onnxPath}
          onChange={(e) => setOnnxPath(e.target.value)}
          placeholder="/path/to/model.onnx"
        />
      </label>
      <label className="wide">
        Scales (× 512 px box height){' '}
        <input aria-label="Scales" value={scales} onChange={(e) => setScales(e.target.value)} />
      </label>
      {!valid && <p className="error">Give 1 to 8 scales between 0 and 4, e.g. "1" or "0.5, 1, 1.5".</p>}
      <label>
        <input type="checkbox" checked={flip} onChange={(e) => setFlip(e.target.checked)} /> Flip test (average with the
        mirrored image)
      </label>
      <label>
        Decoder{' '}
        <select aria-label="Decoder" value={mode} onChange={(e) => setMode(e.target.value as 'fast' | 'reference')}>
          <option value="fast">fast (same results, tiled)</option>
          <option value="reference">reference (official order of operations)</option>
        </select>
      </label>
      <div className="buttons">
        <button type="button" className="primary" disabled={!valid} onClick={() => void save()}>
          Save
        </button>
      </div>
      <h3>Import a checkpoint (.pth of the official IMHN family)</h3>
      <p className="muted">
        Runs the project's exporter (python -m training.export) with {setup.python}, test-runs the ONNX model, registers
        it with its card in the project and uses it for detection. Web mode reads the file from the project (or
        exchange) folder.
      </p>
      <label className="wide">
        Checkpoint file{' '}
        <input
          aria-label="Checkpoint file"
          value={checkpoint}
          onChange={(e) => setCheckpoint(e.target.value)}
          placeholder="/path/to/PoseNet_52_epoch.pth"
        />
      </label>
      <div className="buttons">
        <button
          type="button"
          className="primary"
          disabled={importing || !checkpoint.trim()}
          onClick={() => void engine.setup.importCheckpoint(checkpoint.trim())}
        >
          Import checkpoint
        </button>
        {importing && (
          <button type="button" onClick={() => void engine.setup.cancelImport()}>
            Cancel import
          </button>
        )}
      </div>
      {job && (
        <div className="import-job" data-testid="import-job" data-stage={job.stage}>
          <progress max={1} value={job.fraction} aria-label="Import progress" />{' '}
          <span className={job.stage === 'failed' ? 'error' : job.stage === 'done' ? 'ok' : ''}>
            {job.stage}: {job.message}
          </span>
        </div>
      )}
    </Dialog>
  );
}

const keyOf = (m: ModelInfo) => (m.id === null ? 'bundled' : `id:${m.id}`);
