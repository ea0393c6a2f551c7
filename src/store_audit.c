/*
 * store_audit.c - SQL for the audit: the replayed registry is ATTACHed
 * to the live one and every table is compared with EXCEPT in both
 * directions; differing rows are then described column by column.
 *
 * The statements are assembled with snprintf from the constant table
 * list below only; nothing from input ever reaches the SQL text.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "quanpiao/cosign.h"
#include "quanpiao/ids.h"
#include "quanpiao/keys.h"

#include "alloc.h"
#include "error.h"
#include "store_audit.h"
#include "store_internal.h"

/* registry_meta: the mark of a registry that holds no personal data by design. */
#define NO_PERSONAL_KEY	  "personal_data"
#define NO_PERSONAL_VALUE "none (a mirror of a served log)"

/*
 * The tables derived from the log (personal_data and investor_data are
 * not: they sit beside it).  key names a row for people; order is its primary key; changed selects the rows
 * an entry at or after ?1 can have touched.
 */
static const struct table {
	const char *name;
	const char *key;
	const char *order;
	const char *changed;
	int state; /* part of the state hash */
	/* Columns compared; the log's note bytes are covered by the leaf hashes and the tree. */
	const char *cols;
	/* The rows of the table that are compared and hashed (NULL: all). */
	const char *rows;
} tables[] = {
    /* The mark of a registry without personal data is the file's, not the log's (qp_store_mark_...). */
    /* A few rows, none tied to an entry: compared whole by the incremental audit too. */
    {"registry_meta", "key", "key", "1", 1, NULL, "key <> '" NO_PERSONAL_KEY "'"},
    {"keys", "name || ' (' || printf('%08x', key_id) || ')'", "name, key_id",
     "enrolled_idx >= ?1 OR revoked_idx >= ?1", 1, NULL, NULL},
    {"policy_versions", "'policy of entry ' || idx", "idx", "idx >= ?1", 1, NULL, NULL},
    {"villages", "code", "code", "added_idx >= ?1 OR updated_idx >= ?1", 1, NULL, NULL},
    {"households", "number", "number", "added_idx >= ?1 OR erased_idx >= ?1 OR updated_idx >= ?1", 1, NULL,
     NULL},
    {"homes", "unit", "unit", "updated_idx >= ?1", 1, NULL, NULL},
    {"home_events", "unit || ' at entry ' || idx", "unit, idx", "idx >= ?1", 1, NULL, NULL},
    {"activations", "'activation of entry ' || idx", "idx", "idx >= ?1", 1, NULL, NULL},
    {"parcels", "'reclaimed parcel ' || parcel", "parcel", "added_idx >= ?1", 1, NULL, NULL},
    {"certificates", "id", "id",
     "created_idx >= ?1 OR ended_idx >= ?1 OR id IN (SELECT cert FROM main.cert_events WHERE idx >= ?1)", 1,
     NULL, NULL},
    {"cert_events", "cert || ' at entry ' || idx", "cert, idx", "idx >= ?1", 1, NULL, NULL},
    {"redemptions", "'redemption of entry ' || idx", "idx", "idx >= ?1", 1, NULL, NULL},
    {"log_entries", "idx", "idx", "idx >= ?1", 0, "idx, leaf_hash, type, signer, time", NULL},
    /* The status map: current leaves and pages, and those kept for signed checkpoints (statusmap_audit.h). */
    {"statusmap_leaves", "'status map leaf ' || hex(key)", "key", "version > ?1", 0, NULL, NULL},
    {"statusmap_leaf_history", "'status map leaf ' || hex(key) || ' of version ' || version", "key, version",
     "1", 0, NULL, NULL},
    {"statusmap_pages", "'status map page ' || id", "id", "version > ?1", 0, NULL, NULL},
    {"statusmap_page_history", "'status map page ' || id || ' of version ' || version", "id, version", "1", 0,
     NULL, NULL},
    /* Incremental: see per_level below. */
    {"tree_nodes", "'(' || level || ', ' || idx || ')'", "level, idx", "1", 0, NULL, NULL},
};

/* The replay's page cache, in KiB whatever its page size (qp_store_replay_lean changes it). */
#define REPLAY_CACHE "PRAGMA cache_size = -65536"

int qp_store_fast_writes(qp_store *store)
{
	return qp_store_exec(store->db,
			     "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; " REPLAY_CACHE,
			     "preparing the replay");
}

int qp_store_replay_unjournaled(qp_store *store)
{
	return qp_store_exec(store->db, "PRAGMA journal_mode = OFF", "preparing the replay");
}

uint64_t qp_store_memory_used(void)
{
	return (uint64_t)sqlite3_memory_used();
}

/*
 * The list of a "col IN ('a', 'b', ...)" at p (just past its "("), written
 * to s as "col = 'a' OR col = 'b' ..." with its closing ")"; returns the end
 * of the list, or NULL (and s untouched) if it is not a list of plain
 * quoted words.
 */
static const char *list_as_ors(sqlite3_str *s, const char *col, int col_len, const char *p)
{
	const char *items[16], *q = p;
	int lens[16], n = 0;
	for (;;) {
		while (*q == ' ' || *q == '\n' || *q == '\t')
			q++;
		if (*q != '\'' || n == 16)
			return NULL;
		const char *end = strchr(q + 1, '\'');
		if (end == NULL || end[1] == '\'')
			return NULL;
		items[n] = q;
		lens[n++] = (int)(end - q + 1);
		q = end + 1;
		while (*q == ' ' || *q == '\n' || *q == '\t')
			q++;
		if (*q == ')')
			break;
		if (*q++ != ',')
			return NULL;
	}
	for (int i = 0; i < n; i++)
		sqlite3_str_appendf(s, "%s%.*s = %.*s", i ? " OR " : "", col_len, col, lens[i], items[i]);
	sqlite3_str_appendchar(s, 1, ')');
	return q + 1;
}

/*
 * The table's CREATE statement with each CHECK's "col IN (list)" written as
 * "(col = ... OR col = ...)": the same check, but SQLite builds a temporary
 * B-tree for an IN list of three or more values each time a statement that
 * checks it runs (an insert into certificates built four), where the ORs
 * are a few comparisons.  Returns an sqlite3_malloc'd string, or NULL.
 */
