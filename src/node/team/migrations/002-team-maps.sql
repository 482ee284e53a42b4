-- 002: the cached maps of the team project (the overlay and review hardness), in the database every machine reads:
-- one row per image holding the raw stride-4 maps of every pass of its latest prediction, as float16 .npy bytes one
-- after the other (passes_json says which bytes are which). Written in the transaction that stores the prediction,
-- so a worker killed mid-write leaves the row whole or absent; a later run's maps replace an earlier run's (never
-- the reverse), which bounds the table to one set of maps per image. content_hash is the image's when detected: an
-- image whose content changed since has no maps.
CREATE TABLE team_maps (
  image_id BIGINT PRIMARY KEY REFERENCES team_images (id) ON DELETE CASCADE,
  run_id BIGINT NOT NULL REFERENCES team_runs (id) ON DELETE CASCADE,
  content_hash TEXT NOT NULL,
  passes_json TEXT NOT NULL,              -- [{"multiplier", "shape": [50, h, w], "mapsBytes", "flippedBytes"|null}]
  data BYTEA NOT NULL,
  bytes BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX team_maps_by_run ON team_maps (run_id);
