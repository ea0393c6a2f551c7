/*
 * test_store.c - creating, reopening and refusing registry files.
 *
 * Every refusal is checked two ways: the error code and message, and a
 * byte comparison of the file with a copy taken before the attempt.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <quanpiao/error.h>
#include <quanpiao/store.h>

#include "alloc.h"
#include "migrations.h"
#include "store_audit.h"
#include "store_internal.h"
#include "old_statusmap.h"
#include "testutil.h"

typedef struct fixture {
	char *dir;
	char *db;     /* registry path inside dir        */
	char *backup; /* copy taken before an attempt    */
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	f->dir = tu_mkdtemp();
	f->db = tu_path(f->dir, "registry.db");
	f->backup = tu_path(f->dir, "backup.db");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	qp_alloc_fail_at(0, 0);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f->backup);
	free(f);
	return 0;
}

static void create_registry(const char *path)
{
	qp_store *s = NULL;
	assert_int_equal(qp_store_open(&s, path, QP_STORE_CREATE), QP_OK);
	qp_store_free(s);
}

/* Run SQL directly on a file, as a tamperer or another program would. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Open must fail with code and leave the file byte for byte as it was. */
static void expect_refused(fixture *f, int code, const char *needle)
{
	qp_store *s = (qp_store *)0x1;
	tu_copy(f->db, f->backup);
	assert_int_equal(qp_store_open(&s, f->db, 0), code);
	assert_null(s);
	assert_error_contains(needle);
	assert_true(tu_same_file(f->db, f->backup));
	/* And with CREATE, which must not "repair" it either. */
	assert_int_equal(qp_store_open(&s, f->db, QP_STORE_CREATE), code);
	assert_true(tu_same_file(f->db, f->backup));
	assert_int_equal(qp_store_open(&s, f->db, QP_STORE_READONLY), code);
	assert_true(tu_same_file(f->db, f->backup));
}

static void test_create_fresh(void **state)
{
	fixture *f = *state;
	qp_store *s = NULL;
	assert_int_equal(qp_store_open(&s, f->db, QP_STORE_CREATE), QP_OK);
	assert_non_null(s);
	assert_int_equal(qp_store_schema_version(s), qp_store_latest_version());
	assert_true(qp_store_latest_version() >= 1);
	assert_string_equal(qp_store_path(s), f->db);
	qp_store_free(s);

	/* Only its owner reads it: it holds personal data (names, ID numbers). */
	struct stat sb;
	assert_int_equal(stat(f->db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(raw_int(f->db, "PRAGMA application_id"), QP_STORE_APPLICATION_ID);
	assert_int_equal(raw_int(f->db, "PRAGMA user_version"), qp_store_latest_version());
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM qp_schema_migrations"),
			 qp_store_latest_version());
	assert_int_equal(
	    raw_int(f->db, "SELECT count(*) FROM qp_schema_migrations WHERE length(sha256) = 64"),
	    qp_store_latest_version());
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'registry_meta'"),
			 1);
	/* WAL mode is persistent in the file header (bytes 18 and 19 are 2). */
	size_t len;
	unsigned char *h = tu_read(f->db, &len);
	assert_true(len >= 100);
	assert_int_equal(h[18], 2);
	assert_int_equal(h[19], 2);
	free(h);
}

