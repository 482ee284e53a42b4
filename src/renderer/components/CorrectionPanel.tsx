import { useLayoutEffect, useMemo, useRef } from 'react';
import { colormapLut } from '../../core/geometry/colormap.ts';
import { mapPlacement } from '../../core/geometry/mapPlacement.ts';
import { COCO_KEYPOINTS } from '../../core/skeleton/poseMeta.ts';
import type { FlagCompare } from '../editor/imageFlags.ts';
import type { OverlayMaps } from '../editor/imageSession.ts';
import { paintHeatmap } from '../editor/paintHeatmap.ts';
import { inRange, SNAP_RADIUS_RANGE_PX, TOP_K_RANGE } from '../editor/viewPrefs.ts';
import { jointChannel } from '../editor/viewState.ts';
import { useEngine, useSlice } from './useEditor.ts';

/** Width (CSS px) of each side of the predicted-vs-target view. */
const COMPARE_PX = 150;
/** Each side shows the image around the labelled joint, this far (image px) each way: where the two disagree. */
const COMPARE_HALF_PX = 48;

/**
 * The corrections' panel: the image's flags as a list to step through (L / Shift+L, or a click), the regroup
 * proposal's apply/discard, the snap and second-guess settings, and the label-error view (predicted vs target
 * heatmap of the flagged joint's channel, side by side: PRODUCT.md P1).
 */
export function CorrectionPanel() {
  const engine = useEngine();
  const c = engine.corrections;
  const flags = useSlice(c.flags.flags);
  const proposal = useSlice(c.regroup.proposal);
  const prefs = useSlice(engine.view.corrections);
  const compare = useSlice(c.flags.compare);
  const cur = useSlice(engine.images.current);
  return (
    <section className="panel correction-panel" aria-label="Corrections">
      <h3>Corrections</h3>
      {!cur?.maps && <p className="hint">Snap, second guesses, flags and regroup read the maps: run detection.</p>}
      {proposal && (
        <div className="proposal" data-testid="regroup-proposal">
          Regroup proposal ({Object.keys(proposal.diff.updated).length + Object.keys(proposal.diff.added).length}{' '}
          changed, {proposal.ms.toFixed(1)} ms){' '}
          <button type="button" onClick={() => c.regroup.accept()}>
            Apply <kbd>Enter</kbd>
          </button>{' '}
          <button type="button" onClick={() => c.regroup.discard()}>
            Discard <kbd>Esc</kbd>
          </button>
        </div>
      )}
      {flags && (
        <div data-testid="flags">
          {flags.items.length === 0 ? (
            <p className="hint">No flags on this image.</p>
          ) : (
            <>
              <p>
                {flags.items.length} flag{flags.items.length === 1 ? '' : 's'} — <kbd>L</kbd> next, <kbd>Shift+L</kbd>{' '}
                previous
              </p>
              <ol className="flag-list">
                {flags.items.map((f, i) => (
                  <li key={`${f.kind}-${f.personId}-${f.kind === 'label' ? f.joint : ''}`}>
                    <button
                      type="button"
                      className={i === flags.cursor ? 'current' : ''}
                      onClick={() => {
                        c.flags.flags.set({ ...flags, cursor: i - 1 });
                        c.flags.step(1);
                      }}
                    >
                      {f.kind === 'swap'
                        ? `L/R swapped? ×${f.ratio.toFixed(2)} (S swaps)`
                        : `${COCO_KEYPOINTS[f.joint]}: the model sees it elsewhere (gain ${f.gain.toFixed(2)})`}
                    </button>
                  </li>
                ))}
              </ol>
            </>
          )}
        </div>
      )}
      {compare && cur?.maps && <CompareView compare={compare} maps={cur.maps} w={cur.row.width} h={cur.row.height} />}
      <label>
        Snap to peak{' '}
        <select
          aria-label="Snap to peak"
          value={prefs.snap}
          onChange={(e) => engine.view.setCorrections({ snap: e.target.value as typeof prefs.snap })}
        >
          <option value="Shift">while Shift is held</option>
          <option value="Alt">while Alt is held</option>
          <option value="always">always</option>
          <option value="off">off</option>
        </select>
      </label>
      <NumberSetting
        label="within"
        unit="px"
        aria="Snap radius"
        range={SNAP_RADIUS_RANGE_PX}
        whole={false}
        value={prefs.snapRadiusPx}
        set={(snapRadiusPx) => engine.view.setCorrections({ snapRadiusPx })}
      />
      <NumberSetting
        label="Second guesses"
        aria="Second guesses"
        range={TOP_K_RANGE}
        whole
        value={prefs.topK}
        set={(topK) => engine.view.setCorrections({ topK })}
      />
    </section>
  );
}

