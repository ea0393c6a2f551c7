/*
 * test_cells.c - the audit notices a change to any stored value (issue 20,
 * acceptance 2).
 *
 * A registry is built with the data of tools/quickstart's demonstration,
 * through qp_registry_submit (as the CLI submits it: the same villages,
 * households, homes, leases, status changes, certificates, transfer,
 * redemption and freeze, a signed checkpoint that the auditor cosigns, and
 * the village the quickstart adds through the service).  Two things differ:
 * the entries the quickstart shows being refused are left out, and one
 * home more is leased to a person for 15 years (the quickstart's person
 * investor asks for 25 and is refused), so that investor_data has a row (with a
 * household more to hold that home).
 *
 * Then every cell of every table of the file is changed, one at a time, to
 * a different plausible value of its type (a number one more, a text with
 * its last letter or digit moved on, a date a day on, a hash with a bit
 * flipped, a NULL given a value), and after that every two neighbouring
 * rows of each table swap all the columns outside the primary key.  After
 * each change, the copy is audited in-process as `quanpiao audit` does it:
 * the audit must find a problem (QP_EVERIFY; a file too damaged to open,
 * QP_ECORRUPT, is what `quanpiao audit` reports as a problem too), never
 * end in another error, and never pass.  Between changes the file is put
 * back from its bytes.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "quanpiao/access.h"
#include "quanpiao/audit.h"
#include "quanpiao/cosign.h"
#include "quanpiao/error.h"
#include "quanpiao/log.h"
#include "quanpiao/registry.h"
#include "quanpiao/store.h"
#include "testutil.h"

#define T0 1795000000 /* 2026-11-18 */

#define V1 "330681101201"
#define V2 "330681102203"
#define H1 "330681197001010016"
#define H2 "330681197001010024"
#define H3 "330681197001010032"
#define H4 "330681197001010040"
#define H5 "330681198502023450"
#define U1 "330681001002JC00001F00010001"
#define U2 "330681001002JC00002F00010001"
#define U3 "330681001002JC00003F00010001"
#define U4 "330681001002JC00004F00010001"
#define U5 "330681001002JC00005F00010001"
#define U6 "330681001002JC00006F00010001"
#define U7 "330681001002JC00007F00010001"
#define H6 "330681199203030022"		  /* not the quickstart's: a household ... */
#define U8 "330681001002JC00008F00010001" /* ... whose home is leased to a person */

static void put(qp_registry *reg, const qp_key *key, const char *type, const char *body)
{
	int err = qp_registry_submit(reg, key, type, body, NULL);
	if (err != QP_OK)
		fail_msg("%s %s: %s", type, body, qp_error_last()->message);
}

#define HOME(unit, village, hh, area, extra, status)                                                         \
	"{\"household\":\"" hh "\",\"land_area\":" area extra ",\"status\":\"" status "\",\"unit\":\"" unit  \
	"\",\"village\":\"" village "\"}"

/* key read the personal data of subject with request: a row of the access record. */
static void read_personal(qp_registry *reg, const qp_key *key, const char *request, const char *subject)
{
	qp_access_reader r;
	const char *subjects[] = {subject};
	assert_int_equal(qp_access_reader_of_key(&r, reg, key, T0), QP_OK);
	assert_int_equal(qp_access_record(reg, &r, request, subjects, 1, T0), QP_OK);
}

