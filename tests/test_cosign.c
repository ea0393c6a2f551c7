/*
 * test_cosign.c - witness cosignatures (c2sp.org/tlog-cosignature): the
 * signed message and line rebuilt here from the specification, every way
 * a line can be wrong, the witness's consistency checks (growth, the same
 * checkpoint, a rewritten log, a shrunk log, another log), and the
 * registry's store of cosignatures: who may cosign, replacement by newer
 * lines, and the checkpoint printed with its cosignatures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "clock.h"
#include "quanpiao/quanpiao.h"
#include "testutil.h"

#define ORIGIN "zhuji.example/quanpiao"
#define T0     1795000000

typedef struct fx {
	char *dir, *db, *db2;
	qp_key *authority, *log, *officer, *auditor, *auditor2;
	qp_registry *reg;
	qp_verifier *log_v;
} fx;

static void enroll_vkey(qp_registry *reg, const qp_key *by, const char *vkey, const char *role)
{
	char body[1024];
	snprintf(body, sizeof(body), "{\"role\":\"%s\",\"vkey\":\"%s\"}", role, vkey);
	if (qp_registry_submit(reg, by, "key.enroll", body, NULL) != QP_OK)
		fail_msg("enrol %s: %s", vkey, qp_error_last()->message);
}

/* Make a registry at path with the fixture's keys; officers n more entries. */
static qp_registry *make_registry(fx *f, const char *path)
{
	qp_registry *reg = tu_registry_create(path, ORIGIN, f->authority, f->log);
	tu_enroll(reg, f->authority, f->officer, "officer");
	tu_enroll(reg, f->authority, f->auditor, "auditor");
	return reg;
}

static void add_village(qp_registry *reg, const qp_key *officer, int n)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"code\":\"330681101%03d\",\"name\":\"村%d\"}", 200 + n, n);
	if (qp_registry_submit(reg, officer, "village.add", body, NULL) != QP_OK)
		fail_msg("village.add: %s", qp_error_last()->message);
}

static char *sign_checkpoint(qp_registry *reg, const qp_key *log, size_t *len)
{
	char *note = NULL;
	assert_int_equal(qp_log_sign(&note, len, reg, log), QP_OK);
	return note;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_true(sodium_init() >= 0);
	qp_clock_set(T0);
	f->dir = tu_mkdtemp();
	f->db = tu_path(f->dir, "registry.db");
	f->db2 = tu_path(f->dir, "rewritten.db");
	f->authority = tu_seeded_key("330681.authority", 1);
	f->log = tu_seeded_key(ORIGIN, 2);
	f->officer = tu_seeded_key("330681.officer.li", 3);
	f->auditor = tu_seeded_key("330681.auditor.wang", 4);
	f->auditor2 = tu_seeded_key("330681.auditor.chen", 6);
	assert_int_equal(qp_key_verifier(&f->log_v, f->log), QP_OK);
	f->reg = make_registry(f, f->db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	qp_clock_set(0);
	qp_alloc_fail_at(0, 0);
	qp_registry_free(f->reg);
	qp_verifier_free(f->log_v);
	qp_key_free(f->authority);
	qp_key_free(f->log);
	qp_key_free(f->officer);
	qp_key_free(f->auditor);
	qp_key_free(f->auditor2);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f->db2);
	free(f);
	return 0;
}

/* The text of a note: everything up to and including the newline before the blank line. */
static size_t text_len_of(const char *note)
{
	for (size_t i = 1; note[i]; i++)
		if (note[i] == '\n' && note[i - 1] == '\n')
			return i;
	fail_msg("no blank line in the note");
	return 0;
}

