/*
 * store_statusmap.c - the status map in the store (statusmap_tree.h):
 * its leaves, its pages, what is kept for signed checkpoints, and the one
 * update every certificate event makes.
 *
 * A certificate event writes its leaf at once (a row keyed by the key)
 * and marks the leaf's bucket dirty; the pages above the dirty buckets
 * are recomputed once, at the flush: before the transaction commits,
 * before the map is read, and before a change that a signed checkpoint
 * separates from the ones pending (so that what a checkpoint commits to
 * is stored as it was).  A group of appends thus writes the top of the
 * tree once.
 *
 * A row that a signed checkpoint covers (a checkpoint of size s with
 * version <= s < the new version) moves to its history table when it is
 * overwritten, so that proofs can be made as of every signed checkpoint.
 * What the tables hold is a function of the certificate events and the
 * checkpoints' sizes, however the events were grouped into transactions:
 * an audit's replay makes the same rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "error.h"
#include "statusmap_tree.h"
#include "store_internal.h"
#include "store_statusmap.h"

/* The map's statements, prepared once per store (the store's shared cache finds one by its text). */
enum {
	S_LATEST,
	S_BELOW,
	S_KEEP_LEAF,
	S_KEEP_LEAF_ROW,
	S_KEEP_PAGE,
	S_LEAF_HISTORY,
	S_SCAN,
	S_SCAN_ROWS,
	S_LEAF,
	S_PAGE,
	S_PAGE_HISTORY,
	S_PUT_PAGE,
	S_NEW_PAGE,
	S_PUT_LEAF,
	S_PUT_LEAF_ROW,
	S_SET_LEAF_ROW,
	S_RECORD,
	S_DATA_VERSION,
	/* From migration 0022: a certificate's leaf in its row (statusmap_leaves: a key of none). */
	S_C_KEEP_LEAF,
	S_C_KEEP_LEAF_ROW,
	S_C_SCAN,
	S_C_SCAN_ROWS,
	S_C_LEAF,
	S_C_SET_LEAF_ROW,
	S_C_PUT_ID,
	S_C_PUT_ID_ROW,
	S_C_PUT_KEY,
	S_C_PUT_KEY_ROW,
	S_C_RECORD,
	S_C_SET_ID,
	S_C_SET_ID_ROW,
	S_COUNT
};


static const char *const sql_of[S_COUNT] = {
    [S_LATEST] = "SELECT size FROM checkpoints WHERE instr(note, ?1) > 0 ORDER BY size DESC LIMIT 1",
    [S_BELOW] = "SELECT max(size) FROM checkpoints WHERE size < ?2 AND instr(note, ?1) > 0",
    [S_KEEP_LEAF] =
	"INSERT INTO statusmap_leaf_history (key, version, hash, record) "
	"SELECT key, version, hash, record FROM statusmap_leaves WHERE key = ?1 AND version <= ?2",
    /* The same by the leaf's row, when the flush has kept it (its key checked, not looked up). */
    [S_KEEP_LEAF_ROW] = "INSERT INTO statusmap_leaf_history (key, version, hash, record) "
			"SELECT key, version, hash, record FROM statusmap_leaves WHERE rowid = ?3 AND key = "
			"?1 AND version <= ?2",
    [S_KEEP_PAGE] = "INSERT INTO statusmap_page_history (id, version, nodes) "
		    "SELECT id, version, nodes FROM statusmap_pages WHERE id = ?1 AND version <= ?2",
    [S_LEAF_HISTORY] =
	"SELECT version, hash, record FROM statusmap_leaf_history WHERE key = ?1 AND version <= ?2 "
	"ORDER BY version DESC LIMIT 1",
    [S_SCAN] =
	"SELECT key, version, hash, 0 FROM statusmap_leaves WHERE key >= ?1 AND key <= ?2 ORDER BY key",
    /* The same with each leaf's row, for the leaves the flush keeps (the leaves are a rowid table from 0019
       on). */
    [S_SCAN_ROWS] =
	"SELECT key, version, hash, rowid FROM statusmap_leaves WHERE key >= ?1 AND key <= ?2 ORDER BY key",
    [S_LEAF] = "SELECT version, hash, record FROM statusmap_leaves WHERE key = ?1",
    [S_PAGE] = "SELECT version, nodes FROM statusmap_pages WHERE id = ?1",
    [S_PAGE_HISTORY] = "SELECT version, nodes FROM statusmap_page_history WHERE id = ?1 AND version <= ?2 "
		       "ORDER BY version DESC LIMIT 1",
    /* A page is overwritten in place (same size), or inserted when new. */
    [S_PUT_PAGE] = "UPDATE statusmap_pages SET version = ?2, nodes = ?3 WHERE id = ?1",
    [S_NEW_PAGE] = "INSERT INTO statusmap_pages (id, version, nodes) VALUES (?1, ?2, ?3)",
    /* In place: the row keeps its place (migration 0019) and the key's index entry is not touched. */
    [S_PUT_LEAF] = "INSERT INTO statusmap_leaves (key, version, hash, record) VALUES (?1, ?2, ?3, ?4) "
		   "ON CONFLICT (key) DO UPDATE SET version = ?2, hash = ?3, record = ?4",
    [S_PUT_LEAF_ROW] = "INSERT INTO statusmap_leaves (key, version, hash, record) VALUES (?1, ?2, ?3, ?4) "
		       "ON CONFLICT (key) DO UPDATE SET version = ?2, hash = ?3, record = ?4 RETURNING rowid",
    /* The same by the leaf's row, when the flush has kept it: the key's index is not read. */
    [S_SET_LEAF_ROW] =
	"UPDATE statusmap_leaves SET version = ?2, hash = ?3, record = ?4 WHERE rowid = ?5 AND key = ?1",
    [S_RECORD] = "SELECT kind, state, holder, area, valid_until FROM certificates WHERE id = ?1",
    [S_DATA_VERSION] = "PRAGMA data_version",
    /*
     * From migration 0022 a certificate's leaf is in its row (map_key,
     * map_version, map_hash, map_record), found by key through
     * certificates_map_key; statusmap_leaves holds a leaf of a key that is
     * no certificate's.  A row is the certificate's (0: by key); a table
     * without rowids (an audit's replay) is read and written without them.
     */
    [S_C_KEEP_LEAF] =
	"INSERT INTO statusmap_leaf_history (key, version, hash, record) "
	"SELECT map_key, map_version, map_hash, map_record FROM certificates WHERE map_key = ?1 AND "
	"map_version <= ?2 UNION ALL "
	"SELECT key, version, hash, record FROM statusmap_leaves WHERE key = ?1 AND version <= ?2",
    [S_C_KEEP_LEAF_ROW] =
	"INSERT INTO statusmap_leaf_history (key, version, hash, record) "
	"SELECT map_key, map_version, map_hash, map_record FROM certificates WHERE rowid = ?3 "
	"AND map_key = ?1 AND map_version <= ?2",
    [S_C_SCAN] =
	"SELECT map_key, map_version, map_hash, 0 FROM certificates WHERE map_key >= ?1 AND map_key <= "
	"?2 UNION ALL SELECT key, version, hash, 0 FROM statusmap_leaves WHERE key >= ?1 AND key <= ?2 "
	"ORDER BY 1",
    [S_C_SCAN_ROWS] =
	"SELECT map_key, map_version, map_hash, rowid FROM certificates WHERE map_key >= ?1 AND "
	"map_key <= ?2 UNION ALL SELECT key, version, hash, 0 FROM statusmap_leaves WHERE key >= "
	"?1 AND key <= ?2 ORDER BY 1",
    [S_C_LEAF] = "SELECT map_version, map_hash, map_record FROM certificates WHERE map_key = ?1 UNION ALL "
		 "SELECT version, hash, record FROM statusmap_leaves WHERE key = ?1",
    [S_C_SET_LEAF_ROW] =
	"UPDATE certificates SET map_version = ?2, map_hash = ?3, map_record = ?4 WHERE rowid = "
	"?5 AND map_key = ?1",
    [S_C_PUT_ID] = "UPDATE certificates SET map_key = ?1, map_version = ?2, map_hash = ?3, map_record = ?4 "
		   "WHERE id = ?5 RETURNING 0",
    [S_C_PUT_ID_ROW] =
	"UPDATE certificates SET map_key = ?1, map_version = ?2, map_hash = ?3, map_record = ?4 "
	"WHERE id = ?5 RETURNING rowid",
    [S_C_PUT_KEY] =
	"UPDATE certificates SET map_version = ?2, map_hash = ?3, map_record = ?4 WHERE map_key = ?1 "
	"RETURNING 0",
    [S_C_PUT_KEY_ROW] =
	"UPDATE certificates SET map_version = ?2, map_hash = ?3, map_record = ?4 WHERE map_key = "
	"?1 RETURNING rowid",
    /*
     * A certificate's record, and whether its row holds its key yet: once
     * it does, a change sets the unindexed columns alone (S_C_SET_ID), so
     * certificates_map_key is not rewritten (an UPDATE that names an
     * indexed column deletes and inserts its index entry, even unchanged).
     */
    [S_C_RECORD] = "SELECT kind, state, holder, area, valid_until, map_key IS NOT NULL, map_version, "
		   "map_record FROM certificates WHERE id = ?1",
    [S_C_SET_ID] = "UPDATE certificates SET map_version = ?2, map_hash = ?3, map_record = ?4 WHERE id = ?5 "
		   "AND map_key = ?1 RETURNING 0",
    [S_C_SET_ID_ROW] = "UPDATE certificates SET map_version = ?2, map_hash = ?3, map_record = ?4 WHERE id = "
		       "?5 AND map_key = ?1 RETURNING rowid",
};