/* The schema rows of a database file, as one text, in name order. */
static char *schema_text(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t len = 0, cap = 1 << 16;
	char *out = calloc(1, cap);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || ifnull(sql, '') "
			       "FROM sqlite_schema ORDER BY type, name",
			       -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(st, 0);
		size_t n = strlen(row);
		while (len + n + 2 > cap)
			out = realloc(out, cap *= 2);
		memcpy(out + len, row, n);
		len += n;
		out[len++] = '\n';
		out[len] = '\0';
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/*
 * A fresh registry is a copy of the migrations applied once per process:
 * its tables are those the migration files make when run one after
 * another on an empty database, the copy made again gives the same
 * file, and no temporary file is left beside it.
 */
static void test_fresh_is_the_migrations(void **state)
{
	fixture *f = *state;
	char *raw = tu_path(f->dir, "raw.db");
	char *again = tu_path(f->dir, "again.db");
	create_registry(f->db);
	qp_store_forget_image();
	create_registry(again);
	/* The migrations' text run by SQLite alone. */
	raw_exec(raw, "CREATE TABLE qp_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
		      " sha256 TEXT NOT NULL) STRICT");
	for (int i = 0; i < qp_migrations_count; i++) {
		raw_exec(raw, qp_migrations[i].sql);
		/* After 0016 the program moves the old map's rows to the pages and drops its tables. */
		if (qp_migrations[i].version == 16)
			raw_exec(raw, "DROP TABLE statusmap_nodes; DROP TABLE statusmap_history");
	}
	char *a = schema_text(f->db), *b = schema_text(again), *c = schema_text(raw);
	assert_non_null(strstr(a, "table certificates certificates CREATE TABLE"));
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	free(a);
	free(b);
	free(c);
	assert_int_equal(
	    raw_int(f->db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", f->db, (long)getpid());
	assert_false(tu_exists(tmp));
	free(raw);
	free(again);
}

static void test_reopen(void **state)
{
	fixture *f = *state;
	create_registry(f->db);
	int before = raw_int(f->db, "SELECT count(*) FROM qp_schema_migrations");
	qp_store *s = NULL;
	assert_int_equal(qp_store_open(&s, f->db, 0), QP_OK);
	assert_int_equal(qp_store_schema_version(s), qp_store_latest_version());
	qp_store_free(s);
	assert_int_equal(qp_store_open(&s, f->db, QP_STORE_READONLY), QP_OK);
	qp_store_free(s);
	assert_int_equal(qp_store_open(&s, f->db, QP_STORE_CREATE), QP_OK);
	qp_store_free(s);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM qp_schema_migrations"), before);
}

/*
 * A file from before migration 0015 (made here from a new one: its ledger
 * with the time each migration was applied, checkpoints with the time
 * they were signed, 0014 not yet applied) is brought up to date: 0014 is
 * recorded in the old ledger with its time, then 0015 removes both times,
 * and the later ones follow (0017's table and column are taken out first).
 */
static void test_upgrade_drops_unverified_times(void **state)
{
	fixture *f = *state;
	create_registry(f->db);
	raw_exec(f->db, OLD_STATUSMAP_SQL "DELETE FROM qp_schema_migrations WHERE version >= 16;");
	raw_exec(f->db,
		 "DROP INDEX households_updated;"
		 "ALTER TABLE households DROP COLUMN updated_idx;" UNDO_0017_SQL
		 "ALTER TABLE checkpoints ADD COLUMN signed_at TEXT NOT NULL DEFAULT '2026-01-01T00:00:00Z';"
		 "CREATE TABLE old_ledger (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
		 " sha256 TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT;"
		 "INSERT INTO old_ledger SELECT version, name, sha256, '2026-01-01T00:00:00Z'"
		 " FROM qp_schema_migrations WHERE version <= 13;"
		 "DROP TABLE qp_schema_migrations;"
		 "ALTER TABLE old_ledger RENAME TO qp_schema_migrations;"
		 "PRAGMA user_version = 13;");
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM pragma_table_info('qp_schema_migrations')"), 4);
	qp_store *s = NULL;
	assert_int_equal(qp_store_open(&s, f->db, 0), QP_OK);
	assert_int_equal(qp_store_schema_version(s), qp_store_latest_version());
	qp_store_free(s);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM qp_schema_migrations"), qp_store_latest_version());
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM pragma_table_info('qp_schema_migrations')"), 3);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM pragma_table_info('checkpoints') WHERE name = 'signed_at'"),
			 0);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM pragma_table_info('households') WHERE name = 'updated_idx'"),
			 1);
	/* Opened again: nothing more to do, the ledger as it is. */
	assert_int_equal(qp_store_open(&s, f->db, 0), QP_OK);
	qp_store_free(s);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM qp_schema_migrations"), qp_store_latest_version());
}

