/*
 * test_verified.c - signatures verified ahead of the writer (issue 22):
 * qp_registry_verify_note on one connection, qp_registry_append_batch_verified
 * on another.  The writer still checks the signer's role and state in its
 * own transaction: a key revoked between the two is refused; a key given
 * that is not the enrolled one makes it verify again; a note that does not
 * verify is refused ahead, as an unknown signer is.
 *
 * qp_log_append_signed (the service's group commit): the entries, the
 * checkpoint covering them and their proofs in one transaction; a refused
 * note retried after the others; a checkpoint that cannot be signed rolls
 * the whole batch back.
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

/* ---- qp_log_append_signed: the entries and their checkpoint in one transaction ------------------ */

typedef struct batch_out {
	uint64_t idx[4];
	int res[4];
	qp_merkle_proof proof[4];
	qp_merkle_proof *proofs[4];
	char msg[4][256];
	qp_log_batch b;
} batch_out;

static void note_refusal(void *ctx, size_t i, int code)
{
	batch_out *o = ctx;
	snprintf(o->msg[i], sizeof(o->msg[i]), "%d %s", code, qp_error_last()->message);
}

static int append_signed(fx *f, batch_out *o, char **notes, size_t n)
{
	size_t lens[4];
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < n; i++) {
		lens[i] = strlen(notes[i]);
		o->proofs[i] = &o->proof[i];
	}
	o->b = (qp_log_batch){.n = n,
			      .notes = (const char *const *)notes,
			      .note_lens = lens,
			      .log_key = f->log,
			      .refused = note_refusal,
			      .ctx = o,
			      .proofs = o->proofs,
			      .indexes = o->idx,
			      .results = o->res};
	return qp_log_append_signed(f->writer, &o->b);
}

/* The latest stored checkpoint's size and note. */
static uint64_t latest_checkpoint(fx *f, char **note)
{
	uint64_t size = 0;
	size_t len = 0;
	int rc = qp_log_checkpoint(note, &len, &size, f->writer, QP_LOG_LATEST);
	if (rc == QP_ENOTFOUND) {
		/* The first: sign one. */
		assert_int_equal(qp_log_sign(note, &len, f->writer, f->log), QP_OK);
		free(*note);
		rc = qp_log_checkpoint(note, &len, &size, f->writer, QP_LOG_LATEST);
	}
	assert_int_equal(rc, QP_OK);
	return size;
}

static void test_signed_batch(void **state)
{
	fx *f = *state;
	char *notes[3], *cp = NULL;
	size_t len = 0;
	batch_out o;
	uint64_t before = tu_log_size(f->writer);
	notes[0] = village_note(f, f->officer, "330681101201", &len);
	notes[1] = village_note(f, f->officer2, "330681101202", &len);
	notes[2] = village_note(f, f->officer, "330681101203", &len);
	assert_int_equal(append_signed(f, &o, notes, 3), QP_OK);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(o.res[i], QP_OK);
		assert_int_equal(o.idx[i], before + i);
	}
	/* The checkpoint covers the whole log and is the one stored, in the same commit. */
	assert_int_equal(o.b.size, before + 3);
	assert_int_equal(tu_log_size(f->writer), before + 3);
	assert_int_equal(latest_checkpoint(f, &cp), before + 3);
	assert_non_null(o.b.checkpoint);
	assert_int_equal(o.b.checkpoint_len, strlen(cp));
	assert_memory_equal(o.b.checkpoint, cp, strlen(cp));
	/* Each proof is the one the log gives, and proves the entry against the checkpoint's root. */
	qp_checkpoint parsed;
	assert_non_null(strstr(cp, "\n\n"));
	assert_int_equal(qp_checkpoint_parse(&parsed, cp, (size_t)(strstr(cp, "\n\n") - cp) + 1), QP_OK);
	for (size_t i = 0; i < 3; i++) {
		char *mine = NULL, *theirs = NULL;
		size_t mine_len = 0, theirs_len = 0;
		unsigned char leaf[QP_HASH_LEN];
		qp_merkle_leaf_hash(leaf, notes[i], strlen(notes[i]));
		assert_int_equal(
		    qp_merkle_verify_inclusion(leaf, o.idx[i], o.b.size, &o.proof[i], parsed.root), QP_OK);
		assert_int_equal(qp_log_tlog_proof_text(&mine, &mine_len, o.idx[i], &o.proof[i],
							o.b.checkpoint, o.b.checkpoint_len),
				 QP_OK);
		assert_int_equal(qp_log_tlog_proof(&theirs, &theirs_len, f->writer, o.idx[i], o.b.size),
				 QP_OK);
		assert_int_equal(mine_len, theirs_len);
		assert_memory_equal(mine, theirs, mine_len);
		/* Its hash lines are the proof's hashes, in base64 as libsodium reads it. */
		const char *line = strchr(strchr(mine, '\n') + 1, '\n') + 1;
		for (size_t k = 0; k < o.proof[i].len; k++) {
			unsigned char h[QP_HASH_LEN];
			size_t got = 0;
			const char *end = NULL;
			assert_int_equal(sodium_base642bin(h, sizeof(h), line, 44, NULL, &got, &end,
							   sodium_base64_VARIANT_ORIGINAL),
					 0);
			assert_int_equal(got, QP_HASH_LEN);
			assert_memory_equal(h, o.proof[i].hash[k], QP_HASH_LEN);
			assert_int_equal(line[44], '\n');
			line += 45;
		}
		assert_int_equal(line[0], '\n');
		free(mine);
		free(theirs);
	}
	free(o.b.checkpoint);
	free(cp);
	for (size_t i = 0; i < 3; i++)
		free(notes[i]);
}

