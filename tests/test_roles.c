/*
 * test_roles.c - who may sign what (docs/design.md §3), the whole matrix both
 * ways, and revocation.
 *
 * For each of the 16 entry types and each of the 4 roles (authority,
 * officer, log, auditor), an entry with a body the rules accept is signed
 * by the fixture's key of that role and appended: only the role docs/design.md §3
 * names is accepted; the three others are refused with QP_EPERM naming
 * both roles, and the registry is unchanged (log size and state hash).
 * registry.genesis is the authority's own: it is refused in a registry
 * that has one, whoever signs it, and in an empty one (a mirror) it must
 * be signed by the key it names.  Checkpoints are the log key's alone and
 * cosignatures the auditors'.
 *
 * Revocation takes effect from the key.revoke entry on: entries the key
 * signed before it stay valid (the audit and bundles accept them), and
 * every entry it signed - before or after the revocation - that is
 * submitted after it is refused, alone or later in the same batch.
 * The audit, which checks all of that, reads one snapshot while others
 * write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc.h"
#include "clock.h"
#include "entry.h"
#include "logstate.h"
#include "quanpiao/mirror.h"
#include "quanpiao/quanpiao.h"
#include "testutil.h"

#define ORIGIN "zhuji.example/quanpiao"
#define T0     1795000000 /* 2026-11-18 */
#define V1     "330681101201"
#define V2     "330681102203"
#define H1     "330681197001010016"
#define H2     "330681197001010024"
#define H3     "330681197001010032"
#define H4     "330681197001010040"
#define H5     "330681195505050047"
#define U_WD   "330681001002JC00001F00010001" /* H1, withdrawn, 120.00 */
#define U_IU   "330681001002JC00004F00010001" /* H3, in use */
#define U_ID   "330681001002JC00005F00010001" /* H2, idle */
#define U_NEW  "330681001002JC00009F00010001" /* not yet registered */
#define G1     "330681-2026-G-000001"	      /* H1, 50.00, live */
#define G2     "330681-2026-G-000002"	      /* H1, 10.00, frozen */

enum { AUTHORITY, OFFICER, LOG, AUDITOR, NROLES };
static const char *const role_names[NROLES] = {"authority", "officer", "log", "auditor"};

typedef struct fx {
	char *dir, *db;
	qp_key *keys[NROLES];
	qp_key *officer2, *stranger;
	qp_registry *reg;
} fx;

static void ok(fx *f, const qp_key *k, const char *type, const char *body)
{
	int rc = qp_registry_submit(f->reg, k, type, body, NULL);
	if (rc != QP_OK)
		fail_msg("%s %s: %d %s", type, body, rc, qp_error_last()->message);
}

