/*
 * test_homes.c - villages, households and homes: every rule of the
 * registry refused with its code and leaving the state as it was, the
 * lifecycle, leases, corrections with history, statistics, and the
 * indexes behind the lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "clock.h"
#include "quanpiao/quanpiao.h"
#include "registry_internal.h"
#include "store_homes.h"
#include "testutil.h"

#define ORIGIN	 "zhuji.example/quanpiao"
#define VILLAGE	 "330681101201"
#define VILLAGE2 "330681102203"
#define HH1	 "33068119800101103X"
#define HH2	 "330681198502023450"
#define UNIT1	 "330681001002JC00123F00010001"
#define UNIT2	 "330681001002JC00124F00010001"
#define UNIT3	 "330681001002JC00125F00010001"
#define ZERO64	 "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct fx {
	char *dir, *db;
	qp_key *authority, *officer;
	qp_registry *reg;
} fx;

/* Submit as the officer; returns the code. */
static int put(fx *f, const char *type, const char *body)
{
	return qp_registry_submit(f->reg, f->officer, type, body, NULL);
}

static void ok(fx *f, const char *type, const char *body)
{
	if (put(f, type, body) != QP_OK)
		fail_msg("%s %s: %s", type, body, qp_error_last()->message);
}

static uint64_t log_size(fx *f)
{
	uint64_t n;
	assert_int_equal(qp_log_size(&n, f->reg), QP_OK);
	return n;
}

/* A digest of every state table, to prove a refusal changed nothing. */
static void state_digest(fx *f, unsigned char out[32])
{
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	qp_home *homes = NULL;
	size_t n = 0;
	assert_int_equal(qp_homes_list(&homes, &n, f->reg, NULL), QP_OK);
	crypto_hash_sha256_update(&h, (const unsigned char *)homes, n * sizeof(*homes));
	qp_homes_free(homes);
	qp_household *hh = NULL;
	assert_int_equal(qp_households_list(&hh, &n, f->reg, NULL, NULL, 0), QP_OK);
	for (size_t i = 0; i < n; i++) {
		crypto_hash_sha256_update(&h, (const unsigned char *)hh[i].number, sizeof(hh[i].number));
		crypto_hash_sha256_update(&h, (const unsigned char *)hh[i].id_number,
					  sizeof(hh[i].id_number));
		crypto_hash_sha256_update(&h, (const unsigned char *)&hh[i].erased, sizeof(hh[i].erased));
	}
	qp_households_free(hh, n);
	qp_village *vv = NULL;
	assert_int_equal(qp_villages_list(&vv, &n, f->reg, NULL), QP_OK);
	for (size_t i = 0; i < n; i++)
		crypto_hash_sha256_update(&h, (const unsigned char *)vv[i].code, sizeof(vv[i].code));
	qp_villages_free(vv, n);
	uint64_t size = log_size(f);
	crypto_hash_sha256_update(&h, (const unsigned char *)&size, sizeof(size));
	crypto_hash_sha256_final(&h, out);
}