/* The message, key ID and line, built here from the specification alone. */
static void test_sign_matches_spec(void **state)
{
	fx *f = *state;
	size_t cp_len, line_len;
	char *cp = sign_checkpoint(f->reg, f->log, &cp_len), *line = NULL;
	assert_int_equal(qp_cosign_sign(&line, &line_len, f->auditor, cp, cp_len, 1679315147), QP_OK);
	assert_int_equal(strlen(line), line_len);

	/* key ID = SHA-256(name || "\n" || 0x04 || pub)[:4] */
	const char *name = qp_key_name(f->auditor);
	unsigned char buf[256], sum[32];
	size_t n = strlen(name);
	memcpy(buf, name, n);
	buf[n] = '\n';
	buf[n + 1] = 0x04;
	memcpy(buf + n + 2, qp_key_public(f->auditor), 32);
	crypto_hash_sha256(sum, buf, n + 34);

	/* "— name base64(id || timestamp BE || sig)\n" */
	char prefix[256];
	snprintf(prefix, sizeof(prefix), "\xE2\x80\x94 %s ", name);
	assert_int_equal(strncmp(line, prefix, strlen(prefix)), 0);
	assert_int_equal(line[line_len - 1], '\n');
	unsigned char raw[80];
	size_t raw_len = 0;
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), line + strlen(prefix),
					   line_len - strlen(prefix) - 1, NULL, &raw_len, NULL,
					   sodium_base64_VARIANT_ORIGINAL),
			 0);
	assert_int_equal(raw_len, 76);
	assert_memory_equal(raw, sum, 4);
	static const unsigned char ts[8] = {0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcb};
	assert_memory_equal(raw + 4, ts, 8);
	char msg[1024];
	int m = snprintf(msg, sizeof(msg), "cosignature/v1\ntime 1679315147\n%.*s", (int)text_len_of(cp), cp);
	assert_int_equal(
	    crypto_sign_verify_detached(raw + 12, (unsigned char *)msg, (size_t)m, qp_key_public(f->auditor)),
	    0);

	/* Verifies against the ordinary (0x01) verifier and the 0x04 one, note or bare text. */
	qp_verifier *v1 = NULL, *v4 = NULL;
	uint64_t t = 0;
	assert_int_equal(qp_key_verifier(&v1, f->auditor), QP_OK);
	assert_int_equal(qp_cosign_verifier(&v4, v1), QP_OK);
	assert_int_equal(qp_verifier_type(v4), QP_KEY_TYPE_COSIGNATURE);
	assert_int_equal(qp_verifier_id(v4), qp_key_compute_id(name, 0x04, qp_key_public(f->auditor)));
	assert_int_equal(qp_verifier_id(v4), (uint32_t)sum[0] << 24 | sum[1] << 16 | sum[2] << 8 | sum[3]);
	assert_int_equal(qp_cosign_verify(&t, v1, line, line_len, cp, cp_len), QP_OK);
	assert_int_equal(t, 1679315147);
	assert_int_equal(qp_cosign_verify(NULL, v4, line, line_len - 1, cp, text_len_of(cp)), QP_OK);
	qp_verifier *again = NULL;
	assert_int_equal(qp_cosign_verifier(&again, v4), QP_OK);
	assert_int_equal(qp_verifier_id(again), qp_verifier_id(v4));
	qp_verifier_free(again);
	/* The checkpoint as printed with cosignatures is a note any C2SP verifier opens. */
	char *both = malloc(cp_len + line_len + 1);
	memcpy(both, cp, cp_len);
	memcpy(both + cp_len, line, line_len + 1);
	qp_note *note = NULL;
	assert_int_equal(
	    qp_note_open(&note, both, cp_len + line_len, (const qp_verifier *const *)&f->log_v, 1), QP_OK);
	assert_int_equal(note->nsigs, 2);
	assert_null(note->sigs[1].by);
	assert_int_equal(note->sigs[1].sig_len, 72);
	qp_note_free(note);
	/* Timestamp 0 means now. */
	char *now_line = NULL;
	assert_int_equal(qp_cosign_sign(&now_line, NULL, f->auditor, cp, cp_len, 0), QP_OK);
	assert_int_equal(qp_cosign_verify(&t, v1, now_line, strlen(now_line), cp, cp_len), QP_OK);
	assert_int_equal(t, T0);
	free(now_line);
	free(both);
	qp_verifier_free(v1);
	qp_verifier_free(v4);
	free(line);
	free(cp);
}

