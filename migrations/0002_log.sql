-- 0002: the log, its Merkle tree, checkpoints, and the key and policy state.
--
-- The log is the registry: log_entries holds every signed entry note byte
-- for byte; everything else here is derived from it, except checkpoints,
-- which the log key signs over the tree.

-- One row per entry; idx is the leaf index, from 0 (the genesis entry).
CREATE TABLE log_entries (
	idx       INTEGER PRIMARY KEY CHECK (idx >= 0),
	note      BLOB NOT NULL,
	leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
	type      TEXT NOT NULL,
	signer    TEXT NOT NULL,
	time      TEXT NOT NULL
) STRICT;

-- Hashes of the complete subtrees: (level, idx) covers leaves
-- [idx << level, (idx + 1) << level).  Level 0 holds the leaf hashes.
CREATE TABLE tree_nodes (
	level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
	idx   INTEGER NOT NULL CHECK (idx >= 0),
	hash  BLOB NOT NULL CHECK (length(hash) = 32),
	PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

-- Every checkpoint the log key ever signed; one per tree size.
CREATE TABLE checkpoints (
	size      INTEGER PRIMARY KEY CHECK (size >= 0),
	root      BLOB NOT NULL CHECK (length(root) = 32),
	note      BLOB NOT NULL,
	signed_at TEXT NOT NULL
) STRICT;

-- Keys allowed to sign, from registry.genesis, key.enroll and key.revoke.
-- A key is known by its name and key ID, as signature lines name it; a
-- name has at most one key that is not revoked (replacing a key = revoke,
-- then enrol the new one under the same name).
CREATE TABLE keys (
	name          TEXT NOT NULL,
	key_id        INTEGER NOT NULL,
	vkey          TEXT NOT NULL UNIQUE,
	role          TEXT NOT NULL CHECK (role IN ('authority', 'officer', 'log', 'auditor')),
	enrolled_idx  INTEGER NOT NULL REFERENCES log_entries (idx),
	valid_until   TEXT,
	revoked_idx   INTEGER REFERENCES log_entries (idx),
	revoke_reason TEXT,
	PRIMARY KEY (name, key_id)
) STRICT;
CREATE UNIQUE INDEX keys_active_name ON keys (name) WHERE revoked_idx IS NULL;

-- Every policy.set entry's parameters; the one in force has the largest idx.
CREATE TABLE policy_versions (
	idx    INTEGER PRIMARY KEY REFERENCES log_entries (idx),
	params TEXT NOT NULL
) STRICT;
