import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openProjectDb } from '../db/openProjectDb.ts';
import { AnnotationStore, HISTORY_PAGE, type AnnotationView } from './annotationStore.ts';
import { acceptPredictions, addPerson, cycleVisibility, moveJoint, placeJoint } from '../../core/edit/poseEdits.ts';
import { ApiError } from '../../contract/apiErrors.ts';
import { exportCoco } from './cocoExchange.ts';
import { applyDiff, type RecordDiff } from '../../core/edit/recordDiff.ts';
import { EMPTY_ANNOTATION } from '../../core/edit/poseRecords.ts';
import { EditHistory, type HistoryStep } from '../../core/edit/editHistory.ts';

function project() {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sp-ann-')), 'p.sqlite');
  const db = openProjectDb(file);
  db.prepare(
    "INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at) VALUES (1, 'a.jpg', 'h', 1, 100, 100, 0, 0)",
  ).run();
  return { db, file };
}
const pose = { score: 0.9, neck: null, joints: Array.from({ length: 17 }, (_, k) => ({ x: k, y: k, score: 0.5 })) };

/** An editor's history over the store: every step saved with the revision it was made on, as the app does. */
function editor(store: AnnotationStore, imageId = 1) {
  const v = store.view(imageId);
  const h = new EditHistory(v.state, v.history);
  let revision = v.revision;
  const save = (st: HistoryStep | null) => {
    if (!st) return;
    revision = store.save(imageId, [st], { baseRevision: revision }).revision;
  };
  return {
    h,
    do: (diff: RecordDiff, label: string) => save(h.apply(diff, label)),
    undo: () => save(h.undo()),
    redo: () => save(h.redo()),
    save,
  };
}

describe("AnnotationStore: the persisted entries of the editor's EditHistory", () => {
  it("a batch (a drag) is one entry; undo/redo survive a restart; the restored history continues as the editor's", () => {
    const { db, file } = project();
    const store = new AnnotationStore(db);
    const e = editor(store);
    e.do(
      acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
      'accept predictions',
    );
    e.h.beginBatch();
    for (let i = 1; i <= 5; i++) e.h.apply(moveJoint(e.h.current, 'p0', 0, 50 + i, 60), 'move joint');
    e.save(e.h.endBatch());
    e.do(cycleVisibility(e.h.current, 'p0', 1), 'visibility');
    e.undo();
    expect(store.view(1).history).toEqual(e.h.window());
    db.close();
    const db2 = openProjectDb(file);
    const again = editor(new AnnotationStore(db2));
    expect(again.h.current.persons.p0.joints[0]).toMatchObject({ x: 55, y: 60, source: 'edited' });
    expect(again.h.current.persons.p0.joints[1]?.v).toBe(2);
    expect(new AnnotationStore(db2).load(1).revision).toBe(4); // accept, drag, visibility, undo
    again.undo();
    expect(new AnnotationStore(db2).load(1).state.persons.p0.joints[0]).toMatchObject({ x: 0, y: 0, source: 'model' });
    again.redo();
    again.redo();
    expect(new AnnotationStore(db2).load(1).state.persons.p0.joints[1]?.v).toBe(1);
    db2.close();
  });

  it("any sequence of edits, undos, redos and restarts: the stored history is the editor's, entry for entry", () => {
    const { db, file } = project();
    let conn = db;
    let e = editor(new AnnotationStore(conn));
    e.do(
      acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
      'accept',
    );
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 300; i++) {
      const r = rnd(10);
      const k = rnd(17),
        edit = e.h.current.persons.p0.joints[k] ? moveJoint : placeJoint;
      if (r < 4) e.do(edit(e.h.current, 'p0', k, rnd(100), rnd(100)), `move ${i}`);
      else if (r < 5) e.do(cycleVisibility(e.h.current, 'p0', rnd(17)), `visibility ${i}`);
      else if (r < 8 && e.h.window().cursor > 1)
        e.undo(); // the accepted person stays
      else if (e.h.canRedo) e.redo();
      if (i % 50 === 49) {
        // A restart: the editor comes back with the stored page and pages in what it needs.
        const before = e.h.current;
        conn.close();
        conn = openProjectDb(file);
        const store = new AnnotationStore(conn);
        e = editor(store);
        expect(e.h.current).toEqual(before);
        while (e.h.missing('undo') !== null) {
          const w = e.h.window();
          const from = Math.max(1, w.first - HISTORY_PAGE);
          e.h.addEntries(from, store.entries(1, store.load(1).revision, from, w.first - 1));
        }
      }
    }
    const store = new AnnotationStore(conn);
    const v = store.view(1, 10_000);
    expect(v.state).toEqual(e.h.current);
    const w = e.h.window();
    expect([v.history.cursor, v.history.length]).toEqual([w.cursor, w.length]);
    expect(v.history.entries.slice(w.first - 1)).toEqual(w.entries);
    expect(w.length).toBeGreaterThan(50);
    conn.close();
  });

  it('refuses an edit that does not fit, leaving the stored state and history unchanged', () => {
    const { db } = project();
    const store = new AnnotationStore(db);
    const s = store.apply(
      1,
      acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
      'accept',
    ).state;
    const stale = moveJoint(s, 'p0', 0, 1, 1);
    store.apply(1, { added: {}, updated: {}, removed: { p0: s.persons.p0 } }, 'delete person');
    expect(() => store.apply(1, stale, 'move joint')).toThrow(/person p0 does not exist/);
    expect(store.view(1).history.entries.map((e) => e.label)).toEqual(['accept', 'delete person']);
  });

  it('the steps of one save are one transaction: a bad step saves none of them, and says which', () => {
    const { db } = project();
    const store = new AnnotationStore(db);
    const { state, revision } = store.apply(
      1,
      acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
      'accept',
    );
    const good = moveJoint(state, 'p0', 0, 5, 5);
    const bad = moveJoint(applyDiff(state, good), 'p0', 1, 1e6, 5);
    const e = refusal(() =>
      store.save(
        1,
        [
          { kind: 'do', seq: 2, diff: good, label: 'a' },
          { kind: 'do', seq: 3, diff: bad, label: 'b' },
        ],
        { baseRevision: revision },
      ),
    );
    expect([e.code, (e.details as { step: number }).step]).toEqual(['unprocessable', 1]);
    expect(e.message).toMatch(/^the edit \(step 2\) was refused: .*too far outside the 100×100 image/);
    expect(store.load(1)).toEqual({ state, revision });
    const ok = store.save(
      1,
      [
        { kind: 'do', seq: 2, diff: good, label: 'a' },
        { kind: 'undo', seq: 2 },
        { kind: 'redo', seq: 2 },
      ],
      { baseRevision: revision },
    );
    expect(ok).toMatchObject({ revision: revision + 3, cursor: 2, length: 2, saved: true, rebased: false });
  });

  it('a step that does not follow the stored history is refused (409), nothing changed', () => {
    const { db } = project();
    const store = new AnnotationStore(db);
    const { revision } = store.apply(
      1,
      acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
      'accept',
    );
    for (const step of [{ kind: 'undo', seq: 2 } as const, { kind: 'redo', seq: 1 } as const]) {
      const e = refusal(() => store.save(1, [step], { baseRevision: revision }));
      expect(e.code).toBe('conflict');
      expect(e.message).toMatch(/the history is at entry 1, not where this (undo|redo) was made/);
    }
    expect(refusal(() => store.save(1, [{ kind: 'redo', seq: 2 }], { baseRevision: revision })).message).toBe(
      'nothing to redo',
    );
    expect(store.load(1).revision).toBe(revision);
  });
});

