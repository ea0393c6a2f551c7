/*
 * test_certs.c - rights certificates: each rule with its code and no
 * change on refusal, transfers and redemptions that conserve area, the
 * display number, freezing, expiry, and a seeded random walk of 10,000
 * operations checked against an independent model after every batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>
#include <sqlite3.h>

#include "alloc.h"
#include "clock.h"
#include "error.h"
#include "quanpiao/quanpiao.h"
#include "registry_internal.h"
#include "store_certs.h"
#include "store_homes.h"
#include "store_log.h"
#include "testutil.h"

#define ORIGIN "zhuji.example/quanpiao"
#define V1     "330681101201"
#define V2     "330681102203"
#define H1     "330681197001010016"
#define H2     "330681197001010024"
#define H3     "330681197001010032"
#define H4     "330681197001010040"
/* Their registry numbers, in the order setup adds them. */
#define N1     "330681-H-0000001"
#define N2     "330681-H-0000002"
#define N3     "330681-H-0000003"
#define N4     "330681-H-0000004"
#define U_WD   "330681001002JC00001F00010001" /* H1, withdrawn, 120.00 */
#define U_DM   "330681001002JC00002F00010001" /* H2, demolished, 100.00 */
#define U_RC   "330681001002JC00003F00010001" /* H2, reclaimed after withdrawal, 300.00 */
#define U_IU   "330681001002JC00004F00010001" /* H3 (V2), in use */
#define T0     1795000000		      /* 2026-11-18 */

typedef struct fx {
	char *dir, *db;
	qp_key *authority, *officer;
	qp_registry *reg;
} fx;

static int put(fx *f, const char *type, const char *body, uint64_t *idx)
{
	return qp_registry_submit(f->reg, f->officer, type, body, idx);
}

static void ok(fx *f, const char *type, const char *body)
{
	if (put(f, type, body, NULL) != QP_OK)
		fail_msg("%s %s: %s", type, body, qp_error_last()->message);
}

/* The one or more certificates an accepted entry created; returns the first id. */
static void created(fx *f, const char *type, const char *body, char ids[][QP_CERT_ID_LEN + 1], size_t want)
{
	uint64_t idx;
	if (put(f, type, body, &idx) != QP_OK)
		fail_msg("%s %s: %s", type, body, qp_error_last()->message);
	qp_cert *list = NULL;
	size_t n = 0;
	assert_int_equal(qp_certs_created_by(&list, &n, f->reg, idx), QP_OK);
	assert_int_equal(n, want);
	for (size_t i = 0; i < n; i++)
		snprintf(ids[i], QP_CERT_ID_LEN + 1, "%s", list[i].id);
	qp_certs_free(list, n);
}

static void digest(fx *f, unsigned char out[32])
{
	crypto_hash_sha256_state h;
	qp_cert *list = NULL;
	size_t n = 0;
	uint64_t size;
	crypto_hash_sha256_init(&h);
	assert_int_equal(qp_certs_list(&list, &n, f->reg, NULL), QP_OK);
	for (size_t i = 0; i < n; i++) {
		crypto_hash_sha256_update(&h, (const unsigned char *)list[i].id, sizeof(list[i].id));
		crypto_hash_sha256_update(&h, (const unsigned char *)&list[i].state, sizeof(list[i].state));
		crypto_hash_sha256_update(&h, (const unsigned char *)&list[i].area, sizeof(list[i].area));
	}
	qp_certs_free(list, n);
	assert_int_equal(qp_log_size(&size, f->reg), QP_OK);
	crypto_hash_sha256_update(&h, (const unsigned char *)&size, sizeof(size));
	crypto_hash_sha256_final(&h, out);
}

static void refused(fx *f, const char *type, const char *body, int code, const char *needle)
{
	unsigned char a[32], b[32];
	digest(f, a);
	int rc = put(f, type, body, NULL);
	if (rc != code)
		fail_msg("%s %s gave %d (%s), expected %d", type, body, rc, qp_error_last()->message, code);
	assert_error_contains(needle);
	digest(f, b);
	assert_memory_equal(a, b, 32);
}

static void household(fx *f, const char *id, const char *village)
{
	char body[2048];
	snprintf(body, sizeof(body),
		 "{\"id_number\":\"%s\",\"members\":2,\"name\":\"户\",\"village\":\"%s\"}", id, village);
	ok(f, "household.add", body);
}

static void home(fx *f, const char *unit, const char *hh, const char *village, int area, const char *status)
{
	char body[2048];
	snprintf(
	    body, sizeof(body),
	    "{\"household\":\"%s\",\"land_area\":%d,\"status\":\"%s\",\"unit\":\"%s\",\"village\":\"%s\"}",
	    hh, area, status, unit, village);
	ok(f, "home.add", body);
}