/* A second connection while the first is open: the header on disk must already say "registry". */
static void test_concurrent_open(void **state)
{
	fixture *f = *state;
	qp_store *a = NULL, *b = NULL, *c = NULL;
	assert_int_equal(qp_store_open(&a, f->db, QP_STORE_CREATE), QP_OK);
	assert_int_equal(qp_store_open(&b, f->db, 0), QP_OK);
	assert_int_equal(qp_store_open(&c, f->db, QP_STORE_READONLY), QP_OK);
	assert_int_equal(qp_store_schema_version(c), qp_store_latest_version());
	qp_store_free(c);
	qp_store_free(b);
	qp_store_free(a);
}

/* A read snapshot nested in another ends only with the outermost. */
static void test_nested_reads(void **state)
{
	fixture *f = *state;
	qp_store *s = NULL;
	assert_int_equal(qp_store_open(&s, f->db, QP_STORE_CREATE), QP_OK);
	assert_int_equal(qp_store_begin_read(s), QP_OK);
	assert_int_equal(qp_store_begin_read(s), QP_OK);
	qp_store_end_read(s);
	assert_false(sqlite3_get_autocommit(s->db));
	qp_store_end_read(s);
	assert_true(sqlite3_get_autocommit(s->db));
	qp_store_end_read(s); /* one too many: harmless */
	assert_true(sqlite3_get_autocommit(s->db));
	qp_store_free(s);
}

static void test_missing_file(void **state)
{
	fixture *f = *state;
	qp_store *s = (qp_store *)0x1;
	assert_int_equal(qp_store_open(&s, f->db, 0), QP_ENOTFOUND);
	assert_null(s);
	assert_error_contains("no such registry");
	assert_false(tu_exists(f->db));
	assert_int_equal(qp_store_open(&s, f->db, QP_STORE_READONLY), QP_ENOTFOUND);
	assert_false(tu_exists(f->db));
}

static void test_bad_arguments(void **state)
{
	fixture *f = *state;
	qp_store *s = NULL;
	assert_int_equal(qp_store_open(&s, NULL, 0), QP_EUSAGE);
	assert_int_equal(qp_store_open(&s, "", 0), QP_EUSAGE);
	assert_int_equal(qp_store_open(NULL, f->db, 0), QP_EUSAGE);
	assert_int_equal(qp_store_open(&s, f->db, QP_STORE_CREATE | QP_STORE_READONLY), QP_EUSAGE);
	assert_false(tu_exists(f->db));
	qp_store_free(NULL);
	assert_int_equal(qp_store_schema_version(NULL), 0);
	assert_null(qp_store_path(NULL));
}

static void test_checksum_mismatch(void **state)
{
	fixture *f = *state;
	create_registry(f->db);
	raw_exec(f->db,
		 "UPDATE qp_schema_migrations SET sha256 = "
		 "'0000000000000000000000000000000000000000000000000000000000000000' WHERE version = 1");
	expect_refused(f, QP_ECORRUPT, "checksum 0000000000000000");
	assert_error_contains("different build");
}

static void test_renamed_migration(void **state)
{
	fixture *f = *state;
	create_registry(f->db);
	raw_exec(f->db, "UPDATE qp_schema_migrations SET name = '0001_other' WHERE version = 1");
	expect_refused(f, QP_ECORRUPT, "applied as 0001_other");
}

static void test_newer_schema(void **state)
{
	fixture *f = *state;
	char sql[256];
	create_registry(f->db);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO qp_schema_migrations VALUES (%d, '9999_future', 'ab');"
		 "PRAGMA user_version = %d",
		 qp_store_latest_version() + 1, qp_store_latest_version() + 1);
	raw_exec(f->db, sql);
	expect_refused(f, QP_EVERSION, "newer than this program");
	assert_error_contains("9999_future");
}

static void test_gap_in_ledger(void **state)
{
	fixture *f = *state;
	create_registry(f->db);
	raw_exec(f->db, "DELETE FROM qp_schema_migrations WHERE version = 1");
	expect_refused(f, QP_ECORRUPT, "migration 2 recorded where 1 was expected");
}