static void refused(fx *f, const char *type, const char *body, int code, const char *needle)
{
	unsigned char before[32], after[32];
	state_digest(f, before);
	int rc = put(f, type, body);
	if (rc != code)
		fail_msg("%s %s gave %d (%s), expected %d", type, body, rc, qp_error_last()->message, code);
	assert_error_contains(needle);
	state_digest(f, after);
	assert_memory_equal(before, after, 32);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_true(sodium_init() >= 0);
	qp_clock_set(1795000000); /* 2026-11-19 */
	f->dir = tu_mkdtemp();
	f->db = tu_path(f->dir, "registry.db");
	f->authority = tu_seeded_key("330681.authority", 1);
	f->officer = tu_seeded_key("330681.officer.li", 3);
	qp_key *log = tu_seeded_key(ORIGIN, 2);
	f->reg = tu_registry_create(f->db, ORIGIN, f->authority, log);
	qp_key_free(log);
	tu_enroll(f->reg, f->authority, f->officer, "officer");
	ok(f, "village.add",
	   "{\"code\":\"" VILLAGE "\",\"name\":\"东白湖村\",\"uscc\":\"N2330681MF0000000A\"}");
	ok(f, "village.add", "{\"code\":\"" VILLAGE2 "\",\"name\":\"斯宅村\"}");
	ok(f, "household.add",
	   "{\"id_number\":\"" HH1 "\",\"members\":4,\"name\":\"张伟\",\"village\":\"" VILLAGE "\"}");
	ok(f, "household.add",
	   "{\"id_number\":\"" HH2 "\",\"members\":2,\"name\":\"李娜\",\"village\":\"" VILLAGE "\"}");
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

#define HOME_BODY(unit, hh, status, area)                                                                    \
	"{\"household\":\"" hh "\",\"land_area\":" area ",\"status\":\"" status "\",\"unit\":\"" unit        \
	"\",\"village\":\"" VILLAGE "\"}"

static void test_villages_and_households(void **state)
{
	fx *f = *state;
	qp_village v;
	assert_int_equal(qp_village_get(&v, f->reg, VILLAGE), QP_OK);
	assert_string_equal(v.name, "东白湖村");
	assert_string_equal(v.uscc, "N2330681MF0000000A");
	qp_village_clear(&v);
	refused(f, "village.add", "{\"code\":\"" VILLAGE "\",\"name\":\"x\"}", QP_ECONFLICT,
		"already added by entry");
	refused(f, "village.add", "{\"code\":\"330682101201\",\"name\":\"x\"}", QP_EINVALID,
		"is not in this registry's county 330681");
	refused(f, "village.add", "{\"code\":\"330681101105\",\"name\":\"x\"}", QP_EINVALID,
		"not a village committee");
	refused(f, "village.add",
		"{\"code\":\"330681101202\",\"name\":\"x\",\"uscc\":\"91350100M000100Y43\"}", QP_EINVALID,
		"starts with N2");
	refused(f, "village.add", "{\"code\":\"330681101202\",\"name\":\"a\\nb\"}", QP_EINVALID,
		"control character");
	refused(f, "village.add", "{\"code\":\"330681101202\"}", QP_EINVALID, "body.name is missing");
	refused(f, "village.add", "{\"code\":\"330681101202\",\"name\":\"x\",\"extra\":1}", QP_EINVALID,
		"unknown member body.extra");

	qp_household h;
	assert_int_equal(qp_household_get(&h, f->reg, HH1), QP_OK);
	assert_string_equal(h.name, "张伟");
	assert_int_equal(h.members, 4);
	qp_household_clear(&h);
	assert_int_equal(qp_household_get(&h, f->reg, "33068119800101103x"), QP_OK);
	qp_household_clear(&h);
	assert_int_equal(qp_household_get(&h, f->reg, "110105194912310021"), QP_EINVALID);
	assert_int_equal(qp_household_get(&h, f->reg, "11010519491231002X"), QP_ENOTFOUND);
	refused(f, "household.add",
		"{\"id_number\":\"" HH1 "\",\"members\":1,\"name\":\"x\",\"village\":\"" VILLAGE "\"}",
		QP_ECONFLICT,
		"the head of household 330681-H-0000001 has ID number 330681********103X already");
	refused(f, "household.add",
		"{\"id_number\":\"11010519491231002X\",\"members\":1,\"name\":\"x\",\"village\":"
		"\"330681101299\"}",
		QP_EINVALID, "unknown village 330681101299");
	refused(f, "household.add",
		"{\"id_number\":\"110105194912310021\",\"members\":1,\"name\":\"x\",\"village\":\"" VILLAGE
		"\"}",
		QP_EINVALID, "check character");
	refused(f, "household.add",
		"{\"id_number\":\"11010519491231002X\",\"members\":1,\"name\":\"a\\u0007b\",\"village\":"
		"\"" VILLAGE "\"}",
		QP_EINVALID, "name: U+0007 (a control character) is not allowed");
	refused(f, "household.add",
		"{\"id_number\":\"11010519491231002X\",\"members\":1,\"name\":\"\\u202e\\u738b\",\"village\":"
		"\"" VILLAGE "\"}",
		QP_EINVALID, "name: U+202E (right-to-left override) is not allowed");
	refused(f, "household.add",
		"{\"id_number\":\"11010519491231002X\",\"members\":1,\"name\":\" \\u3000\",\"village\":"
		"\"" VILLAGE "\"}",
		QP_EINVALID, "name: must not be only white space");
	refused(f, "household.add",
		"{\"id_number\":\"11010519491231002X\",\"members\":1,\"village\":\"" VILLAGE "\"}",
		QP_EINVALID, "body.id_number and body.name must both be text");
	/* The signed body carries a commitment, not the data: data beside it is refused. */
	refused(f, "household.add",
		"{\"commitment\":\"" ZERO64 "\",\"id_number\":\"11010519491231002X\",\"members\":1,"
		"\"name\":\"x\",\"village\":\"" VILLAGE "\"}",
		QP_EINVALID, "body.commitment comes instead of body.id_number and body.name");
	refused(f, "household.add",
		"{\"id_number\":\"11010519491231002X\",\"members\":0,\"name\":\"x\",\"village\":\"" VILLAGE
		"\"}",
		QP_EINVALID, "body.members must be an integer from 1 to 50");

	qp_household *list = NULL;
	size_t n = 0;
	assert_int_equal(qp_households_list(&list, &n, f->reg, VILLAGE, NULL, 1), QP_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].id_number, HH1);
	assert_string_equal(list[0].number, "330681-H-0000001");
	char after[17];
	snprintf(after, sizeof(after), "%s", list[0].number);
	qp_households_free(list, n);
	assert_int_equal(qp_households_list(&list, &n, f->reg, VILLAGE, after, 10), QP_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].id_number, HH2);
	qp_households_free(list, n);
}

/*
 * Take the personal data out of body (as officers write a household.add),
 * sign it without numbering it, append it with the data: the code.
 */
static int append_raw(fx *f, const char *body)
{
	char *note = NULL, *committed = NULL;
	size_t len = 0;
	qp_personal pd;
	int found = 0;
	assert_int_equal(qp_personal_split(&committed, &pd, &found, "household.add", body), QP_OK);
	assert_true(found);
	assert_int_equal(qp_registry_sign_entry(&note, &len, f->reg, f->officer, "household.add", committed),
			 QP_OK);
	int rc = qp_registry_append_personal(f->reg, note, len, &pd, NULL);
	qp_personal_clear(&pd);
	free(committed);
	free(note);
	return rc;
}

#define HH3_BODY(number)                                                                                     \
	"{\"id_number\":\"11010519491231002X\",\"members\":1,\"name\":\"王芳\"," number                      \
	"\"village\":\"" VILLAGE "\"}"

