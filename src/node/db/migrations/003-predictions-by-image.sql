-- 003: the app asks "latest prediction of this image" for every listed row (scores, filters, overlay maps).
CREATE INDEX predictions_by_image ON predictions (image_id, run_id);
