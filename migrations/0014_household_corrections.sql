-- 0014: households can be corrected (household.correct entries: the
-- number of members, or the head's name, which is personal data: the entry
-- then carries a new commitment, which replaces the household's).
-- updated_idx is the entry that last corrected the row (NULL: never), so
-- that an incremental audit compares the households an entry after its
-- checkpoint corrected.
ALTER TABLE households ADD COLUMN updated_idx INTEGER REFERENCES log_entries (idx);
CREATE INDEX households_updated ON households (updated_idx);