enum { UNKNOWN, CACHED, NONE }; /* what the flush knows of a current page */

/*
 * The schema (migration 0021) from which pages are stored by their bottom
 * rows (qp_smt_page_encode_low); before it, whole.  Either is read.
 */
#define SCHEMA_LOW_PAGES 21

/* At most this many leaves are kept in memory between transactions (80 bytes each: about 42 MB). */
#define KEPT_LEAVES_MAX (1u << 19)

/* The leaves of a bucket, in key order. */
typedef struct bucket {
	qp_smt_leaf *l;
	size_t n, cap;
} bucket;

/*
 * The map's state in a store: its statements, the buckets changed and not
 * yet flushed, and all changed in this transaction.
 *
 * The flush also keeps the current pages it read or wrote (page[id] where
 * known[id] is CACHED; NONE: no such row), and the leaves of the buckets
 * it computed (bucket[b] where kept[b]; changes keep them up to date, up
 * to KEPT_LEAVES_MAX leaves in all), so that the next transaction's flush
 * reads none of them again.  They are what this connection last
 * committed: forgotten when a transaction or an entry is rolled back, and
 * when another connection has written the file (PRAGMA data_version, read
 * at the start of each write).  Proofs and roots read the stored rows.
 */
struct qp_smt_dirty {
	sqlite3_stmt *st[S_COUNT];
	uint16_t *list, *touched;
	size_t n, cap, tn, tcap;
	unsigned char bits[QP_SMT_BUCKETS / 8], tbits[QP_SMT_BUCKETS / 8];
	uint64_t last; /* the version of the last change */
	qp_smt_page *page;
	unsigned char *known, *kept;
	bucket *bucket;
	size_t kept_leaves;
	sqlite3_int64 data_version;
	/*
	 * The certificate whose row was last inserted with its leaf (fresh,
	 * fresh_version), and the connection's count of changed rows just
	 * after that insert (fresh_changes; -1: none known).
	 */
	char fresh[QP_CERT_ID_LEN + 1];
	uint64_t fresh_version;
	sqlite3_int64 fresh_changes;
};

static void forget_bucket(struct qp_smt_dirty *d, unsigned b)
{
	qp_free(d->bucket[b].l);
	d->kept_leaves -= d->bucket[b].n;
	memset(&d->bucket[b], 0, sizeof(d->bucket[b]));
	d->kept[b] = 0;
}

static void forget_pages(void *arg)
{
	qp_store *store = arg;
	struct qp_smt_dirty *d = store->map_dirty;
	if (d == NULL || d->known == NULL)
		return;
	memset(d->known, UNKNOWN, QP_SMT_PAGES);
	for (unsigned b = 0; b < QP_SMT_BUCKETS && d->kept_leaves > 0; b++)
		if (d->kept[b])
			forget_bucket(d, b);
	memset(d->kept, 0, QP_SMT_BUCKETS);
}

static int state(qp_store *store, struct qp_smt_dirty **out)
{
	if (store->map_dirty == NULL) {
		if ((store->map_dirty = qp_calloc(1, sizeof(*store->map_dirty))) == NULL)
			return qp_error_set(QP_ENOMEM, "out of memory using the status map");
		store->map_dirty->fresh_changes = -1;
		/* A rolled back write may have changed pages: what the flush kept of them is forgotten. */
		sqlite3_rollback_hook(store->db, forget_pages, store);
	}
	*out = store->map_dirty;
	return QP_OK;
}

/*
 * Whether this connection's flush keeps pages and leaves between
 * transactions: an audit's replay (told its checkpoints by keep_for, also
 * the 0016 conversion, before the leaves had rows) and a bulk writer
 * (qp_store_statusmap_lean) keep none, their memory bounded by theirs.
 */
static int keeps(const qp_store *store)
{
	return store->map_cps == NULL && !store->map_lean;
}

/* Whether the leaves are in the certificates' rows (S_C_...), else in statusmap_leaves. */
static int in_certs(const qp_store *store)
{
	return store->schema_version >= QP_SCHEMA_LEAVES_IN_CERTS;
}