static void test_household_numbers(void **state)
{
	fx *f = *state;
	qp_household h;
	/* Numbered in order when signed. */
	assert_int_equal(qp_household_get(&h, f->reg, HH1), QP_OK);
	assert_string_equal(h.number, "330681-H-0000001");
	qp_household_clear(&h);
	assert_int_equal(qp_household_get(&h, f->reg, HH2), QP_OK);
	assert_string_equal(h.number, "330681-H-0000002");
	qp_household_clear(&h);
	uint64_t size = log_size(f);
	/* A forged number: missing, of another shape or county, reused, or skipping one. */
	assert_int_equal(append_raw(f, HH3_BODY("")), QP_EINVALID);
	assert_error_contains("body.number must be text");
	assert_int_equal(append_raw(f, HH3_BODY("\"number\":\"330682-H-0000003\",")), QP_EINVALID);
	assert_error_contains("is not a household number of county 330681");
	assert_int_equal(append_raw(f, HH3_BODY("\"number\":\"330681-H-000000A\",")), QP_EINVALID);
	assert_error_contains("is not a household number of county 330681");
	assert_int_equal(append_raw(f, HH3_BODY("\"number\":\"330681-H-0000002\",")), QP_ECONFLICT);
	assert_error_contains("household number 330681-H-0000002 in body.number is not the next one "
			      "(330681-H-0000003)");
	assert_int_equal(append_raw(f, HH3_BODY("\"number\":\"330681-H-0000004\",")), QP_ECONFLICT);
	assert_error_contains("is not the next one (330681-H-0000003)");
	assert_int_equal(log_size(f), size);
	/* The next one is appended; submit numbers over a stale one it was given. */
	assert_int_equal(append_raw(f, HH3_BODY("\"number\":\"330681-H-0000003\",")), QP_OK);
	assert_int_equal(qp_household_get(&h, f->reg, "11010519491231002X"), QP_OK);
	assert_string_equal(h.number, "330681-H-0000003");
	qp_household_clear(&h);
	ok(f, "household.add",
	   "{\"id_number\":\"330681199003030028\",\"members\":1,\"name\":\"x\",\"number\":"
	   "\"330681-H-0000001\",\"village\":\"" VILLAGE "\"}");
	assert_int_equal(qp_household_get(&h, f->reg, "330681199003030028"), QP_OK);
	assert_string_equal(h.number, "330681-H-0000004");
	qp_household_clear(&h);
}

/* The note of entry idx, NUL-terminated (malloc'd). */
static char *note_of(fx *f, uint64_t idx)
{
	char *note = NULL;
	size_t len = 0;
	assert_int_equal(qp_log_entry(&note, &len, f->reg, idx), QP_OK);
	return note;
}

/* The signed household.add holds a commitment; the data sits beside the log and matches it. */
static void test_personal_data(void **state)
{
	fx *f = *state;
	qp_household h;
	qp_personal pd;
	char commitment[QP_COMMITMENT_LEN + 1];
	assert_int_equal(qp_household_get(&h, f->reg, "330681-H-0000001"), QP_OK);
	assert_string_equal(h.id_number, HH1);
	assert_string_equal(h.name, "张伟");
	assert_int_equal(strlen(h.commitment), QP_COMMITMENT_LEN);
	assert_int_equal(qp_store_personal_get(f->reg->store, h.number, &pd), QP_OK);
	assert_int_equal(qp_personal_commit(commitment, &pd), QP_OK);
	assert_string_equal(commitment, h.commitment);
	/* Salted: the same data with another salt commits differently. */
	pd.salt[0] ^= 1;
	assert_int_equal(qp_personal_commit(commitment, &pd), QP_OK);
	assert_string_not_equal(commitment, h.commitment);
	qp_personal_clear(&pd);
	char *note = note_of(f, h.added_at);
	assert_non_null(strstr(note, h.commitment));
	assert_null(strstr(note, HH1));
	assert_null(strstr(note, "张伟"));
	assert_null(strstr(note, "id_number"));
	free(note);
	qp_household_clear(&h);

	/* A household.add note without its data, or with data it does not commit to, is refused. */
	char *committed = NULL, *signed_note = NULL;
	size_t len = 0;
	int found = 0;
	assert_int_equal(
	    qp_personal_split(&committed, &pd, &found, "household.add",
			      "{\"id_number\":\"11010519491231002X\",\"members\":1,\"name\":\"王芳\","
			      "\"number\":\"330681-H-0000003\",\"village\":\"" VILLAGE "\"}"),
	    QP_OK);
	assert_true(found);
	assert_null(strstr(committed, "王芳"));
	assert_int_equal(
	    qp_registry_sign_entry(&signed_note, &len, f->reg, f->officer, "household.add", committed),
	    QP_OK);
	uint64_t size = log_size(f);
	assert_int_equal(qp_registry_append(f->reg, signed_note, len, NULL), QP_EINVALID);
	assert_error_contains("body.commitment commits to personal data that did not come with the entry");
	qp_personal other = pd;
	snprintf(other.name, sizeof(other.name), "王方");
	assert_int_equal(qp_registry_append_personal(f->reg, signed_note, len, &other, NULL), QP_EINVALID);
	assert_error_contains("the personal data given does not match body.commitment");
	other = pd;
	other.id_number[17] = '1';
	assert_int_equal(qp_registry_append_personal(f->reg, signed_note, len, &other, NULL), QP_EINVALID);
	assert_error_contains("the personal data: ID number: check character");
	assert_int_equal(log_size(f), size);
	assert_int_equal(qp_household_find(h.number, f->reg, "11010519491231002X"), QP_ENOTFOUND);
	assert_int_equal(qp_registry_append_personal(f->reg, signed_note, len, &pd, NULL), QP_OK);
	assert_int_equal(qp_household_find(h.number, f->reg, "11010519491231002X"), QP_OK);
	assert_string_equal(h.number, "330681-H-0000003");
	qp_personal_clear(&pd);
	free(signed_note);
	free(committed);

	/* Data for an entry that commits to none is refused too. */
	assert_int_equal(qp_personal_init(&pd, "330681199003030028", "x"), QP_OK);
	assert_int_equal(qp_registry_sign_entry(&signed_note, &len, f->reg, f->officer, "village.add",
						"{\"code\":\"330681101202\",\"name\":\"新村\"}"),
			 QP_OK);
	assert_int_equal(qp_registry_append_personal(f->reg, signed_note, len, &pd, NULL), QP_EINVALID);
	assert_error_contains("village.add: the entry commits to no personal data");
	qp_personal_clear(&pd);
	free(signed_note);
	/* Lower-case x is written upper-case in the data (the commitment is over these bytes). */
	ok(f, "household.add",
	   "{\"id_number\":\"33068119900303108x\",\"members\":1,\"name\":\"赵\",\"village\":\"" VILLAGE
	   "\"}");
	assert_int_equal(qp_household_get(&h, f->reg, "33068119900303108X"), QP_OK);
	assert_string_equal(h.id_number, "33068119900303108X");
	qp_household_clear(&h);

	/* Entries name households by number; an ID number in a signed body is refused by the rules. */
	assert_int_equal(qp_registry_sign_entry(&signed_note, &len, f->reg, f->officer, "home.add",
						HOME_BODY(UNIT1, HH1, "in_use", "100")),
			 QP_OK);
	assert_int_equal(qp_registry_append(f->reg, signed_note, len, NULL), QP_EINVALID);
	assert_error_contains("home.add: body.household names a household by its registry number");
	free(signed_note);
}

