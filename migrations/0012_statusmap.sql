-- 0012: the status map, a sparse Merkle tree of every certificate's state
-- (docs/format.md, "The status map").  Every checkpoint commits to its root.
--
-- statusmap_nodes holds the current tree: one row per non-empty position
-- (pos: in lowercase hex, the depth as 2 bytes big-endian, then the key's
-- first depth bits, zero-padded to whole bytes).  A leaf row has leaf = 1, a = the key and
-- b = the record's bytes; an interior row has leaf = 0, a = the left
-- child's hash and b = the right child's.  version is the log size after
-- the entry that wrote the row.  When a row that a signed checkpoint
-- covers is overwritten, its old value moves to statusmap_history, so
-- that proofs against every signed checkpoint can still be made.
CREATE TABLE statusmap_nodes (
	pos     TEXT PRIMARY KEY NOT NULL,
	version INTEGER NOT NULL CHECK (version > 0),
	leaf    INTEGER NOT NULL CHECK (leaf IN (0, 1)),
	hash    BLOB NOT NULL CHECK (length(hash) = 32),
	a       BLOB NOT NULL,
	b       BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE statusmap_history (
	pos     TEXT NOT NULL,
	version INTEGER NOT NULL CHECK (version > 0),
	leaf    INTEGER NOT NULL CHECK (leaf IN (0, 1)),
	hash    BLOB NOT NULL CHECK (length(hash) = 32),
	a       BLOB NOT NULL,
	b       BLOB NOT NULL,
	PRIMARY KEY (pos, version)
) STRICT, WITHOUT ROWID;
