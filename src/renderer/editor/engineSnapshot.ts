import type { EditorEngine } from './editorEngine.ts';

/** Every slice of an engine at once, as plain data: for the end-to-end tests and the console, not for components. */
export function engineSnapshot(e: EditorEngine) {
  const cur = e.images.current.get(),
    a = e.annotation.get();
  return {
    ...e.images.status.get(),
    current: cur && a ? { ...cur, state: a.state, revision: a.revision, canUndo: a.canUndo, canRedo: a.canRedo } : null,
    ...e.view.selection.get(),
    hover: e.view.hover.get(),
    viewport: e.view.viewport.get(),
    canvas: e.view.canvas.get(),
    heatmap: e.view.heatmap.get(),
    setup: e.setup.setup.get(),
    problems: e.setup.problems.get(),
    importJob: e.setup.importJob.get(),
    triagePrefs: e.view.triage.get(),
    threshold: e.settings.settings.get(),
    triage: e.triage.get() && {
      counts: e.triage.get()!.counts,
      pending: e.triage.get()!.pending.map((t) => ({ key: t.key, index: t.index, score: t.pose.score })),
    },
    prompt: e.flow.prompt.get(),
    job: e.jobs.job.get(),
    training: {
      job: e.training.job.get(),
      points: e.training.points.get(),
      comparison: e.training.comparison.get(),
      comparing: e.training.comparing.get(),
    },
    dialog: e.notices.dialog.get(),
    message: e.notices.message.get(),
    dragging: e.pointer.dragging.get(),
    pending: a?.pending ?? 0,
    corrections: correctionsSnapshot(e),
  };
}

export type EngineSnapshot = ReturnType<typeof engineSnapshot>;

function correctionsSnapshot(e: EditorEngine) {
  const c = e.corrections,
    flags = c.flags.flags.get(),
    compare = c.flags.compare.get(),
    proposal = c.regroup.proposal.get();
  return {
    snap: c.fix.snap.get(),
    candidates: c.fix.candidates.get(),
    flags: flags && { items: flags.items, cursor: flags.cursor, ms: flags.ms },
    proposal: proposal && { ms: proposal.ms, diff: proposal.diff },
    mode: c.persons.mode.get(),
    compare: compare && { personId: compare.personId, joint: compare.joint },
    timings: c.fix.timings,
  };
}
