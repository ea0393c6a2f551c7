/*
 * test_agreement.c - the registry and the offline verifier read one
 * rulebook: a seeded random walk of certificate entries (issues of every
 * kind and basis, transfers and redemptions whole and partial, revocations,
 * freezes, the clock moved on past validity dates, policy changes, and
 * entries the registry refuses), then a bundle of every certificate, each
 * verified with no registry: the verifier must accept every one and say
 * what the registry says about its state (expired included), holder, area,
 * kind, home, parent and validity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <sodium.h>

#include "clock.h"
#include "quanpiao/quanpiao.h"
#include "testutil.h"

#define ORIGIN "zhuji.example/quanpiao"
#define V1     "330681101201"
#define V2     "330681102203"
#define ENT    "91350100M000100Y43"
#define T0     1795000000 /* 2026-11-18 */
#define DAY    86400LL

#define HOUSEHOLDS 24 /* the last HOMELESS have no home: entitlement */
#define HOMELESS   6
#define HOMES	   36 /* the in-use ones (every fourth) of distinct households: one home each */
#ifndef AGREE_OPS
#define AGREE_OPS 10000
#endif

typedef struct fx {
	char *dir, *db;
	qp_key *authority, *officer, *log;
	char *auth_vkey;
	qp_registry *reg;
} fx;

typedef struct walk {
	uint64_t rng;
	char (*ids)[QP_CERT_ID_LEN + 1];
	size_t n, cap;
	char hh[HOUSEHOLDS][19];
	const char *village[HOUSEHOLDS];
	char units[HOMES][29];
	int home_type[HOMES]; /* 0 withdrawn, 1 demolished, 2 reclaimed, 3 in use (legacy) */
	int owner[HOMES];
	int legacy_seq;
	int counts[3]; /* accepted, refused, policy changes */
} walk;

static unsigned rnd(walk *w, unsigned n)
{
	w->rng = w->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((w->rng >> 33) % n);
}

static int put(fx *f, const qp_key *key, const char *type, const char *body, uint64_t *idx)
{
	return qp_registry_submit(f->reg, key, type, body, idx);
}

static void ok(fx *f, const char *type, const char *body)
{
	if (put(f, f->officer, type, body, NULL) != QP_OK)
		fail_msg("%s %s: %s", type, body, qp_error_last()->message);
}

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
	f->auth_vkey = tu_vkey(f->authority);
	f->reg = tu_registry_create(f->db, ORIGIN, f->authority, f->log);
	tu_enroll(f->reg, f->authority, f->officer, "officer");
	ok(f, "village.add", "{\"code\":\"" V1 "\",\"name\":\"东白湖村\"}");
	ok(f, "village.add", "{\"code\":\"" V2 "\",\"name\":\"斯宅村\"}");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	qp_clock_set(0);
	qp_registry_free(f->reg);
	qp_key_free(f->authority);
	qp_key_free(f->officer);
	qp_key_free(f->log);
	free(f->auth_vkey);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

/* Households in two villages, and homes in every state an issue is judged on. */
static void populate(fx *f, walk *w)
{
	char body[512];
	for (int i = 0; i < HOUSEHOLDS; i++) {
		char d[18];
		snprintf(d, sizeof(d), "33068119800303%03d", i);
		memcpy(w->hh[i], d, 17);
		w->hh[i][17] = qp_ids_resident_check_char(d);
		w->hh[i][18] = '\0';
		w->village[i] = i % 3 == 2 ? V2 : V1;
		snprintf(body, sizeof(body),
			 "{\"id_number\":\"%s\",\"members\":2,\"name\":\"户\",\"village\":\"%s\"}", w->hh[i],
			 w->village[i]);
		ok(f, "household.add", body);
	}
	for (int i = 0; i < HOMES; i++) {
		int t = i % 4, o = i % (HOUSEHOLDS - HOMELESS);
		w->home_type[i] = t;
		w->owner[i] = o;
		snprintf(w->units[i], sizeof(w->units[i]), "330681003004JC%05dF00010001", i + 1);
		snprintf(body, sizeof(body),
			 "{\"household\":\"%s\",\"land_area\":%d,\"status\":\"%s\",\"unit\":\"%s\","
			 "\"village\":\"%s\"}",
			 w->hh[o], 8000 + 300 * i,
			 t == 1	  ? "dilapidated"
			 : t == 3 ? "in_use"
				  : "idle",
			 w->units[i], w->village[o]);
		ok(f, "home.add", body);
		if (t == 3)
			continue;
		snprintf(body, sizeof(body), "{\"status\":\"%s\",\"unit\":\"%s\"}",
			 t == 1 ? "demolished" : "withdrawn", w->units[i]);
		ok(f, "home.status", body);
		if (t == 2) {
			snprintf(body, sizeof(body), "{\"status\":\"reclaimed\",\"unit\":\"%s\"}",
				 w->units[i]);
			ok(f, "home.status", body);
		}
	}
}

