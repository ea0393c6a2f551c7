/*
 * store_certs.c - SQL for certificates, their history, redemptions,
 * the per-home cap, statistics and the area invariants.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "certrules.h"
#include "error.h"
#include "store_certs.h"
#include "store_internal.h"
#include "store_statusmap.h"

#define CERT_COLUMNS                                                                                         \
	"id, kind, holder, holder_type, area, coalesce(home, ''), basis, state, coalesce(parent, ''), root,   \
	issued_on, coalesce(valid_until, ''), coalesce(legacy_no, ''), created_idx, coalesce(ended_idx, 0),   \
	coalesce(ended_by, ''), reason, coalesce(parcel, '')"

static int read_cert(sqlite3_stmt *st, const char *today, qp_cert *c)
{
	memset(c, 0, sizeof(*c));
	qp_store_column_copy(st, 0, c->id, sizeof(c->id));
	qp_store_column_copy(st, 2, c->holder, sizeof(c->holder));
	qp_store_column_copy(st, 3, c->holder_type, sizeof(c->holder_type));
	c->area = sqlite3_column_int64(st, 4);
	qp_store_column_copy(st, 5, c->home, sizeof(c->home));
	qp_store_column_copy(st, 6, c->basis, sizeof(c->basis));
	qp_store_column_copy(st, 8, c->parent, sizeof(c->parent));
	qp_store_column_copy(st, 9, c->root, sizeof(c->root));
	qp_store_column_copy(st, 10, c->issued_on, sizeof(c->issued_on));
	qp_store_column_copy(st, 11, c->valid_until, sizeof(c->valid_until));
	qp_store_column_copy(st, 12, c->legacy_no, sizeof(c->legacy_no));
	c->created_at = (uint64_t)sqlite3_column_int64(st, 13);
	c->ended_at = (uint64_t)sqlite3_column_int64(st, 14);
	qp_store_column_copy(st, 15, c->ended_by, sizeof(c->ended_by));
	if (qp_cert_kind_parse(&c->kind, (const char *)sqlite3_column_text(st, 1)) != QP_OK ||
	    qp_cert_state_parse(&c->state, (const char *)sqlite3_column_text(st, 7)) != QP_OK)
		return qp_error_set(QP_ECORRUPT, "certificate %s is damaged in the store", c->id);
	qp_store_column_copy(st, 17, c->parcel, sizeof(c->parcel));
	c->expired = qp_certrules_expired(c, today);
	return qp_store_column_dup(st, 16, &c->reason);
}

/* Run a statement returning certificate rows into a new array. */
static int read_certs(qp_store *store, sqlite3_stmt *st, const char *today, qp_cert **out, size_t *count)
{
	qp_cert *list = NULL;
	size_t n = 0, cap = 0;
	int rc, err = QP_OK;
	*out = NULL;
	*count = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = qp_grow((void **)&list, &cap, n, sizeof(*list))) != QP_OK)
			break;
		err = read_cert(st, today, &list[n]);
		n++;
		if (err != QP_OK)
			break;
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading certificates");
	qp_store_finish(store, st);
	if (err != QP_OK) {
		qp_certs_free(list, n);
		return err;
	}
	*out = list;
	*count = n;
	return QP_OK;
}

int qp_store_cert_get(qp_store *store, const char *id, const char *today, qp_cert *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	int err = qp_store_prepare_cached(store, "SELECT " CERT_COLUMNS " FROM certificates WHERE id = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = read_cert(st, today, out);
	else if (rc == SQLITE_DONE)
		err = qp_error_set(QP_ENOTFOUND, "no certificate %s in the registry", id);
	else
		err = qp_store_raise(store->db, rc, "reading certificates");
	qp_store_finish(store, st);
	return err;
}

/* One integer from a query with up to two text parameters and one integer. */
static int query_int(qp_store *store, const char *sql, const char *a, const char *b, int64_t n, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	*out = 0;
	int err = qp_store_prepare_cached(store, sql, &st);
	if (err != QP_OK)
		return err;
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, n);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		err = qp_store_raise(store->db, rc, "reading certificates");
	qp_store_finish(store, st);
	return err;
}

