/*
 * test_entry.c - the text of an entry (qp_entry_text).
 *
 * Expected texts are written out byte for byte here, never produced by the
 * code under test.  qp_entry_text writes an entry whose members are plain
 * strings directly, and one that needs escaping (or whose body the
 * encoder refuses) through a canonical wrapper: both must give the one
 * spelling, the same refusals with the same messages, and QP_ENOMEM
 * without leaks when any allocation fails.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "alloc.h"
#include "canon.h"
#include "entry.h"
#include "error.h"
#include "testutil.h"

#define ROOT_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static qp_log_state state(uint64_t size)
{
	qp_log_state s;
	for (unsigned i = 0; i < sizeof(s.root); i++)
		s.root[i] = (unsigned char)i;
	s.size = size;
	return s;
}

/* The text of an entry of body_json with these members must be want exactly. */
static void expect_text(const char *origin, const char *type, const char *signer, const char *time,
			uint64_t size, const char *body_json, const char *want)
{
	cJSON *body = cJSON_Parse(body_json);
	assert_non_null(body);
	qp_log_state log = state(size);
	char *text = NULL;
	size_t len = 0;
	int rc = qp_entry_text(&text, &len, origin, type, signer, time, &log, body);
	if (rc != QP_OK)
		fail_msg("entry text failed: %s", qp_error_last()->message);
	if (len != strlen(want) || strcmp(text, want) != 0)
		fail_msg("entry text\n got: %s\nwant: %s", text, want);
	/* What is written parses back as an entry's text. */
	cJSON *again = NULL;
	const char *json = text + strlen(QP_ENTRY_HEADER) + 1;
	assert_int_equal(qp_canon_parse(&again, json, len - strlen(QP_ENTRY_HEADER) - 2), QP_OK);
	cJSON_Delete(again);
	qp_free(text);
	cJSON_Delete(body);
}

