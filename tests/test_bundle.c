/*
 * test_bundle.c - certificate bundles: exported from a registry built
 * through qp_registry_submit, verified with no registry at all; every
 * single-byte change of a bundle fails (with its digest left as it is,
 * and recomputed, as a forger would); the wrong authority, missing and
 * extra entries, and logs forged in memory that a registry would never
 * write (a revoked or unenrolled signer, a double spend, a checkpoint by
 * the wrong key ...) are caught; single tlog-proofs; allocation failures.
 * Officers submit with ID numbers; the entries, and so the bundles, name
 * households by registry number and carry each holder's household.add
 * (its village, a commitment, no personal data).
 */
#define _DEFAULT_SOURCE /* strndup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "clock.h"
#include "entry.h"
#include "policy.h"
#include "quanpiao/quanpiao.h"
#include "testutil.h"

#define ORIGIN "zhuji.example/quanpiao"
#define V1     "330681101201"
#define V2     "330681102203"
#define H1     "330681197001010016"
#define H2     "330681197001010024"
#define H3     "330681197001010032"
#define H4     "330681197001010040"
#define N1     "330681-H-0000001" /* the households' registry numbers, in the order added */
#define N2     "330681-H-0000002"
#define N3     "330681-H-0000003"
#define N4     "330681-H-0000004"
#define U_WD   "330681001002JC00001F00010001" /* H1, withdrawn, 120.00 */
#define U_DM   "330681001002JC00002F00010001" /* H2, demolished, 100.00 */
#define T0     1795000000		      /* 2026-11-18 */
#define G(n)   "330681-2026-G-00000" #n
#define R1     "330681-2026-R-000001"
#define YEARS  (365LL * 86400)

#if defined(__SANITIZE_ADDRESS__)
#define TAMPER_STEP 2 /* the sanitizer makes each verification several times slower */
#else
#define TAMPER_STEP 1
#endif

typedef struct fx {
	char *dir, *db;
	qp_key *authority, *log, *officer, *auditor, *officer2;
	char *auth_vkey;
	qp_registry *reg;
} fx;

static void submit(fx *f, const qp_key *key, const char *type, const char *body)
{
	if (qp_registry_submit(f->reg, key, type, body, NULL) != QP_OK)
		fail_msg("%s %s: %s", type, body, qp_error_last()->message);
}

static void ok(fx *f, const char *type, const char *body)
{
	submit(f, f->officer, type, body);
}

static void enroll(fx *f, const qp_key *who, const char *role)
{
	char *body = tu_enroll_body(who, role, NULL);
	submit(f, f->authority, "key.enroll", body);
	free(body);
}

static void sign_and_cosign(fx *f)
{
	char *cp = NULL, *line = NULL;
	size_t len = 0;
	assert_int_equal(qp_log_sign(&cp, &len, f->reg, f->log), QP_OK);
	assert_int_equal(qp_cosign_sign(&line, NULL, f->auditor, cp, len, 0), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, line, strlen(line), QP_LOG_LATEST), QP_OK);
	free(line);
	free(cp);
}