static void status(fx *f, const char *unit, const char *to)
{
	char body[2048];
	snprintf(body, sizeof(body), "{\"status\":\"%s\",\"unit\":\"%s\"}", to, unit);
	ok(f, "home.status", body);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_true(sodium_init() >= 0);
	qp_clock_set(T0);
	f->dir = tu_mkdtemp();
	f->db = tu_path(f->dir, "registry.db");
	f->authority = tu_seeded_key("330681.authority", 1);
	f->officer = tu_seeded_key("330681.officer.li", 3);
	qp_key *log = tu_seeded_key(ORIGIN, 2);
	f->reg = tu_registry_create(f->db, ORIGIN, f->authority, log);
	qp_key_free(log);
	tu_enroll(f->reg, f->authority, f->officer, "officer");
	ok(f, "village.add", "{\"code\":\"" V1 "\",\"name\":\"东白湖村\"}");
	ok(f, "village.add", "{\"code\":\"" V2 "\",\"name\":\"斯宅村\"}");
	household(f, H1, V1);
	household(f, H2, V1);
	household(f, H3, V2);
	household(f, H4, V1);
	home(f, U_WD, H1, V1, 12000, "idle");
	status(f, U_WD, "withdrawn");
	home(f, U_DM, H2, V1, 10000, "dilapidated");
	status(f, U_DM, "demolished");
	home(f, U_RC, H2, V1, 30000, "dilapidated");
	status(f, U_RC, "withdrawn");
	status(f, U_RC, "reclaimed");
	home(f, U_IU, H3, V2, 9000, "in_use");
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
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

#define ISSUE(kind, holder, area, home, basis)                                                               \
	"{\"area\":" area ",\"basis\":\"" basis "\",\"holder\":\"" holder "\",\"home\":\"" home              \
	"\",\"kind\":\"" kind "\"}"

static void test_issue_rules(void **state)
{
	fx *f = *state;
	char ids[2][QP_CERT_ID_LEN + 1];
	/* Wrong holder type for the kind. */
	refused(f, "cert.issue", ISSUE("guarantee", V1, "1000", U_WD, "withdrawal"), QP_EINVALID,
		"a guarantee certificate is held by a household, not a collective");
	refused(f, "cert.issue", ISSUE("collective", H2, "1000", U_RC, "reclamation"), QP_EINVALID,
		"a collective certificate is held by a collective, not a household");
	refused(f, "cert.issue", ISSUE("guarantee", "91350100M000100Y43", "1000", U_WD, "withdrawal"),
		QP_EINVALID, "not an enterprise");
	/* Basis not matching the kind or the home's state. */
	refused(f, "cert.issue", ISSUE("guarantee", H1, "1000", U_WD, "demolition"), QP_EINVALID,
		"a guarantee certificate is issued on withdrawal, entitlement, legacy, not demolition");
	refused(f, "cert.issue", ISSUE("retention", H2, "1000", U_RC, "demolition"), QP_EINVALID,
		"basis demolition needs a home that is demolished");
	refused(f, "cert.issue", ISSUE("collective", V1, "1000", U_WD, "reclamation"), QP_EINVALID,
		"basis reclamation needs a home that is reclaimed; " U_WD " is withdrawn");
	refused(f, "cert.issue", ISSUE("guarantee", H3, "1000", U_IU, "withdrawal"), QP_EINVALID,
		"needs a home that is withdrawn");
	/* The home's owner. */
	refused(f, "cert.issue", ISSUE("guarantee", H4, "1000", U_WD, "withdrawal"), QP_EINVALID,
		"belongs to " N1);
	refused(f, "cert.issue", ISSUE("collective", V2, "1000", U_RC, "reclamation"), QP_EINVALID,
		"goes to its village");
	/* Area limits: the policy's 160.00 m² and the per-home cap. */
	refused(f, "cert.issue", ISSUE("guarantee", H1, "16001", U_WD, "withdrawal"), QP_EINVALID,
		"160.01 m² is over the policy's 160.00 m²");
	refused(f, "cert.issue", ISSUE("guarantee", H1, "0", U_WD, "withdrawal"), QP_EINVALID, "body.area");
	created(f, "cert.issue", ISSUE("guarantee", H1, "8000", U_WD, "withdrawal"), ids, 1);
	assert_string_equal(ids[0], "330681-2026-G-000001");
	refused(f, "cert.issue", ISSUE("guarantee", H1, "4001", U_WD, "withdrawal"), QP_EINVALID,
		"40.01 m² more would exceed home " U_WD
		"'s land area of 120.00 m² (80.00 m² of guarantee issued and not revoked)");
	created(f, "cert.issue", ISSUE("guarantee", H1, "4000", U_WD, "withdrawal"), ids, 1);
	assert_string_equal(ids[0], "330681-2026-G-000002");
	/* Revoking frees its area under the cap. */
	ok(f, "cert.revoke", "{\"cert\":\"330681-2026-G-000002\",\"reason\":\"issued in error\"}");
	created(f, "cert.issue", ISSUE("guarantee", H1, "4000", U_WD, "withdrawal"), ids, 1);
	assert_string_equal(ids[0], "330681-2026-G-000003");
	/* The collective certificate of a reclaimed home; no area limit but the home's. */
	created(f, "cert.issue", ISSUE("collective", V1, "30000", U_RC, "reclamation"), ids, 1);
	assert_string_equal(ids[0], "330681-2026-C-000001");
	/* A reclaimed home that was withdrawn also backs a guarantee. */
	created(f, "cert.issue", ISSUE("guarantee", H2, "16000", U_RC, "withdrawal"), ids, 1);
	/* Retention: valid for 10 years by default. */
	created(f, "cert.issue", ISSUE("retention", H2, "10000", U_DM, "demolition"), ids, 1);
	qp_cert c;
	assert_int_equal(qp_cert_get(&c, f->reg, ids[0]), QP_OK);
	assert_string_equal(c.valid_until, "2036-11-18");
	assert_string_equal(c.root, ids[0]);
	char display[128];
	assert_int_equal(qp_cert_display_number(display, sizeof(display), f->reg, &c), QP_OK);
	assert_string_equal(display, "浙(2026)诸暨市保留权票第000001号");
	qp_cert_clear(&c);
	/* Entitlement: a household without a home, once. */
	refused(f, "cert.issue",
		"{\"area\":100,\"basis\":\"entitlement\",\"holder\":\"" H3 "\",\"kind\":\"guarantee\"}",
		QP_EINVALID, "the household holds a home");
	created(f, "cert.issue",
		"{\"area\":100,\"basis\":\"entitlement\",\"holder\":\"" H4 "\",\"kind\":\"guarantee\"}", ids,
		1);
	refused(f, "cert.issue",
		"{\"area\":100,\"basis\":\"entitlement\",\"holder\":\"" H4 "\",\"kind\":\"guarantee\"}",
		QP_ECONFLICT, "(on entitlement); a household is guaranteed one homestead");
	/* Nor one for a household guaranteed for the homestead it withdrew (H1, withdrawn above). */
	refused(f, "cert.issue",
		"{\"area\":100,\"basis\":\"entitlement\",\"holder\":\"" H1 "\",\"kind\":\"guarantee\"}",
		QP_ECONFLICT, "(on withdrawal); a household is guaranteed one homestead");
	/* Unknown references. */
	refused(f, "cert.issue", ISSUE("guarantee", "11010519491231002X", "100", U_WD, "withdrawal"),
		QP_EINVALID, "no household with ID number 110105********002X");
	refused(f, "cert.issue", ISSUE("guarantee", H1, "100", "330681001002JC00099F00010001", "withdrawal"),
		QP_EINVALID, "unknown home");
	refused(f, "cert.issue", ISSUE("galaxy", H1, "100", U_WD, "withdrawal"), QP_EINVALID,
		"kind: \"galaxy\"");
	/* Entries name the certificates they create; a stale or missing number is refused. */
	char *note = NULL;
	size_t len = 0;
	assert_int_equal(qp_registry_sign_entry(&note, &len, f->reg, f->officer, "cert.issue",
						ISSUE("guarantee", N2, "100", U_RC, "withdrawal")),
			 QP_OK);
	assert_int_equal(qp_registry_append(f->reg, note, len, NULL), QP_EINVALID);
	assert_error_contains("body.id must be text");
	free(note);
	/* A signed body names the holder by number: an ID number is refused, not looked up. */
	assert_int_equal(qp_registry_sign_entry(&note, &len, f->reg, f->officer, "cert.issue",
						"{\"area\":100,\"basis\":\"withdrawal\",\"holder\":\"" H2
						"\",\"home\":\"" U_RC
						"\",\"id\":\"330681-2026-G-000006\",\"kind\":\"guarantee\"}"),
			 QP_OK);
	assert_int_equal(qp_registry_append(f->reg, note, len, NULL), QP_EINVALID);
	assert_error_contains("cert.issue: body.holder: a household is named by its registry number");
	free(note);
	assert_int_equal(qp_registry_sign_entry(&note, &len, f->reg, f->officer, "cert.issue",
						"{\"area\":100,\"basis\":\"withdrawal\",\"holder\":\"" N2
						"\",\"home\":\"" U_RC
						"\",\"id\":\"330681-2026-G-000001\",\"kind\":\"guarantee\"}"),
			 QP_OK);
	assert_int_equal(qp_registry_append(f->reg, note, len, NULL), QP_ECONFLICT);
	assert_error_contains(
	    "certificate number 330681-2026-G-000001 in body.id is not the next one (330681-2026-G-000006)");
	free(note);
	/* A correction cannot shrink a home below what was issued from it. */
	refused(f, "home.correct",
		"{\"field\":\"land_area\",\"reason\":\"resurvey\",\"unit\":\"" U_WD "\",\"value\":11999}",
		QP_EINVALID, "120.00 m² of guarantee certificates were issued from " U_WD);
	assert_int_equal(qp_certs_check_invariants(f->reg), QP_OK);
}

#define P_RL "330681001002JC00009" /* reclaimed land, no home on it */
#define PARCEL(parcel, village, area)                                                                        \
	"{\"land_area\":" area ",\"parcel\":\"" parcel "\",\"state\":\"reclaimed\",\"village\":\"" village   \
	"\"}"
#define ISSUE_P(holder, area, parcel, basis)                                                                 \
	"{\"area\":" area ",\"basis\":\"" basis "\",\"holder\":\"" holder                                    \
	"\",\"kind\":\"collective\",\"parcel\":\"" parcel "\"}"

/* Reclaimed land with no home on it (issue 23): registered as a parcel, a collective certificate comes from
 * it, under the cap. */
static void test_reclaimed_land(void **state)
{
	fx *f = *state;
	char ids[2][QP_CERT_ID_LEN + 1];
	/* Bad parcels: the code, the land type, the village, a home on it, the state. */
	refused(f, "parcel.add", PARCEL("330681001002JC0000", V1, "20000"), QP_EINVALID,
		"body.parcel must be 19 characters");
	refused(f, "parcel.add", PARCEL("110105001002JC00009", V1, "20000"), QP_EINVALID, "parcel");
	refused(f, "parcel.add", PARCEL("330681001002GB00009", V1, "20000"), QP_EINVALID,
		"not a rural homestead (parcel type JC, not GB)");
	refused(f, "parcel.add", PARCEL(P_RL, "330681101299", "20000"), QP_EINVALID,
		"unknown village 330681101299");
	refused(f, "parcel.add", PARCEL(P_RL, V1, "0"), QP_EINVALID, "body.land_area");
	refused(f, "parcel.add",
		"{\"land_area\":100,\"parcel\":\"" P_RL "\",\"state\":\"idle\",\"village\":\"" V1 "\"}",
		QP_EINVALID, "state must be reclaimed, not idle");
	refused(f, "parcel.add", PARCEL("330681001002JC00003", V1, "20000"), QP_ECONFLICT,
		"home " U_RC " stands on parcel 330681001002JC00003");
	ok(f, "parcel.add", PARCEL(P_RL, V1, "20000"));
	refused(f, "parcel.add", PARCEL(P_RL, V1, "20000"), QP_ECONFLICT,
		"parcel " P_RL " was already registered by entry");
	/* A parcel is homes or reclaimed land, not both. */
	household(f, "330681199001010015", V1);
	refused(f, "home.add",
		"{\"household\":\"330681-H-0000005\",\"land_area\":100,\"status\":\"idle\",\"unit\":\"" P_RL
		"F00010001\",\"village\":\"" V1 "\"}",
		QP_ECONFLICT, "parcel " P_RL " was registered as reclaimed land by entry");
	/* The certificate: collective only, the parcel's village, registered land, not with a home too. */
	refused(f, "cert.issue",
		"{\"area\":100,\"basis\":\"withdrawal\",\"holder\":\"" N1
		"\",\"kind\":\"guarantee\",\"parcel\":\"" P_RL "\"}",
		QP_EINVALID,
		"a guarantee certificate comes from a home; only a collective one comes from reclaimed land");
	refused(f, "cert.issue",
		"{\"area\":100,\"basis\":\"reclamation\",\"holder\":\"" V1 "\",\"home\":\"" U_RC
		"\",\"kind\":\"collective\",\"parcel\":\"" P_RL "\"}",
		QP_EINVALID, "body.home and body.parcel are both given");
	refused(f, "cert.issue", ISSUE_P(V2, "100", P_RL, "reclamation"), QP_EINVALID,
		"reclaimed parcel " P_RL " belongs to village " V1);
	refused(f, "cert.issue", ISSUE_P(V1, "100", "330681001002JC00010", "reclamation"), QP_EINVALID,
		"parcel 330681001002JC00010 is not registered as reclaimed land");
	refused(f, "cert.issue",
		"{\"area\":100,\"basis\":\"reclamation\",\"holder\":\"" V1 "\",\"kind\":\"collective\"}",
		QP_EINVALID, "or body.parcel: the reclaimed land");
	created(f, "cert.issue", ISSUE_P(V1, "15000", P_RL, "reclamation"), ids, 1);
	qp_cert c;
	assert_int_equal(qp_cert_get(&c, f->reg, ids[0]), QP_OK);
	assert_string_equal(c.parcel, P_RL);
	assert_string_equal(c.home, "");
	qp_cert_clear(&c);
	/* The per-area cap: the parcel's land area, as for a home. */
	refused(f, "cert.issue", ISSUE_P(V1, "5001", P_RL, "reclamation"), QP_EINVALID,
		"50.01 m² more would exceed reclaimed parcel " P_RL
		"'s land area of 200.00 m² (150.00 m² of collective issued and not revoked)");
	char first[QP_CERT_ID_LEN + 1];
	snprintf(first, sizeof(first), "%s", ids[0]);
	/* A child keeps the parcel. */
	uint64_t idx;
	assert_int_equal(
	    put(f, "cert.transfer",
		"{\"basis\":\"sale\",\"cert\":\"330681-2026-C-000001\",\"to\":\"91350100M000100Y43\"}", &idx),
	    QP_OK);
	qp_cert *list = NULL;
	size_t n = 0;
	assert_int_equal(qp_certs_created_by(&list, &n, f->reg, idx), QP_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].parcel, P_RL);
	qp_certs_free(list, n);
	/* Legacy, with its number: up to the cap exactly. */
	created(f, "cert.issue",
		"{\"area\":5000,\"basis\":\"legacy\",\"holder\":\"" V1
		"\",\"kind\":\"collective\",\"legacy_no\":\"DP-1\",\"parcel\":\"" P_RL "\"}",
		ids, 1);
	refused(f, "cert.issue", ISSUE_P(V1, "1", P_RL, "reclamation"), QP_EINVALID,
		"would exceed reclaimed parcel");
	/* Revoking frees its area under the cap. */
	char body[256];
	snprintf(body, sizeof(body), "{\"cert\":\"%s\",\"reason\":\"issued in error\"}", ids[0]);
	ok(f, "cert.revoke", body);
	created(f, "cert.issue", ISSUE_P(V1, "5000", P_RL, "reclamation"), ids, 1);
	assert_int_equal(qp_certs_check_invariants(f->reg), QP_OK);
	(void)first;

	/* The audit replays the parcel and its certificates through the same rules, and rebuilds the same
	 * state. */
	qp_audit_result res;
	qp_audit_options opt = {0, NULL, NULL, NULL, NULL, NULL, NULL};
	if (qp_audit(&res, f->reg, &opt) != QP_OK)
		fail_msg("audit: %s", qp_error_last()->message);
	assert_int_equal(res.problems, 0);
	char live[65], rebuilt[65], again[65], *out = tu_path(f->dir, "rebuilt.db");
	assert_int_equal(qp_registry_rebuild(live, rebuilt, NULL, f->reg, out), QP_OK);
	assert_string_equal(live, rebuilt);
	free(out);

	/*
	 * Migration 0018 on a file with rows (made to look as if 0018 had not
	 * run): the rows are kept, the checks are OR chains, and still check.
	 */
	qp_registry_free(f->reg);
	f->reg = NULL;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "DELETE FROM qp_schema_migrations WHERE version >= 18; PRAGMA user_version = 17",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	assert_int_equal(qp_registry_open(&f->reg, f->db, 0), QP_OK);
	assert_int_equal(qp_registry_state_hash(again, f->reg), QP_OK);
	assert_string_equal(again, live);
	if (qp_audit(&res, f->reg, &opt) != QP_OK)
		fail_msg("audit after 0018: %s", qp_error_last()->message);
	assert_int_equal(res.problems, 0);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM sqlite_schema WHERE name IN ('homes', 'certificates')"
			       " AND sql LIKE '% IN (%'",
			       -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_exec(db, "UPDATE certificates SET state = 'lost'", NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db, "UPDATE homes SET status = 'gone'", NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db, "UPDATE homes SET exit_path = 'sold'", NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db, "UPDATE certificates SET ended_by = 'lost' WHERE state = 'spent'",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db, "UPDATE certificates SET kind = 'other'", NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db, "UPDATE certificates SET holder_type = 'person'", NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db,
				      "UPDATE certificates SET home = '" U_RC "' WHERE parcel IS NOT NULL",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	/* NULL passes an OR chain as it passed the list. */
	assert_int_equal(sqlite3_exec(db, "UPDATE homes SET exit_path = NULL", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void test_transfer_and_redeem(void **state)
{
	fx *f = *state;
	char g[1][QP_CERT_ID_LEN + 1], r[1][QP_CERT_ID_LEN + 1], c[1][QP_CERT_ID_LEN + 1],
	    kids[2][QP_CERT_ID_LEN + 1];
	created(f, "cert.issue", ISSUE("guarantee", H1, "12000", U_WD, "withdrawal"), g, 1);
	created(f, "cert.issue", ISSUE("retention", H2, "10000", U_DM, "demolition"), r, 1);
	created(f, "cert.issue", ISSUE("collective", V1, "30000", U_RC, "reclamation"), c, 1);
	char body[512];

	/* Guarantee: only to a household of the same village. */
	snprintf(body, sizeof(body), "{\"basis\":\"sale\",\"cert\":\"%s\",\"to\":\"%s\"}", g[0], H3);
	refused(f, "cert.transfer", body, QP_EINVALID, "same village (330681101201, not 330681102203)");
	snprintf(body, sizeof(body), "{\"basis\":\"sale\",\"cert\":\"%s\",\"to\":\"%s\"}", g[0], V1);
	refused(f, "cert.transfer", body, QP_EINVALID, "goes only to a household, not a collective");
	snprintf(body, sizeof(body), "{\"area\":12001,\"basis\":\"sale\",\"cert\":\"%s\",\"to\":\"%s\"}",
		 g[0], H2);
	refused(f, "cert.transfer", body, QP_EINVALID, "120.01 m² is more than the certificate's 120.00 m²");
	snprintf(body, sizeof(body), "{\"basis\":\"gift\",\"cert\":\"%s\",\"to\":\"%s\"}", g[0], H2);
	refused(f, "cert.transfer", body, QP_EINVALID, "basis must be sale, inheritance or exchange");
	/* A partial transfer: the recipient's certificate and the remainder, area conserved. */
	snprintf(body, sizeof(body), "{\"area\":5050,\"basis\":\"sale\",\"cert\":\"%s\",\"to\":\"%s\"}", g[0],
		 H2);
	created(f, "cert.transfer", body, kids, 2);
	qp_cert a, b, p;
	assert_int_equal(qp_cert_get(&a, f->reg, kids[0]), QP_OK);
	assert_int_equal(qp_cert_get(&b, f->reg, kids[1]), QP_OK);
	assert_int_equal(qp_cert_get(&p, f->reg, g[0]), QP_OK);
	assert_int_equal(p.state, QP_CERT_SPENT);
	assert_string_equal(p.ended_by, "transfer");
	assert_string_equal(a.holder, N2);
	assert_int_equal(a.area, 5050);
	assert_string_equal(a.basis, "sale");
	assert_string_equal(b.holder, N1);
	assert_int_equal(b.area, 6950);
	assert_string_equal(b.basis, "remainder");
	assert_string_equal(a.parent, g[0]);
	assert_string_equal(b.root, g[0]);
	assert_string_equal(a.home, U_WD);
	qp_cert_clear(&a);
	qp_cert_clear(&b);
	qp_cert_clear(&p);
	/* Spending the spent certificate again: conflict. */
	snprintf(body, sizeof(body), "{\"basis\":\"sale\",\"cert\":\"%s\",\"to\":\"%s\"}", g[0], H2);
	refused(f, "cert.transfer", body, QP_ECONFLICT, "is already spent (by entry");

	/* Retention: inheritance only. */
	snprintf(body, sizeof(body), "{\"basis\":\"sale\",\"cert\":\"%s\",\"to\":\"%s\"}", r[0], H1);
	refused(f, "cert.transfer", body, QP_EINVALID,
		"a retention certificate passes only by inheritance, not by sale");
	snprintf(body, sizeof(body), "{\"basis\":\"inheritance\",\"cert\":\"%s\",\"to\":\"%s\"}", r[0], H3);
	created(f, "cert.transfer", body, kids, 1);

	/* Collective: to a collective or an enterprise, never a person. */
	snprintf(body, sizeof(body), "{\"basis\":\"sale\",\"cert\":\"%s\",\"to\":\"%s\"}", c[0], H1);
	refused(f, "cert.transfer", body, QP_EINVALID,
		"goes to another collective or an enterprise, not a person");
	snprintf(body, sizeof(body),
		 "{\"area\":10000,\"basis\":\"sale\",\"cert\":\"%s\",\"to\":\"91350100M000100Y43\"}", c[0]);
	created(f, "cert.transfer", body, kids, 2);
	char ent[QP_CERT_ID_LEN + 1];
	snprintf(ent, sizeof(ent), "%s", kids[0]);

	/* Redeem: purposes from the policy, area within the certificate, remainder if partial. */
	snprintf(body, sizeof(body),
		 "{\"area\":1000,\"cert\":\"%s\",\"note\":\"x\",\"purpose\":\"homestead\"}", ent);
	refused(f, "cert.redeem", body, QP_EINVALID,
		"a collective certificate is redeemed for quota, not homestead");
	snprintf(body, sizeof(body), "{\"area\":10001,\"cert\":\"%s\",\"note\":\"x\",\"purpose\":\"quota\"}",
		 ent);
	refused(f, "cert.redeem", body, QP_EINVALID, "100.01 m² is more than the certificate's 100.00 m²");
	snprintf(body, sizeof(body),
		 "{\"area\":4000,\"cert\":\"%s\",\"note\":\"项目 A 用地指标\",\"purpose\":\"quota\"}", ent);
	created(f, "cert.redeem", body, kids, 1);
	assert_int_equal(qp_cert_get(&a, f->reg, kids[0]), QP_OK);
	assert_int_equal(a.area, 6000);
	assert_string_equal(a.holder, "91350100M000100Y43");
	qp_cert_clear(&a);
	refused(f, "cert.redeem", body, QP_ECONFLICT, "already spent");
	/* What it was redeemed for; a certificate not redeemed has no redemption. */
	qp_redemption red;
	assert_int_equal(qp_cert_redemption(&red, f->reg, ent), QP_OK);
	assert_int_equal(red.area, 4000);
	assert_string_equal(red.purpose, "quota");
	assert_string_equal(red.note, "项目 A 用地指标");
	assert_true(red.index > 0);
	qp_redemption_clear(&red);
	assert_null(red.note);
	assert_int_equal(qp_cert_redemption(&red, f->reg, kids[0]), QP_ENOTFOUND);
	assert_null(red.note);
	assert_int_equal(qp_cert_redemption(&red, f->reg, "x"), QP_EINVALID);
	qp_redemption_clear(NULL);

	/* History of the whole tree, with signers. */
	qp_cert_event *ev = NULL;
	size_t n = 0;
	assert_int_equal(qp_cert_history(&ev, &n, f->reg, kids[0]), QP_OK);
	assert_true(n >= 5);
	assert_string_equal(ev[0].type, "cert.issue");
	assert_string_equal(ev[0].cert, c[0]);
	assert_string_equal(ev[0].signer, "330681.officer.li");
	assert_non_null(strstr(ev[n - 1].summary, "remainder 60.00 m² after redemption"));
	qp_cert_events_free(ev, n);
	qp_cert *ch = NULL;
	assert_int_equal(qp_cert_children(&ch, &n, f->reg, c[0]), QP_OK);
	assert_int_equal(n, 2);
	qp_certs_free(ch, n);
	assert_int_equal(qp_certs_check_invariants(f->reg), QP_OK);

	/* Lists by holder, kind and state. */
	qp_cert *list = NULL;
	qp_cert_filter byh = {N2, -1, QP_CERT_LIVE, NULL, NULL, 0};
	assert_int_equal(qp_certs_list(&list, &n, f->reg, &byh), QP_OK);
	assert_int_equal(n, 1);
	qp_certs_free(list, n);
	qp_cert_filter spent = {NULL, QP_CERT_COLLECTIVE, QP_CERT_SPENT, NULL, NULL, 0};
	assert_int_equal(qp_certs_list(&list, &n, f->reg, &spent), QP_OK);
	assert_int_equal(n, 2);
	qp_certs_free(list, n);
	qp_stats s;
	assert_int_equal(qp_stats_get(&s, f->reg, 0, NULL, NULL), QP_OK);
	assert_int_equal(s.certs[QP_CERT_COLLECTIVE][QP_CERT_SPENT], 2);
	assert_int_equal(s.cert_area[QP_CERT_COLLECTIVE][QP_CERT_LIVE], 20000 + 6000);
}

static void test_freeze_revoke_expire(void **state)
{
	fx *f = *state;
	char g[1][QP_CERT_ID_LEN + 1], r[1][QP_CERT_ID_LEN + 1], kids[2][QP_CERT_ID_LEN + 1];
	char body[512];
	created(f, "cert.issue", ISSUE("guarantee", H1, "12000", U_WD, "withdrawal"), g, 1);
	snprintf(body, sizeof(body), "{\"cert\":\"%s\",\"reason\":\"court order (2026)浙0681执123号\"}",
		 g[0]);
	ok(f, "cert.freeze", body);
	refused(f, "cert.freeze", body, QP_ECONFLICT, "is frozen, not live");
	snprintf(body, sizeof(body), "{\"basis\":\"sale\",\"cert\":\"%s\",\"to\":\"%s\"}", g[0], H2);
	refused(f, "cert.transfer", body, QP_ECONFLICT, "is frozen (court order");
	snprintf(body, sizeof(body), "{\"area\":100,\"cert\":\"%s\",\"note\":\"x\",\"purpose\":\"subsidy\"}",
		 g[0]);
	refused(f, "cert.redeem", body, QP_ECONFLICT, "is frozen");
	snprintf(body, sizeof(body), "{\"cert\":\"%s\"}", g[0]);
	ok(f, "cert.unfreeze", body);
	refused(f, "cert.unfreeze", body, QP_ECONFLICT, "is live, not frozen");
	snprintf(body, sizeof(body), "{\"cert\":\"%s\",\"reason\":\"fraud\"}", g[0]);
	ok(f, "cert.revoke", body);
	refused(f, "cert.revoke", body, QP_ECONFLICT, "is already revoked");
	snprintf(body, sizeof(body), "{\"basis\":\"sale\",\"cert\":\"%s\",\"to\":\"%s\"}", g[0], H2);
	refused(f, "cert.transfer", body, QP_ECONFLICT, "is already revoked");
	refused(f, "cert.freeze", "{\"cert\":\"330681-2026-G-000099\",\"reason\":\"x\"}", QP_ENOTFOUND,
		"no certificate");

	/* A retention certificate past its validity can be neither transferred nor redeemed. */
	created(f, "cert.issue", ISSUE("retention", H2, "10000", U_DM, "demolition"), r, 1);
	qp_clock_set(T0 + 11LL * 366 * 86400);
	snprintf(body, sizeof(body), "{\"basis\":\"inheritance\",\"cert\":\"%s\",\"to\":\"%s\"}", r[0], H1);
	refused(f, "cert.transfer", body, QP_ECONFLICT, "expired on 2036-11-18");
	snprintf(body, sizeof(body), "{\"area\":100,\"cert\":\"%s\",\"note\":\"x\",\"purpose\":\"rebuild\"}",
		 r[0]);
	refused(f, "cert.redeem", body, QP_ECONFLICT, "expired on 2036-11-18");
	qp_cert c;
	assert_int_equal(qp_cert_get(&c, f->reg, r[0]), QP_OK);
	assert_true(c.expired);
	qp_cert_clear(&c);
	qp_cert *list = NULL;
	size_t n = 0;
	qp_cert_filter ex = {NULL, -1, QP_CERT_STATE_COUNT, NULL, NULL, 0};
	assert_int_equal(qp_certs_list(&list, &n, f->reg, &ex), QP_OK);
	assert_int_equal(n, 1);
	qp_certs_free(list, n);
	/* Still redeemable the day before it expires. */
	qp_clock_set(T0 + 10LL * 365 * 86400);
	snprintf(body, sizeof(body),
		 "{\"area\":2000,\"cert\":\"%s\",\"note\":\"rebuild plan\",\"purpose\":\"rebuild\"}", r[0]);
	created(f, "cert.redeem", body, kids, 1);
	assert_int_equal(qp_certs_check_invariants(f->reg), QP_OK);
}

/* ---- a seeded random walk against an independent model ------------------------------------- */

#define WALK_HOMES 60
#define WALK_OPS   10000

typedef struct mcert {
	char id[QP_CERT_ID_LEN + 1];
	char parent[QP_CERT_ID_LEN + 1];
	int home, kind;
	int64_t area;
	int state; /* 0 live, 1 spent, 2 frozen, 3 revoked */
	char holder[19];
	int issue;
} mcert;

typedef struct model {
	mcert *c;
	size_t n, cap;
	int64_t redeemed[WALK_HOMES][3];
	uint64_t rng;
} model;

static unsigned rnd(model *m, unsigned n)
{
	m->rng = m->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((m->rng >> 33) % n);
}

static mcert *find(model *m, const char *id)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->c[i].id, id) == 0)
			return &m->c[i];
	return NULL;
}

static void mark(model *m, const char *id, int state)
{
	mcert *c = find(m, id);
	if (c == NULL)
		fail_msg("certificate %s is not in the model", id);
	else
		c->state = state;
}

/* Record the certificates an accepted entry created. */
static void learn(fx *f, model *m, uint64_t idx, int home, int kind, const char *parent)
{
	qp_cert *list = NULL;
	size_t n = 0;
	assert_int_equal(qp_certs_created_by(&list, &n, f->reg, idx), QP_OK);
	for (size_t i = 0; i < n; i++) {
		if (m->n == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 256;
			mcert *grown = realloc(m->c, m->cap * sizeof(*m->c));
			assert_non_null(grown);
			m->c = grown;
		}
		mcert *base = m->c;
		if (base == NULL)
			fail_msg("out of memory");
		mcert *c = &base[m->n++];
		memset(c, 0, sizeof(*c));
		snprintf(c->id, sizeof(c->id), "%s", list[i].id);
		snprintf(c->parent, sizeof(c->parent), "%s", parent ? parent : "");
		snprintf(c->holder, sizeof(c->holder), "%s", list[i].holder);
		c->home = home;
		c->kind = kind;
		c->area = list[i].area;
		c->issue = parent == NULL;
	}
	qp_certs_free(list, n);
}

/* Per home and kind: issued = live + frozen + redeemed + revoked; ancestry ends at an issue; the model
 * matches. */
static void check_model(fx *f, model *m)
{
	int64_t issued[WALK_HOMES][3] = {{0}}, held[WALK_HOMES][3] = {{0}}, revoked[WALK_HOMES][3] = {{0}};
	for (size_t i = 0; i < m->n; i++) {
		mcert *c = &m->c[i];
		if (c->issue)
			issued[c->home][c->kind] += c->area;
		if (c->state == 0 || c->state == 2)
			held[c->home][c->kind] += c->area;
		if (c->state == 3)
			revoked[c->home][c->kind] += c->area;
		if (c->state == 0) {
			const mcert *a = c;
			int steps = 0;
			while (a && a->parent[0] && steps++ < 10000)
				a = find(m, a->parent);
			if (a == NULL || !a->issue)
				fail_msg("live certificate %s does not lead back to an issue", c->id);
		}
		qp_cert got;
		assert_int_equal(qp_cert_get(&got, f->reg, c->id), QP_OK);
		int want = c->state == 0   ? QP_CERT_LIVE
			   : c->state == 1 ? QP_CERT_SPENT
			   : c->state == 2 ? QP_CERT_FROZEN
					   : QP_CERT_REVOKED;
		if ((int)got.state != want || got.area != c->area)
			fail_msg("certificate %s: registry says %d / %lld, model %d / %lld", c->id, got.state,
				 (long long)got.area, want, (long long)c->area);
		qp_cert_clear(&got);
	}
	for (int h = 0; h < WALK_HOMES; h++)
		for (int k = 0; k < 3; k++)
			if (issued[h][k] != held[h][k] + m->redeemed[h][k] + revoked[h][k])
				fail_msg("home %d kind %d: issued %lld != held %lld + redeemed %lld + "
					 "revoked %lld",
					 h, k, (long long)issued[h][k], (long long)held[h][k],
					 (long long)m->redeemed[h][k], (long long)revoked[h][k]);
	if (qp_certs_check_invariants(f->reg) != QP_OK)
		fail_msg("invariants: %s", qp_error_last()->message);
}

static void test_random_walk(void **state)
{
	fx *f = *state;
	model m = {0};
	m.rng = 20261128;
	char units[WALK_HOMES][29], owners[WALK_HOMES][19], body[512];
	int kinds[WALK_HOMES];
	/* Homes in the three end states; their households (all in V1). */
	for (int i = 0; i < WALK_HOMES; i++) {
		char d[18];
		snprintf(d, sizeof(d), "33068119800202%03d", i);
		memcpy(owners[i], d, 17);
		owners[i][17] = qp_ids_resident_check_char(d);
		owners[i][18] = '\0';
		household(f, owners[i], V1);
		snprintf(units[i], sizeof(units[i]), "330681003004JC%05dF00010001", i + 1);
		kinds[i] = i % 3;
		home(f, units[i], owners[i], V1, 5000 + 100 * i, kinds[i] == 1 ? "dilapidated" : "idle");
		status(f, units[i], kinds[i] == 1 ? "demolished" : "withdrawn");
		if (kinds[i] == 2)
			status(f, units[i], "reclaimed");
	}
	int accepted = 0, refused_n = 0;
	for (int op = 1; op <= WALK_OPS; op++) {
		unsigned what = rnd(&m, 10);
		uint64_t idx = 0;
		int rc;
		if (what < 3 || m.n == 0) {
			int h = (int)rnd(&m, WALK_HOMES), k = kinds[h];
			const char *kind = k == 0 ? "guarantee" : k == 1 ? "retention" : "collective";
			const char *basis = k == 0 ? "withdrawal" : k == 1 ? "demolition" : "reclamation";
			const char *holder = k == 2 ? V1 : owners[h];
			snprintf(body, sizeof(body),
				 "{\"area\":%u,\"basis\":\"%s\",\"holder\":\"%s\",\"home\":\"%s\",\"kind\":"
				 "\"%s\"}",
				 100 + rnd(&m, 3000), basis, holder, units[h], kind);
			rc = put(f, "cert.issue", body, &idx);
			if (rc == QP_OK)
				learn(f, &m, idx, h, k, NULL);
			else
				assert_int_equal(rc, QP_EINVALID); /* over the cap */
		} else {
			mcert *c = &m.c[rnd(&m, (unsigned)m.n)];
			char id[QP_CERT_ID_LEN + 1];
			snprintf(id, sizeof(id), "%s", c->id);
			int h = c->home, k = c->kind, st = c->state;
			int64_t area = 1 + (int64_t)rnd(&m, (unsigned)c->area + 50); /* sometimes over */
			if (what < 6) {
				const char *to = k == 2 ? (rnd(&m, 2) ? "91350100M000100Y43" : V2)
							: owners[rnd(&m, WALK_HOMES)];
				snprintf(body, sizeof(body),
					 "{\"area\":%lld,\"basis\":\"%s\",\"cert\":\"%s\",\"to\":\"%s\"}",
					 (long long)area, k == 1 ? "inheritance" : "sale", id, to);
				rc = put(f, "cert.transfer", body, &idx);
				if (rc == QP_OK) {
					assert_int_equal(st, 0);
					mark(&m, id, 1);
					learn(f, &m, idx, h, k, id);
				}
			} else if (what < 8) {
				const char *purpose = k == 0 ? "subsidy" : k == 1 ? "rebuild" : "quota";
				snprintf(
				    body, sizeof(body),
				    "{\"area\":%lld,\"cert\":\"%s\",\"note\":\"op %d\",\"purpose\":\"%s\"}",
				    (long long)area, id, op, purpose);
				rc = put(f, "cert.redeem", body, &idx);
				if (rc == QP_OK) {
					assert_int_equal(st, 0);
					mark(&m, id, 1);
					m.redeemed[h][k] += area;
					learn(f, &m, idx, h, k, id);
				}
			} else if (what < 9) {
				snprintf(body, sizeof(body), "{\"cert\":\"%s\",\"reason\":\"op %d\"}", id,
					 op);
				rc = put(f, st == 2 && rnd(&m, 2) ? "cert.unfreeze" : "cert.freeze", body,
					 &idx);
				if (rc == QP_OK)
					mark(&m, id, st == 2 ? 0 : 2);
			} else {
				snprintf(body, sizeof(body), "{\"cert\":\"%s\",\"reason\":\"op %d\"}", id,
					 op);
				rc = put(f, "cert.revoke", body, &idx);
				if (rc == QP_OK) {
					assert_true(st == 0 || st == 2);
					mark(&m, id, 3);
				}
			}
			/* Anything done to a spent or revoked certificate is a conflict: never spent twice.
			 */
			if (st == 1 || st == 3)
				assert_int_equal(rc, QP_ECONFLICT);
			if (rc != QP_OK && rc != QP_ECONFLICT && rc != QP_EINVALID)
				fail_msg("op %d: unexpected %d: %s", op, rc, qp_error_last()->message);
		}
		if (rc == QP_OK)
			accepted++;
		else
			refused_n++;
		if (op % 500 == 0)
			check_model(f, &m);
	}
	print_message("random walk: %d operations, %d accepted, %d refused, %zu certificates\n", WALK_OPS,
		      accepted, refused_n, m.n);
	assert_true(accepted > WALK_OPS / 4);
	free(m.c);

	/* The whole registry audits clean, and rebuilding it from the log gives the same state. */
	qp_audit_result res;
	qp_audit_options opt = {0, NULL, NULL, NULL, NULL, NULL, NULL};
	if (qp_audit(&res, f->reg, &opt) != QP_OK)
		fail_msg("audit: %s", qp_error_last()->message);
	assert_int_equal(res.problems, 0);
	assert_true(res.signatures == res.entries);
	char live[65], rebuilt[65], *out = tu_path(f->dir, "rebuilt.db");
	assert_int_equal(qp_registry_rebuild(live, rebuilt, NULL, f->reg, out), QP_OK);
	assert_string_equal(live, rebuilt);
	print_message("audit: %llu entries, %llu signatures; rebuilt state %.16s... equals the live state\n",
		      (unsigned long long)res.entries, (unsigned long long)res.signatures, live);
	free(out);
}

/* ---- the policy's limits, one definition for the registry and the tools -------------------------------- */

/* Submit the policy in force with member name of obj at path (kinds.guarantee, activation or "") set to v. */
static int set_param(fx *f, const char *path, const char *name, cJSON *v)
{
	char *text = NULL;
	uint64_t since;
	assert_int_equal(qp_registry_policy(&text, &since, f->reg), QP_OK);
	cJSON *params = cJSON_Parse(text), *obj = params;
	free(text);
	if (strcmp(path, "activation") == 0)
		obj = cJSON_GetObjectItemCaseSensitive(params, "activation");
	else if (path[0])
		obj =
		    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(params, "kinds"), path);
	assert_non_null(obj);
	cJSON_ReplaceItemInObjectCaseSensitive(obj, name, v);
	cJSON *body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "params", params);
	char *json = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	int rc = qp_registry_submit(f->reg, f->authority, "policy.set", json, NULL);
	free(json);
	return rc;
}

