/*
 * test_registry.c - creating a registry, appending entries, and every
 * rule about who may sign what: roles, revocation, expiry, origin, time
 * and signatures.  Each refusal also checks that nothing changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc.h"
#include "clock.h"
#include "entry.h"
#include "quanpiao/quanpiao.h"
#include "registry_internal.h"
#include "testutil.h"

#define ORIGIN "zhuji.example/quanpiao"
#define T0 1795000000 /* 2026-11-19T... */

typedef struct fx {
	char *dir, *db;
	qp_key *authority, *log, *officer, *auditor, *stranger;
	qp_registry *reg;
} fx;

static int enroll(qp_registry *reg, const qp_key *by, const qp_key *who, const char *role, const char *until)
{
	char *body = tu_enroll_body(who, role, until);
	int err = qp_registry_submit(reg, by, "key.enroll", body, NULL);
	free(body);
	return err;
}

/* The registry whose current log state forged entries name (NULL: the empty log), or an explicit state. */
static qp_registry *forge_reg;
static const qp_log_state *forge_log;

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
	f->auditor = tu_seeded_key("330681.auditor.wang", 4);
	f->stranger = tu_seeded_key("330681.officer.zhao", 5);
	f->reg = tu_registry_create(f->db, ORIGIN, f->authority, f->log);
	assert_int_equal(enroll(f->reg, f->authority, f->officer, "officer", NULL), QP_OK);
	assert_int_equal(enroll(f->reg, f->authority, f->auditor, "auditor", NULL), QP_OK);
	forge_reg = f->reg;
	forge_log = NULL;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	qp_clock_set(0);
	qp_alloc_fail_at(0, 0);
	forge_reg = NULL;
	forge_log = NULL;
	qp_registry_free(f->reg);
	qp_key_free(f->authority);
	qp_key_free(f->log);
	qp_key_free(f->officer);
	qp_key_free(f->auditor);
	qp_key_free(f->stranger);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

/* Sign an entry with full control over its parts. */
static char *forge(const qp_key *key, const char *origin, const char *type, const char *time, const char *body,
		   size_t *len)
{
	char *text = NULL, *note = NULL;
	size_t text_len = 0;
	cJSON *b = cJSON_Parse(body);
	assert_non_null(b);
	qp_log_state log = {0, {0}};
	if (forge_log)
		log = *forge_log;
	else if (forge_reg)
		assert_int_equal(qp_registry_log_state(&log, forge_reg), QP_OK);
	else
		qp_logstate_empty_root(log.root);
	assert_int_equal(qp_entry_text(&text, &text_len, origin, type, qp_key_name(key), time, &log, b),
			 QP_OK);
	assert_int_equal(qp_note_sign(&note, len, text, text_len, &key, 1), QP_OK);
	cJSON_Delete(b);
	qp_free(text);
	return note;
}

static const char *now_text(void)
{
	static char buf[QP_TIME_LEN + 1];
	qp_time_format(buf, qp_clock_now());
	return buf;
}

/* Append must fail with code and message, and change nothing. */
static void expect_refused(fx *f, const char *note, size_t len, int code, const char *needle)
{
	uint64_t before = tu_log_size(f->reg);
	qp_key_info *k0 = NULL, *k1 = NULL;
	size_t n0 = 0, n1 = 0;
	assert_int_equal(qp_registry_keys(&k0, &n0, f->reg), QP_OK);
	int rc = qp_registry_append(f->reg, note, len, NULL);
	if (rc != code)
		fail_msg("append gave %d (%s), expected %d", rc, qp_error_last()->message, code);
	assert_error_contains(needle);
	assert_int_equal(tu_log_size(f->reg), before);
	assert_int_equal(qp_registry_keys(&k1, &n1, f->reg), QP_OK);
	assert_int_equal(n0, n1);
	for (size_t i = 0; i < n0; i++)
		assert_int_equal(k0[i].revoked, k1[i].revoked);
	qp_key_infos_free(k0, n0);
	qp_key_infos_free(k1, n1);
}

