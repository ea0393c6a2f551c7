/*
 * test_schema.c - the schema of entry bodies (quanpiao/schema.h, src/schema.c):
 * the table's shape, and the one check of a body, member by member, at the
 * boundaries of every limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "error.h"
#include "quanpiao/personal.h"
#include "quanpiao/schema.h"
#include "schema_internal.h"
#include "testutil.h"

/* The entry types of docs/design.md §3 and their roles. */
static const char *const types[][2] = {
    {"registry.genesis", "authority"}, {"policy.set", "authority"},	 {"key.enroll", "authority"},
    {"key.revoke", "authority"},       {"village.add", "officer"},	 {"village.correct", "officer"},
    {"household.add", "officer"},      {"household.correct", "officer"}, {"household.erase", "officer"},
    {"home.add", "officer"},	       {"home.status", "officer"},	 {"home.activate", "officer"},
    {"home.correct", "officer"},       {"parcel.add", "officer"},	 {"cert.issue", "officer"},
    {"cert.transfer", "officer"},      {"cert.redeem", "officer"},	 {"cert.revoke", "officer"},
    {"cert.freeze", "officer"},	       {"cert.unfreeze", "officer"},
};

static void test_table(void **state)
{
	(void)state;
	size_t n = 0;
	const qp_schema_entry *entries = qp_schema_entries(&n);
	assert_int_equal(n, sizeof(types) / sizeof(types[0]));
	for (size_t i = 0; i < n; i++) {
		const qp_schema_entry *e = &entries[i];
		assert_string_equal(e->type, types[i][0]);
		assert_string_equal(e->role, types[i][1]);
		assert_string_equal(qp_entry_role(e->type), types[i][1]);
		assert_ptr_equal(qp_schema_entry_get(e->type), e);
		assert_non_null(e->meaning);
		assert_true(e->n_members > 0);
		for (size_t k = 0; k < e->n_members; k++) {
			const qp_schema_member *m = &e->members[k];
			/* Sorted and unique: the order of canonical JSON. */
			if (k > 0)
				assert_true(strcmp(e->members[k - 1].name, m->name) < 0);
			assert_non_null(m->meaning);
			assert_ptr_equal(qp_schema_member_get(e->type, m->name), m);
			if (m->type == QP_SCHEMA_TEXT)
				assert_true(m->min >= 1 && m->max >= m->min);
			if (m->type == QP_SCHEMA_INTEGER && !(m->flags & QP_MEMBER_BY_RULES))
				assert_true(m->format == QP_FORMAT_YEAR || m->max >= m->min);
			assert_true((m->format == QP_FORMAT_ENUM) == (m->values != NULL));
		}
	}
	assert_null(qp_schema_entry_get("cert.print"));
	assert_null(qp_schema_entry_get(NULL));
	assert_null(qp_entry_role("cert.print"));
	assert_null(qp_schema_member_get("village.add", "nom"));
	int64_t lo = 0, hi = 0;
	assert_int_equal(qp_schema_limits("village.add", "name", &lo, &hi), QP_OK);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, QP_NAME_MAX_LEN);
	assert_int_equal(qp_schema_limits("cert.redeem", "note", NULL, &hi), QP_OK);
	assert_int_equal(hi, QP_NOTE_MAX_LEN);
	assert_int_equal(qp_schema_limits("household.add", "members", &lo, &hi), QP_OK);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 50);
	assert_int_equal(qp_schema_limits("village.add", "nom", &lo, &hi), QP_EINTERNAL);
	assert_int_equal(qp_schema_limits("cert.print", "name", &lo, &hi), QP_EINTERNAL);
}

/* ---- bodies -------------------------------------------------------------------------------- */

/* A value that passes the schema's check of m (identifiers are the rules' to check). */
static cJSON *good_value(const qp_schema_member *m)
{
	if (m->type == QP_SCHEMA_OBJECT)
		return cJSON_CreateObject();
	if (m->type == QP_SCHEMA_INTEGER)
		return cJSON_CreateNumber((double)(m->flags & QP_MEMBER_BY_RULES ? 1 : m->min));
	if (m->values)
		return cJSON_CreateString(m->values[0]);
	char text[QP_COMMITMENT_LEN + 1]; /* the longest fixed length, a commitment's */
	assert_true(m->min < (int64_t)sizeof(text));
	memset(text, 'a', (size_t)m->min);
	text[m->min] = '\0';
	return cJSON_CreateString(text);
}

