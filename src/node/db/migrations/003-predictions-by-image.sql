-- 003: the app asks "latest prediction of this image, and its score" for listed rows (scores, score filters,
-- overlay maps): an index by image, and the mean person score kept beside the poses by triggers (whoever writes).
CREATE INDEX predictions_by_image ON predictions (image_id, run_id);
ALTER TABLE predictions ADD COLUMN mean_score REAL;  -- NULL: no person found
UPDATE predictions SET mean_score = (SELECT AVG(json_extract(e.value, '$.score')) FROM json_each(predictions.poses_json) e);
CREATE TRIGGER predictions_score_insert AFTER INSERT ON predictions BEGIN
  UPDATE predictions SET mean_score = (SELECT AVG(json_extract(e.value, '$.score')) FROM json_each(NEW.poses_json) e)
  WHERE run_id = NEW.run_id AND image_id = NEW.image_id;
END;
CREATE TRIGGER predictions_score_update AFTER UPDATE OF poses_json ON predictions BEGIN
  UPDATE predictions SET mean_score = (SELECT AVG(json_extract(e.value, '$.score')) FROM json_each(NEW.poses_json) e)
  WHERE run_id = NEW.run_id AND image_id = NEW.image_id;
END;