/*
 * The next sequence per kind and year, once read in this write
 * transaction (store->tip: begin, commit and every rollback forget it);
 * qp_store_cert_put keeps it current.  NULL when not known.
 */
static int64_t *seq_cached(qp_store *store, qp_cert_kind kind, int year)
{
	if (!qp_store_tip_usable(store))
		return NULL;
	for (int i = 0; i < store->tip.nseqs; i++)
		if (store->tip.seqs[i].kind == (int)kind && store->tip.seqs[i].year == year)
			return &store->tip.seqs[i].next;
	return NULL;
}

int qp_store_cert_next_seq(qp_store *store, qp_cert_kind kind, int year, int64_t *out)
{
	int err = QP_OK;
	const int64_t *hit = seq_cached(store, kind, year);
	if (hit)
		*out = *hit;
	else
		err = query_int(
		    store, "SELECT coalesce(max(seq), 0) + 1 FROM certificates WHERE kind = ?1 AND year = ?3",
		    qp_cert_kind_name(kind), NULL, year, out);
	if (err == QP_OK && !hit && qp_store_tip_usable(store) && store->tip.nseqs < QP_TIP_SEQS) {
		store->tip.seqs[store->tip.nseqs].kind = (int)kind;
		store->tip.seqs[store->tip.nseqs].year = year;
		store->tip.seqs[store->tip.nseqs++].next = *out;
	}
	if (err == QP_OK && *out > 999999)
		err = qp_error_set(QP_ECONFLICT, "certificate numbers of %s for %d are exhausted",
				   qp_cert_kind_name(kind), year);
	return err;
}

/* c's status map record in state `to`, as entry idx leaves it. */
static void map_record(qp_statusmap_record *r, const qp_cert *c, qp_cert_state to, uint64_t idx)
{
	memset(r, 0, sizeof(*r));
	r->kind = c->kind;
	r->state = to;
	r->area = c->area;
	r->entry = idx;
	snprintf(r->id, sizeof(r->id), "%s", c->id);
	snprintf(r->holder, sizeof(r->holder), "%s", c->holder);
	snprintf(r->valid_until, sizeof(r->valid_until), "%s", c->valid_until);
}

#define CERT_INSERT                                                                                          \
	"INSERT INTO certificates (id, kind, year, seq, holder, holder_type, area, home, village,"            \
	" township, basis, state, parent, root, issued_on, valid_until, legacy_no, created_idx, parcel"