/* The registry: homes, a certificate tree, a second policy, a revoked officer, a signed and cosigned
 * checkpoint. */
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
	f->officer2 = tu_seeded_key("330681.officer.wu", 5);
	f->auth_vkey = tu_vkey(f->authority);
	f->reg = tu_registry_create(f->db, ORIGIN, f->authority, f->log);
	enroll(f, f->officer, "officer");  /* 3 */
	enroll(f, f->auditor, "auditor");  /* 4 */
	enroll(f, f->officer2, "officer"); /* 5 */
	ok(f, "village.add", "{\"code\":\"" V1 "\",\"name\":\"东白湖村\"}");
	ok(f, "village.add", "{\"code\":\"" V2 "\",\"name\":\"斯宅村\"}");
	static const char *const hh[][2] = {{H1, V1}, {H2, V1}, {H3, V2}, {H4, V1}};
	for (int i = 0; i < 4; i++) {
		char body[256];
		snprintf(body, sizeof(body),
			 "{\"id_number\":\"%s\",\"members\":2,\"name\":\"户\",\"village\":\"%s\"}", hh[i][0],
			 hh[i][1]);
		ok(f, "household.add", body);
	}
	ok(f, "home.add",
	   "{\"household\":\"" H1 "\",\"land_area\":12000,\"status\":\"idle\",\"unit\":\"" U_WD
	   "\",\"village\":\"" V1 "\"}");
	ok(f, "home.status", "{\"status\":\"withdrawn\",\"unit\":\"" U_WD "\"}");
	ok(f, "home.add",
	   "{\"household\":\"" H2 "\",\"land_area\":10000,\"status\":\"dilapidated\",\"unit\":\"" U_DM
	   "\",\"village\":\"" V1 "\"}");
	ok(f, "home.status", "{\"status\":\"demolished\",\"unit\":\"" U_DM "\"}");
	ok(f, "cert.issue",
	   "{\"area\":12000,\"basis\":\"withdrawal\",\"holder\":\"" H1 "\",\"home\":\"" U_WD
	   "\",\"kind\":\"guarantee\"}");
	ok(f, "cert.transfer", "{\"area\":5050,\"basis\":\"sale\",\"cert\":\"" G(1) "\",\"to\":\"" H2 "\"}");
	ok(f, "cert.freeze", "{\"cert\":\"" G(2) "\",\"reason\":\"dispute\"}");
	ok(f, "cert.unfreeze", "{\"cert\":\"" G(2) "\"}");
	/* A second policy: the first stays the one in force for the entries before it. */
	char *params = NULL;
	uint64_t since = 0;
	assert_int_equal(qp_registry_policy(&params, &since, f->reg), QP_OK);
	char *body = malloc(strlen(params) + 32);
	snprintf(body, strlen(params) + 32, "{\"params\":%s}", params);
	char *cap = strstr(body, "\"max_area\":16000");
	assert_non_null(cap);
	memcpy(cap, "\"max_area\":15000", 16);
	submit(f, f->authority, "policy.set", body);
	free(body);
	free(params);
	ok(f, "cert.redeem",
	   "{\"area\":1000,\"cert\":\"" G(2) "\",\"note\":\"购房补贴\",\"purpose\":\"subsidy\"}");
	ok(f, "cert.freeze", "{\"cert\":\"" G(4) "\",\"reason\":\"court order\"}");
	ok(f, "cert.issue",
	   "{\"area\":10000,\"basis\":\"demolition\",\"holder\":\"" H2 "\",\"home\":\"" U_DM
	   "\",\"kind\":\"retention\"}");
	submit(f, f->authority, "key.revoke", "{\"name\":\"330681.officer.wu\",\"reason\":\"left\"}");
	ok(f, "cert.transfer", "{\"basis\":\"sale\",\"cert\":\"" G(3) "\",\"to\":\"" H4 "\"}");
	sign_and_cosign(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	qp_clock_set(0);
	qp_alloc_fail_at(0, 0);
	qp_registry_free(f->reg);
	qp_key_free(f->authority);
	qp_key_free(f->log);
	qp_key_free(f->officer);
	qp_key_free(f->auditor);
	qp_key_free(f->officer2);
	free(f->auth_vkey);
	if (f->dir)
		tu_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

static char *export(fx *f, const char *cert, size_t *len)
{
	char *b = NULL;
	if (qp_bundle_export(&b, len, NULL, NULL, f->reg, cert) != QP_OK)
		fail_msg("export %s: %s", cert, qp_error_last()->message);
	return b;
}

static int verify(const char *b, size_t len, const char *vkey, qp_bundle_info *info)
{
	qp_bundle_info local;
	qp_bundle_info *use = info ? info : &local;
	int rc = qp_bundle_verify(use, b, len, vkey, T0);
	if (!info)
		qp_bundle_info_clear(&local);
	return rc;
}

static void verify_fails(const char *b, size_t len, const char *vkey, const char *needle)
{
	qp_bundle_info info;
	int rc = qp_bundle_verify(&info, b, len, vkey, T0);
	if (rc != QP_EVERIFY)
		fail_msg("expected a verification failure (%s), got %d: %s", needle, rc,
			 qp_error_last()->message);
	if (needle)
		assert_error_contains(needle);
	assert_null(info.lineage);
}

/* ---- exporting and verifying ------------------------------------------------------------ */

static void test_export_verify_offline(void **state)
{
	fx *f = *state;
	size_t len = 0, entries = 0;
	uint64_t size = 0, log_size = 0;
	char *b = NULL;
	assert_int_equal(qp_bundle_export(&b, &len, &entries, &size, f->reg, G(4)), QP_OK);
	assert_int_equal(qp_log_size(&log_size, f->reg), QP_OK);
	assert_int_equal(size, log_size);
	/* genesis, log key, 2 policies, 3 enrolments, 1 revocation, 2 households, issue, transfer, freeze,
	 * unfreeze, redeem, freeze */
	assert_int_equal(entries, 16);
	assert_int_equal(strncmp(b, "quanpiao/bundle/v1\ncertificate " G(4) "\ncheckpoint ", 50), 0);

	/* A fresh directory, and no registry anywhere: close it and delete its files. */
	qp_registry_free(f->reg);
	f->reg = NULL;
	tu_rmdir(f->dir);
	free(f->dir);
	f->dir = tu_mkdtemp();
	char *path = tu_path(f->dir, "bundle");
	tu_write(path, b, len);
	free(b);
	size_t got = 0;
	unsigned char *read = tu_read(path, &got);
	assert_int_equal(got, len);
	qp_bundle_info info;
	if (qp_bundle_verify(&info, (const char *)read, got, f->auth_vkey, T0) != QP_OK)
		fail_msg("verify: %s", qp_error_last()->message);
	assert_string_equal(info.cert.id, G(4));
	assert_int_equal(info.cert.kind, QP_CERT_GUARANTEE);
	assert_string_equal(info.cert.holder, N2);
	assert_string_equal(info.cert.holder_type, "household");
	assert_int_equal(info.cert.area, 4050);
	assert_string_equal(info.cert.home, U_WD);
	assert_string_equal(info.cert.basis, "remainder");
	assert_int_equal(info.cert.state, QP_CERT_FROZEN);
	assert_false(info.cert.expired);
	assert_string_equal(info.cert.reason, "court order");
	assert_string_equal(info.cert.parent, G(2));
	assert_string_equal(info.cert.root, G(1));
	assert_string_equal(info.cert.issued_on, "2026-11-18");
	assert_int_equal(info.lineage_len, 3);
	assert_string_equal(info.lineage[0], G(1));
	assert_string_equal(info.lineage[1], G(2));
	assert_string_equal(info.lineage[2], G(4));
	assert_int_equal(info.checkpoint.size, log_size);
	assert_string_equal(info.checkpoint.origin, ORIGIN);
	assert_string_equal(info.county, "330681");
	assert_string_equal(info.county_name, "诸暨市");
	assert_int_equal(info.entries, 16);
	assert_int_equal(info.cosignatures, 1);
	assert_string_equal(info.cosigners[0], "330681.auditor.wang");
	qp_bundle_info_clear(&info);
	assert_null(info.lineage);
	free(read);
	free(path);
}

static void test_states(void **state)
{
	fx *f = *state;
	size_t len;
	qp_bundle_info info;
	/* The root: spent by the transfer. */
	char *b = export(f, G(1), &len);
	assert_int_equal(verify(b, len, f->auth_vkey, &info), QP_OK);
	assert_int_equal(info.cert.state, QP_CERT_SPENT);
	assert_string_equal(info.cert.ended_by, "transfer");
	assert_int_equal(info.cert.area, 12000);
	assert_int_equal(info.lineage_len, 1);
	qp_bundle_info_clear(&info);
	free(b);
	/* The remainder, transferred on: G5 is live with H4. */
	b = export(f, G(5), &len);
	assert_int_equal(verify(b, len, f->auth_vkey, &info), QP_OK);
	assert_int_equal(info.cert.state, QP_CERT_LIVE);
	assert_string_equal(info.cert.holder, N4);
	assert_int_equal(info.cert.area, 6950);
	assert_string_equal(info.lineage[1], G(3));
	qp_bundle_info_clear(&info);
	free(b);
	/* A retention certificate: valid ten years from its issue, then shown expired. */
	b = export(f, R1, &len);
	assert_int_equal(qp_bundle_verify(&info, b, len, f->auth_vkey, T0), QP_OK);
	assert_int_equal(info.cert.state, QP_CERT_LIVE);
	assert_string_equal(info.cert.valid_until, "2036-11-18");
	assert_false(info.cert.expired);
	qp_bundle_info_clear(&info);
	assert_int_equal(qp_bundle_verify(&info, b, len, f->auth_vkey, T0 + 11 * YEARS), QP_OK);
	assert_true(info.cert.expired);
	assert_int_equal(info.entries, 10); /* the authority's 8, the holder's household.add, the issue */
	qp_bundle_info_clear(&info);
	free(b);
	/* A revoked certificate. */
	ok(f, "cert.revoke", "{\"cert\":\"" R1 "\",\"reason\":\"issued in error\"}");
	assert_int_equal(qp_bundle_export(&b, &len, NULL, NULL, f->reg, R1), QP_EINVALID);
	assert_error_contains("does not cover entry");
	assert_error_contains("quanpiao log sign");
	assert_null(b);
	sign_and_cosign(f);
	b = export(f, R1, &len);
	assert_int_equal(verify(b, len, f->auth_vkey, &info), QP_OK);
	assert_int_equal(info.cert.state, QP_CERT_REVOKED);
	assert_string_equal(info.cert.reason, "issued in error");
	qp_bundle_info_clear(&info);
	free(b);
}

static void test_export_refusals(void **state)
{
	fx *f = *state;
	char *b = (char *)&b;
	size_t len = 9;
	assert_int_equal(qp_bundle_export(&b, &len, NULL, NULL, f->reg, "330681-2026-G-000099"),
			 QP_ENOTFOUND);
	assert_null(b);
	assert_int_equal(qp_bundle_export(&b, &len, NULL, NULL, f->reg, "x"), QP_EINVALID);
	assert_null(b);
	/* A registry without any checkpoint. */
	char *db2 = tu_path(f->dir, "fresh.db");
	qp_registry *r2 = tu_registry_create(db2, ORIGIN, f->authority, f->log);
	tu_enroll(r2, f->authority, f->officer, "officer");
	assert_int_equal(qp_registry_submit(r2, f->officer, "cert.issue",
					    "{\"area\":100,\"basis\":\"entitlement\",\"holder\":\"" H1
					    "\",\"kind\":\"guarantee\"}",
					    NULL),
			 QP_EINVALID); /* no such household here */
	assert_int_equal(
	    qp_registry_submit(r2, f->officer, "village.add", "{\"code\":\"" V1 "\",\"name\":\"村\"}", NULL),
	    QP_OK);
	assert_int_equal(qp_registry_submit(r2, f->officer, "household.add",
					    "{\"id_number\":\"" H1
					    "\",\"members\":1,\"name\":\"户\",\"village\":\"" V1 "\"}",
					    NULL),
			 QP_OK);
	assert_int_equal(qp_registry_submit(r2, f->officer, "cert.issue",
					    "{\"area\":100,\"basis\":\"entitlement\",\"holder\":\"" H1
					    "\",\"kind\":\"guarantee\"}",
					    NULL),
			 QP_OK);
	assert_int_equal(qp_bundle_export(&b, &len, NULL, NULL, r2, G(1)), QP_EINVALID);
	assert_error_contains("no checkpoint has been signed yet");
	qp_registry_free(r2);
	free(db2);
}

/* ---- tampering ------------------------------------------------------------------------------ */

/* Recompute the final digest line, as anyone editing a bundle can. */
static void redigest(char *b, size_t len)
{
	unsigned char sum[32];
	char hex[65];
	size_t at = len - 72; /* "sha256 " + 64 hex + "\n" */
	assert_int_equal(strncmp(b + at, "sha256 ", 7), 0);
	crypto_hash_sha256(sum, (const unsigned char *)b, at);
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	memcpy(b + at + 7, hex, 64);
}

static void test_every_byte(void **state)
{
	fx *f = *state;
	size_t len;
	char *b = export(f, G(4), &len);
	char *m = malloc(len);
	static const unsigned char flips[] = {0x01, 0x20, 0x80};
	size_t tried = 0;
	assert_int_equal(verify(b, len, f->auth_vkey, NULL), QP_OK);
	for (size_t i = 0; i < len; i += TAMPER_STEP) {
		for (size_t k = 0; k < sizeof(flips); k++) {
			if (flips[k] == 0x80 && i % 7 != 0)
				continue; /* a high bit mostly breaks UTF-8 or a number: a spread is enough */
			for (int forger = 0; forger <= 1; forger++) {
				if (forger && i >= len - 72)
					continue; /* the digest itself: recomputing undoes the change */
				memcpy(m, b, len);
				m[i] = (char)(m[i] ^ flips[k]);
				if (forger)
					redigest(m, len);
				qp_bundle_info info;
				int rc = qp_bundle_verify(&info, m, len, f->auth_vkey, T0);
				if (rc != QP_EVERIFY)
					fail_msg("byte %zu ^ 0x%02x%s: verify gave %d (%s)", i, flips[k],
						 forger ? " with the digest recomputed" : "", rc,
						 rc == QP_OK ? "passed" : qp_error_last()->message);
				tried++;
			}
		}
	}
	/* Truncated at any point, or with a byte more. */
	for (size_t cut = 0; cut < len; cut += 97 * TAMPER_STEP)
		verify_fails(b, cut, f->auth_vkey, NULL);
	memcpy(m, b, len);
	char *longer = malloc(len + 1);
	memcpy(longer, b, len);
	longer[len] = '\n';
	verify_fails(longer, len + 1, f->auth_vkey, "must end with one line");
	print_message("%zu altered bundles of %zu bytes refused\n", tried, len);
	free(longer);
	free(m);
	free(b);
}

static void test_wrong_authority(void **state)
{
	fx *f = *state;
	size_t len;
	char *b = export(f, G(4), &len);
	qp_key *impostor = tu_seeded_key("330681.authority", 9), *other = tu_seeded_key("330681.other", 1);
	char *iv = tu_vkey(impostor), *ov = tu_vkey(other), *lv = tu_vkey(f->log);
	verify_fails(b, len, iv, "entry 0 (registry.genesis): the registry's authority is 330681.authority+");
	verify_fails(b, len, ov, "entry 0 (registry.genesis)");
	/* The log key is no authority. */
	verify_fails(b, len, lv, "entry 0 (registry.genesis)");
	qp_bundle_info info;
	assert_int_equal(qp_bundle_verify(&info, b, len, "not a key", T0), QP_EINVALID);
	assert_error_contains("authority key");
	free(iv);
	free(ov);
	free(lv);
	qp_key_free(impostor);
	qp_key_free(other);
	free(b);
}

/* The entry indexes of a bundle, read through its lengths. */
static size_t bundle_indexes(const char *b, uint64_t *out, size_t max)
{
	const char *p = strstr(b, "\ncheckpoint ") + 12;
	char *end;
	size_t n = 0, cp_len = strtoull(p, &end, 10);
	p = end + 1 + cp_len;
	while (strncmp(p, "entry ", 6) == 0 && n < max) {
		out[n++] = strtoull(p + 6, &end, 10);
		size_t note = strtoull(end + 1, &end, 10);
		p = end + 1 + note;
		assert_int_equal(strncmp(p, "proof ", 6), 0);
		size_t proof = strtoull(p + 6, &end, 10);
		p = end + 1 + proof;
	}
	return n;
}

/* The status sections of cert's export (none if it has no export), and the bundle's digest line again. */
static char *status_tail(fx *f, const char *cert)
{
	char *b = NULL, *tail = NULL;
	size_t len = 0;
	if (qp_bundle_export(&b, &len, NULL, NULL, f->reg, cert) != QP_OK)
		return strdup("");
	char *st = strstr(b, "\nstatus "), *end = strstr(b, "\nsha256 ");
	assert_non_null(end);
	tail = st ? strndup(st + 1, (size_t)(end - st)) : strdup("");
	free(b);
	return tail;
}

/* bundle (written by qp_bundle_write) with cert's status sections added before a new digest line. */
static char *with_status(fx *f, const char *cert, char *bundle, size_t *len)
{
	char *tail = status_tail(f, cert), *digest = strstr(bundle, "\nsha256 ");
	assert_non_null(digest);
	size_t head = (size_t)(digest - bundle) + 1, n = head + strlen(tail);
	char *out = malloc(n + 7 + 64 + 2);
	memcpy(out, bundle, head);
	memcpy(out + head, tail, strlen(tail));
	unsigned char sum[32];
	char hex[65];
	crypto_hash_sha256(sum, (const unsigned char *)out, n);
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	snprintf(out + n, 7 + 64 + 2, "sha256 %s\n", hex);
	*len = n + 7 + 64 + 1;
	free(tail);
	free(bundle);
	return out;
}

/* A bundle of cert with the given entries, proven against the registry's latest checkpoint, no status. */
static char *rebuild_plain(fx *f, const char *cert, const uint64_t *idx, size_t n, size_t *len)
{
	char *cp = NULL, *out = NULL;
	size_t cp_len = 0;
	uint64_t size = 0;
	qp_bundle_entry *parts = calloc(n ? n : 1, sizeof(*parts));
	qp_merkle_proof *proofs = calloc(n ? n : 1, sizeof(*proofs));
	char **notes = calloc(n ? n : 1, sizeof(*notes));
	assert_int_equal(qp_log_checkpoint_cosigned(&cp, &cp_len, &size, NULL, f->reg, QP_LOG_LATEST), QP_OK);
	for (size_t i = 0; i < n; i++) {
		size_t l = 0;
		assert_int_equal(qp_log_entry(&notes[i], &l, f->reg, idx[i]), QP_OK);
		assert_int_equal(qp_log_inclusion(&proofs[i], f->reg, idx[i], size), QP_OK);
		parts[i] = (qp_bundle_entry){idx[i], notes[i], l, &proofs[i]};
	}
	assert_int_equal(qp_bundle_write(&out, len, cert, cp, cp_len, parts, n), QP_OK);
	for (size_t i = 0; i < n; i++)
		free(notes[i]);
	free(notes);
	free(proofs);
	free(parts);
	free(cp);
	return out;
}

/* The same with cert's status sections (from its export), as qp_bundle_export writes them. */
static char *rebuild(fx *f, const char *cert, const uint64_t *idx, size_t n, size_t *len)
{
	return with_status(f, cert, rebuild_plain(f, cert, idx, n, len), len);
}

static size_t without(const uint64_t *all, size_t n, uint64_t drop, uint64_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (all[i] != drop)
			out[k++] = all[i];
	return k;
}

/* The first of the entries idx[0..n) of type that names cert. */
static uint64_t entry_of(fx *f, const uint64_t *idx, size_t n, const char *type, const char *cert)
{
	for (size_t i = 0; i < n; i++) {
		char *note = NULL;
		size_t l = 0;
		assert_int_equal(qp_log_entry(&note, &l, f->reg, idx[i]), QP_OK);
		int found = strstr(note, type) && strstr(note, cert);
		free(note);
		if (found)
			return idx[i];
	}
	fail_msg("no %s of %s", type, cert);
	return 0;
}

static void test_missing_and_extra_entries(void **state)
{
	fx *f = *state;
	size_t len, n;
	uint64_t idx[64], sub[64];
	char *b = export(f, G(4), &len);
	n = bundle_indexes(b, idx, 64);
	assert_int_equal(n, 16);
	/* Rebuilt with all its entries, it verifies (the rebuild is faithful). */
	char *r = rebuild(f, G(4), idx, n, &len);
	assert_int_equal(verify(r, len, f->auth_vkey, NULL), QP_OK);
	free(r);
	static const struct {
		size_t pos; /* position in the bundle's entry list */
		const char *needle;
	} missing[] = {
	    {0, "entry 0, the genesis, is missing"},
	    {1, "checkpoint: signature line 1 (" ORIGIN ", key ID"},
	    {2, "no policy is in force"},
	    {3, "signer 330681.officer.li (key ID"},
	    {4, "checkpoint: signature line 2 (330681.auditor.wang"},
	    {5, "revokes 330681.officer.wu, which has no active key"},
	    {6, "entry 16 (cert.issue): body.holder names household " N1 ", which no household.add"},
	    {7, "entry 17 (cert.transfer): body.to names household " N2 ", which no household.add"},
	    {8, "names certificate " G(1) ", which no earlier entry in the bundle created"},
	    {9, "names certificate " G(2) ", which no earlier entry"},
	    {11, "certificate " G(2) " is frozen (dispute); unfreeze it first"},
	    {13, "names certificate " G(4) ", which no earlier entry"},
	};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		size_t k = without(idx, n, idx[missing[i].pos], sub);
		r = rebuild(f, G(4), sub, k, &len);
		verify_fails(r, len, f->auth_vkey, missing[i].needle);
		free(r);
	}
	/* Extra entries: other certificates' entries, and one that has no place in a bundle. */
	static const struct {
		uint64_t index;
		const char *needle;
	} extra[] = {
	    {23, "entry 23 (cert.issue): is not part of certificate " G(4) "'s history"},
	    {25, "entry 25 (cert.transfer): body.to names household " N4 ", which no household.add"},
	    {10, "entry 10 (household.add): household " N3 " is named by no certificate entry"},
	    {6, "entry 6 (village.add): does not belong in a certificate bundle"},
	};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		size_t k = 0;
		for (size_t j = 0; j < n; j++) {
			if (idx[j] > extra[i].index && (k == 0 || sub[k - 1] < extra[i].index))
				sub[k++] = extra[i].index;
			sub[k++] = idx[j];
		}
		if (sub[k - 1] < extra[i].index)
			sub[k++] = extra[i].index;
		assert_int_equal(k, n + 1);
		r = rebuild(f, G(4), sub, k, &len);
		verify_fails(r, len, f->auth_vkey, extra[i].needle);
		free(r);
	}
	/* The same entries under another certificate's number. */
	r = rebuild(f, G(2), idx, n, &len);
	verify_fails(r, len, f->auth_vkey, "is not part of certificate " G(2) "'s history");
	free(r);
	r = rebuild(f, G(3), idx, n, &len);
	verify_fails(r, len, f->auth_vkey, "is not part of certificate " G(3) "'s history");
	free(r);
	r = rebuild(f, "330681-2026-G-000009", idx, n, &len);
	verify_fails(r, len, f->auth_vkey, "no entry in the bundle creates it");
	free(r);
	/* Only the authority's entries. */
	static const uint64_t keys_only[] = {0, 1, 4};
	r = rebuild(f, G(4), keys_only, 3, &len);
	verify_fails(r, len, f->auth_vkey, "certificate " G(4) ": no entry in the bundle creates it");
	free(r);
	/* Issue 21: the freeze cut out; the entries lead to a live certificate, the map says frozen. */
	uint64_t freeze = entry_of(f, idx, n, "cert.freeze", G(4));
	size_t k = without(idx, n, freeze, sub);
	r = rebuild(f, G(4), sub, k, &len);
	verify_fails(r, len, f->auth_vkey, "certificate " G(4) ": the bundle's entries lead to live");
	assert_error_contains("the checkpoint's status map holds frozen");
	assert_error_contains("an entry is missing, extra or altered");
	free(r);
	/* All its entries but no status sections: the map's word is missing. */
	size_t plain_len = 0;
	char *plain = rebuild_plain(f, G(4), idx, n, &plain_len);
	verify_fails(
	    plain, plain_len, f->auth_vkey,
	    "certificate " G(4) ": the bundle carries no proof of its state in the checkpoint's status map");
	free(plain);
	/* A spent certificate with its spending entry cut out (and the sha256 line recomputed). */
	char *spent = export(f, G(1), &len);
	uint64_t sidx[64] = {0}, ssub[64] = {0};
	size_t sn = bundle_indexes(spent, sidx, 64);
	/* The transfer, and the recipient's household.add (else the lineage check names it first). */
	size_t sk = without(sidx, sn, entry_of(f, sidx, sn, "cert.transfer", G(1)), ssub);
	sk = without(ssub, sk, entry_of(f, ssub, sk, "household.add", N2), sidx);
	memcpy(ssub, sidx, sk * sizeof(*sidx));
	free(spent);
	r = rebuild(f, G(1), ssub, sk, &len);
	verify_fails(r, len, f->auth_vkey, "certificate " G(1) ": the bundle's entries lead to live");
	assert_error_contains("the checkpoint's status map holds spent");
	free(r);
	free(b);
}

