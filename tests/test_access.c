/*
 * test_access.c - the access record's hash chain and the checkpoints that
 * commit to it (access.c, store_access.c, log.c; migration 0023), and what
 * the audit finds when an insider edits the record: rows altered, removed,
 * inserted, with the chain made again or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "access_internal.h"
#include "quanpiao/access.h"
#include "quanpiao/audit.h"
#include "quanpiao/error.h"
#include "quanpiao/log.h"
#include "quanpiao/registry.h"
#include "quanpiao/store.h"
#include "registry_internal.h"
#include "store_access.h"
#include "store_log.h"
#include "testutil.h"

#define ORIGIN "zhuji.quanpiao.example/registry"
#define T0     1795000000 /* 2026-11-18 */

/*
 * Known answers, computed outside the library with printf and sha256sum
 * from the construction docs/format.md gives: "quanpiao/access-records/v1"
 * LF, the previous chain, the id as 8 bytes big-endian, each field as a
 * 4-byte big-endian length and its bytes.
 */
#define KAT1 "aa8d40d3061068dcb9e8cd1e0426308ee93ebb662e4245df18d558a963279baf"
#define KAT2 "0d590bf15c5c38b9ff3ec8ccd0dc1d3b703bf53fa05b9d2f1471d75e891f3f92"

static void hex(char out[65], const unsigned char h[32])
{
	sodium_bin2hex(out, 65, h, 32);
}

static void test_known_answer(void **state)
{
	(void)state;
	unsigned char zero[32] = {0}, c1[32], c2[32], c[32];
	char h[65];
	qp_access_fields f1 = {1,
			       "2026-12-07T04:00:27Z",
			       "330681.officer.li",
			       "officer",
			       "quanpiao household show 330681-H-0000001",
			       "330681-H-0000001"};
	qp_access_fields f2 = {2,
			       "2026-12-07T04:01:00Z",
			       "330681.auditor.chen",
			       "auditor",
			       "GET /v1/households/330681-H-0000002 王*",
			       "entry 17"};
	qp_access_chain(c1, zero, &f1);
	hex(h, c1);
	assert_string_equal(h, KAT1);
	qp_access_chain(c2, c1, &f2);
	hex(h, c2);
	assert_string_equal(h, KAT2);
	/* Every part counts: the previous chain, the id, each field, and where one field ends. */
	qp_access_chain(c, zero, &f2);
	assert_memory_not_equal(c, c2, 32);
	qp_access_fields g = f2;
	g.id = 3;
	qp_access_chain(c, c1, &g);
	assert_memory_not_equal(c, c2, 32);
	const char **field[] = {&g.time, &g.reader, &g.role, &g.request, &g.subject};
	for (int i = 0; i < 5; i++) {
		g = f2;
		*field[i] = "x";
		qp_access_chain(c, c1, &g);
		assert_memory_not_equal(c, c2, 32);
	}
	g = f2;
	g.request = "GET /v1/households/330681-H-0000002 王*entry";
	g.subject = " 17";
	qp_access_chain(c, c1, &g);
	assert_memory_not_equal(c, c2, 32);
}