/* A body of type with every member that must be there, and with `with` too if not NULL. */
static cJSON *good_body(const qp_schema_entry *s, const char *with)
{
	cJSON *body = cJSON_CreateObject();
	assert_non_null(body);
	for (size_t k = 0; k < s->n_members; k++) {
		const qp_schema_member *m = &s->members[k];
		if ((m->flags & (QP_MEMBER_REQUIRED | QP_MEMBER_NUMBERED)) ||
		    (with && strcmp(with, m->name) == 0))
			assert_true(cJSON_AddItemToObject(body, m->name, good_value(m)));
	}
	/* body.legacy is given only with basis legacy. */
	if (with && strcmp(with, "legacy") == 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(body, "basis");
		cJSON_AddStringToObject(body, "basis", "legacy");
	}
	return body;
}

/* Check body as an entry of type; the message of a refusal is qp_error_last's. */
static int check(const char *type, const cJSON *body)
{
	qp_entry e;
	memset(&e, 0, sizeof(e));
	e.type = type;
	e.body = body;
	return qp_schema_check_body(&e);
}

static void set(cJSON *body, const char *name, cJSON *value)
{
	assert_non_null(value);
	cJSON_DeleteItemFromObjectCaseSensitive(body, name);
	assert_true(cJSON_AddItemToObject(body, name, value));
}

static void expect_refused(const char *type, const cJSON *body, const char *message)
{
	assert_int_equal(check(type, body), QP_EINVALID);
	if (strcmp(qp_error_last()->message, message) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", type, qp_error_last()->message, message);
}

/* A string of n bytes of 'a'. */
static cJSON *text_of(size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, 'a', n);
	s[n] = '\0';
	cJSON *v = cJSON_CreateString(s);
	free(s);
	return v;
}