static void test_create(void **state)
{
	fx *f = *state;
	assert_int_equal(tu_log_size(f->reg), 5);
	assert_string_equal(qp_registry_origin(f->reg), ORIGIN);
	assert_string_equal(qp_registry_county(f->reg), "330681");
	assert_string_equal(qp_registry_county_name(f->reg), "诸暨市");
	char *auth = tu_vkey(f->authority);
	assert_string_equal(qp_registry_authority(f->reg), auth);
	free(auth);
	qp_key_info *keys = NULL;
	size_t n = 0;
	assert_int_equal(qp_registry_keys(&keys, &n, f->reg), QP_OK);
	assert_int_equal(n, 4);
	assert_string_equal(keys[0].role, "authority");
	assert_string_equal(keys[1].role, "log");
	assert_string_equal(keys[1].name, ORIGIN);
	assert_string_equal(keys[2].role, "officer");
	assert_int_equal(keys[2].enrolled_at, 3);
	qp_key_infos_free(keys, n);
	char *policy = NULL;
	uint64_t since = 99;
	assert_int_equal(qp_registry_policy(&policy, &since, f->reg), QP_OK);
	assert_int_equal(since, 2);
	assert_non_null(strstr(policy, "\"max_area\":16000"));
	free(policy);
	/* The first three entries are signed by the authority, in order. */
	const char *types[] = {"registry.genesis", "key.enroll", "policy.set"};
	for (uint64_t i = 0; i < 3; i++) {
		char *note = NULL;
		size_t len = 0;
		qp_entry *e = NULL;
		assert_int_equal(qp_log_entry(&note, &len, f->reg, i), QP_OK);
		assert_int_equal(qp_entry_parse(&e, note, len), QP_OK);
		assert_string_equal(e->type, types[i]);
		assert_string_equal(e->signer, "330681.authority");
		qp_entry_free(e);
		free(note);
	}
	/* Reopening gives the same facts. */
	qp_registry *again = NULL;
	if (qp_registry_open(&again, f->db, QP_STORE_READONLY) != QP_OK)
		fail_msg("reopen: %s", qp_error_last()->message);
	assert_string_equal(qp_registry_origin(again), ORIGIN);
	qp_registry_free(again);
}

static void test_create_refusals(void **state)
{
	fx *f = *state;
	qp_registry *r = NULL;
	char *log_vkey = tu_vkey(f->log), *other = tu_path(f->dir, "other.db");
	qp_genesis g = {ORIGIN, "330681", "诸暨市", log_vkey};
	/* An existing file is never overwritten. */
	tu_copy(f->db, other);
	assert_int_equal(qp_registry_create(&r, f->db, &g, f->authority), QP_ECONFLICT);
	assert_error_contains("already exists");
	assert_true(tu_same_file(f->db, other));
	unlink(other);
	struct {
		qp_genesis g;
		int code;
		const char *why;
	} bad[] = {
		{{"bad origin", "330681", "诸暨市", log_vkey}, QP_EINVALID, "origin"},
		{{ORIGIN, "330600", "诸暨市", log_vkey}, QP_EINVALID, "prefecture"},
		{{ORIGIN, "330681", "", log_vkey}, QP_EINVALID, "county name"},
		{{ORIGIN, "330681", "诸暨市", "not a key"}, QP_EINVALID, "log key"},
		{{"other.example/log", "330681", "诸暨市", log_vkey}, QP_EINVALID, "must be the origin"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(qp_registry_create(&r, other, &bad[i].g, f->authority), bad[i].code);
		assert_error_contains(bad[i].why);
		assert_null(r);
		assert_false(tu_exists(other));
	}
	/* The authority may not share the log's name. */
	assert_int_equal(qp_registry_create(&r, other, &g, f->log), QP_EINVALID);
	assert_false(tu_exists(other));
	free(log_vkey);
	free(other);
}

static void test_open_refusals(void **state)
{
	fx *f = *state;
	qp_registry *r = NULL;
	qp_store *s = NULL;
	char *bare = tu_path(f->dir, "bare.db");
	assert_int_equal(qp_store_open(&s, bare, QP_STORE_CREATE), QP_OK);
	qp_store_free(s);
	assert_int_equal(qp_registry_open(&r, bare, 0), QP_ECORRUPT);
	assert_error_contains("never initialised");
	free(bare);
}

static void test_roles(void **state)
{
	fx *f = *state;
	size_t len;
	char *note;
	char *vkey = tu_vkey(f->stranger), body[512];
	snprintf(body, sizeof(body), "{\"role\":\"officer\",\"vkey\":\"%s\"}", vkey);
	free(vkey);

	/* An officer key enrolling keys. */
	note = forge(f->officer, ORIGIN, "key.enroll", now_text(), body, &len);
	expect_refused(f, note, len, QP_EPERM, "key 330681.officer.li has role officer; key.enroll entries must be signed by an authority key");
	free(note);
	/* The log key appending registry entries. */
	note = forge(f->log, ORIGIN, "key.enroll", now_text(), body, &len);
	expect_refused(f, note, len, QP_EPERM, "has role log");
	free(note);
	note = forge(f->log, ORIGIN, "village.add", now_text(), "{}", &len);
	expect_refused(f, note, len, QP_EPERM, "village.add entries must be signed by an officer key");
	free(note);
	/* The auditor key appending anything. */
	const char *types[] = {"key.enroll", "policy.set", "village.add", "cert.issue", "home.add"};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		note = forge(f->auditor, ORIGIN, types[i], now_text(), "{}", &len);
		expect_refused(f, note, len, QP_EPERM, "has role auditor");
		free(note);
	}
	/* An unknown signer. */
	note = forge(f->stranger, ORIGIN, "village.add", now_text(), "{}", &len);
	expect_refused(f, note, len, QP_EPERM, "signer 330681.officer.zhao (key ID");
	free(note);
	/* The authority's own entries still work. */
	assert_int_equal(qp_registry_submit(f->reg, f->authority, "key.enroll", body, NULL), QP_OK);
}