/** A number setting: what is typed outside its range (or not whole, where it must be) is not taken. */
function NumberSetting(props: {
  label: string;
  unit?: string;
  aria: string;
  range: readonly [number, number];
  whole: boolean;
  value: number;
  set(v: number): void;
}) {
  const { label, unit, aria, range, whole, value, set } = props;
  return (
    <label>
      {label}{' '}
      <input
        type="number"
        aria-label={aria}
        min={range[0]}
        max={range[1]}
        value={value}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (inRange(v, range, whole)) set(v);
        }}
      />
      {unit && ` ${unit}`}
    </label>
  );
}

/** Predicted and target heatmap of the flagged joint's channel, each painted as the overlay paints (paintHeatmap). */
function CompareView(props: { compare: FlagCompare; maps: OverlayMaps; w: number; h: number }) {
  const { compare, maps, w, h } = props;
  const engine = useEngine();
  const channel = jointChannel(compare.joint);
  const shown = useSlice(engine.annotation);
  const at = shown?.state.persons[compare.personId]?.joints[compare.joint] ?? null;
  const target = useMemo<OverlayMaps>(
    () => ({
      ...maps,
      data: compare.target.data,
      channels: compare.target.channels,
      h: compare.target.height,
      w: compare.target.width,
      multiplier: compare.multiplier,
      placement: mapPlacement(w, h, compare.multiplier),
    }),
    [maps, compare, w, h],
  );
  return (
    <figure className="compare" data-testid="label-compare">
      <figcaption>
        {COCO_KEYPOINTS[compare.joint]} (channel {channel}): predicted | target of the labels
        {at ? `, ${2 * COMPARE_HALF_PX} px around the label (+)` : ''}{' '}
        <button type="button" onClick={() => engine.corrections.flags.closeCompare()}>
          Close
        </button>
      </figcaption>
      <div className="compare-row">
        <Painted maps={maps} channel={channel} w={w} h={h} at={at} name="predicted" />
        <Painted maps={target} channel={channel} w={w} h={h} at={at} name="target" />
      </div>
    </figure>
  );
}

/** One side: the channel painted as the overlay paints it, cropped around `at` (the whole image when null). */
function Painted(props: {
  maps: OverlayMaps;
  channel: number;
  w: number;
  h: number;
  at: { x: number; y: number } | null;
  name: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const lut = useMemo(() => colormapLut('turbo', 1), []);
  const { maps, channel, w, h, at } = props;
  const ax = at?.x,
    ay = at?.y;
  useLayoutEffect(() => {
    const c = ref.current;
    if (!c) return;
    if (ax === undefined || ay === undefined) {
      paintHeatmap(c, maps, channel, lut, w, h, Math.max(1, Math.ceil(w / (2 * COMPARE_PX))));
      return;
    }
    const full = document.createElement('canvas');
    paintHeatmap(full, maps, channel, lut, w, h, 1);
    const side = Math.min(2 * COMPARE_HALF_PX, w, h);
    const x0 = Math.min(Math.max(0, Math.round(ax) - side / 2), w - side),
      y0 = Math.min(Math.max(0, Math.round(ay) - side / 2), h - side);
    c.width = side;
    c.height = side;
    const ctx = c.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(full, x0, y0, side, side, 0, 0, side, side);
    // the label's place, in a colour off the hot end (red) of the colormap, where the peaks are
    ctx.strokeStyle = '#00ffff';
    ctx.beginPath();
    ctx.moveTo(ax - x0 - 4, ay - y0);
    ctx.lineTo(ax - x0 + 4, ay - y0);
    ctx.moveTo(ax - x0, ay - y0 - 4);
    ctx.lineTo(ax - x0, ay - y0 + 4);
    ctx.stroke();
  }, [maps, channel, lut, w, h, ax, ay]);
  return <canvas ref={ref} data-testid={`compare-${props.name}`} style={{ width: COMPARE_PX }} />;
}
