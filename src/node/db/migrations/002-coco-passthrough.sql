-- 002: keep what a COCO import brings that the app does not model, so that export(import(x)) == x.
-- images.coco_json: the original image record (id, license, coco_url, …); NULL for images found by a scan.
-- images.sort_key: the order images had in an imported file (NULL → by path).
ALTER TABLE images ADD COLUMN coco_json TEXT;
ALTER TABLE images ADD COLUMN sort_key INTEGER;
CREATE INDEX images_sort ON images (sort_key, rel_path);
