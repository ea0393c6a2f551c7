/*
 * fuzz_audit.c - the full audit of a registry file an insider has edited.
 *
 * The fixture registry (fixture.c) is made once; every input edits a
 * fresh copy of its file through SQLite, as anyone with write access to
 * the file could, and then the copy is audited in-process (qp_audit, as
 * `quanpiao audit` runs it).  The audit must end in QP_OK with no
 * problem counted (exit 0) or QP_EVERIFY with problems (exit 1): any
 * other result (exit 10 and the like), a crash, a sanitizer report or a
 * hang fails.  A copy so damaged that it no longer opens (QP_ECORRUPT,
 * or QP_EVERSION when its migration ledger claims another schema) is a
 * finding too, as `quanpiao audit` reports it; any other error of the
 * open fails.
 *
 * The input: byte 0 holds flags (bit 0: first take STRICT off every
 * table, so that any cell can take a value of any type; bit 1: keep
 * CHECK constraints), then edits until the input ends, each
 *
 *   op table row ...
 *     op % 4 == 0  set:       col value   (the cell takes the value)
 *     op % 4 == 1  delete
 *     op % 4 == 2  duplicate: col value   (a copy of the row with the cell changed)
 *     op % 4 == 3  swap:      row2 col    (col % (ncols + 1) == ncols: every column not in the key)
 *
 * table is a byte modulo the number of tables (in name order: every table
 * of the file), row a byte modulo the table's rows in key order, col a
 * byte modulo its columns, and a value is a kind byte then its bytes:
 *
 *   kind % 8: 0 NULL, 1 an integer (1 byte, signed), 2 an integer (8 bytes, little-endian),
 *             3 text (length byte, bytes), 4 a blob (length byte, bytes),
 *             5 the same column's value in row (byte), 6 the cell's value plus (byte, signed),
 *             7 the cell's value with one byte (position byte) XORed with (byte), type kept
 *
 * An edit the file refuses (a duplicate key, a type a STRICT table does
 * not take) changes nothing.  At most 16 edits are read.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fuzz.h"
#include "quanpiao/audit.h"

#define MAX_EDITS  16
#define MAX_TABLES 32
#define MAX_COLS   32

typedef struct tbl {
	char name[64];
	int ncols;
	char col[MAX_COLS][64];
	int pk[MAX_COLS]; /* part of the primary key */
	char key[256];	  /* "rowid" or the primary key's columns, comma-separated */
	int nkey;
} tbl;

static tbl tables[MAX_TABLES];
static int ntables;
static char *dir, *path;
static unsigned char *image[2]; /* the fixture file: as made, and with STRICT taken off */
static size_t image_len[2];

static void die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "fuzz_audit: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
	abort();
}

static unsigned char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0)
		die(p, NULL);
	*len = (size_t)ftell(f);
	rewind(f);
	unsigned char *buf = malloc(*len);
	if (buf == NULL || fread(buf, 1, *len, f) != *len)
		die(p, NULL);
	fclose(f);
	return buf;
}

static void put_file_at(const char *p, const unsigned char *data, size_t len)
{
	FILE *f = fopen(p, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die(p, NULL);
}

static void put_file(const unsigned char *data, size_t len)
{
	char side[4200];
	put_file_at(path, data, len);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static void exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql, db);
}