int qp_store_cert_put(qp_store *store, const qp_cert *c, int year, int64_t seq, const char *village,
		      const char *township)
{
	sqlite3_stmt *st = NULL;
	/* Its status map leaf goes into the row with it (the event's touch then writes nothing). */
	qp_statusmap_record r;
	qp_statusmap_cols map;
	map_record(&r, c, QP_CERT_LIVE, c->created_at);
	int err = qp_store_statusmap_insert_leaf(store, &r, &map);
	if (err != QP_OK)
		return err;
	err = qp_store_prepare_cached(
	    store,
	    map.set ? CERT_INSERT ", map_key, map_version, map_hash, map_record) VALUES (?1, ?2, ?3, ?4, ?5,"
			" ?6, ?7, ?8, ?9, ?10, ?11, 'live', ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"
		    : CERT_INSERT ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'live', ?12, ?13, ?14,"
			" ?15, ?16, ?17, ?18)",
	    &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, qp_cert_kind_name(c->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, year);
	sqlite3_bind_int64(st, 4, seq);
	sqlite3_bind_text(st, 5, c->holder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->holder_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, c->area);
	qp_store_bind_opt_text(st, 8, c->home);
	qp_store_bind_opt_text(st, 9, village);
	qp_store_bind_opt_text(st, 10, township);
	sqlite3_bind_text(st, 11, c->basis, -1, SQLITE_STATIC);
	qp_store_bind_opt_text(st, 12, c->parent);
	sqlite3_bind_text(st, 13, c->root, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, c->issued_on, -1, SQLITE_STATIC);
	qp_store_bind_opt_text(st, 15, c->valid_until);
	qp_store_bind_opt_text(st, 16, c->legacy_no);
	sqlite3_bind_int64(st, 17, (sqlite3_int64)c->created_at);
	qp_store_bind_opt_text(st, 18, c->parcel);
	if (map.set) {
		sqlite3_bind_blob(st, 19, map.key, QP_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 20, (sqlite3_int64)map.version);
		sqlite3_bind_blob(st, 21, map.hash, QP_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(st, 22, map.record, (int)map.record_len, SQLITE_STATIC);
	}
	err = qp_store_step_done(store, st, "creating the certificate");
	qp_store_finish(store, st);
	if (err == QP_OK && map.set)
		qp_store_statusmap_inserted(store, c->id, map.version);
	int64_t *next = seq_cached(store, c->kind, year);
	if (next && err == QP_OK && seq >= *next)
		*next = seq + 1;
	else if (next && err != QP_OK)
		store->tip.nseqs = 0;
	return err;
}

/*
 * A change of state as its two UPDATEs: with the leaf's columns, written
 * only where the row is as the caller read it, and without.  set binds ?2
 * idx, ?3 how and ?4 reason (those it does not name are left unused);
 * where, ?1 the id.
 */
#define STATE_SQL(set, where)                                                                                \
	"UPDATE certificates SET " set ", map_version = ?12, map_hash = ?13, map_record = ?14 WHERE " where \
	" AND map_key = ?11 AND kind = ?15 AND holder = ?16 AND area = ?17 AND coalesce(valid_until, '') = "    \
	"?18",                                                                                               \
	    "UPDATE certificates SET " set " WHERE " where

/*
 * Change certificate c's state to `to` by entry idx (sql_leaf and sql: as
 * STATE_SQL makes them).  Its status map leaf goes into the row with it
 * when the row is as c says (the event's touch then writes nothing); else
 * the state alone, then the leaf from the row.  QP_ECONFLICT ("certificate
 * ID conflict") if no row is in the state sql's WHERE names.
 */
static int change_state(qp_store *store, const qp_cert *c, qp_cert_state to, uint64_t idx, const char *sql_leaf,
			const char *sql, const char *how, const char *reason, const char *doing,
			const char *conflict)
{
	qp_statusmap_record r;
	qp_statusmap_cols map;
	map_record(&r, c, to, idx);
	int err = qp_store_statusmap_change_leaf(store, &r, &map);
	for (int with_leaf = map.set; err == QP_OK && with_leaf >= 0; with_leaf--) {
		sqlite3_stmt *st = NULL;
		if ((err = qp_store_prepare_cached(store, with_leaf ? sql_leaf : sql, &st)) != QP_OK)
			return err;
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
		sqlite3_bind_text(st, 3, how, -1, SQLITE_STATIC);
		qp_store_bind_opt_text(st, 4, reason);
		if (with_leaf) {
			sqlite3_bind_blob(st, 11, map.key, QP_HASH_LEN, SQLITE_STATIC);
			sqlite3_bind_int64(st, 12, (sqlite3_int64)map.version);
			sqlite3_bind_blob(st, 13, map.hash, QP_HASH_LEN, SQLITE_STATIC);
			sqlite3_bind_blob(st, 14, map.record, (int)map.record_len, SQLITE_STATIC);
			sqlite3_bind_text(st, 15, qp_cert_kind_name(c->kind), -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 16, c->holder, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 17, c->area);
			sqlite3_bind_text(st, 18, c->valid_until, -1, SQLITE_STATIC);
		}
		err = qp_store_step_done(store, st, doing);
		int changed = err == QP_OK && sqlite3_changes(store->db) == 1;
		qp_store_finish(store, st);
		if (changed)
			return map.set ? qp_store_statusmap_changed(store, c->id, &map, with_leaf) : QP_OK;
	}
	return err != QP_OK ? err : qp_error_set(QP_ECONFLICT, "certificate %s %s", c->id, conflict);
}

int qp_store_cert_end(qp_store *store, const qp_cert *c, uint64_t idx, const char *how, const char *reason)
{
	if (strcmp(how, "revoke") == 0)
		return change_state(store, c, QP_CERT_REVOKED, idx,
				    STATE_SQL("state = 'revoked', ended_idx = ?2, ended_by = ?3, reason = ?4",
					      "id = ?1 AND state IN ('live', 'frozen')"),
				    how, reason, "ending the certificate", "is no longer live");
	return change_state(store, c, QP_CERT_SPENT, idx,
			    STATE_SQL("state = 'spent', ended_idx = ?2, ended_by = ?3, reason = ?4",
				      "id = ?1 AND state = 'live'"),
			    how, reason, "ending the certificate", "is no longer live");
}

int qp_store_cert_freeze(qp_store *store, const qp_cert *c, uint64_t idx, int frozen, const char *reason)
{
	return frozen ? change_state(store, c, QP_CERT_FROZEN, idx,
				     STATE_SQL("state = 'frozen', reason = ?4", "id = ?1 AND state = 'live'"), NULL,
				     reason, "freezing the certificate", "is not live")
		      : change_state(store, c, QP_CERT_LIVE, idx,
				     STATE_SQL("state = 'live', reason = ?4", "id = ?1 AND state = 'frozen'"), NULL,
				     reason, "unfreezing the certificate", "is not frozen");
}

int qp_store_cert_event_put(qp_store *store, const char *cert, uint64_t idx, const char *summary)
{
	sqlite3_stmt *st = NULL;
	int err =
	    qp_store_prepare_cached(store, "INSERT INTO cert_events (cert, idx, summary) VALUES (?1, ?2, ?3)", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, cert, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
	sqlite3_bind_text(st, 3, summary, -1, SQLITE_STATIC);
	err = qp_store_step_done(store, st, "recording the certificate's history");
	qp_store_finish(store, st);
	/* Every change of a certificate has an event: the status map follows it here. */
	return err == QP_OK ? qp_store_statusmap_touch(store, cert, idx) : err;
}

int qp_store_redemption_put(qp_store *store, uint64_t idx, const char *cert, int64_t area,
			    const char *purpose, const char *note)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(
	    store, "INSERT INTO redemptions (idx, cert, area, purpose, note) VALUES (?1, ?2, ?3, ?4, ?5)",
	    &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
	sqlite3_bind_text(st, 2, cert, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, area);
	sqlite3_bind_text(st, 4, purpose, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
	err = qp_store_step_done(store, st, "recording the redemption");
	qp_store_finish(store, st);
	return err;
}

int qp_store_redemption_get(qp_store *store, const char *cert, qp_redemption *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	int err = qp_store_prepare_cached(store, "SELECT idx, area, purpose, note FROM redemptions WHERE cert = ?1",
					  &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, cert, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->index = (uint64_t)sqlite3_column_int64(st, 0);
		out->area = sqlite3_column_int64(st, 1);
		qp_store_column_copy(st, 2, out->purpose, sizeof(out->purpose));
		err = qp_store_column_dup(st, 3, &out->note);
	} else if (rc == SQLITE_DONE) {
		err = qp_error_set(QP_ENOTFOUND, "certificate %s was not redeemed", cert);
	} else {
		err = qp_store_raise(store->db, rc, "reading redemptions");
	}
	qp_store_finish(store, st);
	if (err != QP_OK)
		qp_redemption_clear(out);
	return err;
}

/* What counts against the cap of a home or of reclaimed land (column col): issued less revoked. */
#define CAP_AREA(col)                                                                                        \
	"SELECT coalesce(sum(CASE WHEN parent IS NULL THEN area ELSE 0 END), 0)"                              \
	" - coalesce(sum(CASE WHEN state = 'revoked' THEN area ELSE 0 END), 0)"                               \
	" FROM certificates WHERE " col " = ?1 AND kind = ?2"

int qp_store_home_cert_area(qp_store *store, const char *home, qp_cert_kind kind, int64_t *out)
{
	return query_int(store, CAP_AREA("home"), home, qp_cert_kind_name(kind), 0, out);
}

int qp_store_parcel_cert_area(qp_store *store, const char *parcel, qp_cert_kind kind, int64_t *out)
{
	return query_int(store, CAP_AREA("parcel"), parcel, qp_cert_kind_name(kind), 0, out);
}

int qp_store_holder_live_certs(qp_store *store, const char *holder, uint64_t *out)
{
	int64_t n = 0;
	int err = query_int(
	    store, "SELECT count(*) FROM certificates WHERE holder = ?1 AND state IN ('live', 'frozen')",
	    holder, NULL, 0, &n);
	*out = (uint64_t)n;
	return err;
}

int qp_store_household_guarantee(qp_store *store, const char *holder, char id[QP_CERT_ID_LEN + 1],
				  char basis[16])
{
	sqlite3_stmt *st = NULL;
	id[0] = basis[0] = '\0';
	int err = qp_store_prepare_cached(store,
					  "SELECT id, basis FROM certificates WHERE holder = ?1 AND kind = 'guarantee'"
					  " AND parent IS NULL AND basis IN ('withdrawal', 'entitlement')"
					  " AND state != 'revoked' ORDER BY id LIMIT 1",
					  &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, holder, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		qp_store_column_copy(st, 0, id, QP_CERT_ID_LEN + 1);
		qp_store_column_copy(st, 1, basis, 16);
	} else if (rc == SQLITE_DONE) {
		err = QP_ENOTFOUND;
	} else {
		err = qp_store_raise(store->db, rc, "reading certificates");
	}
	qp_store_finish(store, st);
	return err;
}

int qp_store_home_exit_path(qp_store *store, const char *unit, char out[16])
{
	sqlite3_stmt *st = NULL;
	out[0] = '\0';
	int err = qp_store_prepare_cached(store, "SELECT coalesce(exit_path, '') FROM homes WHERE unit = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		qp_store_column_copy(st, 0, out, 16);
	else if (rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading homes");
	qp_store_finish(store, st);
	return err;
}

/* ---- lists --------------------------------------------------------------------- */

/* The state a list filters on: stored state, or "expired" for live ones past valid_until. */
#define SHOWN_STATE                                                                                          \
	"(CASE WHEN state = 'live' AND valid_until IS NOT NULL AND valid_until < ?6 THEN 'expired' ELSE "    \
	"state END)"
#define CERT_FILTERS                                                                                         \
	" (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR " SHOWN_STATE " = ?3) AND (?4 IS NULL OR home = ?4)"  \
	" AND id > ?5 ORDER BY id LIMIT ?7"

int qp_store_certs_list(qp_store *store, const qp_cert_filter *f, const char *today, qp_cert **out,
			size_t *count)
{
	/* Lead with the most selective index: holder, then home, then state. */
	static const char *const sql[] = {
	    "SELECT " CERT_COLUMNS " FROM certificates WHERE holder = ?1 AND" CERT_FILTERS,
	    "SELECT " CERT_COLUMNS " FROM certificates WHERE home = ?4 AND" CERT_FILTERS,
	    "SELECT " CERT_COLUMNS " FROM certificates WHERE" CERT_FILTERS,
	};
	static const char *const states[] = {"live", "spent", "frozen", "revoked", "expired"};
	sqlite3_stmt *st = NULL;
	int which = f->holder ? 0 : f->home ? 1 : 2;
	int err = qp_store_prepare_cached(store, sql[which], &st);
	if (err != QP_OK)
		return err;
	qp_store_bind_opt_text(st, 1, f->holder);
	qp_store_bind_opt_text(st, 2, f->kind >= 0 ? qp_cert_kind_name((qp_cert_kind)f->kind) : NULL);
	qp_store_bind_opt_text(st, 3,
			       f->state >= 0 && f->state <= QP_CERT_STATE_COUNT ? states[f->state] : NULL);
	qp_store_bind_opt_text(st, 4, f->home);
	sqlite3_bind_text(st, 5, f->after ? f->after : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, today, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, f->limit ? (sqlite3_int64)f->limit : -1);
	return read_certs(store, st, today, out, count);
}

int qp_store_certs_created_by(qp_store *store, uint64_t idx, const char *today, qp_cert **out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(
	    store, "SELECT " CERT_COLUMNS " FROM certificates WHERE created_idx = ?1 ORDER BY id", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
	return read_certs(store, st, today, out, count);
}

int qp_store_cert_children(qp_store *store, const char *id, const char *today, qp_cert **out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(
	    store, "SELECT " CERT_COLUMNS " FROM certificates WHERE parent = ?1 ORDER BY id", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return read_certs(store, st, today, out, count);
}

int qp_store_cert_history(qp_store *store, const char *root, qp_cert_event **out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	qp_cert_event *list = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*count = 0;
	int err =
	    qp_store_prepare_cached(store,
			     "SELECT e.idx, l.time, l.signer, l.type, e.cert, e.summary FROM cert_events e"
			     " JOIN certificates c ON c.id = e.cert JOIN log_entries l ON l.idx = e.idx"
			     " WHERE c.root = ?1 ORDER BY e.idx, e.cert",
			     &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = qp_grow((void **)&list, &cap, n, sizeof(*list))) != QP_OK)
			goto fail;
		qp_cert_event *e = &list[n];
		memset(e, 0, sizeof(*e));
		n++;
		e->index = (uint64_t)sqlite3_column_int64(st, 0);
		qp_store_column_copy(st, 1, e->time, sizeof(e->time));
		qp_store_column_copy(st, 3, e->type, sizeof(e->type));
		qp_store_column_copy(st, 4, e->cert, sizeof(e->cert));
		if ((err = qp_store_column_dup(st, 2, &e->signer)) != QP_OK ||
		    (err = qp_store_column_dup(st, 5, &e->summary)) != QP_OK)
			goto fail;
	}
	if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "reading the certificate's history");
		goto fail;
	}
	qp_store_finish(store, st);
	*out = list;
	*count = n;
	return QP_OK;
fail:
	qp_store_finish(store, st);
	qp_cert_events_free(list, n);
	return err;
}

/* ---- statistics and invariants ---------------------------------------------------- */

int qp_store_cert_stats(qp_store *store, const char *village, const char *township, const char *today,
			uint64_t count[3][5], int64_t area[3][5])
{
	static const char *const sql[3] = {
	    "SELECT kind, " SHOWN_STATE ", count(*), coalesce(sum(area), 0) FROM certificates GROUP BY 1, 2",
	    "SELECT kind, " SHOWN_STATE
	    ", count(*), coalesce(sum(area), 0) FROM certificates WHERE village = ?1"
	    " GROUP BY 1, 2",
	    "SELECT kind, " SHOWN_STATE
	    ", count(*), coalesce(sum(area), 0) FROM certificates WHERE township = ?1"
	    " GROUP BY 1, 2",
	};
	static const char *const states[] = {"live", "spent", "frozen", "revoked", "expired"};
	sqlite3_stmt *st = NULL;
	int scope = village ? 1 : township ? 2 : 0;
	memset(count, 0, sizeof(uint64_t) * 15);
	memset(area, 0, sizeof(int64_t) * 15);
	int err = qp_store_prepare_cached(store, sql[scope], &st);
	if (err != QP_OK)
		return err;
	if (scope)
		sqlite3_bind_text(st, 1, village ? village : township, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, today, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		qp_cert_kind k;
		const char *s = (const char *)sqlite3_column_text(st, 1);
		if (qp_cert_kind_parse(&k, (const char *)sqlite3_column_text(st, 0)) != QP_OK || s == NULL)
			continue;
		for (int i = 0; i < 5; i++)
			if (strcmp(s, states[i]) == 0) {
				count[k][i] = (uint64_t)sqlite3_column_int64(st, 2);
				area[k][i] = sqlite3_column_int64(st, 3);
			}
	}
	if (rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "computing certificate statistics");
	qp_store_finish(store, st);
	return err;
}

/* Run a query whose rows are problems; raise QP_EVERIFY with the first. */
static int no_rows(qp_store *store, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store, sql, &st);
	if (err != QP_OK)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		err = qp_error_set(QP_EVERIFY, "%s: %s", what, a ? a : "?");
	} else if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "checking certificates");
	}
	qp_store_finish(store, st);
	return err;
}