/* household.erase: only once nothing live is held; the data goes, the commitment stays. */
static void test_erase(void **state)
{
	fx *f = *state;
	const char *erase1 = "{\"household\":\"330681-H-0000001\",\"reason\":\"PIPL art. 47 request\"}";
	ok(f, "home.add", HOME_BODY(UNIT1, HH1, "in_use", "12050"));
	refused(
	    f, "household.erase", erase1, QP_ECONFLICT,
	    "household 330681-H-0000001 still holds 0 live or frozen certificate(s) and 1 home(s) in use");
	refused(f, "household.erase", "{\"household\":\"330681-H-0000009\",\"reason\":\"x\"}", QP_EINVALID,
		"household.erase: body.household: unknown household 330681-H-0000009");
	refused(f, "household.erase", "{\"household\":\"330681-H-0000001\"}", QP_EINVALID,
		"body.reason is missing");
	ok(f, "home.status", "{\"status\":\"withdrawn\",\"unit\":\"" UNIT1 "\"}");
	/* Given by ID number, as officers do: submit looks the number up. */
	ok(f, "household.erase", "{\"household\":\"" HH1 "\",\"reason\":\"PIPL art. 47 request\"}");
	qp_household h;
	qp_personal pd;
	assert_int_equal(qp_household_get(&h, f->reg, "330681-H-0000001"), QP_OK);
	assert_true(h.erased);
	assert_true(h.erased_at > h.added_at);
	assert_string_equal(h.id_number, "");
	assert_null(h.name);
	assert_int_equal(strlen(h.commitment), QP_COMMITMENT_LEN);
	assert_int_equal(qp_store_personal_get(f->reg->store, h.number, &pd), QP_ENOTFOUND);
	char number[17];
	assert_int_equal(qp_household_find(number, f->reg, HH1), QP_ENOTFOUND);
	qp_household_clear(&h);
	refused(f, "household.erase", erase1, QP_EINVALID, "household 330681-H-0000001 was erased by entry");
	refused(f, "home.add", HOME_BODY(UNIT2, "330681-H-0000001", "dilapidated", "100"), QP_EINVALID,
		"home.add: body.household: household 330681-H-0000001 was erased by entry");
	/* The ID number is free again: a new household may be added for the person. */
	ok(f, "household.add",
	   "{\"id_number\":\"" HH1 "\",\"members\":1,\"name\":\"张伟\",\"village\":\"" VILLAGE "\"}");
	assert_int_equal(qp_household_find(number, f->reg, HH1), QP_OK);
	assert_string_equal(number, "330681-H-0000003");
}

/* household.correct: members, or the head's name by a new commitment; the old values stay in the log. */
static void test_household_correct(void **state)
{
	fx *f = *state;
	qp_household before, h;
	assert_int_equal(qp_household_get(&before, f->reg, "330681-H-0000001"), QP_OK);
	ok(f, "household.correct",
	   "{\"field\":\"members\",\"household\":\"330681-H-0000001\",\"reason\":\"census\",\"value\":5}");
	refused(
	    f, "household.correct",
	    "{\"field\":\"members\",\"household\":\"330681-H-0000001\",\"reason\":\"census\",\"value\":5}",
	    QP_EINVALID, "household 330681-H-0000001 already has that number of members");
	refused(
	    f, "household.correct",
	    "{\"field\":\"members\",\"household\":\"330681-H-0000001\",\"reason\":\"census\",\"value\":51}",
	    QP_EINVALID, "body.value must be an integer from 1 to 50");
	refused(f, "household.correct",
		"{\"field\":\"members\",\"household\":\"330681-H-0000001\",\"reason\":\"x\"}", QP_EINVALID,
		"a members correction carries body.value");
	refused(f, "household.correct",
		"{\"field\":\"name\",\"household\":\"330681-H-0000001\",\"reason\":\"x\",\"value\":2}",
		QP_EINVALID, "a name correction carries body.commitment");
	refused(f, "household.correct",
		"{\"field\":\"name\",\"household\":\"330681-H-0000009\",\"id_number\":\"" HH1
		"\",\"name\":\"王五\",\"reason\":\"x\"}",
		QP_EINVALID, "unknown household 330681-H-0000009");
	/* The head stays: another person's ID number is refused. */
	refused(f, "household.correct",
		"{\"field\":\"name\",\"household\":\"330681-H-0000001\",\"id_number\":\"" HH2
		"\",\"name\":\"王五\",\"reason\":\"x\"}",
		QP_EINVALID, "the ID number given is not that of the head of household 330681-H-0000001");
	refused(f, "household.correct",
		"{\"field\":\"name\",\"household\":\"330681-H-0000001\",\"id_number\":\"" HH1
		"\",\"name\":\"\\u202e王五\",\"reason\":\"x\"}",
		QP_EINVALID, "name: U+202E (right-to-left override) is not allowed");
	/* A name correction signed without its personal data is refused: the file would not match. */
	refused(f, "household.correct",
		"{\"commitment\":\""
		"0000000000000000000000000000000000000000000000000000000000000000"
		"\",\"field\":\"name\",\"household\":\"330681-H-0000001\",\"reason\":\"x\"}",
		QP_EINVALID, "did not come with the entry");
	uint64_t at = log_size(f);
	ok(f, "household.correct",
	   "{\"field\":\"name\",\"household\":\"330681-H-0000001\",\"id_number\":\"" HH1
	   "\",\"name\":\"王五\",\"reason\":\"garbled by an import\"}");
	assert_int_equal(qp_household_get(&h, f->reg, "330681-H-0000001"), QP_OK);
	assert_string_equal(h.name, "王五");
	assert_string_equal(h.id_number, HH1);
	assert_int_equal(h.members, 5);
	assert_int_equal(h.corrected_at, at);
	assert_string_not_equal(h.commitment, before.commitment);
	qp_personal pd;
	char c[QP_COMMITMENT_LEN + 1];
	assert_int_equal(qp_store_personal_get(f->reg->store, h.number, &pd), QP_OK);
	assert_int_equal(qp_personal_commit(c, &pd), QP_OK);
	assert_string_equal(c, h.commitment);
	qp_personal_clear(&pd);
	qp_household_clear(&h);
	qp_household_clear(&before);
}

