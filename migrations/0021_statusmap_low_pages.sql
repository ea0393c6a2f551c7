-- 0021: the status map's pages stored by their bottom rows (docs/format.md,
-- "The status map", storage).  A page's nodes (0016) were its 30 nodes'
-- kinds (8 bytes) and hashes; they are now the kinds and the hashes of
-- its bottom 16 nodes only (520 bytes): the 14 above follow from them and
-- are computed when the page is read, their kinds checked against those
-- stored.  A change rewrites about half as many bytes of pages, on about
-- three quarters as many file pages.  A page of the old form (968 bytes)
-- is still read.  (Run again on rows already converted, as a test that
-- rewinds the ledger does, it leaves them as they are.)
CREATE TABLE statusmap_pages_0021 (
	id      INTEGER PRIMARY KEY CHECK (id >= 0 AND id < 4369),
	version INTEGER NOT NULL CHECK (version > 0),
	nodes   BLOB NOT NULL CHECK (length(nodes) IN (520, 968))
) STRICT;
INSERT INTO statusmap_pages_0021 (id, version, nodes)
	SELECT id, version, CASE length(nodes) WHEN 968 THEN CAST(substr(nodes, 1, 8) || substr(nodes, 457) AS BLOB) ELSE nodes END
	FROM statusmap_pages ORDER BY id;
DROP TABLE statusmap_pages;
ALTER TABLE statusmap_pages_0021 RENAME TO statusmap_pages;

CREATE TABLE statusmap_page_history_0021 (
	id      INTEGER NOT NULL,
	version INTEGER NOT NULL CHECK (version > 0),
	nodes   BLOB NOT NULL CHECK (length(nodes) IN (520, 968)),
	PRIMARY KEY (id, version)
) STRICT, WITHOUT ROWID;
INSERT INTO statusmap_page_history_0021 (id, version, nodes)
	SELECT id, version, CASE length(nodes) WHEN 968 THEN CAST(substr(nodes, 1, 8) || substr(nodes, 457) AS BLOB) ELSE nodes END
	FROM statusmap_page_history;
DROP TABLE statusmap_page_history;
ALTER TABLE statusmap_page_history_0021 RENAME TO statusmap_page_history;
