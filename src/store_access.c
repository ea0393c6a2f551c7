/*
 * store_access.c - the access record's rows and their chain (store_access.h,
 * migrations 0013 and 0023).
 */
#include <string.h>

#include "error.h"
#include "store_access.h"
#include "store_internal.h"

#define ROW_COLUMNS "id, time, reader, role, request, subject, chain"

/* A row's fields from columns 0 to 5 of st (pointers into st, valid until its next step). */
static void row_fields(sqlite3_stmt *st, qp_access_fields *f)
{
	f->id = (uint64_t)sqlite3_column_int64(st, 0);
	const char **field[] = {&f->time, &f->reader, &f->role, &f->request, &f->subject};
	for (int i = 0; i < 5; i++) {
		const unsigned char *t = sqlite3_column_text(st, i + 1);
		*field[i] = t ? (const char *)t : "";
	}
}

int qp_store_access_head(qp_store *store, uint64_t *n, unsigned char chain[32])
{
	sqlite3_stmt *st = NULL;
	*n = 0;
	memset(chain, 0, 32);
	int err = qp_store_prepare_cached(
	    store, "SELECT id, chain FROM access_records ORDER BY id DESC LIMIT 1", &st);
	if (err != QP_OK)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const void *c = sqlite3_column_blob(st, 1);
		if (id < 1 || c == NULL || sqlite3_column_bytes(st, 1) != 32)
			err = qp_error_set(QP_ECORRUPT, "access_records row %lld: its id or chain is damaged",
					   (long long)id);
		else {
			*n = (uint64_t)id;
			memcpy(chain, c, 32);
		}
	} else if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "reading the access record");
	}
	qp_store_finish(store, st);
	return err;
}

int qp_store_access_put(qp_store *store, const qp_access_fields *f, const char *const *subjects, size_t n)
{
	qp_access_fields row = *f;
	unsigned char chain[32];
	sqlite3_stmt *st = NULL;
	/* The last row is read once: each row after it chains on the one just written. */
	int err = qp_store_access_head(store, &row.id, chain);
	if (err != QP_OK || n == 0)
		return err;
	if ((err = qp_store_prepare_cached(store,
					   "INSERT INTO access_records (" ROW_COLUMNS ")"
					   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
					   &st)) != QP_OK)
		return err;
	for (size_t i = 0; i < n && err == QP_OK; i++) {
		row.id++;
		row.subject = subjects[i];
		qp_access_chain(chain, chain, &row);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)row.id);
		const char *text[] = {row.time, row.reader, row.role, row.request, row.subject};
		for (int k = 0; k < 5; k++)
			sqlite3_bind_text(st, k + 2, text[k], -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 7, chain, 32, SQLITE_STATIC);
		err = qp_store_step_done(store, st, "recording a read of personal data");
	}
	qp_store_finish(store, st);
	return err;
}

int qp_store_access_chain_at(qp_store *store, uint64_t id, unsigned char chain[32])
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store, "SELECT chain FROM access_records WHERE id = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, id > INT64_MAX ? INT64_MAX : (sqlite3_int64)id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *c = sqlite3_column_blob(st, 0);
		if (c != NULL && sqlite3_column_bytes(st, 0) == 32)
			memcpy(chain, c, 32);
		else /* no chain: zero bytes, which no checkpoint commits to but by chance */
			memset(chain, 0, 32);
	} else {
		err = rc == SQLITE_DONE ? QP_ENOTFOUND
					: qp_store_raise(store->db, rc, "reading the access record");
	}
	qp_store_finish(store, st);
	return err;
}

int qp_store_access_each(qp_store *store,
			 int (*fn)(void *ctx, const qp_access_fields *f, const unsigned char *chain,
				   size_t chain_len),
			 void *ctx)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store, "SELECT " ROW_COLUMNS " FROM access_records ORDER BY id", &st);
	int rc;
	if (err != QP_OK)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		qp_access_fields f;
		row_fields(st, &f);
		const unsigned char *chain = sqlite3_column_blob(st, 6);
		if ((err = fn(ctx, &f, chain, chain ? (size_t)sqlite3_column_bytes(st, 6) : 0)) != QP_OK)
			break;
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading the access record");
	qp_store_finish(store, st);
	return err;
}

/* The rows as they are, chained again in id order (qp_store_access_rechain). */
typedef struct rechain {
	qp_store *store;
	sqlite3_stmt *set;
	unsigned char chain[32];
} rechain;

static int rechain_row(void *ctx, const qp_access_fields *f, const unsigned char *stored, size_t len)
{
	rechain *r = ctx;
	(void)stored;
	(void)len;
	qp_access_chain(r->chain, r->chain, f);
	sqlite3_reset(r->set);
	sqlite3_bind_int64(r->set, 1, (sqlite3_int64)f->id);
	sqlite3_bind_blob(r->set, 2, r->chain, 32, SQLITE_STATIC);
	return qp_store_step_done(r->store, r->set, "chaining the access record");
}

int qp_store_access_rechain(qp_store *store)
{
	rechain r = {store, NULL, {0}};
	int err = qp_store_prepare(store, "UPDATE access_records SET chain = ?2 WHERE id = ?1", &r.set);
	if (err == QP_OK)
		err = qp_store_access_each(store, rechain_row, &r);
	qp_store_finish(store, r.set);
	return err;
}