/* ---- logs forged in memory ------------------------------------------------------------------ */

#define MLOG_MAX 64

typedef struct mlog {
	char *notes[MLOG_MAX];
	size_t lens[MLOG_MAX];
	size_t n;
	unsigned char nodes[8][MLOG_MAX][QP_HASH_LEN];
	unsigned char have[8][MLOG_MAX];
} mlog;

static int m_get(void *ctx, unsigned level, uint64_t idx, unsigned char out[QP_HASH_LEN])
{
	mlog *m = ctx;
	if (level >= 8 || idx >= MLOG_MAX || !m->have[level][idx])
		return QP_EINTERNAL;
	memcpy(out, m->nodes[level][idx], QP_HASH_LEN);
	return QP_OK;
}

static int m_put(void *ctx, unsigned level, uint64_t idx, const unsigned char hash[QP_HASH_LEN])
{
	mlog *m = ctx;
	if (level >= 8 || idx >= MLOG_MAX)
		return QP_EINTERNAL;
	memcpy(m->nodes[level][idx], hash, QP_HASH_LEN);
	m->have[level][idx] = 1;
	return QP_OK;
}

static void m_add_raw(mlog *m, const char *note, size_t len)
{
	unsigned char leaf[QP_HASH_LEN];
	assert_true(m->n < MLOG_MAX);
	m->notes[m->n] = malloc(len + 1);
	memcpy(m->notes[m->n], note, len);
	m->notes[m->n][len] = '\0';
	m->lens[m->n] = len;
	qp_merkle_leaf_hash(leaf, note, len);
	assert_int_equal(qp_merkle_append(m->n, leaf, m_get, m_put, m), QP_OK);
	m->n++;
}

