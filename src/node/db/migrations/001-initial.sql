-- 001: the first project schema. Paths are relative to the project root with '/' separators; times in ms since epoch.
CREATE TABLE project_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE images (
  id INTEGER PRIMARY KEY,
  rel_path TEXT NOT NULL UNIQUE,
  content_hash TEXT NOT NULL,            -- sha256 (hex) of the file bytes
  byte_size INTEGER NOT NULL,
  width INTEGER NOT NULL,                -- after EXIF orientation
  height INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'unreviewed'
    CHECK (status IN ('unreviewed', 'in_progress', 'accepted', 'rejected', 'skipped', 'no_person')),
  missing INTEGER NOT NULL DEFAULT 0 CHECK (missing IN (0, 1)),
  added_at INTEGER NOT NULL
);
CREATE INDEX images_status ON images (status);
CREATE INDEX images_hash ON images (content_hash);

CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  content_hash TEXT NOT NULL UNIQUE,
  card_json TEXT NOT NULL,
  added_at INTEGER NOT NULL
);

CREATE TABLE inference_runs (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models (id),
  scales TEXT NOT NULL,                  -- JSON array of scale factors
  flip INTEGER NOT NULL CHECK (flip IN (0, 1)),
  mode TEXT NOT NULL CHECK (mode IN ('reference', 'fast')),
  provider TEXT,
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'cancelled', 'failed')),
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);

-- Immutable per run: the model's poses for one image (JSON: COCO-order joints with scores, person score).
CREATE TABLE predictions (
  run_id INTEGER NOT NULL REFERENCES inference_runs (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  poses_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, image_id)
);

-- The current annotation of an image (JSON persons: joints with v and provenance); revision counts saved edits.
CREATE TABLE annotations (
  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
  persons_json TEXT NOT NULL,
  revision INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);

-- Per-image edit history for undo/redo (diffs), kept across restarts.
CREATE TABLE edits (
  id INTEGER PRIMARY KEY,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  diff_json TEXT NOT NULL,
  undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
  created_at INTEGER NOT NULL,
  UNIQUE (image_id, seq)
);

-- Raw stride-4 maps cached on disk (FP16), keyed by image hash, model hash and settings.
CREATE TABLE map_cache (
  key TEXT PRIMARY KEY,
  image_hash TEXT NOT NULL,
  model_hash TEXT NOT NULL,
  settings TEXT NOT NULL,
  file TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  last_used INTEGER NOT NULL
);
CREATE INDEX map_cache_lru ON map_cache (last_used);