/* The specification's example line frames a key ID, the timestamp of its message example and 64 bytes. */
static void test_spec_example(void **state)
{
	(void)state;
	static const char example[] =
	    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
	    "\xE2\x80\x94 example.com/behind-the-sofa "
	    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
	    "\xE2\x80\x94 witness.example.com/w1 "
	    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/"
	    "zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
	qp_note *note = NULL;
	assert_int_equal(qp_note_parse(&note, example, strlen(example)), QP_OK);
	assert_int_equal(note->nsigs, 2);
	assert_int_equal(note->sigs[1].id, 0x8d66cf3f);
	assert_int_equal(note->sigs[1].sig_len, 8 + 64);
	uint64_t t = 0;
	for (int i = 0; i < 8; i++)
		t = t << 8 | note->sigs[1].sig[i];
	assert_int_equal(t, 1679315147);
	qp_note_free(note);
	/* A witness key of that name verifies nothing of it: the line is someone else's. */
	qp_key *k = tu_seeded_key("witness.example.com/w1", 9);
	qp_verifier *v = NULL;
	assert_int_equal(qp_key_verifier(&v, k), QP_OK);
	const char *line = strstr(example, "\xE2\x80\x94 witness");
	assert_int_equal(qp_cosign_verify(NULL, v, line, strlen(line), example, strlen(example)), QP_EVERIFY);
	assert_error_contains("has key ID 8d66cf3f");
	qp_verifier_free(v);
	qp_key_free(k);
}

static void test_verify_refusals(void **state)
{
	fx *f = *state;
	size_t cp_len, line_len;
	char *cp = sign_checkpoint(f->reg, f->log, &cp_len), *line = NULL;
	assert_int_equal(qp_cosign_sign(&line, &line_len, f->auditor, cp, cp_len, T0), QP_OK);
	qp_verifier *v = NULL, *other = NULL;
	assert_int_equal(qp_key_verifier(&v, f->auditor), QP_OK);
	assert_int_equal(qp_key_verifier(&other, f->auditor2), QP_OK);

	/* Another key, another checkpoint, any changed signature byte. */
	assert_int_equal(qp_cosign_verify(NULL, other, line, line_len, cp, cp_len), QP_EVERIFY);
	assert_error_contains("is by 330681.auditor.wang, not 330681.auditor.chen");
	char *cp2 = strdup(cp);
	cp2[strlen(ORIGIN) + 1] = '9';
	assert_int_equal(qp_cosign_verify(NULL, v, line, line_len, cp2, cp_len), QP_EVERIFY);
	assert_error_contains("does not verify");
	size_t b64_at = strlen("\xE2\x80\x94 330681.auditor.wang ");
	for (size_t i = b64_at; i < line_len - 3; i++) {
		char *bad = strdup(line);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		int rc = qp_cosign_verify(NULL, v, bad, line_len, cp, cp_len);
		if (rc != QP_EVERIFY && rc != QP_EINVALID)
			fail_msg("byte %zu changed: %d", i, rc);
		free(bad);
	}
	/* Malformed lines. */
	static const char *const malformed[] = {
	    "",
	    "- 330681.auditor.wang AAAA\n",
	    "\xE2\x80\x94 330681.auditor.wang\n",
	    "\xE2\x80\x94 330681.auditor.wang AAAA\n",
	    "\xE2\x80\x94 bad name AAAA\n",
	    "\xE2\x80\x94 330681.auditor.wang AAAA\nsecond line\n",
	};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		assert_int_equal(qp_cosign_verify(NULL, v, malformed[i], strlen(malformed[i]), cp, cp_len),
				 QP_EINVALID);
	/* Non-canonical base64: the last character's unused bits set. */
	char *nc = strdup(line);
	char *pad = strchr(nc, '=');
	assert_non_null(pad);
	const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *pos = strchr(alphabet, pad[-1]);
	pad[-1] = alphabet[(pos - alphabet) ^ 1];
	assert_int_equal(qp_cosign_verify(NULL, v, nc, line_len, cp, cp_len), QP_EINVALID);
	free(nc);
	/* A timestamp beyond 2^63 - 1. */
	unsigned char raw[76];
	char b64[sodium_base64_ENCODED_LEN(76, sodium_base64_VARIANT_ORIGINAL)], big[256];
	memset(raw, 0, sizeof(raw));
	raw[4] = 0x80;
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
	snprintf(big, sizeof(big), "\xE2\x80\x94 330681.auditor.wang %s\n", b64);
	assert_int_equal(qp_cosign_verify(NULL, v, big, strlen(big), cp, cp_len), QP_EINVALID);
	assert_error_contains("beyond 2^63 - 1");
	/* Only checkpoints are cosigned. */
	free(cp2);
	assert_int_equal(qp_cosign_sign(&cp2, NULL, f->auditor, "not\na checkpoint\n", 17, T0), QP_EINVALID);
	assert_null(cp2);
	free(line);
	free(cp);
	qp_verifier_free(v);
	qp_verifier_free(other);
}

