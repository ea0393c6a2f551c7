/*
 * store_statusmap.c - SQL for the status map: its nodes (current and kept
 * for signed checkpoints), a certificate's record as the tables have it,
 * and the one update every certificate event makes (O(depth) rows).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "error.h"
#include "statusmap_tree.h"
#include "store_internal.h"
#include "store_statusmap.h"

/* Positions are stored in lowercase hex. */
typedef struct hexpos {
	char s[2 * QP_SMT_POS_MAX + 1];
} hexpos;

static hexpos hex(const unsigned char *pos, size_t pos_len)
{
	hexpos h;
	sodium_bin2hex(h.s, sizeof(h.s), pos, pos_len);
	return h;
}

/* Read a node row (version, leaf, hash, a, b) of st into n; QP_ECORRUPT if malformed. */
static int read_node(sqlite3_stmt *st, qp_smt_node *n)
{
	const void *hash = sqlite3_column_blob(st, 2), *a = sqlite3_column_blob(st, 3),
		   *b = sqlite3_column_blob(st, 4);
	int leaf = sqlite3_column_int(st, 1);
	size_t alen = (size_t)sqlite3_column_bytes(st, 3), blen = (size_t)sqlite3_column_bytes(st, 4);
	n->version = (uint64_t)sqlite3_column_int64(st, 0);
	if (sqlite3_column_bytes(st, 2) != 32 || alen != 32 || (!leaf && blen != 32) ||
	    (leaf && blen > QP_STATUSMAP_RECORD_MAX) || hash == NULL || a == NULL)
		return qp_error_set(QP_ECORRUPT, "status map: a stored node is malformed");
	n->kind = leaf ? QP_SMT_LEAF : QP_SMT_INTERIOR;
	memcpy(n->hash, hash, 32);
	memcpy(n->a, a, 32);
	if (leaf) {
		if (blen)
			memcpy(n->value, b, blen);
		n->value_len = blen;
	} else {
		memcpy(n->b, b, 32);
		n->value_len = 0;
	}
	return QP_OK;
}

static int get_one(qp_store *store, const char *sql, const unsigned char *pos, size_t pos_len, uint64_t as_of,
		   qp_smt_node *out, int *found)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store, sql, &st);
	if (err != QP_OK)
		return err;
	hexpos h = hex(pos, pos_len);
	sqlite3_bind_text(st, 1, h.s, -1, SQLITE_STATIC);
	if (as_of != UINT64_MAX)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)as_of);
	int rc = sqlite3_step(st);
	*found = 0;
	if (rc == SQLITE_ROW) {
		*found = 1;
		err = read_node(st, out);
	} else if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "reading the status map");
	}
	qp_store_finish(store, st);
	return err;
}

int qp_store_smt_get(void *ctx, const unsigned char *pos, size_t pos_len, uint64_t as_of, qp_smt_node *out)
{
	qp_store *store = ctx;
	int found = 0;
	out->kind = QP_SMT_EMPTY;
	out->version = 0;
	int err = get_one(store, "SELECT version, leaf, hash, a, b FROM statusmap_nodes WHERE pos = ?1", pos,
			  pos_len, UINT64_MAX, out, &found);
	if (err != QP_OK || !found || out->version <= as_of) {
		if (!found)
			out->kind = QP_SMT_EMPTY;
		return err;
	}
	/* Written after as_of: the node as it was then, if a checkpoint kept it. */
	err = get_one(
	    store,
	    "SELECT version, leaf, hash, a, b FROM statusmap_history WHERE pos = ?1 AND version <= ?2 "
	    "ORDER BY version DESC LIMIT 1",
	    pos, pos_len, as_of, out, &found);
	if (err == QP_OK && !found) {
		out->kind = QP_SMT_EMPTY;
		out->version = 0;
	}
	return err;
}

/* Is there a checkpoint of size s with from <= s < to (the node of version from was in force at it)? */
static int kept_for_checkpoint(qp_store *store, uint64_t from, uint64_t to, int *out)
{
	*out = 0;
	if (store->map_cps) {
		size_t lo = 0, hi = store->map_ncps;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (store->map_cps[mid] < from)
				lo = mid + 1;
			else
				hi = mid;
		}
		*out = lo < store->map_ncps && store->map_cps[lo] < to;
		return QP_OK;
	}
	if (store->map_have_latest) {
		/* Every checkpoint of this file is below to: one in [from, to) is the newest, if it is >=
		 * from. */
		*out = store->map_latest_any && store->map_latest >= from;
		return QP_OK;
	}
	sqlite3_stmt *st = NULL;
	/* Checkpoints signed before the map existed commit to no map: nothing is kept for them. */
	int err = qp_store_prepare_cached(
	    store, "SELECT 1 FROM checkpoints WHERE size >= ?1 AND size < ?2 AND instr(note, ?3) > 0 LIMIT 1",
	    &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)to);
	sqlite3_bind_blob(st, 3, "\n" QP_STATUSMAP_LINE " ", (int)strlen("\n" QP_STATUSMAP_LINE " "),
			  SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = 1;
	else if (rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading the checkpoints");
	qp_store_finish(store, st);
	return err;
}

static void bind_node(sqlite3_stmt *st, const hexpos *h, const qp_smt_node *n)
{
	sqlite3_bind_text(st, 1, h->s, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)n->version);
	sqlite3_bind_int(st, 3, n->kind == QP_SMT_LEAF);
	sqlite3_bind_blob(st, 4, n->hash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, n->a, 32, SQLITE_STATIC);
	if (n->kind == QP_SMT_LEAF)
		sqlite3_bind_blob(st, 6, n->value, (int)n->value_len, SQLITE_STATIC);
	else
		sqlite3_bind_blob(st, 6, n->b, 32, SQLITE_STATIC);
}