/* Statement which, ready to bind; give it back with done(). */
static int stmt(qp_store *store, int which, sqlite3_stmt **st)
{
	struct qp_smt_dirty *d = NULL;
	int err = state(store, &d);
	if (err != QP_OK || d == NULL)
		return err != QP_OK ? err : QP_EINTERNAL;
	if (d->st[which] == NULL) {
		int rc = sqlite3_prepare_v3(store->db, sql_of[which], -1, SQLITE_PREPARE_PERSISTENT,
					    &d->st[which], NULL);
		if (rc != SQLITE_OK)
			return qp_store_raise(store->db, rc, "preparing a status map query");
	}
	*st = d->st[which];
	return QP_OK;
}

static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Run the statement to its end: QP_OK, or the error naming doing. */
static int run(qp_store *store, sqlite3_stmt *st, const char *doing)
{
	int rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? QP_OK : qp_store_raise(store->db, rc, doing);
}

/* A growing array of leaves. */
typedef struct leaves {
	qp_smt_leaf *l;
	size_t n, cap;
} leaves;

static const unsigned page_base[QP_SMT_PAGE_LEVELS] = {0, 1, 17, 273};

/* ---- which checkpoints keep what -------------------------------------------------------------- */

/* The newest checkpoint with a map line, cached for the transaction (store->map_latest). */
static int latest_mapped(qp_store *store)
{
	sqlite3_stmt *st = NULL;
	int err = stmt(store, S_LATEST, &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_blob(st, 1, QP_STATUSMAP_LINE_NEEDLE, (int)strlen(QP_STATUSMAP_LINE_NEEDLE), SQLITE_STATIC);
	int rc = sqlite3_step(st);
	store->map_latest_any = rc == SQLITE_ROW;
	store->map_latest = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading the checkpoints");
	done(st);
	store->map_have_latest = err == QP_OK;
	return err;
}

/*
 * The newest signed checkpoint (with a map line) of size below v: *any
 * says whether there is one.  A row of version w replaced at version v is
 * kept iff there is one and w <= *s.
 */
static int checkpoint_below(qp_store *store, uint64_t v, uint64_t *s, int *any)
{
	*any = 0;
	*s = 0;
	if (store->map_cps) {
		size_t lo = 0, hi = store->map_ncps;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (store->map_cps[mid] < v)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0) {
			*any = 1;
			*s = store->map_cps[lo - 1];
		}
		return QP_OK;
	}
	int err;
	if (!store->map_have_latest && (err = latest_mapped(store)) != QP_OK)
		return err;
	if (!store->map_latest_any || store->map_latest < v) {
		*any = store->map_latest_any;
		*s = store->map_latest;
		return QP_OK;
	}
	/* A checkpoint at or beyond v (not the case of an append): ask. */
	sqlite3_stmt *st = NULL;
	if ((err = stmt(store, S_BELOW, &st)) != QP_OK)
		return err;
	sqlite3_bind_blob(st, 1, QP_STATUSMAP_LINE_NEEDLE, (int)strlen(QP_STATUSMAP_LINE_NEEDLE), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)v);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*any = 1;
		*s = (uint64_t)sqlite3_column_int64(st, 0);
	} else if (rc != SQLITE_ROW) {
		err = qp_store_raise(store->db, rc, "reading the checkpoints");
	}
	done(st);
	return err;
}

/* Keep a row (?1 its id or key, ?2 the newest version kept) with the history statement which. */
static int run_keep(qp_store *store, int which, const void *key, int key_len, sqlite3_int64 id, uint64_t upto)
{
	sqlite3_stmt *st = NULL;
	int err = stmt(store, which, &st);
	if (err != QP_OK)
		return err;
	if (key)
		sqlite3_bind_blob(st, 1, key, key_len, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)upto);
	return run(store, st, "keeping a status map row for a checkpoint");
}

/* ---- leaves ---------------------------------------------------------------------------------- */

static int leaf_bad(void)
{
	return qp_error_set(QP_ECORRUPT, "status map: a stored leaf is malformed");
}

/* The leaf key's version and hash as of as_of from its history; *found 0 if it had none then. */
static int leaf_as_of(qp_store *store, const unsigned char key[QP_HASH_LEN], uint64_t as_of, qp_smt_leaf *out,
		      char *record, size_t *record_len, int *found)
{
	sqlite3_stmt *st = NULL;
	*found = 0;
	int err = stmt(store, S_LEAF_HISTORY, &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_blob(st, 1, key, QP_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)as_of);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t rl = (size_t)sqlite3_column_bytes(st, 2);
		if (sqlite3_column_bytes(st, 1) != QP_HASH_LEN || rl > QP_STATUSMAP_RECORD_MAX) {
			err = leaf_bad();
		} else {
			*found = 1;
			memcpy(out->key, key, QP_HASH_LEN);
			out->row = 0; /* a kept version: not the current row */
			out->version = (uint64_t)sqlite3_column_int64(st, 0);
			memcpy(out->hash, sqlite3_column_blob(st, 1), QP_HASH_LEN);
			if (record) {
				if (rl)
					memcpy(record, sqlite3_column_blob(st, 2), rl);
				*record_len = rl;
			}
		}
	} else if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "reading the status map");
	}
	done(st);
	return err;
}

/* Room for one more of n elements of size bytes in *arr (qp_grow), or QP_ENOMEM saying so. */
static int grow(void *arr, size_t *cap, size_t n, size_t size)
{
	return qp_grow(arr, cap, n, size) == QP_OK
		   ? QP_OK
		   : qp_error_set(QP_ENOMEM, "out of memory using the status map");
}

static int leaves_add(leaves *a, const qp_smt_leaf *l)
{
	int err = grow(&a->l, &a->cap, a->n, sizeof(*a->l));
	if (err == QP_OK)
		a->l[a->n++] = *l;
	return err;
}