static void read_tables(sqlite3 *db)
{
	sqlite3_stmt *st = NULL, *ci = NULL;
	if (sqlite3_prepare_v2(
		db,
		"SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE type = 'table'"
		" AND name NOT LIKE 'sqlite_%' ORDER BY name",
		-1, &st, NULL) != SQLITE_OK)
		die("tables", db);
	while (sqlite3_step(st) == SQLITE_ROW && ntables < MAX_TABLES) {
		tbl *t = &tables[ntables++];
		int without_rowid = sqlite3_column_int(st, 1);
		char sql[128];
		snprintf(t->name, sizeof(t->name), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(sql, sizeof(sql), "SELECT name, pk FROM pragma_table_info('%s') ORDER BY pk, cid",
			 t->name);
		if (sqlite3_prepare_v2(db, sql, -1, &ci, NULL) != SQLITE_OK)
			die(sql, db);
		snprintf(t->key, sizeof(t->key), "rowid");
		t->nkey = 1;
		int first_key = 1;
		while (sqlite3_step(ci) == SQLITE_ROW && t->ncols < MAX_COLS) {
			const char *c = (const char *)sqlite3_column_text(ci, 0);
			t->pk[t->ncols] = sqlite3_column_int(ci, 1) > 0;
			snprintf(t->col[t->ncols++], sizeof(t->col[0]), "%s", c);
			if (without_rowid && sqlite3_column_int(ci, 1) > 0) {
				size_t n = strlen(t->key);
				if (first_key)
					n = 0, t->nkey = 0;
				snprintf(t->key + n, sizeof(t->key) - n, "%s%s", first_key ? "" : ", ", c);
				t->nkey++;
				first_key = 0;
			}
		}
		sqlite3_finalize(ci);
	}
	sqlite3_finalize(st);
}

static void init(void)
{
	fz_init();
	dir = fz_tmpdir();
	setenv("TMPDIR", dir, 1); /* the audit's replay goes beside the copy */
	path = malloc(strlen(dir) + 16);
	sprintf(path, "%s/registry.db", dir);
	qp_registry_free(fz_registry_create(path)); /* the last close folds the WAL into the file */
	image[0] = slurp(path, &image_len[0]);

	sqlite3 *db = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("open", db);
	read_tables(db);
	exec(db, "PRAGMA writable_schema = ON;"
		 "UPDATE sqlite_schema SET sql = replace(replace(sql, ') STRICT, WITHOUT ROWID', ') WITHOUT "
		 "ROWID'),"
		 " ') STRICT', ')') WHERE type = 'table';"
		 "PRAGMA writable_schema = OFF;");
	sqlite3_close(db);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("open", db);
	exec(db, "PRAGMA integrity_check"); /* the schema reads back */
	sqlite3_close(db);
	image[1] = slurp(path, &image_len[1]);
	if (getenv("QP_FUZZ_AUDIT_KEEP")) /* a copy of the fixture file, to look at */
		put_file_at(getenv("QP_FUZZ_AUDIT_KEEP"), image[0], image_len[0]);
}

/* ---- the edits --------------------------------------------------------------------------------- */

typedef struct input {
	const uint8_t *p;
	size_t n;
} input;

static int next(input *in, unsigned *b)
{
	if (in->n == 0)
		return 0;
	*b = *in->p++;
	in->n--;
	return 1;
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die(sql, db);
	return st;
}

static int64_t count_rows(sqlite3 *db, const tbl *t)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", t->name);
	sqlite3_stmt *st = prep(db, sql);
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return n;
}

/* The key of row r (in key order) as values; 0 if the table is empty. */
static int row_key(sqlite3 *db, const tbl *t, unsigned r, sqlite3_value **key)
{
	int64_t n = count_rows(db, t);
	if (n == 0)
		return 0;
	char sql[1024];
	snprintf(sql, sizeof(sql), "SELECT %s FROM \"%s\" ORDER BY %s LIMIT 1 OFFSET %lld", t->key, t->name,
		 t->key, (long long)(r % n));
	sqlite3_stmt *st = prep(db, sql);
	int ok = sqlite3_step(st) == SQLITE_ROW;
	for (int i = 0; ok && i < t->nkey; i++)
		if ((key[i] = sqlite3_value_dup(sqlite3_column_value(st, i))) == NULL)
			die("out of memory", NULL);
	sqlite3_finalize(st);
	return ok;
}

static void free_key(sqlite3_value **key, int n)
{
	for (int i = 0; i < n; i++)
		sqlite3_value_free(key[i]), key[i] = NULL;
}

/* "(k1, k2) = (?a, ?a+1)" with the key's parameters starting at a. */
static void where_key(char *buf, size_t len, const tbl *t, int a)
{
	size_t n = (size_t)snprintf(buf, len, "(%s) = (", t->key);
	for (int i = 0; i < t->nkey; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s?%d", i ? ", " : "", a + i);
	snprintf(buf + n, len - n, ")");
}

static void bind_key(sqlite3_stmt *st, sqlite3_value **key, int n, int a)
{
	for (int i = 0; i < n; i++)
		sqlite3_bind_value(st, a + i, key[i]);
}

/* The value of column c of the row keyed key. */
static sqlite3_value *cell(sqlite3 *db, const tbl *t, int c, sqlite3_value **key)
{
	char sql[1024], w[300];
	where_key(w, sizeof(w), t, 1);
	snprintf(sql, sizeof(sql), "SELECT \"%s\" FROM \"%s\" WHERE %s", t->col[c], t->name, w);
	sqlite3_stmt *st = prep(db, sql);
	bind_key(st, key, t->nkey, 1);
	sqlite3_value *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && (v = sqlite3_value_dup(sqlite3_column_value(st, 0))) == NULL)
		die("out of memory", NULL);
	sqlite3_finalize(st);
	return v;
}

/*
 * Bind the value the input describes to parameter i of st: the cell is
 * column c of the row keyed key (for the kinds made from it).  0 when the
 * input ends.
 */