/* ---- the witness's checks -------------------------------------------------------- */

typedef struct seen {
	char *note;
	size_t len;
	qp_checkpoint cp;
} seen;

static void see(seen *s, qp_registry *reg, const qp_key *log)
{
	s->note = sign_checkpoint(reg, log, &s->len);
	qp_note *n = NULL;
	assert_int_equal(qp_note_parse(&n, s->note, s->len), QP_OK);
	assert_int_equal(qp_checkpoint_parse(&s->cp, n->text, n->text_len), QP_OK);
	qp_note_free(n);
}

/* Run the witness's checks of reg's latest checkpoint against old, as 'witness cosign' does. */
static int witness(fx *f, qp_registry *reg, const qp_checkpoint *old, qp_checkpoint *out)
{
	char *body = NULL;
	size_t len = 0, at = 0;
	uint64_t old_size = 0;
	qp_merkle_proof proof;
	int err = qp_log_witness_request(&body, &len, reg, old ? old->size : 0);
	if (err != QP_OK)
		return err;
	assert_int_equal(qp_cosign_parse_request(&old_size, &proof, &at, body, len), QP_OK);
	assert_int_equal(old_size, old ? old->size : 0);
	err = qp_cosign_check(out, body + at, len - at, f->log_v, old, &proof);
	free(body);
	return err;
}

