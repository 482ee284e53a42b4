import { describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadMigrations, openProjectDb, SCHEMA_VERSION } from './openProjectDb.ts';
import { PROJECT_FIXTURES } from '../../../test/support/fixturePaths.ts';
import { PERSON_SCORE_THRESHOLD_RANGE } from '../../core/review/personScoreThreshold.ts';
import { toApiError } from '../../contract/toApiError.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'sp-db-'));
const isRoot = process.getuid?.() === 0;

describe('openProjectDb', () => {
  it('creates a project at the current schema with WAL, foreign keys and a busy timeout', () => {
    const db = openProjectDb(path.join(tmp, 'new.sqlite'));
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual([
      'annotations',
      'detect_settings',
      'edits',
      'images',
      'inference_runs',
      'map_cache',
      'model_comparisons',
      'model_scores',
      'models',
      'predictions',
      'project_meta',
      'review_settings',
      'trainer_claim',
      'trainings',
    ]);
    db.close();
  });
  it('migration 001 applies to an empty database and enforces its constraints', () => {
    const db = openProjectDb(path.join(tmp, 'm1.sqlite'), { migrations: loadMigrations().slice(0, 1) });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const insert = db.prepare(
      'INSERT INTO images (rel_path, content_hash, byte_size, width, height, mtime_ms, added_at, status) VALUES (?, ?, 1, 1, 1, 0, 0, ?)',
    );
    insert.run('a.jpg', 'h', 'accepted');
    expect(() => insert.run('b.jpg', 'h', 'bogus')).toThrow(/CHECK constraint/);
    expect(() =>
      db.prepare('INSERT INTO annotations (image_id, persons_json, updated_at) VALUES (99, ?, 0)').run('[]'),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });
  it('re-opening is idempotent and keeps data', () => {
    const file = path.join(tmp, 'keep.sqlite');
    let db = openProjectDb(file);
    db.prepare("INSERT INTO project_meta VALUES ('name', 'demo')").run();
    db.close();
    db = openProjectDb(file);
    expect(db.prepare("SELECT value FROM project_meta WHERE key = 'name'").pluck().get()).toBe('demo');
    db.close();
  });
  it('refuses a database from a newer version, a non-database file and a damaged one, with messages', () => {
    const newer = path.join(tmp, 'newer.sqlite');
    const raw = new Database(newer);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    expect(() => openProjectDb(newer)).toThrow(`written by a newer SimplePose Studio (schema ${SCHEMA_VERSION + 5};`);
    const junk = path.join(tmp, 'junk.sqlite');
    writeFileSync(junk, 'this is not sqlite '.repeat(500));
    expect(() => openProjectDb(junk)).toThrow(/not a SimplePose project or is damaged/);
    const damaged = path.join(tmp, 'damaged.sqlite');
    const good = openProjectDb(path.join(tmp, 'tocorrupt.sqlite'));
    for (let i = 0; i < 200; i++) good.prepare('INSERT INTO project_meta VALUES (?, ?)').run(`k${i}`, 'x'.repeat(200));
    good.pragma('wal_checkpoint(TRUNCATE)');
    good.close();
    copyFileSync(path.join(tmp, 'tocorrupt.sqlite'), damaged);
    const bytes = Buffer.from(readFileSync(damaged));
    bytes.fill(0xab, 4096 * 3, 4096 * 6);
    writeFileSync(damaged, bytes);
    expect(() => openProjectDb(damaged)).toThrow(/damaged/);
  });
  it('a project above the full-check size opens after its small tables are checked; a damaged bulk page is refused when read', () => {
    // Issue 13: the whole-file quick_check made a 100,000-image project (3.4 GB) take 3–10 s to open.
    const file = path.join(tmp, 'bulk.sqlite');
    const db = openProjectDb(file);
    db.prepare(
      "INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at) VALUES (1, 'a.jpg', 'h', 1, 9, 9, 0, 0)",
    ).run();
    db.prepare('INSERT INTO annotations (image_id, persons_json, updated_at) VALUES (1, ?, 0)').run('"x"'.repeat(3000));
    const pageOf = (table: string) =>
      db.prepare('SELECT rootpage FROM sqlite_schema WHERE name = ?').pluck().get(table) as number;
    const [annotations, images] = [pageOf('annotations'), pageOf('images')];
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const corrupt = (page: number, to: string) => {
      const bytes = Buffer.from(readFileSync(file));
      bytes.fill(0xab, 4096 * (page - 1), 4096 * page);
      writeFileSync(to, bytes);
      return to;
    };
    const badBulk = corrupt(annotations, path.join(tmp, 'bad-bulk.sqlite'));
    expect(() => openProjectDb(badBulk)).toThrow(/is damaged/); // small: every page checked
    const opened = openProjectDb(badBulk, { fullCheckMaxBytes: 0 });
    expect(opened.prepare('SELECT rel_path FROM images').pluck().all()).toEqual(['a.jpg']);
    let read: unknown;
    try {
      opened.prepare('SELECT persons_json FROM annotations WHERE image_id = 1').get();
    } catch (e) {
      read = e;
    }
    expect(toApiError(read)).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/^the project database is damaged \(.*\); nothing was changed: restore/),
    });
    opened.close();
    const badImages = corrupt(images, path.join(tmp, 'bad-images.sqlite'));
    expect(() => openProjectDb(badImages, { fullCheckMaxBytes: 0 })).toThrow(/damaged/);
  });
  it('refuses a read-only folder with a clear message (when not root)', () => {
    const ro = path.join(tmp, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    if (!isRoot) expect(() => openProjectDb(path.join(ro, 'p.sqlite'))).toThrow(/folder .* is not writable/);
    expect(() => openProjectDb(path.join(tmp, 'absent', 'p.sqlite'))).toThrow(/not writable/);
  });
});

