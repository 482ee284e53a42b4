import { useState } from 'react';
import { useEngine, useSlice } from './useEditor.ts';

const KEY = 'simplepose.seen-notices';

/** Notices dismissed in this browser (private mode may refuse storage: then they show once per session). */
function seen(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Said once per project and model: the model in use was trained on synthetic people only and the project holds
 * photos, on which its skeletons are poor — with what to do instead.
 */
export function ModelNotice() {
  const engine = useEngine();
  const setup = useSlice(engine.setup.setup);
  const info = useSlice(engine.jobs.project);
  const [dismissed, setDismissed] = useState(seen);
  if (!setup || !info || !setup.photos || !setup.model.facts.syntheticOnly) return null;
  const id = `${info.root}|${setup.model.path}`;
  if (dismissed.includes(id)) return null;
  const photoAp = setup.model.facts.accuracy.find((a) => /coco|photo/i.test(a.on));
  const dismiss = () => {
    const next = [...dismissed, id].slice(-200);
    setDismissed(next);
    try {
      localStorage.setItem(KEY, JSON.stringify(next));
    } catch {
      /* shown again next session */
    }
  };
  return (
    <div className="model-notice" role="note" data-testid="model-notice">
      <b>{setup.model.name} was trained on synthetic people only</b>
      {photoAp ? ` (AP ${photoAp.AP.toFixed(3)} on ${photoAp.on})` : ''}: on these photos its skeletons will be poor.
      For photos, import the official checkpoint (Settings → Import a checkpoint, e.g. PoseNet_52_epoch.pth) or a model
      trained on real people, then run detection again.{' '}
      <button type="button" onClick={() => engine.notices.open('settings')}>
        Open settings
      </button>{' '}
      <button type="button" onClick={dismiss}>
        Got it
      </button>
    </div>
  );
}