/* A person investor is named by a commitment; an enterprise by name and credit code. */
static void test_person_investor(void **state)
{
	fx *f = *state;
	ok(f, "home.add", HOME_BODY(UNIT1, HH1, "idle", "12050"));
	const char *person =
	    "{\"investment\":5000000,\"investor\":\"李明\",\"investor_id\":\"11010519491231002X\","
	    "\"rent\":960000,\"start\":\"2021-03-15\",\"unit\":\"" UNIT1
	    "\",\"use\":\"rental\",\"years\":20}";
	ok(f, "home.activate", person);
	qp_activation *acts = NULL;
	size_t n = 0;
	assert_int_equal(qp_home_activations(&acts, &n, f->reg, UNIT1), QP_OK);
	assert_int_equal(n, 1);
	assert_true(acts[0].investor_person);
	assert_string_equal(acts[0].investor, "李明");
	assert_string_equal(acts[0].investor_id, "11010519491231002X");
	char *note = note_of(f, acts[0].index);
	assert_non_null(strstr(note, acts[0].investor_commitment));
	assert_null(strstr(note, "李明"));
	assert_null(strstr(note, "11010519491231002X"));
	free(note);
	qp_activations_free(acts, n);
	/* Signed bodies: a person's ID number as investor_id, or both forms at once, are refused. */
	char *signed_note = NULL;
	size_t len = 0;
	ok(f, "home.status", "{\"status\":\"idle\",\"unit\":\"" UNIT1 "\"}");
	assert_int_equal(
	    qp_registry_sign_entry(&signed_note, &len, f->reg, f->officer, "home.activate", person), QP_OK);
	assert_int_equal(qp_registry_append(f->reg, signed_note, len, NULL), QP_EINVALID);
	assert_error_contains("body.investor_id is a person's ID number");
	free(signed_note);
	assert_int_equal(
	    qp_registry_sign_entry(&signed_note, &len, f->reg, f->officer, "home.activate",
				   "{\"investment\":1,\"investor\":\"x\",\"investor_commitment\":\"" ZERO64
				   "\",\"investor_id\":\"91350100M000100Y43\",\"rent\":1,\"start\":\"2021-05-"
				   "01\",\"unit\":\"" UNIT1 "\",\"use\":\"rental\",\"years\":5}"),
	    QP_OK);
	assert_int_equal(qp_registry_append(f->reg, signed_note, len, NULL), QP_EINVALID);
	assert_error_contains("comes without body.investor and body.investor_id");
	free(signed_note);
}

static void test_home_add_rules(void **state)
{
	fx *f = *state;
	ok(f, "home.add", HOME_BODY(UNIT1, HH1, "in_use", "12050"));
	qp_home h;
	assert_int_equal(qp_home_get(&h, f->reg, UNIT1), QP_OK);
	assert_int_equal(h.land_area, 12050);
	assert_int_equal(h.status, QP_HOME_IN_USE);
	assert_int_equal(h.floor_area, -1);
	assert_int_equal(h.built, 0);

	refused(f, "home.add", HOME_BODY(UNIT1, HH2, "in_use", "100"), QP_ECONFLICT,
		"already added by entry");
	refused(f, "home.add", HOME_BODY("330681001002JC00123F0001000", HH2, "in_use", "100"), QP_EINVALID,
		"must be 28 characters");
	refused(f, "home.add", HOME_BODY("330681001002JC00123F0001000A", HH2, "in_use", "100"), QP_EINVALID,
		"character 28");
	refused(f, "home.add", HOME_BODY("330682001002JC00126F00010001", HH2, "in_use", "100"), QP_EINVALID,
		"county 330682 is not this registry's county 330681");
	refused(f, "home.add", HOME_BODY("330681001002JA00126F00010001", HH2, "in_use", "100"), QP_EINVALID,
		"not on a rural homestead");
	refused(f, "home.add", HOME_BODY("330681001002JC00126W00000000", HH2, "in_use", "100"), QP_EINVALID,
		"not a building");
	/* One household, one homestead. */
	refused(f, "home.add", HOME_BODY(UNIT2, HH1, "idle", "100"), QP_EINVALID, "一户一宅");
	/* A dilapidated second home is not live: allowed. */
	ok(f, "home.add", HOME_BODY(UNIT2, HH1, "dilapidated", "8000"));
	refused(f, "home.add", HOME_BODY(UNIT3, HH2, "in_use", "0"), QP_EINVALID,
		"body.land_area must be an integer from 1 to 10000000");
	refused(f, "home.add", HOME_BODY(UNIT3, HH2, "in_use", "-5"), QP_EINVALID, "land_area");
	refused(f, "home.add", HOME_BODY(UNIT3, HH2, "in_use", "10000001"), QP_EINVALID, "land_area");
	refused(f, "home.add", HOME_BODY(UNIT3, HH2, "activated", "100"), QP_EINVALID,
		"added as in_use, idle or dilapidated");
	refused(f, "home.add", HOME_BODY(UNIT3, HH2, "ruined", "100"), QP_EINVALID, "is not one of in_use");
	refused(f, "home.add", HOME_BODY(UNIT3, "11010519491231002X", "in_use", "100"), QP_EINVALID,
		"home.add: body.household: no household with ID number 110105********002X in the registry");
	refused(f, "home.add", HOME_BODY(UNIT3, "330681-H-0000009", "in_use", "100"), QP_EINVALID,
		"home.add: body.household: unknown household 330681-H-0000009");
	refused(f, "home.add", HOME_BODY(UNIT3, "330682-H-0000001", "in_use", "100"), QP_EINVALID,
		"is a household of county 330682, not of this registry's 330681");
	refused(f, "home.add",
		"{\"household\":\"" HH2 "\",\"land_area\":100,\"status\":\"in_use\",\"unit\":\"" UNIT3
		"\",\"village\":\"330681101299\"}",
		QP_EINVALID, "unknown village 330681101299");
	ok(f, "household.add",
	   "{\"id_number\":\"11010519491231002X\",\"members\":1,\"name\":\"王芳\",\"village\":\"" VILLAGE2
	   "\"}");
	refused(f, "home.add", HOME_BODY(UNIT3, "11010519491231002X", "in_use", "100"), QP_EINVALID,
		"belongs to village 330681102203");
	refused(f, "home.add",
		"{\"built\":2999,\"household\":\"" HH2
		"\",\"land_area\":100,\"status\":\"in_use\",\"unit\":\"" UNIT3 "\",\"village\":\"" VILLAGE
		"\"}",
		QP_EINVALID, "body.built");
	ok(f, "home.add",
	   "{\"built\":1985,\"floor_area\":24000,\"household\":\"" HH2
	   "\",\"land_area\":11000,\"status\":\"idle\",\"unit\":\"" UNIT3 "\",\"village\":\"" VILLAGE "\"}");
	assert_int_equal(qp_home_get(&h, f->reg, UNIT3), QP_OK);
	assert_int_equal(h.built, 1985);
	assert_int_equal(h.floor_area, 24000);
}