static char *checks_without_lists(const char *sql)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	const char *p = sql, *in;
	while ((in = strstr(p, " IN (")) != NULL) {
		const char *col = in;
		while (col > p && (col[-1] == '_' || (col[-1] >= 'a' && col[-1] <= 'z')))
			col--;
		sqlite3_str_append(s, p, (int)(col - p));
		if (col < in) {
			sqlite3_str_appendchar(s, 1, '(');
			const char *past = list_as_ors(s, col, (int)(in - col), in + 5);
			if (past != NULL) {
				p = past;
				continue;
			}
			sqlite3_str_reset(s);
			sqlite3_str_appendall(s, sql);
			return sqlite3_str_finish(s); /* not as expected: the statement as it is */
		}
		sqlite3_str_append(s, in, 5);
		p = in + 5;
	}
	sqlite3_str_appendall(s, p);
	return sqlite3_str_finish(s);
}

/*
 * Make an empty table of the replay a WITHOUT ROWID one, with its indexes
 * as they were: a row keyed by text is then one B-tree insert, not a rowid
 * row and an index entry.  Nothing reads rowids.  Its CHECKs are the same,
 * with IN lists written out (checks_without_lists).
 */
static int without_rowid(qp_store *store, const char *table)
{
	sqlite3_stmt *st = NULL;
	char *sql[16] = {NULL}, *create = NULL;
	size_t n = 0;
	int err = qp_store_prepare(store,
				   "SELECT sql FROM sqlite_master WHERE tbl_name = ?1 AND sql IS NOT NULL"
				   " ORDER BY type = 'index', name",
				   &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 16) {
		if ((sql[n] = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0))) == NULL) {
			err = qp_error_set(QP_ENOMEM, "out of memory preparing the replay");
			break;
		}
		n++;
	}
	if (err == QP_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = qp_store_raise(store->db, rc, "preparing the replay");
	sqlite3_finalize(st);
	if (err == QP_OK && (n == 0 || n == 16))
		err = qp_error_set(QP_EINTERNAL, "replay: table %s not as expected", table);
	if (err == QP_OK && strstr(sql[0], "WITHOUT ROWID") == NULL) {
		char drop[96];
		snprintf(drop, sizeof(drop), "DROP TABLE %s", table);
		char *checks = checks_without_lists(sql[0]);
		create = checks ? sqlite3_mprintf("%s, WITHOUT ROWID", checks) : NULL;
		sqlite3_free(checks);
		if (create == NULL)
			err = qp_error_set(QP_ENOMEM, "out of memory preparing the replay");
		else if ((err = qp_store_exec(store->db, drop, "preparing the replay")) == QP_OK)
			err = qp_store_exec(store->db, create, "preparing the replay");
		for (size_t i = 1; err == QP_OK && i < n; i++)
			err = qp_store_exec(store->db, sql[i], "preparing the replay");
	}
	sqlite3_free(create);
	for (size_t i = 0; i < n; i++)
		sqlite3_free(sql[i]);
	return err;
}

int qp_store_replay_large_pages(qp_store *store)
{
	/* The file has no rows yet: VACUUM rewrites it at once.  The cache keeps its size in bytes. */
	return qp_store_exec(store->db, "PRAGMA page_size = 16384; VACUUM; " REPLAY_CACHE, "preparing the replay");
}

int qp_store_replay_lean(qp_store *store)
{
	/* Tables keyed by text, which the rules insert into most (all but keys, which are few). */
	static const char *const keyed[] = {"villages", "households", "homes", "certificates"};
	/*
	 * Indexes neither the rules of any entry type nor the certificate
	 * invariants checked on the replay read (they read by primary key,
	 * holder, home, household and parent: without certificates_parent each
	 * live or spent certificate's children were a scan of the table).
	 */
	static const char *const unread[] = {
	    "villages_township",    "villages_added",	    "villages_updated",	    "households_village", "households_added",
	    "homes_village",	    "homes_township",	    "homes_status",	  "homes_updated",
	    "home_events_idx",	    "activations_year",	    "activations_township", "certificates_root",
	    "certificates_created", "certificates_state", "certificates_ended", "cert_events_idx",
	};
	char sql[128];
	int err = qp_store_exec(store->db, "PRAGMA foreign_keys = OFF", "preparing the replay");
	for (size_t i = 0; err == QP_OK && i < sizeof(unread) / sizeof(unread[0]); i++) {
		snprintf(sql, sizeof(sql), "DROP INDEX IF EXISTS %s", unread[i]);
		err = qp_store_exec(store->db, sql, "preparing the replay");
	}
	for (size_t i = 0; err == QP_OK && i < sizeof(keyed) / sizeof(keyed[0]); i++)
		err = without_rowid(store, keyed[i]);
	return err;
}

int qp_store_attach_replay(qp_store *store, const char *path)
{
	sqlite3_stmt *st = NULL;
	/* A DETACH that failed (out of memory) after an earlier audit left it attached. */
	if (sqlite3_db_filename(store->db, "replay") != NULL)
		qp_store_detach_replay(store);
	int err = qp_store_prepare(store, "ATTACH DATABASE ?1 AS replay", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	err = qp_store_step_done(store, st, "opening the replay");
	sqlite3_finalize(st);
	return err;
}

void qp_store_detach_replay(qp_store *store)
{
	sqlite3_exec(store->db, "DETACH DATABASE replay", NULL, NULL, NULL);
}

/*
 * Append column col's value as people read it: areas in m² and money in
 * yuan (the tables hold integer hundredths), long text cut at a character
 * boundary with its length said, NULL as "none".
 */
static void append_value(sqlite3_str *s, const char *col, sqlite3_stmt *st, int i)
{
	static const char *const m2[] = {"land_area", "floor_area", "area"};
	static const char *const yuan[] = {"rent", "investment"};
	int type = sqlite3_column_type(st, i);
	if (type == SQLITE_NULL) {
		sqlite3_str_appendall(s, "none");
		return;
	}
	if (type == SQLITE_INTEGER) {
		const char *unit = NULL;
		for (size_t k = 0; k < sizeof(m2) / sizeof(m2[0]); k++)
			if (strcmp(col, m2[k]) == 0)
				unit = "m²";
		for (size_t k = 0; k < sizeof(yuan) / sizeof(yuan[0]); k++)
			if (strcmp(col, yuan[k]) == 0)
				unit = "yuan";
		char num[32];
		sqlite3_int64 v = sqlite3_column_int64(st, i);
		if (unit && v >= 0 && qp_ids_format_hundredths(num, sizeof(num), v) == QP_OK)
			sqlite3_str_appendf(s, "%s %s", num, unit);
		else
			sqlite3_str_appendf(s, "%lld", (long long)v);
		return;
	}
	const unsigned char *v = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i), cut = n;
	if (v == NULL) {
		sqlite3_str_appendall(s, "?");
		return;
	}
	if (n > 120) {
		cut = 120;
		while (cut > 0 && (v[cut] & 0xC0) == 0x80) /* not inside a UTF-8 character */
			cut--;
	}
	sqlite3_str_append(s, (const char *)v, cut);
	if (cut < n)
		sqlite3_str_appendf(s, "… (%d bytes)", n);
}

