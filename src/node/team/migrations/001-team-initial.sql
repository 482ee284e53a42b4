-- 001: the team project on PostgreSQL. The same concepts as the SQLite project (images by project-relative path and
-- content hash, annotations with a revision, immutable predictions per run), plus accounts, sessions, assignment and
-- who changed what. JSON is stored as TEXT, byte for byte as the app wrote it (jsonb would reorder an imported
-- record's keys, and export(push(x)) must equal the local export). Times in ms since epoch.
CREATE TABLE team_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE team_users (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.@-]{1,64}$'),
  role TEXT NOT NULL CHECK (role IN ('admin', 'annotator', 'reviewer')),
  password_hash TEXT NOT NULL,            -- scrypt$N$r$p$salt$hash (base64url), node:crypto
  created_at BIGINT NOT NULL
);

-- Per-user sessions: only the SHA-256 of the token is kept, so a read of this table logs nobody in.
CREATE TABLE team_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES team_users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);

CREATE TABLE team_images (
  id BIGSERIAL PRIMARY KEY,
  rel_path TEXT NOT NULL UNIQUE,
  content_hash TEXT NOT NULL,
  byte_size BIGINT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  mtime_ms DOUBLE PRECISION NOT NULL,   -- as the scan measured it (fractional ms)
  status TEXT NOT NULL DEFAULT 'unreviewed'
    CHECK (status IN ('unreviewed', 'in_progress', 'accepted', 'rejected', 'skipped', 'no_person')),
  missing BOOLEAN NOT NULL DEFAULT FALSE,
  added_at BIGINT NOT NULL,
  coco_json TEXT,
  sort_key BIGINT,
  review_note TEXT,
  latest_score DOUBLE PRECISION
);
-- Project order as SQLite sorts it: NULL sort keys first, then paths byte by byte (COLLATE "C" = SQLite's BINARY).
CREATE INDEX team_images_order ON team_images (sort_key NULLS FIRST, rel_path COLLATE "C");
CREATE INDEX team_images_status ON team_images (status);

-- Who may see and edit an image besides admins and reviewers: the annotators it is assigned to (one or several).
CREATE TABLE team_assignments (
  image_id BIGINT NOT NULL REFERENCES team_images (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES team_users (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, image_id)
);
CREATE INDEX team_assignments_by_image ON team_assignments (image_id);

CREATE TABLE team_annotations (
  image_id BIGINT PRIMARY KEY REFERENCES team_images (id) ON DELETE CASCADE,
  persons_json TEXT NOT NULL,
  revision INTEGER NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  updated_by BIGINT REFERENCES team_users (id) ON DELETE SET NULL
);

-- Every saved edit: the revision it made, its diff, who and when. One row per revision of an image.
CREATE TABLE team_edits (
  id BIGSERIAL PRIMARY KEY,
  image_id BIGINT NOT NULL REFERENCES team_images (id) ON DELETE CASCADE,
  revision INTEGER NOT NULL,
  diff_json TEXT NOT NULL,
  label TEXT NOT NULL,
  user_id BIGINT REFERENCES team_users (id) ON DELETE SET NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (image_id, revision)
);

-- A detection run of the team project: its model (a path every worker can read, and its content hash) and settings.
CREATE TABLE team_runs (
  id BIGSERIAL PRIMARY KEY,
  model_path TEXT NOT NULL,
  model_hash TEXT NOT NULL,
  settings_json TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'cancelled', 'failed')),
  images INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);

-- Immutable per run: one row per (run, image), whichever worker got there first (exactly once per run).
CREATE TABLE team_predictions (
  run_id BIGINT NOT NULL REFERENCES team_runs (id) ON DELETE CASCADE,
  image_id BIGINT NOT NULL REFERENCES team_images (id) ON DELETE CASCADE,
  poses_json TEXT,                        -- NULL with error: the image failed
  error TEXT,
  content_hash TEXT NOT NULL,
  mean_score DOUBLE PRECISION,
  worker TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, image_id)
);
CREATE INDEX team_predictions_by_image ON team_predictions (image_id, run_id);
