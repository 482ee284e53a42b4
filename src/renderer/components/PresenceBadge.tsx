import { presenceText } from '../editor/presence.ts';
import { useEngine, useSlice } from './useEditor.ts';

/** Over the canvas: who else has the open image open ("Alice has this image open"), in a team project. */
export function PresenceBadge({ imageId }: { imageId: number }) {
  const engine = useEngine();
  useSlice(engine.presence.editors);
  const text = presenceText(engine.presence.of(imageId));
  if (!text) return null;
  return (
    <div className="presence-badge" data-testid="presence" role="status">
      ● {text}
    </div>
  );
}

/** In an image list row: the names of who has that image open. */
export function RowPresence({ imageId }: { imageId: number }) {
  const engine = useEngine();
  useSlice(engine.presence.editors);
  const names = engine.presence.of(imageId);
  if (!names.length) return null;
  return (
    <span className="badge presence" data-testid="row-presence" title={presenceText(names) ?? ''}>
      {names.join(', ')}
    </span>
  );
}