/* Describe how row `key` of t differs between main and replay. */
static void describe(qp_store *store, const struct table *t, const char *key,
		     void (*report)(void *ctx, const char *where, const char *what), void *ctx)
{
	char sql[512], where[256];
	sqlite3_stmt *a = NULL, *b = NULL;
	snprintf(where, sizeof(where), "%s row %s", t->name, key);
	snprintf(sql, sizeof(sql), "SELECT * FROM main.%s WHERE (%s) = ?1", t->name, t->key);
	int ha = sqlite3_prepare_v2(store->db, sql, -1, &a, NULL) == SQLITE_OK;
	snprintf(sql, sizeof(sql), "SELECT * FROM replay.%s WHERE (%s) = ?1", t->name, t->key);
	int hb = sqlite3_prepare_v2(store->db, sql, -1, &b, NULL) == SQLITE_OK;
	if (!ha || !hb) {
		report(ctx, where, "differs from the replay of the log");
		goto done;
	}
	sqlite3_bind_text(a, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(b, 1, key, -1, SQLITE_STATIC);
	int ra = sqlite3_step(a) == SQLITE_ROW, rb = sqlite3_step(b) == SQLITE_ROW;
	if (ra && !rb) {
		report(ctx, where, "is in the registry but the log does not create it");
	} else if (!ra && rb) {
		report(ctx, where, "is missing from the registry (the log creates it)");
	} else if (ra && rb) {
		sqlite3_str *s = sqlite3_str_new(store->db);
		for (int i = 0; i < sqlite3_column_count(a); i++) {
			/* Types first: reading a value as text may convert it. */
			int ta = sqlite3_column_type(a, i), tb = sqlite3_column_type(b, i);
			int blob = ta == SQLITE_BLOB || tb == SQLITE_BLOB;
			const unsigned char *va = blob ? sqlite3_column_blob(a, i) : sqlite3_column_text(a, i);
			const unsigned char *vb = blob ? sqlite3_column_blob(b, i) : sqlite3_column_text(b, i);
			int na = sqlite3_column_bytes(a, i), nb = sqlite3_column_bytes(b, i);
			int same = ta == tb && na == nb && (na == 0 || (va && vb && memcmp(va, vb, (size_t)na) == 0));
			if (same)
				continue;
			const char *col = sqlite3_column_name(a, i);
			if (sqlite3_str_length(s) > 0)
				sqlite3_str_appendall(s, "; ");
			if (blob) {
				sqlite3_str_appendf(s, "%s differs", col);
				continue;
			}
			sqlite3_str_appendf(s, "%s: stored ", col);
			append_value(s, col, a, i);
			sqlite3_str_appendall(s, ", the log says ");
			append_value(s, col, b, i);
		}
		char *what = sqlite3_str_finish(s);
		report(ctx, where, what && what[0] ? what : "differs from the replay of the log");
		sqlite3_free(what);
	} else {
		report(ctx, where, "differs from the replay of the log");
	}
done:
	sqlite3_finalize(a);
	sqlite3_finalize(b);
}

/* SQLite's order of two values under the BINARY collation: NULL, numbers, text, blobs. */
static int value_cmp(sqlite3_stmt *a, sqlite3_stmt *b, int i)
{
	static const int rank[] = {0, 1, 1, 2, 3, 0}; /* by SQLITE_INTEGER=1 .. SQLITE_NULL=5 */
	int ta = sqlite3_column_type(a, i), tb = sqlite3_column_type(b, i);
	if (rank[ta] != rank[tb])
		return rank[ta] < rank[tb] ? -1 : 1;
	if (ta == SQLITE_NULL)
		return 0;
	if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
		sqlite3_int64 x = sqlite3_column_int64(a, i), y = sqlite3_column_int64(b, i);
		return (x > y) - (x < y);
	}
	if (rank[ta] == 1) {
		double x = sqlite3_column_double(a, i), y = sqlite3_column_double(b, i);
		return (x > y) - (x < y);
	}
	const void *va = ta == SQLITE_TEXT ? (const void *)sqlite3_column_text(a, i) : sqlite3_column_blob(a, i);
	const void *vb = tb == SQLITE_TEXT ? (const void *)sqlite3_column_text(b, i) : sqlite3_column_blob(b, i);
	int na = sqlite3_column_bytes(a, i), nb = sqlite3_column_bytes(b, i);
	int c = na && nb ? memcmp(va, vb, (size_t)(na < nb ? na : nb)) : 0;
	return c ? (c < 0 ? -1 : 1) : (na > nb) - (na < nb);
}

/* The same value: type and bytes. */
static int value_same(sqlite3_stmt *a, sqlite3_stmt *b, int i)
{
	int ta = sqlite3_column_type(a, i);
	if (ta != sqlite3_column_type(b, i))
		return 0;
	switch (ta) {
	case SQLITE_NULL:
		return 1;
	case SQLITE_INTEGER:
		return sqlite3_column_int64(a, i) == sqlite3_column_int64(b, i);
	case SQLITE_FLOAT:
		return sqlite3_column_double(a, i) == sqlite3_column_double(b, i);
	default: {
		const void *va = ta == SQLITE_TEXT ? (const void *)sqlite3_column_text(a, i) : sqlite3_column_blob(a, i);
		const void *vb = ta == SQLITE_TEXT ? (const void *)sqlite3_column_text(b, i) : sqlite3_column_blob(b, i);
		int na = sqlite3_column_bytes(a, i), nb = sqlite3_column_bytes(b, i);
		return na == nb && (na == 0 || memcmp(va, vb, (size_t)na) == 0);
	}
	}
}

