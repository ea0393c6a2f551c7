/*
 * test_import.c - the legacy import: the value parsers, the CSV and JSON
 * Lines reader (quotes, line ends, encodings, chunk boundaries), every
 * class of bad value reported with its line, reruns that change nothing,
 * conflicts, dry runs, all-or-nothing, the same log whatever the column
 * order or encoding, warnings, and an import that fails at each of its
 * allocations in turn and is then run again, ending exactly once.
 *
 * The clock is fixed, Ed25519 signatures are deterministic, and the salts
 * of household.add's commitments come from a generator the tests restart
 * before each import (libsodium's randombytes replaced, for this program
 * only), so two imports of the same rows build byte-identical logs: tests
 * compare Merkle roots.
 *
 * No holder's ID number or name may reach the log: a test imports every
 * test file and looks for each in every note, in every encoding the
 * registry uses.
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>
#include <sqlite3.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LSAN_PAUSE()  __lsan_disable()
#define LSAN_RESUME() __lsan_enable()
#else
#define LSAN_PAUSE()  ((void)0)
#define LSAN_RESUME() ((void)0)
#endif

#include "alloc.h"
#include "clock.h"
#include "import_internal.h"
#include "quanpiao/quanpiao.h"
#include "testutil.h"

#define ORIGIN "zhuji.example/quanpiao"
#define T0     1795000000 /* 2026-11-18 */
#define HEADER "票号,类型,持有人,证件号码,村代码,不动产单元号,面积,发证日期,有效期至,状态,备注,原档案号\n"

typedef struct fx {
	char *dir, *db, *base;
	qp_key *authority, *officer;
	qp_registry *reg;
	/* Problems reported by the last import, one line each: "line|column|reason". */
	char problems[16384];
	size_t nproblems, nwarnings;
} fx;

/*
 * The salts' generator: ChaCha20 keyed by a counter that each import
 * starts again at 0 (salt_restart), so that the same rows get the same
 * salts whatever happened before.  Never outside the tests.
 */
static uint64_t salt_counter;

static void salt_restart(void)
{
	salt_counter = 0;
}

static void salt_buf(void *const buf, const size_t size)
{
	unsigned char key[crypto_stream_chacha20_KEYBYTES] = {0},
		      nonce[crypto_stream_chacha20_NONCEBYTES] = {0};
	memcpy(key, &salt_counter, sizeof(salt_counter));
	salt_counter++;
	crypto_stream_chacha20(buf, size, nonce, key);
}

static uint32_t salt_random(void)
{
	uint32_t v;
	salt_buf(&v, sizeof(v));
	return v;
}

static const char *salt_name(void)
{
	return "test_import";
}

static randombytes_implementation salt_generator = {salt_name, salt_random, NULL, NULL, salt_buf, NULL};

static void ok(fx *f, const char *type, const char *body)
{
	if (qp_registry_submit(f->reg, f->officer, type, body, NULL) != QP_OK)
		fail_msg("%s %s: %s", type, body, qp_error_last()->message);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_true(sodium_init() >= 0);
	qp_clock_set(T0);
	f->dir = tu_mkdtemp();
	f->db = tu_path(f->dir, "registry.db");
	f->base = tu_path(f->dir, "base.db");
	f->authority = tu_seeded_key("330681.authority", 1);
	f->officer = tu_seeded_key("330681.officer.li", 3);
	qp_key *log = tu_seeded_key(ORIGIN, 2);
	f->reg = tu_registry_create(f->db, ORIGIN, f->authority, log);
	qp_key_free(log);
	tu_enroll(f->reg, f->authority, f->officer, "officer");
	ok(f, "village.add", "{\"code\":\"330681101201\",\"name\":\"东白湖村\"}");
	ok(f, "village.add", "{\"code\":\"330681101202\",\"name\":\"斯宅村\"}");
	ok(f, "village.add", "{\"code\":\"330681102201\",\"name\":\"枫桥村\"}");
	/* A copy of this state, for tests that start again from it. */
	qp_registry_free(f->reg);
	tu_copy(f->db, f->base);
	assert_int_equal(qp_registry_open(&f->reg, f->db, 0), QP_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	qp_registry_free(f->reg);
	qp_key_free(f->authority);
	qp_key_free(f->officer);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f->base);
	free(f);
	qp_clock_set(0);
	return 0;
}

/* Start again from the registry as setup left it. */
static void reset(fx *f)
{
	qp_registry_free(f->reg);
	char *wal = tu_path(f->dir, "registry.db-wal"), *shm = tu_path(f->dir, "registry.db-shm");
	remove(wal);
	remove(shm);
	free(wal);
	free(shm);
	tu_copy(f->base, f->db);
	assert_int_equal(qp_registry_open(&f->reg, f->db, 0), QP_OK);
}

static int collect(void *ctx, const qp_import_problem *p)
{
	fx *f = ctx;
	size_t used = strlen(f->problems);
	snprintf(f->problems + used, sizeof(f->problems) - used, "%llu|%s|%s\n", (unsigned long long)p->line,
		 p->column, p->reason);
	if (p->warning)
		f->nwarnings++;
	else
		f->nproblems++;
	return QP_OK;
}

static int run_opts(fx *f, const char *path, qp_import_stats *s, qp_import_format format, unsigned flags,
		    const char *mapping)
{
	qp_import_options opt = {format, QP_IMPORT_AUTO, flags, mapping, 0, collect, NULL, f};
	f->problems[0] = '\0';
	f->nproblems = f->nwarnings = 0;
	salt_restart();
	return qp_import(s, f->reg, f->officer, path, &opt);
}

static int run(fx *f, const char *path, qp_import_stats *s)
{
	return run_opts(f, path, s, QP_IMPORT_CSV, 0, NULL);
}

/* Import a CSV file rows_per_batch rows a batch (0: the default). */
static int run_batched(fx *f, const char *path, qp_import_stats *s, size_t rows_per_batch)
{
	qp_import_options opt = {QP_IMPORT_CSV, QP_IMPORT_AUTO, 0, NULL, rows_per_batch, collect, NULL, f};
	f->problems[0] = '\0';
	f->nproblems = f->nwarnings = 0;
	salt_restart();
	return qp_import(s, f->reg, f->officer, path, &opt);
}

/* Write text to a file in the scratch directory; returns its path (free it). */
static char *file(fx *f, const char *name, const char *text)
{
	char *p = tu_path(f->dir, name);
	tu_write(p, text, strlen(text));
	return p;
}

static char *data(const char *name)
{
	const char *dir = getenv("QP_TEST_DATA");
	assert_non_null(dir);
	size_t n = strlen(dir) + strlen(name) + 16;
	char *p = malloc(n);
	snprintf(p, n, "%s/import/%s", dir, name);
	return p;
}

static void root_of(fx *f, unsigned char root[32])
{
	uint64_t size;
	assert_int_equal(qp_log_size(&size, f->reg), QP_OK);
	assert_int_equal(qp_log_root(root, f->reg, size), QP_OK);
}

static uint64_t log_size(fx *f)
{
	uint64_t size;
	assert_int_equal(qp_log_size(&size, f->reg), QP_OK);
	return size;
}

/*
 * What the import wrote is what the registry's notes say: the audit
 * replays every note and finds the live tables, tree and leaves equal;
 * and nothing refers to a missing row (the import writes with SQLite's
 * foreign-key checks off, so this is checked here).
 */