/* The leaves under key's first depth bits as of as_of (UINT64_MAX: now), in key order, into a. */
static int scan(qp_store *store, const unsigned char key[QP_HASH_LEN], unsigned depth, uint64_t as_of,
		leaves *a)
{
	unsigned char lo[QP_HASH_LEN], hi[QP_HASH_LEN];
	sqlite3_stmt *st = NULL;
	a->n = 0;
	for (unsigned i = 0; i < QP_HASH_LEN; i++) {
		unsigned keep = depth >= 8 * (i + 1) ? 8 : depth > 8 * i ? depth - 8 * i : 0;
		unsigned char mask = (unsigned char)(0xFF00u >> keep);
		lo[i] = key[i] & mask;
		hi[i] = (unsigned char)(lo[i] | (unsigned char)~mask);
	}
	int err = stmt(store,
		       in_certs(store) ? (keeps(store) ? S_C_SCAN_ROWS : S_C_SCAN)
		       : keeps(store)  ? S_SCAN_ROWS
				       : S_SCAN,
		       &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_blob(st, 1, lo, QP_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, hi, QP_HASH_LEN, SQLITE_STATIC);
	int rc;
	while (err == QP_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		qp_smt_leaf l;
		int found = 1;
		if (sqlite3_column_bytes(st, 0) != QP_HASH_LEN ||
		    sqlite3_column_bytes(st, 2) != QP_HASH_LEN) {
			err = leaf_bad();
			break;
		}
		memcpy(l.key, sqlite3_column_blob(st, 0), QP_HASH_LEN);
		l.version = (uint64_t)sqlite3_column_int64(st, 1);
		memcpy(l.hash, sqlite3_column_blob(st, 2), QP_HASH_LEN);
		l.row = sqlite3_column_int64(st, 3);
		if (l.version > as_of)
			err = leaf_as_of(store, l.key, as_of, &l, NULL, NULL, &found);
		if (err == QP_OK && found)
			err = leaves_add(a, &l);
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading the status map");
	done(st);
	return err;
}

/* The record of key's leaf as of as_of (which must have one) and its version and hash. */
static int leaf_record(qp_store *store, const unsigned char key[QP_HASH_LEN], uint64_t as_of,
		       qp_smt_leaf *out, char *record, size_t *record_len)
{
	sqlite3_stmt *st = NULL;
	int found = 0;
	int err = stmt(store, in_certs(store) ? S_C_LEAF : S_LEAF, &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_blob(st, 1, key, QP_HASH_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t rl = (size_t)sqlite3_column_bytes(st, 2);
		if (sqlite3_column_bytes(st, 1) != QP_HASH_LEN || rl > QP_STATUSMAP_RECORD_MAX) {
			err = leaf_bad();
		} else if ((uint64_t)sqlite3_column_int64(st, 0) <= as_of) {
			found = 1;
			memcpy(out->key, key, QP_HASH_LEN);
			out->version = (uint64_t)sqlite3_column_int64(st, 0);
			memcpy(out->hash, sqlite3_column_blob(st, 1), QP_HASH_LEN);
			if (rl)
				memcpy(record, sqlite3_column_blob(st, 2), rl);
			*record_len = rl;
		}
	} else if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "reading the status map");
	}
	done(st);
	if (err == QP_OK && !found)
		err = leaf_as_of(store, key, as_of, out, record, record_len, &found);
	if (err == QP_OK && !found)
		err = qp_error_set(QP_ECORRUPT, "status map: a page names a leaf the leaves lack");
	return err;
}

/* ---- pages ----------------------------------------------------------------------------------- */

/* Page id as of as_of (UINT64_MAX: now) into p; *found 0 if there was none (all empty). */
static int page_get(qp_store *store, unsigned id, uint64_t as_of, qp_smt_page *p, int *found)
{
	int err = QP_OK;
	*found = 0;
	memset(p, 0, sizeof(*p));
	for (int h = 0; h < 2 && !*found && err == QP_OK; h++) {
		sqlite3_stmt *st = NULL;
		if ((err = stmt(store, h ? S_PAGE_HISTORY : S_PAGE, &st)) != QP_OK)
			return err;
		sqlite3_bind_int64(st, 1, id);
		if (h)
			sqlite3_bind_int64(st, 2, (sqlite3_int64)as_of);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			uint64_t v = (uint64_t)sqlite3_column_int64(st, 0);
			if (h || v <= as_of) {
				*found = 1;
				p->version = v;
				err = qp_smt_page_decode(p, sqlite3_column_blob(st, 1),
							 (size_t)sqlite3_column_bytes(st, 1));
			}
		} else if (rc != SQLITE_DONE) {
			err = qp_store_raise(store->db, rc, "reading the status map");
		} else if (!h) {
			h = 1; /* no page now: none before either */
		}
		done(st);
	}
	if (err != QP_OK || !*found)
		memset(p, 0, sizeof(*p));
	return err;
}

/* PRAGMA data_version (changed by other connections' commits), or -1 if it cannot be read. */
static sqlite3_int64 data_version(qp_store *store)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 v = -1;
	if (stmt(store, S_DATA_VERSION, &st) == QP_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		done(st);
	}
	return v;
}

/* Room for what the flush keeps (pages and buckets), once per store. */
static int keep_alloc(qp_store *store)
{
	struct qp_smt_dirty *d = store->map_dirty;
	if (d->known == NULL) {
		d->page = qp_calloc(QP_SMT_PAGES, sizeof(*d->page));
		d->known = qp_calloc(QP_SMT_PAGES, 1);
		d->bucket = qp_calloc(QP_SMT_BUCKETS, sizeof(*d->bucket));
		d->kept = qp_calloc(QP_SMT_BUCKETS, 1);
		if (d->page == NULL || d->known == NULL || d->bucket == NULL || d->kept == NULL) {
			qp_free(d->page);
			qp_free(d->known);
			qp_free(d->bucket);
			qp_free(d->kept);
			d->page = NULL;
			d->known = d->kept = NULL;
			d->bucket = NULL;
			return qp_error_set(QP_ENOMEM, "out of memory updating the status map");
		}
		d->data_version = data_version(store);
	}
	return QP_OK;
}

/* The current page id for the flush, from what it kept if it can (found as page_get's). */
static int page_current(qp_store *store, unsigned id, qp_smt_page *p, int *found)
{
	struct qp_smt_dirty *d = store->map_dirty;
	int err = keep_alloc(store);
	if (err != QP_OK)
		return err;
	if (d->known[id] != UNKNOWN && d->data_version >= 0) {
		*found = d->known[id] == CACHED;
		if (*found)
			*p = d->page[id];
		else
			memset(p, 0, sizeof(*p));
		return QP_OK;
	}
	if ((err = page_get(store, id, UINT64_MAX, p, found)) == QP_OK) {
		d->known[id] = *found ? CACHED : NONE;
		d->page[id] = *p;
	}
	return err;
}

/* The current leaves of bucket b (key: its first two bytes), kept or read into a; *l and *n get them. */
static int bucket_current(qp_store *store, unsigned b, leaves *a, const qp_smt_leaf **l, size_t *n)
{
	struct qp_smt_dirty *d = store->map_dirty;
	unsigned char key[QP_HASH_LEN] = {0};
	int err = keep_alloc(store);
	if (err != QP_OK)
		return err;
	if (d->kept[b] && d->data_version >= 0) {
		*l = d->bucket[b].l;
		*n = d->bucket[b].n;
		return QP_OK;
	}
	key[0] = (unsigned char)(b >> 8);
	key[1] = (unsigned char)b;
	if ((err = scan(store, key, QP_SMT_BUCKET_DEPTH, UINT64_MAX, a)) != QP_OK)
		return err;
	*l = a->l;
	*n = a->n;
	if (d->kept[b])
		forget_bucket(d, b);
	if (!keeps(store))
		return QP_OK;
	if (a->n > 0 && d->kept_leaves + a->n <= KEPT_LEAVES_MAX &&
	    (d->bucket[b].l = qp_malloc(a->n * sizeof(*a->l))) != NULL) {
		memcpy(d->bucket[b].l, a->l, a->n * sizeof(*a->l));
		d->bucket[b].n = d->bucket[b].cap = a->n;
		d->kept_leaves += a->n;
		d->kept[b] = 1;
	} else if (a->n == 0) {
		d->kept[b] = 1;
	}
	return QP_OK;
}

