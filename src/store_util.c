/*
 * store_util.c - small helpers the store's SQL files share: preparing,
 * stepping, copying columns, growing result arrays.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "store_internal.h"

int qp_store_prepare(qp_store *store, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(store->db, sql, -1, st, NULL);
	return rc == SQLITE_OK ? QP_OK : qp_store_raise(store->db, rc, "preparing a query");
}

int qp_store_prepare_cached(qp_store *store, const char *sql, sqlite3_stmt **st)
{
	int free_slot = -1;
	/* Callers pass string literals: the same text at the same address, compared only once found. */
	for (int i = 0; i < QP_STMT_CACHE; i++)
		if (store->cache[i].key == sql && store->cache[i].sql && !store->cache[i].busy &&
		    strcmp(store->cache[i].sql, sql) == 0) {
			store->cache[i].busy = 1;
			*st = store->cache[i].st;
			return QP_OK;
		}
	for (int i = 0; i < QP_STMT_CACHE; i++) {
		if (store->cache[i].sql == NULL) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (!store->cache[i].busy && strcmp(store->cache[i].sql, sql) == 0) {
			store->cache[i].busy = 1;
			*st = store->cache[i].st;
			return QP_OK;
		}
	}
	int rc = sqlite3_prepare_v3(store->db, sql, -1, free_slot >= 0 ? SQLITE_PREPARE_PERSISTENT : 0, st, NULL);
	if (rc != SQLITE_OK)
		return qp_store_raise(store->db, rc, "preparing a query");
	if (free_slot >= 0 && (store->cache[free_slot].sql = qp_strdup(sql)) != NULL) {
		store->cache[free_slot].key = sql;
		store->cache[free_slot].st = *st;
		store->cache[free_slot].busy = 1;
	}
	return QP_OK;
}

void qp_store_finish(qp_store *store, sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < QP_STMT_CACHE; i++)
		if (store->cache[i].st == st && store->cache[i].sql) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			store->cache[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

int qp_store_step_done(qp_store *store, sqlite3_stmt *st, const char *doing)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return QP_OK;
	if ((rc & 0xFF) == SQLITE_CONSTRAINT)
		return qp_error_set(QP_ECONFLICT, "%s: %s", doing, sqlite3_errmsg(store->db));
	return qp_store_raise(store->db, rc, doing);
}

void qp_store_bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s && s[0])
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void qp_store_column_copy(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
	if (len == 0)
		return;
	/* As snprintf "%s" would: cut to len - 1 bytes (and at a NUL inside the value). */
	if (n >= len)
		n = len - 1;
	if (n > 0)
		memcpy(buf, t, n);
	buf[n] = '\0';
}

int qp_store_column_dup(sqlite3_stmt *st, int i, char **out)
{
	*out = NULL;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return QP_OK;
	const char *t = (const char *)sqlite3_column_text(st, i);
	if (t == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory reading the registry");
	*out = qp_strndup(t, (size_t)sqlite3_column_bytes(st, i));
	return *out ? QP_OK : QP_ENOMEM;
}

