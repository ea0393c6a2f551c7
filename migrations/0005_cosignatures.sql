-- 0005: witness cosignatures of checkpoints (c2sp.org/tlog-cosignature).
--
-- Auditors cosign checkpoints the log key signed.  Like checkpoints, and
-- unlike the state tables, cosignatures are not derived from the log: the
-- registry keeps the signature line an auditor handed it, byte for byte,
-- and prints it under the checkpoint it covers.  One line per checkpoint
-- and witness key; a later cosignature of the same checkpoint by the same
-- key replaces an earlier one.
CREATE TABLE cosignatures (
	size      INTEGER NOT NULL REFERENCES checkpoints (size),
	witness   TEXT NOT NULL,
	key_id    INTEGER NOT NULL CHECK (key_id BETWEEN 0 AND 4294967295),
	timestamp INTEGER NOT NULL CHECK (timestamp >= 0),
	line      TEXT NOT NULL,
	PRIMARY KEY (size, witness, key_id)
) STRICT, WITHOUT ROWID;
