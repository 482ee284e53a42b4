import { Dialog } from './Dialogs.tsx';
import { useEngine, useSlice } from './useEditor.ts';

/** "Re-run all" is an explicit choice: it says what it does before it starts a new run over every image. */
export function RerunDialog() {
  const engine = useEngine();
  const setup = useSlice(engine.setup.setup);
  const info = useSlice(engine.jobs.project);
  const s = setup?.settings;
  return (
    <Dialog title="Re-run detection on all images">
      <p>
        This starts a new run of {setup?.model.name ?? 'the model'} (scales {s?.scales.join(', ')}
        {s?.flip ? ', flip' : ''}, {s?.mode} decoder) over all {info?.images ?? ''} images. The predictions of earlier
        runs stay in the project; "Run detection" only completes what the current model and settings lack.
      </p>
      <div className="buttons">
        <button
          type="button"
          className="primary"
          onClick={() => {
            engine.notices.open(null);
            void engine.jobs.start(true);
          }}
        >
          Re-run all
        </button>
        <button type="button" onClick={() => engine.notices.open(null)}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

/** Files the app could not use, with the reason: unreadable at the folder scan, or failed in detection. */
export function ProblemsDialog() {
  const engine = useEngine();
  const files = useSlice(engine.setup.problems);
  return (
    <Dialog title="Files that could not be used">
      {files.length === 0 ? (
        <p>Every file of the project could be read.</p>
      ) : (
        <table className="problems" data-testid="problems">
          <thead>
            <tr>
              <th>file</th>
              <th>when</th>
              <th>why</th>
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={`${f.stage}:${f.relPath}`}>
                <td>{f.relPath}</td>
                <td>{f.stage === 'scan' ? 'reading the folder' : 'detection'}</td>
                <td>{f.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Dialog>
  );
}
