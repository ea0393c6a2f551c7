/*
 * old_statusmap.h - the status map's tables as migration 0012 made them,
 * before 0016 stored the map in pages: for tests that make a file from
 * before 0016 and upgrade it.
 */
#ifndef QP_TESTS_OLD_STATUSMAP_H
#define QP_TESTS_OLD_STATUSMAP_H

/* The 0016 tables out, the 0012 ones in, the ledger back to 0015. */
#define OLD_STATUSMAP_SQL                                                                                    \
	"DROP TABLE statusmap_leaves; DROP TABLE statusmap_leaf_history;"                                    \
	"DROP TABLE statusmap_pages; DROP TABLE statusmap_page_history;"                                     \
	"CREATE TABLE statusmap_nodes (pos TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL CHECK "       \
	"(version > 0), leaf INTEGER NOT NULL CHECK (leaf IN (0, 1)), hash BLOB NOT NULL CHECK "             \
	"(length(hash) = 32), a BLOB NOT NULL, b BLOB NOT NULL) STRICT, WITHOUT ROWID;"                      \
	"CREATE TABLE statusmap_history (pos TEXT NOT NULL, version INTEGER NOT NULL CHECK (version > 0), "  \
	"leaf INTEGER NOT NULL CHECK (leaf IN (0, 1)), hash BLOB NOT NULL CHECK (length(hash) = 32), a "     \
	"BLOB NOT NULL, b BLOB NOT NULL, PRIMARY KEY (pos, version)) STRICT, WITHOUT ROWID;"

/* Migration 0017 taken out: its table, and its column of certificates (0018 rebuilds that table again). */
#define UNDO_0017_SQL                                                                                        \
	"DROP TABLE parcels;"                                                                                \
	"CREATE TABLE certs_old AS SELECT id, kind, year, seq, holder, holder_type, area, home,"             \
	" village, township, basis, state, parent, root, issued_on, valid_until, legacy_no,"                 \
	" created_idx, ended_idx, ended_by, reason FROM certificates;"                                       \
	"DROP TABLE certificates;"                                                                           \
	"ALTER TABLE certs_old RENAME TO certificates;"

#endif