static void assert_consistent(fx *f)
{
	qp_audit_result res;
	qp_audit_options opt = {.jobs = 1};
	int rc = qp_audit(&res, f->reg, &opt);
	if (rc != QP_OK || res.problems != 0)
		fail_msg("audit: %d (%s), %llu problems", rc, qp_error_last()->message,
			 (unsigned long long)res.problems);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL), SQLITE_OK);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		fail_msg("table %s row %lld refers to a missing row of %s", sqlite3_column_text(st, 0),
			 (long long)sqlite3_column_int64(st, 1), sqlite3_column_text(st, 2));
	assert_int_equal(step, SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void assert_problem(fx *f, const char *needle)
{
	if (strstr(f->problems, needle) == NULL) {
		/* cmocka cuts long messages: the list goes to stderr whole. */
		fprintf(stderr, "problems:\n%s", f->problems);
		fail_msg("no problem \"%s\"", needle);
	}
}

/* ---- values ------------------------------------------------------------------------------ */

static void test_dates(void **state)
{
	static const struct {
		const char *in, *out;
	} good[] = {
	    {"2019-03-05", "2019-03-05"},
	    {"2019/3/5", "2019-03-05"},
	    {"2019年3月5日", "2019-03-05"},
	    {" 2019.03.05 ", "2019-03-05"},
	    {"２０１９－３－５", "2019-03-05"},
	    {"2024/2/29", "2024-02-29"},
	    {"\xe3\x80\x80"
	     "2019-12-31",
	     "2019-12-31"},
	};
	static const char *const bad[] = {"",		"2019-3",     "2019/3-5",   "19-03-05",
					  "2019-02-29", "2019-13-01", "2019年3月5", "2019-03-05x",
					  "1899-12-31", "3000-01-01", "2019 03 05", "2019-003-05"};
	char out[11];
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (qp_import_parse_date(out, good[i].in) != QP_OK)
			fail_msg("%s: %s", good[i].in, qp_error_last()->message);
		assert_string_equal(out, good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (qp_import_parse_date(out, bad[i]) != QP_EINVALID)
			fail_msg("\"%s\" was taken for a date", bad[i]);
	assert_int_equal(qp_import_parse_date(out, "2019-02-30"), QP_EINVALID);
	assert_error_contains("2019-02-30 is not a date in the calendar");
	assert_int_equal(qp_import_parse_date(out, "March 5"), QP_EINVALID);
	assert_error_contains("write 2019-03-05, 2019/3/5 or 2019年3月5日");
}

static void test_areas(void **state)
{
	static const struct {
		const char *in;
		int64_t out;
	} good[] = {
	    {"120.50", 12050},
	    {"120.5", 12050},
	    {"7", 700},
	    {"0.01", 1},
	    {"80㎡", 8000},
	    {"80 ㎡", 8000},
	    {"200.00平方米", 20000},
	    {"１２０．５", 12050},
	    {"99m²", 9900},
	    {"99 m2", 9900},
	    {"100000", 10000000},
	};
	static const struct {
		const char *in, *why;
	} bad[] = {
	    {"-12.5", "is negative"},
	    {"12.345", "more than 2 decimals"},
	    {"0", "is zero"},
	    {"0.00", "is zero"},
	    {"100000.01", "more than 100000.00"},
	    {"1e3", "is not an area"},
	    {"1,200", "is not an area"},
	    {"12.", "is not an area"},
	    {".5", "is not an area"},
	    {"+5", "is not an area"},
	    {"一百", "is not an area"},
	    {"", "is empty"},
	    {"㎡", "is empty"},
	    {"1200000000", "more than 100000.00"},
	};
	int64_t v;
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (qp_import_parse_area(&v, good[i].in) != QP_OK)
			fail_msg("%s: %s", good[i].in, qp_error_last()->message);
		assert_int_equal(v, good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (qp_import_parse_area(&v, bad[i].in) != QP_EINVALID)
			fail_msg("\"%s\" was taken for an area", bad[i].in);
		assert_error_contains(bad[i].why);
	}
}

static void test_trim_fold(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(qp_import_trim(out, sizeof(out),
					" \t\xe3\x80\x80"
					"王 大明\xc2\xa0\r\n"),
			 QP_OK);
	assert_string_equal(out, "王 大明");
	assert_int_equal(qp_import_trim(out, sizeof(out),
					"\xef\xbb\xbf"
					"a"),
			 QP_OK);
	assert_string_equal(out, "a");
	assert_int_equal(qp_import_trim(out, 3, "abcd"), QP_EINVALID);
	char s[] = "ＤＰ－２０１９ａ（１）\xe3\x80\x80x";
	qp_import_fold_width(s);
	assert_string_equal(s, "DP-2019a(1) x");
}

/* ---- the reader -------------------------------------------------------------------------- */

/* Read every record of path into one text: "line:field|field|...\n", malformed as "line:!why". */
static void records(fx *f, const char *path, qp_import_format format, qp_import_encoding enc, char *out,
		    size_t len)
{
	qp_import_reader *r = NULL;
	const qp_import_record *rec;
	size_t used = 0;
	(void)f;
	out[0] = '\0';
	assert_int_equal(qp_import_reader_open(&r, path, format, enc), QP_OK);
	while (qp_import_reader_next(r, &rec) == QP_OK && rec) {
		used += (size_t)snprintf(out + used, len - used, "%llu:", (unsigned long long)rec->line);
		if (rec->malformed)
			used += (size_t)snprintf(out + used, len - used, "!%s", rec->malformed);
		for (size_t i = 0; i < rec->nfields && !rec->malformed; i++)
			used += (size_t)snprintf(out + used, len - used, "%s%s%s%s", i ? "|" : "",
						 rec->names ? rec->names[i] : "", rec->names ? "=" : "",
						 rec->values[i]);
		used += (size_t)snprintf(out + used, len - used, "\n");
		assert_true(used < len);
	}
	qp_import_reader_free(r);
}

static void test_csv(void **state)
{
	fx *f = *state;
	char out[4096];
	char *p = file(f, "a.csv",
		       "\xef\xbb\xbf"
		       "a,b,c\r\n"
		       "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
		       "\r\n"
		       "2,\"two\r\nlines\",\"\"\n"
		       "3,bare\"quote,\rlone CR\r"
		       "4,,\n"
		       ",,\n"
		       "5,last,no newline");
	records(f, p, QP_IMPORT_CSV, QP_IMPORT_AUTO, out, sizeof(out));
	assert_string_equal(out, "1:a|b|c\n"
				 "2:1|x, y|say \"hi\"\n"
				 "4:2|two\nlines|\n"
				 "6:3|bare\"quote|\n"
				 "7:lone CR\n"
				 "8:4||\n"
				 "9:||\n"
				 "10:5|last|no newline\n");
	free(p);
	p = file(f, "b.csv", "a,b\n\"x\"y,z\n\"open,\nmore\n");
	records(f, p, QP_IMPORT_CSV, QP_IMPORT_AUTO, out, sizeof(out));
	assert_string_equal(out,
			    "1:a|b\n"
			    "2:!text after the closing quote of column 1\n"
			    "3:!a quoted field opened on line 3 is not closed before the end of the file, so the rest "
			    "of the file was read as this one row; close the quote (a quote inside a field is "
			    "written twice: \"\")\n");
	free(p);
	/* A row of 300 columns, and one over 1 MiB: malformed, and the reader goes on. */
	size_t big = QP_IMPORT_MAX_RECORD + 100;
	char *text = malloc(big + 1024);
	size_t n = 0;
	for (int i = 0; i < 300; i++)
		text[n++] = ',';
	text[n++] = '\n';
	memset(text + n, 'x', big);
	n += big;
	memcpy(text + n, "\nok,1\n", 7);
	p = file(f, "c.csv", text);
	records(f, p, QP_IMPORT_CSV, QP_IMPORT_AUTO, out, sizeof(out));
	assert_string_equal(out, "1:!the row has more than 256 columns\n"
				 "2:!the row is longer than 1048576 bytes\n"
				 "3:ok|1\n");
	free(text);
	free(p);
}

static void test_jsonl(void **state)
{
	fx *f = *state;
	char out[4096];
	char *p = file(f, "a.jsonl",
		       "{\"a\":\"x\",\"n\":45.5,\"i\":3,\"z\":null,\"t\":true}\r\n"
		       "\n"
		       "  \n"
		       "[1,2]\n"
		       "{\"a\":{\"b\":1}}\n"
		       "{not json\n"
		       "{\"big\":12345678901234567890}");
	records(f, p, QP_IMPORT_JSONL, QP_IMPORT_AUTO, out, sizeof(out));
	assert_string_equal(out, "1:a=x|n=45.5|i=3|z=|t=true\n"
				 "4:!the line is not a JSON object\n"
				 "5:!member \"a\" must be text or a number\n"
				 "6:!the line is not valid JSON\n"
				 "7:big=1.23456789012346e+19\n");
	free(p);
}

/* text in GB18030 (via iconv(3)); returns malloc'd bytes and their length. */
static char *to_gb18030(const char *text, size_t *len)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	assert_true(cd != (iconv_t)-1);
	size_t in_left = strlen(text), out_cap = in_left * 2 + 16, out_left = out_cap;
	char *out = malloc(out_cap), *in = (char *)(uintptr_t)text, *o = out;
	assert_true(iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1);
	iconv_close(cd);
	*len = out_cap - out_left;
	return out;
}

/* The reader refuses the file at once, with this message. */
static void refused_encoding(const char *path, qp_import_encoding enc, const char *message)
{
	qp_import_reader *r = NULL;
	assert_int_equal(qp_import_reader_open(&r, path, QP_IMPORT_CSV, enc), QP_EINVALID);
	assert_null(r);
	assert_error_contains(message);
}

static void test_encodings(void **state)
{
	fx *f = *state;
	/* Long enough that 64 KiB chunks end inside characters, in both encodings. */
	size_t cap = 400000, n = 0;
	char *text = malloc(cap), *expect = malloc(cap * 2), *got = malloc(cap * 2);
	size_t en = 0;
	n += (size_t)snprintf(text + n, cap - n, "名,值\n");
	en += (size_t)snprintf(expect + en, cap * 2 - en, "1:名|值\n");
	for (int i = 0; n < cap - 200; i++) {
		n += (size_t)snprintf(text + n, cap - n, "王%d诸暨市宅基地𠀀,\"备注：%d\"\n", i, i);
		en += (size_t)snprintf(expect + en, cap * 2 - en, "%d:王%d诸暨市宅基地𠀀|备注：%d\n", i + 2,
				       i, i);
	}
	char *p = file(f, "u.csv", text);
	records(f, p, QP_IMPORT_CSV, QP_IMPORT_AUTO, got, cap * 2);
	assert_string_equal(got, expect);
	records(f, p, QP_IMPORT_CSV, QP_IMPORT_UTF8, got, cap * 2);
	assert_string_equal(got, expect);
	free(p);

	size_t gl;
	char *gb = to_gb18030(text, &gl), *gp = tu_path(f->dir, "g.csv");
	tu_write(gp, gb, gl);
	records(f, gp, QP_IMPORT_CSV, QP_IMPORT_AUTO, got, cap * 2);
	assert_string_equal(got, expect);
	records(f, gp, QP_IMPORT_CSV, QP_IMPORT_GB18030, got, cap * 2);
	assert_string_equal(got, expect);
	/* Read as UTF-8, GB18030 is refused before a record is read, naming where. */
	refused_encoding(gp, QP_IMPORT_UTF8, "line 1, byte offset 0: not UTF-8 (--encoding utf-8)");
	free(gp);
	free(gb);

	/* A bad byte in GB18030, a cut-short sequence at the very end: refused, naming the first. */
	p = file(f, "bad.csv", "a,b\n\xff\xd6\xee,x\n\xd6");
	refused_encoding(p, QP_IMPORT_GB18030, "line 2, byte offset 4: not GB18030 (--encoding gb18030)");
	refused_encoding(
	    p, QP_IMPORT_AUTO,
	    "line 2, byte offset 4: neither UTF-8 nor GB18030 (not UTF-8 from line 2, byte offset 4)");
	free(p);
	p = file(f, "cut.csv", "a,b\n\xd6\xee,x\r\n\xd6");
	refused_encoding(p, QP_IMPORT_GB18030, "line 3, byte offset 10: not GB18030");
	free(p);
	/* Mostly UTF-8, one line of GB18030 (张伟): mixed, refused, though it decodes as GB18030. */
	p = file(f, "mixed.csv", "名,值\r\n王大明,李小红\r\n\xd5\xc5\xce\xb0,x\r\n赵六,y\n");
	refused_encoding(p, QP_IMPORT_AUTO,
			 "line 3, byte offset 30: not UTF-8, though 3 line(s) of the file are: the file "
			 "mixes encodings");
	/* Nor is it GB18030 throughout, whatever --encoding says. */
	refused_encoding(p, QP_IMPORT_GB18030, "not GB18030 (--encoding gb18030)");
	refused_encoding(p, QP_IMPORT_UTF8, "line 3, byte offset 30: not UTF-8 (--encoding utf-8)");
	free(p);
	free(text);
	free(expect);
	free(got);
}

/* ---- importing ---------------------------------------------------------------------------------- */

static void test_good(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	char *p = data("good.csv");
	uint64_t before = log_size(f);
	assert_int_equal(run(f, p, &s), QP_OK);
	assert_string_equal(f->problems, "");
	assert_int_equal(s.read, 5);
	assert_int_equal(s.imported, 5);
	assert_int_equal(s.valid, 5);
	assert_int_equal(s.present, 0);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.entries, 22);
	assert_int_equal(log_size(f), before + 22);
	assert_true(s.committed);

	qp_cert *list = NULL;
	size_t n = 0;
	qp_cert_filter all = {NULL, -1, -1, NULL, NULL, 0};
	assert_int_equal(qp_certs_list(&list, &n, f->reg, &all), QP_OK);
	assert_int_equal(n, 5);
	char got[2048] = "";
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(got);
		snprintf(got + used, sizeof(got) - used, "%s %s %s %s %lld %s %s\n", list[i].legacy_no,
			 list[i].id, qp_cert_kind_name(list[i].kind), qp_cert_state_name(list[i].state),
			 (long long)list[i].area, list[i].holder, list[i].valid_until);
	}
	qp_certs_free(list, n);
	/* Households are held by their registry numbers, given in the order the rows added them. */
	assert_string_equal(
	    got, "DP-2020-003 330681-2026-C-000001 collective revoked 20000 330681101202 \n"
		 "DP-2020-004 330681-2026-C-000002 collective live 6050 330681101201 \n"
		 "DP-2019-001 330681-2026-G-000001 guarantee live 12050 330681-H-0000001 \n"
		 "DP-2021-005 330681-2026-G-000002 guarantee spent 10000 330681-H-0000004 \n"
		 "DP-2019-002 330681-2026-R-000001 retention spent 8000 330681-H-0000002 2099-12-31\n");
	qp_home h;
	assert_int_equal(qp_home_get(&h, f->reg, "330681101201JC00001F00010001"), QP_OK);
	assert_int_equal(h.status, QP_HOME_RECLAIMED);
	assert_int_equal(h.land_area, 12050);
	qp_household hh;
	assert_int_equal(qp_household_get(&hh, f->reg, "330681197001010024"), QP_OK);
	assert_string_equal(hh.number, "330681-H-0000002");
	assert_string_equal(hh.id_number, "330681197001010024");
	assert_string_equal(hh.name, "李小红");
	assert_int_equal(hh.members, 1);
	qp_household_clear(&hh);
	/* The home of a household the import added names it by number. */
	assert_int_equal(qp_home_get(&h, f->reg, "330681101201JC00002F00010001"), QP_OK);
	assert_string_equal(h.household, "330681-H-0000002");
	assert_int_equal(qp_certs_check_invariants(f->reg), QP_OK);
	assert_consistent(f);

	/* A rerun: nothing new, every row present, the log as it was. */
	unsigned char a[32], b[32];
	root_of(f, a);
	assert_int_equal(run(f, p, &s), QP_OK);
	assert_string_equal(f->problems, "");
	assert_int_equal(s.read, 5);
	assert_int_equal(s.imported, 0);
	assert_int_equal(s.present, 5);
	assert_int_equal(s.entries, 0);
	assert_false(s.committed);
	root_of(f, b);
	assert_memory_equal(a, b, 32);
	free(p);
}