static void test_members(void **state)
{
	(void)state;
	size_t n = 0;
	const qp_schema_entry *entries = qp_schema_entries(&n);
	char want[256];
	for (size_t i = 0; i < n; i++) {
		const qp_schema_entry *s = &entries[i];
		cJSON *body = good_body(s, NULL);
		assert_int_equal(check(s->type, body), QP_OK);
		/* An unknown member, named. */
		cJSON_AddNumberToObject(body, "zzz", 1);
		snprintf(want, sizeof(want), "%s: unknown member body.zzz", s->type);
		expect_refused(s->type, body, want);
		cJSON_Delete(body);
		for (size_t k = 0; k < s->n_members; k++) {
			const qp_schema_member *m = &s->members[k];
			body = good_body(s, m->name);
			assert_int_equal(check(s->type, body), QP_OK);
			/* Each required member missing, named. */
			if (m->flags & QP_MEMBER_REQUIRED) {
				cJSON_DeleteItemFromObjectCaseSensitive(body, m->name);
				snprintf(want, sizeof(want), "%s: body.%s is missing", s->type, m->name);
				expect_refused(s->type, body, want);
			} else {
				cJSON_DeleteItemFromObjectCaseSensitive(body, m->name);
				assert_int_equal(check(s->type, body), QP_OK);
			}
			cJSON_Delete(body);
			body = good_body(s, m->name);
			if (m->type == QP_SCHEMA_TEXT) {
				/* Exactly the limit passes, one byte more fails; a number is not text. */
				snprintf(want, sizeof(want), "%s: body.%s must be text of 1 to %lld bytes",
					 s->type, m->name, (long long)m->max);
				if (m->values == NULL && m->min == 1) {
					set(body, m->name, text_of((size_t)m->max));
					assert_int_equal(check(s->type, body), QP_OK);
				}
				set(body, m->name, text_of((size_t)m->max + 1));
				expect_refused(s->type, body, want);
				set(body, m->name, cJSON_CreateString(""));
				expect_refused(s->type, body, want);
				set(body, m->name, cJSON_CreateNumber(1));
				expect_refused(s->type, body, want);
				set(body, m->name, cJSON_CreateString("a\x01"));
				snprintf(want, sizeof(want),
					 "%s: body.%s: U+0001 (a control character) is not allowed", s->type,
					 m->name);
				expect_refused(s->type, body, want);
				/* Every pattern the one text check refuses (quanpiao/text.h), in every text
				 * member. */
				static const struct {
					const char *text, *why;
				} refused[] = {
				    {"a\n", "U+000A (a control character) is not allowed"},
				    {"a\xc2\x85", "U+0085 (a control character) is not allowed"},
				    {"\xe2\x80\xaa", "U+202A (left-to-right embedding) is not allowed"},
				    {"\xe2\x80\xab", "U+202B (right-to-left embedding) is not allowed"},
				    {"\xe2\x80\xac", "U+202C (pop directional formatting) is not allowed"},
				    {"\xe2\x80\xad", "U+202D (left-to-right override) is not allowed"},
				    {"\xe2\x80\xae", "U+202E (right-to-left override) is not allowed"},
				    {"\xe2\x81\xa6", "U+2066 (left-to-right isolate) is not allowed"},
				    {"\xe2\x81\xa7", "U+2067 (right-to-left isolate) is not allowed"},
				    {"\xe2\x81\xa8", "U+2068 (first strong isolate) is not allowed"},
				    {"\xe2\x81\xa9", "U+2069 (pop directional isolate) is not allowed"},
				    {"\xe2\x80\x8b", "U+200B (zero width space) is not allowed"},
				    {"\xe2\x80\x8c", "U+200C (zero width non-joiner) is not allowed"},
				    {"\xe2\x80\x8d", "U+200D (zero width joiner) is not allowed"},
				    {"\xe2\x81\xa0", "U+2060 (word joiner) is not allowed"},
				    {"\xef\xbb\xbf", "U+FEFF (zero width no-break space) is not allowed"},
				    {" ", "must not be only white space"},
				    {"\xe3\x80\x80", "must not be only white space"},
				};
				for (size_t p = 0; p < sizeof(refused) / sizeof(refused[0]); p++) {
					if (strlen(refused[p].text) > (size_t)m->max)
						continue;
					set(body, m->name, cJSON_CreateString(refused[p].text));
					snprintf(want, sizeof(want), "%s: body.%s: %s", s->type, m->name,
						 refused[p].why);
					expect_refused(s->type, body, want);
				}
				if (m->min > 1) {
					set(body, m->name, text_of((size_t)m->min - 1));
					snprintf(want, sizeof(want), "%s: body.%s must be %lld characters",
						 s->type, m->name, (long long)m->min);
					expect_refused(s->type, body, want);
				}
				if (m->values && !(m->flags & QP_MEMBER_BY_RULES)) {
					set(body, m->name, cJSON_CreateString("bogus"));
					assert_int_equal(check(s->type, body), QP_EINVALID);
					snprintf(want, sizeof(want), "%s: %s must be ", s->type, m->name);
					assert_memory_equal(qp_error_last()->message, want, strlen(want));
					assert_non_null(strstr(qp_error_last()->message, ", not bogus"));
				}
			} else if (m->type == QP_SCHEMA_INTEGER && !(m->flags & QP_MEMBER_BY_RULES)) {
				int64_t lo = 0, hi = 0;
				assert_int_equal(qp_schema_limits(s->type, m->name, &lo, &hi), QP_OK);
				snprintf(want, sizeof(want),
					 "%s: body.%s must be an integer from %lld to %lld", s->type, m->name,
					 (long long)lo, (long long)hi);
				set(body, m->name, cJSON_CreateNumber((double)hi));
				assert_int_equal(check(s->type, body), QP_OK);
				set(body, m->name, cJSON_CreateNumber((double)lo));
				assert_int_equal(check(s->type, body), QP_OK);
				set(body, m->name, cJSON_CreateNumber((double)hi + 1));
				expect_refused(s->type, body, want);
				set(body, m->name, cJSON_CreateNumber((double)lo - 1));
				expect_refused(s->type, body, want);
				set(body, m->name, cJSON_CreateString("1"));
				expect_refused(s->type, body, want);
			}
			cJSON_Delete(body);
		}
	}
}

