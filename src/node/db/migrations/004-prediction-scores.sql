-- 004: each prediction's mean person score beside its poses (list scores and score filters read it per row),
-- kept by triggers whoever writes the poses. NULL: no person found.
ALTER TABLE predictions ADD COLUMN mean_score REAL;
UPDATE predictions SET mean_score = (SELECT AVG(json_extract(e.value, '$.score')) FROM json_each(predictions.poses_json) e);
CREATE TRIGGER predictions_score_insert AFTER INSERT ON predictions BEGIN
  UPDATE predictions SET mean_score = (SELECT AVG(json_extract(e.value, '$.score')) FROM json_each(NEW.poses_json) e)
  WHERE run_id = NEW.run_id AND image_id = NEW.image_id;
END;
CREATE TRIGGER predictions_score_update AFTER UPDATE OF poses_json ON predictions BEGIN
  UPDATE predictions SET mean_score = (SELECT AVG(json_extract(e.value, '$.score')) FROM json_each(NEW.poses_json) e)
  WHERE run_id = NEW.run_id AND image_id = NEW.image_id;
END;