static void m_add_at(mlog *m, const qp_key *key, const char *origin, const char *type, const char *time,
		     const char *body)
{
	char *text = NULL, *note = NULL;
	size_t text_len = 0, len = 0;
	cJSON *j = cJSON_Parse(body);
	assert_non_null(j);
	/* Each entry names the log before it, as a registry's signer would. */
	qp_log_state log = {m->n, {0}};
	if (m->n == 0)
		crypto_hash_sha256(log.root, (const unsigned char *)"", 0);
	else
		assert_int_equal(qp_merkle_root(log.root, m->n, m_get, m), QP_OK);
	assert_int_equal(qp_entry_text(&text, &text_len, origin, type, qp_key_name(key), time, &log, j),
			 QP_OK);
	assert_int_equal(qp_note_sign(&note, &len, text, text_len, &key, 1), QP_OK);
	m_add_raw(m, note, len);
	cJSON_Delete(j);
	qp_free(text);
	qp_free(note);
}

static void m_add(mlog *m, const qp_key *key, const char *type, const char *body)
{
	m_add_at(m, key, ORIGIN, type, "2026-11-18T10:00:00Z", body);
}

static void m_enroll(mlog *m, const qp_key *by, const qp_key *who, const char *role, const char *until)
{
	char *body = tu_enroll_body(who, role, until);
	m_add(m, by, "key.enroll", body);
	free(body);
}