/*
 * The whole of table tb in main and in the replay, compared by walking
 * both in primary-key order side by side: two scans, no sorting.  Each
 * row is (the ordering columns, the compared columns); the key for people
 * is made for a differing row only (row_key).
 */
/*
 * The key for people (tb->key) of the row under side's cursor, found again
 * by its ordering columns: the key is made for differing rows only, not
 * for every row compared.  "" if there is none (a NULL in the ordering).
 */
static void row_key(qp_store *store, const struct table *tb, int side, sqlite3_stmt *row, int norder,
		    char *key, size_t len)
{
	char sql[512], params[64];
	size_t n = 0;
	sqlite3_stmt *st = NULL;
	key[0] = '\0';
	for (int i = 0; i < norder && n < sizeof(params) - 8; i++)
		n += (size_t)snprintf(params + n, sizeof(params) - n, "%s?%d", i ? ", " : "", i + 1);
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s.%s WHERE (%s) = (%s)", tb->key,
		 side ? "replay" : "main", tb->name, tb->order, params);
	if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) == SQLITE_OK) {
		for (int i = 0; i < norder; i++)
			sqlite3_bind_value(st, i + 1, sqlite3_column_value(row, i));
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
			snprintf(key, len, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
}

static int compare_whole(qp_store *store, const struct table *tb, unsigned limit,
			 void (*report)(void *ctx, const char *where, const char *what), void *ctx,
			 uint64_t *count)
{
	char sql[1024];
	sqlite3_stmt *st[2] = {NULL, NULL};
	int norder = 1, err = QP_OK, rc[2];
	char key[512];
	unsigned seen = 0;
	for (const char *c = tb->order; *c; c++)
		norder += *c == ',';
	for (int side = 0; side < 2 && err == QP_OK; side++) {
		snprintf(sql, sizeof(sql), "SELECT %s, %s FROM %s.%s WHERE %s ORDER BY %s", tb->order,
			 tb->cols ? tb->cols : "*", side ? "replay" : "main", tb->name,
			 tb->rows ? tb->rows : "1", tb->order);
		err = qp_store_prepare(store, sql, &st[side]);
	}
	if (err != QP_OK)
		goto done;
	int ncols = sqlite3_column_count(st[0]);
	rc[0] = sqlite3_step(st[0]);
	rc[1] = sqlite3_step(st[1]);
	while (rc[0] == SQLITE_ROW || rc[1] == SQLITE_ROW) {
		/* A side that failed (not ended) is no missing rows: stop and say why. */
		if ((rc[0] != SQLITE_ROW && rc[0] != SQLITE_DONE) || (rc[1] != SQLITE_ROW && rc[1] != SQLITE_DONE))
			break;
		int c = 0;
		if (rc[0] != SQLITE_ROW)
			c = 1;
		else if (rc[1] != SQLITE_ROW)
			c = -1;
		else
			for (int i = 0; i < norder && c == 0; i++)
				c = value_cmp(st[0], st[1], i);
		int differs = c != 0;
		for (int i = norder; !differs && i < ncols; i++)
			differs = !value_same(st[0], st[1], i);
		if (differs) {
			(*count)++;
			if (seen++ < limit) {
				row_key(store, tb, c > 0, st[c > 0], norder, key, sizeof(key));
				describe(store, tb, key, report, ctx);
			}
		}
		if (c <= 0)
			rc[0] = sqlite3_step(st[0]);
		if (c >= 0)
			rc[1] = sqlite3_step(st[1]);
	}
	for (int side = 0; side < 2 && err == QP_OK; side++)
		if (rc[side] != SQLITE_DONE && rc[side] != SQLITE_ROW)
			err = qp_store_raise(store->db, rc[side], "comparing with the replay");
	if (err == QP_OK && seen > limit) {
		char what[64];
		snprintf(what, sizeof(what), "%u more rows differ", seen - limit);
		report(ctx, tb->name, what);
	}
done:
	sqlite3_finalize(st[0]);
	sqlite3_finalize(st[1]);
	return err;
}

/*
 * Every stored cosignature: its line must verify over the stored
 * checkpoint of its size, by an auditor key the log (the replay) enrolled
 * by an entry that checkpoint covers, and the columns beside the line
 * (witness, key ID, timestamp) must be the line's.  Nothing else in the
 * file vouches for them: a witness's word that is not its word is a lie
 * told in its name.
 */
int qp_store_check_cosignatures(qp_store *store, unsigned limit,
				void (*report)(void *ctx, const char *where, const char *what), void *ctx,
				uint64_t *count)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(
	    store,
	    "SELECT c.size, c.witness, c.key_id, c.timestamp, c.line, cp.note, k.vkey, k.enrolled_idx"
	    " FROM main.cosignatures c LEFT JOIN main.checkpoints cp ON cp.size = c.size"
	    " LEFT JOIN replay.keys k ON k.name = c.witness AND k.role = 'auditor'"
	    " ORDER BY c.size, c.witness, c.key_id",
	    &st);
	if (err != QP_OK)
		return err;
	char where[200] = "", what[600] = "", prev[200] = "";
	int ok = 1, rc, rows = 0;
	unsigned seen = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW || rows > 0) {
		char cur[200] = "";
		if (rc == SQLITE_ROW) {
			const unsigned char *w = sqlite3_column_text(st, 1);
			snprintf(cur, sizeof(cur),
				 "cosignature of the checkpoint of size %lld by %.64s (%08llx)",
				 (long long)sqlite3_column_int64(st, 0), w ? (const char *)w : "?",
				 (unsigned long long)sqlite3_column_int64(st, 2) & 0xffffffffu);
		}
		/* A row of another cosignature, or the end: the one before is done. */
		if (rows > 0 && (rc != SQLITE_ROW || strcmp(cur, prev) != 0)) {
			if (!ok) {
				(*count)++;
				if (seen++ < limit)
					report(ctx, where, what);
			}
			rows = 0;
		}
		if (rc != SQLITE_ROW)
			break;
		if (rows++ == 0) {
			snprintf(prev, sizeof(prev), "%s", cur);
			snprintf(where, sizeof(where), "%s", cur);
			snprintf(what, sizeof(what), "no auditor key of that name enrolled by the log");
			ok = 0;
		}
		if (ok)
			continue;
		sqlite3_int64 size = sqlite3_column_int64(st, 0), key_id = sqlite3_column_int64(st, 2),
			      ts = sqlite3_column_int64(st, 3);
		const char *line = (const char *)sqlite3_column_text(st, 4);
		size_t line_len = (size_t)sqlite3_column_bytes(st, 4);
		const char *note = (const char *)sqlite3_column_blob(st, 5);
		size_t note_len = (size_t)sqlite3_column_bytes(st, 5);
		const char *vkey = (const char *)sqlite3_column_text(st, 6);
		if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
		    sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
		    sqlite3_column_type(st, 3) != SQLITE_INTEGER ||
		    sqlite3_column_type(st, 1) != SQLITE_TEXT || sqlite3_column_type(st, 4) != SQLITE_TEXT) {
			snprintf(what, sizeof(what), "a value of the wrong type");
			continue;
		}
		if (sqlite3_column_type(st, 5) == SQLITE_NULL) {
			snprintf(what, sizeof(what), "there is no checkpoint of that size");
			continue;
		}
		if (vkey == NULL)
			continue;
		if (sqlite3_column_int64(st, 7) >= size) {
			snprintf(what, sizeof(what),
				 "the auditor key was enrolled by an entry the checkpoint does not cover");
			continue;
		}
		qp_verifier *v = NULL;
		uint64_t stamp = 0;
		if ((err = qp_verifier_parse(&v, vkey)) != QP_OK)
			break; /* the replay's own key: the log's rules accepted it */
		uint32_t id =
		    qp_key_compute_id(qp_verifier_name(v), QP_KEY_TYPE_COSIGNATURE, qp_verifier_public(v));
		err = qp_cosign_verify(&stamp, v, line, line_len, note, note_len);
		qp_verifier_free(v);
		if (err == QP_ENOMEM)
			break;
		if (err != QP_OK) {
			snprintf(what, sizeof(what), "its line does not verify: %s",
				 qp_error_last()->message);
			err = QP_OK;
		} else if ((sqlite3_int64)id != key_id || (sqlite3_int64)stamp != ts)
			snprintf(what, sizeof(what), "its stored key ID or timestamp is not its line's");
		else
			ok = 1;
	}
	if (err == QP_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = qp_store_raise(store->db, rc, "checking cosignatures");
	sqlite3_finalize(st);
	if (err == QP_OK && seen > limit) {
		snprintf(what, sizeof(what), "%u more cosignatures do not verify", seen - limit);
		report(ctx, "cosignatures", what);
	}
	return err;
}