static void test_witness_checks(void **state)
{
	fx *f = *state;
	seen a, b, c;
	qp_checkpoint got;
	see(&a, f->reg, f->log);
	/* First use: trusted as it is. */
	assert_int_equal(witness(f, f->reg, NULL, &got), QP_OK);
	assert_int_equal(got.size, a.cp.size);
	assert_string_equal(got.origin, ORIGIN);
	/* The same checkpoint again, and growth with a proof. */
	assert_int_equal(witness(f, f->reg, &a.cp, &got), QP_OK);
	for (int i = 0; i < 5; i++)
		add_village(f->reg, f->officer, i);
	see(&b, f->reg, f->log);
	assert_int_equal(witness(f, f->reg, &a.cp, &got), QP_OK);
	assert_int_equal(got.size, a.cp.size + 5);

	/* A rewritten log: same keys and origin, other entries. */
	qp_registry *r2 = make_registry(f, f->db2);
	for (int i = 0; i < 7; i++)
		add_village(r2, f->officer, 50 + i);
	see(&c, r2, f->log);
	assert_true(c.cp.size > b.cp.size);
	assert_int_equal(witness(f, r2, &b.cp, &got), QP_EVERIFY);
	assert_error_contains("inconsistent checkpoints: " ORIGIN " size 12 root ");
	assert_error_contains("does not extend " ORIGIN " size 10 root ");
	assert_error_contains("the consistency proof does not verify");
	assert_error_contains("a split view or a rewritten log");
	char b64[64];
	sodium_bin2base64(b64, sizeof(b64), b.cp.root, 32, sodium_base64_VARIANT_ORIGINAL);
	assert_error_contains(b64);
	sodium_bin2base64(b64, sizeof(b64), c.cp.root, 32, sodium_base64_VARIANT_ORIGINAL);
	assert_error_contains(b64);
	/* The same size with another root. */
	qp_checkpoint fake = c.cp;
	fake.root[0] ^= 1;
	qp_merkle_proof empty = {0};
	assert_int_equal(qp_cosign_check(&got, c.note, c.len, f->log_v, &fake, &empty), QP_EVERIFY);
	assert_error_contains("the same size with a different root");
	/* Equal checkpoints need an empty proof. */
	qp_merkle_proof one = {0};
	one.len = 1;
	assert_int_equal(qp_cosign_check(&got, c.note, c.len, f->log_v, &c.cp, &one), QP_EVERIFY);
	/* A log that shrank. */
	assert_int_equal(qp_cosign_check(&got, a.note, a.len, f->log_v, &b.cp, &empty), QP_EVERIFY);
	assert_error_contains("the log shrank");
	/* Another log. */
	qp_checkpoint foreign = a.cp;
	snprintf(foreign.origin, sizeof(foreign.origin), "other.example/log");
	assert_int_equal(qp_cosign_check(&got, b.note, b.len, f->log_v, &foreign, &empty), QP_EVERIFY);
	assert_error_contains("they are of different logs");
	/* A checkpoint not signed by the log key, or a log key not named as the origin. */
	qp_verifier *wrong = NULL;
	assert_int_equal(qp_key_verifier(&wrong, f->officer), QP_OK);
	assert_int_equal(qp_cosign_check(&got, b.note, b.len, wrong, NULL, NULL), QP_EVERIFY);
	qp_verifier_free(wrong);
	qp_key *renamed = tu_seeded_key("other.example/log", 2);
	size_t l2 = 0;
	const qp_key *rk = renamed;
	char *n2 = NULL;
	assert_int_equal(qp_note_sign(&n2, &l2, b.note, text_len_of(b.note), &rk, 1), QP_OK);
	assert_int_equal(qp_key_verifier(&wrong, renamed), QP_OK);
	assert_int_equal(qp_cosign_check(&got, n2, l2, wrong, NULL, NULL), QP_EVERIFY);
	assert_error_contains("is not the log key's name");
	free(n2);
	qp_verifier_free(wrong);
	qp_key_free(renamed);

	/* Malformed requests. */
	uint64_t old = 0;
	size_t at = 0;
	qp_merkle_proof p;
	static const char *const bad[] = {"",	     "old\n\nx", "old 01\n\nx", "old 1\nnot base64\n\nx",
					  "old 1\n", "old 1\n\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(qp_cosign_parse_request(&old, &p, &at, bad[i], strlen(bad[i])), QP_EINVALID);
	qp_registry_free(r2);
	free(a.note);
	free(b.note);
	free(c.note);
}

/* ---- the registry's store --------------------------------------------------------- */

static void test_store(void **state)
{
	fx *f = *state;
	size_t cp_len, line_len, n = 0, len = 0;
	char *line = NULL, *printed = NULL, *bare = NULL;
	uint64_t size = 0;

	/* No checkpoint yet. */
	static const char other_cp[] = "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	assert_int_equal(qp_cosign_sign(&line, &line_len, f->auditor, other_cp, strlen(other_cp), T0), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, line, line_len, QP_LOG_LATEST), QP_ENOTFOUND);
	free(line);

	char *cp = sign_checkpoint(f->reg, f->log, &cp_len);
	/* Without cosignatures the checkpoint prints as signed. */
	assert_int_equal(qp_log_checkpoint_cosigned(&printed, &len, &size, &n, f->reg, QP_LOG_LATEST), QP_OK);
	assert_int_equal(n, 0);
	assert_int_equal(len, cp_len);
	assert_memory_equal(printed, cp, cp_len);
	free(printed);
	uint64_t cosigned = 0;
	assert_int_equal(qp_log_cosigned_size(&cosigned, f->reg, 1), QP_ENOTFOUND);
	assert_error_contains("no checkpoint has 1 cosignature yet");
	assert_int_equal(qp_log_cosigned_size(&cosigned, f->reg, 0), QP_EINVALID);
	assert_int_equal(qp_log_cosigned_size(&cosigned, f->reg, QP_NOTE_MAX_SIGS), QP_EINVALID);

	/* An auditor's line is stored and printed under the checkpoint. */
	assert_int_equal(qp_cosign_sign(&line, &line_len, f->auditor, cp, cp_len, T0 - 10), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, line, line_len - 1, QP_LOG_LATEST), QP_OK);
	assert_int_equal(qp_log_cosigned_size(&cosigned, f->reg, 1), QP_OK);
	assert_int_equal(cosigned, size);
	assert_int_equal(qp_log_cosigned_size(&cosigned, f->reg, 2), QP_ENOTFOUND);
	assert_int_equal(qp_log_checkpoint_cosigned(&printed, &len, &size, &n, f->reg, size), QP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(len, cp_len + line_len);
	assert_memory_equal(printed + cp_len, line, line_len);
	free(printed);
	/* An older line does not replace it; a newer one does. */
	char *older = NULL, *newer = NULL;
	assert_int_equal(qp_cosign_sign(&older, NULL, f->auditor, cp, cp_len, T0 - 20), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, older, strlen(older), size), QP_OK);
	assert_int_equal(qp_log_checkpoint_cosigned(&printed, &len, NULL, &n, f->reg, size), QP_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(printed + cp_len, line, line_len);
	free(printed);
	assert_int_equal(qp_cosign_sign(&newer, NULL, f->auditor, cp, cp_len, T0), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, newer, strlen(newer), size), QP_OK);
	assert_int_equal(qp_log_checkpoint_cosigned(&printed, &len, NULL, &n, f->reg, size), QP_OK);
	assert_int_equal(n, 1);
	assert_string_equal(printed + cp_len, newer);
	free(printed);
	/* The plain checkpoint is untouched. */
	assert_int_equal(qp_log_checkpoint(&bare, &len, NULL, f->reg, QP_LOG_LATEST), QP_OK);
	assert_int_equal(len, cp_len);
	free(bare);

	/* A second auditor, enrolled with a 0x04 vkey after the checkpoint: it cannot cosign that one
	 * (whoever holds the checkpoint could not find its key in the log), but it can the next. */
	qp_verifier *v1 = NULL, *v4 = NULL;
	char *s4 = NULL, *line2 = NULL, *wang = NULL;
	assert_int_equal(qp_key_verifier(&v1, f->auditor2), QP_OK);
	assert_int_equal(qp_cosign_verifier(&v4, v1), QP_OK);
	assert_int_equal(qp_verifier_string(&s4, v4), QP_OK);
	assert_int_equal(qp_cosign_sign(&line2, NULL, f->auditor2, cp, cp_len, T0), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, line2, strlen(line2), size), QP_EPERM);
	assert_error_contains("key 330681.auditor.chen is not enrolled in this registry");
	enroll_vkey(f->reg, f->authority, s4, "auditor");
	assert_int_equal(
	    qp_log_check_cosigner(f->reg, "330681.auditor.chen", qp_key_public(f->auditor2), QP_LOG_LATEST),
	    QP_EPERM);
	assert_error_contains("was enrolled by entry 5, which the checkpoint of size 5 does not cover");
	assert_int_equal(qp_log_add_cosignature(f->reg, line2, strlen(line2), size), QP_EPERM);
	assert_error_contains("was enrolled by entry 5");
	free(line2);
	size_t cp6_len;
	char *cp6 = sign_checkpoint(f->reg, f->log, &cp6_len);
	assert_int_equal(
	    qp_log_check_cosigner(f->reg, "330681.auditor.chen", qp_key_public(f->auditor2), QP_LOG_LATEST),
	    QP_OK);
	assert_int_equal(qp_log_check_cosigner(f->reg, "330681.auditor.chen", qp_key_public(f->auditor2), 5),
			 QP_EPERM);
	assert_int_equal(qp_log_check_cosigner(f->reg, "330681.auditor.chen", qp_key_public(f->auditor2), 4),
			 QP_ENOTFOUND);
	assert_int_equal(qp_cosign_sign(&wang, NULL, f->auditor, cp6, cp6_len, T0), QP_OK);
	assert_int_equal(qp_cosign_sign(&line2, NULL, f->auditor2, cp6, cp6_len, T0), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, wang, strlen(wang), QP_LOG_LATEST), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, line2, strlen(line2), QP_LOG_LATEST), QP_OK);
	/* The newest with two is this one; with one too (not the older one with one). */
	uint64_t size6 = 0;
	assert_int_equal(qp_log_cosigned_size(&size6, f->reg, 2), QP_OK);
	assert_int_equal(qp_log_cosigned_size(&cosigned, f->reg, 1), QP_OK);
	assert_int_equal(cosigned, size6);
	assert_true(size6 > size);
	assert_int_equal(qp_log_cosigned_size(&cosigned, f->reg, 3), QP_ENOTFOUND);
	/* Its lines are sorted by name. */
	assert_int_equal(qp_log_checkpoint_cosigned(&printed, &len, NULL, &n, f->reg, QP_LOG_LATEST), QP_OK);
	assert_int_equal(n, 2);
	assert_int_equal(len, cp6_len + strlen(line2) + strlen(wang));
	assert_memory_equal(printed, cp6, cp6_len);
	assert_memory_equal(printed + cp6_len, line2, strlen(line2));
	assert_string_equal(printed + cp6_len + strlen(line2), wang);
	qp_note *note = NULL;
	assert_int_equal(qp_note_open(&note, printed, len, (const qp_verifier *const *)&f->log_v, 1), QP_OK);
	assert_int_equal(note->nsigs, 3);
	qp_note_free(note);
	free(printed);
	free(cp6);
	free(wang);

	/* Who may not cosign: an officer, a key with another public key, a revoked auditor. */
	char *bad = NULL;
	assert_int_equal(qp_cosign_sign(&bad, NULL, f->officer, cp, cp_len, T0), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, bad, strlen(bad), size), QP_EPERM);
	assert_error_contains("has role officer; only auditor keys cosign checkpoints");
	assert_int_equal(
	    qp_log_check_cosigner(f->reg, "330681.officer.li", qp_key_public(f->officer), QP_LOG_LATEST),
	    QP_EPERM);
	assert_int_equal(
	    qp_log_check_cosigner(f->reg, "330681.auditor.wang", qp_key_public(f->officer), QP_LOG_LATEST),
	    QP_EPERM);
	assert_error_contains("enrolled in this registry with another public key");
	free(bad);
	qp_key *impostor = tu_seeded_key("330681.auditor.wang", 7);
	assert_int_equal(qp_cosign_sign(&bad, NULL, impostor, cp, cp_len, T0), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, bad, strlen(bad), size), QP_EPERM);
	assert_error_contains("has cosignature key ID");
	free(bad);
	qp_key_free(impostor);
	/* A line that does not verify over this checkpoint (signed over another). */
	add_village(f->reg, f->officer, 1);
	size_t cp2_len;
	char *cp2 = sign_checkpoint(f->reg, f->log, &cp2_len);
	assert_int_equal(qp_cosign_sign(&bad, NULL, f->auditor, cp2, cp2_len, T0), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, bad, strlen(bad), size), QP_EPERM);
	assert_error_contains("does not verify over the checkpoint of size");
	assert_int_equal(qp_log_add_cosignature(f->reg, bad, strlen(bad), QP_LOG_LATEST), QP_OK);
	free(bad);
	/* Too far in the future. */
	assert_int_equal(qp_cosign_sign(&bad, NULL, f->auditor2, cp2, cp2_len, T0 + 3600), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, bad, strlen(bad), QP_LOG_LATEST), QP_EINVALID);
	assert_error_contains("more than 5 minutes ahead");
	free(bad);
	/* Revoked. */
	assert_int_equal(qp_registry_submit(f->reg, f->authority, "key.revoke",
					    "{\"name\":\"330681.auditor.wang\",\"reason\":\"left\"}", NULL),
			 QP_OK);
	assert_int_equal(qp_cosign_sign(&bad, NULL, f->auditor, cp2, cp2_len, T0 + 1), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, bad, strlen(bad), QP_LOG_LATEST), QP_EPERM);
	assert_error_contains("auditor key 330681.auditor.wang was revoked by entry");
	free(bad);
	/* Malformed. */
	assert_int_equal(qp_log_add_cosignature(f->reg, "junk", 4, QP_LOG_LATEST), QP_EINVALID);
	assert_int_equal(qp_log_checkpoint_cosigned(&printed, &len, NULL, NULL, f->reg, 999), QP_ENOTFOUND);
	assert_null(printed);

	free(cp2);
	free(s4);
	free(line2);
	free(older);
	free(newer);
	qp_verifier_free(v1);
	qp_verifier_free(v4);
	free(line);
	free(cp);
}

