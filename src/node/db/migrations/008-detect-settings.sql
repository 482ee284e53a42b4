-- The project's detection settings, the one set the app and the CLI both run with (one row; none: the defaults
-- of src/node/jobs/detectSettings.ts), and the models registered in the project (an imported checkpoint's export,
-- an ONNX file chosen in Settings) beside those a run only recorded. model_id NULL: the app's bundled model.
CREATE TABLE detect_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  scales TEXT NOT NULL,                  -- JSON array of scale factors
  flip INTEGER NOT NULL CHECK (flip IN (0, 1)),
  mode TEXT NOT NULL CHECK (mode IN ('reference', 'fast')),
  model_id INTEGER REFERENCES models (id),
  updated_at INTEGER NOT NULL
);
ALTER TABLE models ADD COLUMN registered_at INTEGER;  -- NULL: only recorded by a run
ALTER TABLE models ADD COLUMN raw_card_json TEXT;     -- the card file as written (training facts, accuracy)