/* A household.add as the registry signs it: a number, a village and a commitment (no personal data). */
static void m_household(mlog *m, fx *f, const char *number, const char *village)
{
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"commitment\":\"%064d\",\"members\":2,\"number\":\"%s\",\"village\":\"%s\"}", 7, number,
		 village);
	m_add(m, f->officer, "household.add", body);
}

/* genesis, the log key, the default policy, the officer, and household N1 (in V1), entries 0 to 4. */
static void m_start(mlog *m, fx *f)
{
	char body[1024];
	memset(m, 0, sizeof(*m));
	snprintf(body, sizeof(body),
		 "{\"authority\":\"%s\",\"county\":\"330681\",\"county_name\":\"诸暨市\"}", f->auth_vkey);
	m_add(m, f->authority, "registry.genesis", body);
	m_enroll(m, f->authority, f->log, "log", NULL);
	snprintf(body, sizeof(body), "{\"params\":%s}", qp_policy_default_json());
	m_add(m, f->authority, "policy.set", body);
	m_enroll(m, f->authority, f->officer, "officer", NULL);
	m_household(m, f, N1, V1);
}

#define M_ISSUE_G1                                                                                           \
	"{\"area\":12000,\"basis\":\"withdrawal\",\"holder\":\"" N1 "\",\"home\":\"" U_WD                    \
	"\",\"id\":\"" G(1) "\",\"kind\":\"guarantee\"}"

