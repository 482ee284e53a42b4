-- 002: the cached maps of the team project, in the database every server and worker reaches: one row per image
-- holding what every reader uses of its latest prediction's maps — the first pass, flip-averaged, as the float16
-- .npy the heatmap overlay shows ([50, h, w], stride-4 map space), the same bytes a local project serves. Written
-- in the transaction that stores the prediction, so a worker killed mid-write leaves the row whole or absent; a
-- later run's maps replace an earlier run's (never the reverse), which bounds the table to one set per image.
-- content_hash is the image's when detected: an image whose content changed since has no maps.
CREATE TABLE team_maps (
  image_id BIGINT PRIMARY KEY REFERENCES team_images (id) ON DELETE CASCADE,
  run_id BIGINT NOT NULL REFERENCES team_runs (id) ON DELETE CASCADE,
  content_hash TEXT NOT NULL,
  multiplier DOUBLE PRECISION NOT NULL,   -- the pass's scale multiplier (passGeometry)
  shape_json TEXT NOT NULL,               -- [50, h, w]
  npy BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
-- Float16 maps do not compress: pglz spent ~4× the write's time on a row and kept it as large (BENCHMARKS.md
-- "Team mode"), so they are stored as they are.
ALTER TABLE team_maps ALTER COLUMN npy SET STORAGE EXTERNAL;
CREATE INDEX team_maps_by_run ON team_maps (run_id);
