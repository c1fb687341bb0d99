-- Opens are stored rolled up: one row per (merchant, code, minute, source, client class, OS,
-- channel) and flush, holding how many opens it stands for. Statistics sum the column.
ALTER TABLE clicks ADD COLUMN opens BIGINT NOT NULL DEFAULT 1;