/* Remember the certificates entry idx created. */
static void learn(fx *f, walk *w, uint64_t idx)
{
	qp_cert *list = NULL;
	size_t n = 0;
	assert_int_equal(qp_certs_created_by(&list, &n, f->reg, idx), QP_OK);
	for (size_t i = 0; i < n; i++) {
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 256;
			w->ids = realloc(w->ids, w->cap * sizeof(*w->ids));
			assert_non_null(w->ids);
		}
		snprintf(w->ids[w->n++], QP_CERT_ID_LEN + 1, "%s", list[i].id);
	}
	qp_certs_free(list, n);
}

/* A certificate to act on: mostly a recent one (more likely live), sometimes any, rarely none. */
static const char *pick(walk *w)
{
	if (w->n == 0 || rnd(w, 200) == 0)
		return "330681-2026-G-999999";
	size_t recent = w->n < 120 ? w->n : 120;
	return rnd(w, 4) ? w->ids[w->n - 1 - rnd(w, (unsigned)recent)] : w->ids[rnd(w, (unsigned)w->n)];
}

/* A recipient: a household of either village, a collective, an enterprise, or someone unknown. */
static const char *recipient(walk *w)
{
	unsigned r = rnd(w, 20);
	return r < 14	? w->hh[rnd(w, HOUSEHOLDS)]
	       : r < 16 ? V1
	       : r < 18 ? V2
	       : r < 19 ? ENT
			: "330681198003039999";
}

/* Change a parameter that matters to the certificates: transfer rules, validity, areas, purposes, cap. */
static void change_policy(fx *f, walk *w)
{
	static const char *const kinds[] = {"guarantee", "retention", "collective"};
	static const char *const rules[] = {"same_village", "inheritance_only", "collective_or_enterprise",
					    "none"};
	static const char *const purposes[] = {"resettlement", "subsidy", "homestead", "rebuild", "quota"};
	static const int validity[] = {0, 1, 2, 10};
	static const int max_area[] = {0, 4000, 16000};
	char *text = NULL;
	uint64_t since;
	assert_int_equal(qp_registry_policy(&text, &since, f->reg), QP_OK);
	cJSON *params = cJSON_Parse(text);
	free(text);
	assert_non_null(params);
	cJSON *k = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(params, "kinds"),
						    kinds[rnd(w, 3)]);
	switch (rnd(w, 5)) {
	case 0:
		cJSON_ReplaceItemInObjectCaseSensitive(k, "transfer", cJSON_CreateString(rules[rnd(w, 4)]));
		break;
	case 1:
		cJSON_ReplaceItemInObjectCaseSensitive(k, "validity_years",
						       cJSON_CreateNumber(validity[rnd(w, 4)]));
		break;
	case 2:
		cJSON_ReplaceItemInObjectCaseSensitive(k, "max_area",
						       cJSON_CreateNumber(max_area[rnd(w, 3)]));
		break;
	case 3: {
		cJSON *list = cJSON_CreateArray();
		for (int i = 0; i < 5; i++)
			if (rnd(w, 2))
				cJSON_AddItemToArray(list, cJSON_CreateString(purposes[i]));
		cJSON_ReplaceItemInObjectCaseSensitive(k, "redeem", list);
		break;
	}
	default:
		cJSON_ReplaceItemInObjectCaseSensitive(
		    params, "per_home_cap",
		    cJSON_CreateBool(
			!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(params, "per_home_cap"))));
	}
	cJSON *body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "params", params);
	char *json = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (put(f, f->authority, "policy.set", json, NULL) != QP_OK)
		fail_msg("policy.set %s: %s", json, qp_error_last()->message);
	free(json);
	w->counts[2]++;
}