/** The ApiError a call throws (code, message, details). */
function refusal(f: () => unknown): ApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('AnnotationStore: revisions (two writers from the same loaded state)', () => {
  const setup = () => {
    const { db } = project();
    const store = new AnnotationStore(db);
    const loaded = store.apply(
      1,
      acceptPredictions(EMPTY_ANNOTATION, [pose, pose], (i) => `p${i}`),
      'accept',
    );
    return { db, store, loaded };
  };
  it('an edit on an older revision that changes other joints is re-based: both changes are kept', () => {
    const { store, loaded } = setup();
    const a = store.apply(1, moveJoint(loaded.state, 'p0', 0, 50, 50), 'A', { baseRevision: loaded.revision });
    const b = store.apply(1, moveJoint(loaded.state, 'p0', 5, 60, 60), 'B', { baseRevision: loaded.revision });
    expect(b.revision).toBe(a.revision + 1);
    const { state } = store.load(1);
    expect(state.persons.p0.joints[0]).toMatchObject({ x: 50, y: 50 });
    expect(state.persons.p0.joints[5]).toMatchObject({ x: 60, y: 60 });
    // The history holds the diff as applied: undoing B keeps A.
    editor(store).undo();
    expect(store.load(1).state.persons.p0.joints[0]).toMatchObject({ x: 50, y: 50 });
    expect(store.load(1).state.persons.p0.joints[5]).toMatchObject({ x: 5, y: 5 });
  });
  it('an edit on an older revision of the same joint is refused with 409 and the current annotation', () => {
    const { store, loaded } = setup();
    const a = store.apply(1, moveJoint(loaded.state, 'p1', 3, 70, 70), 'A', { baseRevision: loaded.revision });
    const e = refusal(() =>
      store.apply(1, moveJoint(loaded.state, 'p1', 3, 80, 80), 'B', { baseRevision: loaded.revision }),
    );
    expect([e.code, e.status]).toEqual(['conflict', 409]);
    expect(e.message).toMatch(/another writer changed left ear of person p1 since revision 1 \(now 2\)/);
    expect(e.details).toEqual(store.view(1));
    expect((e.details as AnnotationView).state).toEqual(a.state);
    expect(store.load(1).revision).toBe(a.revision);
    // Undo names the revision its window saw: a stale one is refused the same way.
    const stale = refusal(() => store.save(1, [{ kind: 'undo', seq: 2 }], { baseRevision: loaded.revision }));
    expect(stale.code).toBe('conflict');
    expect(stale.message).toMatch(/changed since revision 1 \(another window or writer made revision 2\)/);
    expect(store.save(1, [{ kind: 'undo', seq: 2 }], { baseRevision: a.revision })).toMatchObject({ cursor: 1 });
  });
});