/*
 * The store keeps the villages and the next certificate number a write
 * transaction has read (store->tip).  What the rules see must be the
 * database's: a change rolled back to its savepoint leaves no trace in
 * them, and a change another connection commits is seen by the next
 * transaction.
 */
/* What the store says now: the next sequence of kind and year, and village V1's name. */
static void expect_now(qp_store *st, qp_cert_kind kind, int year, int64_t next, const char *name)
{
	int64_t got;
	qp_village v;
	assert_int_equal(qp_store_cert_next_seq(st, kind, year, &got), QP_OK);
	assert_int_equal(got, next);
	assert_int_equal(qp_store_village_get(st, V1, &v), QP_OK);
	assert_string_equal(v.name, name);
	qp_village_clear(&v);
}

static void test_transaction_caches(void **state)
{
	fx *f = *state;
	char ids[1][QP_CERT_ID_LEN + 1];
	created(f, "cert.issue", ISSUE("guarantee", H1, "1000", U_WD, "withdrawal"), ids, 1);
	qp_store *st = f->reg->store;
	qp_cert c;
	assert_int_equal(qp_store_cert_get(st, ids[0], "2026-11-18", &c), QP_OK);
	int year = atoi(ids[0] + 7);
	int64_t seq = atoll(ids[0] + 14), next = seq + 1;
	qp_village v;

	assert_int_equal(qp_store_begin(st), QP_OK);
	expect_now(st, c.kind, year, seq + 1, "东白湖村");

	/* Written, then rolled back to the savepoint. */
	assert_int_equal(qp_store_savepoint(st), QP_OK);
	qp_cert copy = c;
	snprintf(copy.id, sizeof(copy.id), "%.14s%06lld", ids[0], (long long)next);
	assert_int_equal(qp_store_cert_put(st, &copy, year, next, V1, "330681101"), QP_OK);
	assert_int_equal(qp_store_village_correct(st, V1, "改名村", NULL, 2), QP_OK);
	expect_now(st, c.kind, year, seq + 2, "改名村");
	qp_error_set(QP_EINVALID, "refused");
	qp_store_rollback_to(st);
	expect_now(st, c.kind, year, seq + 1, "东白湖村");
	assert_int_equal(qp_store_village_get(st, V1, &v), QP_OK);
	assert_string_equal(v.name, "东白湖村");
	assert_int_equal(v.updated_at, v.added_at);
	qp_village_clear(&v);
	qp_store_rollback(st);

	/* A home read, changed, read again and rolled back: its status, then a field. */
	qp_home h0, h;
	assert_int_equal(qp_store_begin(st), QP_OK);
	assert_int_equal(qp_store_home_get(st, U_IU, &h0), QP_OK);
	for (int field = 0; field < 2; field++) {
		assert_int_equal(qp_store_savepoint(st), QP_OK);
		assert_int_equal(
		    field ? qp_store_home_set_field(st, U_IU, "land_area", 8000, h0.updated_at + 1)
			  : qp_store_home_set_status(st, U_IU, QP_HOME_IDLE, h0.updated_at + 1, NULL),
		    QP_OK);
		assert_int_equal(qp_store_home_get(st, U_IU, &h), QP_OK);
		assert_int_equal(h.status, field ? h0.status : QP_HOME_IDLE);
		assert_int_equal(h.land_area, field ? 8000 : h0.land_area);
		assert_int_equal(h.updated_at, h0.updated_at + 1);
		qp_error_set(QP_EINVALID, "refused");
		qp_store_rollback_to(st);
		for (int i = 0; i < 2; i++) { /* read again, then from the copy */
			assert_int_equal(qp_store_home_get(st, U_IU, &h), QP_OK);
			assert_memory_equal(&h, &h0, sizeof(h));
		}
	}
	qp_store_rollback(st);

	/* A household read, corrected, read again and rolled back. */
	qp_household hh0, hh;
	assert_int_equal(qp_store_begin(st), QP_OK);
	assert_int_equal(qp_store_household_get(st, N1, &hh0), QP_OK);
	assert_int_equal(qp_store_savepoint(st), QP_OK);
	assert_int_equal(qp_store_household_correct(st, N1, hh0.members + 3, NULL, 2), QP_OK);
	assert_int_equal(qp_store_household_get(st, N1, &hh), QP_OK);
	assert_int_equal(hh.members, hh0.members + 3);
	qp_household_clear(&hh);
	qp_error_set(QP_EINVALID, "refused");
	qp_store_rollback_to(st);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(qp_store_household_get(st, N1, &hh), QP_OK);
		assert_int_equal(hh.members, hh0.members);
		assert_int_equal(hh.corrected_at, hh0.corrected_at);
		assert_string_equal(hh.name, hh0.name);
		qp_household_clear(&hh);
	}
	qp_household_clear(&hh0);
	qp_store_rollback(st);

	/* Another connection's commit is seen by the next transaction. */
	qp_registry *other = NULL;
	assert_int_equal(qp_registry_open(&other, f->db, 0), QP_OK);
	assert_int_equal(qp_store_begin(other->store), QP_OK);
	assert_int_equal(qp_store_cert_put(other->store, &copy, year, seq + 1, V1, "330681101"), QP_OK);
	assert_int_equal(qp_store_village_correct(other->store, V1, "改名村", NULL, 2), QP_OK);
	assert_int_equal(qp_store_commit(other->store), QP_OK);
	qp_registry_free(other);
	assert_int_equal(qp_store_begin(st), QP_OK);
	expect_now(st, c.kind, year, seq + 2, "改名村");
	assert_int_equal(qp_store_home_get(st, U_IU, &h), QP_OK);
	assert_memory_equal(&h, &h0, sizeof(h));
	qp_store_rollback(st);
	qp_cert_clear(&c);
}

