-- The Train job (issue 16): each training of a model on the project's established ground truth — what it started
-- from, its options, the split it held out (by image, fixed by its seed, stored with the model), where its files and
-- checkpoint lie, how far it got and the model it registered —, and held-out scores of models (AP/AR of a model on
-- one held-out set, computed once: the model comparison).
CREATE TABLE trainings (
  id INTEGER PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled', 'failed')),
  base_model TEXT,                        -- the model file fine-tuned (as stored: project-relative or absolute); NULL: a new model
  options_json TEXT NOT NULL,             -- steps / minutes, seed, validation fraction, size, input, batch
  out_dir TEXT NOT NULL,                  -- project-relative: the ground truth, split, checkpoint and logs
  split_json TEXT,                        -- {"train": [file names], "val": [file names]} once prepared
  step INTEGER NOT NULL DEFAULT 0,        -- the last step reported (a checkpoint is at or below it)
  steps INTEGER,                          -- the steps planned
  pid INTEGER,                            -- the training process while one runs (another app may own it)
  model_id INTEGER REFERENCES models (id),-- the model it registered
  message TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE model_scores (
  model_id INTEGER NOT NULL REFERENCES models (id),
  held_out TEXT NOT NULL,                 -- SHA-256 of the held-out images' file names and ground truth
  images INTEGER NOT NULL,
  persons INTEGER NOT NULL,
  stats_json TEXT NOT NULL,               -- the ten COCO keypoint numbers
  computed_at INTEGER NOT NULL,
  PRIMARY KEY (model_id, held_out)
);