static void test_one_home_policy_off(void **state)
{
	fx *f = *state;
	char *params = NULL, body[2048];
	assert_int_equal(qp_registry_policy(&params, NULL, f->reg), QP_OK);
	char *p = strstr(params, "\"one_household_one_home\":true");
	assert_non_null(p);
	memcpy(p + strlen("\"one_household_one_home\":"), "fals", 4);
	/* "true" became "fals" + "e" ... rebuild the text properly. */
	snprintf(body, sizeof(body), "{\"params\":%.*s\"one_household_one_home\":false%s}", (int)(p - params),
		 params, p + strlen("\"one_household_one_home\":true"));
	free(params);
	assert_int_equal(qp_registry_submit(f->reg, f->authority, "policy.set", body, NULL), QP_OK);
	ok(f, "home.add", HOME_BODY(UNIT1, HH1, "in_use", "100"));
	ok(f, "home.add", HOME_BODY(UNIT2, HH1, "idle", "100"));
}

static void test_lifecycle(void **state)
{
	fx *f = *state;
	ok(f, "home.add", HOME_BODY(UNIT1, HH1, "in_use", "12050"));
	ok(f, "home.status",
	   "{\"reason\":\"family moved to town\",\"status\":\"idle\",\"unit\":\"" UNIT1 "\"}");
	refused(f, "home.status", "{\"status\":\"reclaimed\",\"unit\":\"" UNIT1 "\"}", QP_EINVALID,
		"cannot go from idle to reclaimed; allowed: in_use, dilapidated, withdrawn (and activated, "
		"by home activate)");
	refused(f, "home.status", "{\"status\":\"activated\",\"unit\":\"" UNIT1 "\"}", QP_EINVALID,
		"cannot go from idle to activated");
	refused(f, "home.status", "{\"status\":\"idle\",\"unit\":\"" UNIT1 "\"}", QP_EINVALID,
		"cannot go from idle to idle");
	assert_int_equal(put(f, "home.status", "{\"status\":\"idle\",\"unit\":\"" UNIT2 "\"}"), QP_ENOTFOUND);

	const char *lease =
	    "{\"deal_no\":\"ZJ-2021-0007\",\"investment\":120000000,\"investor\":\"诸暨民宿发展有限公司\","
	    "\"investor_id\":\"91350100M000100Y43\",\"rent\":2490000,\"start\":\"2021-05-01\","
	    "\"unit\":\"" UNIT1 "\",\"use\":\"homestay\",\"years\":15}";
	refused(f, "home.activate",
		"{\"investment\":1,\"investor\":\"x\",\"investor_id\":\"91350100M000100Y43\",\"rent\":1,"
		"\"start\":\"2021-05-01\",\"unit\":\"" UNIT1 "\",\"use\":\"homestay\",\"years\":21}",
		QP_EINVALID, "a lease term of 21 years is outside the policy's 1 to 20");
	refused(f, "home.activate",
		"{\"investment\":1,\"investor\":\"x\",\"investor_id\":\"91350100M000100Y43\",\"rent\":1,"
		"\"start\":\"2021-05-01\",\"unit\":\"" UNIT1 "\",\"use\":\"homestay\",\"years\":0}",
		QP_EINVALID, "outside the policy's 1 to 20");
	refused(f, "home.activate",
		"{\"investment\":1,\"investor\":\"x\",\"investor_id\":\"91350100M000100Y44\",\"rent\":1,"
		"\"start\":\"2021-05-01\",\"unit\":\"" UNIT1 "\",\"use\":\"homestay\",\"years\":5}",
		QP_EINVALID, "body.investor_id: check character");
	refused(f, "home.activate",
		"{\"investment\":1,\"investor\":\"x\",\"investor_id\":\"110105194912310021\",\"rent\":1,"
		"\"start\":\"2021-05-01\",\"unit\":\"" UNIT1 "\",\"use\":\"homestay\",\"years\":5}",
		QP_EINVALID, "body.investor_id: check character");
	refused(f, "home.activate",
		"{\"investment\":1,\"investor\":\"x\",\"investor_id\":\"11010519491231002X\",\"rent\":1,"
		"\"start\":\"2021-02-30\",\"unit\":\"" UNIT1 "\",\"use\":\"homestay\",\"years\":5}",
		QP_EINVALID, "not a real date");
	refused(f, "home.activate",
		"{\"investment\":1,\"investor\":\"x\",\"investor_id\":\"11010519491231002X\",\"rent\":1,"
		"\"start\":\"2021-02-03\",\"unit\":\"" UNIT1 "\",\"use\":\"casino\",\"years\":5}",
		QP_EINVALID, "use: \"casino\" is not one of");
	/* A credit code whose only letter is its check character is still a credit code. */
	refused(f, "home.activate",
		"{\"investment\":1,\"investor\":\"x\",\"investor_id\":\"91110000600037341L\",\"rent\":1,"
		"\"start\":\"2021-05-01\",\"unit\":\"" UNIT1 "\",\"use\":\"homestay\",\"years\":21}",
		QP_EINVALID, "a lease term of 21 years");
	ok(f, "home.activate", lease);
	refused(f, "home.activate", lease, QP_EINVALID,
		"only idle homes can be activated; " UNIT1 " is activated");
	ok(f, "home.status", "{\"reason\":\"lease ended\",\"status\":\"idle\",\"unit\":\"" UNIT1 "\"}");
	ok(f, "home.status", "{\"status\":\"withdrawn\",\"unit\":\"" UNIT1 "\"}");
	ok(f, "home.status", "{\"status\":\"reclaimed\",\"unit\":\"" UNIT1 "\"}");
	refused(f, "home.status", "{\"status\":\"idle\",\"unit\":\"" UNIT1 "\"}", QP_EINVALID,
		"allowed: none (reclaimed is final)");
	/* The other path: dilapidated, demolished, reclaimed. */
	ok(f, "home.add", HOME_BODY(UNIT2, HH2, "dilapidated", "9000"));
	refused(f, "home.activate",
		"{\"investment\":1,\"investor\":\"x\",\"investor_id\":\"11010519491231002X\",\"rent\":1,"
		"\"start\":\"2021-02-03\",\"unit\":\"" UNIT2 "\",\"use\":\"homestay\",\"years\":5}",
		QP_EINVALID, "only idle homes");
	ok(f, "home.status", "{\"status\":\"demolished\",\"unit\":\"" UNIT2 "\"}");
	ok(f, "home.status", "{\"status\":\"reclaimed\",\"unit\":\"" UNIT2 "\"}");

	/* History: every change, with its signer. */
	qp_home_event *ev = NULL;
	size_t n = 0;
	assert_int_equal(qp_home_history(&ev, &n, f->reg, UNIT1), QP_OK);
	assert_int_equal(n, 6);
	assert_string_equal(ev[0].type, "home.add");
	assert_non_null(strstr(ev[0].summary, "added as in_use: land 120.50 m², village " VILLAGE
					      ", household 330681-H-0000001"));
	assert_string_equal(ev[1].summary, "status in_use -> idle (family moved to town)");
	assert_string_equal(ev[2].type, "home.activate");
	assert_non_null(strstr(ev[2].summary, "leased to 诸暨民宿发展有限公司 from 2021-05-01 for 15 years, "
					      "rent 24900.00 yuan/year, investment 1200000.00 yuan"));
	assert_string_equal(ev[5].summary, "status withdrawn -> reclaimed");
	for (size_t i = 0; i < n; i++)
		assert_string_equal(ev[i].signer, "330681.officer.li");
	assert_true(ev[0].index < ev[5].index);
	qp_home_events_free(ev, n);
	qp_activation *acts = NULL;
	assert_int_equal(qp_home_activations(&acts, &n, f->reg, UNIT1), QP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(acts[0].investment, 120000000);
	assert_int_equal(acts[0].rent, 2490000);
	assert_string_equal(acts[0].deal_no, "ZJ-2021-0007");
	assert_string_equal(acts[0].use, "homestay");
	qp_activations_free(acts, n);
}

static void test_correct(void **state)
{
	fx *f = *state;
	ok(f, "home.add", HOME_BODY(UNIT1, HH1, "in_use", "12050"));
	refused(f, "home.correct",
		"{\"field\":\"land_area\",\"reason\":\"resurvey\",\"unit\":\"" UNIT1 "\",\"value\":12050}",
		QP_EINVALID, "already that value");
	refused(f, "home.correct",
		"{\"field\":\"status\",\"reason\":\"x\",\"unit\":\"" UNIT1 "\",\"value\":1}", QP_EINVALID,
		"field must be land_area, floor_area or built");
	refused(f, "home.correct", "{\"field\":\"land_area\",\"unit\":\"" UNIT1 "\",\"value\":1}",
		QP_EINVALID, "body.reason is missing");
	refused(f, "home.correct",
		"{\"field\":\"land_area\",\"reason\":\"x\",\"unit\":\"" UNIT1 "\",\"value\":0}", QP_EINVALID,
		"body.value");
	ok(f, "home.correct",
	   "{\"field\":\"land_area\",\"reason\":\"resurvey 2026\",\"unit\":\"" UNIT1 "\",\"value\":12500}");
	ok(f, "home.correct",
	   "{\"field\":\"built\",\"reason\":\"archive record\",\"unit\":\"" UNIT1 "\",\"value\":1979}");
	qp_home h;
	assert_int_equal(qp_home_get(&h, f->reg, UNIT1), QP_OK);
	assert_int_equal(h.land_area, 12500);
	assert_int_equal(h.built, 1979);
	qp_home_event *ev = NULL;
	size_t n = 0;
	assert_int_equal(qp_home_history(&ev, &n, f->reg, UNIT1), QP_OK);
	assert_int_equal(n, 3);
	assert_string_equal(ev[1].summary, "corrected land_area: 120.50 -> 125.00 (resurvey 2026)");
	assert_string_equal(ev[2].summary, "corrected built: (none) -> 1979 (archive record)");
	qp_home_events_free(ev, n);
}

static void test_lists_and_index(void **state)
{
	fx *f = *state;
	ok(f, "home.add", HOME_BODY(UNIT1, HH1, "in_use", "12050"));
	ok(f, "home.add", HOME_BODY(UNIT2, HH2, "idle", "10000"));
	ok(f, "home.add", HOME_BODY(UNIT3, HH2, "dilapidated", "5000"));
	qp_home *list = NULL;
	size_t n = 0;
	qp_home_filter fv = {VILLAGE, NULL, NULL, -1, NULL, 0};
	assert_int_equal(qp_homes_list(&list, &n, f->reg, &fv), QP_OK);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].unit, UNIT1);
	assert_string_equal(list[2].unit, UNIT3);
	qp_homes_free(list);
	qp_home_filter fs = {VILLAGE, NULL, NULL, QP_HOME_IDLE, NULL, 0};
	assert_int_equal(qp_homes_list(&list, &n, f->reg, &fs), QP_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].unit, UNIT2);
	qp_homes_free(list);
	qp_home_filter fp = {NULL, "330681101", NULL, -1, UNIT1, 1};
	assert_int_equal(qp_homes_list(&list, &n, f->reg, &fp), QP_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].unit, UNIT2);
	qp_homes_free(list);
	qp_home_filter fh = {NULL, NULL, "330681-H-0000002", -1, NULL, 0};
	assert_int_equal(qp_homes_list(&list, &n, f->reg, &fh), QP_OK);
	assert_int_equal(n, 2);
	qp_homes_free(list);
	qp_home_filter bad = {VILLAGE, "330681101", NULL, -1, NULL, 0};
	assert_int_equal(qp_homes_list(&list, &n, f->reg, &bad), QP_EUSAGE);
	qp_home_filter badv = {"330681101", NULL, NULL, -1, NULL, 0};
	assert_int_equal(qp_homes_list(&list, &n, f->reg, &badv), QP_EINVALID);

	/* Every filter answers from an index: no step scans the homes table. */
	const qp_home_filter filters[] = {
	    {VILLAGE, NULL, NULL, -1, NULL, 100},     {VILLAGE, NULL, NULL, QP_HOME_IDLE, UNIT1, 100},
	    {NULL, "330681101", NULL, -1, NULL, 100}, {NULL, "330681101", NULL, QP_HOME_IDLE, NULL, 100},
	    {NULL, NULL, HH1, -1, NULL, 100},	      {NULL, NULL, NULL, QP_HOME_IDLE, NULL, 100},
	};
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		char *plan = NULL;
		assert_int_equal(qp_store_homes_list_plan(f->reg->store, &filters[i], &plan), QP_OK);
		if (strstr(plan, "USING INDEX") == NULL && strstr(plan, "USING COVERING INDEX") == NULL)
			fail_msg("filter %zu does not use an index:\n%s", i, plan);
		if (strstr(plan, "SCAN homes\n") || strstr(plan, "USE TEMP B-TREE"))
			fail_msg("filter %zu scans or sorts:\n%s", i, plan);
		qp_free(plan);
	}
}