/* Building the text must fail with code and a message containing needle; *out stays NULL. */
static void expect_refused(const char *signer, const cJSON *body, uint64_t size, int code, const char *needle)
{
	qp_log_state log = state(size);
	char *text = (char *)"x";
	size_t len = 0;
	int rc = qp_entry_text(&text, &len, "registry.example/a", "cert.issue", signer,
			       "2026-01-02T03:04:05Z", &log, body);
	if (rc != code)
		fail_msg("entry text gave %d (%s), expected %d", rc, rc ? qp_error_last()->message : "ok",
			 code);
	assert_null(text);
	if (strstr(qp_error_last()->message, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", qp_error_last()->message, needle);
}

static void test_plain_members(void **state_)
{
	(void)state_;
	/* Body keys out of order, nested, non-ASCII and escaped strings in the body, integers. */
	expect_text(
	    "registry.example/a", "cert.issue", "330681.officer", "2026-01-02T03:04:05Z", 42,
	    "{\"kind\":\"guarantee\",\"area\":4111,\"legacy\":{\"持有人\":\"李建国\",\"note\":"
	    "\"a\\\"b\\\\c\\n\","
	    "\"z\":-7},\"basis\":\"legacy\"}",
	    QP_ENTRY_HEADER
	    "\n"
	    "{\"body\":{\"area\":4111,\"basis\":\"legacy\",\"kind\":\"guarantee\",\"legacy\":{"
	    "\"note\":\"a\\\"b\\\\c\\n\",\"z\":-7,\"持有人\":\"李建国\"}},\"log\":{\"root\":\"" ROOT_B64
	    "\",\"size\":42},\"origin\":\"registry.example/a\",\"signer\":\"330681.officer\","
	    "\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"cert.issue\"}\n");
	/* An empty body, size 0 and the largest size. */
	expect_text("o", "t", "s", "x", 0, "{}",
		    QP_ENTRY_HEADER
		    "\n{\"body\":{},\"log\":{\"root\":\"" ROOT_B64
		    "\",\"size\":0},\"origin\":\"o\",\"signer\":\"s\",\"time\":\"x\",\"type\":\"t\"}\n");
	expect_text("o", "t", "s", "", 9007199254740991ULL, "{\"a\":[1,{\"b\":null},true,false]}",
		    QP_ENTRY_HEADER
		    "\n{\"body\":{\"a\":[1,{\"b\":null},true,false]},\"log\":{\"root\":\"" ROOT_B64
		    "\",\"size\":9007199254740991},\"origin\":\"o\",\"signer\":\"s\",\"time\":\"\","
		    "\"type\":\"t\"}\n");
}

static void test_members_escaped(void **state_)
{
	(void)state_;
	/* Members that need escaping or are not ASCII take the wrapper: the same one spelling. */
	expect_text("registry.example/\"a\"", "cert.issue", "县\\officer", "2026\t01\x7f", 1, "{\"a\":1}",
		    QP_ENTRY_HEADER
		    "\n{\"body\":{\"a\":1},\"log\":{\"root\":\"" ROOT_B64
		    "\",\"size\":1},\"origin\":\"registry.example/\\\"a\\\"\",\"signer\":\"县\\\\officer\","
		    "\"time\":\"2026\\t01\x7f\",\"type\":\"cert.issue\"}\n");
	expect_text("o\x01", "t", "s", "x", 1, "{}",
		    QP_ENTRY_HEADER
		    "\n{\"body\":{},\"log\":{\"root\":\"" ROOT_B64
		    "\",\"size\":1},\"origin\":\"o\\u0001\",\"signer\":\"s\",\"time\":\"x\",\"type\":"
		    "\"t\"}\n");
}

/* A body holding objects nested n deep (the body itself is level 1). */
static cJSON *nested(int n)
{
	cJSON *body = cJSON_CreateObject(), *o = body;
	for (int i = 1; i < n; i++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "x", c);
		o = c;
	}
	return body;
}

static void test_refusals(void **state_)
{
	(void)state_;
	/* The encoder's refusals name the path from the entry, as the wrapper's always did. */
	cJSON *body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "area", 1.5);
	expect_refused("330681.officer", body, 1, QP_EINVALID, "body.area");
	expect_refused("县\"officer", body, 1, QP_EINVALID, "body.area");
	cJSON_Delete(body);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "name", "\xff\xfe");
	expect_refused("330681.officer", body, 1, QP_EINVALID, "body.name");
	cJSON_Delete(body);
	/* Nesting: the entry holds its body one level down, so a body may be QP_CANON_MAX_DEPTH - 1 deep. */
	body = nested(QP_CANON_MAX_DEPTH - 1);
	qp_log_state log = state(1);
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(qp_entry_text(&text, &len, "o", "t", "s", "x", &log, body), QP_OK);
	qp_free(text);
	cJSON_Delete(body);
	body = nested(QP_CANON_MAX_DEPTH);
	expect_refused("330681.officer", body, 1, QP_EINVALID, "nested deeper");
	cJSON_Delete(body);
	/* A size past 2^53 - 1, a body that is no object, a member that is missing. */
	body = cJSON_CreateObject();
	expect_refused("s", body, 9007199254740992ULL, QP_EINVALID, "log.size");
	expect_refused(NULL, body, 1, QP_ENOMEM, "building an entry");
	cJSON_Delete(body);
	body = cJSON_CreateArray();
	expect_refused("s", body, 1, QP_EINVALID, "must be a JSON object");
	cJSON_Delete(body);
}

/* Every allocation failed in turn: QP_ENOMEM, nothing returned, nothing leaked (ASan). */
static void test_out_of_memory(void **state_)
{
	(void)state_;
	const char *signers[] = {"330681.officer", "县\"officer"};
	cJSON *body = cJSON_Parse("{\"b\":\"x\",\"a\":{\"c\":[1,2]}}");
	assert_non_null(body);
	qp_log_state log = state(7);
	for (size_t s = 0; s < 2; s++) {
		char *text = NULL;
		size_t len = 0;
		qp_alloc_fail_at(0, 0);
		assert_int_equal(qp_entry_text(&text, &len, "o", "t", signers[s], "x", &log, body), QP_OK);
		qp_free(text);
		unsigned long n = qp_alloc_fail_at(0, 0);
		assert_true(n > 0);
		for (unsigned long i = 1; i <= n; i++) {
			text = NULL;
			qp_alloc_fail_at(i, 1);
			int rc = qp_entry_text(&text, &len, "o", "t", signers[s], "x", &log, body);
			qp_alloc_fail_at(0, 0);
			assert_int_equal(rc, QP_ENOMEM);
			assert_null(text);
		}
	}
	cJSON_Delete(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_members),
	    cmocka_unit_test(test_members_escaped),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