/* One issue: a home of any state with the kind and basis it fits (or not), or a guarantee on entitlement. */
static int issue(fx *f, walk *w, uint64_t *idx)
{
	static const char *const kinds[] = {"guarantee", "retention", "collective"};
	static const char *const bases[] = {"withdrawal", "demolition", "reclamation", "legacy"};
	char body[768], extra[128] = "", today[QP_TIME_LEN + 1];
	qp_time_format(today, qp_clock_now());
	if (rnd(w, 8) == 0) { /* entitlement: a homeless household, once (or one with a home: refused) */
		int h = HOUSEHOLDS - 1 - (int)rnd(w, HOMELESS + 2);
		snprintf(body, sizeof(body),
			 "{\"area\":%u,\"basis\":\"entitlement\",\"holder\":\"%s\",\"kind\":\"guarantee\"}",
			 100 + rnd(w, 6000), w->hh[h]);
		return put(f, f->officer, "cert.issue", body, idx);
	}
	int h = (int)rnd(w, HOMES), t = w->home_type[h];
	int k = t == 3 ? (int)rnd(w, 2) : t; /* an in-use home: legacy tickets of either household kind */
	const char *basis = bases[t];
	if (rnd(w, 12) == 0) { /* the wrong kind or basis */
		k = (int)rnd(w, 3);
		basis = bases[rnd(w, 4)];
	} else if (t != 3 && rnd(w, 6) == 0) {
		basis = "legacy";
	}
	if (strcmp(basis, "legacy") == 0)
		snprintf(extra, sizeof(extra), ",\"legacy_no\":\"L-%d\"",
			 rnd(w, 20) ? ++w->legacy_seq : w->legacy_seq); /* sometimes a number used before */
	if (rnd(w, 5) == 0) {
		int64_t when = qp_clock_now() + ((int64_t)rnd(w, 400) - 20) * DAY; /* sometimes in the past */
		char d[QP_TIME_LEN + 1];
		qp_time_format(d, when);
		size_t used = strlen(extra);
		snprintf(extra + used, sizeof(extra) - used, ",\"valid_until\":\"%.10s\"", d);
	}
	const char *holder = k == 2 ? (rnd(w, 10) ? w->village[w->owner[h]] : ENT) : w->hh[w->owner[h]];
	if (rnd(w, 15) == 0)
		holder = w->hh[rnd(w, HOUSEHOLDS)]; /* not the home's */
	snprintf(body, sizeof(body),
		 "{\"area\":%u,\"basis\":\"%s\",\"holder\":\"%s\",\"home\":\"%s\",\"kind\":\"%s\"%s}",
		 100 + rnd(w, 6000), basis, holder, w->units[h], kinds[k], extra);
	return put(f, f->officer, "cert.issue", body, idx);
}

