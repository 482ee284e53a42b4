-- 006: the image list shows and filters by the mean person score of each image's latest prediction. It was a
-- correlated subquery on predictions per listed row; now it is images.latest_score, kept by triggers whoever writes
-- predictions (their mean_score comes from 004's triggers), so the list reads the images table alone.
-- NULL: no prediction yet, or the latest found nobody.
ALTER TABLE images ADD COLUMN latest_score REAL;
UPDATE images SET latest_score = (
  SELECT p.mean_score FROM predictions p WHERE p.image_id = images.id ORDER BY p.run_id DESC LIMIT 1
);
CREATE TRIGGER images_latest_score_insert AFTER INSERT ON predictions BEGIN
  UPDATE images SET latest_score = (
    SELECT p.mean_score FROM predictions p WHERE p.image_id = NEW.image_id ORDER BY p.run_id DESC LIMIT 1
  ) WHERE id = NEW.image_id;
END;
CREATE TRIGGER images_latest_score_update AFTER UPDATE OF mean_score ON predictions BEGIN
  UPDATE images SET latest_score = (
    SELECT p.mean_score FROM predictions p WHERE p.image_id = NEW.image_id ORDER BY p.run_id DESC LIMIT 1
  ) WHERE id = NEW.image_id;
END;
CREATE TRIGGER images_latest_score_delete AFTER DELETE ON predictions BEGIN
  UPDATE images SET latest_score = (
    SELECT p.mean_score FROM predictions p WHERE p.image_id = OLD.image_id ORDER BY p.run_id DESC LIMIT 1
  ) WHERE id = OLD.image_id;
END;