static void test_revoked_key(void **state)
{
	fx *f = *state;
	size_t len;
	/* Signed while the key was valid, submitted after its revocation. */
	char *early = forge(f->officer, ORIGIN, "village.add", now_text(), "{}", &len);
	uint64_t at = 0;
	assert_int_equal(qp_registry_submit(f->reg, f->authority, "key.revoke",
					    "{\"name\":\"330681.officer.li\",\"reason\":\"left the bureau\"}", &at),
			 QP_OK);
	expect_refused(f, early, len, QP_EPERM, "was revoked by entry");
	free(early);
	char *late = forge(f->officer, ORIGIN, "village.add", now_text(), "{}", &len);
	expect_refused(f, late, len, QP_EPERM, "signs nothing after it");
	free(late);
	/* Revoking again, or an unknown name, or the authority. */
	assert_int_equal(qp_registry_submit(f->reg, f->authority, "key.revoke",
					    "{\"name\":\"330681.officer.li\",\"reason\":\"again\"}", NULL),
			 QP_ENOTFOUND);
	assert_int_equal(qp_registry_submit(f->reg, f->authority, "key.revoke",
					    "{\"name\":\"330681.authority\",\"reason\":\"x\"}", NULL),
			 QP_EINVALID);
	assert_error_contains("authority key cannot be revoked");
	/* The name can get a new key after revocation; the old one stays revoked. */
	assert_int_equal(enroll(f->reg, f->authority, f->officer, "officer", NULL), QP_ECONFLICT);
	qp_key_info *keys = NULL;
	size_t n = 0;
	assert_int_equal(qp_registry_keys(&keys, &n, f->reg), QP_OK);
	assert_true(keys[2].revoked);
	assert_int_equal(keys[2].revoked_at, at);
	assert_string_equal(keys[2].revoke_reason, "left the bureau");
	qp_key_infos_free(keys, n);
}

static void test_expired_key(void **state)
{
	fx *f = *state;
	size_t len;
	qp_key *temp = tu_seeded_key("330681.officer.temp", 9);
	assert_int_equal(enroll(f->reg, f->authority, temp, "officer", "2026-12-31"), QP_OK);
	/* 2027-01-01: one day past the last valid day. */
	qp_clock_set(1798761600);
	char *note = forge(temp, ORIGIN, "village.add", now_text(), "{}", &len);
	expect_refused(f, note, len, QP_EPERM, "expired on 2026-12-31");
	free(note);
	/* valid_until before the entry date is refused at enrolment. */
	assert_int_equal(enroll(f->reg, f->authority, f->stranger, "officer", "2026-06-30"), QP_EINVALID);
	assert_error_contains("before the entry's date");
	qp_key_free(temp);
}