int qp_store_compare_replay(qp_store *store, uint64_t since, unsigned flags, unsigned limit,
			    void (*report)(void *ctx, const char *where, const char *what), void *ctx,
			    uint64_t *count)
{
	char sql[2048];
	int err = QP_OK;
	*count = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		const struct table *tb = &tables[t];
		if ((flags & QP_COMPARE_NO_TREE) && strcmp(tb->name, "tree_nodes") == 0)
			continue;
		/*
		 * A full audit checks each log_entries row as it replays it (leaf
		 * hash, type, signer, time; gaps and the end of the log), so the
		 * table is not walked again here.
		 */
		if (since == 0 && strcmp(tb->name, "log_entries") == 0)
			continue;
		if (since == 0) {
			if ((err = compare_whole(store, tb, limit, report, ctx, count)) != QP_OK)
				break;
			continue;
		}
		for (int dir = 0; dir < 2 && err == QP_OK; dir++) {
			const char *x = dir ? "replay" : "main", *y = dir ? "main" : "replay";
			const char *cond = since ? tb->changed : "1";
			/* The key of each differing row, and whether the other side lacks it. */
			const char *cols = tb->cols ? tb->cols : "*";
			if (since && strcmp(tb->name, "tree_nodes") == 0) {
				/*
				 * (level, idx) covers leaves below (idx + 1) << level, so the nodes an entry at
				 * or after ?1 touched are idx >= ?1 >> level: one index range per level.
				 */
#define LEVELS "(WITH RECURSIVE lv(level) AS (SELECT 0 UNION ALL SELECT level + 1 FROM lv WHERE level < 63) SELECT level FROM lv)"
				snprintf(sql, sizeof(sql),
					 "SELECT %s FROM (SELECT t.level, t.idx, t.hash FROM " LEVELS " l JOIN %s.tree_nodes t"
					 " ON t.level = l.level AND t.idx >= (?1 >> l.level) EXCEPT SELECT t.level, t.idx, t.hash FROM "
					 LEVELS " l JOIN %s.tree_nodes t ON t.level = l.level AND t.idx >= (?1 >> l.level))",
					 tb->key, x, y);
#undef LEVELS
			} else {
				const char *rows = tb->rows ? tb->rows : "1";
				snprintf(sql, sizeof(sql),
					 "SELECT %s FROM (SELECT %s FROM %s.%s WHERE (%s) AND (%s) EXCEPT "
					 "SELECT %s FROM %s.%s WHERE (%s) AND (%s))",
					 tb->key, cols, x, tb->name, cond, rows, cols, y, tb->name, cond,
					 rows);
			}
			sqlite3_stmt *st = NULL;
			if ((err = qp_store_prepare(store, sql, &st)) != QP_OK)
				break;
			if (since)
				sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
			unsigned seen = 0;
			int rc;
			while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
				const char *key = (const char *)sqlite3_column_text(st, 0);
				(*count)++;
				/* A row that differs shows up in both directions: describe it once. */
				if (dir == 1) {
					char probe[512];
					/*
					 * Described already only if the first direction compared the
					 * main row: one whose own columns no longer say it changed (its
					 * entry index set back) is found from the replay's side alone.
					 */
					snprintf(probe, sizeof(probe),
						 "SELECT 1 FROM main.%s WHERE (%s) = ?2 AND (%s) AND (%s)",
						 tb->name, tb->key, cond, tb->rows ? tb->rows : "1");
					sqlite3_stmt *p = NULL;
					int in_main = 0;
					if (sqlite3_prepare_v2(store->db, probe, -1, &p, NULL) == SQLITE_OK) {
						sqlite3_bind_int64(p, 1, (sqlite3_int64)since);
						sqlite3_bind_text(p, 2, key ? key : "", -1, SQLITE_STATIC);
						in_main = sqlite3_step(p) == SQLITE_ROW;
					}
					sqlite3_finalize(p);
					if (in_main) {
						(*count)--;
						continue;
					}
				}
				if (seen++ < limit)
					describe(store, tb, key ? key : "", report, ctx);
			}
			if (rc != SQLITE_DONE)
				err = qp_store_raise(store->db, rc, "comparing with the replay");
			if (seen > limit) {
				char where[64], what[64];
				snprintf(where, sizeof(where), "%s", tb->name);
				snprintf(what, sizeof(what), "%u more rows differ", seen - limit);
				report(ctx, where, what);
			}
			sqlite3_finalize(st);
		}
		if (err != QP_OK)
			break;
	}
	return err;
}