/*
 * A refused note is tried again after the others, in the same transaction:
 * a note later in the batch that makes it valid lets it in (after them);
 * one that stays refused gets its own message; the rest are appended and
 * covered by the checkpoint.  A batch of refusals only writes nothing.
 */
static void test_signed_batch_refusals(void **state)
{
	fx *f = *state;
	char *notes[4], body[600], *cp = NULL;
	size_t len = 0;
	batch_out o;
	uint64_t before = tu_log_size(f->writer), cp_before = latest_checkpoint(f, &cp);
	free(cp);
	notes[0] = village_note(f, f->stranger, "330681101201", &len); /* its key is enrolled by note 1 */
	char *vkey = tu_vkey(f->stranger);
	snprintf(body, sizeof(body), "{\"role\":\"officer\",\"vkey\":\"%s\"}", vkey);
	free(vkey);
	assert_int_equal(qp_registry_sign_entry(&notes[1], &len, f->writer, f->auth, "key.enroll", body),
			 QP_OK);
	notes[2] = village_note(f, f->officer, "330681101202", &len);
	notes[3] = village_note(f, f->officer2, "330681101202", &len); /* the same village again */
	assert_int_equal(append_signed(f, &o, notes, 4), QP_OK);
	assert_int_equal(o.res[0], QP_OK);
	assert_int_equal(o.res[1], QP_OK);
	assert_int_equal(o.res[2], QP_OK);
	assert_int_not_equal(o.res[3], QP_OK);
	assert_int_equal(o.idx[1], before);
	assert_int_equal(o.idx[2], before + 1);
	assert_int_equal(o.idx[0], before + 2);
	assert_true(o.msg[3][0] != '\0');
	assert_true(o.msg[0][0] == '\0' && o.msg[1][0] == '\0' && o.msg[2][0] == '\0');
	assert_int_equal(tu_log_size(f->writer), before + 3);
	assert_int_equal(o.b.size, before + 3);
	assert_int_equal(latest_checkpoint(f, &cp), before + 3);
	free(cp);
	free(o.b.checkpoint);

	/* Nothing appended: nothing written, no checkpoint. */
	assert_int_equal(append_signed(f, &o, notes + 3, 1), QP_OK);
	assert_int_not_equal(o.res[0], QP_OK);
	assert_null(o.b.checkpoint);
	assert_int_equal(tu_log_size(f->writer), before + 3);
	assert_int_equal(latest_checkpoint(f, &cp), before + 3);
	assert_true(cp_before < before + 3);
	free(cp);
	for (size_t i = 0; i < 4; i++)
		free(notes[i]);
}

/*
 * A checkpoint that cannot be signed - a note of the batch revokes the log
 * key - rolls the whole batch back: nothing appended, the checkpoint as it
 * was, every note given the reason.  The same notes without that one go in.
 */
static void test_signed_batch_sign_fails(void **state)
{
	fx *f = *state;
	char *notes[2], *cp = NULL, *cp2 = NULL;
	size_t len = 0;
	batch_out o;
	uint64_t before = tu_log_size(f->writer);
	uint64_t cp_before = latest_checkpoint(f, &cp);
	notes[0] = village_note(f, f->officer, "330681101201", &len);
	assert_int_equal(qp_registry_sign_entry(&notes[1], &len, f->writer, f->auth, "key.revoke",
						"{\"name\":\"" ORIGIN "\",\"reason\":\"rotated\"}"),
			 QP_OK);
	assert_int_equal(append_signed(f, &o, notes, 2), QP_EPERM);
	assert_non_null(strstr(qp_error_last()->message, "revoked"));
	assert_int_equal(o.res[0], QP_EPERM);
	assert_int_equal(o.res[1], QP_EPERM);
	assert_null(o.b.checkpoint);
	assert_int_equal(tu_log_size(f->writer), before);
	assert_int_equal(latest_checkpoint(f, &cp2), cp_before);
	assert_string_equal(cp, cp2);
	free(cp2);
	/* The connection is usable and the log key still signs. */
	assert_int_equal(append_signed(f, &o, notes, 1), QP_OK);
	assert_int_equal(o.res[0], QP_OK);
	assert_int_equal(latest_checkpoint(f, &cp2), before + 1);
	free(cp2);
	free(o.b.checkpoint);
	free(cp);
	free(notes[0]);
	free(notes[1]);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_verified_appends, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_revoked_in_between, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_key_verifies_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_signer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_signed_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_signed_batch_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_signed_batch_sign_fails, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