/* Where key is, or would go, in bucket k (in key order). */
static size_t bucket_find(const bucket *k, const unsigned char key[QP_HASH_LEN])
{
	size_t lo = 0, hi = k->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(k->l[mid].key, key, QP_HASH_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Key's leaf as the flush kept it (its bucket kept and holding it), else NULL. */
static const qp_smt_leaf *kept_leaf(const struct qp_smt_dirty *d, unsigned b,
				    const unsigned char key[QP_HASH_LEN])
{
	if (d->kept == NULL || !d->kept[b] || d->data_version < 0)
		return NULL;
	const bucket *k = &d->bucket[b];
	size_t i = bucket_find(k, key);
	return i < k->n && memcmp(k->l[i].key, key, QP_HASH_LEN) == 0 ? &k->l[i] : NULL;
}

/* A changed leaf into its bucket if kept (else nothing; a bucket that cannot grow is forgotten). */
static void bucket_set(struct qp_smt_dirty *d, unsigned b, const qp_smt_leaf *leaf)
{
	if (d->kept == NULL || !d->kept[b])
		return;
	bucket *k = &d->bucket[b];
	size_t lo = bucket_find(k, leaf->key);
	if (lo < k->n && memcmp(k->l[lo].key, leaf->key, QP_HASH_LEN) == 0) {
		k->l[lo] = *leaf;
		return;
	}
	if (d->kept_leaves >= KEPT_LEAVES_MAX ||
	    qp_grow((void **)&k->l, &k->cap, k->n, sizeof(*k->l)) != QP_OK) {
		forget_bucket(d, b);
		return;
	}
	memmove(&k->l[lo + 1], &k->l[lo], (k->n - lo) * sizeof(*k->l));
	k->l[lo] = *leaf;
	k->n++;
	d->kept_leaves++;
}

/* Write page id (it had version old, if present), keeping the old one if a checkpoint covers it. */
static int page_put(qp_store *store, unsigned id, const qp_smt_page *p, int present, uint64_t old)
{
	uint64_t s = 0;
	int any = 0, err;
	unsigned char blob[QP_SMT_PAGE_BYTES];
	size_t blob_len = QP_SMT_PAGE_BYTES;
	if (present && (err = checkpoint_below(store, p->version, &s, &any)) != QP_OK)
		return err;
	if (present && any && old <= s && (err = run_keep(store, S_KEEP_PAGE, NULL, 0, id, s)) != QP_OK)
		return err;
	sqlite3_stmt *st = NULL;
	if ((err = stmt(store, present ? S_PUT_PAGE : S_NEW_PAGE, &st)) != QP_OK)
		return err;
	if (store->schema_version >= SCHEMA_LOW_PAGES)
		blob_len = qp_smt_page_encode_low(blob, p);
	else
		qp_smt_page_encode(blob, p); /* the 0016 conversion, before 0021 */
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)p->version);
	sqlite3_bind_blob(st, 3, blob, (int)blob_len, SQLITE_STATIC);
	struct qp_smt_dirty *d = store->map_dirty;
	if ((err = run(store, st, "writing the status map")) != QP_OK || sqlite3_changes(store->db) != 1) {
		forget_pages(store);
		return err != QP_OK ? err : qp_error_set(QP_ECORRUPT, "status map: page %u is missing", id);
	}
	if (d->known) {
		d->known[id] = CACHED;
		d->page[id] = *p;
	}
	return QP_OK;
}

/* ---- the flush ------------------------------------------------------------------------------- */

/* A changed child of a page: its index below the level above, its root and newest version. */
typedef struct change {
	unsigned idx;
	qp_smt_ref ref;
	uint64_t version;
} change;

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int qp_store_statusmap_flush(qp_store *store)
{
	struct qp_smt_dirty *d = store->map_dirty;
	if (d == NULL || d->n == 0)
		return QP_OK;
	change *c = qp_malloc(d->n * sizeof(*c));
	leaves a = {0};
	int err = QP_OK;
	size_t n = d->n;
	if (c == NULL) {
		err = qp_error_set(QP_ENOMEM, "out of memory updating the status map");
		goto done;
	}
	qsort(d->list, d->n, sizeof(d->list[0]), cmp_u16);
	/* The buckets' roots, from their leaves. */
	for (size_t i = 0; i < n && err == QP_OK; i++) {
		const qp_smt_leaf *l = NULL;
		size_t nl = 0;
		if ((err = bucket_current(store, d->list[i], &a, &l, &nl)) != QP_OK)
			break;
		c[i].idx = d->list[i];
		c[i].version = 0;
		for (size_t j = 0; j < nl; j++)
			c[i].version = l[j].version > c[i].version ? l[j].version : c[i].version;
		qp_smt_subtree(&c[i].ref, l, nl, QP_SMT_BUCKET_DEPTH);
	}
	/* The pages above them, level by level: each page read and written once. */
	for (unsigned level = QP_SMT_PAGE_LEVELS; level-- > 0 && err == QP_OK;) {
		size_t out = 0;
		for (size_t i = 0; i < n && err == QP_OK;) {
			unsigned prefix = c[i].idx >> 4, child[16], id = page_base[level] + prefix;
			qp_smt_ref ref[16];
			uint64_t newest = 0;
			size_t k = 0;
			for (; i < n && c[i].idx >> 4 == prefix; i++, k++) {
				child[k] = c[i].idx & 15;
				ref[k] = c[i].ref;
				newest = c[i].version > newest ? c[i].version : newest;
			}
			qp_smt_page p;
			int found = 0, changed = 0;
			if ((err = page_current(store, id, &p, &found)) != QP_OK)
				break;
			uint64_t old = p.version;
			qp_smt_page_set(&p, child, ref, k, &changed);
			if (!changed)
				continue;
			p.version = newest > old ? newest : old;
			if ((err = page_put(store, id, &p, found, old)) != QP_OK)
				break;
			c[out].idx = prefix;
			c[out].version = p.version;
			qp_smt_page_root(&c[out].ref, &p);
			out++;
		}
		n = out;
	}
done:
	if (err == QP_OK) {
		for (size_t i = 0; i < d->n; i++)
			d->bits[d->list[i] / 8] &= (unsigned char)~(1u << (d->list[i] % 8));
		d->n = 0;
	}
	qp_free(c);
	qp_free(a.l);
	return err;
}

void qp_store_statusmap_begin(qp_store *store)
{
	struct qp_smt_dirty *d = store->map_dirty;
	store->map_have_latest = 0;
	if (d == NULL)
		return;
	/* Another connection's write since the last transaction: the pages kept may be old. */
	if (d->known && data_version(store) != d->data_version)
		forget_pages(store);
	memset(d->bits, 0, sizeof(d->bits));
	memset(d->tbits, 0, sizeof(d->tbits));
	d->n = d->tn = 0;
}

static int mark(uint16_t **list, size_t *n, size_t *cap, unsigned char *bits, uint16_t b)
{
	if (bits[b / 8] & (1u << (b % 8)))
		return QP_OK;
	int err = grow(list, cap, *n, sizeof(**list));
	if (err != QP_OK)
		return err;
	(*list)[(*n)++] = b;
	bits[b / 8] |= (unsigned char)(1u << (b % 8));
	return QP_OK;
}