static char *m_checkpoint(mlog *m, const qp_key *signer, size_t *len)
{
	unsigned char root[QP_HASH_LEN];
	char b64[64], text[512], *note = NULL;
	assert_int_equal(qp_merkle_root(root, m->n, m_get, m), QP_OK);
	sodium_bin2base64(b64, sizeof(b64), root, QP_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
	int t = snprintf(text, sizeof(text), "%s\n%zu\n%s\n", ORIGIN, m->n, b64);
	assert_int_equal(qp_note_sign(&note, len, text, (size_t)t, &signer, 1), QP_OK);
	return note;
}

/* Bundle every entry of the forged log for cert, against a checkpoint signed by signer. */
static char *m_bundle(mlog *m, const char *cert, const char *cp, size_t cp_len, size_t *len)
{
	qp_bundle_entry parts[MLOG_MAX];
	static qp_merkle_proof proofs[MLOG_MAX];
	char *out = NULL;
	for (size_t i = 0; i < m->n; i++) {
		assert_int_equal(qp_merkle_inclusion_proof(&proofs[i], i, m->n, m_get, m), QP_OK);
		parts[i] = (qp_bundle_entry){i, m->notes[i], m->lens[i], &proofs[i]};
	}
	assert_int_equal(qp_bundle_write(&out, len, cert, cp, cp_len, parts, m->n), QP_OK);
	return out;
}

static void m_free(mlog *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->notes[i]);
	m->n = 0;
}

/* Verify the forged log as a bundle of cert; needle NULL means it must pass. */
static void m_expect(fx *f, mlog *m, const char *cert, const qp_key *cp_signer, const char *needle)
{
	size_t cp_len = 0, len = 0;
	char *cp = m_checkpoint(m, cp_signer, &cp_len);
	char *b = m_bundle(m, cert, cp, cp_len, &len);
	if (needle == NULL) {
		if (verify(b, len, f->auth_vkey, NULL) != QP_OK)
			fail_msg("forged log should verify: %s", qp_error_last()->message);
	} else {
		verify_fails(b, len, f->auth_vkey, needle);
	}
	free(b);
	free(cp);
	m_free(m);
}

