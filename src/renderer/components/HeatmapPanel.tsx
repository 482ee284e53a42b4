import { CHANNELS, channelLabel } from '../../core/skeleton/poseMeta.ts';
import { useEditor, useEngine } from './useEditor.ts';

const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);

/** Which of the 50 channels to overlay, and how. */
export function HeatmapPanel() {
  const engine = useEngine();
  const s = useEditor();
  const h = s.heatmap;
  const maps = s.current?.maps;
  return (
    <section className="panel heatmap-panel" aria-label="Heatmap">
      <h3>Heatmap</h3>
      {!maps && (
        <p className="hint">
          {s.current?.predictions.length || s.current ? 'No cached maps for this image: run detection.' : ''}
        </p>
      )}
      <label>
        <input type="checkbox" checked={h.visible} onChange={(e) => engine.setHeatmap({ visible: e.target.checked })} />{' '}
        Show overlay <kbd>H</kbd>
      </label>
      <select
        aria-label="Heatmap channel"
        value={h.channel}
        onChange={(e) => engine.setHeatmap({ channel: Number(e.target.value), visible: true })}
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
          onChange={(e) => engine.setHeatmap({ opacity: Number(e.target.value) })}
        />
      </label>
      <label>
        Colormap{' '}
        <select
          aria-label="Colormap"
          value={h.colormap}
          onChange={(e) => engine.setHeatmap({ colormap: e.target.value as 'turbo' | 'gray' })}
        >
          <option value="turbo">turbo</option>
          <option value="gray">gray</option>
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          checked={h.followHover}
          onChange={(e) => engine.setHeatmap({ followHover: e.target.checked })}
        />{' '}
        Hovered joint selects its channel
      </label>
      <label>
        <input type="checkbox" checked={h.parts} onChange={(e) => engine.setHeatmap({ parts: e.target.checked })} />{' '}
        Body-part ellipses
      </label>
    </section>
  );
}