int qp_store_statusmap_undo(qp_store *store)
{
	struct qp_smt_dirty *d = store->map_dirty;
	int err = QP_OK;
	forget_pages(store);
	/* The entry's rows are back as they were; every bucket this transaction changed is computed again. */
	for (size_t i = 0; d && i < d->tn && err == QP_OK; i++)
		err = mark(&d->list, &d->n, &d->cap, d->bits, d->touched[i]);
	return err;
}

void qp_store_statusmap_free(qp_store *store)
{
	struct qp_smt_dirty *d = store->map_dirty;
	if (d == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(d->st[i]);
	sqlite3_rollback_hook(store->db, NULL, NULL);
	forget_pages(store);
	qp_free(d->page);
	qp_free(d->known);
	qp_free(d->bucket);
	qp_free(d->kept);
	qp_free(d->list);
	qp_free(d->touched);
	qp_free(d);
	store->map_dirty = NULL;
}

/* ---- updates --------------------------------------------------------------------------------- */

/*
 * Keep key's current leaf for the checkpoint of size s, if it covers it.
 * With the leaf as the flush kept it (row > 0, of version was) the key is
 * not looked up: a leaf written after s has nothing to keep.
 */
static int keep_leaf(qp_store *store, const unsigned char key[QP_HASH_LEN], int64_t row, uint64_t was,
		     uint64_t s)
{
	sqlite3_stmt *st = NULL;
	int err;
	if (row > 0 && was > s)
		return QP_OK;
	if (row > 0) {
		if ((err = stmt(store, in_certs(store) ? S_C_KEEP_LEAF_ROW : S_KEEP_LEAF_ROW, &st)) != QP_OK)
			return err;
		sqlite3_bind_blob(st, 1, key, QP_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)s);
		sqlite3_bind_int64(st, 3, row);
		if ((err = run(store, st, "keeping a status map row for a checkpoint")) != QP_OK ||
		    sqlite3_changes(store->db) == 1)
			return err;
	}
	return run_keep(store, in_certs(store) ? S_C_KEEP_LEAF : S_KEEP_LEAF, key, QP_HASH_LEN, 0, s);
}