static void test_forged_logs(void **state)
{
	fx *f = *state;
	mlog *m = calloc(1, sizeof(*m));
	qp_key *stranger = tu_seeded_key("330681.officer.zhao", 6);

	/* The framework itself: a faithful log verifies. */
	m_start(m, f);
	m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
	m_expect(f, m, G(1), f->log, NULL);

	/* A revoked signer: the officer signs after its revocation. */
	m_start(m, f);
	m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
	m_add(m, f->authority, "key.revoke", "{\"name\":\"330681.officer.li\",\"reason\":\"left\"}");
	m_add(m, f->officer, "cert.freeze", "{\"cert\":\"" G(1) "\",\"reason\":\"x\"}");
	m_expect(f, m, G(1), f->log,
		 "entry 7 (cert.freeze): signer 330681.officer.li was revoked by entry 6");

	/* A signer never enrolled; the wrong role; an expired key. */
	m_start(m, f);
	m_add(m, stranger, "cert.issue", M_ISSUE_G1);
	m_expect(f, m, G(1), f->log, "entry 5 (cert.issue): signer 330681.officer.zhao (key ID");
	m_start(m, f);
	m_add(m, f->authority, "cert.issue", M_ISSUE_G1);
	m_expect(f, m, G(1), f->log, "signer 330681.authority has role authority");
	m_start(m, f);
	m_enroll(m, f->authority, stranger, "officer", "2026-06-30");
	m_add(m, stranger, "cert.issue", M_ISSUE_G1);
	m_expect(f, m, G(1), f->log, "signer 330681.officer.zhao expired on 2026-06-30");
	/* The authority enrols only with its own key. */
	m_start(m, f);
	m_enroll(m, f->officer, stranger, "officer", NULL);
	m_expect(f, m, G(1), f->log, "signer 330681.officer.li has role officer");

	/* A double spend, an overspend, a transfer the policy forbids, a stale certificate number. */
	m_start(m, f);
	m_household(m, f, N2, V1);
	m_household(m, f, N4, V1);
	m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
	m_add(m, f->officer, "cert.transfer",
	      "{\"basis\":\"sale\",\"cert\":\"" G(1) "\",\"new_id\":\"" G(2) "\",\"to\":\"" N2 "\"}");
	m_add(m, f->officer, "cert.transfer",
	      "{\"basis\":\"sale\",\"cert\":\"" G(1) "\",\"new_id\":\"" G(3) "\",\"to\":\"" N4 "\"}");
	m_expect(f, m, G(3), f->log,
		 "entry 9 (cert.transfer): certificate " G(1) " is already spent (by entry 8)");
	m_start(m, f);
	m_household(m, f, N2, V1);
	m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
	m_add(m, f->officer, "cert.transfer",
	      "{\"area\":12001,\"basis\":\"sale\",\"cert\":\"" G(1) "\",\"new_id\":\"" G(
		  2) "\",\"remainder_id\":\"" G(3) "\",\"to\":\"" N2 "\"}");
	m_expect(f, m, G(2), f->log,
		 "entry 7 (cert.transfer): 120.01 m² is more than the certificate's 120.00 m²");
	m_start(m, f);
	m_household(m, f, N2, V1);
	m_add(m, f->officer, "cert.issue",
	      "{\"area\":10000,\"basis\":\"demolition\",\"holder\":\"" N2 "\",\"home\":\"" U_DM
	      "\",\"id\":\"" R1 "\",\"kind\":\"retention\"}");
	m_add(m, f->officer, "cert.transfer",
	      "{\"basis\":\"sale\",\"cert\":\"" R1 "\",\"new_id\":\"330681-2026-R-000002\",\"to\":\"" N1
	      "\"}");
	m_expect(f, m, "330681-2026-R-000002", f->log,
		 "entry 7 (cert.transfer): a retention certificate passes only by inheritance, not by sale");
	/* same_village, judged on the villages the household.add entries give (the registry's rule). */
	m_start(m, f);
	m_household(m, f, N3, V2);
	m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
	m_add(m, f->officer, "cert.transfer",
	      "{\"basis\":\"sale\",\"cert\":\"" G(1) "\",\"new_id\":\"" G(2) "\",\"to\":\"" N3 "\"}");
	m_expect(f, m, G(2), f->log,
		 "entry 7 (cert.transfer): a guarantee certificate goes only to a household of the same "
		 "village (" V1 ", not " V2 ")");
	m_start(m, f);
	m_household(m, f, N3, V1);
	m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
	m_add(m, f->officer, "cert.transfer",
	      "{\"basis\":\"sale\",\"cert\":\"" G(1) "\",\"new_id\":\"" G(2) "\",\"to\":\"" N3 "\"}");
	m_expect(f, m, G(2), f->log, NULL);
	/* A holder by ID number (format v1), a household of another county, one added twice, one unused. */
	m_start(m, f);
	m_add(m, f->officer, "cert.issue",
	      "{\"area\":12000,\"basis\":\"withdrawal\",\"holder\":\"" H1 "\",\"home\":\"" U_WD
	      "\",\"id\":\"" G(1) "\",\"kind\":\"guarantee\"}");
	m_expect(f, m, G(1), f->log,
		 "entry 5 (cert.issue): body.holder: a household is named by its registry number");
	m_start(m, f);
	m_household(m, f, "330682-H-0000001", "330682101201");
	m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
	m_expect(f, m, G(1), f->log,
		 "entry 5 (household.add): body.number: 330682-H-0000001 is a household of county 330682");
	m_start(m, f);
	m_household(m, f, N1, V1);
	m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
	m_expect(f, m, G(1), f->log, "entry 5 (household.add): adds household " N1 ", which entry 4 added");
	m_start(m, f);
	m_household(m, f, N2, V1);
	m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
	m_expect(f, m, G(1), f->log,
		 "entry 5 (household.add): household " N2 " is named by no certificate entry");
	m_start(m, f);
	m_add(m, f->officer, "cert.issue",
	      "{\"area\":12000,\"basis\":\"withdrawal\",\"holder\":\"" N1 "\",\"home\":\"" U_WD
	      "\",\"id\":\"330681-2025-G-000001\",\"kind\":\"guarantee\"}");
	m_expect(f, m, "330681-2025-G-000001", f->log, "is not a guarantee number of 330681 in 2026");
	m_start(m, f);
	m_add(m, f->officer, "cert.issue",
	      "{\"area\":17000,\"basis\":\"withdrawal\",\"holder\":\"" N1 "\",\"home\":\"" U_WD
	      "\",\"id\":\"" G(1) "\",\"kind\":\"guarantee\"}");
	m_expect(f, m, G(1), f->log,
		 "entry 5 (cert.issue): 170.00 m² is over the policy's 160.00 m² per guarantee certificate");
	/* No policy before the certificate entry. */
	{
		char body[1024];
		memset(m, 0, sizeof(*m));
		snprintf(body, sizeof(body),
			 "{\"authority\":\"%s\",\"county\":\"330681\",\"county_name\":\"诸暨市\"}",
			 f->auth_vkey);
		m_add(m, f->authority, "registry.genesis", body);
		m_enroll(m, f->authority, f->log, "log", NULL);
		m_enroll(m, f->authority, f->officer, "officer", NULL);
		m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
		m_expect(f, m, G(1), f->log, "no policy is in force");
	}

	/* The checkpoint: signed by another key; by a log key revoked in the log. */
	m_start(m, f);
	m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
	m_expect(f, m, G(1), f->officer, "checkpoint: signature line 1 (330681.officer.li");
	m_start(m, f);
	m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
	m_add(m, f->authority, "key.revoke", "{\"name\":\"" ORIGIN "\",\"reason\":\"compromised\"}");
	m_expect(f, m, G(1), f->log, "checkpoint: signed by " ORIGIN ", revoked by entry 6");
	/* An entry of another log; a genesis by an impostor. */
	m_start(m, f);
	m_add_at(m, f->officer, "other.example/log", "cert.issue", "2026-11-18T10:00:00Z", M_ISSUE_G1);
	m_expect(f, m, G(1), f->log, "is for log other.example/log");
	{
		qp_key *impostor = tu_seeded_key("330681.authority", 9);
		char body[1024];
		memset(m, 0, sizeof(*m));
		snprintf(body, sizeof(body),
			 "{\"authority\":\"%s\",\"county\":\"330681\",\"county_name\":\"诸暨市\"}",
			 f->auth_vkey);
		m_add(m, impostor, "registry.genesis", body);
		m_expect(f, m, G(1), f->log,
			 "entry 0 (registry.genesis): not signed by the authority key it names");
		qp_key_free(impostor);
	}

	/* Cosignatures: by an enrolled auditor they count; by anyone else the bundle fails. */
	for (int who = 0; who < 3; who++) {
		size_t cp_len = 0, len = 0;
		m_start(m, f);
		m_enroll(m, f->authority, f->auditor, "auditor", NULL);
		m_add(m, f->officer, "cert.issue", M_ISSUE_G1);
		char *cp = m_checkpoint(m, f->log, &cp_len), *line = NULL;
		const qp_key *signer = who == 0 ? f->auditor : who == 1 ? f->officer : stranger;
		assert_int_equal(qp_cosign_sign(&line, NULL, signer, cp, cp_len, T0), QP_OK);
		char *both = malloc(cp_len + strlen(line) + 1);
		memcpy(both, cp, cp_len);
		memcpy(both + cp_len, line, strlen(line) + 1);
		char *b = m_bundle(m, G(1), both, cp_len + strlen(line), &len);
		qp_bundle_info info;
		if (who == 0) {
			assert_int_equal(verify(b, len, f->auth_vkey, &info), QP_OK);
			assert_int_equal(info.cosignatures, 1);
			qp_bundle_info_clear(&info);
		} else {
			verify_fails(b, len, f->auth_vkey, "checkpoint: signature line 2");
		}
		free(b);
		free(both);
		free(line);
		free(cp);
		m_free(m);
	}
	qp_key_free(stranger);
	free(m);
}