/*
 * bad.csv with rows_per_batch: by default a row refused part-way is undone
 * by applying its batch again; with a batch of one row there is nothing to
 * apply again; above QP_IMPORT_UNDO_ROWS each row has its own savepoint.
 */
static void bad_file(fx *f, size_t rows_per_batch)
{
	qp_import_stats s;
	char *p = data("bad.csv");
	uint64_t before = log_size(f);
	assert_int_equal(run_batched(f, p, &s, rows_per_batch), QP_OK);
	assert_int_equal(s.read, 16);
	/*
	 * Line 17 is refused by the rules after its household and home were
	 * appended; in a batch that is undone by rolling the batch back and
	 * applying its rows before line 17 again: line 11's entries are there,
	 * once, and nothing else.
	 */
	assert_int_equal(log_size(f), before + s.entries);
	qp_home kept;
	assert_int_equal(qp_home_get(&kept, f->reg, "330681101201JC00110F00010001"), QP_OK);
	assert_int_equal(s.imported, 1);
	assert_int_equal(s.rejected, 15);
	assert_int_equal(f->nproblems, 15); /* line 16 is malformed: one problem, not one per column */
	assert_problem(f, "2|证件号码|check character is '9', expected '8'\n");
	assert_problem(f, "3|不动产单元号|character 13 ('X') is not a parcel type letter (one of GJZ)\n");
	assert_problem(f, "4|村代码|unknown village 330681101299 (add it with village add)\n");
	assert_problem(f, "5|发证日期|2019-02-30 is not a date in the calendar\n");
	assert_problem(f, "6|面积|is negative; an area is more than 0 m²\n");
	assert_problem(f, "7|面积|has more than 2 decimals (hundredths of m²)\n");
	assert_problem(f, "8|面积|is not an area in m²");
	assert_problem(f, "9|类型|unknown type; the mapping knows 宅基地退出, 危旧房权益保全, 地票, 复垦");
	assert_problem(f, "10|状态|unknown status; the mapping knows 有效, 已使用, 已注销");
	assert_problem(f, "12|票号|duplicate: line 11 has the same legacy number\n");
	assert_problem(f, "13|有效期至|the ticket expired on 2020-01-01");
	assert_problem(f, "14|发证日期|is in the future (today is 2026-11-18)\n");
	assert_problem(f, "15|持有人|is empty\n");
	assert_problem(f, "16||text after the closing quote of column 7\n");
	assert_problem(
	    f, "17|面积|cert.issue: 200.00 m² is over the policy's 160.00 m² per guarantee certificate\n");
	/*
	 * Line 11's household, applied again after line 17 was undone, kept its
	 * personal data beside the log: found by its head's ID number.
	 */
	qp_household hh;
	assert_int_equal(qp_household_get(&hh, f->reg, "330681197006060071"), QP_OK);
	assert_string_equal(hh.name, "钱十");
	qp_household_clear(&hh);
	/* The refused row's household and home went with its certificate. */
	assert_int_equal(qp_household_get(&hh, f->reg, "330681199011110060"), QP_ENOTFOUND);
	qp_home h;
	assert_int_equal(qp_home_get(&h, f->reg, "330681101201JC00115F00010001"), QP_ENOTFOUND);
	assert_int_equal(qp_certs_check_invariants(f->reg), QP_OK);
	assert_consistent(f);
	free(p);
}