static void enroll(fx *f, const qp_key *k, const char *role)
{
	char *body = tu_enroll_body(k, role, NULL);
	ok(f, f->keys[AUTHORITY], "key.enroll", body);
	free(body);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_true(sodium_init() >= 0);
	qp_clock_set(T0);
	f->dir = tu_mkdtemp();
	f->db = tu_path(f->dir, "registry.db");
	f->keys[AUTHORITY] = tu_seeded_key("330681.authority", 1);
	f->keys[LOG] = tu_seeded_key(ORIGIN, 2);
	f->keys[OFFICER] = tu_seeded_key("330681.officer.li", 3);
	f->keys[AUDITOR] = tu_seeded_key("330681.auditor.wang", 4);
	f->officer2 = tu_seeded_key("330681.officer.wu", 5);
	f->stranger = tu_seeded_key("330681.officer.zhao", 6);
	f->reg = tu_registry_create(f->db, ORIGIN, f->keys[AUTHORITY], f->keys[LOG]);
	enroll(f, f->keys[OFFICER], "officer");
	enroll(f, f->keys[AUDITOR], "auditor");
	enroll(f, f->officer2, "officer");
	const qp_key *o = f->keys[OFFICER];
	ok(f, o, "village.add", "{\"code\":\"" V1 "\",\"name\":\"东白湖村\"}");
	ok(f, o, "village.add", "{\"code\":\"" V2 "\",\"name\":\"斯宅村\"}");
	const char *hh[][2] = {{H1, V1}, {H2, V1}, {H3, V2}, {H4, V1}, {H5, V2}};
	for (size_t i = 0; i < 5; i++) {
		char body[256];
		snprintf(body, sizeof(body),
			 "{\"id_number\":\"%s\",\"members\":2,\"name\":\"户\",\"village\":\"%s\"}", hh[i][0],
			 hh[i][1]);
		ok(f, o, "household.add", body);
	}
	ok(f, o, "home.add",
	   "{\"household\":\"" H1 "\",\"land_area\":12000,\"status\":\"idle\",\"unit\":\"" U_WD
	   "\",\"village\":\"" V1 "\"}");
	ok(f, o, "home.status", "{\"status\":\"withdrawn\",\"unit\":\"" U_WD "\"}");
	ok(f, o, "home.add",
	   "{\"household\":\"" H3 "\",\"land_area\":9000,\"status\":\"in_use\",\"unit\":\"" U_IU
	   "\",\"village\":\"" V2 "\"}");
	ok(f, o, "home.add",
	   "{\"household\":\"" H2 "\",\"land_area\":15000,\"status\":\"idle\",\"unit\":\"" U_ID
	   "\",\"village\":\"" V1 "\"}");
	ok(f, o, "cert.issue",
	   "{\"area\":5000,\"basis\":\"withdrawal\",\"holder\":\"" H1 "\",\"home\":\"" U_WD
	   "\",\"kind\":\"guarantee\"}");
	ok(f, o, "cert.issue",
	   "{\"area\":1000,\"basis\":\"withdrawal\",\"holder\":\"" H1 "\",\"home\":\"" U_WD
	   "\",\"kind\":\"guarantee\"}");
	ok(f, o, "cert.freeze", "{\"cert\":\"" G2 "\",\"reason\":\"objection\"}");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	qp_clock_set(0);
	qp_registry_free(f->reg);
	for (int r = 0; r < NROLES; r++)
		qp_key_free(f->keys[r]);
	qp_key_free(f->officer2);
	qp_key_free(f->stranger);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

static void audit_clean(qp_registry *reg)
{
	qp_audit_result res;
	qp_audit_options opt = {.jobs = 1};
	int rc = qp_audit(&res, reg, &opt);
	if (rc != QP_OK || res.problems != 0)
		fail_msg("audit: %d (%s), %llu problems", rc, qp_error_last()->message,
			 (unsigned long long)res.problems);
}

/* The role docs/design.md §3 names for each type, and a body the rules accept in the fixture. */
static const struct {
	const char *type;
	int role;
	const char *body; /* NULL: made by body_of (key.enroll, policy.set) */
} matrix[] = {
    {"policy.set", AUTHORITY, NULL},
    {"key.enroll", AUTHORITY, NULL},
    {"key.revoke", AUTHORITY, "{\"name\":\"330681.auditor.wang\",\"reason\":\"left\"}"},
    {"village.add", OFFICER, "{\"code\":\"330681101202\",\"name\":\"新村\"}"},
    {"household.add", OFFICER,
     "{\"id_number\":\"330681198001010010\",\"members\":1,\"name\":\"户\",\"village\":\"" V1 "\"}"},
    {"home.add", OFFICER,
     "{\"household\":\"" H5 "\",\"land_area\":10000,\"status\":\"in_use\",\"unit\":\"" U_NEW
     "\",\"village\":\"" V2 "\"}"},
    {"home.status", OFFICER, "{\"reason\":\"empty\",\"status\":\"idle\",\"unit\":\"" U_IU "\"}"},
    {"home.activate", OFFICER,
     "{\"investment\":100000,\"investor\":\"诸暨民宿发展有限公司\",\"investor_id\":\"91350100M000100Y43\","
     "\"rent\":2490000,\"start\":\"2026-05-01\",\"unit\":\"" U_ID "\",\"use\":\"homestay\",\"years\":15}"},
    {"home.correct", OFFICER,
     "{\"field\":\"built\",\"reason\":\"deed\",\"unit\":\"" U_IU "\",\"value\":1980}"},
    {"cert.issue", OFFICER,
     "{\"area\":1000,\"basis\":\"withdrawal\",\"holder\":\"" H1 "\",\"home\":\"" U_WD
     "\",\"kind\":\"guarantee\"}"},
    {"cert.transfer", OFFICER, "{\"basis\":\"sale\",\"cert\":\"" G1 "\",\"to\":\"" H2 "\"}"},
    {"cert.redeem", OFFICER,
     "{\"area\":1000,\"cert\":\"" G1 "\",\"note\":\"安置房\",\"purpose\":\"resettlement\"}"},
    {"cert.revoke", OFFICER, "{\"cert\":\"" G1 "\",\"reason\":\"issued in error\"}"},
    {"cert.freeze", OFFICER, "{\"cert\":\"" G1 "\",\"reason\":\"court order\"}"},
    {"cert.unfreeze", OFFICER, "{\"cert\":\"" G2 "\",\"reason\":\"settled\"}"},
};
#define NTYPES (sizeof(matrix) / sizeof(matrix[0]))

static void body_of(fx *f, size_t t, char *out, size_t out_len)
{
	if (strcmp(matrix[t].type, "policy.set") == 0) {
		char *params = NULL;
		assert_int_equal(qp_registry_policy(&params, NULL, f->reg), QP_OK);
		snprintf(out, out_len, "{\"params\":%s}", params);
		free(params);
	} else if (strcmp(matrix[t].type, "key.enroll") == 0) {
		char *vk = tu_vkey(f->stranger);
		snprintf(out, out_len, "{\"role\":\"officer\",\"vkey\":\"%s\"}", vk);
		free(vk);
	} else {
		snprintf(out, out_len, "%s", matrix[t].body);
	}
}

/* One row of the matrix: the three wrong roles refused without a trace, then the right one. */
static void matrix_row(fx *f, size_t t)
{
	char body[4096], before[65], after[65], want[256];
	body_of(f, t, body, sizeof(body));
	const char *need = role_names[matrix[t].role];
	for (int r = 0; r < NROLES; r++) {
		if (r == matrix[t].role)
			continue;
		uint64_t size = tu_log_size(f->reg);
		assert_int_equal(qp_registry_state_hash(before, f->reg), QP_OK);
		int rc = qp_registry_submit(f->reg, f->keys[r], matrix[t].type, body, NULL);
		if (rc != QP_EPERM)
			fail_msg("%s signed by the %s key: %d (%s), expected QP_EPERM", matrix[t].type,
				 role_names[r], rc, qp_error_last()->message);
		snprintf(want, sizeof(want), "has role %s; %s entries must be signed by %s %s key",
			 role_names[r], matrix[t].type, need[0] == 'a' || need[0] == 'o' ? "an" : "a", need);
		assert_error_contains(want);
		assert_int_equal(tu_log_size(f->reg), size);
		assert_int_equal(qp_registry_state_hash(after, f->reg), QP_OK);
		assert_string_equal(before, after);
	}
	uint64_t size = tu_log_size(f->reg);
	int rc = qp_registry_submit(f->reg, f->keys[matrix[t].role], matrix[t].type, body, NULL);
	if (rc != QP_OK)
		fail_msg("%s signed by the %s key: %d (%s)", matrix[t].type, need, rc,
			 qp_error_last()->message);
	assert_int_equal(tu_log_size(f->reg), size + 1);
}

static void test_matrix(void **state)
{
	fx *f = *state;
	int accepted = 0, refused = 0;
	for (size_t t = 0; t < NTYPES; t++) {
		/* Each type on the fixture as set up: restore it from a copy. */
		char *copy = tu_path(f->dir, "fixture.db");
		if (t == 0) {
			qp_registry_free(f->reg);
			tu_copy(f->db, copy);
		} else {
			qp_registry_free(f->reg);
			unlink(f->db);
			char side[4200];
			snprintf(side, sizeof(side), "%s-wal", f->db);
			unlink(side);
			snprintf(side, sizeof(side), "%s-shm", f->db);
			unlink(side);
			tu_copy(copy, f->db);
		}
		assert_int_equal(qp_registry_open(&f->reg, f->db, 0), QP_OK);
		free(copy);
		matrix_row(f, t);
		accepted++;
		refused += NROLES - 1;
		audit_clean(f->reg);
	}
	print_message("%zu types x %d roles: %d accepted, %d refused with QP_EPERM (registry.genesis: "
		      "test_genesis)\n",
		      NTYPES, NROLES, accepted, refused);
}

/* registry.genesis: never a second one; in an empty log, only by the key it names. */
/* A genesis entry for an empty log (a mirror's): it names the empty log's state. */
static int sign_genesis(char **note, size_t *len, const qp_registry *reg, const qp_key *key, const char *body)
{
	char *text = NULL, when[QP_TIME_LEN + 1];
	size_t text_len = 0;
	qp_log_state empty = {0, {0}};
	qp_logstate_empty_root(empty.root);
	qp_time_format(when, qp_clock_now());
	cJSON *b = cJSON_Parse(body);
	int rc = qp_entry_text(&text, &text_len, qp_registry_origin(reg), "registry.genesis",
			       qp_key_name(key), when, &empty, b);
	if (rc == QP_OK)
		rc = qp_note_sign(note, len, text, text_len, &key, 1);
	cJSON_Delete(b);
	qp_free(text);
	return rc;
}

static void test_genesis(void **state)
{
	fx *f = *state;
	char *auth = tu_vkey(f->keys[AUTHORITY]), body[1024];
	snprintf(body, sizeof(body),
		 "{\"authority\":\"%s\",\"county\":\"330681\",\"county_name\":\"诸暨市\"}", auth);
	for (int r = 0; r < NROLES; r++) {
		uint64_t size = tu_log_size(f->reg);
		assert_int_equal(qp_registry_submit(f->reg, f->keys[r], "registry.genesis", body, NULL),
				 QP_ECONFLICT);
		assert_error_contains("the registry already has its genesis entry");
		assert_int_equal(tu_log_size(f->reg), size);
	}
	/* An empty log (a mirror): the genesis naming the authority, signed by each role's key. */
	for (int r = 0; r < NROLES; r++) {
		char *note = NULL, path[64];
		size_t len = 0;
		assert_int_equal(sign_genesis(&note, &len, f->reg, f->keys[r], body), QP_OK);
		snprintf(path, sizeof(path), "mirror-%d.db", r);
		char *p = tu_path(f->dir, path);
		qp_registry *m = NULL;
		assert_int_equal(qp_mirror_open(&m, p), QP_OK);
		const char *notes[1] = {note};
		int rc = qp_mirror_apply(m, 0, notes, &len, 1);
		if (r == AUTHORITY) {
			if (rc != QP_OK)
				fail_msg("genesis by the authority: %d %s", rc, qp_error_last()->message);
		} else {
			if (rc != QP_EVERIFY)
				fail_msg("genesis naming the authority, signed by the %s key: %d (%s)",
					 role_names[r], rc, qp_error_last()->message);
			uint64_t n = 1;
			assert_int_equal(qp_log_size(&n, m), QP_OK);
			assert_int_equal(n, 0);
		}
		qp_registry_free(m);
		free(note);
		free(p);
	}
	free(auth);
}

/* Checkpoints: the log key alone.  Cosignatures: auditors alone. */
static void test_checkpoint_roles(void **state)
{
	fx *f = *state;
	char *cp = NULL;
	size_t len = 0;
	for (int r = 0; r < NROLES; r++) {
		if (r == LOG)
			continue;
		assert_int_equal(qp_log_sign(&cp, &len, f->reg, f->keys[r]), QP_EPERM);
		assert_null(cp);
	}
	assert_int_equal(qp_log_sign(&cp, &len, f->reg, f->keys[LOG]), QP_OK);
	for (int r = 0; r < NROLES; r++) {
		char *line = NULL;
		size_t line_len = 0;
		assert_int_equal(qp_cosign_sign(&line, &line_len, f->keys[r], cp, len, T0), QP_OK);
		int rc = qp_log_add_cosignature(f->reg, line, line_len, QP_LOG_LATEST);
		if (r == AUDITOR)
			assert_int_equal(rc, QP_OK);
		else if (rc != QP_EPERM)
			fail_msg("cosignature by the %s key: %d (%s)", role_names[r], rc,
				 qp_error_last()->message);
		free(line);
	}
	size_t cosigs = 0;
	char *note = NULL;
	assert_int_equal(qp_log_checkpoint_cosigned(&note, NULL, NULL, &cosigs, f->reg, QP_LOG_LATEST),
			 QP_OK);
	assert_int_equal(cosigs, 1);
	free(note);
	free(cp);
}

/* Every officer entry type signed by officer2 before its revocation, appended after it. */
static void test_revocation(void **state)
{
	fx *f = *state;
	char *early[NTYPES] = {NULL}, body[4096];
	size_t early_len[NTYPES] = {0};
	/* Entries officer2 signed and appended before: they stay. */
	ok(f, f->officer2, "village.add", "{\"code\":\"330681101203\",\"name\":\"旧村\"}");
	ok(f, f->officer2, "cert.issue",
	   "{\"area\":500,\"basis\":\"withdrawal\",\"holder\":\"" H1 "\",\"home\":\"" U_WD
	   "\",\"kind\":\"guarantee\"}");
	/* Signed now, submitted after the revocation. */
	for (size_t t = 0; t < NTYPES; t++) {
		if (matrix[t].role != OFFICER)
			continue;
		char *numbered = NULL;
		body_of(f, t, body, sizeof(body));
		assert_int_equal(qp_mirror_number(&numbered, f->reg, matrix[t].type, body), QP_OK);
		assert_int_equal(qp_registry_sign_entry(&early[t], &early_len[t], f->reg, f->officer2,
							matrix[t].type, numbered),
				 QP_OK);
		free(numbered);
	}
	/* A batch: the revocation, then an entry signed before it: refused from the revocation on. */
	char *revoke = NULL;
	size_t revoke_len = 0;
	assert_int_equal(
	    qp_registry_sign_entry(&revoke, &revoke_len, f->reg, f->keys[AUTHORITY], "key.revoke",
				   "{\"name\":\"330681.officer.wu\",\"reason\":\"left the bureau\"}"),
	    QP_OK);
	size_t t_village = 3;
	assert_string_equal(matrix[t_village].type, "village.add");
	const char *notes[2] = {revoke, early[t_village]};
	size_t lens[2] = {revoke_len, early_len[t_village]};
	uint64_t idx[2];
	int results[2];
	uint64_t size = tu_log_size(f->reg);
	assert_int_equal(qp_registry_append_batch(f->reg, notes, lens, 2, idx, results), QP_OK);
	assert_int_equal(results[0], QP_OK);
	assert_int_equal(results[1], QP_EPERM);
	assert_int_equal(tu_log_size(f->reg), size + 1);
	uint64_t revoked_at = idx[0];
	free(revoke);

	char want[128];
	snprintf(want, sizeof(want), "key 330681.officer.wu was revoked by entry %llu",
		 (unsigned long long)revoked_at);
	int refused = 0;
	for (size_t t = 0; t < NTYPES; t++) {
		if (early[t] == NULL)
			continue;
		char before[65], after[65];
		size = tu_log_size(f->reg);
		assert_int_equal(qp_registry_state_hash(before, f->reg), QP_OK);
		int rc = qp_registry_append(f->reg, early[t], early_len[t], NULL);
		if (rc != QP_EPERM)
			fail_msg("%s signed by officer2 before its revocation: %d (%s)", matrix[t].type, rc,
				 qp_error_last()->message);
		assert_error_contains(want);
		assert_int_equal(tu_log_size(f->reg), size);
		assert_int_equal(qp_registry_state_hash(after, f->reg), QP_OK);
		assert_string_equal(before, after);
		/* Signed after the revocation: refused too. */
		body_of(f, t, body, sizeof(body));
		assert_int_equal(qp_registry_submit(f->reg, f->officer2, matrix[t].type, body, NULL),
				 QP_EPERM);
		assert_error_contains(want);
		refused += 2;
		free(early[t]);
	}
	print_message("revoked officer: %d entries refused (%d types, each signed before and after)\n",
		      refused, refused / 2);
	/* What officer2 signed before its revocation stays valid: the audit and a bundle say so. */
	audit_clean(f->reg);
	char *cp = NULL, *bundle = NULL;
	size_t cp_len = 0, bundle_len = 0;
	assert_int_equal(qp_log_sign(&cp, &cp_len, f->reg, f->keys[LOG]), QP_OK);
	assert_int_equal(qp_bundle_export(&bundle, &bundle_len, NULL, NULL, f->reg, "330681-2026-G-000003"),
			 QP_OK);
	char *auth = tu_vkey(f->keys[AUTHORITY]);
	qp_bundle_info info;
	int rc = qp_bundle_verify(&info, bundle, bundle_len, auth, T0);
	if (rc != QP_OK)
		fail_msg("bundle of a certificate issued by officer2 before its revocation: %d %s", rc,
			 qp_error_last()->message);
	qp_bundle_info_clear(&info);
	free(auth);
	free(bundle);
	free(cp);
}

/* Revoked log and auditor keys: no checkpoint, no cosignature after; old checkpoints stay valid. */
static void test_revoked_log_and_auditor(void **state)
{
	fx *f = *state;
	char *cp = NULL, *line = NULL;
	size_t len = 0, line_len = 0;
	assert_int_equal(qp_log_sign(&cp, &len, f->reg, f->keys[LOG]), QP_OK);
	/* A cosignature made before the revocation, offered after it. */
	assert_int_equal(qp_cosign_sign(&line, &line_len, f->keys[AUDITOR], cp, len, T0), QP_OK);
	ok(f, f->keys[AUTHORITY], "key.revoke", "{\"name\":\"330681.auditor.wang\",\"reason\":\"left\"}");
	assert_int_equal(qp_log_add_cosignature(f->reg, line, line_len, QP_LOG_LATEST), QP_EPERM);
	free(line);
	free(cp);
	ok(f, f->keys[AUTHORITY], "key.revoke", "{\"name\":\"" ORIGIN "\",\"reason\":\"compromised\"}");
	cp = NULL;
	assert_int_equal(qp_log_sign(&cp, &len, f->reg, f->keys[LOG]), QP_EPERM);
	assert_error_contains("was revoked by entry");
	assert_null(cp);
	/* The checkpoint signed before the revocation still audits. */
	audit_clean(f->reg);
}

/*
 * The audit reads one snapshot of the registry.  While it runs, a second
 * handle (an officer and the log signer at work) signs a checkpoint of the
 * size the pass reached, appends an entry and signs a checkpoint of that:
 * neither is a finding (a checkpoint of exactly the pass's size once made
 * the audit fail with an internal error, and one beyond it read as "covers
 * more entries than the log has").  The next audit reads all of it.
 */
struct busy {
	fx *f;
	int calls;
	uint64_t cp_sizes[2];
};

static void busy_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct busy *b = ctx;
	if (done != total || b->calls++ > 0)
		return;
	qp_registry *other = NULL;
	char *cp = NULL;
	size_t len = 0;
	assert_int_equal(qp_registry_open(&other, b->f->db, 0), QP_OK);
	assert_int_equal(qp_log_sign(&cp, &len, other, b->f->keys[LOG]), QP_OK);
	free(cp);
	assert_int_equal(qp_log_size(&b->cp_sizes[0], other), QP_OK);
	assert_int_equal(qp_registry_submit(other, b->f->keys[OFFICER], "village.add",
					    "{\"code\":\"330681101299\",\"name\":\"后村\"}", NULL),
			 QP_OK);
	assert_int_equal(qp_log_sign(&cp, &len, other, b->f->keys[LOG]), QP_OK);
	free(cp);
	assert_int_equal(qp_log_size(&b->cp_sizes[1], other), QP_OK);
	qp_registry_free(other);
}

