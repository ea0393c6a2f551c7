-- 0020: four indexes hold only the rows whose column is set.  Most
-- certificates have no parent and have not ended, and most households
-- were never erased or corrected: their rows were index entries that
-- every insert wrote (2 of the 12 B-tree writes of a certificate, 2 of 7
-- of a household) and that no query reads.  Every query on these columns
-- compares them (parent = ?, ended_idx >= ?, erased_idx >= ?,
-- updated_idx >= ?), which implies IS NOT NULL, so SQLite uses the partial
-- index as it used the full one.
DROP INDEX certificates_parent;
CREATE INDEX certificates_parent ON certificates (parent) WHERE parent IS NOT NULL;
DROP INDEX certificates_ended;
CREATE INDEX certificates_ended ON certificates (ended_idx) WHERE ended_idx IS NOT NULL;
DROP INDEX households_erased;
CREATE INDEX households_erased ON households (erased_idx) WHERE erased_idx IS NOT NULL;
DROP INDEX households_updated;
CREATE INDEX households_updated ON households (updated_idx) WHERE updated_idx IS NOT NULL;
