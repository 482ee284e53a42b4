import { promptOptions, promptText } from '../../core/review/reviewPrompt.ts';
import { useEngine, useSlice } from './useEditor.ts';

/** The one question before accepting (or rejecting) an image with undecided predictions: inline, keys or buttons. */
export function ReviewPrompt() {
  const engine = useEngine();
  const q = useSlice(engine.flow.prompt);
  if (!q) return null;
  return (
    <div className="review-prompt" role="alertdialog" aria-label="Undecided predictions" data-testid="review-prompt">
      <p>{promptText(q)}</p>
      <div className="buttons">
        {promptOptions(q).map((o) => (
          <button
            type="button"
            key={o.choice}
            className={o.choice === 'cancel' ? '' : 'primary'}
            onClick={() => void engine.flow.choose(o.choice)}
          >
            {o.label} <kbd>{o.key === 'Escape' ? 'Esc' : o.key}</kbd>
          </button>
        ))}
      </div>
    </div>
  );
}