static void test_audit_snapshot(void **state)
{
	fx *f = *state;
	char *cp = NULL;
	size_t len = 0;
	assert_int_equal(qp_log_sign(&cp, &len, f->reg, f->keys[LOG]), QP_OK);
	free(cp);
	ok(f, f->keys[OFFICER], "village.add", "{\"code\":\"330681101298\",\"name\":\"前村\"}");
	uint64_t n = tu_log_size(f->reg);

	struct busy b = {f, 0, {0, 0}};
	qp_audit_result res;
	qp_audit_options opt = {.jobs = 1, .progress = busy_progress, .ctx = &b};
	int rc = qp_audit(&res, f->reg, &opt);
	if (rc != QP_OK)
		fail_msg("audit while the registry is written: %d (%s)", rc, qp_error_last()->message);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.cp_sizes[0], n);
	assert_int_equal(b.cp_sizes[1], n + 1);
	assert_int_equal(res.entries, n);
	assert_int_equal(res.checkpoints, 1);
	assert_int_equal(res.problems, 0);

	/* The next audit reads what was written meanwhile. */
	b.calls = 1;
	assert_int_equal(qp_audit(&res, f->reg, &opt), QP_OK);
	assert_int_equal(res.entries, n + 1);
	assert_int_equal(res.checkpoints, 3);
	assert_int_equal(res.problems, 0);
}