static int bind_input_value(sqlite3 *db, sqlite3_stmt *st, int i, input *in, const tbl *t, int c,
			    sqlite3_value **key)
{
	unsigned kind, b, len;
	if (!next(in, &kind))
		return 0;
	switch (kind % 8) {
	case 0: sqlite3_bind_null(st, i); return 1;
	case 1:
		if (!next(in, &b))
			return 0;
		sqlite3_bind_int64(st, i, (int8_t)b);
		return 1;
	case 2: {
		uint64_t v = 0;
		for (int k = 0; k < 8; k++) {
			if (!next(in, &b))
				return 0;
			v |= (uint64_t)b << (8 * k);
		}
		sqlite3_bind_int64(st, i, (sqlite3_int64)v);
		return 1;
	}
	case 3:
	case 4:
		if (!next(in, &len))
			return 0;
		if (len > in->n)
			len = (unsigned)in->n;
		if (kind % 8 == 3)
			sqlite3_bind_text(st, i, (const char *)in->p, (int)len, SQLITE_TRANSIENT);
		else
			sqlite3_bind_blob(st, i, in->p, (int)len, SQLITE_TRANSIENT);
		in->p += len;
		in->n -= len;
		return 1;
	case 5: {
		sqlite3_value *other[MAX_COLS] = {NULL};
		if (!next(in, &b))
			return 0;
		if (!row_key(db, t, b, other))
			return 0;
		sqlite3_value *v = cell(db, t, c, other);
		free_key(other, t->nkey);
		if (v == NULL)
			return 0;
		sqlite3_bind_value(st, i, v);
		sqlite3_value_free(v);
		return 1;
	}
	case 6: {
		if (!next(in, &b))
			return 0;
		sqlite3_value *v = cell(db, t, c, key);
		if (v == NULL)
			return 0;
		sqlite3_bind_int64(st, i, sqlite3_value_int64(v) + (int8_t)b);
		sqlite3_value_free(v);
		return 1;
	}
	default: {
		unsigned pos, x;
		if (!next(in, &pos) || !next(in, &x))
			return 0;
		sqlite3_value *v = cell(db, t, c, key);
		if (v == NULL)
			return 0;
		int type = sqlite3_value_type(v);
		if (type == SQLITE_INTEGER)
			sqlite3_bind_int64(st, i, sqlite3_value_int64(v) ^ (sqlite3_int64)x);
		else if (type == SQLITE_FLOAT || type == SQLITE_NULL)
			sqlite3_bind_value(st, i, v);
		else {
			int n = sqlite3_value_bytes(v);
			const unsigned char *s =
			    type == SQLITE_TEXT ? sqlite3_value_text(v) : sqlite3_value_blob(v);
			unsigned char *copy = malloc((size_t)n + 1);
			if (copy == NULL)
				die("out of memory", NULL);
			if (n > 0)
				memcpy(copy, s, (size_t)n);
			if (n > 0)
				copy[pos % (unsigned)n] ^= (unsigned char)(x ? x : 1);
			if (type == SQLITE_TEXT)
				sqlite3_bind_text(st, i, (const char *)copy, n, free);
			else
				sqlite3_bind_blob(st, i, copy, n, free);
		}
		sqlite3_value_free(v);
		return 1;
	}
	}
}

/* Run st (an edit); an edit the file refuses is no edit. */
static void run_edit(sqlite3_stmt *st)
{
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
}