/* Bind a leaf's key, version, hash and record (?1 to ?4) to st. */
static void bind_leaf(sqlite3_stmt *st, const unsigned char key[QP_HASH_LEN], uint64_t version,
		      const unsigned char h[QP_HASH_LEN], const char *record, size_t record_len)
{
	sqlite3_bind_blob(st, 1, key, QP_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	sqlite3_bind_blob(st, 3, h, QP_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, record, (int)record_len, SQLITE_STATIC);
}

/*
 * One write of key's leaf by statement which: by id (bound as ?5, if not
 * NULL) or by key; *found if it returned the row it wrote (into *row).
 */
static int put_leaf_by(qp_store *store, int which, const char *id, const unsigned char key[QP_HASH_LEN],
		       const unsigned char h[QP_HASH_LEN], const char *record, size_t record_len,
		       uint64_t version, int64_t *row, int *found)
{
	sqlite3_stmt *st = NULL;
	int err = stmt(store, which, &st), rc;
	if (err != QP_OK)
		return err;
	bind_leaf(st, key, version, h, record, record_len);
	if (id)
		sqlite3_bind_text(st, 5, id, -1, SQLITE_STATIC);
	*found = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*found = 1;
		*row = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	done(st);
	return rc == SQLITE_DONE ? QP_OK : qp_store_raise(store->db, rc, "writing the status map");
}

/*
 * The write of key's leaf by its row (which: S_SET_LEAF_ROW or
 * S_C_SET_LEAF_ROW), when the flush has kept it: the key's index is not
 * read.  *found if that row held the key.
 */
static int put_leaf_row(qp_store *store, int which, const unsigned char key[QP_HASH_LEN],
			const unsigned char h[QP_HASH_LEN], const char *record, size_t record_len,
			uint64_t version, int64_t row, int *found)
{
	sqlite3_stmt *st = NULL;
	int err = stmt(store, which, &st);
	*found = 0;
	if (err != QP_OK)
		return err;
	bind_leaf(st, key, version, h, record, record_len);
	sqlite3_bind_int64(st, 5, row);
	if ((err = run(store, st, "writing the status map")) == QP_OK)
		*found = sqlite3_changes(store->db) == 1;
	return err;
}

/*
 * Write key's leaf: from migration 0022 in the row of certificate id (by
 * its row if *row is known, else by id, or with no id by key), or, for a
 * key of no certificate, in statusmap_leaves (*row 0); before it, in
 * statusmap_leaves (by its row if known, else by its key).  key_set: the certificate's row was
 * read holding a key, so only the unindexed columns need writing.  *row
 * gets the certificate's row.
 */
static int put_leaf(qp_store *store, const char *id, int key_set, const unsigned char key[QP_HASH_LEN],
		    const unsigned char h[QP_HASH_LEN], const char *record, size_t record_len,
		    uint64_t version, int64_t *row)
{
	int err, found = 0, certs = in_certs(store);
	if (*row > 0 && ((err = put_leaf_row(store, certs ? S_C_SET_LEAF_ROW : S_SET_LEAF_ROW, key, h, record,
					     record_len, version, *row, &found)) != QP_OK ||
			 found))
		return err;
	/* Not that row after all (or none known): by the certificate's id, or by the key. */
	if (!certs)
		return put_leaf_by(store, keeps(store) ? S_PUT_LEAF_ROW : S_PUT_LEAF, NULL, key, h, record,
				   record_len, version, row, &found);
	if (id && key_set &&
	    ((err = put_leaf_by(store, keeps(store) ? S_C_SET_ID_ROW : S_C_SET_ID, id, key, h, record,
				record_len, version, row, &found)) != QP_OK ||
	     found))
		return err;
	if ((err = put_leaf_by(store,
			       id ? (keeps(store) ? S_C_PUT_ID_ROW : S_C_PUT_ID)
				  : (keeps(store) ? S_C_PUT_KEY_ROW : S_C_PUT_KEY),
			       id, key, h, record, record_len, version, row, &found)) != QP_OK ||
	    found)
		return err;
	if (id)
		return qp_error_set(QP_EINTERNAL, "status map: no certificate %s to hold its leaf", id);
	/* A key of no certificate: its leaf apart, found by its key. */
	*row = 0;
	return put_leaf_by(store, S_PUT_LEAF, NULL, key, h, record, record_len, version, row, &found);
}

/*
 * What a leaf's change notes beside its write: the map a checkpoint
 * between the pending changes and this one commits to is stored first, a
 * leaf a checkpoint covers is kept, and the leaf (key, hash, version and
 * its row if known) gets its bucket.  Before the write: leaf_before; after
 * it (with leaf->row known, or 0): leaf_after.
 */
static int leaf_before(qp_store *store, const unsigned char key[QP_HASH_LEN], const char *record,
		       size_t record_len, uint64_t version, qp_smt_leaf *leaf)
{
	struct qp_smt_dirty *d = NULL;
	uint64_t s = 0;
	int any = 0, err = state(store, &d);
	if (err != QP_OK || d == NULL || (err = checkpoint_below(store, version, &s, &any)) != QP_OK)
		return err != QP_OK ? err : QP_EINTERNAL;
	/* A checkpoint between the pending changes and this one: store the map it commits to first. */
	if (d->n && any && s >= d->last && (err = qp_store_statusmap_flush(store)) != QP_OK)
		return err;
	const qp_smt_leaf *kept = kept_leaf(d, qp_smt_bits(key, 0, QP_SMT_BUCKET_DEPTH), key);
	memcpy(leaf->key, key, QP_HASH_LEN);
	leaf->row = kept ? kept->row : 0;
	if (any && (err = keep_leaf(store, key, leaf->row, kept ? kept->version : 0, s)) != QP_OK)
		return err;
	qp_smt_leaf_hash(leaf->hash, key, record, record_len);
	leaf->version = version;
	return QP_OK;
}

static int leaf_after(qp_store *store, const qp_smt_leaf *leaf)
{
	struct qp_smt_dirty *d = NULL;
	int err = state(store, &d);
	if (err != QP_OK || d == NULL)
		return err != QP_OK ? err : QP_EINTERNAL;
	uint16_t b = (uint16_t)qp_smt_bits(leaf->key, 0, QP_SMT_BUCKET_DEPTH);
	bucket_set(d, b, leaf);
	if ((err = mark(&d->list, &d->n, &d->cap, d->bits, b)) == QP_OK)
		err = mark(&d->touched, &d->tn, &d->tcap, d->tbits, b);
	d->last = leaf->version;
	return err;
}

/* Write leaf (its hash and version made from record) and note it in its bucket: set_leaf after leaf_before. */
static int leaf_write(qp_store *store, const char *id, int key_set, const char *record, size_t record_len,
		      qp_smt_leaf *leaf)
{
	int err = put_leaf(store, id, key_set, leaf->key, leaf->hash, record, record_len, leaf->version,
			   &leaf->row);
	return err == QP_OK ? leaf_after(store, leaf) : err;
}

/* Set key's leaf (of certificate id, if known; key_set: its row holds the key) to the record at version. */
static int set_leaf(qp_store *store, const char *id, int key_set, const unsigned char key[QP_HASH_LEN],
		    const char *record, size_t record_len, uint64_t version)
{
	qp_smt_leaf leaf;
	int err = leaf_before(store, key, record, record_len, version, &leaf);
	return err == QP_OK ? leaf_write(store, id, key_set, record, record_len, &leaf) : err;
}

int qp_store_statusmap_set(qp_store *store, const unsigned char key[QP_HASH_LEN], const char *record,
			   size_t record_len, uint64_t version)
{
	return set_leaf(store, NULL, 0, key, record, record_len, version);
}

/* ---- reading --------------------------------------------------------------------------------- */

/* Before a read: the pending changes are stored, and the next change asks for the checkpoints again. */
static int before_read(qp_store *store)
{
	int err = qp_store_statusmap_flush(store);
	store->map_have_latest = 0;
	return err;
}

int qp_store_statusmap_root(qp_store *store, uint64_t as_of, unsigned char out[QP_HASH_LEN])
{
	qp_smt_page p;
	qp_smt_ref r;
	int found = 0, err = before_read(store);
	if (err == QP_OK && (err = page_get(store, 0, as_of, &p, &found)) == QP_OK) {
		qp_smt_page_root(&r, &p);
		memcpy(out, r.hash, QP_HASH_LEN);
	}
	return err;
}

int qp_store_statusmap_prove(qp_store *store, const unsigned char key[QP_HASH_LEN], uint64_t as_of,
			     qp_statusmap_proof *proof, char *record, size_t *record_len)
{
	qp_smt_page p;
	qp_smt_ref root;
	leaves a = {0};
	int found = 0, kind, err = before_read(store);
	unsigned level = 0;
	memset(proof, 0, sizeof(*proof));
	*record_len = 0;
	if (err != QP_OK || (err = page_get(store, 0, as_of, &p, &found)) != QP_OK)
		return err;
	qp_smt_page_root(&root, &p);
	kind = root.kind;
	while (kind == QP_SMT_INTERIOR && level < QP_SMT_PAGE_LEVELS) {
		if (level > 0 && (err = page_get(store, page_base[level] + qp_smt_bits(key, 0, 4 * level),
						 as_of, &p, &found)) != QP_OK)
			return err;
		if (!found)
			return qp_error_set(QP_ECORRUPT, "status map: a page is missing");
		kind = qp_smt_prove_page(proof, &p, level++, key);
	}
	if (kind == QP_SMT_EMPTY)
		return QP_OK;
	/* The leaf that ends the path, or the bucket below the pages. */
	unsigned depth = kind == QP_SMT_INTERIOR ? QP_SMT_BUCKET_DEPTH : proof->depth;
	if ((err = scan(store, key, depth, as_of, &a)) == QP_OK) {
		size_t i = qp_smt_prove_leaves(proof, a.l, a.n, key, depth);
		if ((kind == QP_SMT_LEAF) != (a.n == 1) || (kind == QP_SMT_INTERIOR && a.n < 2)) {
			err = qp_error_set(QP_ECORRUPT, "status map: the pages and the leaves disagree");
		} else if (i < a.n) {
			qp_smt_leaf l;
			unsigned char h[QP_HASH_LEN];
			if ((err = leaf_record(store, a.l[i].key, as_of, &l, record, record_len)) == QP_OK) {
				qp_smt_leaf_hash(h, l.key, record, *record_len);
				if (sodium_memcmp(h, l.hash, QP_HASH_LEN) != 0)
					err = qp_error_set(QP_ECORRUPT,
							   "status map: a leaf's hash is not its record's");
			}
			if (err == QP_OK) {
				proof->leaf = 1;
				memcpy(proof->leaf_key, l.key, QP_HASH_LEN);
				crypto_hash_sha256(proof->leaf_value_hash, (const unsigned char *)record,
						   *record_len);
				if (memcmp(l.key, key, QP_HASH_LEN) != 0)
					*record_len = 0;
			}
		}
	}
	qp_free(a.l);
	return err;
}

/* ---- the registry's certificates ------------------------------------------------------------- */

/* The leaf a certificate's row holds (from migration 0022), as the touch reads it. */
typedef struct row_leaf {
	int key_set; /* its row holds its key */
	uint64_t version;
	size_t len;
	char record[QP_STATUSMAP_RECORD_MAX];
} row_leaf;

/* Certificate id's record as of entry idx; *held (if not NULL) gets the leaf its row holds. */
static int record_of(qp_store *store, const char *id, uint64_t idx, qp_statusmap_record *out, row_leaf *held)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	if (held)
		held->key_set = 0;
	int err = stmt(store, in_certs(store) ? S_C_RECORD : S_RECORD, &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		char kind[16], state[16];
		snprintf(out->id, sizeof(out->id), "%s", id);
		qp_store_column_copy(st, 0, kind, sizeof(kind));
		qp_store_column_copy(st, 1, state, sizeof(state));
		qp_store_column_copy(st, 2, out->holder, sizeof(out->holder));
		out->area = sqlite3_column_int64(st, 3);
		qp_store_column_copy(st, 4, out->valid_until, sizeof(out->valid_until));
		out->entry = idx;
		if (held && in_certs(store) && sqlite3_column_int(st, 5) == 1) {
			int n = sqlite3_column_bytes(st, 7);
			held->key_set = 1;
			held->version = (uint64_t)sqlite3_column_int64(st, 6);
			held->len = n > 0 && n <= QP_STATUSMAP_RECORD_MAX ? (size_t)n : 0;
			if (held->len)
				memcpy(held->record, sqlite3_column_blob(st, 7), held->len);
		}
		if (qp_cert_kind_parse(&out->kind, kind) != QP_OK ||
		    qp_cert_state_parse(&out->state, state) != QP_OK)
			err = qp_error_set(QP_ECORRUPT, "certificate %s: a stored kind or state is unknown",
					   id);
	} else if (rc == SQLITE_DONE) {
		err = qp_error_set(QP_ENOTFOUND, "no certificate %s", id);
	} else {
		err = qp_store_raise(store->db, rc, "reading a certificate");
	}
	done(st);
	return err;
}