static void test_bad(void **state)
{
	fx *f = *state;
	bad_file(f, 0);
	reset(f);
	bad_file(f, 1);
	reset(f);
	bad_file(f, 20000);
}

/*
 * ROWS good rows, and a row the rules refuse part-way (its household and
 * home applied, its 200 m² over the policy's cap) at each of REFUSED:
 * several windows of rows (QP_IMPORT_WINDOW entries), refusals inside
 * them, imported by batch (the window's rows kept and the batch applied
 * again), a row a batch, and a savepoint a row.
 */
#define WINDOW_ROWS 200
static const unsigned window_refused[] = {5, 70, 71, 150, 199};

static char *window_file(fx *f)
{
	size_t cap = 64 + (WINDOW_ROWS + 8) * 256, used = 0;
	char *text = malloc(cap);
	used += (size_t)snprintf(text, cap, "%s", HEADER);
	for (unsigned i = 0; i < WINDOW_ROWS; i++) {
		int refused = 0;
		for (size_t k = 0; k < sizeof(window_refused) / sizeof(window_refused[0]); k++)
			refused |= window_refused[k] == i;
		char id[QP_RESIDENT_ID_LEN + 1];
		snprintf(id, sizeof(id), "3306811985%02u%02u%03u", 1 + i / 28 % 12, 1 + i % 28, 100 + i);
		id[17] = qp_ids_resident_check_char(id);
		id[18] = '\0';
		/* Every third ticket was used in the legacy system: a row of more entries. */
		used +=
		    (size_t)snprintf(text + used, cap - used,
				     "W-%u,宅基地退出,户主%u,%s,330681101201,330681101201JC%05uF00010001,%s,"
				     "2019-03-05,,%s,,\n",
				     i, i, id, 200 + i, refused ? "200" : "100", i % 3 ? "有效" : "已使用");
	}
	char *p = file(f, "window.csv", text);
	free(text);
	return p;
}

static void window_import(fx *f, char *p, size_t rows_per_batch)
{
	qp_import_stats s;
	const size_t nrefused = sizeof(window_refused) / sizeof(window_refused[0]);
	uint64_t before = log_size(f);
	assert_int_equal(run_batched(f, p, &s, rows_per_batch), QP_OK);
	assert_int_equal(s.read, WINDOW_ROWS);
	assert_int_equal(s.imported, WINDOW_ROWS - nrefused);
	assert_int_equal(s.rejected, nrefused);
	assert_int_equal(f->nproblems, nrefused);
	for (size_t k = 0; k < nrefused; k++) {
		char want[128];
		snprintf(want, sizeof(want), "%u|面积|cert.issue: 200.00 m² is over", window_refused[k] + 2);
		assert_problem(f, want);
	}
	/* No gap, nothing of a refused row: every entry imported is in the log, once. */
	uint64_t size = log_size(f);
	assert_int_equal(size, before + s.entries);
	assert_true(s.entries > 3 * QP_IMPORT_WINDOW);
	/*
	 * Each entry names a state at most a window back (docs/format.md); the
	 * rows of a window name one state, so there are fewer states than rows
	 * (one a row without windows).
	 */
	uint64_t states = 0, last = UINT64_MAX;
	for (uint64_t i = before; i < size; i++) {
		char *note = NULL;
		size_t len = 0;
		qp_entry *e = NULL;
		assert_int_equal(qp_log_entry(&note, &len, f->reg, i), QP_OK);
		assert_int_equal(qp_entry_parse(&e, note, len), QP_OK);
		assert_true(e->log.size <= i && i - e->log.size < QP_SIGNER_MAX);
		assert_true(e->log.size >= before);
		states += e->log.size != last;
		last = e->log.size;
		qp_entry_free(e);
		free(note);
	}
	assert_true(states < s.imported / 2);
	/* The refused rows' households went with their certificates; the others are there. */
	for (unsigned i = 0; i < WINDOW_ROWS; i++) {
		int refused = 0;
		for (size_t k = 0; k < nrefused; k++)
			refused |= window_refused[k] == i;
		char unit[29];
		qp_home h;
		snprintf(unit, sizeof(unit), "330681101201JC%05uF00010001", 200 + i);
		assert_int_equal(qp_home_get(&h, f->reg, unit), refused ? QP_ENOTFOUND : QP_OK);
	}
	assert_int_equal(qp_certs_check_invariants(f->reg), QP_OK);
	assert_consistent(f);
	/* A rerun finds every good row present and writes nothing. */
	assert_int_equal(run_batched(f, p, &s, rows_per_batch), QP_OK);
	assert_int_equal(s.present, WINDOW_ROWS - nrefused);
	assert_int_equal(s.imported, 0);
	assert_int_equal(log_size(f), size);
}

static void test_windows(void **state)
{
	fx *f = *state;
	char *p = window_file(f);
	window_import(f, p, 0);
	reset(f);
	window_import(f, p, 7);
	reset(f);
	window_import(f, p, 20000);
	free(p);
}

static void test_conflict(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	char *good = data("good.csv"), *conflict = data("conflict.csv");
	assert_int_equal(run(f, good, &s), QP_OK);
	uint64_t size = log_size(f);
	assert_int_equal(run(f, conflict, &s), QP_OK);
	assert_int_equal(s.present, 1);
	assert_int_equal(s.rejected, 1);
	assert_string_equal(f->problems, "2|面积|conflict: legacy number DP-2019-001 is in the registry as "
					 "330681-2026-G-000001 (entry 10) with 面积 120.50\n");
	assert_int_equal(log_size(f), size);

	/* An unknown column added, one changed: both named. */
	char *p = file(f, "c2.csv",
		       HEADER "DP-2019-001,宅基地退出,王大明,330681196503120018,330681101201,"
			      "330681101201JC00001F00010001,120.50,2019-03-05,,有效,新备注,ZJ-9999\n");
	assert_int_equal(run(f, p, &s), QP_OK);
	assert_string_equal(f->problems,
			    "2|原档案号|conflict: legacy number DP-2019-001 is in the registry as "
			    "330681-2026-G-000001 (entry 10) with 原档案号 ZJ-0001\n"
			    "2|备注|conflict: legacy number DP-2019-001 is in the registry as "
			    "330681-2026-G-000001 (entry 10) with 备注 (none)\n");
	/* The same record under another mapping is a certificate of another kind. */
	assert_int_equal(run_opts(f, good, &s, QP_IMPORT_CSV, 0, "{\"types\":{\"地票\":\"guarantee\"}}"),
			 QP_OK);
	assert_int_equal(s.present, 4);
	assert_problem(
	    f, "4|类型|conflict: legacy number DP-2020-003 is in the registry as 330681-2026-C-000001 "
	       "(entry 20), a collective certificate\n");
	free(p);

	/*
	 * The holder is compared through the household: the log names it by
	 * number, its head's ID number and name are beside the log.  Another
	 * name, the ID number of another household, an ID number of no
	 * household: each a conflict naming its column, the ID numbers masked.
	 */
	p = file(f, "c3.csv",
		 HEADER "DP-2019-001,宅基地退出,王小明,330681196503120018,330681101201,"
			"330681101201JC00001F00010001,120.50,2019-03-05,,有效,,ZJ-0001\n"
			"DP-2021-005,宅基地退出,李小红,330681197001010024,330681102201,"
			"330681102201JC00005F00010001,100,2021-01-01,,已使用,,\n"
			"DP-2020-004,复垦,王大明,330681199011110060,330681101201,"
			"330681101201JC00001F00010001,60.5 ㎡,2020-06-01,,有效,,ZJ-0004\n");
	assert_int_equal(run(f, p, &s), QP_OK);
	assert_int_equal(s.present, 0);
	assert_int_equal(s.rejected, 3);
	assert_string_equal(
	    f->problems, "2|持有人|conflict: legacy number DP-2019-001 is in the registry as "
			 "330681-2026-G-000001 (entry 10), held by household 330681-H-0000001, whose head is "
			 "registered under the name 王大明\n"
			 "3|证件号码|conflict: legacy number DP-2021-005 is in the registry as "
			 "330681-2026-G-000002 (entry 27), held by household 330681-H-0000004; ID number "
			 "330681********0024 is the head of household 330681-H-0000002\n"
			 "4|证件号码|conflict: legacy number DP-2020-004 is in the registry as "
			 "330681-2026-C-000002 (entry 23), from a home of household 330681-H-0000001; no "
			 "household has ID number 330681********0060\n");
	assert_int_equal(log_size(f), size);
	free(p);
	free(good);
	free(conflict);
}

