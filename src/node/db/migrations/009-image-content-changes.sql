-- 009: a photo replaced in place (resized, another picture) must not keep what was made from the old content.
-- predictions.content_hash: the image content a prediction was made from; a prediction of other content is not the
-- image's prediction (detection makes it again, the review does not show it, scores ignore it). Rows before this
-- migration were made from the content the project has now (detection never re-ran a changed image): theirs.
-- images.review_note: why the image needs a look before it can be exported (its annotation was made for a picture
-- of another size); NULL: none.
ALTER TABLE predictions ADD COLUMN content_hash TEXT;
UPDATE predictions SET content_hash = (SELECT i.content_hash FROM images i WHERE i.id = predictions.image_id);
ALTER TABLE images ADD COLUMN review_note TEXT;
-- latest_score (006) is now that of the latest prediction of the image's current content.
DROP TRIGGER images_latest_score_insert;
DROP TRIGGER images_latest_score_update;
DROP TRIGGER images_latest_score_delete;
CREATE TRIGGER images_latest_score_insert AFTER INSERT ON predictions BEGIN
  UPDATE images SET latest_score = (
    SELECT p.mean_score FROM predictions p
    WHERE p.image_id = images.id AND p.content_hash = images.content_hash ORDER BY p.run_id DESC LIMIT 1
  ) WHERE id = NEW.image_id;
END;
CREATE TRIGGER images_latest_score_update AFTER UPDATE OF mean_score, content_hash ON predictions BEGIN
  UPDATE images SET latest_score = (
    SELECT p.mean_score FROM predictions p
    WHERE p.image_id = images.id AND p.content_hash = images.content_hash ORDER BY p.run_id DESC LIMIT 1
  ) WHERE id = NEW.image_id;
END;
CREATE TRIGGER images_latest_score_delete AFTER DELETE ON predictions BEGIN
  UPDATE images SET latest_score = (
    SELECT p.mean_score FROM predictions p
    WHERE p.image_id = images.id AND p.content_hash = images.content_hash ORDER BY p.run_id DESC LIMIT 1
  ) WHERE id = OLD.image_id;
END;
CREATE TRIGGER images_latest_score_content AFTER UPDATE OF content_hash ON images BEGIN
  UPDATE images SET latest_score = (
    SELECT p.mean_score FROM predictions p
    WHERE p.image_id = NEW.id AND p.content_hash = NEW.content_hash ORDER BY p.run_id DESC LIMIT 1
  ) WHERE id = NEW.id;
END;
