-- The project's trainer (issue 16): one row while a process trains the project — its Train job's training, the
-- process (its id and start time, so that a reused id is not taken for it) and a token of the job — written in the
-- same IMMEDIATE transaction that checks it, so two processes can never both start a training. A process gone
-- (even by kill -9) holds it no longer. And the model comparisons (compareModels as a job): each one's progress
-- and, once done, its result, kept and listed (a closed window or a restarted app finds it). And a training's
-- exported model until it is registered: the app killed after its trainer finished, Train registers that model
-- instead of training again.
CREATE TABLE trainer_claim (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  training_id INTEGER NOT NULL REFERENCES trainings (id),
  owner_pid INTEGER NOT NULL,
  owner_started TEXT,                     -- the process's start (Linux /proc/PID/stat starttime); NULL: unknown
  owner_token TEXT NOT NULL,              -- the job holding it in that process
  claimed_at INTEGER NOT NULL
);
CREATE TABLE model_comparisons (
  id INTEGER PRIMARY KEY,
  training_id INTEGER NOT NULL REFERENCES trainings (id),
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled', 'failed')),
  done INTEGER NOT NULL DEFAULT 0,        -- held-out images run, over all models
  total INTEGER NOT NULL,                 -- held-out images × models
  owner_pid INTEGER,                      -- the process running it (status running)
  owner_started TEXT,
  owner_token TEXT,
  result_json TEXT,                       -- the comparison once done
  message TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
ALTER TABLE trainings ADD COLUMN exported TEXT; -- project-relative: the trainer's finished model (ONNX + card)
