-- 0019: the status map's leaves stored in the order they were first
-- written (a certificate's leaf when it is issued), not by key.  The
-- columns and what they hold are those of 0016; only the row order on
-- disk changes: a rowid table, whose key (PRIMARY KEY) is an index
-- beside the rows, so a leaf is rewritten in place and its index entry
-- never changes.  Leaves of certificates issued together (and changed together) then share file
-- pages, as their certificates' rows do, where the key order scattered
-- every change over the whole table.  An upgraded file keeps its leaves
-- in the order of their last change.
CREATE TABLE statusmap_leaves_0019 (
	key     BLOB PRIMARY KEY NOT NULL CHECK (length(key) = 32),
	version INTEGER NOT NULL CHECK (version > 0),
	hash    BLOB NOT NULL CHECK (length(hash) = 32),
	record  BLOB NOT NULL
) STRICT;
INSERT INTO statusmap_leaves_0019 (key, version, hash, record)
	SELECT key, version, hash, record FROM statusmap_leaves ORDER BY version, key;
DROP TABLE statusmap_leaves;
ALTER TABLE statusmap_leaves_0019 RENAME TO statusmap_leaves;
