import { COCO_KEYPOINTS } from '../../core/skeleton/poseMeta.ts';
import { EDITOR_COMMANDS } from '../../core/edit/editorCommands.ts';
import { isLabelled, JOINT_COUNT } from '../../core/edit/poseRecords.ts';
import { ReviewPrompt } from './ReviewPrompt.tsx';
import { confidenceColour } from './personStyle.ts';
import { useEngine, useSlice } from './useEditor.ts';

const command = (id: string) => EDITOR_COMMANDS.find((c) => c.id === id)!;

/** The open image, its persons, and the selected person's joints (click one to select it). */
export function SidePanel() {
  const engine = useEngine();
  const cur = useSlice(engine.images.current);
  const annotation = useSlice(engine.annotation);
  const { selection, placeMode } = useSlice(engine.view.selection);
  const triage = useSlice(engine.triage);
  const ctx = engine.context();
  if (!cur || !annotation || !ctx) return <section className="panel" />;
  const { state } = annotation;
  const btn = (id: string, text: string, key: string) => {
    const c = command(id);
    return (
      <button
        type="button"
        disabled={!c.isEnabled(ctx)}
        onClick={() => void engine.run(c)}
        title={`${c.label} (${key})`}
      >
        {text} <kbd>{key}</kbd>
      </button>
    );
  };
  const person = selection.personId ? state.persons[selection.personId] : null;
  return (
    <section className="panel side-panel" aria-label="Annotation">
      <h3 title={cur.row.relPath}>{cur.row.relPath}</h3>
      <div className="meta">
        {cur.row.width}×{cur.row.height} ·{' '}
        <span className={`badge status-${cur.row.status}`} data-testid="image-status">
          {cur.row.status.replace('_', ' ')}
        </span>{' '}
        · rev {annotation.revision}
      </div>
      <div className="buttons">
        {btn('image.accept', 'Accept', 'Enter')}
        {btn('image.reject', 'Reject', 'R')}
        {btn('image.skip', 'Skip', 'K')}
      </div>
      <ReviewPrompt />
      <div className="buttons">{btn('person.add', 'Add person', 'P')}</div>
      <div className="buttons">
        {btn('history.undo', 'Undo', engine.isMac ? '⌘Z' : 'Ctrl+Z')}
        {btn('history.redo', 'Redo', engine.isMac ? '⇧⌘Z' : 'Ctrl+Shift+Z')}
      </div>
      <h4>
        Persons ({state.order.length}
        {triage?.pending.length ? `; ${triage.pending.length} predicted pending, shown dashed` : ''})
      </h4>
      <ul className="persons" data-testid="persons">
        {state.order.map((id, i) => {
          const p = state.persons[id];
          const n = p.joints.filter(isLabelled).length;
          return (
            <li
              key={id}
              className={selection.personId === id ? 'selected' : ''}
              onClick={() => engine.select({ personId: id, joint: null })}
            >
              #{i + 1} · {n}/{JOINT_COUNT} joints{p.score !== undefined ? ` · score ${p.score.toFixed(2)}` : ''}
              {p.crowd ? ' · crowd' : ''}
            </li>
          );
        })}
      </ul>
      {person && (
        <>
          <div className="buttons">
            {btn('person.swapLeftRight', 'Swap L/R', 'S')}
            {btn('person.delete', 'Delete person', 'Shift+Del')}
            {btn('joint.nextMissing', 'Next missing', 'M')}
          </div>
          <table className="joints" data-testid="joints">
            <thead>
              <tr>
                <th>joint</th>
                <th>v</th>
                <th>score</th>
                <th>source</th>
              </tr>
            </thead>
            <tbody>
              {person.joints.map((j, k) => (
                <tr
                  key={COCO_KEYPOINTS[k]}
                  className={selection.joint === k ? 'selected' : ''}
                  onClick={() => engine.select({ personId: person.id, joint: k }, !isLabelled(j))}
                  data-joint={COCO_KEYPOINTS[k]}
                >
                  <td>
                    <span
                      className="dot"
                      style={{
                        background: j
                          ? confidenceColour(j.source === 'human' ? undefined : j.model?.score)
                          : 'transparent',
                      }}
                    />
                    {COCO_KEYPOINTS[k]}
                  </td>
                  <td>{j ? j.v : 0}</td>
                  <td>{j?.model ? j.model.score.toFixed(2) : ''}</td>
                  <td>{j ? (j.v === 0 ? `${j.source}, not labelled` : j.source) : 'missing'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="buttons">
            {btn('joint.cycleVisibility', 'Visibility', 'V')}
            {btn('joint.delete', 'Delete joint', 'Del')}
          </div>
        </>
      )}
      {placeMode && person && selection.joint !== null && (
        <p className="hint place-hint" role="status">
          Click on the image to place <b>{COCO_KEYPOINTS[selection.joint]}</b> (Esc to stop).
        </p>
      )}
    </section>
  );
}