describe('AnnotationStore: payloads that would break the project are refused (422), nothing stored', () => {
  const { db } = project();
  const store = new AnnotationStore(db);
  const { state, revision } = store.apply(
    1,
    acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
    'accept',
  );
  const p0 = state.persons.p0;
  const attacks: [string, RecordDiff, RegExp][] = [
    [
      'order naming persons that do not exist',
      { added: {}, updated: {}, removed: {}, order: [state.order, ['p0', 'ghost']] },
      /order: names person ghost/,
    ],
    [
      'a map key that is not the id',
      { added: { x: { ...p0, id: 'y' } }, updated: {}, removed: {} },
      /diff\.added\.x\.id: must be the key/,
    ],
    [
      'a joint list of 5',
      { added: {}, updated: { p0: [p0, { ...p0, joints: p0.joints.slice(0, 5) }] }, removed: {} },
      /must list exactly 17 joints/,
    ],
    [
      '±1e308 coordinates',
      {
        added: {},
        updated: { p0: [p0, { ...p0, joints: p0.joints.map((j) => j && { ...j, x: 1e308 }) }] },
        removed: {},
      },
      /too far outside the 100×100 image/,
    ],
    [
      'a before that is not the stored record',
      moveJoint({ ...state, persons: { p0: { ...p0, crowd: true } } }, 'p0', 0, 1, 1),
      /is not the stored record of person p0/,
    ],
    [
      'imported COCO fields added by an edit',
      { added: { n: { ...p0, id: 'n', coco: { id: 5 } } }, updated: {}, removed: {} },
      /cannot carry imported COCO fields/,
    ],
  ];
  for (const [what, diff, message] of attacks)
    it(what, () => {
      const e = refusal(() => store.apply(1, diff, 'attack', { baseRevision: revision }));
      expect([e.code, e.status]).toEqual(['unprocessable', 422]);
      expect(e.message).toMatch(message);
      expect(store.load(1)).toEqual({ state, revision });
      expect(store.view(1).history).toMatchObject({ cursor: 1, length: 1 });
      expect(() => exportCoco(db)).not.toThrow();
    });
  it('an image that does not exist: not_found', () => {
    expect(refusal(() => store.apply(99, addPerson(EMPTY_ANNOTATION, 'a'), 'x')).code).toBe('not_found');
  });
});

describe('AnnotationStore: history pages', () => {
  it('an annotation loads with the entries around its cursor; older ones come by range at the same revision', () => {
    const { db } = project();
    const store = new AnnotationStore(db);
    const e = editor(store);
    e.do(
      acceptPredictions(EMPTY_ANNOTATION, [pose], () => 'p0'),
      'accept',
    );
    for (let i = 0; i < 59; i++) e.do(moveJoint(e.h.current, 'p0', i % 17, i, i), `move ${i}`);
    for (let i = 0; i < 5; i++) e.undo();
    const v = store.view(1);
    expect(v.history).toMatchObject({ cursor: 55, length: 60, first: 55 - HISTORY_PAGE + 1 });
    expect(v.history.entries).toHaveLength(HISTORY_PAGE + 5);
    expect(v.history.entries[0].label).toBe(`move ${55 - HISTORY_PAGE - 1}`);
    expect(store.entries(1, v.revision, 1, 2).map((x) => x.label)).toEqual(['accept', 'move 0']);
    expect(refusal(() => store.entries(1, v.revision - 1, 1, 2)).code).toBe('conflict');
    expect(refusal(() => store.entries(9, v.revision, 1, 2)).code).toBe('not_found');
  });
});

describe('AnnotationStore: saving costs the same however long the history', () => {
  it('every history query is an indexed lookup or range, none scans the image history', () => {
    const { db } = project();
    const plans = [
      ['SELECT MAX(seq) FROM edits WHERE image_id = 1 AND undone = 0', /edits_by_state \(image_id=\? AND undone=\?\)/],
      [
        'SELECT MAX(seq) FROM edits WHERE image_id = 1',
        /USING COVERING INDEX sqlite_autoindex_edits_1 \(image_id=\?\)/,
      ],
      ['DELETE FROM edits WHERE image_id = 1 AND seq > 3', /INDEX sqlite_autoindex_edits_1 \(image_id=\? AND seq>\?\)/],
      [
        'SELECT id FROM edits WHERE image_id = 1 AND seq = 3',
        /INDEX sqlite_autoindex_edits_1 \(image_id=\? AND seq=\?\)/,
      ],
      [
        'SELECT seq, diff_json FROM edits WHERE image_id = 1 AND seq BETWEEN 1 AND 3 ORDER BY seq',
        /INDEX sqlite_autoindex_edits_1 \(image_id=\? AND seq>\? AND seq<\?\)/,
      ],
    ] as const;
    for (const [q, index] of plans)
      expect(
        (db.prepare(`EXPLAIN QUERY PLAN ${q}`).all() as { detail: string }[]).map((r) => r.detail).join('; '),
      ).toMatch(index);
  });
});