static void test_policy_limits(void **state)
{
	fx *f = *state;
	assert_int_equal(set_param(f, "guarantee", "max_area", cJSON_CreateNumber((double)QP_AREA_MAX)),
			 QP_OK);
	assert_int_equal(set_param(f, "guarantee", "max_area", cJSON_CreateNumber((double)QP_AREA_MAX + 1)),
			 QP_EINVALID);
	assert_error_contains("policy: kinds.guarantee.max_area must be an integer from 0 to 10000000");
	assert_int_equal(
	    set_param(f, "retention", "validity_years", cJSON_CreateNumber(QP_POLICY_VALIDITY_YEARS_MAX)),
	    QP_OK);
	assert_int_equal(
	    set_param(f, "retention", "validity_years", cJSON_CreateNumber(QP_POLICY_VALIDITY_YEARS_MAX + 1)),
	    QP_EINVALID);
	assert_error_contains("policy: kinds.retention.validity_years must be an integer from 0 to 100");
	assert_int_equal(
	    set_param(f, "activation", "max_years", cJSON_CreateNumber(QP_POLICY_LEASE_YEARS_MAX)), QP_OK);
	assert_int_equal(
	    set_param(f, "activation", "max_years", cJSON_CreateNumber(QP_POLICY_LEASE_YEARS_MAX + 1)),
	    QP_EINVALID);
	assert_error_contains("policy: activation.max_years must be an integer from 1 to 70");
	assert_int_equal(set_param(f, "collective", "transfer", cJSON_CreateString("anyone")), QP_EINVALID);
	assert_error_contains("policy: kinds.collective.transfer is not one of the allowed values");
	cJSON *list = cJSON_CreateArray();
	cJSON_AddItemToArray(list, cJSON_CreateString("profit"));
	assert_int_equal(set_param(f, "collective", "redeem", list), QP_EINVALID);
	assert_error_contains("policy: kinds.collective.redeem is not one of the allowed values");
	/* With the largest max_area in force, the largest area any entry may have is issued. */
	char ids[1][QP_CERT_ID_LEN + 1];
	assert_int_equal(set_param(f, "", "per_home_cap", cJSON_CreateFalse()), QP_OK);
	created(f, "cert.issue", ISSUE("guarantee", H1, "10000000", U_WD, "withdrawal"), ids, 1);
	/* Issued over the home's land area while the policy allowed it: the invariants and the audit agree. */
	assert_int_equal(qp_certs_check_invariants(f->reg), QP_OK);
	qp_audit_result res;
	qp_audit_options opt = {0, NULL, NULL, NULL, NULL, NULL, NULL};
	if (qp_audit(&res, f->reg, &opt) != QP_OK)
		fail_msg("audit: %s", qp_error_last()->message);
	assert_int_equal(res.problems, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_issue_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reclaimed_land, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transfer_and_redeem, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_freeze_revoke_expire, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_walk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_policy_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transaction_caches, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