/* Bench only (bench/statusmap_bench.c): 1 skips the map's update, to measure what it costs. */
int qp_statusmap_bench_off;

/* Certificate id's record as of entry idx, encoded into buf (QP_STATUSMAP_RECORD_MAX bytes). */
static int cert_record(qp_store *store, const char *id, uint64_t idx, char *buf, size_t *len, row_leaf *held)
{
	qp_statusmap_record r;
	int err = record_of(store, id, idx, &r, held);
	if (err == QP_OK && (err = qp_statusmap_record_encode(buf, len, &r)) == QP_EINVALID)
		err = qp_error_set(QP_ECORRUPT, "certificate %s: its record does not fit the status map", id);
	return err;
}

/*
 * Whether certificate id's row holds the leaf of entry idx as inserted with
 * it, with one row changed since: the event that every touch follows
 * (qp_store_cert_event_put).  Any other change of a row in between (a
 * certificate ended or frozen, another inserted) makes it read the row.
 */
static int fresh_leaf(qp_store *store, const char *id, uint64_t idx)
{
	const struct qp_smt_dirty *d = store->map_dirty;
	return d && d->fresh_changes >= 0 && d->fresh_version == idx + 1 && strcmp(d->fresh, id) == 0 &&
	       sqlite3_total_changes64(store->db) == d->fresh_changes + 1;
}

int qp_store_statusmap_cert_record(qp_store *store, const char *id, uint64_t idx, char *buf, size_t *len)
{
	return cert_record(store, id, idx, buf, len, NULL);
}

int qp_store_statusmap_touch(qp_store *store, const char *id, uint64_t idx)
{
	if (qp_statusmap_bench_off || fresh_leaf(store, id, idx))
		return QP_OK;
	char buf[QP_STATUSMAP_RECORD_MAX];
	size_t len = 0;
	unsigned char key[32];
	row_leaf held;
	int err = cert_record(store, id, idx, buf, &len, &held);
	if (err != QP_OK)
		return err;
	/* Its row already holds this leaf, written with it (qp_store_statusmap_insert_leaf) or by a touch. */
	if (held.key_set && held.version == idx + 1 && held.len == len && memcmp(held.record, buf, len) == 0)
		return QP_OK;
	qp_statusmap_key(key, id);
	return set_leaf(store, id, held.key_set, key, buf, len, idx + 1);
}

void qp_store_statusmap_inserted(qp_store *store, const char *id, uint64_t version)
{
	struct qp_smt_dirty *d = store->map_dirty;
	if (d == NULL)
		return;
	snprintf(d->fresh, sizeof(d->fresh), "%s", id);
	d->fresh_version = version;
	d->fresh_changes = sqlite3_total_changes64(store->db);
}

/* r's leaf (from r->entry) noted before its write, into out; out->set 0 when the rows hold no leaves. */
static int leaf_cols(qp_store *store, const qp_statusmap_record *r, qp_statusmap_cols *out, qp_smt_leaf *leaf)
{
	int err;
	out->set = 0;
	if (qp_statusmap_bench_off || !in_certs(store))
		return QP_OK;
	if ((err = qp_statusmap_record_encode(out->record, &out->record_len, r)) == QP_EINVALID)
		return qp_error_set(QP_ECORRUPT, "certificate %s: its record does not fit the status map", r->id);
	qp_statusmap_key(out->key, r->id);
	if (store->map_dirty)
		store->map_dirty->fresh_changes = -1;
	if (err != QP_OK ||
	    (err = leaf_before(store, out->key, out->record, out->record_len, r->entry + 1, leaf)) != QP_OK)
		return err;
	memcpy(out->hash, leaf->hash, QP_HASH_LEN);
	out->version = leaf->version;
	out->set = 1;
	return QP_OK;
}

int qp_store_statusmap_insert_leaf(qp_store *store, const qp_statusmap_record *r, qp_statusmap_cols *out)
{
	qp_smt_leaf leaf;
	int err = leaf_cols(store, r, out, &leaf);
	if (err == QP_OK && out->set && (err = leaf_after(store, &leaf)) != QP_OK)
		out->set = 0;
	return err;
}

int qp_store_statusmap_change_leaf(qp_store *store, const qp_statusmap_record *r, qp_statusmap_cols *out)
{
	qp_smt_leaf leaf;
	return leaf_cols(store, r, out, &leaf);
}

int qp_store_statusmap_changed(qp_store *store, const char *id, const qp_statusmap_cols *cols, int with_leaf)
{
	qp_smt_leaf leaf;
	char buf[QP_STATUSMAP_RECORD_MAX];
	size_t len = 0;
	row_leaf held;
	int err;
	memcpy(leaf.key, cols->key, QP_HASH_LEN);
	memcpy(leaf.hash, cols->hash, QP_HASH_LEN);
	leaf.version = cols->version;
	leaf.row = 0;
	if (with_leaf) {
		if ((err = leaf_after(store, &leaf)) == QP_OK)
			qp_store_statusmap_inserted(store, id, cols->version);
		return err;
	}
	/* The row was not as the caller read it: its leaf from the row itself (the old one is kept). */
	if ((err = cert_record(store, id, cols->version - 1, buf, &len, &held)) != QP_OK)
		return err;
	qp_smt_leaf_hash(leaf.hash, leaf.key, buf, len);
	return leaf_write(store, id, held.key_set, buf, len, &leaf);
}

void qp_store_statusmap_keep_for(qp_store *store, const uint64_t *sizes, size_t n)
{
	store->map_cps = sizes;
	store->map_ncps = n;
}

void qp_store_statusmap_forget(qp_store *store)
{
	forget_pages(store);
}

void qp_store_statusmap_lean(qp_store *store, int lean)
{
	store->map_lean = lean;
	if (lean)
		forget_pages(store); /* and the buckets: none is kept from here on */
}
