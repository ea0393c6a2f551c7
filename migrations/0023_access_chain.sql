-- 0023: the access record as a hash chain (docs/format.md, "The access record").
--
-- Each row's chain is SHA-256 over the chain of the row before it and the
-- row's own fields (src/access.c, qp_access_chain), which SQL cannot
-- compute: the library chains the rows already there as it applies this
-- migration (store_access.c, qp_store_access_rechain).  A checkpoint signed
-- while the record has rows commits to the last row's chain in an extension
-- line, so that a row it covers cannot be altered, removed or inserted
-- without the audit seeing it.  The table is made again with the column.
CREATE TABLE access_records_chained (
	id      INTEGER PRIMARY KEY,
	time    TEXT NOT NULL CHECK (length(time) = 20),
	reader  TEXT NOT NULL,
	role    TEXT NOT NULL CHECK (role IN ('officer', 'auditor')),
	request TEXT NOT NULL,
	subject TEXT NOT NULL,
	chain   BLOB NOT NULL CHECK (length(chain) = 32)
) STRICT;
INSERT INTO access_records_chained (id, time, reader, role, request, subject, chain)
	SELECT id, time, reader, role, request, subject, zeroblob(32) FROM access_records ORDER BY id;
DROP TABLE access_records;
ALTER TABLE access_records_chained RENAME TO access_records;
CREATE INDEX access_records_subject ON access_records (subject, id);
