/*
 * store_statusmap.h - the status map's rows in the store (private).
 */
#ifndef QP_SRC_STORE_STATUSMAP_H
#define QP_SRC_STORE_STATUSMAP_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/statusmap.h"
#include "quanpiao/store.h"
#include "statusmap_tree.h"

/* The map's root as of log size as_of (UINT64_MAX: now); 32 zero bytes for an empty map. */
int qp_store_statusmap_root(qp_store *store, uint64_t as_of, unsigned char out[QP_HASH_LEN]);

/*
 * The proof for key as of as_of.  If the path ends in key's own leaf,
 * record (QP_STATUSMAP_RECORD_MAX bytes) gets its record and *record_len
 * its length; else *record_len is 0.
 */
int qp_store_statusmap_prove(qp_store *store, const unsigned char key[QP_HASH_LEN], uint64_t as_of,
			     qp_statusmap_proof *proof, char *record, size_t *record_len);

/*
 * Entry idx changed certificate id: set its leaf from its row (called by
 * every certificate event, inside the append's transaction).
 */
int qp_store_statusmap_touch(qp_store *store, const char *id, uint64_t idx);

/* A certificate's leaf as its INSERT writes it: the row's map_key, map_version, map_hash, map_record. */
typedef struct qp_statusmap_cols {
	int set; /* 0: the insert leaves them NULL (the leaves are not in the rows, or the map is off) */
	unsigned char key[QP_HASH_LEN];
	uint64_t version;
	unsigned char hash[QP_HASH_LEN];
	size_t record_len;
	char record[QP_STATUSMAP_RECORD_MAX];
} qp_statusmap_cols;

/*
 * The leaf of a certificate entry r->entry is about to insert, with record
 * r: its change is noted as qp_store_statusmap_touch notes one, and out
 * gets the columns the insert writes, so that the event's touch that
 * follows finds its leaf written and writes nothing (one UPDATE of the row
 * less).  Inside the append's transaction, before the insert.
 */
int qp_store_statusmap_insert_leaf(qp_store *store, const qp_statusmap_record *r, qp_statusmap_cols *out);

/*
 * A change of a certificate's state by entry r->entry, with its record r
 * (the state it changes to): its old leaf kept as a change notes it
 * (qp_store_statusmap_touch), and out gets the leaf's columns for the
 * UPDATE that changes the state (out->set 0: the rows hold no leaves; the
 * event's touch then does it all).  The caller's UPDATE writes them only
 * where the row's key, kind, holder, area and valid_until are r's; then
 * qp_store_statusmap_changed, with_leaf saying whether it did (if not, the
 * leaf is made from the row as it now is).
 */
int qp_store_statusmap_change_leaf(qp_store *store, const qp_statusmap_record *r, qp_statusmap_cols *out);
int qp_store_statusmap_changed(qp_store *store, const char *id, const qp_statusmap_cols *cols, int with_leaf);

/*
 * Just after that insert succeeded (certificate id, its leaf's version): if
 * the next row changed is its event, its touch reads nothing.
 */
void qp_store_statusmap_inserted(qp_store *store, const char *id, uint64_t version);

/* Set key's record at version (the log size after the entry); the pages follow at the flush. */
int qp_store_statusmap_set(qp_store *store, const unsigned char key[QP_HASH_LEN], const char *record,
			   size_t record_len, uint64_t version);

/*
 * The transaction's hooks (store_log.c): a write transaction begins with
 * nothing pending; the pending changes are flushed before it commits; an
 * entry's rollback to its savepoint computes again every bucket the
 * transaction changed.
 */
void qp_store_statusmap_begin(qp_store *store);
int qp_store_statusmap_flush(qp_store *store);
int qp_store_statusmap_undo(qp_store *store);
void qp_store_statusmap_free(qp_store *store);

/* What a checkpoint's text holds if it has a status-map line (for SQL's instr). */
#define QP_STATUSMAP_LINE_NEEDLE "\n" QP_STATUSMAP_LINE " "

/* Certificate id's record as its row has it, with entry idx, encoded into buf (of QP_STATUSMAP_RECORD_MAX). */
int qp_store_statusmap_cert_record(qp_store *store, const char *id, uint64_t idx, char *buf, size_t *len);

/* Forget what the flush kept (pages and buckets): the rows changed under it. */
void qp_store_statusmap_forget(qp_store *store);

/*
 * Migration 0016 (store_statusmap_upgrade.c): the map in its paged layout,
 * from the old one's rows (or from the events, before 0012).
 */
int qp_store_statusmap_upgrade(qp_store *store);

/* The schema (migration 0022) from which a certificate's leaf is in its row; before it, in statusmap_leaves.
 */
#define QP_SCHEMA_LEAVES_IN_CERTS 22

/*
 * Migration 0022: each certificate's leaf moved from statusmap_leaves into
 * its row (or made from its row and last event, if it has none there).
 */
int qp_store_statusmap_leaves_to_certs(qp_store *store);

/*
 * Keep the rows of the checkpoints of these sizes (ascending; borrowed,
 * must outlive the store's use of them) instead of the store's own
 * checkpoints: an audit's replay keeps what the live registry keeps.
 */
void qp_store_statusmap_keep_for(qp_store *store, const uint64_t *sizes, size_t n);

/*
 * lean: the map keeps no bucket leaves between transactions (and forgets
 * those it kept), as an audit's replay does.  For a bulk writer (the
 * legacy import), whose peak memory is bounded: the kept leaves grow with
 * the certificates it adds (72 bytes each) and save it no time.
 */
void qp_store_statusmap_lean(qp_store *store, int lean);

#endif