static void test_origin_time_signature(void **state)
{
	fx *f = *state;
	size_t len;
	char *note = forge(f->authority, "other.example/log", "policy.set", now_text(), "{}", &len);
	expect_refused(f, note, len, QP_EPERM, "entry is for log other.example/log");
	free(note);

	char future[QP_TIME_LEN + 1];
	qp_time_format(future, qp_clock_now() + QP_ENTRY_MAX_FUTURE_SECONDS + 1);
	note = forge(f->officer, ORIGIN, "village.add", future, "{}", &len);
	expect_refused(f, note, len, QP_EINVALID, "minutes in the future");
	free(note);
	/* Exactly at the limit is accepted as far as time goes (then the type rules speak). */
	qp_time_format(future, qp_clock_now() + QP_ENTRY_MAX_FUTURE_SECONDS);
	note = forge(f->officer, ORIGIN, "village.add", future, "{}", &len);
	expect_refused(f, note, len, QP_EINVALID, "village.add: body.code is missing");
	free(note);

	/* One changed byte of the text: the signature no longer verifies. */
	char *vkey = tu_vkey(f->stranger), body[512];
	snprintf(body, sizeof(body), "{\"role\":\"officer\",\"vkey\":\"%s\"}", vkey);
	free(vkey);
	note = forge(f->authority, ORIGIN, "key.enroll", now_text(), body, &len);
	char *p = strstr(note, "officer");
	assert_non_null(p);
	memcpy(p, "auditor", 7);
	expect_refused(f, note, len, QP_EPERM, "does not verify");
	free(note);
}

static void test_malformed(void **state)
{
	fx *f = *state;
	size_t len;
	char *note = forge(f->authority, ORIGIN, "key.enroll", now_text(), "{\"role\":\"officer\"}", &len);
	expect_refused(f, note, len, QP_EINVALID, "body.vkey is missing");
	free(note);
	note = forge(f->authority, ORIGIN, "key.enroll", now_text(), "{\"role\":\"authority\",\"vkey\":\"x\"}", &len);
	expect_refused(f, note, len, QP_EINVALID, "the authority is named by the genesis entry");
	free(note);
	note = forge(f->authority, ORIGIN, "policy.set", now_text(), "{\"params\":{}}", &len);
	expect_refused(f, note, len, QP_EINVALID, "policy:");
	free(note);
	note = forge(f->authority, ORIGIN, "registry.genesis", now_text(), "{}", &len);
	expect_refused(f, note, len, QP_ECONFLICT, "already has its genesis");
	free(note);
	expect_refused(f, "not a note", 10, QP_EINVALID, "entry");
	/* Not canonical JSON: a space after the colon, re-signed. */
	const qp_key *k = f->authority;
	const char *text =
	    "quanpiao/entry/v2\n{\"body\": "
	    "{},\"log\":{\"root\":\"47DEQpj8HBSa+/"
	    "TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\",\"size\":0},\"origin\":\"" ORIGIN
	    "\",\"signer\":\"330681.authority\",\"time\":\"2026-11-19T08:26:40Z\",\"type\":\"policy.set\"}\n";
	assert_int_equal(qp_note_sign(&note, &len, text, strlen(text), &k, 1), QP_OK);
	expect_refused(f, note, len, QP_EINVALID, "not canonical");
	free(note);
	/* A log key with the wrong name. */
	qp_key *wrong = tu_seeded_key("wrong.example/log", 11);
	assert_int_equal(enroll(f->reg, f->authority, wrong, "log", NULL), QP_EINVALID);
	assert_error_contains("must be named after the origin");
	qp_key_free(wrong);
}

static void test_batch(void **state)
{
	fx *f = *state;
	char *vk1 = tu_vkey(f->stranger), b1[512];
	snprintf(b1, sizeof(b1), "{\"role\":\"officer\",\"vkey\":\"%s\"}", vk1);
	free(vk1);
	size_t lens[3];
	char *notes[3];
	notes[0] = forge(f->authority, ORIGIN, "key.enroll", now_text(), b1, &lens[0]);
	notes[1] = forge(f->officer, ORIGIN, "key.enroll", now_text(), b1, &lens[1]); /* wrong role */
	notes[2] = forge(f->authority, ORIGIN, "key.revoke",
			 now_text(), "{\"name\":\"330681.officer.zhao\",\"reason\":\"test\"}", &lens[2]);
	uint64_t idx[3] = {0};
	int res[3] = {0};
	uint64_t before = tu_log_size(f->reg);
	assert_int_equal(qp_registry_append_batch(f->reg, (const char *const *)notes, lens, 3, idx, res), QP_OK);
	assert_int_equal(res[0], QP_OK);
	assert_int_equal(res[1], QP_EPERM);
	assert_int_equal(res[2], QP_OK);
	assert_int_equal(idx[0], before);
	assert_int_equal(idx[2], before + 1);
	assert_int_equal(tu_log_size(f->reg), before + 2);
	for (int i = 0; i < 3; i++)
		free(notes[i]);
}