/* The quickstart's demonstration, through the library. */
static void build(const char *path)
{
	qp_key *auth = tu_seeded_key("330681.authority", 1),
	       *logk = tu_seeded_key("zhuji.quanpiao.example/registry", 2),
	       *off = tu_seeded_key("330681.officer.zhang-wei", 3),
	       *aud = tu_seeded_key("330681.auditor.chen", 4);
	qp_clock_set(T0);
	qp_registry *reg = tu_registry_create(path, "zhuji.quanpiao.example/registry", auth, logk);
	char body[1024], *enrol = tu_enroll_body(off, "officer", "2027-12-31");
	put(reg, auth, "key.enroll", enrol);
	free(enrol);
	tu_enroll(reg, auth, aud, "auditor");

	put(reg, off, "village.add",
	    "{\"code\":\"" V1 "\",\"name\":\"东白湖村\",\"uscc\":\"N2330681MF0000000A\"}");
	put(reg, off, "village.add", "{\"code\":\"" V2 "\",\"name\":\"斯宅村\"}");
	const char *hh[][4] = {{H1, "张伟", V1, "4"},
			       {H2, "李娜", V1, "3"},
			       {H3, "王芳", V1, "2"},
			       {H4, "陈刚", V2, "5"},
			       {H5, "赵敏", V2, "2"}};
	for (size_t i = 0; i < 5; i++) {
		snprintf(body, sizeof(body),
			 "{\"id_number\":\"%s\",\"members\":%s,\"name\":\"%s\",\"village\":\"%s\"}", hh[i][0],
			 hh[i][3], hh[i][1], hh[i][2]);
		put(reg, off, "household.add", body);
	}
	put(reg, off, "home.add", HOME(U1, V1, H1, "12050", ",\"floor_area\":24000,\"built\":1985", "idle"));
	put(reg, off, "home.add", HOME(U2, V1, H2, "10000", "", "dilapidated"));
	put(reg, off, "home.add", HOME(U3, V1, H3, "15000", "", "idle"));
	put(reg, off, "home.add", HOME(U4, V2, H4, "13500", "", "in_use"));
	put(reg, off, "home.add", HOME(U5, V2, H5, "9000", "", "idle"));
	put(reg, off, "home.add", HOME(U6, V1, H2, "8000", "", "dilapidated"));
	put(reg, off, "home.add", HOME(U7, V1, H3, "6000", "", "dilapidated"));
	snprintf(body, sizeof(body),
		 "{\"id_number\":\"%s\",\"members\":3,\"name\":\"孙丽\",\"village\":\"%s\"}", H6, V2);
	put(reg, off, "household.add", body);
	put(reg, off, "home.add", HOME(U8, V2, H6, "7000", "", "idle"));
	put(reg, off, "home.activate",
	    "{\"deal_no\":\"ZJ-2021-0007\",\"investment\":120000000,\"investor\":\"诸暨东白湖民宿有限公司\","
	    "\"investor_id\":\"91350100M000100Y43\",\"rent\":2490000,\"start\":\"2021-05-01\",\"unit\":\"" U1
	    "\",\"use\":\"homestay\",\"years\":15}");
	put(reg, off, "home.activate",
	    "{\"investment\":47080000000,\"investor\":\"斯宅文旅发展有限公司\",\"investor_id\":"
	    "\"91110000600037341L\","
	    "\"rent\":1800000,\"start\":\"2021-09-01\",\"unit\":\"" U5
	    "\",\"use\":\"culture\",\"years\":10}");
	put(reg, off, "home.activate",
	    "{\"investment\":5000000,\"investor\":\"李明\",\"investor_id\":\"11010519491231002X\",\"rent\":"
	    "960000,"
	    "\"start\":\"2021-03-15\",\"unit\":\"" U8 "\",\"use\":\"rental\",\"years\":15}");
	put(reg, off, "home.status",
	    "{\"reason\":\"household moved to town; homestead withdrawn "
	    "voluntarily\",\"status\":\"withdrawn\","
	    "\"unit\":\"" U3 "\"}");
	put(reg, off, "home.status",
	    "{\"reason\":\"dilapidated house demolished\",\"status\":\"demolished\",\"unit\":\"" U2 "\"}");
	put(reg, off, "home.status", "{\"status\":\"withdrawn\",\"unit\":\"" U6 "\"}");
	put(reg, off, "home.status",
	    "{\"reason\":\"reclaimed as farmland\",\"status\":\"reclaimed\",\"unit\":\"" U6 "\"}");
	put(reg, off, "home.status", "{\"status\":\"demolished\",\"unit\":\"" U7 "\"}");
	put(reg, off, "home.status", "{\"status\":\"reclaimed\",\"unit\":\"" U7 "\"}");
	put(reg, off, "home.correct",
	    "{\"field\":\"land_area\",\"reason\":\"resurvey 2026\",\"unit\":\"" U4 "\",\"value\":13620}");
	put(reg, off, "cert.issue",
	    "{\"area\":15000,\"basis\":\"withdrawal\",\"holder\":\"" H3 "\",\"home\":\"" U3
	    "\",\"kind\":\"guarantee\"}");
	put(reg, off, "cert.issue",
	    "{\"area\":10000,\"basis\":\"demolition\",\"holder\":\"" H2 "\",\"home\":\"" U2
	    "\",\"kind\":\"retention\"}");
	put(reg, off, "cert.issue",
	    "{\"area\":8000,\"basis\":\"reclamation\",\"holder\":\"" V1 "\",\"home\":\"" U6
	    "\",\"kind\":\"collective\"}");
	put(reg, off, "cert.transfer",
	    "{\"area\":5000,\"basis\":\"sale\",\"cert\":\"330681-2026-G-000001\",\"to\":\"" H1 "\"}");
	put(reg, off, "cert.redeem",
	    "{\"area\":3000,\"cert\":\"330681-2026-C-000001\",\"note\":\"construction-land quota for the "
	    "东白湖 "
	    "homestay cluster\",\"purpose\":\"quota\"}");
	put(reg, off, "cert.freeze",
	    "{\"cert\":\"330681-2026-R-000001\",\"reason\":\"异议: inheritance dispute filed with the "
	    "township\"}");
	/* Reclaimed land with no home on it (parcel.add), two parcels that differ, and a certificate from
	 * one. */
	put(reg, off, "parcel.add",
	    "{\"land_area\":12000,\"parcel\":\"330681001002JC00011\",\"state\":\"reclaimed\",\"village\":"
	    "\"" V1 "\"}");
	put(reg, off, "parcel.add",
	    "{\"land_area\":9000,\"parcel\":\"330681001002JC00012\",\"state\":\"reclaimed\",\"village\":\"" V2
	    "\"}");
	put(reg, off, "cert.issue",
	    "{\"area\":7000,\"basis\":\"reclamation\",\"holder\":\"" V1
	    "\",\"kind\":\"collective\",\"parcel\":\"330681001002JC00011\"}");

	/* Reads of personal data, in the access record beside the log: two the checkpoint covers. */
	read_personal(reg, off, "GET /v1/households/330681-H-0000001", "330681-H-0000001");
	read_personal(reg, aud, "quanpiao home show " U8 " --reveal", "entry 30");

	char *cp = NULL, *line = NULL;
	size_t cp_len = 0, line_len = 0;
	assert_int_equal(qp_log_sign(&cp, &cp_len, reg, logk), QP_OK);
	assert_int_equal(qp_cosign_sign(&line, &line_len, aud, cp, cp_len, T0), QP_OK);
	assert_int_equal(qp_log_add_cosignature(reg, line, line_len, QP_LOG_LATEST), QP_OK);
	free(cp);
	free(line);
	/* The quickstart adds a village through the service, after the checkpoint. */
	put(reg, off, "village.add", "{\"code\":\"330681101205\",\"name\":\"五泄村\"}");
	/* ... and one after it, which no checkpoint covers. */
	read_personal(reg, off, "quanpiao household show 330681-H-0000002 --reveal", "330681-H-0000002");
	qp_registry_free(reg); /* the last close folds the WAL into the file */
	qp_key_free(auth);
	qp_key_free(logk);
	qp_key_free(off);
	qp_key_free(aud);
}

