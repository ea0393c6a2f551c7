/*
 * test_verified.c - signatures verified ahead of the writer (issue 22):
 * qp_registry_verify_note on one connection, qp_registry_append_batch_verified
 * on another.  The writer still checks the signer's role and state in its
 * own transaction: a key revoked between the two is refused; a key given
 * that is not the enrolled one makes it verify again; a note that does not
 * verify is refused ahead, as an unknown signer is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "quanpiao/quanpiao.h"
#include "testutil.h"

#define ORIGIN "zhuji.example/quanpiao"
#define T0     1795000000 /* 2026-11-18 */

typedef struct fx {
	char *dir, *db;
	qp_key *auth, *log, *officer, *officer2, *stranger;
	qp_registry *writer, *reader;
} fx;

static void ok(fx *f, const qp_key *k, const char *type, const char *body)
{
	int rc = qp_registry_submit(f->writer, k, type, body, NULL);
	if (rc != QP_OK)
		fail_msg("%s %s: %d %s", type, body, rc, qp_error_last()->message);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_true(sodium_init() >= 0);
	qp_clock_set(T0);
	f->dir = tu_mkdtemp();
	f->db = tu_path(f->dir, "registry.db");
	f->auth = tu_seeded_key("330681.authority", 1);
	f->log = tu_seeded_key(ORIGIN, 2);
	f->officer = tu_seeded_key("330681.officer.li", 3);
	f->officer2 = tu_seeded_key("330681.officer.wu", 5);
	f->stranger = tu_seeded_key("330681.officer.zhao", 6);
	f->writer = tu_registry_create(f->db, ORIGIN, f->auth, f->log);
	tu_enroll(f->writer, f->auth, f->officer, "officer");
	tu_enroll(f->writer, f->auth, f->officer2, "officer");
	assert_int_equal(qp_registry_open(&f->reader, f->db, QP_STORE_READONLY), QP_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	qp_registry_free(f->reader);
	qp_registry_free(f->writer);
	qp_key_free(f->auth);
	qp_key_free(f->log);
	qp_key_free(f->officer);
	qp_key_free(f->officer2);
	qp_key_free(f->stranger);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	qp_clock_set(0);
	return 0;
}

/* A village.add note signed by k, against the log as it is. */
static char *village_note(fx *f, const qp_key *k, const char *code, size_t *len)
{
	char body[128], *note = NULL;
	snprintf(body, sizeof(body), "{\"code\":\"%s\",\"name\":\"村\"}", code);
	assert_int_equal(qp_registry_sign_entry(&note, len, f->writer, k, "village.add", body), QP_OK);
	return note;
}

static int append_one(fx *f, const char *note, size_t len, const unsigned char *key)
{
	const char *notes[1] = {note};
	const unsigned char *keys[1] = {key};
	uint64_t idx = 0;
	int res = 0;
	assert_int_equal(qp_registry_append_batch_verified(f->writer, notes, &len, NULL, keys, 1, &idx, &res),
			 QP_OK);
	return res;
}

static void test_verified_appends(void **state)
{
	fx *f = *state;
	unsigned char pk[QP_PUBLIC_KEY_LEN];
	size_t len = 0;
	char *note = village_note(f, f->officer, "330681101201", &len);
	assert_int_equal(qp_registry_verify_note(f->reader, note, len, pk), QP_OK);
	assert_memory_equal(pk, qp_key_public(f->officer), QP_PUBLIC_KEY_LEN);
	uint64_t before = tu_log_size(f->writer);
	assert_int_equal(append_one(f, note, len, pk), QP_OK);
	assert_int_equal(tu_log_size(f->writer), before + 1);
	free(note);
}

static void test_revoked_in_between(void **state)
{
	fx *f = *state;
	unsigned char pk[QP_PUBLIC_KEY_LEN];
	size_t len = 0;
	char *note = village_note(f, f->officer2, "330681101202", &len);
	/* Verified on a request thread while the key is good... */
	assert_int_equal(qp_registry_verify_note(f->reader, note, len, pk), QP_OK);
	/* ...revoked before the writer takes it... */
	ok(f, f->auth, "key.revoke", "{\"name\":\"330681.officer.wu\",\"reason\":\"left\"}");
	/* ...and refused by the writer, which checks the signer's state itself. */
	uint64_t before = tu_log_size(f->writer);
	assert_int_equal(append_one(f, note, len, pk), QP_EPERM);
	assert_int_equal(tu_log_size(f->writer), before);
	free(note);
}

static void test_other_key_verifies_again(void **state)
{
	fx *f = *state;
	unsigned char wrong[QP_PUBLIC_KEY_LEN];
	size_t len = 0;
	char *note = village_note(f, f->officer, "330681101203", &len);
	/* An altered note with a key claimed for it that is not the enrolled one: verified, and refused. */
	char *body = strstr(note, "\"村\"");
	assert_non_null(body);
	memcpy(body + 1, "镇", strlen("镇"));
	memcpy(wrong, qp_key_public(f->stranger), sizeof(wrong));
	assert_int_equal(append_one(f, note, len, wrong), QP_EPERM);
	tu_assert_error_contains("does not verify", __FILE__, __LINE__);
	/* The same note is refused ahead too. */
	unsigned char pk[QP_PUBLIC_KEY_LEN];
	assert_int_equal(qp_registry_verify_note(f->reader, note, len, pk), QP_EPERM);
	free(note);
	/* A good note with a wrong key claimed: verified again, and appended. */
	note = village_note(f, f->officer, "330681101204", &len);
	assert_int_equal(append_one(f, note, len, wrong), QP_OK);
	free(note);
}

static void test_unknown_signer(void **state)
{
	fx *f = *state;
	unsigned char pk[QP_PUBLIC_KEY_LEN];
	size_t len = 0;
	char *note = NULL, body[] = "{\"code\":\"330681101205\",\"name\":\"村\"}";
	assert_int_equal(qp_registry_sign_entry(&note, &len, f->writer, f->stranger, "village.add", body),
			 QP_OK);
	assert_int_equal(qp_registry_verify_note(f->reader, note, len, pk), QP_EPERM);
	tu_assert_error_contains("is not an enrolled key", __FILE__, __LINE__);
	assert_int_equal(qp_registry_verify_note(f->reader, "not a note", 10, pk), QP_EINVALID);
	free(note);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_verified_appends, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_revoked_in_between, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_key_verifies_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_signer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