static int edit(sqlite3 *db, input *in)
{
	unsigned op, ti, r, b;
	sqlite3_value *key[MAX_COLS] = {NULL}, *key2[MAX_COLS] = {NULL};
	char sql[4096], w[300], w2[300];
	if (!next(in, &op) || !next(in, &ti) || !next(in, &r))
		return 0;
	const tbl *t = &tables[ti % (unsigned)ntables];
	if (!row_key(db, t, r, key))
		return op % 4 != 1 && op % 4 != 3 ? next(in, &b)
						  : 1; /* an empty table: skip the edit's col */
	int more = 1;
	where_key(w, sizeof(w), t, 2);
	switch (op % 4) {
	case 0: { /* set */
		if (!(more = next(in, &b)))
			break;
		int c = (int)(b % (unsigned)t->ncols);
		snprintf(sql, sizeof(sql), "UPDATE \"%s\" SET \"%s\" = ?1 WHERE %s", t->name, t->col[c], w);
		sqlite3_stmt *st = prep(db, sql);
		bind_key(st, key, t->nkey, 2);
		if (!(more = bind_input_value(db, st, 1, in, t, c, key)))
			sqlite3_finalize(st);
		else
			run_edit(st);
		break;
	}
	case 1: /* delete */
		snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE %s", t->name, w);
		{
			sqlite3_stmt *st = prep(db, sql);
			bind_key(st, key, t->nkey, 2);
			run_edit(st);
		}
		break;
	case 2: { /* duplicate with one cell changed */
		if (!(more = next(in, &b)))
			break;
		int c = (int)(b % (unsigned)t->ncols);
		size_t n = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" (", t->name);
		for (int k = 0; k < t->ncols; k++)
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s\"%s\"", k ? ", " : "", t->col[k]);
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, ") SELECT ");
		for (int k = 0; k < t->ncols; k++)
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%s%s%s", k ? ", " : "",
					      k == c ? "?1" : "\"", k == c ? "" : t->col[k],
					      k == c ? "" : "\"");
		snprintf(sql + n, sizeof(sql) - n, " FROM \"%s\" WHERE %s", t->name, w);
		sqlite3_stmt *st = prep(db, sql);
		bind_key(st, key, t->nkey, 2);
		if (!(more = bind_input_value(db, st, 1, in, t, c, key)))
			sqlite3_finalize(st);
		else
			run_edit(st);
		break;
	}
	default: { /* swap a column (or every column not in the key) of two rows */
		unsigned r2;
		if (!(more = next(in, &r2) && next(in, &b)))
			break;
		if (!row_key(db, t, r2, key2))
			break;
		int all = (int)(b % (unsigned)(t->ncols + 1)) == t->ncols;
		where_key(w2, sizeof(w2), t, 2 + t->nkey);
		for (int c = 0; c < t->ncols; c++) {
			if (!all && c != (int)(b % (unsigned)(t->ncols + 1)))
				continue;
			if (all && t->pk[c])
				continue;
			sqlite3_value *a = cell(db, t, c, key), *z = cell(db, t, c, key2);
			if (a && z) {
				/* Both at once, so that a key column can swap too. */
				snprintf(sql, sizeof(sql),
					 "UPDATE \"%s\" SET \"%s\" = CASE WHEN %s THEN ?1 ELSE ?%d END WHERE "
					 "%s OR %s",
					 t->name, t->col[c], w, 2 + 2 * t->nkey, w, w2);
				sqlite3_stmt *st = prep(db, sql);
				sqlite3_bind_value(st, 1, z);
				sqlite3_bind_value(st, 2 + 2 * t->nkey, a);
				bind_key(st, key, t->nkey, 2);
				bind_key(st, key2, t->nkey, 2 + t->nkey);
				run_edit(st);
			}
			sqlite3_value_free(a);
			sqlite3_value_free(z);
			if (!all)
				break;
			/* The keys of later columns still name the rows: only non-key columns move. */
		}
		break;
	}
	}
	free_key(key, t->nkey);
	free_key(key2, t->nkey);
	return more;
}

/* ---- the audit ----------------------------------------------------------------------------------- */

static void on_problem(void *ctx, const char *where, const char *what)
{
	(void)where;
	(void)what;
	(*(unsigned long *)ctx)++;
	if (getenv("QP_FUZZ_VERBOSE"))
		fprintf(stderr, "  problem: %s: %s\n", where, what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (path == NULL)
		init();
	if (size == 0)
		return 0;
	unsigned flags = data[0];
	input in = {data + 1, size - 1};
	put_file(image[flags & 1], image_len[flags & 1]);

	sqlite3 *db = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("open the copy", db);
	exec(db, "PRAGMA foreign_keys = OFF");
	if (!(flags & 2))
		exec(db, "PRAGMA ignore_check_constraints = ON");
	for (int i = 0; i < MAX_EDITS && edit(db, &in); i++)
		;
	if (sqlite3_close(db) != SQLITE_OK)
		die("close the copy", db);

	qp_registry *reg = NULL;
	int err = qp_registry_open(&reg, path, QP_STORE_READONLY);
	if (err == QP_ECORRUPT || err == QP_EVERSION) /* `quanpiao audit`: a finding, exit 1 */
		return 0;
	if (err != QP_OK) {
		fprintf(stderr, "fuzz_audit: the edited registry does not open: %d %s\n", err,
			qp_error_last()->message);
		abort();
	}
	unsigned long problems = 0;
	qp_audit_options opt = {.jobs = 1, .problem = on_problem, .ctx = &problems};
	qp_audit_result res;
	err = qp_audit(&res, reg, &opt);
	qp_registry_free(reg);
	if (getenv("QP_FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_audit: %d, %lu problems\n", err, problems);
	if (err == QP_OK && problems == 0 && res.problems == 0)
		return 0;
	if (err == QP_EVERIFY && problems > 0 && res.problems > 0)
		return 0;
	fprintf(stderr, "fuzz_audit: the audit ended in %d (%s) with %lu problems reported, %llu counted\n",
		err, err == QP_OK ? "ok" : qp_error_last()->message, problems,
		(unsigned long long)res.problems);
	abort();
}