describe('migrations from fixture databases', () => {
  it('migration 004 backfills predictions.mean_score and keeps it current on insert and update; 003 indexes by image', () => {
    const file = path.join(tmp, 'v2.sqlite');
    const v2 = openProjectDb(file, { migrations: loadMigrations().slice(0, 3) });
    v2.prepare(
      "INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at) VALUES (1, 'a.jpg', 'h', 1, 4, 4, 0, 0), (2, 'b.jpg', 'h2', 1, 4, 4, 0, 0)",
    ).run();
    v2.prepare("INSERT INTO models (path, content_hash, card_json, added_at) VALUES ('m', 'mh', '{}', 0)").run();
    v2.prepare(
      "INSERT INTO inference_runs (model_id, scales, flip, mode, status, created_at) VALUES (1, '[1]', 1, 'fast', 'done', 0)",
    ).run();
    v2.prepare(
      `INSERT INTO predictions (run_id, image_id, poses_json, created_at) VALUES (1, 1, '[{"score":0.2},{"score":0.6}]', 0), (1, 2, '[]', 0)`,
    ).run();
    v2.close();
    const db = openProjectDb(file);
    const score = (id: number) => db.prepare('SELECT mean_score FROM predictions WHERE image_id = ?').pluck().get(id);
    expect(score(1)).toBeCloseTo(0.4, 12);
    expect(score(2)).toBeNull();
    db.prepare(`UPDATE predictions SET poses_json = '[{"score":0.9}]' WHERE image_id = 2`).run();
    expect(score(2)).toBeCloseTo(0.9, 12);
    db.prepare(
      "INSERT INTO inference_runs (model_id, scales, flip, mode, status, created_at) VALUES (1, '[1]', 0, 'fast', 'done', 0)",
    ).run();
    db.prepare(
      `INSERT INTO predictions (run_id, image_id, poses_json, created_at) VALUES (2, 1, '[{"score":0.5}]', 0)`,
    ).run();
    expect(db.prepare('SELECT mean_score FROM predictions WHERE run_id = 2').pluck().get()).toBe(0.5);
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'predictions_by_image'").pluck().get()).toBe(1);
    db.close();
  });

  it('a version-1 project (test/fixtures/db/project-v1.sqlite) migrates to the current schema with its data intact', () => {
    const copy = path.join(tmp, 'v1.sqlite');
    copyFileSync(path.join(PROJECT_FIXTURES, 'db', 'project-v1.sqlite'), copy);
    const db = openProjectDb(copy);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT rel_path, status, coco_json, sort_key FROM images').get()).toEqual({
      rel_path: 'a/b.jpg',
      status: 'accepted',
      coco_json: null,
      sort_key: null,
    });
    expect(db.prepare('SELECT revision FROM annotations WHERE image_id = 1').pluck().get()).toBe(3);
    db.close();
  });

  it('migration 005 indexes edits by (image, undone, seq) over an existing history, which stays as it was', () => {
    const file = path.join(tmp, 'v4.sqlite');
    const v4 = openProjectDb(file, { migrations: loadMigrations().slice(0, 4) });
    v4.prepare(
      "INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at) VALUES (1, 'a.jpg', 'h', 1, 4, 4, 0, 0)",
    ).run();
    const edit = v4.prepare('INSERT INTO edits (image_id, seq, diff_json, undone, created_at) VALUES (1, ?, ?, ?, 0)');
    for (let i = 1; i <= 5; i++) edit.run(i, `{"n":${i}}`, i > 3 ? 1 : 0);
    v4.close();
    const db = openProjectDb(file, { migrations: loadMigrations().slice(0, 5) });
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'edits_by_state'").pluck().get()).toBe(
      'CREATE INDEX edits_by_state ON edits (image_id, undone, seq)',
    );
    expect(db.prepare('SELECT seq, undone FROM edits ORDER BY seq').all()).toEqual(
      [1, 2, 3, 4, 5].map((seq) => ({ seq, undone: seq > 3 ? 1 : 0 })),
    );
    db.close();
  });

  it("migration 006 backfills images.latest_score and keeps it the latest run's mean score whoever writes predictions", () => {
    const file = path.join(tmp, 'v5.sqlite');
    const v5 = openProjectDb(file, { migrations: loadMigrations().slice(0, 5) });
    v5.exec(`INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at)
        VALUES (1, 'a.jpg', 'h', 1, 4, 4, 0, 0), (2, 'b.jpg', 'h2', 1, 4, 4, 0, 0), (3, 'c.jpg', 'h3', 1, 4, 4, 0, 0);
      INSERT INTO models (path, content_hash, card_json, added_at) VALUES ('m', 'mh', '{}', 0);
      INSERT INTO inference_runs (model_id, scales, flip, mode, status, created_at) VALUES (1, '[1]', 1, 'fast', 'done', 0);
      INSERT INTO inference_runs (model_id, scales, flip, mode, status, created_at) VALUES (1, '[1]', 0, 'fast', 'done', 0);
      INSERT INTO predictions (run_id, image_id, poses_json, created_at)
        VALUES (1, 1, '[{"score":0.2},{"score":0.6}]', 0), (2, 1, '[{"score":0.8}]', 0), (1, 2, '[]', 0);`);
    v5.close();
    const db = openProjectDb(file, { migrations: loadMigrations().slice(0, 6) });
    expect(db.pragma('user_version', { simple: true })).toBe(6);
    const score = (id: number) => db.prepare('SELECT latest_score FROM images WHERE id = ?').pluck().get(id);
    expect([score(1), score(2), score(3)]).toEqual([0.8, null, null]); // run 2 is the latest for image 1
    db.prepare(
      `INSERT INTO predictions (run_id, image_id, poses_json, created_at) VALUES (2, 2, '[{"score":0.3}]', 0)`,
    ).run();
    expect(score(2)).toBe(0.3); // a newer run's prediction
    db.prepare(
      `INSERT INTO predictions (run_id, image_id, poses_json, created_at) VALUES (1, 3, '[{"score":0.5}]', 0)`,
    ).run();
    expect(score(3)).toBe(0.5);
    db.prepare(`INSERT INTO predictions (run_id, image_id, poses_json, created_at) VALUES (2, 3, '[]', 0)`).run();
    expect(score(3)).toBeNull(); // the latest found nobody
    db.prepare(`UPDATE predictions SET poses_json = '[{"score":0.9}]' WHERE run_id = 1 AND image_id = 1`).run();
    expect(score(1)).toBe(0.8); // an older run's change leaves the latest score
    db.prepare(`UPDATE predictions SET poses_json = '[{"score":0.4}]' WHERE run_id = 2 AND image_id = 1`).run();
    expect(score(1)).toBe(0.4);
    db.prepare('DELETE FROM predictions WHERE run_id = 2 AND image_id = 1').run();
    expect(score(1)).toBe(0.9); // back to run 1's
    db.prepare('DELETE FROM inference_runs WHERE id = 2').run(); // cascades to its predictions
    expect([score(1), score(2), score(3)]).toEqual([0.9, null, 0.5]);
    db.close();
  });

  it('migration 007 adds the review settings (one row, the threshold NULL = the default) to an existing project', () => {
    const file = path.join(tmp, 'v6.sqlite');
    const v6 = openProjectDb(file, { migrations: loadMigrations().slice(0, 6) });
    v6.exec(`INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at, status)
      VALUES (1, 'a.jpg', 'h', 1, 4, 4, 0, 0, 'accepted')`);
    v6.close();
    const db = openProjectDb(file, { migrations: loadMigrations().slice(0, 7) });
    expect(db.pragma('user_version', { simple: true })).toBe(7);
    expect(db.prepare('SELECT id, person_score_threshold FROM review_settings').all()).toEqual([
      { id: 1, person_score_threshold: null },
    ]);
    expect(db.prepare('SELECT rel_path, status FROM images').all()).toEqual([
      { rel_path: 'a.jpg', status: 'accepted' },
    ]);
    const set = db.prepare('UPDATE review_settings SET person_score_threshold = ? WHERE id = 1');
    set.run(-0.5);
    set.run(PERSON_SCORE_THRESHOLD_RANGE.min);
    set.run(PERSON_SCORE_THRESHOLD_RANGE.max);
    // The table's bounds are the app's range (core/review/personScoreThreshold.ts), just outside refused.
    expect(() => set.run(PERSON_SCORE_THRESHOLD_RANGE.max + 1e-9)).toThrow(/CHECK constraint/);
    expect(() => set.run(PERSON_SCORE_THRESHOLD_RANGE.min - 1e-9)).toThrow(/CHECK constraint/);
    expect(() => db.prepare('INSERT INTO review_settings (id) VALUES (2)').run()).toThrow(/CHECK constraint/);
    db.close();
  });

  it('migration 009 gives predictions the content they were made from; the latest score follows the current content', () => {
    const file = path.join(tmp, 'v8-content.sqlite');
    const v6 = openProjectDb(file, { migrations: loadMigrations().slice(0, 8) });
    v6.exec(`INSERT INTO images (id, rel_path, content_hash, byte_size, width, height, mtime_ms, added_at)
        VALUES (1, 'a.jpg', 'h', 1, 4, 4, 0, 0), (2, 'b.jpg', 'h2', 1, 4, 4, 0, 0);
      INSERT INTO models (path, content_hash, card_json, added_at) VALUES ('m', 'mh', '{}', 0);
      INSERT INTO inference_runs (model_id, scales, flip, mode, status, created_at) VALUES (1, '[1]', 1, 'fast', 'done', 0);
      INSERT INTO predictions (run_id, image_id, poses_json, created_at)
        VALUES (1, 1, '[{"score":0.6}]', 0), (1, 2, '[{"score":0.3}]', 0);`);
    v6.close();
    const db = openProjectDb(file, { migrations: loadMigrations().slice(0, 9) });
    expect(db.pragma('user_version', { simple: true })).toBe(9);
    const hashes = db.prepare('SELECT image_id, content_hash FROM predictions ORDER BY image_id').raw().all();
    expect(hashes).toEqual([
      [1, 'h'],
      [2, 'h2'],
    ]);
    const score = (id: number) => db.prepare('SELECT latest_score FROM images WHERE id = ?').pluck().get(id);
    expect([score(1), score(2)]).toEqual([0.6, 0.3]);
    db.prepare("UPDATE images SET content_hash = 'other' WHERE id = 1").run(); // the photo replaced in place
    expect(score(1)).toBeNull();
    db.prepare("UPDATE images SET content_hash = 'h' WHERE id = 1").run(); // and put back
    expect(score(1)).toBe(0.6);
    expect(db.prepare('SELECT review_note FROM images WHERE id = 2').pluck().get()).toBeNull();
    db.close();
  });
  it('migration 010 adds trainings and model scores over an existing project, checked and tied to its models', () => {
    const file = path.join(tmp, 'v9-training.sqlite');
    const v9 = openProjectDb(file, { migrations: loadMigrations().slice(0, 9) });
    v9.exec(`INSERT INTO models (path, content_hash, card_json, added_at) VALUES ('m', 'mh', '{}', 0);`);
    v9.close();
    const db = openProjectDb(file, { migrations: loadMigrations().slice(0, 10) });
    expect(db.pragma('user_version', { simple: true })).toBe(10);
    db.exec(`INSERT INTO trainings (status, options_json, out_dir, model_id, created_at, updated_at)
      VALUES ('done', '{}', 'd', 1, 0, 0)`);
    expect(() => db.exec("UPDATE trainings SET status = 'paused'")).toThrow(/CHECK constraint/);
    expect(() =>
      db.exec(`INSERT INTO model_scores (model_id, held_out, images, persons, stats_json, computed_at)
        VALUES (7, 'h', 1, 1, '{}', 0)`),
    ).toThrow(/FOREIGN KEY/);
    expect(db.prepare('SELECT path FROM models').pluck().all()).toEqual(['m']);
    db.close();
  });
  it('migration 011 adds the trainer claim (one row, of a training) and model comparisons over an existing project', () => {
    const file = path.join(tmp, 'v10-claim.sqlite');
    const v10 = openProjectDb(file, { migrations: loadMigrations().slice(0, 10) });
    v10.exec(
      `INSERT INTO trainings (status, options_json, out_dir, created_at, updated_at) VALUES ('running', '{}', 'd', 0, 0)`,
    );
    v10.close();
    const db = openProjectDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(11);
    const claim = (id: number, training: number) =>
      db.exec(
        `INSERT INTO trainer_claim (id, training_id, owner_pid, owner_token, claimed_at) VALUES (${id}, ${training}, 1, 't', 0)`,
      );
    expect(() => claim(2, 1)).toThrow(/CHECK constraint/);
    expect(() => claim(1, 9)).toThrow(/FOREIGN KEY/);
    claim(1, 1);
    expect(() =>
      db.exec(
        "INSERT INTO model_comparisons (training_id, status, total, created_at, updated_at) VALUES (1, 'paused', 1, 0, 0)",
      ),
    ).toThrow(/CHECK constraint/);
    expect(db.prepare('SELECT COUNT(*) FROM trainings').pluck().get()).toBe(1);
    db.close();
  });
});