/* Every allocation failure gives QP_ENOMEM and leaves nothing behind. */
static void test_alloc_failures(void **state)
{
	fx *f = *state;
	size_t cp_len;
	char *cp = sign_checkpoint(f->reg, f->log, &cp_len);
	unsigned long n;
	int rc = QP_ENOMEM;
	for (n = 1; n < 500 && rc != QP_OK; n++) {
		char *line = NULL;
		size_t len = 0;
		qp_alloc_fail_at(n, 0);
		rc = qp_cosign_sign(&line, &len, f->auditor, cp, cp_len, T0);
		qp_alloc_fail_at(0, 0);
		if (rc != QP_OK) {
			assert_int_equal(rc, QP_ENOMEM);
			assert_null(line);
			continue;
		}
		for (unsigned long k = 1; k < 500; k++) {
			qp_alloc_fail_at(k, 0);
			int r = qp_log_add_cosignature(f->reg, line, len, QP_LOG_LATEST);
			qp_alloc_fail_at(0, 0);
			if (r == QP_OK)
				break;
			assert_int_equal(r, QP_ENOMEM);
		}
		char *printed = NULL;
		size_t plen = 0, count = 0;
		for (unsigned long k = 1; k < 500; k++) {
			qp_alloc_fail_at(k, 0);
			int r =
			    qp_log_checkpoint_cosigned(&printed, &plen, NULL, &count, f->reg, QP_LOG_LATEST);
			qp_alloc_fail_at(0, 0);
			if (r == QP_OK)
				break;
			assert_int_equal(r, QP_ENOMEM);
			assert_null(printed);
		}
		assert_int_equal(count, 1);
		assert_int_equal(plen, cp_len + len);
		free(printed);
		free(line);
	}
	assert_int_equal(rc, QP_OK);
	free(cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sign_matches_spec, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_spec_example, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_verify_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_witness_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