static void test_checkpoints_and_proofs(void **state)
{
	fx *f = *state;
	char *cp = NULL, *cp2 = NULL;
	size_t len = 0, len2 = 0;
	/* Only the log key signs checkpoints. */
	assert_int_equal(qp_log_sign(&cp, &len, f->reg, f->officer), QP_EPERM);
	assert_error_contains("only the log key");
	assert_int_equal(qp_log_sign(&cp, &len, f->reg, f->stranger), QP_EPERM);
	assert_int_equal(qp_log_checkpoint(&cp, &len, NULL, f->reg, QP_LOG_LATEST), QP_ENOTFOUND);
	assert_int_equal(qp_log_sign(&cp, &len, f->reg, f->log), QP_OK);
	/* Signing again at the same size returns the same checkpoint. */
	assert_int_equal(qp_log_sign(&cp2, &len2, f->reg, f->log), QP_OK);
	assert_int_equal(len, len2);
	assert_memory_equal(cp, cp2, len);
	free(cp2);

	/* The checkpoint verifies with the log's vkey and names the tree. */
	qp_verifier *lv = NULL;
	qp_note *opened = NULL;
	assert_int_equal(qp_key_verifier(&lv, f->log), QP_OK);
	const qp_verifier *known[] = {lv};
	assert_int_equal(qp_note_open(&opened, cp, len, known, 1), QP_OK);
	qp_checkpoint c;
	assert_int_equal(qp_checkpoint_parse(&c, opened->text, opened->text_len), QP_OK);
	assert_string_equal(c.origin, ORIGIN);
	assert_int_equal(c.size, 5);
	unsigned char root[QP_HASH_LEN];
	assert_int_equal(qp_log_root(root, f->reg, 5), QP_OK);
	assert_memory_equal(root, c.root, QP_HASH_LEN);
	qp_note_free(opened);

	/* Every entry's inclusion proof verifies against the checkpoint's root. */
	for (uint64_t i = 0; i < 5; i++) {
		char *note = NULL;
		size_t nlen;
		unsigned char leaf[QP_HASH_LEN];
		qp_merkle_proof proof;
		assert_int_equal(qp_log_entry(&note, &nlen, f->reg, i), QP_OK);
		qp_merkle_leaf_hash(leaf, note, nlen);
		assert_int_equal(qp_log_inclusion(&proof, f->reg, i, 5), QP_OK);
		assert_int_equal(qp_merkle_verify_inclusion(leaf, i, 5, &proof, c.root), QP_OK);
		free(note);
	}
	/* Grow the log; a new checkpoint; consistency from the old one. */
	assert_int_equal(enroll(f->reg, f->authority, f->stranger, "officer", NULL), QP_OK);
	assert_int_equal(qp_log_sign(&cp2, &len2, f->reg, f->log), QP_OK);
	qp_merkle_proof cons;
	unsigned char root6[QP_HASH_LEN];
	assert_int_equal(qp_log_root(root6, f->reg, 6), QP_OK);
	assert_int_equal(qp_log_consistency(&cons, f->reg, 5, 6), QP_OK);
	assert_int_equal(qp_merkle_verify_consistency(5, 6, c.root, root6, &cons), QP_OK);
	/* Both checkpoints are kept. */
	uint64_t got = 0;
	char *old = NULL;
	size_t old_len = 0;
	assert_int_equal(qp_log_checkpoint(&old, &old_len, &got, f->reg, 5), QP_OK);
	assert_int_equal(got, 5);
	assert_memory_equal(old, cp, len);
	free(old);

	/* Texts: tlog-proof and the witness request. */
	char *text = NULL;
	size_t tlen = 0;
	assert_int_equal(qp_log_tlog_proof(&text, &tlen, f->reg, 1, 5), QP_OK);
	assert_true(strncmp(text, "c2sp.org/tlog-proof@v1\nindex 1\n", 31) == 0);
	assert_memory_equal(text + tlen - len, cp, len);
	free(text);
	assert_int_equal(qp_log_tlog_proof(&text, &tlen, f->reg, 5, 5), QP_EINVALID);
	assert_int_equal(qp_log_tlog_proof(&text, &tlen, f->reg, 0, 4), QP_ENOTFOUND);
	assert_int_equal(qp_log_witness_request(&text, &tlen, f->reg, 5), QP_OK);
	assert_true(strncmp(text, "old 5\n", 6) == 0);
	assert_memory_equal(text + tlen - len2, cp2, len2);
	free(text);
	assert_int_equal(qp_log_witness_request(&text, &tlen, f->reg, 0), QP_OK);
	assert_true(strncmp(text, "old 0\n\n", 7) == 0);
	free(text);
	assert_int_equal(qp_log_witness_request(&text, &tlen, f->reg, 7), QP_EINVALID);
	assert_int_equal(qp_log_inclusion(&cons, f->reg, 6, 6), QP_EINVALID);
	assert_int_equal(qp_log_root(root, f->reg, 99), QP_EINVALID);

	/* A revoked log key signs no more checkpoints. */
	assert_int_equal(qp_registry_submit(f->reg, f->authority, "key.revoke",
					    "{\"name\":\"" ORIGIN "\",\"reason\":\"rotated\"}", NULL),
			 QP_OK);
	assert_int_equal(qp_log_sign(&text, &tlen, f->reg, f->log), QP_EPERM);
	assert_error_contains("revoked");
	qp_verifier_free(lv);
	free(cp);
	free(cp2);
}

