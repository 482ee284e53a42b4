-- 007: the project's review settings, one row. person_score_threshold: predicted persons scored below it are hidden
-- (canvas, counts, "accept predictions"); NULL = the app's default (core/review/personScoreThreshold.ts), so the
-- default stays one fact in one place. Scores are the decoder's 1 − 1/total (< 1, below 0 for weak persons).
CREATE TABLE review_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  person_score_threshold REAL
    CHECK (person_score_threshold IS NULL OR person_score_threshold BETWEEN -1000 AND 1)
);
INSERT INTO review_settings (id, person_score_threshold) VALUES (1, NULL);
