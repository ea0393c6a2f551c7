/*
 * store_import.h - the store's part of the legacy import (private): finding
 * a certificate by its legacy number, the connection settings an import
 * wants, and a scratch database of the legacy numbers one import has seen
 * (so that duplicates within a file are found without holding the file's
 * numbers in memory).
 */
#ifndef QP_SRC_STORE_IMPORT_H
#define QP_SRC_STORE_IMPORT_H

#include <stdint.h>

#include "quanpiao/certs.h"
#include "quanpiao/store.h"

/*
 * The certificate issued with legacy number legacy_no: its id and the
 * index of the entry that issued it.  QP_ENOTFOUND if there is none.
 */
int qp_store_cert_by_legacy(qp_store *store, const char *legacy_no, char id[QP_CERT_ID_LEN + 1],
			    uint64_t *created_idx);

/*
 * The connection's settings while importing, restored afterwards.
 * Temporary files in memory: a row is one savepoint around several
 * entries, and SQLite copies the pages a savepoint may have to restore to
 * a statement journal that spills to a file past 64 KiB; in memory it
 * costs a copy instead of a system call, and it lives only while the row
 * is open.  A page cache of QP_IMPORT_CACHE_SIZE, so that a batch's pages
 * stay in memory until its commit.  A write-ahead log checkpointed every
 * QP_IMPORT_WAL_PAGES pages instead of every 1000: the index pages that
 * many batches touch reach the database file once rather than once per
 * batch, at the cost of a -wal file of up to 1 GiB (SQLite removes it when
 * the last connection closes) and a longer recovery after a crash.
 * Foreign keys unchecked by SQLite: the rules of an entry the import
 * built write rows that name the entry's index before its signed note is
 * in the log (qp_registry_apply_built), and what else a row refers to
 * (village, household, home) is looked up by the import's plan and by the
 * rules before anything refers to it.  (Deferring the checks to the
 * commit instead makes SQLite search the tables that refer to the log for
 * each entry it adds.)  The end of the import switches them on again.
 */
/* SQLite cache_size: negative means KiB, so 96 MiB.  The indexes a large import touches outgrow 64 MiB
 * (300k rows, side by side: 102.0 -> 95.9 CPU-s); the import peaks near 128 MiB (1M rows: 127.9). */
#define QP_IMPORT_CACHE_SIZE (-98304)
#define QP_IMPORT_WAL_PAGES  262144   /* 1 GiB of 4 KiB pages */
typedef struct qp_store_import_settings {
	int64_t cache_size, checkpoint_pages;
} qp_store_import_settings;
int qp_store_import_begin(qp_store *store, qp_store_import_settings *saved);
/* Restore the settings and checkpoint what readers allow; never fails, keeps the caller's error. */
void qp_store_import_end(qp_store *store, const qp_store_import_settings *saved);

/*
 * The legacy numbers seen so far: a private on-disk SQLite database that
 * SQLite deletes when it is closed (and removes from the directory at
 * once), with a small page cache, independent of the registry's
 * transactions.  *out owns it; free with qp_store_seen_close.
 */
typedef struct qp_store_seen qp_store_seen;
int qp_store_seen_open(qp_store_seen **out);
/*
 * Note that legacy_no was read at line; *first gets the line where it
 * was first seen (line itself when it is new).
 */
int qp_store_seen_add(qp_store_seen *seen, const char *legacy_no, uint64_t line, uint64_t *first);
void qp_store_seen_close(qp_store_seen *seen);

#endif