static void test_no_ledger(void **state)
{
	fixture *f = *state;
	create_registry(f->db);
	raw_exec(f->db, "DROP TABLE qp_schema_migrations");
	expect_refused(f, QP_ECORRUPT, "no migration ledger");
}

static void test_not_a_registry_text(void **state)
{
	fixture *f = *state;
	const char *text = "票号,类型,持有人\nDP-2019-001,地票,张伟\n";
	tu_write(f->db, text, strlen(text));
	expect_refused(f, QP_ECORRUPT, "not a quanpiao registry (not an SQLite database)");
}

static void test_not_a_registry_other_database(void **state)
{
	fixture *f = *state;
	raw_exec(f->db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
	expect_refused(f, QP_ECORRUPT, "an SQLite database but not a quanpiao registry");
	assert_int_equal(raw_int(f->db, "SELECT x FROM t"), 1);
}

static void test_empty_file(void **state)
{
	fixture *f = *state;
	tu_write(f->db, "", 0);
	expect_refused(f, QP_ECORRUPT, "empty file");
}

static void test_directory(void **state)
{
	fixture *f = *state;
	qp_store *s = NULL;
	assert_int_equal(mkdir(f->db, 0700), 0);
	assert_int_equal(qp_store_open(&s, f->db, QP_STORE_CREATE), QP_ECORRUPT);
	assert_error_contains("not a regular file");
	rmdir(f->db);
}

static void test_unwritable_location(void **state)
{
	fixture *f = *state;
	qp_store *s = NULL;
	char *path = tu_path(f->dir, "no-such-dir/registry.db");
	assert_int_equal(qp_store_open(&s, path, QP_STORE_CREATE), QP_EIO);
	assert_null(s);
	assert_false(tu_exists(path));
	free(path);
}

/* Grow the registry past a few pages so that truncations cut real data. */
static void grow_registry(const char *path)
{
	raw_exec(path, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)"
		       " INSERT INTO registry_meta SELECT 'k' || i, printf('%.200c', 'v') FROM n;"
		       "PRAGMA wal_checkpoint(TRUNCATE)");
}

static void test_truncated(void **state)
{
	fixture *f = *state;
	create_registry(f->db);
	grow_registry(f->db);
	size_t len;
	unsigned char *data = tu_read(f->db, &len);
	assert_true(len >= 4 * 4096);

	/* Whole pages missing. */
	tu_write(f->db, data, len - 4096);
	expect_refused(f, QP_ECORRUPT, "truncated");
	/* Cut inside a page. */
	tu_write(f->db, data, len - 100);
	expect_refused(f, QP_ECORRUPT, "not a whole number");
	/* Cut inside the header. */
	tu_write(f->db, data, 50);
	expect_refused(f, QP_ECORRUPT, "not an SQLite database");
	free(data);
}

/*
 * A checkpoint killed after it wrote page 1 (with the new page count) but
 * before the pages that extend the file: the file is short, and every page
 * it lacks is in the WAL beside it.  That is a crash to recover from, not a
 * truncated registry.  The image is made by copying the file and its WAL
 * while a writer that never checkpoints holds them, then giving the copied
 * file's header more pages than it has.
 */