/* The messages the rules always gave, which tests and users rely on. */
static void test_messages(void **state)
{
	(void)state;
	cJSON *body = cJSON_Parse("{\"code\":\"330681101201\",\"name\":\"\"}");
	expect_refused("village.add", body, "village.add: body.name must be text of 1 to 64 bytes");
	cJSON_Delete(body);
	body = cJSON_Parse(
	    "{\"basis\":\"gift\",\"cert\":\"330681-2026-G-000001\",\"new_id\":\"x\",\"to\":\"y\"}");
	expect_refused("cert.transfer", body,
		       "cert.transfer: basis must be sale, inheritance or exchange, not gift");
	cJSON_Delete(body);
	body = cJSON_Parse(
	    "{\"field\":\"color\",\"reason\":\"r\",\"unit\":\"330681001002JC00099F00010001\",\"value\":1}");
	expect_refused("home.correct", body,
		       "home.correct: field must be land_area, floor_area or built, not color");
	cJSON_Delete(body);
	/* The certificate number an entry claims: reported when the rules create the certificate. */
	body = cJSON_Parse("{\"area\":1,\"basis\":\"withdrawal\",\"holder\":\"h\",\"kind\":\"guarantee\"}");
	assert_int_equal(check("cert.issue", body), QP_OK);
	qp_entry e;
	memset(&e, 0, sizeof(e));
	e.type = "cert.issue";
	e.body = body;
	const char *id = "x";
	assert_int_equal(qp_body_numbered(&e, "id", &id), QP_EINVALID);
	assert_null(id);
	assert_string_equal(qp_error_last()->message, "cert.issue: body.id must be text of 1 to 20 bytes");
	cJSON_Delete(body);
	expect_refused("cert.print", NULL,
		       "entries of type cert.print are not handled by this version of quanpiao");
}

/* body.legacy: only with basis legacy; at most QP_LEGACY_MAX_MEMBERS members of bounded text. */
static void test_legacy(void **state)
{
	(void)state;
	const char *over =
	    "cert.issue: body.legacy holds at most 64 members, each text of at most 1000 bytes";
	cJSON *body = good_body(qp_schema_entry_get("cert.issue"), "legacy");
	cJSON *l = cJSON_GetObjectItemCaseSensitive(body, "legacy");
	char name[16];
	for (int i = 0; i < QP_LEGACY_MAX_MEMBERS; i++) {
		snprintf(name, sizeof(name), "m%02d", i);
		cJSON_AddItemToObject(l, name, text_of(i == 0 ? QP_LEGACY_VALUE_MAX_LEN : 1));
	}
	assert_int_equal(check("cert.issue", body), QP_OK);
	cJSON_AddStringToObject(l, "m99", "one too many");
	expect_refused("cert.issue", body, over);
	cJSON_DeleteItemFromObjectCaseSensitive(l, "m99");
	cJSON_ReplaceItemInObjectCaseSensitive(l, "m00", text_of(QP_LEGACY_VALUE_MAX_LEN + 1));
	expect_refused("cert.issue", body, over);
	cJSON_ReplaceItemInObjectCaseSensitive(l, "m00", cJSON_CreateNumber(1));
	expect_refused("cert.issue", body, over);
	cJSON_ReplaceItemInObjectCaseSensitive(l, "m00", cJSON_CreateString("a"));
	assert_int_equal(check("cert.issue", body), QP_OK);
	set(body, "basis", cJSON_CreateString("withdrawal"));
	expect_refused("cert.issue", body,
		       "cert.issue: body.legacy is an object, given only with basis legacy");
	set(body, "basis", cJSON_CreateString("legacy"));
	set(body, "legacy", cJSON_CreateString("record"));
	expect_refused("cert.issue", body,
		       "cert.issue: body.legacy is an object, given only with basis legacy");
	cJSON_Delete(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_members),
	    cmocka_unit_test(test_messages),
	    cmocka_unit_test(test_legacy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