/** The detection settings' migration (issue 12B): numbered after 12A's review settings (007). */
const DETECT_SETTINGS = loadMigrations().find((m) => m.name.endsWith('-detect-settings.sql'))!;

describe('migration numbering', () => {
  it('is one unbroken sequence: review settings (issue 12A) 007, detection settings (issue 12B) 008, image content changes 009, training 010, trainer claim 011', () => {
    expect(loadMigrations().map((m) => m.name)).toEqual([
      '001-initial.sql',
      '002-coco-passthrough.sql',
      '003-predictions-by-image.sql',
      '004-prediction-scores.sql',
      '005-edits-by-state.sql',
      '006-image-scores.sql',
      '007-review-settings.sql',
      '008-detect-settings.sql',
      '009-image-content-changes.sql',
      '010-training.sql',
      '011-trainer-claim.sql',
    ]);
    expect(DETECT_SETTINGS.version).toBe(8);
    expect(SCHEMA_VERSION).toBe(11);
  });
  it('refuses a folder whose numbers have a gap (a migration left out would never run)', () => {
    const dir = mkdtempSync(path.join(tmp, 'gap-'));
    for (const m of loadMigrations().slice(0, 6)) writeFileSync(path.join(dir, m.name), m.sql);
    writeFileSync(path.join(dir, '008-detect-settings.sql'), DETECT_SETTINGS.sql); // 007 left out
    expect(() => loadMigrations(dir)).toThrow('migration 008-detect-settings.sql is out of sequence: expected 007');
  });
});