static int step(fx *f, walk *w, int op, uint64_t *idx)
{
	static const char *const tbases[] = {"sale", "inheritance", "exchange"};
	static const char *const purposes[] = {"resettlement", "subsidy", "homestead", "rebuild", "quota"};
	char body[512], area[48] = "";
	unsigned what = rnd(w, 100);
	const char *id = pick(w);
	qp_cert c;
	int64_t whole = 1000;
	if (qp_cert_get(&c, f->reg, id) == QP_OK) {
		whole = c.area;
		qp_cert_clear(&c);
	}
	/* Whole, part, or more than there is. */
	unsigned how = rnd(w, 6);
	if (how < 3)
		snprintf(area, sizeof(area), "\"area\":%lld,",
			 (long long)(how == 2 && whole > 1 ? 1 + rnd(w, (unsigned)whole - 1)
				     : how == 1		   ? whole + 1 + rnd(w, 100)
							   : whole));
	else if (how < 5 && whole > 1)
		snprintf(area, sizeof(area), "\"area\":%lld,", (long long)(1 + rnd(w, (unsigned)whole - 1)));
	if (what < 22)
		return issue(f, w, idx);
	if (what < 48) {
		snprintf(body, sizeof(body), "{%s\"basis\":\"%s\",\"cert\":\"%s\",\"to\":\"%s\"}", area,
			 tbases[rnd(w, 3)], id, recipient(w));
		return put(f, f->officer, "cert.transfer", body, idx);
	}
	if (what < 68) {
		if (area[0] == '\0')
			snprintf(area, sizeof(area), "\"area\":%lld,", (long long)whole);
		snprintf(body, sizeof(body), "{%s\"cert\":\"%s\",\"note\":\"op %d\",\"purpose\":\"%s\"}",
			 area, id, op, purposes[rnd(w, 5)]);
		return put(f, f->officer, "cert.redeem", body, idx);
	}
	if (what < 86) {
		const char *type = what < 75 ? "cert.freeze" : what < 81 ? "cert.unfreeze" : "cert.revoke";
		snprintf(body, sizeof(body), "{\"cert\":\"%s\",\"reason\":\"op %d\"}", id, op);
		return put(f, f->officer, type, body, idx);
	}
	if (what < 96) { /* time passes: validity dates go by */
		qp_clock_set(qp_clock_now() + (int64_t)rnd(w, 7) * DAY + (int64_t)rnd(w, 3600));
		return -1;
	}
	if (what == 96 && rnd(w, 3) == 0) { /* a policy change now and then: every bundle carries them all */
		change_policy(f, w);
		return -1;
	}
	/* Hostile: a holder by ID number that is no household, a certificate that does not exist. */
	snprintf(body, sizeof(body), "{\"basis\":\"sale\",\"cert\":\"%s\",\"to\":\"330681198003039999\"}",
		 id);
	return put(f, f->officer, "cert.transfer", body, idx);
}

