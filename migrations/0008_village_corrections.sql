-- 0008: villages can be corrected (village.correct entries: a name or the
-- collective's credit code).  updated_idx is the entry that last changed
-- the row, as for homes, so that an incremental audit compares the
-- villages an entry after its checkpoint corrected.
ALTER TABLE villages ADD COLUMN updated_idx INTEGER REFERENCES log_entries (idx);
UPDATE villages SET updated_idx = added_idx;
CREATE INDEX villages_updated ON villages (updated_idx);
