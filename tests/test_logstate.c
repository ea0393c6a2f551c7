/*
 * test_logstate.c - every entry names a state of the log it extends, and
 * may not be dated before the log's time minus the allowed skew
 * (src/logstate.c, docs/format.md): each refusal with its code and message,
 * what is still accepted at the edges, and the format v1 refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "alloc.h"
#include "clock.h"
#include "entry.h"
#include "logstate.h"
#include "policy.h"
#include "quanpiao/quanpiao.h"
#include "registry_internal.h"
#include "store_log.h"
#include "testutil.h"

#define ORIGIN		   "zhuji.example/quanpiao"
#define T0		   1795000000 /* 2026-11-18T11:06:40Z */
#define VILLAGE_BODY(code) "{\"code\":\"" code "\",\"name\":\"东白湖村\"}"

typedef struct fx {
	char *dir, *db;
	qp_key *authority, *log, *officer;
	qp_registry *reg;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_true(sodium_init() >= 0);
	qp_clock_set(T0);
	f->dir = tu_mkdtemp();
	f->db = tu_path(f->dir, "registry.db");
	f->authority = tu_seeded_key("330681.authority", 1);
	f->log = tu_seeded_key(ORIGIN, 2);
	f->officer = tu_seeded_key("330681.officer.li", 3);
	f->reg = tu_registry_create(f->db, ORIGIN, f->authority, f->log);
	tu_enroll(f->reg, f->authority, f->officer, "officer");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	qp_clock_set(0);
	qp_registry_free(f->reg);
	qp_key_free(f->authority);
	qp_key_free(f->log);
	qp_key_free(f->officer);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

/* A note of type by key, dated t, naming log state `log` (NULL: the registry's current state). */
static char *forge(fx *f, const qp_key *key, const char *type, int64_t t, const qp_log_state *log,
		   const char *body, size_t *len)
{
	char *text = NULL, *note = NULL, when[QP_TIME_LEN + 1];
	size_t text_len = 0;
	qp_log_state now;
	if (log == NULL) {
		assert_int_equal(qp_registry_log_state(&now, f->reg), QP_OK);
		log = &now;
	}
	qp_time_format(when, t);
	cJSON *b = cJSON_Parse(body);
	assert_non_null(b);
	assert_int_equal(qp_entry_text(&text, &text_len, ORIGIN, type, qp_key_name(key), when, log, b),
			 QP_OK);
	assert_int_equal(qp_note_sign(&note, len, text, text_len, &key, 1), QP_OK);
	cJSON_Delete(b);
	qp_free(text);
	return note;
}

/* Append note: refused with code and a message containing needle, and nothing changes. */
static void refused(fx *f, char *note, size_t len, int code, const char *needle)
{
	uint64_t before = tu_log_size(f->reg);
	int rc = qp_registry_append(f->reg, note, len, NULL);
	if (rc != code)
		fail_msg("append gave %d (%s), expected %d", rc, qp_error_last()->message, code);
	assert_error_contains(needle);
	assert_int_equal(tu_log_size(f->reg), before);
	free(note);
}

static void accepted(fx *f, char *note, size_t len)
{
	int rc = qp_registry_append(f->reg, note, len, NULL);
	if (rc != QP_OK)
		fail_msg("append gave %d (%s), expected QP_OK", rc, qp_error_last()->message);
	free(note);
}

/* The root of the registry's first size entries, as its own reader gives it. */
static void root_at(fx *f, uint64_t size, unsigned char out[32])
{
	assert_int_equal(qp_registry_root(f->reg->store, size, out), QP_OK);
}

static void test_named_state(void **state)
{
	fx *f = *state;
	size_t len = 0;
	uint64_t n = tu_log_size(f->reg);
	qp_log_state st;
	assert_int_equal(qp_registry_log_state(&st, f->reg), QP_OK);
	assert_int_equal(st.size, n);

	/* A root this log never had at that size: exit 3, naming the size. */
	qp_log_state bad = st;
	bad.root[0] ^= 1;
	char *note = forge(f, f->officer, "village.add", T0, &bad, VILLAGE_BODY("330681101201"), &len);
	char needle[64];
	snprintf(needle, sizeof(needle), "entry names log state of size %llu with root ",
		 (unsigned long long)n);
	refused(f, note, len, QP_EINVALID, needle);
	assert_error_contains("which this log never had");
	/* A size beyond the entry's own index (a state after it). */
	bad = st;
	bad.size = n + 1;
	note = forge(f, f->officer, "village.add", T0, &bad, VILLAGE_BODY("330681101201"), &len);
	refused(f, note, len, QP_EINVALID, "log.size may be at most the entry's own index");
	/* The empty log's state named by a later entry: its root is right, and it is accepted (lag 0..n). */
	qp_log_state empty = {0, {0}};
	qp_logstate_empty_root(empty.root);
	accepted(f, forge(f, f->officer, "village.add", T0, &empty, VILLAGE_BODY("330681101201"), &len), len);
	/* An older state, read from the stored tree, and one read from a checkpoint. */
	qp_log_state old = {2, {0}};
	root_at(f, 2, old.root);
	accepted(f, forge(f, f->officer, "village.add", T0, &old, VILLAGE_BODY("330681101202"), &len), len);
	char *cp = NULL;
	size_t cp_len = 0;
	assert_int_equal(qp_log_sign(&cp, &cp_len, f->reg, f->log), QP_OK);
	free(cp);
	qp_log_state signed_state;
	assert_int_equal(qp_registry_log_state(&signed_state, f->reg), QP_OK);
	accepted(f, forge(f, f->officer, "village.add", T0, NULL, VILLAGE_BODY("330681101203"), &len), len);
	accepted(f,
		 forge(f, f->officer, "village.add", T0, &signed_state, VILLAGE_BODY("330681101204"), &len),
		 len);
	/* The checkpoint's root tampered in the store: the entry naming its true state is refused. */
	signed_state.root[5] ^= 0x40;
	note = forge(f, f->officer, "village.add", T0, &signed_state, VILLAGE_BODY("330681101205"), &len);
	refused(f, note, len, QP_EINVALID, "which this log never had");
}

/* A reader for the rule alone: every size has the root its first byte says. */
static int fake_root(void *ctx, uint64_t size, unsigned char out[32])
{
	(void)ctx;
	memset(out, 0, 32);
	out[0] = (unsigned char)(size & 0xff);
	return QP_OK;
}

static void test_lag(void **state)
{
	(void)state;
	qp_entry e;
	memset(&e, 0, sizeof(e));
	e.log.size = 5;
	e.log.root[0] = 5;
	/* At most QP_LOG_STATE_MAX_LAG behind: accepted at the limit, refused one past it. */
	assert_int_equal(qp_logstate_check(&e, 5 + QP_LOG_STATE_MAX_LAG, fake_root, NULL), QP_OK);
	assert_int_equal(qp_logstate_check(&e, 5 + QP_LOG_STATE_MAX_LAG + 1, fake_root, NULL), QP_EINVALID);
	assert_error_contains(
	    "entry names log state of size 5, more than 100000 entries before its own index 100006");
	assert_int_equal(qp_logstate_check(&e, 5, fake_root, NULL), QP_OK);
	assert_int_equal(qp_logstate_check(&e, 4, fake_root, NULL), QP_EINVALID);
	/* The lag the design needs: an import batch of 10,000 rows of 8 entries, a group commit of 1,000. */
	assert_true(QP_LOG_STATE_MAX_LAG >= 10000 * 8 + 1000);
	/* The genesis names the empty log: size 0 and SHA-256 of nothing, whatever the reader says. */
	e.log.size = 0;
	qp_logstate_empty_root(e.log.root);
	assert_int_equal(qp_logstate_check(&e, 0, fake_root, NULL), QP_OK);
	e.log.root[31] ^= 1;
	assert_int_equal(qp_logstate_check(&e, 0, fake_root, NULL), QP_EINVALID);
}

static void test_backdated(void **state)
{
	fx *f = *state;
	size_t len = 0;
	/* The log's time is the latest entry time: T0 (every entry so far). */
	char t[QP_TIME_LEN + 1], want[QP_TIME_LEN + 1];
	qp_time_format(want, T0);
	assert_int_equal(qp_store_log_time_get(f->reg->store, t, sizeof(t)), QP_OK);
	assert_string_equal(t, want);
	/* More than the skew (300 s) before it: exit 3. */
	char *note = forge(f, f->officer, "village.add", T0 - 301, NULL, VILLAGE_BODY("330681101201"), &len);
	refused(f, note, len, QP_EINVALID,
		"entry time 2026-11-18T11:01:39Z is before the log's time 2026-11-18T11:06:40Z");
	assert_error_contains("minus the allowed skew of 300 s (policy time_skew_seconds)");
	/* Within the skew (signers' clocks differ): accepted, and the log's time does not go back. */
	accepted(f, forge(f, f->officer, "village.add", T0 - 300, NULL, VILLAGE_BODY("330681101201"), &len),
		 len);
	assert_int_equal(qp_store_log_time_get(f->reg->store, t, sizeof(t)), QP_OK);
	assert_string_equal(t, want);
	/* A later entry moves it on. */
	accepted(f, forge(f, f->officer, "village.add", T0 + 100, NULL, VILLAGE_BODY("330681101202"), &len),
		 len);
	qp_time_format(want, T0 + 100);
	assert_int_equal(qp_store_log_time_get(f->reg->store, t, sizeof(t)), QP_OK);
	assert_string_equal(t, want);

	/* The skew is the policy's: with 0, one second back is refused. */
	char body[2048];
	cJSON *params = cJSON_Parse(qp_policy_default_json());
	cJSON_ReplaceItemInObject(params, "time_skew_seconds", cJSON_CreateNumber(0));
	char *ptext = cJSON_PrintUnformatted(params);
	snprintf(body, sizeof(body), "{\"params\":%s}", ptext);
	free(ptext);
	cJSON_Delete(params);
	qp_clock_set(T0 + 100);
	assert_int_equal(qp_registry_submit(f->reg, f->authority, "policy.set", body, NULL), QP_OK);
	note = forge(f, f->officer, "village.add", T0 + 99, NULL, VILLAGE_BODY("330681101203"), &len);
	refused(f, note, len, QP_EINVALID, "minus the allowed skew of 0 s");
	/* Its limits: 0 to QP_TIME_SKEW_MAX_SECONDS. */
	params = cJSON_Parse(qp_policy_default_json());
	cJSON_ReplaceItemInObject(params, "time_skew_seconds",
				  cJSON_CreateNumber(QP_TIME_SKEW_MAX_SECONDS + 1));
	ptext = cJSON_PrintUnformatted(params);
	snprintf(body, sizeof(body), "{\"params\":%s}", ptext);
	free(ptext);
	cJSON_Delete(params);
	assert_int_equal(qp_registry_submit(f->reg, f->authority, "policy.set", body, NULL), QP_EINVALID);
	assert_error_contains("policy: params.time_skew_seconds must be an integer from 0 to 3600");
	/* The default skew and the limit on the future are the one clock allowance. */
	assert_int_equal(QP_ENTRY_MAX_FUTURE_SECONDS, QP_CLOCK_SKEW_SECONDS);
	assert_non_null(strstr(qp_policy_default_json(), "\"time_skew_seconds\":300}"));
}

/*
 * A rollback forgets the log's time the rolled-back entries set: an import
 * that rolls a batch back and applies its earlier rows again must store the
 * time of the rows it keeps (the cached time once outlived the rollback, and
 * the stored time stayed behind the log's).
 */
static void test_time_after_rollback(void **state)
{
	fx *f = *state;
	qp_store *s = f->reg->store;
	char t[QP_TIME_LEN + 1], was[QP_TIME_LEN + 1], later[QP_TIME_LEN + 1];
	assert_int_equal(qp_store_log_time_get(s, was, sizeof(was)), QP_OK);
	qp_time_format(later, T0 + 200);
	assert_int_equal(qp_store_begin(s), QP_OK);
	assert_int_equal(qp_store_savepoint(s), QP_OK);
	assert_int_equal(qp_store_log_time_set(s, later), QP_OK);
	assert_int_equal(qp_store_log_time_get(s, t, sizeof(t)), QP_OK);
	assert_string_equal(t, later);
	qp_store_rollback_to(s);
	assert_int_equal(qp_store_log_time_get(s, t, sizeof(t)), QP_OK);
	assert_string_equal(t, was);
	/* And the whole transaction rolled back. */
	assert_int_equal(qp_store_log_time_set(s, later), QP_OK);
	qp_store_rollback(s);
	assert_int_equal(qp_store_log_time_get(s, t, sizeof(t)), QP_OK);
	assert_string_equal(t, was);
}

/*
 * The hole of format v1: a key that expired signs today by dating its
 * entries before its expiry.  The log's time has passed the expiry, so
 * such an entry is dated back: refused, exit 3 (input rejected).
 */
static void test_backdated_expired_key(void **state)
{
	fx *f = *state;
	size_t len = 0;
	qp_key *temp = tu_seeded_key("330681.officer.temp", 9);
	char *vkey = tu_vkey(temp), body[1024];
	snprintf(body, sizeof(body), "{\"role\":\"officer\",\"vkey\":\"%s\",\"valid_until\":\"2026-12-31\"}",
		 vkey);
	free(vkey);
	assert_int_equal(qp_registry_submit(f->reg, f->authority, "key.enroll", body, NULL), QP_OK);
	/* 2027-01-01T00:00:00Z: the registry goes on; the key's last day is over. */
	const int64_t jan1 = 1798761600;
	qp_clock_set(jan1);
	assert_int_equal(
	    qp_registry_submit(f->reg, f->officer, "village.add", VILLAGE_BODY("330681101201"), NULL), QP_OK);
	/* Dated today: expired (exit 4). */
	char *note = forge(f, temp, "village.add", jan1, NULL, VILLAGE_BODY("330681101202"), &len);
	refused(f, note, len, QP_EPERM, "expired on 2026-12-31");
	/* Dated back into its validity, months or an hour before the log's time: exit 3. */
	note = forge(f, temp, "village.add", jan1 - 86400 * 60, NULL, VILLAGE_BODY("330681101202"), &len);
	refused(f, note, len, QP_EINVALID, "is before the log's time 2027-01-01T00:00:00Z");
	note = forge(f, temp, "village.add", jan1 - 3600, NULL, VILLAGE_BODY("330681101202"), &len);
	refused(f, note, len, QP_EINVALID, "an entry may not be dated back");
	/* Within the skew of the log's time, its last minutes are still its own (docs/format.md). */
	accepted(f, forge(f, temp, "village.add", jan1 - 60, NULL, VILLAGE_BODY("330681101202"), &len), len);
	qp_key_free(temp);
}

/*
 * A group commit of 1,000 entries signed on many desks against the same
 * state (the service's batch): all accepted, the last one 999 entries after
 * the state it names.  The audit's replay, which reads named states its own
 * way, accepts them too; the rebuilt registry is identical.
 */
static void test_group_commit(void **state)
{
	fx *f = *state;
	enum { N = 1000 };
	char **notes = calloc(N, sizeof(*notes));
	size_t *lens = calloc(N, sizeof(*lens));
	uint64_t *idx = calloc(N, sizeof(*idx));
	int *res = calloc(N, sizeof(*res));
	uint64_t before = tu_log_size(f->reg);
	for (int i = 0; i < N; i++) {
		char body[128];
		/* Townships 101 to 105, villages 200 to 399 in each. */
		snprintf(body, sizeof(body), "{\"code\":\"330681%03d%03d\",\"name\":\"村%d\"}", 101 + i / 200,
			 200 + i % 200, i);
		notes[i] = forge(f, f->officer, "village.add", T0 + i % 7, NULL, body, &lens[i]);
	}
	assert_int_equal(qp_registry_append_batch(f->reg, (const char *const *)notes, lens, N, idx, res),
			 QP_OK);
	for (int i = 0; i < N; i++) {
		if (res[i] != QP_OK)
			fail_msg("entry %d of the batch: %d (%s)", i, res[i], qp_error_last()->message);
		assert_int_equal(idx[i], before + (uint64_t)i);
		free(notes[i]);
	}
	qp_audit_result r;
	if (qp_audit(&r, f->reg, NULL) != QP_OK)
		fail_msg("audit: %s", qp_error_last()->message);
	assert_int_equal(r.problems, 0);
	char live[65], rebuilt[65];
	char *out = tu_path(f->dir, "rebuilt.db");
	assert_int_equal(qp_registry_rebuild(live, rebuilt, NULL, f->reg, out), QP_OK);
	assert_string_equal(live, rebuilt);
	free(out);
	free(notes);
	free(lens);
	free(idx);
	free(res);
}

static void test_format_v1(void **state)
{
	fx *f = *state;
	size_t len = 0;
	char *note = NULL;
	const qp_key *k = f->officer;
	/* A v1 entry (five members, the old first line), properly signed. */
	const char *text = "quanpiao/entry/v1\n{\"body\":{},\"origin\":\"" ORIGIN
			   "\",\"signer\":\"330681.officer.li\",\"time\":\"2026-11-19T06:13:20Z\",\"type\":"
			   "\"village.add\"}\n";
	assert_int_equal(qp_note_sign(&note, &len, text, strlen(text), &k, 1), QP_OK);
	refused(f, note, len, QP_EINVALID,
		"this is entry format v1, and this program reads quanpiao/entry/v2 only");
	/* v2 without log, or with a malformed one. */
	static const char *const bad[][2] = {
	    {"", "needs body and log (objects)"},
	    {"\"log\":{\"root\":\"AAAA\",\"size\":0},", "log.root must be the base64 of exactly 32 bytes"},
	    {"\"log\":{\"root\":\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\",\"size\":-1},",
	     "log.size must be an integer of at least 0"},
	    {"\"log\":{\"root\":\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\",\"size\":\"0\"},",
	     "log must be an object of exactly root (string) and size (integer)"},
	    {"\"log\":{\"root\":\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\",\"size\":0,\"x\":1},",
	     "log must be an object of exactly root (string) and size (integer)"},
	    {"\"log\":{\"root\":\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\",\"size\":0},",
	     "log.root must be the base64 of exactly 32 bytes"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char t[1024];
		snprintf(t, sizeof(t),
			 "quanpiao/entry/v2\n{\"body\":{},%s\"origin\":\"" ORIGIN
			 "\",\"signer\":\"330681.officer.li\",\"time\":\"2026-11-19T06:13:20Z\",\"type\":"
			 "\"village.add\"}\n",
			 bad[i][0]);
		assert_int_equal(qp_note_sign(&note, &len, t, strlen(t), &k, 1), QP_OK);
		refused(f, note, len, QP_EINVALID, bad[i][1]);
	}
}

/* A registry file of the schema before entry format v2 (no migration 0009) is refused, unchanged. */
static void test_registry_v1(void **state)
{
	fx *f = *state;
	qp_registry_free(f->reg);
	f->reg = NULL;
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "DELETE FROM qp_schema_migrations WHERE version >= 9", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	qp_registry *r = NULL;
	assert_int_equal(qp_registry_open(&r, f->db, 0), QP_EVERSION);
	assert_null(r);
	assert_error_contains(
	    "holds entries in an older entry format, and this program reads entry format v2 only");
	assert_error_contains("create the registry again");
	/* Read-only too, and nothing was migrated by the attempt. */
	assert_int_equal(qp_registry_open(&r, f->db, QP_STORE_READONLY), QP_EVERSION);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(
	    sqlite3_prepare_v2(db, "SELECT max(version) FROM qp_schema_migrations", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 8);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_named_state, setup, teardown),
	    cmocka_unit_test(test_lag),
	    cmocka_unit_test_setup_teardown(test_backdated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backdated_expired_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_time_after_rollback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_format_v1, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_registry_v1, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