/* The verifier's certificate and the registry's must be the same in everything a buyer is shown. */
static void agree(const qp_cert *reg, const qp_cert *ver)
{
#define SAME_STR(m)                                                                                          \
	if (strcmp(reg->m, ver->m) != 0)                                                                     \
		fail_msg("certificate %s: " #m ": registry %s, verifier %s", reg->id, reg->m, ver->m);
#define SAME_INT(m)                                                                                          \
	if ((long long)reg->m != (long long)ver->m)                                                          \
		fail_msg("certificate %s: " #m ": registry %lld, verifier %lld", reg->id, (long long)reg->m, \
			 (long long)ver->m);
	SAME_STR(id);
	SAME_INT(state);
	SAME_INT(expired);
	SAME_STR(holder);
	SAME_STR(holder_type);
	SAME_INT(area);
	SAME_INT(kind);
	SAME_STR(home);
	SAME_STR(basis);
	SAME_STR(parent);
	SAME_STR(root);
	SAME_STR(issued_on);
	SAME_STR(valid_until);
	SAME_STR(legacy_no);
	SAME_INT(created_at);
	SAME_INT(ended_at);
	SAME_STR(ended_by);
	if ((reg->reason == NULL) != (ver->reason == NULL) ||
	    (reg->reason && strcmp(reg->reason, ver->reason) != 0))
		fail_msg("certificate %s: reason: registry %s, verifier %s", reg->id,
			 reg->reason ? reg->reason : "(none)", ver->reason ? ver->reason : "(none)");
#undef SAME_STR
#undef SAME_INT
}

/*
 * Issue 21, acceptance 2: a checkpoint, then every certificate's status
 * proof against it, verified offline, says what the registry's tables say;
 * a number the map does not hold is proven absent.
 */
#define MAP_CHECK_EVERY 500
static void map_agrees(fx *f)
{
	char *cp = NULL, *lv = tu_vkey(f->log);
	size_t cp_len = 0, n = 0;
	qp_cert *all = NULL;
	assert_int_equal(qp_log_sign(&cp, &cp_len, f->reg, f->log), QP_OK);
	free(cp);
	assert_int_equal(qp_certs_list(&all, &n, f->reg, NULL), QP_OK);
	for (size_t i = 0; i <= n; i++) {
		const char *id = i < n ? all[i].id : "330681-2026-G-999999";
		char *p = NULL;
		size_t len = 0;
		qp_status_result r;
		if (qp_statusmap_status_proof(&p, &len, f->reg, id) != QP_OK)
			fail_msg("status of %s: %s", id, qp_error_last()->message);
		int err = qp_statusmap_status_verify(&r, p, len, lv, NULL, 0);
		free(p);
		if (i == n) {
			assert_int_equal(err, QP_EVERIFY);
			assert_false(r.present);
			break;
		}
		if (err != QP_OK)
			fail_msg("status of %s: %s", id, qp_error_last()->message);
		if (!r.present || r.record.state != all[i].state ||
		    strcmp(r.record.holder, all[i].holder) != 0 || r.record.area != all[i].area ||
		    r.record.kind != all[i].kind || strcmp(r.record.valid_until, all[i].valid_until) != 0 ||
		    r.record.entry < all[i].created_at)
			fail_msg("certificate %s: the map's record differs from the registry's tables", id);
	}
	qp_certs_free(all, n);
	free(lv);
}

static void test_registry_and_verifier_agree(void **state)
{
	fx *f = *state;
	walk w;
	memset(&w, 0, sizeof(w));
	w.rng = 20261206;
	populate(f, &w);
	clock_t t_walk = clock();
	int ops = 0;
	for (int op = 1; op <= AGREE_OPS; op++) {
		uint64_t idx = 0;
		int rc = step(f, &w, op, &idx);
		if (rc == -1) {
			ops++;
			continue;
		}
		ops++;
		if (op % MAP_CHECK_EVERY == 0)
			map_agrees(f);
		if (rc == QP_OK) {
			w.counts[0]++;
			learn(f, &w, idx);
		} else if (rc == QP_EINVALID || rc == QP_ECONFLICT || rc == QP_ENOTFOUND) {
			w.counts[1]++;
		} else {
			fail_msg("op %d: unexpected %d: %s", op, rc, qp_error_last()->message);
		}
	}
	clock_t t_verify = clock();
	/* A checkpoint over it all, then a bundle of every certificate, verified offline. */
	char *cp = NULL;
	size_t cp_len = 0;
	assert_int_equal(qp_log_sign(&cp, &cp_len, f->reg, f->log), QP_OK);
	free(cp);
	qp_cert *all = NULL;
	size_t n = 0;
	int states[QP_CERT_STATE_COUNT + 1] = {0};
	assert_int_equal(qp_certs_list(&all, &n, f->reg, NULL), QP_OK);
	assert_int_equal(n, w.n);
	for (size_t i = 0; i < n; i++) {
		char *b = NULL;
		size_t len = 0;
		qp_bundle_info info;
		if (qp_bundle_export(&b, &len, NULL, NULL, f->reg, all[i].id) != QP_OK)
			fail_msg("export %s: %s", all[i].id, qp_error_last()->message);
		if (qp_bundle_verify(&info, b, len, f->auth_vkey, qp_clock_now()) != QP_OK)
			fail_msg("verify %s: %s", all[i].id, qp_error_last()->message);
		agree(&all[i], &info.cert);
		states[all[i].expired ? QP_CERT_STATE_COUNT : (int)all[i].state]++;
		qp_bundle_info_clear(&info);
		free(b);
	}
	clock_t t_end = clock();
	char now[QP_TIME_LEN + 1];
	qp_time_format(now, qp_clock_now());
	print_message("agreement: %d operations (%d accepted, %d refused, %d policy changes) to %.10s; "
		      "%zu certificates verified offline: %d live, %d spent, %d frozen, %d revoked, "
		      "%d expired; CPU: walk %.1f s, export and verify %.1f s\n",
		      ops, w.counts[0], w.counts[1], w.counts[2], now, n, states[0], states[1], states[2],
		      states[3], states[4], (double)(t_verify - t_walk) / CLOCKS_PER_SEC,
		      (double)(t_end - t_verify) / CLOCKS_PER_SEC);
	/* The walk reached every state, and refused as much as it accepted or so. */
	for (int s = 0; s <= QP_CERT_STATE_COUNT; s++)
		assert_true(states[s] > 0);
	assert_true(w.counts[0] > AGREE_OPS / 8 && w.counts[1] > AGREE_OPS / 10);
	qp_certs_free(all, n);
	free(w.ids);
}

/* ---- issue 21: status proofs that must fail, and the audit of the map -------------------------- */

static void found(void *ctx, const char *where, const char *what)
{
	char *seen = ctx;
	size_t used = strlen(seen);
	snprintf(seen + used, 4096 - used, "%s: %s\n", where, what);
}

/* Audit a copy of the registry after sql (one text parameter, ?1 = param) ran on it: the findings. */
static void audit_after(fx *f, const char *sql, const void *param, size_t param_len, char seen[4096])
{
	char *copy = tu_path(f->dir, "tampered.db");
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	/* Closed first: everything written is in the file, none of it in the WAL. */
	qp_registry_free(f->reg);
	tu_copy(f->db, copy);
	assert_int_equal(qp_registry_open(&f->reg, f->db, 0), QP_OK);
	assert_int_equal(sqlite3_open(copy, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (param)
		sqlite3_bind_blob(st, 1, param, (int)param_len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	if (sqlite3_changes(db) == 0)
		fail_msg("nothing changed: %s", sql);
	sqlite3_finalize(st);
	sqlite3_close(db);
	qp_registry *reg = NULL;
	qp_audit_result res;
	qp_audit_options opt = {0};
	seen[0] = '\0';
	opt.problem = found;
	opt.ctx = seen;
	assert_int_equal(qp_registry_open(&reg, copy, 0), QP_OK);
	int err = qp_audit(&res, reg, &opt);
	assert_true(err == QP_EVERIFY || err == QP_OK);
	assert_true(res.problems > 0);
	qp_registry_free(reg);
	unlink(copy);
	free(copy);
}

/* Replace the bytes of section name (its first occurrence at or after from) in a status proof. */
static char *swap_section(const char *into, const char *from_proof, const char *name)
{
	const char *a = strstr(into, name), *b = strstr(from_proof, name);
	assert_non_null(a);
	assert_non_null(b);
	size_t an = strtoul(strchr(a, ' ') + 1, NULL, 10), bn = strtoul(strchr(b, ' ') + 1, NULL, 10);
	const char *abody = strchr(a, '\n') + 1, *bbody = strchr(b, '\n') + 1;
	size_t len = (size_t)(a - into) + (size_t)(bbody - b) + bn + strlen(abody + an);
	char *out = malloc(len + 1);
	snprintf(out, len + 1, "%.*s%.*s%s", (int)(a - into), into, (int)(bbody - b + (long)bn), b,
		 abody + an);
	return out;
}

static void test_status_proofs_fail_and_audit_finds(void **state)
{
	fx *f = *state;
	walk w;
	memset(&w, 0, sizeof(w));
	w.rng = 21;
	populate(f, &w);
	for (int op = 1; op <= 300; op++) {
		uint64_t idx = 0;
		if (step(f, &w, op, &idx) == QP_OK)
			learn(f, &w, idx);
	}
	char *cp = NULL, *lv = tu_vkey(f->log), body[128], seen[4096];
	size_t cp_len = 0, len = 0;
	assert_int_equal(qp_log_sign(&cp, &cp_len, f->reg, f->log), QP_OK);
	free(cp);
	/* A live certificate, then its freeze and a newer checkpoint. */
	qp_cert *live = NULL;
	size_t n = 0;
	qp_cert_filter filt = {NULL, -1, QP_CERT_LIVE, NULL, NULL, 1};
	assert_int_equal(qp_certs_list(&live, &n, f->reg, &filt), QP_OK);
	assert_int_equal(n, 1);
	char id[QP_CERT_ID_LEN + 1], *old = NULL, *now = NULL;
	snprintf(id, sizeof(id), "%s", live[0].id);
	qp_certs_free(live, n);
	assert_int_equal(qp_statusmap_status_proof(&old, &len, f->reg, id), QP_OK);
	snprintf(body, sizeof(body), "{\"cert\":\"%s\",\"reason\":\"court order\"}", id);
	ok(f, "cert.freeze", body);
	assert_int_equal(qp_log_sign(&cp, &cp_len, f->reg, f->log), QP_OK);
	free(cp);
	assert_int_equal(qp_statusmap_status_proof(&now, &len, f->reg, id), QP_OK);
	qp_status_result r;
	assert_int_equal(qp_statusmap_status_verify(&r, now, strlen(now), lv, NULL, 0), QP_OK);
	assert_int_equal(r.record.state, QP_CERT_FROZEN);
	/* The old proof still verifies against its own checkpoint (the map keeps what it needs)... */
	assert_int_equal(qp_statusmap_status_verify(&r, old, strlen(old), lv, NULL, 0), QP_OK);
	assert_int_equal(r.record.state, QP_CERT_LIVE);
	/* ...but the old map proof and record with the new checkpoint: a map proof from another checkpoint.
	 */
	char *spliced = swap_section(old, now, "checkpoint ");
	assert_int_equal(qp_statusmap_status_verify(&r, spliced, strlen(spliced), lv, NULL, 0), QP_EVERIFY);
	assert_non_null(strstr(qp_error_last()->message, id));
	free(spliced);
	/* An altered record (the state written live again) does not match the map. */
	char *forged = strdup(now), *st = strstr(forged, "state frozen");
	assert_non_null(st);
	memcpy(st, "state live\n\n", 12);
	assert_int_not_equal(qp_statusmap_status_verify(&r, forged, strlen(forged), lv, NULL, 0), QP_OK);
	free(forged);
	/* A number the map does not hold: proven absent, and verification fails naming it. */
	char *none = NULL;
	assert_int_equal(qp_statusmap_status_proof(&none, &len, f->reg, "330681-2026-G-999999"), QP_OK);
	assert_int_equal(qp_statusmap_status_verify(&r, none, len, lv, NULL, 0), QP_EVERIFY);
	assert_non_null(strstr(qp_error_last()->message, "330681-2026-G-999999"));
	free(none);
	free(old);
	free(now);

	/* The audit: a stored map node changed, a kept one, and a checkpoint whose map root is another. */
	audit_after(f,
		    "UPDATE statusmap_pages SET nodes = zeroblob(968) WHERE id = (SELECT max(id) FROM "
		    "statusmap_pages)",
		    NULL, 0, seen);
	assert_non_null(strstr(seen, "status map page"));
	/* A certificate's leaf is in its row (migration 0022): the row is named, and the leaf's column. */
	audit_after(
	    f,
	    "UPDATE certificates SET map_hash = zeroblob(32) WHERE map_key = (SELECT max(map_key) FROM "
	    "certificates)",
	    NULL, 0, seen);
	assert_non_null(strstr(seen, "certificates row 330681-"));
	assert_non_null(strstr(seen, "map_hash differs"));
	audit_after(f,
		    "UPDATE statusmap_page_history SET version = version + 1 WHERE id = (SELECT min(id) FROM "
		    "statusmap_page_history)",
		    NULL, 0, seen);
	assert_non_null(strstr(seen, "status map page"));
	audit_after(
	    f,
	    "UPDATE statusmap_leaf_history SET version = version + 1 WHERE key = (SELECT min(key) FROM "
	    "statusmap_leaf_history)",
	    NULL, 0, seen);
	assert_non_null(strstr(seen, "status map leaf"));
	uint64_t size = 0;
	char *note = NULL, text[512];
	assert_int_equal(qp_log_checkpoint(&note, &cp_len, &size, f->reg, QP_LOG_LATEST), QP_OK);
	char *line = strstr(note, QP_STATUSMAP_LINE " ");
	assert_non_null(line);
	snprintf(text, sizeof(text),
		 "%.*s" QP_STATUSMAP_LINE " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		 (int)(line - note), note);
	free(note);
	assert_int_equal(qp_note_sign(&note, &cp_len, text, strlen(text), (const qp_key *const *)&f->log, 1),
			 QP_OK);
	audit_after(f, "UPDATE checkpoints SET note = ?1 WHERE size = (SELECT max(size) FROM checkpoints)",
		    note, cp_len, seen);
	assert_non_null(strstr(seen, "status-map root"));
	free(note);
	free(lv);
	free(w.ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_registry_and_verifier_agree, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_status_proofs_fail_and_audit_finds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