static void test_short_file_with_wal(void **state)
{
	fixture *f = *state;
	create_registry(f->db);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "PRAGMA wal_autocheckpoint = 0;"
				      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)"
				      " INSERT INTO registry_meta SELECT 'k' || i, printf('%.200c', 'v') FROM n",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	char *crash = tu_path(f->dir, "crash.db"), *wal = tu_path(f->dir, "registry.db-wal");
	char *crash_wal = tu_path(f->dir, "crash.db-wal");
	size_t len, wal_len;
	unsigned char *data = tu_read(f->db, &len), *frames = tu_read(wal, &wal_len);
	assert_true(wal_len > 32 + 4096);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	/* The header says three pages more than the file has. */
	uint32_t pages = (uint32_t)(len / 4096) + 3;
	data[28] = (unsigned char)(pages >> 24), data[29] = (unsigned char)(pages >> 16);
	data[30] = (unsigned char)(pages >> 8), data[31] = (unsigned char)pages;
	tu_write(crash, data, len);
	tu_write(crash_wal, frames, wal_len);

	qp_store *s = NULL;
	assert_int_equal(qp_store_open(&s, crash, 0), QP_OK);
	qp_store_free(s);
	assert_int_equal(raw_int(crash, "SELECT count(*) FROM registry_meta WHERE key LIKE 'k%'"), 200);

	/* Without its WAL (or with an empty one) the same file is truncated. */
	tu_write(crash, data, len);
	unlink(crash_wal);
	tu_write(crash_wal, frames, 0);
	qp_store *t = (qp_store *)0x1;
	assert_int_equal(qp_store_open(&t, crash, 0), QP_ECORRUPT);
	assert_error_contains("truncated");
	unlink(crash_wal);
	assert_int_equal(qp_store_open(&t, crash, 0), QP_ECORRUPT);
	assert_error_contains("truncated");
	free(data);
	free(frames);
	free(crash);
	free(wal);
	free(crash_wal);
}

static void test_damaged_pages(void **state)
{
	fixture *f = *state;
	create_registry(f->db);
	grow_registry(f->db);
	size_t len;
	unsigned char *data = tu_read(f->db, &len);
	/* Keep the header page, overwrite every other page with garbage. */
	for (size_t i = 4096; i < len; i++)
		data[i] = (unsigned char)(i * 131 + 7);
	tu_write(f->db, data, len);
	free(data);
	expect_refused(f, QP_ECORRUPT, "damaged");
}

static void test_alloc_failures(void **state)
{
	fixture *f = *state;
	/* Count the allocations of a successful create, then fail each in turn. */
	qp_store *s = NULL;
	qp_alloc_fail_at(0, 0);
	assert_int_equal(qp_store_open(&s, f->db, QP_STORE_CREATE), QP_OK);
	qp_store_free(s);
	unlink(f->db);
	unsigned long count = qp_alloc_fail_at(0, 0);
	assert_true(count >= 1);
	for (unsigned long n = 1; n <= count; n++) {
		qp_alloc_fail_at(n, 0);
		int rc = qp_store_open(&s, f->db, QP_STORE_CREATE);
		qp_alloc_fail_at(0, 0);
		assert_int_equal(rc, QP_ENOMEM);
		assert_null(s);
		assert_false(tu_exists(f->db));
	}
	create_registry(f->db);
	tu_copy(f->db, f->backup);
	for (unsigned long n = 1; n <= count; n++) {
		qp_alloc_fail_at(n, 0);
		int rc = qp_store_open(&s, f->db, 0);
		qp_alloc_fail_at(0, 0);
		assert_int_equal(rc, QP_ENOMEM);
		assert_true(tu_same_file(f->db, f->backup));
	}
}

/* A registry at path made lean as the audit's replay is. */
static void lean_registry(const char *path)
{
	qp_store *s = NULL;
	create_registry(path);
	assert_int_equal(qp_store_open(&s, path, 0), QP_OK);
	assert_int_equal(qp_store_replay_lean(s), QP_OK);
	qp_store_free(s);
}

/*
 * The audit's lean replay drops the indexes nothing reads during a replay
 * but keeps those the certificate invariants read after it: without
 * certificates_parent, the check of each live or spent certificate's
 * children scanned the whole table (minutes on a large import).
 */
static void test_replay_lean(void **state)
{
	fixture *f = *state;
	lean_registry(f->db);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'certificates_root'"), 0);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'certificates_parent'"), 1);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'certificates_home'"), 1);
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT 1 FROM certificates WHERE parent = ?1", -1,
					    &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *plan = (const char *)sqlite3_column_text(st, 3);
	if (plan == NULL || strstr(plan, "certificates_parent") == NULL)
		fail_msg("children of a certificate: %s", plan ? plan : "(no plan)");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/*
 * A large replay's pages are 16 KiB, after the lean replay's changes, which
 * the VACUUM keeps: its indexes as they were and its tables WITHOUT ROWID.
 */