describe('migration detect-settings', () => {
  it('adds the detection settings (one row, checked) and model registration over an existing project', () => {
    const before = DETECT_SETTINGS.version - 1;
    const file = path.join(tmp, `v${before}.sqlite`);
    const old = openProjectDb(file, { migrations: loadMigrations().slice(0, before) });
    old
      .prepare("INSERT INTO models (id, path, content_hash, card_json, added_at) VALUES (1, '/m.onnx', 'h', '{}', 0)")
      .run();
    old.close();
    const db = openProjectDb(file, { migrations: loadMigrations().slice(0, DETECT_SETTINGS.version) });
    expect(db.pragma('user_version', { simple: true })).toBe(DETECT_SETTINGS.version);
    expect(db.prepare('SELECT id, path, registered_at, raw_card_json FROM models').all()).toEqual([
      { id: 1, path: '/m.onnx', registered_at: null, raw_card_json: null },
    ]);
    expect(db.prepare('SELECT COUNT(*) FROM detect_settings').pluck().get()).toBe(0); // none: the defaults
    const put = db.prepare(
      'INSERT INTO detect_settings (id, scales, flip, mode, model_id, updated_at) VALUES (?, ?, ?, ?, ?, 0)',
    );
    put.run(1, '[1]', 1, 'fast', 1);
    expect(() => put.run(2, '[1]', 1, 'fast', null)).toThrow(/CHECK/); // one row
    expect(() => db.prepare("UPDATE detect_settings SET mode = 'slow'").run()).toThrow(/CHECK/);
    expect(() => db.prepare('UPDATE detect_settings SET model_id = 99').run()).toThrow(/FOREIGN KEY/);
    db.close();
  });
});

describe('two processes opening one new project at once', () => {
  it('both open it; the migrations run once (IMMEDIATE, version re-read under the lock)', async () => {
    const { spawn } = await import('node:child_process');
    for (const round of [1, 2, 3]) {
      const file = path.join(tmp, `race${round}.sqlite`);
      const script = `import { openProjectDb } from ${JSON.stringify(path.resolve('src/node/db/openProjectDb.ts'))};
      const db = openProjectDb(${JSON.stringify(file)}); console.log(db.pragma('user_version', { simple: true })); db.close();`;
      const open = () =>
        new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
          const c = spawn(process.execPath, ['--input-type=module', '-e', script]);
          let out = '',
            err = '';
          c.stdout.on('data', (d) => (out += d));
          c.stderr.on('data', (d) => (err += d));
          c.on('exit', (code) => resolve({ code, out, err }));
        });
      const results = await Promise.all([open(), open(), open()]);
      for (const r of results) expect([r.code, r.out.trim(), r.err]).toEqual([0, String(SCHEMA_VERSION), '']);
    }
  });
});
