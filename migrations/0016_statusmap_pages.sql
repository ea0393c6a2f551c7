-- 0016: the status map in pages (docs/format.md, "The status map",
-- storage).  The tree is the same; its rows are fewer:
--
-- statusmap_leaves holds one row per certificate: its key, its record's
-- bytes, the leaf hash, and version, the log size after the entry that
-- wrote it.  Below depth 16 the tree is computed from the leaves that
-- share the key's first 16 bits.
--
-- statusmap_pages holds the depths 0 to 15 as 16-ary pages (4 binary
-- levels each): id 0 is the root's page, 1 + p the pages at depth 4,
-- 17 + p at depth 8, 273 + p at depth 12 (p: the key's first 4, 8 or 12
-- bits).  nodes is the page's 30 nodes (2 bits of kind each, in 8
-- bytes, then 30 hashes); version is the newest leaf version below it.
--
-- A row that a signed checkpoint covers moves to its history table when
-- it is overwritten, so that proofs can be made as of every signed
-- checkpoint.  The old tables are converted and dropped by the code that
-- runs with this migration (qp_store_statusmap_upgrade).
CREATE TABLE statusmap_leaves (
	key     BLOB PRIMARY KEY NOT NULL CHECK (length(key) = 32),
	version INTEGER NOT NULL CHECK (version > 0),
	hash    BLOB NOT NULL CHECK (length(hash) = 32),
	record  BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE statusmap_leaf_history (
	key     BLOB NOT NULL,
	version INTEGER NOT NULL CHECK (version > 0),
	hash    BLOB NOT NULL CHECK (length(hash) = 32),
	record  BLOB NOT NULL,
	PRIMARY KEY (key, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE statusmap_pages (
	id      INTEGER PRIMARY KEY CHECK (id >= 0 AND id < 4369),
	version INTEGER NOT NULL CHECK (version > 0),
	nodes   BLOB NOT NULL CHECK (length(nodes) = 968)
) STRICT;

CREATE TABLE statusmap_page_history (
	id      INTEGER NOT NULL,
	version INTEGER NOT NULL CHECK (version > 0),
	nodes   BLOB NOT NULL CHECK (length(nodes) = 968),
	PRIMARY KEY (id, version)
) STRICT, WITHOUT ROWID;
