import { CHANNELS, channelLabel } from '../../core/skeleton/poseMeta.ts';
import { useEngine, useSlice } from './useEditor.ts';

const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);

/** Which of the 50 channels to overlay, and how. */
export function HeatmapPanel() {
  const engine = useEngine();
  const h = useSlice(engine.view.heatmap);
  const cur = useSlice(engine.images.current);
  return (
    <section className="panel heatmap-panel" aria-label="Heatmap">
      <h3>Heatmap</h3>
      {cur && !cur.maps && (
        <p className="hint">
          {cur.mapsError
            ? `The maps of this image could not be loaded: ${cur.mapsError}`
            : 'No cached maps for this image: run detection.'}
        </p>
      )}
      <label>
        <input
          type="checkbox"
          checked={h.visible}
          onChange={(e) => engine.view.setHeatmap({ visible: e.target.checked })}
        />{' '}
        Show overlay <kbd>H</kbd>
      </label>
      <select
        aria-label="Heatmap channel"
        value={h.channel}
        onChange={(e) => engine.view.setHeatmap({ channel: Number(e.target.value), visible: true })}
      >
        <optgroup label="Keypoints">
          {range(CHANNELS.keypointStart, CHANNELS.keypointCount).map((c) => (
            <option key={c} value={c}>
              {c}: {channelLabel(c)}
            </option>
          ))}
        </optgroup>
        <optgroup label="Body parts">
          {range(CHANNELS.limbStart, CHANNELS.limbCount).map((c) => (
            <option key={c} value={c}>
              {c}: {channelLabel(c)}
            </option>
          ))}
        </optgroup>
        <optgroup label="Background">
          {[CHANNELS.personMask, CHANNELS.keypointMax].map((c) => (
            <option key={c} value={c}>
              {c}: {channelLabel(c)}
            </option>
          ))}
        </optgroup>
      </select>
      <label>
        Opacity{' '}
        <input
          aria-label="Heatmap opacity"
          type="range"
          min="0"
          max="1"
          step="0.05"
          value={h.opacity}
          onChange={(e) => engine.view.setHeatmap({ opacity: Number(e.target.value) })}
        />
      </label>
      <label>
        Colormap{' '}
        <select
          aria-label="Colormap"
          value={h.colormap}
          onChange={(e) => engine.view.setHeatmap({ colormap: e.target.value as 'turbo' | 'gray' })}
        >
          <option value="turbo">turbo</option>
          <option value="gray">gray</option>
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          checked={h.followHover}
          onChange={(e) => engine.view.setHeatmap({ followHover: e.target.checked })}
        />{' '}
        Hovered joint selects its channel
      </label>
      <label>
        <input
          type="checkbox"
          checked={h.parts}
          onChange={(e) => engine.view.setHeatmap({ parts: e.target.checked })}
        />{' '}
        Body-part ellipses
      </label>
    </section>
  );
}