static void test_dry_run_and_all_or_nothing(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	char *good = data("good.csv"), *bad = data("bad.csv");
	unsigned char a[32], b[32];
	root_of(f, a);
	assert_int_equal(run_opts(f, good, &s, QP_IMPORT_CSV, QP_IMPORT_DRY_RUN, NULL), QP_OK);
	assert_int_equal(s.valid, 5);
	assert_int_equal(s.imported, 0);
	assert_false(s.committed);
	assert_int_equal(run_opts(f, bad, &s, QP_IMPORT_CSV, QP_IMPORT_ALL_OR_NOTHING, NULL), QP_OK);
	assert_int_equal(s.valid, 1);
	assert_int_equal(s.rejected, 15);
	assert_int_equal(s.imported, 0);
	root_of(f, b);
	assert_memory_equal(a, b, 32);
	/* With no bad row, all-or-nothing imports everything, as a plain import would. */
	assert_int_equal(run_opts(f, good, &s, QP_IMPORT_CSV, QP_IMPORT_ALL_OR_NOTHING, NULL), QP_OK);
	assert_int_equal(s.imported, 5);
	assert_int_equal(s.entries, 22);
	root_of(f, a);
	reset(f);
	assert_int_equal(run(f, good, &s), QP_OK);
	root_of(f, b);
	assert_memory_equal(a, b, 32);
	free(good);
	free(bad);
}

/* CSV text of good.csv's rows with the columns in the order perm. */
static char *permuted(fx *f, const int *perm, size_t ncols, const char *enc_name)
{
	qp_import_reader *r = NULL;
	const qp_import_record *rec;
	char *src = data("good.csv");
	size_t cap = 65536, n = 0;
	char *out = malloc(cap);
	(void)f;
	assert_int_equal(qp_import_reader_open(&r, src, QP_IMPORT_CSV, QP_IMPORT_AUTO), QP_OK);
	while (qp_import_reader_next(r, &rec) == QP_OK && rec) {
		assert_int_equal(rec->nfields, ncols);
		for (size_t i = 0; i < ncols; i++) {
			const char *v = rec->values[perm[i]];
			out[n++] = '"';
			for (; *v; v++) {
				if (*v == '"')
					out[n++] = '"';
				out[n++] = *v;
			}
			out[n++] = '"';
			out[n++] = i + 1 < ncols ? ',' : '\r';
		}
		out[n++] = '\n';
	}
	out[n] = '\0';
	qp_import_reader_free(r);
	free(src);
	(void)enc_name;
	return out;
}

/* A small deterministic generator for the shuffles. */
static uint32_t lcg(uint32_t *x)
{
	*x = *x * 1664525u + 1013904223u;
	return *x >> 8;
}