/* ---- the stored tree beside a computed one ---------------------------------------------- */

#define TREE_LEVELS 64

struct qp_store_tree_walk {
	qp_store *store;
	sqlite3_stmt *level[TREE_LEVELS]; /* stored nodes of a level by idx, opened when first needed */
	int rc[TREE_LEVELS];		  /* the last step's result on each open level */
	unsigned limit;
	void (*report)(void *ctx, const char *where, const char *what);
	void *ctx;
	uint64_t count;
};

int qp_store_tree_walk_open(qp_store_tree_walk **out, qp_store *store, unsigned limit,
			    void (*report)(void *ctx, const char *where, const char *what), void *ctx)
{
	qp_store_tree_walk *w = qp_calloc(1, sizeof(*w));
	*out = NULL;
	if (w == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory reading the tree");
	w->store = store;
	w->limit = limit;
	w->report = report;
	w->ctx = ctx;
	*out = w;
	return QP_OK;
}

static void tree_problem(qp_store_tree_walk *w, unsigned level, int64_t idx, const char *what)
{
	if (w->count++ < w->limit) {
		char where[96];
		snprintf(where, sizeof(where), "tree_nodes row (%u, %lld)", level, (long long)idx);
		w->report(w->ctx, where, what);
	}
}

static int tree_level(qp_store_tree_walk *w, unsigned level)
{
	if (w->level[level])
		return QP_OK;
	int err = qp_store_prepare(w->store, "SELECT idx, hash FROM main.tree_nodes WHERE level = ?1 ORDER BY idx",
				   &w->level[level]);
	if (err != QP_OK)
		return err;
	sqlite3_bind_int(w->level[level], 1, (int)level);
	w->rc[level] = sqlite3_step(w->level[level]);
	return QP_OK;
}

/* The stored rows of a level before idx are extra; stops at idx or past it. */
static int tree_skip_to(qp_store_tree_walk *w, unsigned level, int64_t idx)
{
	sqlite3_stmt *st = w->level[level];
	while (w->rc[level] == SQLITE_ROW && sqlite3_column_int64(st, 0) < idx) {
		tree_problem(w, level, sqlite3_column_int64(st, 0), "is in the registry but the log does not create it");
		w->rc[level] = sqlite3_step(st);
	}
	if (w->rc[level] != SQLITE_ROW && w->rc[level] != SQLITE_DONE)
		return qp_store_raise(w->store->db, w->rc[level], "reading the tree");
	return QP_OK;
}

int qp_store_tree_walk_check(qp_store_tree_walk *w, unsigned level, uint64_t idx, const unsigned char hash[32])
{
	int err;
	if (level >= TREE_LEVELS || idx > INT64_MAX)
		return qp_error_set(QP_EINTERNAL, "tree node (%u, %llu) out of range", level, (unsigned long long)idx);
	if ((err = tree_level(w, level)) != QP_OK || (err = tree_skip_to(w, level, (int64_t)idx)) != QP_OK)
		return err;
	sqlite3_stmt *st = w->level[level];
	if (w->rc[level] != SQLITE_ROW || sqlite3_column_int64(st, 0) != (int64_t)idx) {
		tree_problem(w, level, (int64_t)idx, "is missing from the registry (the log creates it)");
		return QP_OK;
	}
	const void *stored = sqlite3_column_blob(st, 1);
	if (sqlite3_column_bytes(st, 1) != 32 || stored == NULL || memcmp(stored, hash, 32) != 0)
		tree_problem(w, level, (int64_t)idx, "hash differs");
	w->rc[level] = sqlite3_step(st);
	return QP_OK;
}

int qp_store_tree_walk_finish(qp_store_tree_walk *w, uint64_t *count)
{
	int err = QP_OK;
	for (unsigned level = 0; level < TREE_LEVELS && err == QP_OK; level++)
		if ((err = tree_level(w, level)) == QP_OK)
			err = tree_skip_to(w, level, INT64_MAX);
	if (err == QP_OK && w->count > w->limit) {
		char what[64];
		snprintf(what, sizeof(what), "%llu more rows differ", (unsigned long long)(w->count - w->limit));
		w->report(w->ctx, "tree_nodes", what);
	}
	*count = w->count;
	return err;
}

void qp_store_tree_walk_free(qp_store_tree_walk *w)
{
	if (w == NULL)
		return;
	for (unsigned level = 0; level < TREE_LEVELS; level++)
		sqlite3_finalize(w->level[level]);
	qp_free(w);
}

int qp_store_state_hash(qp_store *store, unsigned char out[32])
{
	crypto_hash_sha256_state h;
	char sql[256];
	int err = qp_store_begin_read(store);
	if (err != QP_OK)
		return err;
	crypto_hash_sha256_init(&h);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]) && err == QP_OK; t++) {
		if (!tables[t].state)
			continue;
		snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE %s ORDER BY %s", tables[t].name,
			 tables[t].rows ? tables[t].rows : "1", tables[t].order);
		sqlite3_stmt *st = NULL;
		if ((err = qp_store_prepare(store, sql, &st)) != QP_OK)
			break;
		crypto_hash_sha256_update(&h, (const unsigned char *)tables[t].name, strlen(tables[t].name) + 1);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				unsigned char tag[5];
				/* A certificate's status map leaf (map_...) is the map's, which is not state.
				 */
				if (strncmp(sqlite3_column_name(st, i), "map_", 4) == 0)
					continue;
				const void *v = sqlite3_column_blob(st, i);
				uint32_t n = (uint32_t)sqlite3_column_bytes(st, i);
				tag[0] = (unsigned char)sqlite3_column_type(st, i);
				tag[1] = (unsigned char)(n >> 24);
				tag[2] = (unsigned char)(n >> 16);
				tag[3] = (unsigned char)(n >> 8);
				tag[4] = (unsigned char)n;
				crypto_hash_sha256_update(&h, tag, sizeof(tag));
				if (n && v)
					crypto_hash_sha256_update(&h, v, n);
			}
		}
		if (rc != SQLITE_DONE)
			err = qp_store_raise(store->db, rc, "hashing the state");
		sqlite3_finalize(st);
	}
	qp_store_end_read(store);
	if (err == QP_OK)
		crypto_hash_sha256_final(&h, out);
	return err;
}