int qp_store_smt_put(void *ctx, const unsigned char *pos, size_t pos_len, const qp_smt_node *n,
		     uint64_t old_version)
{
	qp_store *store = ctx;
	sqlite3_stmt *st = NULL;
	int keep = 0, err;
	hexpos h = hex(pos, pos_len);
	if (old_version && old_version < n->version &&
	    (err = kept_for_checkpoint(store, old_version, n->version, &keep)) != QP_OK)
		return err;
	if (keep) {
		if ((err = qp_store_prepare_cached(
			 store,
			 "INSERT INTO statusmap_history (pos, version, leaf, hash, a, b) "
			 "SELECT pos, version, leaf, hash, a, b FROM statusmap_nodes WHERE pos = ?1",
			 &st)) != QP_OK)
			return err;
		sqlite3_bind_text(st, 1, h.s, -1, SQLITE_STATIC);
		err = qp_store_step_done(store, st, "keeping a status map node");
		qp_store_finish(store, st);
		if (err != QP_OK)
			return err;
	}
	if ((err = qp_store_prepare_cached(
		 store,
		 "INSERT OR REPLACE INTO statusmap_nodes (pos, version, leaf, hash, a, b) "
		 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		 &st)) != QP_OK)
		return err;
	bind_node(st, &h, n);
	err = qp_store_step_done(store, st, "writing the status map");
	qp_store_finish(store, st);
	return err;
}

int qp_store_statusmap_record(qp_store *store, const char *id, uint64_t idx, qp_statusmap_record *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	int err = qp_store_prepare_cached(
	    store, "SELECT kind, state, holder, area, valid_until FROM certificates WHERE id = ?1", &st);
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
		if (qp_cert_kind_parse(&out->kind, kind) != QP_OK ||
		    qp_cert_state_parse(&out->state, state) != QP_OK)
			err = qp_error_set(QP_ECORRUPT, "certificate %s: a stored kind or state is unknown",
					   id);
	} else if (rc == SQLITE_DONE) {
		err = qp_error_set(QP_ENOTFOUND, "no certificate %s", id);
	} else {
		err = qp_store_raise(store->db, rc, "reading a certificate");
	}
	qp_store_finish(store, st);
	return err;
}

/* The newest checkpoint with a map line, read once per update (store->map_latest). */
static int latest_mapped(qp_store *store)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(
	    store, "SELECT size FROM checkpoints WHERE instr(note, ?1) > 0 ORDER BY size DESC LIMIT 1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_blob(st, 1, "\n" QP_STATUSMAP_LINE " ", (int)strlen("\n" QP_STATUSMAP_LINE " "),
			  SQLITE_STATIC);
	int rc = sqlite3_step(st);
	store->map_latest_any = rc == SQLITE_ROW;
	store->map_latest = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading the checkpoints");
	qp_store_finish(store, st);
	store->map_have_latest = err == QP_OK;
	return err;
}

/* Bench only (bench/statusmap_bench.c): 1 skips the map's update, to measure what it costs. */
int qp_statusmap_bench_off;

int qp_store_statusmap_touch(qp_store *store, const char *id, uint64_t idx)
{
	if (qp_statusmap_bench_off)
		return QP_OK;
	qp_statusmap_record r;
	char buf[QP_STATUSMAP_RECORD_MAX];
	size_t len = 0;
	unsigned char key[32];
	int err = qp_store_statusmap_record(store, id, idx, &r);
	if (err == QP_OK && (err = qp_statusmap_record_encode(buf, &len, &r)) == QP_EINVALID)
		err = qp_error_set(QP_ECORRUPT, "certificate %s: its record does not fit the status map", id);
	if (err != QP_OK)
		return err;
	qp_statusmap_key(key, id);
	if (store->map_cps == NULL && (err = latest_mapped(store)) != QP_OK)
		return err;
	err = qp_smt_set(qp_store_smt_get, qp_store_smt_put, store, key, buf, len, idx + 1);
	store->map_have_latest = 0;
	return err;
}

int qp_store_statusmap_build(qp_store *store)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store, "SELECT cert, idx FROM cert_events ORDER BY idx, cert", &st);
	if (err != QP_OK)
		return err;
	int rc;
	while (err == QP_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char id[QP_CERT_ID_LEN + 1];
		qp_store_column_copy(st, 0, id, sizeof(id));
		err = qp_store_statusmap_touch(store, id, (uint64_t)sqlite3_column_int64(st, 1));
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "building the status map");
	qp_store_finish(store, st);
	return err;
}

void qp_store_statusmap_keep_for(qp_store *store, const uint64_t *sizes, size_t n)
{
	store->map_cps = sizes;
	store->map_ncps = n;
}