/*
 * A mirror's refusal says why.  (service_mirror.c passed the thread's own
 * message buffer as the argument of the qp_error_set that rewrites it.)
 */
static void test_mirror_refusal_message(void **state)
{
	fx *f = *state;
	char *auth = tu_vkey(f->keys[AUTHORITY]), body[1024], *note = NULL;
	size_t len = 0;
	snprintf(body, sizeof(body),
		 "{\"authority\":\"%s\",\"county\":\"330681\",\"county_name\":\"诸暨市\"}", auth);
	assert_int_equal(sign_genesis(&note, &len, f->reg, f->keys[OFFICER], body), QP_OK);
	char *p = tu_path(f->dir, "mirror.db");
	qp_registry *m = NULL;
	assert_int_equal(qp_mirror_open(&m, p), QP_OK);
	const char *notes[1] = {note};
	assert_int_equal(qp_mirror_apply(m, 0, notes, &len, 1), QP_EVERIFY);
	assert_error_contains("mirror: the served entry 0 does not replay: ");
	assert_error_contains("must be signed by the authority key it names");
	qp_registry_free(m);
	free(note);
	free(p);
	free(auth);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_matrix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_genesis, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mirror_refusal_message, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_checkpoint_roles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_revocation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_revoked_log_and_auditor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_snapshot, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