static void test_replay_large_pages(void **state)
{
	fixture *f = *state;
	qp_store *s = NULL;
	create_registry(f->db);
	assert_int_equal(qp_store_open(&s, f->db, 0), QP_OK);
	assert_int_equal(qp_store_fast_writes(s), QP_OK);
	assert_int_equal(qp_store_replay_lean(s), QP_OK);
	assert_int_equal(qp_store_replay_large_pages(s), QP_OK);
	qp_store_free(s);
	assert_int_equal(raw_int(f->db, "PRAGMA page_size"), 16384);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'certificates_root'"), 0);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'certificates_parent'"), 1);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'certificates'"
					" AND sql LIKE '%WITHOUT ROWID'"),
			 1);
}

/*
 * The lean replay's CHECKs are the schema's, with IN lists written as ORs
 * (SQLite builds a temporary B-tree for an IN list each time a statement
 * checks it): each value outside its list is still refused, and an insert
 * into certificates opens no ephemeral table.
 */
static void test_replay_lean_checks(void **state)
{
	fixture *f = *state;
	lean_registry(f->db);
	assert_int_equal(raw_int(f->db,
				 "SELECT count(*) FROM sqlite_master WHERE name IN ('certificates', 'homes')"
				 " AND sql LIKE '% IN (%'"),
			 0);
	assert_int_equal(raw_int(f->db,
				 "SELECT count(*) FROM sqlite_master WHERE name = 'certificates'"
				 " AND sql LIKE '%(kind = ''guarantee'' OR kind = ''retention'' OR kind ="
				 " ''collective'')%' AND sql LIKE '%WITHOUT ROWID%'"),
			 1);
#define CERT_INSERT                                                                                            \
	"INSERT INTO certificates (id, kind, year, seq, holder, holder_type, "                                 \
	"area, basis, state, root, issued_on, created_idx, ended_by)"                                          \
	" VALUES ('c', %s, 2026, 1, 'h', %s, 100, 'legacy', %s, 'c', '2026-01-01', 0, %s)"
#define HOME_INSERT                                                                                            \
	"INSERT INTO homes (unit, parcel, village, township, household, land_area, status, added_idx,"          \
	" updated_idx, exit_path) VALUES ('330681001001JC00001F00010001', '330681001001JC00001',"               \
	" '330681101201', '330681101', 'h', 100, %s, 0, 0, %s)"
	const char *bad[][4] = {{"'bogus'", "'household'", "'live'", "NULL"},
				{"'guarantee'", "'bogus'", "'live'", "NULL"},
				{"'guarantee'", "'household'", "'bogus'", "NULL"},
				{"'guarantee'", "'household'", "'spent'", "'bogus'"},
				{"'Guarantee'", "'household'", "'live'", "NULL"}};
	char sql[1024];
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	sqlite3_exec(db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(sql, sizeof(sql), CERT_INSERT, bad[i][0], bad[i][1], bad[i][2], bad[i][3]);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_CONSTRAINT)
			fail_msg("accepted: %s", sql);
	}
	snprintf(sql, sizeof(sql), HOME_INSERT, "'bogus'", "NULL");
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
	snprintf(sql, sizeof(sql), HOME_INSERT, "'withdrawn'", "'idle'");
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
	snprintf(sql, sizeof(sql), CERT_INSERT, "'collective'", "'collective'", "'revoked'", "'revoke'");
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), HOME_INSERT, "'reclaimed'", "'withdrawn'");
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	/* No temporary B-tree for the checks. */
	snprintf(sql, sizeof(sql), "EXPLAIN ");
	snprintf(sql + 8, sizeof(sql) - 8, CERT_INSERT, "?1", "?2", "?3", "?4");
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(st, 1), "OpenEphemeral") == 0)
			fail_msg("an insert into certificates opens an ephemeral table");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_fresh, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fresh_is_the_migrations, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_upgrade_drops_unverified_times, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nested_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_checksum_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_renamed_migration, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newer_schema, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gap_in_ledger, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_ledger, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_registry_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_registry_other_database, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unwritable_location, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_short_file_with_wal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replay_lean, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replay_lean_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replay_large_pages, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
