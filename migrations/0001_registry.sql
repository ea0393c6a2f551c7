-- 0001: registry metadata.
--
-- The schema-migration ledger (qp_schema_migrations) is created by the store
-- itself before any migration runs; this file starts the registry proper.
-- Later migrations add the log, the Merkle tree and the state tables.

-- Facts about the registry as a whole: its origin (log name), county,
-- creation time.  Written once at creation; later values come from the log.
CREATE TABLE registry_meta (
	key   TEXT PRIMARY KEY NOT NULL CHECK (length(key) BETWEEN 1 AND 64),
	value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