/* SQL for an area x (integer hundredths of m², not negative) as people read it: 120.50 m². */
#define M2(x) "(((" x ") / 100) || '.' || printf('%02d', (" x ") % 100) || ' m²')"

int qp_store_cert_invariants(qp_store *store)
{
	int err;
	if ((err = qp_store_begin_read(store)) != QP_OK)
		return err;
	/* Per home (or parcel) and kind: issued = live + frozen + redeemed + revoked. */
	if ((err = no_rows(
		 store,
		 "SELECT coalesce(c.home, 'parcel ' || c.parcel, '(no home)') || ' ' || c.kind ||"
		 " ': issued ' ||"
		 M2("sum(CASE WHEN c.parent IS NULL THEN c.area ELSE 0 END)") " || ', live ' ||"
		 M2("sum(CASE WHEN c.state IN ('live', 'frozen') THEN c.area ELSE 0 END)") " || ', redeemed ' ||"
		 M2("coalesce(sum(r.area), 0)") " || ', revoked ' ||"
		 M2("sum(CASE WHEN c.state = 'revoked' THEN c.area ELSE 0 END)")
		 " FROM certificates c LEFT JOIN redemptions r ON r.cert = c.id"
		 " GROUP BY c.home, c.parcel, c.kind"
		 " HAVING sum(CASE WHEN c.parent IS NULL THEN c.area ELSE 0 END) !="
		 " sum(CASE WHEN c.state IN ('live', 'frozen') THEN c.area ELSE 0 END) + "
		 "coalesce(sum(r.area), 0)"
		 " + sum(CASE WHEN c.state = 'revoked' THEN c.area ELSE 0 END)",
		 "area not conserved")) != QP_OK)
		goto done;
	/*
	 * No per-home cap here: whether issues may exceed a home's land area is
	 * the policy's (per_home_cap) at the time of each issue, which the rules
	 * judged on append and judge again on the audit's replay
	 * (src/certrules.c); a stored area changed afterwards is found by the
	 * table comparison.
	 */
	/* A spent certificate's children and redemption make up its area, all from the entry that spent it.
	 */
	if ((err = no_rows(
		 store,
		 "SELECT p.id || ' (' || " M2("p.area") " || ') has children of ' ||"
		 M2("coalesce((SELECT sum(area) FROM certificates c WHERE c.parent = p.id), 0)")
		 " || ' and redeemed ' ||"
		 M2("coalesce((SELECT area FROM redemptions r WHERE r.cert = p.id), 0)") " FROM certificates p WHERE p.state = 'spent' AND "
		 "p.area !="
		 " coalesce((SELECT sum(area) FROM certificates c WHERE c.parent = p.id), 0) +"
		 " coalesce((SELECT area FROM redemptions r WHERE r.cert = p.id), 0)",
		 "spent area not accounted for")) != QP_OK)
		goto done;
	if ((err = no_rows(
		 store,
		 "SELECT c.id || ' was created by entry ' || c.created_idx || ' but its parent ' || p.id ||"
		 " ' ended at ' || coalesce(p.ended_idx, 'never') FROM certificates c JOIN certificates p ON"
		 " p.id = c.parent WHERE p.state != 'spent' OR p.ended_idx != c.created_idx",
		 "certificate spent twice or not spent")) != QP_OK)
		goto done;
	if ((err = no_rows(
		 store,
		 "SELECT c.id || ' has root ' || c.root FROM certificates c LEFT JOIN certificates p ON p.id "
		 "= c.parent"
		 " WHERE (c.parent IS NULL AND c.root != c.id) OR (c.parent IS NOT NULL AND (p.id IS NULL OR"
		 " c.root != p.root))",
		 "broken ancestry")) != QP_OK)
		goto done;
	err = no_rows(
	    store,
	    "SELECT id || ' is ' || state || ' but ended by ' || coalesce(ended_by, 'nothing') FROM "
	    "certificates"
	    " WHERE (state IN ('live', 'frozen') AND ended_idx IS NOT NULL) OR (state = 'spent' AND ended_by "
	    "NOT IN"
	    " ('transfer', 'redeem')) OR (state = 'revoked' AND ended_by != 'revoke')"
	    " OR (state = 'live' AND EXISTS (SELECT 1 FROM certificates c WHERE c.parent = certificates.id))",
	    "state and history disagree");
done:
	qp_store_end_read(store);
	return err;
}