static void test_checkpoint_parse(void **state)
{
	qp_checkpoint c;
	const char *good = "example.com/log\n12\nSijqfFyweN7GiNdl7oW+qH7vWf1+g3GibeOVONJ+eNg=\n";
	assert_int_equal(qp_checkpoint_parse(&c, good, strlen(good)), QP_OK);
	assert_int_equal(c.size, 12);
	const char *bad[] = {
		"example.com/log\n012\nSijqfFyweN7GiNdl7oW+qH7vWf1+g3GibeOVONJ+eNg=\n",
		"example.com/log\n12\nSijqfFyweN7GiNdl7oW+qH7vWf1+g3GibeOVONJ+eN=\n",
		"example.com/log\n12\n",
		"\n12\nSijqfFyweN7GiNdl7oW+qH7vWf1+g3GibeOVONJ+eNg=\n",
		"example.com/log\n-1\nSijqfFyweN7GiNdl7oW+qH7vWf1+g3GibeOVONJ+eNg=\n",
		"example.com/log\n12\nSijqfFyweN7GiNdl7oW+qH7vWf1+g3GibeOVONJ+eNg=\n\n",
		"example\tcom/log\n12\nSijqfFyweN7GiNdl7oW+qH7vWf1+g3GibeOVONJ+eNg=\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(qp_checkpoint_parse(&c, bad[i], strlen(bad[i])), QP_EINVALID);
	/* A NUL inside the origin line (found by fuzzing): refused, not cut short. */
	static const char nul[] = "example.com\0/log\n12\nSijqfFyweN7GiNdl7oW+qH7vWf1+g3GibeOVONJ+eNg=\n";
	assert_int_equal(qp_checkpoint_parse(&c, nul, sizeof(nul) - 1), QP_EINVALID);
	assert_error_contains("origin line contains a control character");
}

static void test_alloc_failures(void **state)
{
	fx *f = *state;
	char *vkey = tu_vkey(f->stranger), body[512];
	snprintf(body, sizeof(body), "{\"role\":\"officer\",\"vkey\":\"%s\"}", vkey);
	free(vkey);
	size_t len;
	char *note = forge(f->authority, ORIGIN, "key.enroll", now_text(), body, &len);
	uint64_t before = tu_log_size(f->reg);
	/* Fail each allocation of the append in turn: an error, never a partial append. */
	for (unsigned long n = 1;; n++) {
		qp_alloc_fail_at(n, 0);
		int rc = qp_registry_append(f->reg, note, len, NULL);
		qp_alloc_fail_at(0, 0);
		if (rc == QP_OK)
			break;
		assert_int_equal(rc, QP_ENOMEM);
		assert_int_equal(tu_log_size(f->reg), before);
		assert_true(n < 10000);
	}
	assert_int_equal(tu_log_size(f->reg), before + 1);
	free(note);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_origin_time_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints_and_proofs, setup, teardown),
		cmocka_unit_test(test_checkpoint_parse),
		cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
