-- 0015: the file keeps nothing that nothing verifies (issue 20).  The local
-- time a checkpoint was signed is not in its signed note, and the time a
-- migration was applied is not the log's: an insider could change either
-- and no check would see it, and neither was read.  Both go.  The ledger is
-- made again without its time, whether or not it had one (a file created
-- since this migration never did).
ALTER TABLE checkpoints DROP COLUMN signed_at;
CREATE TABLE qp_schema_migrations_0015 (
	version INTEGER PRIMARY KEY,
	name    TEXT NOT NULL,
	sha256  TEXT NOT NULL
) STRICT;
INSERT INTO qp_schema_migrations_0015 (version, name, sha256)
	SELECT version, name, sha256 FROM qp_schema_migrations;
DROP TABLE qp_schema_migrations;
ALTER TABLE qp_schema_migrations_0015 RENAME TO qp_schema_migrations;