static void test_stats(void **state)
{
	fx *f = *state;
	ok(f, "home.add", HOME_BODY(UNIT1, HH1, "idle", "12050"));
	ok(f, "home.add", HOME_BODY(UNIT2, HH2, "idle", "10000"));
	ok(f, "home.activate",
	   "{\"investment\":120000000,\"investor\":\"甲\",\"investor_id\":\"91350100M000100Y43\",\"rent\":"
	   "2490000,"
	   "\"start\":\"2021-05-01\",\"unit\":\"" UNIT1 "\",\"use\":\"homestay\",\"years\":15}");
	ok(f, "home.activate",
	   "{\"investment\":30000050,\"investor\":\"乙\",\"investor_id\":\"11010519491231002X\",\"rent\":"
	   "100001,"
	   "\"start\":\"2022-01-01\",\"unit\":\"" UNIT2 "\",\"use\":\"culture\",\"years\":5}");
	qp_stats s;
	assert_int_equal(qp_stats_get(&s, f->reg, 2021, NULL, NULL), QP_OK);
	assert_int_equal(s.activations, 1);
	assert_int_equal(s.investment, 120000000);
	assert_int_equal(s.first_year_rent, 2490000);
	assert_int_equal(s.homes[QP_HOME_ACTIVATED], 2);
	assert_int_equal(s.land_area[QP_HOME_ACTIVATED], 22050);
	assert_int_equal(s.villages, 2);
	assert_int_equal(s.households, 2);
	assert_int_equal(qp_stats_get(&s, f->reg, 0, NULL, NULL), QP_OK);
	assert_int_equal(s.activations, 2);
	assert_int_equal(s.investment, 150000050);
	assert_int_equal(qp_stats_get(&s, f->reg, 0, VILLAGE2, NULL), QP_OK);
	assert_int_equal(s.activations, 0);
	assert_int_equal(s.villages, 1);
	assert_int_equal(s.households, 0);
	assert_int_equal(qp_stats_get(&s, f->reg, 2022, NULL, "330681101"), QP_OK);
	assert_int_equal(s.activations, 1);
	assert_int_equal(s.villages, 1);
	assert_int_equal(qp_stats_get(&s, f->reg, 1800, NULL, NULL), QP_EINVALID);
	assert_int_equal(qp_stats_get(&s, f->reg, 0, VILLAGE, "330681101"), QP_EUSAGE);
	assert_int_equal(qp_stats_get(&s, f->reg, 0, "33068110120", NULL), QP_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_villages_and_households, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_household_numbers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_personal_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_erase, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_household_correct, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_person_investor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_home_add_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_one_home_policy_off, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_correct, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lists_and_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
