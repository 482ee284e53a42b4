-- 004 (undo and redo on a team project): each person's own undo history of an image, kept in the edit rows. A row
-- with a step_kind is a step of its user's history: 'do' a new entry at step_seq (dropping that user's undone ones),
-- 'undo'/'redo' of entry step_seq, whose edit (revision `undoes`) it inverts or re-applies; history_cursor and
-- history_length are where that user's history is after the row, so the latest row tells it without a replay.
-- Rows without a user (a push's, a user deleted since) or made by an import are nobody's history.
ALTER TABLE team_edits
  ADD COLUMN step_kind TEXT CHECK (step_kind IN ('do', 'undo', 'redo')),
  ADD COLUMN step_seq INTEGER,
  ADD COLUMN history_cursor INTEGER,
  ADD COLUMN history_length INTEGER,
  ADD COLUMN undoes INTEGER;
-- The edits saved before: each user's in order, all done.
UPDATE team_edits e SET step_kind = 'do', step_seq = n.k, history_cursor = n.k, history_length = n.k
FROM (
  SELECT id, row_number() OVER (PARTITION BY image_id, user_id ORDER BY revision)::int AS k
  FROM team_edits WHERE user_id IS NOT NULL AND NOT imported
) n
WHERE e.id = n.id;
CREATE INDEX team_edits_history ON team_edits (image_id, user_id, revision) WHERE step_kind IS NOT NULL;
CREATE INDEX team_edits_entries ON team_edits (image_id, user_id, step_seq, revision) WHERE step_kind = 'do';
