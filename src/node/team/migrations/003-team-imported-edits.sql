-- 003 (COCO import into a team project): which saved edits a COCO import made. A re-import compares each person with
-- the state the latest import left it in, to tell a person corrected since (kept) from one it may update; the local
-- project flags its import entries the same way (an edit's label is free text, so the label cannot tell).
ALTER TABLE team_edits ADD COLUMN imported BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX team_edits_imported ON team_edits (image_id, revision) WHERE imported;