/* ---- single tlog-proofs ------------------------------------------------------------------- */

static void test_single_proof(void **state)
{
	fx *f = *state;
	char *proof = NULL, *entry = NULL, *other = NULL, *lv = tu_vkey(f->log), *av = tu_vkey(f->authority);
	size_t proof_len = 0, entry_len = 0, other_len = 0;
	uint64_t index = 0, size = 0;
	qp_checkpoint cp;
	assert_int_equal(qp_log_size(&size, f->reg), QP_OK);
	assert_int_equal(qp_log_tlog_proof(&proof, &proof_len, f->reg, 17, QP_LOG_LATEST), QP_OK);
	assert_int_equal(qp_log_entry(&entry, &entry_len, f->reg, 17), QP_OK);
	assert_int_equal(qp_log_entry(&other, &other_len, f->reg, 18), QP_OK);
	assert_int_equal(qp_bundle_verify_proof(&index, &cp, proof, proof_len, entry, entry_len, lv), QP_OK);
	assert_int_equal(index, 17);
	assert_int_equal(cp.size, size);
	assert_string_equal(cp.origin, ORIGIN);
	/* Another entry, another key, a key that is no key. */
	assert_int_equal(qp_bundle_verify_proof(&index, &cp, proof, proof_len, other, other_len, lv),
			 QP_EVERIFY);
	assert_error_contains("entry 17 is not in the checkpoint's tree");
	assert_int_equal(qp_bundle_verify_proof(&index, &cp, proof, proof_len, entry, entry_len, av),
			 QP_EVERIFY);
	assert_int_equal(qp_bundle_verify_proof(&index, &cp, proof, proof_len, entry, entry_len, "junk"),
			 QP_EINVALID);
	/* Every byte of the proof matters, but for the signature's unused base64 bits (none here: canonical).
	 */
	for (size_t i = 0; i < proof_len; i++) {
		char *m = malloc(proof_len);
		memcpy(m, proof, proof_len);
		m[i] ^= 0x01;
		int rc = qp_bundle_verify_proof(&index, &cp, m, proof_len, entry, entry_len, lv);
		if (rc == QP_OK && i < proof_len - 92)
			fail_msg("proof byte %zu changed and it still verifies", i);
		free(m);
	}
	/* An "extra" line before the index is allowed (c2sp.org/tlog-proof). */
	const char *nl = strchr(proof, '\n');
	size_t head = (size_t)(nl - proof) + 1;
	char *x = malloc(proof_len + 32);
	memcpy(x, proof, head);
	memcpy(x + head, "extra AAAA\n", 11);
	memcpy(x + head + 11, proof + head, proof_len - head);
	assert_int_equal(qp_bundle_verify_proof(&index, &cp, x, proof_len + 11, entry, entry_len, lv), QP_OK);
	free(x);
	free(proof);
	free(entry);
	free(other);
	free(lv);
	free(av);
}

/* ---- allocation failures ------------------------------------------------------------------ */

static void test_alloc_failures(void **state)
{
	fx *f = *state;
	unsigned long n;
	int rc = QP_ENOMEM;
	char *b = NULL;
	size_t len = 0;
	for (n = 1; n < 5000 && rc != QP_OK; n++) {
		qp_alloc_fail_at(n, 0);
		rc = qp_bundle_export(&b, &len, NULL, NULL, f->reg, G(4));
		qp_alloc_fail_at(0, 0);
		if (rc != QP_OK) {
			assert_int_equal(rc, QP_ENOMEM);
			assert_null(b);
		}
	}
	assert_int_equal(rc, QP_OK);
	rc = QP_ENOMEM;
	for (n = 1; n < 5000 && rc != QP_OK; n++) {
		qp_bundle_info info;
		qp_alloc_fail_at(n, 0);
		rc = qp_bundle_verify(&info, b, len, f->auth_vkey, T0);
		qp_alloc_fail_at(0, 0);
		if (rc != QP_OK) {
			if (rc != QP_ENOMEM)
				fail_msg("allocation %lu failed: %d %s", n, rc, qp_error_last()->message);
			assert_null(info.lineage);
		} else {
			assert_int_equal(info.cert.area, 4050);
			qp_bundle_info_clear(&info);
		}
	}
	assert_int_equal(rc, QP_OK);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_export_verify_offline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_states, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_every_byte, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_authority, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_and_extra_entries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forged_logs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_single_proof, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