static void test_checkpoint_line(void **state)
{
	(void)state;
	const char *head = "o\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	char text[512];
	uint64_t n = 0;
	unsigned char chain[32], want[32];
	memset(want, 0xab, sizeof(want));
	char b64[64];
	sodium_bin2base64(b64, sizeof(b64), want, 32, sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof(text), "%s" QP_ACCESS_LINE " 12 %s\n", head, b64);
	assert_int_equal(qp_access_checkpoint_line(&n, chain, text, strlen(text)), QP_OK);
	assert_int_equal(n, 12);
	assert_memory_equal(chain, want, 32);
	qp_checkpoint cp;
	assert_int_equal(qp_checkpoint_parse(&cp, text, strlen(text)), QP_OK);
	assert_true(cp.have_access);
	assert_int_equal(cp.access_records, 12);
	assert_memory_equal(cp.access_chain, want, 32);
	assert_false(cp.have_map);
	/* None: not an error for the checkpoint, which then has no access line. */
	assert_int_equal(qp_access_checkpoint_line(&n, chain, head, strlen(head)), QP_ENOTFOUND);
	assert_int_equal(qp_checkpoint_parse(&cp, head, strlen(head)), QP_OK);
	assert_false(cp.have_access);
	/* Malformed: each is refused, by the parser of the checkpoint too. */
	/* Each as the text before the base64 chain, whether it has one, and the text after. */
	const struct {
		const char *before;
		int chain;
		const char *after;
	} bad[] = {{"0 ", 1, ""},   {"012 ", 1, ""}, {"12  ", 1, ""},
		   {"12 ", 1, " "}, {"x12 ", 1, ""}, {"12", 0, ""},
		   {"12 ", 0, ""},  {"-1 ", 1, ""},  {"12345678901234567890 ", 1, ""}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[128];
		snprintf(line, sizeof(line), "%s%s%s", bad[i].before, bad[i].chain ? b64 : "", bad[i].after);
		snprintf(text, sizeof(text), "%s" QP_ACCESS_LINE " %s\n", head, line);
		assert_int_equal(qp_access_checkpoint_line(&n, chain, text, strlen(text)), QP_EINVALID);
		assert_error_contains("must carry a count from 1 and the base64 of 32 bytes");
		assert_int_equal(qp_checkpoint_parse(&cp, text, strlen(text)), QP_EINVALID);
	}
	snprintf(text, sizeof(text), "%s" QP_ACCESS_LINE " 1 AAAA\n", head);
	assert_int_equal(qp_access_checkpoint_line(&n, chain, text, strlen(text)), QP_EINVALID);
	snprintf(text, sizeof(text), "%s" QP_ACCESS_LINE " 1 %s\n" QP_ACCESS_LINE " 1 %s\n", head, b64, b64);
	assert_int_equal(qp_access_checkpoint_line(&n, chain, text, strlen(text)), QP_EINVALID);
	assert_error_contains("two " QP_ACCESS_LINE " lines");
	/* A line that only starts with the name is another extension. */
	snprintf(text, sizeof(text), "%s" QP_ACCESS_LINE "x 1 %s\n", head, b64);
	assert_int_equal(qp_access_checkpoint_line(&n, chain, text, strlen(text)), QP_ENOTFOUND);
}

/* ---- a registry with an access record -------------------------------------------------------- */

static int setup(void **state)
{
	*state = tu_fixture_new(ORIGIN, T0);
	return 0;
}

static int teardown(void **state)
{
	tu_fixture_free(*state);
	return 0;
}

static void record(tu_fixture *f, const char *subject)
{
	qp_access_reader r;
	const char *subjects[] = {subject};
	assert_int_equal(qp_access_reader_of_key(&r, f->reg, f->officer, T0), QP_OK);
	assert_int_equal(qp_access_record(f->reg, &r, "quanpiao household show", subjects, 1, T0), QP_OK);
}

/* The log grows by one entry and a checkpoint is signed over it; its text in cp. */
static void sign(tu_fixture *f, qp_checkpoint *cp)
{
	static int villages;
	char body[128], *note = NULL;
	size_t len = 0;
	int v = ++villages;
	snprintf(body, sizeof(body), "{\"code\":\"3306811012%02d\",\"name\":\"村%d\"}", v, v);
	assert_int_equal(qp_registry_submit(f->reg, f->officer, "village.add", body, NULL), QP_OK);
	assert_int_equal(qp_log_sign(&note, &len, f->reg, f->log), QP_OK);
	const char *sig = strstr(note, "\n\n");
	assert_non_null(sig);
	assert_int_equal(qp_checkpoint_parse(cp, note, (size_t)(sig - note) + 1), QP_OK);
	free(note);
}

typedef struct found {
	int n;
	char text[16][400];
} found;

static void on_problem(void *ctx, const char *where, const char *what)
{
	found *p = ctx;
	if (p->n < 16)
		snprintf(p->text[p->n++], sizeof(p->text[0]), "%s: %s", where, what);
}

/* Audit the file at path (a copy): *res and the problems it names. */
static int audit_file(const char *path, qp_audit_result *res, found *p)
{
	qp_registry *reg = NULL;
	memset(p, 0, sizeof(*p));
	assert_int_equal(qp_registry_open(&reg, path, QP_STORE_READONLY), QP_OK);
	qp_audit_options opt = {1, NULL, NULL, NULL, on_problem, p, NULL};
	int err = qp_audit(res, reg, &opt);
	qp_registry_free(reg);
	return err;
}

static int named(const found *p, const char *needle)
{
	for (int i = 0; i < p->n; i++)
		if (strstr(p->text[i], needle))
			return 1;
	return 0;
}

