import { useEffect, useRef, useState } from 'react';
import { ImageStatus } from '../../contract/apiPayloads.ts';
import type { ImageStatusName, ListFilter } from '../editor/imageListModel.ts';
import { RowPresence } from './PresenceBadge.tsx';
import { useEngine, useSlice } from './useEditor.ts';

const ROW = 56;
const STATUSES = ImageStatus.options;

/** The project's images: virtualised (only the visible rows exist), thumbnails, status badges, filters, queue order. */
export function ImageList() {
  const engine = useEngine();
  const { index } = useSlice(engine.images.status);
  useSlice(engine.listVersion); // rows loaded, statuses changed
  const problems = useSlice(engine.setup.problems);
  const box = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState(0);
  const [height, setHeight] = useState(600);
  const list = engine.list;
  // The filter is the engine's (kept for the project, so a reload resumes with it); the score fields are typed
  // here and applied on Enter or when they lose focus.
  const filter = list.filter;
  const [typed, setTyped] = useState({ min: '', max: '' });
  useEffect(() => {
    setTyped({ min: String(filter.minScore ?? ''), max: String(filter.maxScore ?? '') });
  }, [filter.minScore, filter.maxScore]);

  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // Keep the open image in view.
  useEffect(() => {
    const el = box.current;
    if (!el || index < 0) return;
    const top = index * ROW;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW - el.clientHeight;
  }, [index]);

  const apply = (f: ListFilter) => void engine.setFilter(f);
  const first = Math.max(0, Math.floor(scroll / ROW) - 5);
  const last = Math.min(list.total, Math.ceil((scroll + height) / ROW) + 5);
  const rows = [];
  for (let i = first; i < last; i++) {
    const r = list.rowAt(i);
    rows.push(
      <div
        key={i}
        className={`image-row${i === index ? ' current' : ''}`}
        style={{ top: i * ROW }}
        onClick={() => void engine.openIndex(i)}
        data-index={i}
        role="option"
        aria-selected={i === index}
      >
        {r ? (
          <>
            <img
              className="thumb"
              src={engine.client.mediaUrl('thumbs', r.id)}
              loading="lazy"
              alt=""
              draggable={false}
            />
            <div className="row-text">
              <div className="row-name" title={r.relPath}>
                {r.relPath}
              </div>
              <div className="row-meta">
                <span className={`badge status-${r.status}`}>{r.status.replace('_', ' ')}</span>
                {r.missing && <span className="badge missing">missing</span>}
                <RowPresence imageId={r.id} />
                {r.score !== null && (
                  <span className="score" title="mean person score of the latest detection">
                    {r.score.toFixed(2)}
                  </span>
                )}
              </div>
            </div>
          </>
        ) : (
          <div className="row-text">…</div>
        )}
      </div>,
    );
  }
  const num = (v: string) => (v.trim() === '' || !Number.isFinite(Number(v)) ? undefined : Number(v));
  const applyScores = () => {
    const minScore = num(typed.min),
      maxScore = num(typed.max);
    if (minScore !== filter.minScore || maxScore !== filter.maxScore) apply({ ...filter, minScore, maxScore });
  };
  const scoreField = (which: 'min' | 'max', label: string) => (
    <input
      aria-label={label}
      type="number"
      step="0.05"
      value={typed[which]}
      onChange={(e) => setTyped({ ...typed, [which]: e.target.value })}
      onKeyDown={(e) => {
        if (e.key === 'Enter') applyScores();
      }}
      onBlur={applyScores}
    />
  );
  return (
    <aside className="image-list">
      <div className="filters">
        <select
          aria-label="Status filter"
          value={filter.status ?? ''}
          onChange={(e) => apply({ ...filter, status: (e.target.value || undefined) as ImageStatusName | undefined })}
        >
          <option value="">All statuses</option>
          {STATUSES.map((x) => (
            <option key={x} value={x}>
              {x.replace('_', ' ')}
            </option>
          ))}
        </select>
        <select
          aria-label="Order"
          value={filter.order}
          onChange={(e) => apply({ ...filter, order: e.target.value as ListFilter['order'] })}
        >
          <option value="file">File order</option>
          <option value="uncertainty">Review queue: least confident first</option>
          <option value="hardness">Review queue: hardest first (focal L2)</option>
        </select>
        <div className="score-filter">
          <label title="mean person score of the latest detection (the decoder's: below 1, below 0 for weak persons)">
            score ≥ {scoreField('min', 'Minimum score')}
          </label>
          <label>≤ {scoreField('max', 'Maximum score')}</label>
        </div>
        <div className="list-count" data-testid="list-count">
          {list.total.toLocaleString()} images
        </div>
        {problems.length > 0 && (
          <button
            type="button"
            className="problems-link"
            data-testid="problems-link"
            onClick={() => engine.notices.open('problems')}
          >
            ⚠ {problems.length} file{problems.length === 1 ? '' : 's'} could not be used: why?
          </button>
        )}
      </div>
      <div
        className="rows"
        ref={box}
        onScroll={(e) => setScroll(e.currentTarget.scrollTop)}
        role="listbox"
        aria-label="Images"
      >
        <div style={{ height: list.total * ROW, position: 'relative' }}>{rows}</div>
      </div>
    </aside>
  );
}