static void test_orders_and_encodings(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	unsigned char want[32], got[32];
	uint32_t seed = 7;
	char *good = data("good.csv");
	assert_int_equal(run(f, good, &s), QP_OK);
	root_of(f, want);
	free(good);
	for (int trial = 0; trial < 12; trial++) {
		/* The columns reversed, then rotated, then shuffled. */
		int perm[12];
		for (int i = 0; i < 12; i++)
			perm[i] = trial == 0 ? 11 - i : trial < 6 ? (i + trial) % 12 : i;
		for (int i = 11; trial >= 6 && i > 0; i--) {
			int j = (int)(lcg(&seed) % (uint32_t)(i + 1)), t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		char *text = permuted(f, perm, 12, NULL);
		char *p = file(f, "perm.csv", text);
		if (trial % 2) {
			/* Odd trials in GB18030. */
			size_t gl;
			char *gb = to_gb18030(text, &gl);
			tu_write(p, gb, gl);
			free(gb);
		}
		reset(f);
		assert_int_equal(run(f, p, &s), QP_OK);
		if (s.imported != 5)
			fail_msg("trial %d: %s", trial, f->problems);
		root_of(f, got);
		assert_memory_equal(want, got, 32);
		free(text);
		free(p);
	}
}

static void test_jsonl_import(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	char *p = data("good.jsonl");
	assert_int_equal(run_opts(f, p, &s, QP_IMPORT_JSONL, 0, NULL), QP_OK);
	assert_string_equal(f->problems, "");
	assert_int_equal(s.imported, 2);
	char *q = file(f, "x.jsonl",
		       "{\"legacy_no\":\"J-1\",\"type\":\"地票\"}\n"
		       "{\"legacy_no\":\"J-2\",\"票号\":\"J-2\"}\n");
	assert_int_equal(run_opts(f, q, &s, QP_IMPORT_JSONL, 0, NULL), QP_OK);
	assert_int_equal(s.rejected, 2);
	assert_problem(f, "1|holder_name|the column is missing\n");
	assert_problem(f, "2|票号|a second column for legacy_no\n");
	free(p);
	free(q);
}

static void test_registry_state(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	/* A household and its home in use, registered before the import. */
	ok(f, "household.add",
	   "{\"id_number\":\"330681196503120018\",\"members\":3,\"name\":\"王大明\",\"village\":"
	   "\"330681101201\"}");
	ok(f, "home.add",
	   "{\"household\":\"330681196503120018\",\"land_area\":20000,\"status\":\"in_use\","
	   "\"unit\":\"330681101201JC00001F00010001\",\"village\":\"330681101201\"}");
	char *p = file(
	    f, "st.csv",
	    HEADER
	    /* On the registered home in use: issued, the home left as it is, a warning. */
	    "S-1,宅基地退出,王大明,330681196503120018,330681101201,330681101201JC00001F00010001,100,2019-03-"
	    "05,,有效,,\n"
	    /* A new home of the same household: entered dilapidated (一户一宅), a warning. */
	    "S-2,宅基地退出,王大明,330681196503120018,330681101201,330681101201JC00002F00010001,90,2019-03-"
	    "05,,有效,,\n"
	    /* The registered name differs. */
	    "S-3,宅基地退出,王小明,330681196503120018,330681101201,330681101201JC00003F00010001,90,2019-03-"
	    "05,,有效,,\n"
	    /* The household is of another village. */
	    "S-4,宅基地退出,王大明,330681196503120018,330681101202,330681101202JC00004F00010001,90,2019-03-"
	    "05,,有效,,\n"
	    /* A land ticket held by the village itself, on a home not registered. */
	    "S-5,地票,村集体,330681101201,330681101201,330681101201JC00005F00010001,90,2019-03-05,,有效,,\n"
	    /* ... and on the registered one: the home is in use, so it stays in use, with a warning. */
	    "S-6,地票,村集体,330681101201,330681101201,330681101201JC00001F00010001,50,2019-03-05,,有效,,\n"
	    /* Over the per-home cap: 100 + 150 > 200. */
	    "S-7,宅基地退出,王大明,330681196503120018,330681101201,330681101201JC00001F00010001,150,2019-03-"
	    "05,,有效,,\n"
	    /* A row with more fields than the header. */
	    "S-8,宅基地退出,王大明,330681196503120018,330681101201,330681101201JC00009F00010001,50,2019-03-"
	    "05,,有效,,,extra\n");
	assert_int_equal(run(f, p, &s), QP_OK);
	assert_int_equal(s.imported, 3);
	assert_int_equal(s.rejected, 5);
	assert_int_equal(s.warnings, 3);
	assert_problem(
	    f,
	    "2|不动产单元号|warning: home 330681101201JC00001F00010001 is in_use in the registry; a "
	    "宅基地退出 "
	    "record implies withdrawn: the certificate is issued and the home's status is left as it is\n");
	assert_problem(
	    f,
	    "3|不动产单元号|warning: household 330681-H-0000001 (ID number 330681********0018) holds a home "
	    "in use, idle or activated; home 330681101201JC00002F00010001 is entered as dilapidated before "
	    "its withdrawal (一户一宅)\n");
	assert_problem(f, "4|持有人|household 330681-H-0000001 (ID number 330681********0018) is registered "
			  "under the name 王大明\n");
	assert_problem(f, "5|村代码|household 330681-H-0000001 (ID number 330681********0018) belongs to "
			  "village 330681101201\n");
	assert_problem(
	    f, "6|不动产单元号|is not registered; to add the home the row needs the household's resident ID "
	       "in 证件号码\n");
	assert_problem(
	    f, "7|不动产单元号|warning: home 330681101201JC00001F00010001 is in_use in the registry; a 地票 "
	       "record implies reclaimed");
	assert_problem(
	    f, "8|面积|cert.issue: 150.00 m² more would exceed home 330681101201JC00001F00010001's land "
	       "area of 200.00 m² (100.00 m² of guarantee");
	assert_problem(f, "9||the row has 13 fields; the header has 12 columns\n");
	qp_home h;
	assert_int_equal(qp_home_get(&h, f->reg, "330681101201JC00001F00010001"), QP_OK);
	assert_int_equal(h.status, QP_HOME_IN_USE);
	assert_int_equal(qp_home_get(&h, f->reg, "330681101201JC00002F00010001"), QP_OK);
	assert_int_equal(h.status, QP_HOME_WITHDRAWN);
	assert_consistent(f);
	free(p);
}

/* ---- no personal data in the log ---------------------------------------------------------- */

#define MAX_FORMS 32

/* Nonzero if hay (len bytes) holds needle. */
static int holds(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; n && i + n <= len; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

static char *upper(const char *s)
{
	char *u = strdup(s);
	for (char *c = u; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 32);
	return u;
}

/* value with every character (all) or every non-ASCII one as a JSON \uXXXX escape, lower-case hex. */
static char *json_escaped(const char *value, int all)
{
	char *out = malloc(strlen(value) * 12 + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)value; *p;) {
		uint32_t cp = *p;
		int n = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
		if (n > 1)
			cp &= 0x3Fu >> (n - 1);
		for (int i = 1; i < n; i++)
			cp = cp << 6 | (p[i] & 0x3Fu);
		p += n;
		if (cp < 0x80 && !all)
			*o++ = (char)cp;
		else if (cp < 0x10000)
			o += sprintf(o, "\\u%04x", (unsigned)cp);
		else
			o += sprintf(o, "\\u%04x\\u%04x", (unsigned)(0xD800 + ((cp - 0x10000) >> 10)),
				     (unsigned)(0xDC00 + ((cp - 0x10000) & 0x3FF)));
	}
	*o = '\0';
	return out;
}

/*
 * Every form in which value could stand in a note: as text, JSON-escaped,
 * hex, and base64 (original and URL-safe) at each of the three alignments
 * it could start at in a longer encoded string (the characters that also
 * hold the neighbouring bytes left out).  Returns the number of forms.
 */
static size_t forms_of(char *forms[MAX_FORMS], const char *value)
{
	size_t n = 0, len = strlen(value);
	forms[n++] = strdup(value);
	forms[n++] = upper(value);
	for (int all = 0; all < 2; all++) {
		forms[n] = json_escaped(value, all);
		forms[n + 1] = upper(forms[n]);
		n += 2;
		/* upper() also upper-cases the u of \u: JSON allows only \u, so write it back. */
		for (char *c = forms[n - 1]; (c = strstr(c, "\\U")) != NULL; c += 2)
			c[1] = 'u';
	}
	forms[n] = malloc(2 * len + 1);
	sodium_bin2hex(forms[n], 2 * len + 1, (const unsigned char *)value, len);
	forms[n + 1] = upper(forms[n]);
	n += 2;
	static const int variants[] = {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_URLSAFE};
	for (size_t v = 0; v < 2; v++)
		for (size_t k = 0; k < 3; k++) {
			unsigned char *buf = calloc(1, len + 3);
			memcpy(buf + k, value, len);
			size_t total = k + len, b64_len = sodium_base64_ENCODED_LEN(total, variants[v]);
			char *b64 = malloc(b64_len);
			sodium_bin2base64(b64, b64_len, buf, total, variants[v]);
			/* Characters 0-1 hold a leading byte, 2 a second; the last partial group the next
			 * bytes. */
			size_t skip = k == 0 ? 0 : k == 1 ? 2 : 3, end = 4 * (total / 3);
			b64[end] = '\0';
			forms[n++] = strdup(b64 + skip);
			free(b64);
			free(buf);
		}
	assert_true(n <= MAX_FORMS);
	return n;
}

/* Fail if any note of the log holds value in any of its forms. */
static void assert_not_in_log(fx *f, const char *what, const char *value)
{
	char *forms[MAX_FORMS];
	size_t nforms = forms_of(forms, value);
	uint64_t size = log_size(f);
	for (uint64_t i = 0; i < size; i++) {
		char *note = NULL;
		size_t len = 0;
		assert_int_equal(qp_log_entry(&note, &len, f->reg, i), QP_OK);
		for (size_t j = 0; j < nforms; j++)
			if (holds(note, len, forms[j]))
				fail_msg("entry %llu holds the %s %s as \"%s\":\n%s", (unsigned long long)i,
					 what, value, forms[j], note);
		free(note);
	}
	for (size_t j = 0; j < nforms; j++)
		free(forms[j]);
}

/* Each holder's ID number and name in a test file (read with the import's own reader and mapping). */
static size_t holders_of(char ***values, size_t n, const char *path, qp_import_format format,
			 const char *mapping)
{
	qp_import_reader *r = NULL;
	qp_import_map *m = NULL;
	const qp_import_record *rec;
	qp_import_col cols[QP_IMPORT_MAX_FIELDS];
	int header = format == QP_IMPORT_CSV;
	assert_int_equal(qp_import_map_new(&m, mapping), QP_OK);
	assert_int_equal(qp_import_reader_open(&r, path, format, QP_IMPORT_AUTO), QP_OK);
	while (qp_import_reader_next(r, &rec) == QP_OK && rec) {
		for (size_t i = 0; i < rec->nfields && !rec->malformed; i++) {
			char v[256];
			qp_import_col c = rec->names ? qp_import_map_column(m, rec->names[i])
					  : header   ? qp_import_map_column(m, rec->values[i])
						     : cols[i];
			if (header) {
				cols[i] = c;
				continue;
			}
			if ((c != QP_ICOL_HOLDER_ID && c != QP_ICOL_HOLDER_NAME) ||
			    qp_import_trim(v, sizeof(v), rec->values[i]) != QP_OK || v[0] == '\0')
				continue;
			*values = realloc(*values, (n + 1) * sizeof(**values));
			(*values)[n++] = strdup(v);
		}
		header = 0;
	}
	qp_import_reader_free(r);
	qp_import_map_free(m);
	return n;
}

static void test_no_personal_data_in_log(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	char **values = NULL;
	size_t nvalues = 0;
	/* Every test file, the good rows and the bad; the GB18030 test's source is UTF-8. */
	static const struct {
		const char *name;
		qp_import_format format;
		int mapped;
	} files[] = {{"good.csv", QP_IMPORT_CSV, 0},	 {"bad.csv", QP_IMPORT_CSV, 0},
		     {"bom_crlf.csv", QP_IMPORT_CSV, 0}, {"gb18030_source.csv", QP_IMPORT_CSV, 0},
		     {"good.jsonl", QP_IMPORT_JSONL, 0}, {"mapped.csv", QP_IMPORT_CSV, 1},
		     {"conflict.csv", QP_IMPORT_CSV, 0}};
	size_t nfiles = sizeof(files) / sizeof(files[0]);
	char *mapping = NULL;
	{
		char *mp = data("mapping.json");
		size_t len = 0;
		unsigned char *bytes = tu_read(mp, &len);
		assert_non_null(bytes);
		mapping = calloc(1, len + 1);
		memcpy(mapping, bytes, len);
		free(bytes);
		free(mp);
	}
	uint64_t entries = 0;
	for (size_t i = 0; i < nfiles; i++) {
		char *p = data(files[i].name);
		assert_int_equal(run_opts(f, p, &s, files[i].format, 0, files[i].mapped ? mapping : NULL),
				 QP_OK);
		entries += s.entries;
		nvalues = holders_of(&values, nvalues, p, files[i].format, files[i].mapped ? mapping : NULL);
		free(p);
	}
	/* Households were added: their data went somewhere, and not into the log. */
	assert_true(entries > 40);
	assert_true(nvalues > 50);
	qp_household hh;
	assert_int_equal(qp_household_get(&hh, f->reg, "33068119881212007X"), QP_OK);
	assert_string_equal(hh.name, "孙丽");
	qp_household_clear(&hh);
	for (size_t i = 0; i < nvalues; i++) {
		assert_not_in_log(f, "holder's ID number or name", values[i]);
		/* An ID number as the registry normalises it too (check character X upper-case). */
		char *u = upper(values[i]);
		assert_not_in_log(f, "holder's ID number", u);
		free(u);
	}
	/* Reruns add nothing. */
	unsigned char a[32], b[32];
	root_of(f, a);
	for (size_t i = 0; i < nfiles; i++) {
		if (strcmp(files[i].name, "bad.csv") == 0 || strcmp(files[i].name, "conflict.csv") == 0)
			continue;
		char *p = data(files[i].name);
		assert_int_equal(run_opts(f, p, &s, files[i].format, 0, files[i].mapped ? mapping : NULL),
				 QP_OK);
		if (s.entries != 0 || s.present != s.read || s.rejected != 0)
			fail_msg("%s: the rerun %s", files[i].name, f->problems);
		free(p);
	}
	root_of(f, b);
	assert_memory_equal(a, b, 32);

	/* The search finds what it looks for: a note that held one, in each form, would fail. */
	char *forms[MAX_FORMS];
	size_t nforms = forms_of(forms, "330681198012310035");
	unsigned char buf[64] = {0xAB};
	for (size_t k = 0; k < 3; k++) {
		char b64[128];
		memcpy(buf + k, "330681198012310035", 18);
		sodium_bin2base64(b64, sizeof(b64), buf, k + 18 + 5, sodium_base64_VARIANT_ORIGINAL);
		int found = 0;
		for (size_t j = 0; j < nforms; j++)
			found |= holds(b64, strlen(b64), forms[j]);
		assert_true(found);
	}
	const char *hex = "x333330363831313938303132333130303335x";
	assert_true(holds(hex, strlen(hex), forms[6]));
	for (size_t j = 0; j < nforms; j++)
		free(forms[j]);
	nforms = forms_of(forms, "陈国强");
	const char *lower_esc = "{\"n\":\"\\u9648\\u56fd\\u5f3a\"}",
		   *upper_esc = "{\"n\":\"\\u9648\\u56FD\\u5F3A\"}";
	assert_true(holds(lower_esc, strlen(lower_esc), forms[2]));
	assert_true(holds(upper_esc, strlen(upper_esc), forms[3]));
	for (size_t j = 0; j < nforms; j++)
		free(forms[j]);

	for (size_t i = 0; i < nvalues; i++)
		free(values[i]);
	free(values);
	free(mapping);
	assert_consistent(f);
}

/*
 * Columns the legacy record would carry into the log that hold personal
 * data: by their name, or by what their values look like (a resident ID
 * number, a mobile phone number), in an extra column or in the note.
 * Rejected, naming the column; the mapping's "drop" leaves a column out.
 */
static void test_personal_columns(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	char *p = file(
	    f, "pc.csv",
	    "票号,类型,持有人,证件号码,村代码,不动产单元号,面积,发证日期,状态,备注,联系电话,原档案号,配偶\n"
	    "P-1,宅基地退出,王大明,330681196503120018,330681101201,330681101201JC00001F00010001,100,"
	    "2019-03-05,有效,,13812345678,ZJ-1,\n"
	    "P-2,宅基地退出,李小红,330681197001010024,330681101201,330681101201JC00002F00010001,100,"
	    "2019-03-05,有效,,,ZJ-33068119900101123X,\n"
	    "P-3,宅基地退出,陈国强,330681198012310035,330681101202,330681101202JC00003F00010001,100,"
	    "2019-03-05,有效,原户主３３０６８１１９６００２０２００４３,,ZJ-3,\n"
	    "P-4,宅基地退出,赵秀英,330681195505050047,330681102201,330681102201JC00005F00010001,100,"
	    "2019-03-05,有效,,,ZJ-4,钱淑芬\n"
	    "P-5,宅基地退出,冯玉兰,330681196002020043,330681101202,330681101202JC00010F00010001,100,"
	    "2019-03-05,有效,电话 0575-87012345,,201903050001,\n");
	uint64_t size = log_size(f);
	assert_int_equal(run(f, p, &s), QP_OK);
	if (s.imported != 1 || s.rejected != 4)
		fail_msg("imported %llu, rejected %llu: %s", (unsigned long long)s.imported,
			 (unsigned long long)s.rejected, f->problems);
	assert_string_equal(
	    f->problems,
	    "2|联系电话|the column's name says it holds a person's data: personal data may not go into the "
	    "signed legacy record (leave the column out with the mapping's \"drop\", or take the number "
	    "out)\n"
	    "3|原档案号|holds what looks like a resident ID number: personal data may not go into the signed "
	    "legacy record (leave the column out with the mapping's \"drop\", or take the number out)\n"
	    "4|备注|holds what looks like a resident ID number: personal data may not go into the signed "
	    "legacy record (take the number out of the note)\n"
	    "5|配偶|the column's name says it holds a person's data: personal data may not go into the "
	    "signed legacy record (leave the column out with the mapping's \"drop\", or take the number "
	    "out)\n");
	/* A landline and a 12-digit archive number are no resident's ID: imported as they are. */
	assert_int_equal(log_size(f), size + s.entries);

	/* Left out with the mapping's "drop": imported without them, and the log holds none of them. */
	assert_int_equal(
	    run_opts(f, p, &s, QP_IMPORT_CSV, 0, "{\"drop\": [\"联系电话\", \"原档案号\", \"配偶\"]}"),
	    QP_OK);
	assert_int_equal(s.present, 0);
	assert_int_equal(s.imported, 3);
	assert_int_equal(s.rejected, 2);
	assert_problem(f, "4|备注|holds what looks like a resident ID number");
	/* P-5 came in with its 原档案号; the column left out, its record is another. */
	assert_problem(f, "6|原档案号|conflict: legacy number P-5 is in the registry as 330681-2026-G-000001 "
			  "(entry 10) with 原档案号 201903050001\n");
	assert_not_in_log(f, "phone number", "13812345678");
	assert_not_in_log(f, "ID number", "33068119900101123X");
	assert_not_in_log(f, "name", "钱淑芬");
	assert_int_equal(run_opts(f, p, &s, QP_IMPORT_CSV, 0, "{\"drop\": \"联系电话\"}"), QP_EINVALID);
	assert_error_contains("mapping: drop must be an array of column names");
	free(p);
	assert_consistent(f);
}

/*
 * A household whose personal data was erased (household.erase, PIPL art.
 * 47) cannot be compared with a row: a rerun reports its row as a
 * conflict that says so, never as present; the other rows stay present.
 */
static void test_erased_holder(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	char *good = data("good.csv");
	assert_int_equal(run(f, good, &s), QP_OK);
	assert_int_equal(s.imported, 5);
	ok(f, "household.erase", "{\"household\":\"330681-H-0000004\",\"reason\":\"本人申请删除个人信息\"}");
	qp_household hh;
	assert_int_equal(qp_household_get(&hh, f->reg, "330681-H-0000004"), QP_OK);
	assert_true(hh.erased);
	assert_null(hh.name);
	qp_household_clear(&hh);
	/* The import left the store's WAL hook in place: the erase took every page out of the WAL. */
	char *wal = tu_path(f->dir, "registry.db-wal");
	struct stat sb;
	assert_true(stat(wal, &sb) != 0 || sb.st_size == 0);
	free(wal);
	uint64_t size = log_size(f);
	assert_int_equal(run(f, good, &s), QP_OK);
	assert_int_equal(s.present, 4);
	assert_int_equal(s.rejected, 1);
	assert_int_equal(s.imported, 0);
	assert_string_equal(f->problems,
			    "7|证件号码|conflict: legacy number DP-2021-005 is in the registry as "
			    "330681-2026-G-000002 (entry 27), held by household 330681-H-0000004, whose "
			    "personal data was erased: the holder cannot be compared\n");
	assert_int_equal(log_size(f), size);
	free(good);
	assert_consistent(f);
}


/*
 * Land tickets on reclaimed land with no home on it (issue 23): the parcel is registered
 * (parcel.add, state reclaimed) by the first row, the certificates come from it, the per-area cap
 * holds, a person's ID number on such land is refused, and a rerun finds every row present.
 */
static void test_reclaimed_land(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	char *p = file(f, "land.csv",
		       "票号,类型,持有人,证件号码,村代码,不动产单元号,面积,宅基地面积,发证日期,状态\n"
		       "DP-1,地票,东白湖村,330681101201,330681101201,330681101201JC00050W00000000,100,150,2020-01-02,有效\n"
		       "DP-2,复垦,东白湖村,330681101201,330681101201,330681101201JC00050W00000000,50,,2020-01-03,已使用\n"
		       "DP-3,地票,东白湖村,330681101201,330681101201,330681101201JC00050W00000000,0.01,,2020-01-04,有效\n"
		       "DP-4,地票,王大明,330681196503120018,330681101201,330681101201JC00051W00000000,10,,2020-01-04,有效\n"
		       "DP-5,地票,斯宅村,330681101202,330681101202,330681101201JC00050W00000000,10,,2020-01-04,有效\n");
	assert_int_equal(run(f, p, &s), QP_OK);
	assert_int_equal(s.imported, 2);
	assert_int_equal(s.rejected, 3);
	assert_string_equal(
	    f->problems,
	    "4|面积|cert.issue: 0.01 m² more would exceed reclaimed parcel 330681101201JC00050's land area of "
	    "150.00 m² (150.00 m² of collective issued and not revoked)\n"
	    "5|不动产单元号|no registered home stands on parcel 330681101201JC00051: as reclaimed land it is "
	    "held by its village's collective; give the village code or its credit code in 证件号码 (or "
	    "register the home that stood on it first)\n"
	    "6|村代码|reclaimed parcel 330681101201JC00050 is in village 330681101201\n");
	qp_cert c;
	assert_int_equal(qp_cert_get(&c, f->reg, "330681-2026-C-000002"), QP_OK);
	assert_string_equal(c.parcel, "330681101201JC00050");
	assert_string_equal(c.home, "");
	assert_string_equal(c.holder, "330681101201");
	assert_int_equal(c.state, QP_CERT_SPENT);
	qp_cert_clear(&c);
	qp_home_filter hf;
	memset(&hf, 0, sizeof(hf));
	hf.status = -1;
	qp_home *homes = NULL;
	size_t nh = 0;
	assert_int_equal(qp_homes_list(&homes, &nh, f->reg, &hf), QP_OK);
	assert_int_equal(nh, 0); /* a parcel, not a building */
	qp_homes_free(homes);
	/* A rerun: both present, nothing appended. */
	uint64_t size = log_size(f);
	assert_int_equal(run(f, p, &s), QP_OK);
	assert_int_equal(s.present, 2);
	assert_int_equal(s.imported, 0);
	assert_int_equal(log_size(f), size);
	free(p);
	assert_consistent(f);
}

static int stop_at_first(void *ctx, const qp_import_problem *pr)
{
	(void)pr;
	(*(int *)ctx)++;
	return QP_EIO;
}

static void test_stops(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	char *good = data("good.csv"), *bad = data("bad.csv");
	uint64_t size = log_size(f);
	/* The authority may not sign officer entries: the import stops, nothing is kept. */
	qp_import_options opt = {QP_IMPORT_CSV, QP_IMPORT_AUTO, 0, NULL, 0, collect, NULL, f};
	assert_int_equal(qp_import(&s, f->reg, f->authority, good, &opt), QP_EPERM);
	assert_error_contains("has role authority");
	assert_int_equal(log_size(f), size);
	/* A header without a required column, an empty file, no file, bad mappings, no registry. */
	char *p = file(f, "h.csv", "票号,类型\nX,地票\n");
	assert_int_equal(run(f, p, &s), QP_EINVALID);
	assert_error_contains(
	    "line 1: the header has no column for holder_name, holder_id, village, unit, area, "
	    "issued_on, status");
	free(p);
	p = file(f, "e.csv", "\n\n");
	assert_int_equal(run(f, p, &s), QP_EINVALID);
	assert_error_contains("the file is empty (no header row)");
	free(p);
	assert_int_equal(run(f, "/nonexistent/x.csv", &s), QP_ENOTFOUND);
	assert_int_equal(run_opts(f, good, &s, QP_IMPORT_CSV, 0, "{\"columns\":{\"x\":\"nothing\"}}"),
			 QP_EINVALID);
	assert_error_contains("mapping: columns.x must be a column");
	assert_int_equal(run_opts(f, good, &s, QP_IMPORT_CSV, 0, "[]"), QP_EINVALID);
	assert_int_equal(qp_import(&s, NULL, f->officer, good, NULL), QP_EUSAGE);
	assert_int_equal(log_size(f), size);
	/* A problem callback that says stop: the import stops with its code, batches before it kept. */
	int calls = 0;
	opt.problem = stop_at_first;
	opt.ctx = &calls;
	opt.batch_rows = 1;
	assert_int_equal(qp_import(&s, f->reg, f->officer, bad, &opt), QP_EIO);
	assert_int_equal(calls, 1);
	assert_int_equal(s.read, 0); /* the row it stopped in is not counted */
	assert_int_equal(s.imported, 0);
	assert_int_equal(log_size(f), size);
	free(good);
	free(bad);
}

/*
 * Fail each allocation of an import in turn: the import returns QP_ENOMEM
 * or succeeds, the registry holds whole rows only and keeps its
 * invariants, and a rerun without failures ends with the very log an
 * import that never failed makes.  First with the library's allocator
 * failing (the code must be QP_ENOMEM), then with cJSON's allocations
 * going through it too: cJSON cannot tell a failed allocation from bad
 * JSON, so there only the outcome is checked, not the code.
 */
static void test_alloc_failures(void **state)
{
	fx *f = *state;
	qp_import_stats s;
	unsigned char want[32], got[32];
	char *p = file(f, "two.csv",
		       HEADER "A-1,危旧房权益保全,李小红,330681197001010024,330681101201,"
			      "330681101201JC00002F00010001,80,2019-03-05,2099-01-01,已使用,备注,X\n"
			      "A-2,地票,陈国强,330681198012310035,330681101202,330681101202JC00003F00010001,"
			      "200,2020-01-02,,已注销,,Y\n");
	assert_int_equal(run(f, p, &s), QP_OK);
	assert_int_equal(s.imported, 2);
	root_of(f, want);
	for (int hooked = 0; hooked < 2; hooked++) {
		cJSON_Hooks hooks = {qp_malloc, qp_free};
		/*
		 * cJSON 1.7.15 leaks the item of cJSON_AddItemReferenceToObject when
		 * copying the key fails (qp_entry_text uses it): leaks are not
		 * checked while cJSON's own allocations fail.
		 */
		if (hooked)
			LSAN_PAUSE();
		cJSON_InitHooks(hooked ? &hooks : NULL);
		reset(f);
		qp_alloc_fail_at(0, 0);
		assert_int_equal(run(f, p, &s), QP_OK);
		unsigned long count = qp_alloc_fail_at(0, 0);
		int failures = 0, misreports = 0;
		for (unsigned long n = 1; n <= count; n++) {
			reset(f);
			qp_alloc_fail_at(n, 0);
			int rc = run(f, p, &s);
			qp_alloc_fail_at(0, 0);
			char during[1024];
			snprintf(during, sizeof(during), "%s", f->problems);
			if (rc != QP_OK && rc != QP_ENOMEM && !hooked)
				fail_msg("allocation %lu: %d %s", n, rc, qp_error_last()->message);
			failures += rc != QP_OK;
			/* Whole rows only: each row makes one household, one home and one certificate. */
			qp_cert *list = NULL;
			size_t nc = 0, nh = 0;
			qp_cert_filter all = {NULL, -1, -1, NULL, NULL, 0};
			qp_home_filter homes = {NULL, NULL, NULL, -1, NULL, 0};
			qp_home *hl = NULL;
			assert_int_equal(qp_certs_list(&list, &nc, f->reg, &all), QP_OK);
			assert_int_equal(qp_homes_list(&hl, &nh, f->reg, &homes), QP_OK);
			qp_certs_free(list, nc);
			qp_homes_free(hl);
			if (nc != nh)
				fail_msg("allocation %lu: %zu certificates but %zu homes", n, nc, nh);
			assert_int_equal(qp_certs_check_invariants(f->reg), QP_OK);
			cJSON_InitHooks(NULL);
			assert_int_equal(run(f, p, &s), QP_OK);
			cJSON_InitHooks(hooked ? &hooks : NULL);
			assert_int_equal(s.imported + s.present, 2);
			root_of(f, got);
			if (!hooked && memcmp(want, got, 32) != 0)
				fail_msg(
				    "allocation %lu: the rerun did not end where an import never failed ends",
				    n);
			/*
			 * With cJSON failing, a row can be refused as bad input (an entry's
			 * JSON "not valid") and imported by the rerun after the other:
			 * exactly once still, in another order.
			 */
			if (hooked && memcmp(want, got, 32) != 0 && misreports++ < 3)
				print_message("allocation %lu: out of memory reported as a rejected row: %s",
					      n, during);
		}
		cJSON_InitHooks(NULL);
		if (hooked)
			LSAN_RESUME();
		assert_true(failures > 0);
		print_message("%s: %lu allocations, %d of them failed the import\n",
			      hooked ? "library and cJSON" : "library", count, failures);
	}
	free(p);
}

int main(void)
{
	/* Before sodium_init, as libsodium requires. */
	assert_int_equal(randombytes_set_implementation(&salt_generator), 0);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_areas),
	    cmocka_unit_test(test_trim_fold),
	    cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_jsonl, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_encodings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_good, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_windows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conflict, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dry_run_and_all_or_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_orders_and_encodings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_jsonl_import, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_registry_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_personal_data_in_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_personal_columns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_erased_holder, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reclaimed_land, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stops, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
