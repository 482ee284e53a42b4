import { useEffect, useRef, useState } from 'react';
import { EDITOR_COMMANDS } from '../../core/edit/editorCommands.ts';
import { JOINT_COUNT } from '../../core/edit/poseRecords.ts';
import {
  PERSON_SCORE_THRESHOLD_RANGE,
  personScoreThresholdProblem,
  SCORE_EXPLANATION,
} from '../../core/review/personScoreThreshold.ts';
import { useEngine, useSlice } from './useEditor.ts';

const command = (id: string) => EDITOR_COMMANDS.find((c) => c.id === id)!;
/** The slider's span: where almost every person score lies (the number field takes the whole range). */
const SLIDER = { min: -1, max: 1, step: 0.01 };

/**
 * Per-person triage of the model's output: the project's score threshold (slider + number, saved for the project),
 * a switch hiding all predictions, what the image's predictions are (pending, below the threshold, accepted,
 * rejected, already someone) and the pending ones to accept or reject one by one.
 */
export function TriagePanel() {
  const engine = useEngine();
  const triage = useSlice(engine.triage);
  const settings = useSlice(engine.settings.settings);
  const { showPredictions } = useSlice(engine.view.triage);
  const { prediction } = useSlice(engine.view.selection);
  useSlice(engine.annotation); // commands' enabled states
  const threshold = settings.personScoreThreshold;
  const list = useRef<HTMLUListElement>(null);
  // The selected prediction stays in view in the list (N walks through dozens on a crowded photo).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the selection change is the trigger; the DOM is read
  useEffect(() => {
    list.current?.querySelector('li.selected')?.scrollIntoView({ block: 'nearest' });
  }, [prediction]);
  const [typed, setTyped] = useState(String(threshold));
  useEffect(() => setTyped(String(threshold)), [threshold]);
  const applyTyped = () => {
    const t = typed.trim() === '' ? Number.NaN : Number(typed);
    const problem = personScoreThresholdProblem(t, typed);
    if (!problem) void engine.settings.setThreshold(t);
    else {
      engine.notices.say(problem);
      setTyped(String(threshold));
    }
  };
  const ctx = engine.context();
  const btn = (id: string, text: string, key: string) => {
    const c = command(id);
    return (
      <button type="button" disabled={!ctx || !c.isEnabled(ctx)} onClick={() => void engine.run(c)} title={c.label}>
        {text} <kbd>{key}</kbd>
      </button>
    );
  };
  const c = triage?.counts;
  return (
    <section className="panel triage-panel" aria-label="Predictions">
      <h3>Predictions</h3>
      <label className="threshold">
        Person score ≥{' '}
        <input
          aria-label="Score threshold slider"
          type="range"
          min={SLIDER.min}
          max={SLIDER.max}
          step={SLIDER.step}
          value={Math.max(SLIDER.min, Math.min(SLIDER.max, threshold))}
          onChange={(e) => void engine.settings.setThreshold(Number(e.target.value))}
        />
        <input
          aria-label="Score threshold"
          type="number"
          step="0.05"
          min={PERSON_SCORE_THRESHOLD_RANGE.min}
          max={PERSON_SCORE_THRESHOLD_RANGE.max}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') applyTyped();
          }}
          onBlur={applyTyped}
        />
      </label>
      <div className="hint">
        {settings.isDefault ? 'the default for the bundled model · ' : 'set for this project · '}
        <button type="button" className="link" onClick={() => void engine.settings.setThreshold(null)}>
          reset
        </button>
      </div>
      <label>
        <input
          type="checkbox"
          checked={showPredictions}
          onChange={(e) => engine.view.setTriage({ showPredictions: e.target.checked })}
        />{' '}
        Show predictions <kbd>G</kbd>
      </label>
      {c && (
        <div className="meta" data-testid="triage-counts">
          {c.pending} pending · {c.below} below the threshold · {c.taken} accepted · {c.rejected} rejected
          {c.covered ? ` · ${c.covered} already someone` : ''}
        </div>
      )}
      <div className="buttons">
        {btn('image.acceptPredictions', `Accept ${c?.pending ?? 0} shown`, 'A')}
        {btn('prediction.next', 'Next', 'N')}
      </div>
      <div className="buttons">
        {btn('prediction.accept', 'Accept person', 'Y')}
        {btn('prediction.reject', 'Reject person', 'X')}
      </div>
      {showPredictions && triage && triage.pending.length > 0 && (
        <ul className="persons predictions" data-testid="pending-predictions" ref={list}>
          {triage.pending.map((t, i) => (
            <li
              key={t.key}
              className={prediction === t.key ? 'selected' : ''}
              onClick={() => engine.view.selectPrediction(t.key)}
            >
              predicted #{i + 1} · {t.pose.joints.filter((j) => j).length}/{JOINT_COUNT} joints · score{' '}
              {t.pose.score.toFixed(2)}
            </li>
          ))}
        </ul>
      )}
      <p className="hint score-note">{SCORE_EXPLANATION}</p>
    </section>
  );
}
