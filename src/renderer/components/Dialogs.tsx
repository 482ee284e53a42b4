import { useEffect, useState, type ReactNode } from 'react';
import { EDITOR_COMMANDS } from '../../core/edit/editorCommands.ts';
import { POINTER_GESTURES, VIEW_COMMANDS } from '../editor/viewCommands.ts';
import { CORRECTION_COMMANDS } from '../editor/correctionCommands.ts';
import { useEngine, useSlice } from './useEditor.ts';

/** A modal dialog: Esc, the backdrop and × close it. */
export function Dialog({ title, children }: { title: string; children: ReactNode }) {
  const engine = useEngine();
  return (
    <div
      className="backdrop"
      onClick={(e) => {
        if (e.target === e.currentTarget) engine.notices.open(null);
      }}
    >
      <div className="dialog" role="dialog" aria-label={title}>
        <h2>{title}</h2>
        {children}
        <button type="button" className="close" onClick={() => engine.notices.open(null)} aria-label="Close">
          ×
        </button>
      </div>
    </div>
  );
}

const keyText = (k: string, mac: boolean) => k.replace('Mod+', mac ? '⌘' : 'Ctrl+');

/** Every shortcut, from the same command tables the keyboard handler uses. */
export function HelpOverlay() {
  const engine = useEngine();
  const rows = [...EDITOR_COMMANDS, ...VIEW_COMMANDS, ...CORRECTION_COMMANDS].map(
    (c) => [c.shortcuts.map((k) => keyText(k, engine.isMac)).join(' / '), c.label] as const,
  );
  return (
    <Dialog title="Keyboard shortcuts">
      <table className="shortcuts">
        <tbody>
          {[...rows, ...POINTER_GESTURES].map(([k, label]) => (
            <tr key={label}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{label}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}

export function ExportDialog() {
  const engine = useEngine();
  const info = useSlice(engine.jobs.project);
  const root = info?.root ?? '';
  const defaultFile = info ? `${info.root}/${info.name}-coco-keypoints.json` : '';
  // The default is there from the first paint: filled in later, it could land in the middle of the user's typing.
  const [file, setFile] = useState(defaultFile);
  const [kind, setKind] = useState<'gt' | 'results'>('gt');
  // The same default as `simplepose export`: the images whose ground truth is established.
  const [scope, setScope] = useState<'established' | 'reviewed' | 'all'>('established');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (defaultFile) setFile((typed) => typed || defaultFile);
  }, [defaultFile]);
  const run = async () => {
    setBusy(true);
    // Failures take the one path (the status line); the dialog repeats the outcome where the user looks.
    const r = await engine.notices.attempt('The export failed', () =>
      engine.client.api.exportCoco({ path: file, onlyReviewed: scope === 'reviewed', all: scope === 'all', kind }),
    );
    const empty = r?.emptyPersons
      ? `; ${r.emptyPersons} person${r.emptyPersons === 1 ? '' : 's'} without any labelled joint left out`
      : '';
    setResult(
      r
        ? {
            ok: true,
            text: `Wrote ${r.images} images and ${r.annotations} ${kind === 'gt' ? 'annotations' : 'results'} to ${r.path ?? file}${empty}`,
          }
        : { ok: false, text: engine.notices.message.get() ?? 'The export failed' },
    );
    setBusy(false);
  };
  return (
    <Dialog title="Export COCO keypoints">
      <label>
        <input type="radio" checked={kind === 'gt'} onChange={() => setKind('gt')} /> Annotations (ground truth, for
        training)
      </label>
      <label>
        <input type="radio" checked={kind === 'results'} onChange={() => setKind('results')} /> Model results of the
        latest run (for evaluation)
      </label>
      <fieldset className="scope" aria-label="Images">
        <label>
          <input type="radio" checked={scope === 'established'} onChange={() => setScope('established')} /> Established
          ground truth: accepted, "no person" and imported images
        </label>
        <label>
          <input type="radio" checked={scope === 'reviewed'} onChange={() => setScope('reviewed')} /> Only accepted /
          "no person" images
        </label>
        <label>
          <input type="radio" checked={scope === 'all'} onChange={() => setScope('all')} /> Every image, each with its
          review status (also those only predicted or opened)
        </label>
      </fieldset>
      <label className="wide">
        File{' '}
        <input
          aria-label="Export file"
          value={file}
          onChange={(e) => setFile(e.target.value)}
          placeholder={`${root}/export.json`}
        />
      </label>
      <div className="buttons">
        <button type="button" className="primary" disabled={busy || !file} onClick={() => void run()}>
          Export
        </button>
      </div>
      {result && (
        <p className={result.ok ? 'ok' : 'error'} role="status" data-testid="export-result">
          {result.text}
        </p>
      )}
    </Dialog>
  );
}