/* A copy of the registry with sql run on it, and the chain made again after when rechain. */
static char *tampered(tu_fixture *f, const char *name, const char *sql, int rechain)
{
	char *path = tu_path(f->dir, name);
	tu_copy(f->db, path);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	qp_store *s = NULL;
	assert_int_equal(qp_store_open(&s, path, 0), QP_OK);
	/* The insider's tool: every chain made again from the rows as they now are. */
	if (rechain) {
		assert_int_equal(qp_store_begin(s), QP_OK);
		assert_int_equal(qp_store_access_rechain(s), QP_OK);
		assert_int_equal(qp_store_commit(s), QP_OK);
	}
	qp_store_free(s);
	return path;
}

/* The record has n rows, ids 1 to n, each chain the construction over the row before; *last gets row n's. */
static void chained(tu_fixture *f, size_t want, unsigned char last[32])
{
	unsigned char prev[32] = {0}, chain[32], stored[32];
	qp_access_row *rows = NULL;
	size_t n = 0;
	assert_int_equal(qp_access_list(&rows, &n, f->reg, NULL, 0, 0), QP_OK);
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++) {
		qp_access_fields fl = {rows[i].id,   rows[i].time,    rows[i].reader,
				       rows[i].role, rows[i].request, rows[i].subject};
		assert_int_equal(rows[i].id, i + 1);
		qp_access_chain(chain, prev, &fl);
		assert_int_equal(qp_store_access_chain_at(f->reg->store, rows[i].id, stored), QP_OK);
		assert_memory_equal(stored, chain, 32);
		memcpy(prev, chain, 32);
	}
	qp_access_rows_free(rows, n);
	memcpy(last, prev, 32);
}

static void test_recorded_and_committed(void **state)
{
	tu_fixture *f = *state;
	qp_checkpoint cp;
	/* No row yet: no line. */
	sign(f, &cp);
	assert_false(cp.have_access);
	record(f, "330681-H-0000001");
	record(f, "330681-H-0000002");
	/* Each row's chain is the construction over the row before. */
	unsigned char chain[32], stored[32];
	chained(f, 2, chain);
	assert_int_equal(qp_store_access_chain_at(f->reg->store, 3, stored), QP_ENOTFOUND);
	/* The next checkpoint commits to both. */
	sign(f, &cp);
	assert_true(cp.have_access);
	assert_int_equal(cp.access_records, 2);
	assert_memory_equal(cp.access_chain, chain, 32);
	record(f, "entry 9");

	qp_audit_result res;
	found p;
	assert_int_equal(audit_file(f->db, &res, &p), QP_OK);
	assert_int_equal(res.problems, 0);
	assert_int_equal(res.access_rows, 3);
	assert_int_equal(res.access_covered, 2);
	assert_int_equal(res.access, 0);

	/* Rebuilt: the record is carried over as it is, and the rebuilt file audits clean. */
	char live[65], rebuilt[65];
	char *out = tu_path(f->dir, "rebuilt.db");
	assert_int_equal(qp_registry_rebuild(live, rebuilt, &res, f->reg, out), QP_OK);
	assert_int_equal(audit_file(out, &res, &p), QP_OK);
	assert_int_equal(res.access_rows, 3);
	assert_int_equal(res.access_covered, 2);
	free(out);
}

/* One read of several subjects (a list shown with --reveal): one row each, chained in order. */
static void test_many_subjects(void **state)
{
	tu_fixture *f = *state;
	qp_access_reader r;
	const char *subjects[] = {"330681-H-0000001", "330681-H-0000002", "entry 7"};
	unsigned char chain[32];
	qp_checkpoint cp;
	assert_int_equal(qp_access_reader_of_key(&r, f->reg, f->officer, T0), QP_OK);
	assert_int_equal(qp_access_record(f->reg, &r, "quanpiao household list --reveal", subjects, 3, T0),
			 QP_OK);
	record(f, "330681-H-0000003");
	chained(f, 4, chain);
	qp_access_row *rows = NULL;
	size_t n = 0;
	assert_int_equal(qp_access_list(&rows, &n, f->reg, NULL, 0, 0), QP_OK);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(rows[i].subject, subjects[i]);
		assert_string_equal(rows[i].request, "quanpiao household list --reveal");
	}
	qp_access_rows_free(rows, n);
	/* Nothing to record records nothing. */
	assert_int_equal(qp_access_record(f->reg, &r, "x", subjects, 0, T0), QP_OK);
	chained(f, 4, chain);
	sign(f, &cp);
	assert_int_equal(cp.access_records, 4);
	assert_memory_equal(cp.access_chain, chain, 32);
}