int qp_store_checkpoints_each(qp_store *store, int (*fn)(void *ctx, uint64_t size, const unsigned char *root,
							  const char *note, size_t note_len),
			      void *ctx)
{
	sqlite3_stmt *st = NULL;
	/* In the order of the sizes as the callers read them (unsigned), whatever a damaged row holds. */
	int err = qp_store_prepare(
	    store, "SELECT CAST(size AS INTEGER) AS s, root, note FROM checkpoints ORDER BY s < 0, s", &st);
	if (err != QP_OK)
		return err;
	/*
	 * A root that is no 32-byte hash is given as zeros (the root of no log), a
	 * note that is no blob as empty: neither is what the signed text says, and
	 * the audit reports the checkpoint.
	 */
	static const unsigned char no_root[32];
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *root = sqlite3_column_blob(st, 1);
		const char *note = sqlite3_column_blob(st, 2);
		if (root == NULL || sqlite3_column_bytes(st, 1) != 32)
			root = no_root;
		err = fn(ctx, (uint64_t)sqlite3_column_int64(st, 0), root, note ? note : "",
			 note ? (size_t)sqlite3_column_bytes(st, 2) : 0);
		if (err != QP_OK)
			break;
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading checkpoints");
	sqlite3_finalize(st);
	return err;
}

int qp_store_copy_checkpoints(qp_store *store, const char *src)
{
	int err = qp_store_attach_replay(store, src);
	if (err != QP_OK)
		return err;
	err = qp_store_exec(store->db, "INSERT INTO main.checkpoints SELECT * FROM replay.checkpoints",
			    "copying checkpoints");
	qp_store_detach_replay(store);
	return err;
}

int qp_store_log_keys_each(qp_store *store, int (*fn)(void *ctx, const char *vkey, uint64_t enrolled, int revoked,
						       uint64_t revoked_idx),
			   void *ctx)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store,
				   "SELECT vkey, enrolled_idx, revoked_idx FROM keys WHERE role = 'log' ORDER BY enrolled_idx",
				   &st);
	if (err != QP_OK)
		return err;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *vkey = (const char *)sqlite3_column_text(st, 0);
		int revoked = sqlite3_column_type(st, 2) != SQLITE_NULL;
		if ((err = fn(ctx, vkey ? vkey : "", (uint64_t)sqlite3_column_int64(st, 1), revoked,
			      (uint64_t)sqlite3_column_int64(st, 2))) != QP_OK)
			break;
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading keys");
	sqlite3_finalize(st);
	return err;
}

/* ---- the personal-data tables ------------------------------------------------------------ */

/* The schema of the households and activations the data is read against: main or replay only. */
static int state_schema(const char *state)
{
	if (state && (strcmp(state, "main") == 0 || strcmp(state, "replay") == 0))
		return QP_OK;
	return qp_error_set(QP_EINTERNAL, "personal data: no schema %s", state ? state : "(null)");
}

/*
 * Prepare head || state || tail, state being the schema of the state
 * tables ("main" or "replay"); the personal data is always main's.
 */
static int prepare_in(qp_store *store, const char *state, const char *head, const char *tail, sqlite3_stmt **st)
{
	char sql[640];
	int err = state_schema(state);
	if (err != QP_OK)
		return err;
	if ((size_t)snprintf(sql, sizeof(sql), "%s%s%s", head, state, tail) >= sizeof(sql))
		return qp_error_set(QP_EINTERNAL, "personal data: a query too long");
	return qp_store_prepare(store, sql, st);
}

int qp_store_personal_each(qp_store *store, const char *state, int investor,
			   int (*fn)(void *ctx, const qp_store_personal_row *row), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int err = investor ? prepare_in(store, state,
					"SELECT NULL, i.activation, a.unit, a.idx IS NOT NULL, NULL, a.idx,"
					" a.investor_commitment, i.id_number, i.name, i.salt"
					" FROM main.investor_data i LEFT JOIN ",
					".activations a ON a.idx = i.activation ORDER BY i.activation", &st)
			   : prepare_in(store, state,
					"SELECT p.household, NULL, NULL, h.number IS NOT NULL, h.erased_idx,"
					" h.added_idx, h.commitment, p.id_number, p.name, p.salt"
					" FROM main.personal_data p LEFT JOIN ",
					".households h ON h.number = p.household ORDER BY p.household", &st);
	if (err != QP_OK)
		return err;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		qp_store_personal_row r;
		memset(&r, 0, sizeof(r));
		r.investor = investor;
		r.household = (const char *)sqlite3_column_text(st, 0);
		r.activation = sqlite3_column_int64(st, 1);
		r.unit = (const char *)sqlite3_column_text(st, 2);
		r.owned = sqlite3_column_int(st, 3);
		r.erased = sqlite3_column_type(st, 4) != SQLITE_NULL;
		r.erased_idx = (uint64_t)sqlite3_column_int64(st, 4);
		r.added_idx = (uint64_t)sqlite3_column_int64(st, 5);
		r.commitment = (const char *)sqlite3_column_text(st, 6);
		/* Types first: reading a value converts it. */
		r.id_text = sqlite3_column_type(st, 7) == SQLITE_TEXT;
		r.name_text = sqlite3_column_type(st, 8) == SQLITE_TEXT;
		r.salt_blob = sqlite3_column_type(st, 9) == SQLITE_BLOB;
		r.id_number = r.id_text ? sqlite3_column_text(st, 7) : sqlite3_column_blob(st, 7);
		r.id_len = (size_t)sqlite3_column_bytes(st, 7);
		r.name = r.name_text ? sqlite3_column_text(st, 8) : sqlite3_column_blob(st, 8);
		r.name_len = (size_t)sqlite3_column_bytes(st, 8);
		r.salt = sqlite3_column_blob(st, 9);
		r.salt_len = (size_t)sqlite3_column_bytes(st, 9);
		if ((err = fn(ctx, &r)) != QP_OK)
			break;
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading the personal data");
	sqlite3_finalize(st);
	return err;
}