/* ---- the file, its tables and the audit of a changed copy --------------------------------------------- */

#define MAX_COLS 32

typedef struct tbl {
	char name[64];
	int ncols;
	char col[MAX_COLS][64];
	char type[MAX_COLS][16]; /* declared: INTEGER, TEXT, BLOB */
	int pk[MAX_COLS];
	char key[256]; /* "rowid", or the primary key of a WITHOUT ROWID table */
	int nkey;
} tbl;

typedef struct ctx {
	char *dir, *path;
	unsigned char *image;
	size_t image_len;
	tbl tables[32];
	int ntables;
	unsigned long audits, noticed, unopened, missed;
} ctx;

static void restore(ctx *c)
{
	char side[4200];
	tu_write(c->path, c->image, c->image_len);
	snprintf(side, sizeof(side), "%s-wal", c->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", c->path);
	unlink(side);
}

static void on_problem(void *p, const char *where, const char *what)
{
	(void)where;
	(void)what;
	(*(unsigned long *)p)++;
}

/* Audit the copy: 1 if the change was found, 0 if the audit passed; fails the test otherwise. */
static int audit(ctx *c, const char *change)
{
	qp_registry *reg = NULL;
	c->audits++;
	int err = qp_registry_open(&reg, c->path, QP_STORE_READONLY);
	if (err == QP_ECORRUPT || err == QP_EVERSION) { /* `quanpiao audit`: a problem, exit 1 */
		c->unopened++;
		return 1;
	}
	if (err != QP_OK)
		fail_msg("%s: the registry does not open: %d %s", change, err, qp_error_last()->message);
	unsigned long problems = 0;
	qp_audit_options opt = {.jobs = 1, .problem = on_problem, .ctx = &problems};
	qp_audit_result res;
	err = qp_audit(&res, reg, &opt);
	qp_registry_free(reg);
	if (err == QP_EVERIFY && problems > 0)
		return 1;
	if (err == QP_OK && problems == 0)
		return 0;
	fail_msg("%s: the audit ended in %d (%s), %lu problems", change, err, qp_error_last()->message,
		 problems);
	return 0;
}

static sqlite3 *open_copy(ctx *c)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(c->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA ignore_check_constraints = ON; PRAGMA synchronous = OFF",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	return db;
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	return st;
}

static void read_tables(ctx *c)
{
	sqlite3 *db = open_copy(c);
	sqlite3_stmt *st =
	    prep(db, "SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE type = 'table'"
		     " AND name NOT LIKE 'sqlite_%' ORDER BY name");
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(c->ntables < 32);
		tbl *t = &c->tables[c->ntables++];
		int without_rowid = sqlite3_column_int(st, 1);
		char sql[256];
		snprintf(t->name, sizeof(t->name), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(t->key, sizeof(t->key), "rowid");
		t->nkey = 1;
		snprintf(sql, sizeof(sql),
			 "SELECT name, type, pk FROM pragma_table_info('%s') ORDER BY pk, cid", t->name);
		sqlite3_stmt *ci = prep(db, sql);
		int first = 1;
		while (sqlite3_step(ci) == SQLITE_ROW) {
			assert_true(t->ncols < MAX_COLS);
			int k = t->ncols++;
			snprintf(t->col[k], sizeof(t->col[k]), "%s",
				 (const char *)sqlite3_column_text(ci, 0));
			snprintf(t->type[k], sizeof(t->type[k]), "%s",
				 (const char *)sqlite3_column_text(ci, 1));
			t->pk[k] = sqlite3_column_int(ci, 2) > 0;
			if (without_rowid && t->pk[k]) {
				size_t n = first ? 0 : strlen(t->key);
				char part[80];
				snprintf(part, sizeof(part), "%s%s", first ? "" : ", ", t->col[k]);
				snprintf(t->key + n, sizeof(t->key) - n, "%s", part);
				t->nkey = first ? 1 : t->nkey + 1;
				first = 0;
			}
		}
		sqlite3_finalize(ci);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* The rows of t: their keys and values, in key order (sqlite3_value copies; free with free_rows). */
typedef struct rows {
	int n;
	sqlite3_value **key[256];
	sqlite3_value **val[256];
} rows;

static void read_rows(ctx *c, const tbl *t, rows *r)
{
	sqlite3 *db = open_copy(c);
	char sql[2048];
	size_t n = (size_t)snprintf(sql, sizeof(sql), "SELECT %s", t->key);
	for (int k = 0; k < t->ncols; k++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, ", \"%s\"", t->col[k]);
	snprintf(sql + n, sizeof(sql) - n, " FROM \"%s\" ORDER BY %s", t->name, t->key);
	sqlite3_stmt *st = prep(db, sql);
	r->n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(r->n < 256);
		sqlite3_value **key = calloc((size_t)t->nkey, sizeof(*key)),
			      **val = calloc((size_t)t->ncols, sizeof(*val));
		assert_non_null(key);
		assert_non_null(val);
		for (int k = 0; k < t->nkey; k++)
			key[k] = sqlite3_value_dup(sqlite3_column_value(st, k));
		for (int k = 0; k < t->ncols; k++)
			val[k] = sqlite3_value_dup(sqlite3_column_value(st, t->nkey + k));
		r->key[r->n] = key;
		r->val[r->n++] = val;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void free_rows(const tbl *t, rows *r)
{
	for (int i = 0; i < r->n; i++) {
		for (int k = 0; k < t->nkey; k++)
			sqlite3_value_free(r->key[i][k]);
		for (int k = 0; k < t->ncols; k++)
			sqlite3_value_free(r->val[i][k]);
		free(r->key[i]);
		free(r->val[i]);
	}
	r->n = 0;
}

/* "(k1, k2) = (?a, ?a+1)" */
static void where_key(char *buf, size_t len, const tbl *t, int a)
{
	size_t n = (size_t)snprintf(buf, len, "(%s) = (", t->key);
	for (int i = 0; i < t->nkey; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s?%d", i ? ", " : "", a + i);
	snprintf(buf + n, len - n, ")");
}

/* The key of row i, for people. */
static void describe(char *buf, size_t len, const tbl *t, const rows *r, int i)
{
	size_t n = 0;
	for (int k = 0; k < t->nkey && n < len; k++) {
		sqlite3_value *v = r->key[i][k];
		n += (size_t)snprintf(buf + n, len - n, "%s", k ? "/" : "");
		/* A blob in hex (sqlite3_value_text would turn the value into text, and the key would match
		 * no row). */
		if (sqlite3_value_type(v) == SQLITE_BLOB) {
			const unsigned char *b = sqlite3_value_blob(v);
			for (int j = 0; j < sqlite3_value_bytes(v) && n + 3 < len; j++)
				n += (size_t)snprintf(buf + n, len - n, "%02x", b[j]);
			continue;
		}
		n += (size_t)snprintf(buf + n, len - n, "%s",
				      sqlite3_value_text(v) ? (const char *)sqlite3_value_text(v) : "NULL");
	}
}

/*
 * Move the last (attempt 0) or first (attempt 1) ASCII letter or digit of s
 * on within its class (a hex digit stays one), or, if there is none, the
 * last UTF-8 continuation byte (another character of the same length).
 */
static int nudge_text(unsigned char *s, size_t n, int attempt, int step)
{
	for (size_t j = 0; j < n; j++) {
		size_t i = attempt == 0 ? n - 1 - j : j;
		unsigned char ch = s[i];
		if (ch >= '0' && ch <= '9')
			s[i] = (unsigned char)('0' + (ch - '0' + step) % 10);
		else if (ch >= 'a' && ch <= 'f')
			s[i] = (unsigned char)('a' + (ch - 'a' + step) % 6);
		else if (ch >= 'g' && ch <= 'z')
			s[i] = (unsigned char)('g' + (ch - 'g' + step) % 20);
		else if (ch >= 'A' && ch <= 'Z')
			s[i] = (unsigned char)('A' + (ch - 'A' + step) % 26);
		else
			continue;
		return 1;
	}
	for (size_t j = 0; j < n; j++) {
		size_t i = n - 1 - j;
		if ((s[i] & 0xc0) == 0x80) {
			s[i] = (unsigned char)(0x80 | (((s[i] & 0x3f) + step) & 0x3f));
			return 1;
		}
	}
	return 0;
}

/*
 * Bind to st's parameter 1 a value of v's type near v (try: 0, 1, 2 for
 * other values when one is refused).  0 if there is none.
 */
static int bind_nudged(sqlite3_stmt *st, const tbl *t, int col, const rows *r, sqlite3_value *v, int try)
{
	int step = try + 1;
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER:
		/* A key column takes a number no row has (past the others). */
		sqlite3_bind_int64(st, 1,
				   sqlite3_value_int64(v) + (try == 1	? -1
							     : try == 2 ? 7
							     : try == 3 ? 1000
									: 1));
		return 1;
	case SQLITE_TEXT:
	case SQLITE_BLOB: {
		int blob = sqlite3_value_type(v) == SQLITE_BLOB;
		int n = sqlite3_value_bytes(v);
		const unsigned char *s = blob ? sqlite3_value_blob(v) : sqlite3_value_text(v);
		unsigned char *copy = malloc((size_t)n + 2);
		assert_non_null(copy);
		if (n > 0)
			memcpy(copy, s, (size_t)n);
		int texty = 1;
		for (int i = 0; i < n; i++)
			if (copy[i] < 9)
				texty = 0;
		if (n == 0) {
			copy[0] = 'x';
			n = 1;
		} else if (!texty) {
			copy[n - 1] ^= (unsigned char)(1u << try);
		} else if (!nudge_text(copy, (size_t)n, 0, step)) {
			copy[n++] = 'x';
		}
		if (blob)
			sqlite3_bind_blob(st, 1, copy, n, free);
		else
			sqlite3_bind_text(st, 1, (const char *)copy, n, free);
		return 1;
	}
	case SQLITE_NULL: /* a value where there was none: the column's type, as the other rows have it */
		for (int i = 0; i < r->n; i++)
			if (sqlite3_value_type(r->val[i][col]) != SQLITE_NULL && try-- == 0) {
				sqlite3_bind_value(st, 1, r->val[i][col]);
				return 1;
			}
		if (try > 0)
			return 0;
		if (strcmp(t->type[col], "INTEGER") == 0)
			sqlite3_bind_int64(st, 1, 1);
		else if (strcmp(t->type[col], "BLOB") == 0)
			sqlite3_bind_zeroblob(st, 1, 32);
		else
			sqlite3_bind_text(st, 1, "2026-11-18", -1, SQLITE_STATIC);
		return 1;
	default: return 0;
	}
}

/* Change one cell: 1 if changed (the copy holds the change), 0 if no value could be put there. */
static int change_cell(ctx *c, const tbl *t, const rows *r, int i, int col)
{
	char sql[1024], w[300];
	where_key(w, sizeof(w), t, 2);
	snprintf(sql, sizeof(sql), "UPDATE \"%s\" SET \"%s\" = ?1 WHERE %s", t->name, t->col[col], w);
	for (int try = 0; try < 8; try++) {
		restore(c);
		sqlite3 *db = open_copy(c);
		sqlite3_stmt *st = prep(db, sql);
		for (int k = 0; k < t->nkey; k++)
			sqlite3_bind_value(st, 2 + k, r->key[i][k]);
		int bound = bind_nudged(st, t, col, r, r->val[i][col], try);
		int ok = bound && sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1;
		sqlite3_finalize(st);
		sqlite3_close(db);
		if (!bound)
			break;
		if (ok)
			return 1;
	}
	return 0;
}

/*
 * Swap every column outside the primary key of rows i and j: both rows are
 * deleted and put back with each other's values (so that no UNIQUE
 * constraint sees a value twice on the way).  0 if they hold the same values.
 */
static int swap_rows(ctx *c, const tbl *t, const rows *r, int i, int j)
{
	char sql[4096], w[300];
	int same = 1;
	for (int k = 0; k < t->ncols; k++)
		if (!t->pk[k] && (sqlite3_value_type(r->val[i][k]) != sqlite3_value_type(r->val[j][k]) ||
				  sqlite3_value_bytes(r->val[i][k]) != sqlite3_value_bytes(r->val[j][k]) ||
				  (sqlite3_value_bytes(r->val[i][k]) > 0 &&
				   memcmp(sqlite3_value_blob(r->val[i][k]), sqlite3_value_blob(r->val[j][k]),
					  (size_t)sqlite3_value_bytes(r->val[i][k])) != 0)))
			same = 0;
	if (same)
		return 0;
	restore(c);
	sqlite3 *db = open_copy(c);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	where_key(w, sizeof(w), t, 1);
	snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE %s", t->name, w);
	for (int pass = 0; pass < 2; pass++) {
		sqlite3_stmt *st = prep(db, sql);
		for (int k = 0; k < t->nkey; k++)
			sqlite3_bind_value(st, 1 + k, r->key[pass ? j : i][k]);
		if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(db) != 1)
			fail_msg("swap in %s: %s", t->name, sqlite3_errmsg(db));
		sqlite3_finalize(st);
	}
	size_t n = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" (", t->name);
	for (int k = 0; k < t->ncols; k++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s\"%s\"", k ? ", " : "", t->col[k]);
	n += (size_t)snprintf(sql + n, sizeof(sql) - n, ") VALUES (");
	for (int k = 0; k < t->ncols; k++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s?%d", k ? ", " : "", k + 1);
	snprintf(sql + n, sizeof(sql) - n, ")");
	for (int pass = 0; pass < 2; pass++) {
		int to = pass ? j : i, from = pass ? i : j;
		sqlite3_stmt *st = prep(db, sql);
		for (int k = 0; k < t->ncols; k++)
			sqlite3_bind_value(st, k + 1, r->val[t->pk[k] ? to : from][k]);
		if (sqlite3_step(st) != SQLITE_DONE)
			fail_msg("swap in %s: %s", t->name, sqlite3_errmsg(db));
		sqlite3_finalize(st);
	}
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	return 1;
}

static void test_every_cell(void **state)
{
	(void)state;
	ctx c = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* In memory where there is a /dev/shm: some 1,100 copies and audits. */
	char shm[] = "/dev/shm/qp-test-XXXXXX";
	c.dir = access("/dev/shm", W_OK) == 0 && mkdtemp(shm) ? strdup(shm) : tu_mkdtemp();
	c.path = tu_path(c.dir, "registry.db");
	setenv("TMPDIR", c.dir, 1); /* the audit's replay beside the copy */
	build(c.path);
	c.image = tu_read(c.path, &c.image_len);
	assert_non_null(c.image);
	read_tables(&c);
	assert_int_equal(audit(&c, "the registry as built"), 0);

	unsigned long cells = 0, swaps = 0, unchanged = 0;
	char change[512], where[200];
	for (int ti = 0; ti < c.ntables; ti++) {
		const tbl *t = &c.tables[ti];
		rows r;
		read_rows(&c, t, &r);
		for (int i = 0; i < r.n; i++)
			for (int k = 0; k < t->ncols; k++) {
				describe(where, sizeof(where), t, &r, i);
				snprintf(change, sizeof(change), "%s %s: %s changed", t->name, where,
					 t->col[k]);
				if (!change_cell(&c, t, &r, i, k)) {
					print_message("could not change %s\n", change);
					unchanged++;
					continue;
				}
				cells++;
				if (audit(&c, change))
					c.noticed++;
				else {
					print_message("NOT NOTICED: %s\n", change);
					c.missed++;
				}
			}
		for (int i = 0; i + 1 < r.n; i++) {
			char w2[200];
			describe(where, sizeof(where), t, &r, i);
			describe(w2, sizeof(w2), t, &r, i + 1);
			if (!swap_rows(&c, t, &r, i, i + 1))
				continue;
			swaps++;
			snprintf(change, sizeof(change), "%s rows %s and %s swapped", t->name, where, w2);
			if (audit(&c, change))
				c.noticed++;
			else {
				print_message("NOT NOTICED: %s\n", change);
				c.missed++;
			}
		}
		free_rows(t, &r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message(
	    "%d tables, %lu cells changed, %lu pairs of rows swapped, %lu audits in %.1f s: %lu changes "
	    "found (%lu of them a file that does not open), %lu not found, %lu cells left unchanged\n",
	    c.ntables, cells, swaps, c.audits,
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, c.noticed, c.unopened,
	    c.missed, unchanged);
	assert_true(c.ntables >= 18);
	assert_true(cells > 500);
	assert_true(swaps > 50);
	assert_int_equal(unchanged, 0);
	assert_int_equal(c.missed, 0);
	free(c.image);
	free(c.path);
	tu_rmdir(c.dir);
	free(c.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_cell),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