static void test_insider(void **state)
{
	tu_fixture *f = *state;
	qp_checkpoint cp;
	record(f, "330681-H-0000001");
	record(f, "330681-H-0000002");
	record(f, "330681-H-0000003");
	sign(f, &cp);
	assert_int_equal(cp.access_records, 3);
	record(f, "330681-H-0000004");
	/* Closed: the last close folds the write-ahead log into the file, which is then copied. */
	qp_registry_free(f->reg);
	f->reg = NULL;
	qp_audit_result res;
	found p;
	struct {
		const char *name, *sql;
		int rechain;
		const char *needle;
	} cases[] = {
	    /* By hand: the row itself is named. */
	    {"edit.db", "UPDATE access_records SET reader = '330681.officer.wang' WHERE id = 2", 0,
	     "access_records row 2: its chain is not the hash"},
	    {"gap.db", "DELETE FROM access_records WHERE id = 2", 0, "rows 2 to 2 are missing"},
	    {"chain.db", "UPDATE access_records SET chain = zeroblob(32) WHERE id = 1", 0,
	     "access_records row 1: its chain"},
	    {"all.db", "DELETE FROM access_records", 0, "the file has no row 3: rows were removed"},
	    /* With the chain made again: only the checkpoint can tell. */
	    {"edit2.db", "UPDATE access_records SET reader = '330681.officer.wang' WHERE id = 2", 1,
	     "commits to another access record than the file's first 3 rows"},
	    {"gone2.db", "DELETE FROM access_records WHERE id = 1; UPDATE access_records SET id = id - 1", 1,
	     "commits to another access record than the file's first 3 rows"},
	    {"added2.db",
	     "UPDATE access_records SET id = id + 100 WHERE id >= 2; UPDATE access_records SET id = id - 99 "
	     "WHERE id >= 100; INSERT INTO access_records (id, time, reader, "
	     "role, request, subject, chain) VALUES (2, '2026-11-18T00:00:00Z', '330681.officer.li', "
	     "'officer', "
	     "'x', '330681-H-0000009', zeroblob(32))",
	     1, "commits to another access record than the file's first 3 rows"},
	    {"cut2.db", "DELETE FROM access_records WHERE id >= 3", 1,
	     "the file has no row 3: rows were removed"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = tampered(f, cases[i].name, cases[i].sql, cases[i].rechain);
		assert_int_equal(audit_file(path, &res, &p), QP_EVERIFY);
		if (!named(&p, cases[i].needle))
			fail_msg("%s: no problem names \"%s\" (%d found: %s)", cases[i].name, cases[i].needle,
				 p.n, p.n ? p.text[0] : "");
		assert_true(res.access > 0);
		assert_int_equal(res.access, res.problems);
		free(path);
	}
	/* The row after the newest checkpoint can be removed without a trace: the limit docs/audit.md states.
	 */
	char *path = tampered(f, "tail.db", "DELETE FROM access_records WHERE id = 4", 0);
	assert_int_equal(audit_file(path, &res, &p), QP_OK);
	assert_int_equal(res.access_rows, 3);
	assert_int_equal(res.access_covered, 3);
	free(path);
	/* ... but not altered by hand. */
	path = tampered(f, "tailedit.db", "UPDATE access_records SET subject = 'entry 1' WHERE id = 4", 0);
	assert_int_equal(audit_file(path, &res, &p), QP_EVERIFY);
	assert_true(named(&p, "access_records row 4: its chain"));
	free(path);
}

/*
 * An insider who chains the rows again and also removes every stored
 * checkpoint leaves the file consistent with itself: only a checkpoint kept
 * elsewhere tells, given as --trust or as --since's saved checkpoint.
 */
static void test_anchored(void **state)
{
	tu_fixture *f = *state;
	qp_checkpoint cp;
	record(f, "330681-H-0000001");
	record(f, "330681-H-0000002");
	sign(f, &cp);
	assert_int_equal(cp.access_records, 2);
	/* The auditor keeps the checkpoint, and a replay with it (audit --keep). */
	char *note = NULL, *anchor = tu_path(f->dir, "anchor.cp"), *kept = tu_path(f->dir, "kept");
	size_t len = 0;
	uint64_t size = 0;
	assert_int_equal(qp_log_checkpoint(&note, &len, &size, f->reg, QP_LOG_LATEST), QP_OK);
	tu_write(anchor, note, len);
	free(note);
	qp_audit_result res;
	qp_audit_options keep = {1, kept, NULL, NULL, NULL, NULL, NULL};
	assert_int_equal(qp_audit(&res, f->reg, &keep), QP_OK);
	qp_registry_free(f->reg);
	f->reg = NULL;

	char *path = tampered(f, "quiet.db",
			      "UPDATE access_records SET subject = '330681-H-0000009' WHERE id = 1;"
			      "DELETE FROM cosignatures; DELETE FROM checkpoints",
			      1);
	found p;
	assert_int_equal(audit_file(path, &res, &p), QP_OK); /* nothing in the file says otherwise */
	assert_int_equal(res.access_covered, 0);
	qp_registry *reg = NULL;
	assert_int_equal(qp_registry_open(&reg, path, QP_STORE_READONLY), QP_OK);
	memset(&p, 0, sizeof(p));
	qp_audit_options trust = {1, NULL, NULL, NULL, on_problem, &p, anchor};
	assert_int_equal(qp_audit(&res, reg, &trust), QP_EVERIFY);
	assert_true(named(&p, "the trusted checkpoint: it commits to another access record than the file's first 2 rows"));
	assert_int_equal(res.access, 1);
	qp_registry_free(reg);
	/* The incremental audit from the kept checkpoint: the same finding, and the kept state is left. */
	char since[4200];
	snprintf(since, sizeof(since), "%s/checkpoint", kept);
	unsigned char *before = tu_read(since, &len);
	assert_int_equal(qp_registry_open(&reg, path, QP_STORE_READONLY), QP_OK);
	memset(&p, 0, sizeof(p));
	qp_audit_options inc = {1, NULL, since, NULL, on_problem, &p, NULL};
	assert_int_equal(qp_audit(&res, reg, &inc), QP_EVERIFY);
	assert_true(named(&p, "the saved checkpoint: it commits to another access record"));
	qp_registry_free(reg);
	size_t after_len = 0;
	unsigned char *after = tu_read(since, &after_len);
	assert_int_equal(after_len, len);
	assert_memory_equal(after, before, len);
	free(before);
	free(after);
	free(path);
	free(anchor);
	free(kept);
}

/* A registry made before 0023: its rows are chained by the migration, as they would have been written. */
static void test_migration(void **state)
{
	tu_fixture *f = *state;
	record(f, "330681-H-0000001");
	record(f, "entry 4");
	unsigned char before[2][32];
	for (uint64_t i = 0; i < 2; i++)
		assert_int_equal(qp_store_access_chain_at(f->reg->store, i + 1, before[i]), QP_OK);
	qp_registry_free(f->reg);
	f->reg = NULL;
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(
		db,
		"CREATE TABLE old AS SELECT id, time, reader, role, request, subject FROM access_records;"
		"DROP TABLE access_records;"
		"CREATE TABLE access_records (id INTEGER PRIMARY KEY, time TEXT NOT NULL CHECK (length(time) "
		"= 20), reader TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('officer', 'auditor')), "
		"request TEXT NOT NULL, subject TEXT NOT NULL) STRICT;"
		"INSERT INTO access_records SELECT * FROM old; DROP TABLE old;"
		"CREATE INDEX access_records_subject ON access_records (subject, id);"
		"DELETE FROM qp_schema_migrations WHERE version >= 23; PRAGMA user_version = 22;",
		NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(qp_registry_open(&f->reg, f->db, 0), QP_OK);
	for (uint64_t i = 0; i < 2; i++) {
		unsigned char after[32];
		assert_int_equal(qp_store_access_chain_at(f->reg->store, i + 1, after), QP_OK);
		assert_memory_equal(after, before[i], 32);
	}
	/* The next row chains on. */
	record(f, "330681-H-0000002");
	qp_checkpoint cp;
	sign(f, &cp);
	assert_int_equal(cp.access_records, 3);
	qp_audit_result res;
	found p;
	assert_int_equal(audit_file(f->db, &res, &p), QP_OK);
	assert_int_equal(res.access_covered, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_answer),
	    cmocka_unit_test(test_checkpoint_line),
	    cmocka_unit_test_setup_teardown(test_recorded_and_committed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_subjects, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_insider, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_anchored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