int qp_store_personal_missing(qp_store *store, const char *state, int investor,
			      int (*fn)(void *ctx, const char *household, int64_t activation,
					const char *unit, uint64_t added_idx),
			      void *ctx)
{
	sqlite3_stmt *st = NULL;
	int err = investor ? prepare_in(store, state, "SELECT NULL, a.idx, a.unit, a.idx FROM ",
					".activations a WHERE a.investor_commitment IS NOT NULL AND NOT EXISTS"
					" (SELECT 1 FROM main.investor_data i WHERE i.activation = a.idx)"
					" ORDER BY a.idx",
					&st)
			   : prepare_in(store, state, "SELECT h.number, NULL, NULL, h.added_idx FROM ",
					".households h WHERE h.erased_idx IS NULL AND NOT EXISTS"
					" (SELECT 1 FROM main.personal_data p WHERE p.household = h.number)"
					" ORDER BY h.number",
					&st);
	if (err != QP_OK)
		return err;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
			      (const char *)sqlite3_column_text(st, 2),
			      (uint64_t)sqlite3_column_int64(st, 3))) != QP_OK)
			break;
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading the personal data");
	sqlite3_finalize(st);
	return err;
}

int qp_store_personal_duplicates(qp_store *store,
				 int (*fn)(void *ctx, const char *id_number, const char *households),
				 void *ctx)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(
	    store,
	    "SELECT id_number, group_concat(household, ', ') FROM (SELECT id_number, household FROM"
	    " main.personal_data ORDER BY household) GROUP BY id_number HAVING count(*) > 1"
	    " ORDER BY min(household)",
	    &st);
	if (err != QP_OK)
		return err;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0),
			   *hh = (const char *)sqlite3_column_text(st, 1);
		if ((err = fn(ctx, id ? id : "", hh ? hh : "")) != QP_OK)
			break;
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading the personal data");
	sqlite3_finalize(st);
	return err;
}

/* Report the rows of replay.<table> that did not reach main.<table>. */
static int not_carried(qp_store *store, int investor,
		       void (*fn)(void *ctx, const char *household, int64_t activation), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store,
				   investor ? "SELECT NULL, activation FROM replay.investor_data EXCEPT"
					      " SELECT NULL, activation FROM main.investor_data ORDER BY 2"
					    : "SELECT household, NULL FROM replay.personal_data EXCEPT"
					      " SELECT household, NULL FROM main.personal_data ORDER BY 1",
				   &st);
	if (err != QP_OK)
		return err;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
	if (rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "carrying the personal data over");
	sqlite3_finalize(st);
	return err;
}

int qp_store_copy_personal(qp_store *store, const char *src,
			   void (*fn)(void *ctx, const char *household, int64_t activation), void *ctx)
{
	const char *doing = "carrying the personal data over";
	int err = qp_store_attach_replay(store, src);
	if (err != QP_OK)
		return err;
	/* Outside the transaction: SQLite ignores the setting inside one. */
	if ((err = qp_store_exec(store->db, "PRAGMA foreign_keys = OFF", doing)) == QP_OK &&
	    (err = qp_store_refresh_rollback(store, doing)) == QP_OK &&
	    (err = qp_store_begin(store)) == QP_OK) {
		err = qp_store_exec(
		    store->db,
		    "INSERT OR IGNORE INTO main.personal_data (household, id_number, name, salt)"
		    " SELECT household, id_number, name, salt FROM replay.personal_data ORDER BY household;"
		    "INSERT OR IGNORE INTO main.investor_data (activation, id_number, name, salt)"
		    " SELECT activation, id_number, name, salt FROM replay.investor_data ORDER BY activation;"
		    "INSERT OR IGNORE INTO main.access_records (id, time, reader, role, request, subject, "
		    "chain)"
		    " SELECT id, time, reader, role, request, subject, chain FROM replay.access_records "
		    "ORDER BY id;"
		    "INSERT OR REPLACE INTO main.registry_meta (key, value) SELECT key, value FROM"
		    " replay.registry_meta WHERE key = '" NO_PERSONAL_KEY "'",
		    doing);
		if (err == QP_OK)
			err = qp_store_commit(store);
		else
			qp_store_rollback(store);
	}
	int fk = qp_store_exec(store->db, "PRAGMA foreign_keys = ON", doing);
	if (fk == QP_OK)
		fk = qp_store_refresh_rollback(store, doing);
	if (err == QP_OK)
		err = fk;
	if (err == QP_OK && fn && (err = not_carried(store, 0, fn, ctx)) == QP_OK)
		err = not_carried(store, 1, fn, ctx);
	qp_store_detach_replay(store);
	return err;
}

int qp_store_mark_no_personal_data(qp_store *store)
{
	return qp_store_meta_set(store, NO_PERSONAL_KEY, NO_PERSONAL_VALUE);
}

int qp_store_holds_no_personal_data(qp_store *store, int *out)
{
	char *value = NULL;
	*out = 0;
	int err = qp_store_meta_get(store, NO_PERSONAL_KEY, &value);
	if (err == QP_ENOTFOUND)
		return QP_OK;
	if (err == QP_OK)
		*out = 1;
	qp_free(value);
	return err;
}
