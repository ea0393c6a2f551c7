/*
 * test_canon.c - canonical JSON (RFC 8785 subset) encoding and the strict
 * parser.
 *
 * Expected texts are written out byte for byte here, from RFC 8785 and
 * ECMAScript's JSON.stringify rules, never produced by the encoder under
 * test.  Every allocation of the encoder is failed in turn to check that
 * each failure gives QP_ENOMEM and leaks nothing (the sanitizer build
 * catches leaks).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alloc.h"
#include "canon.h"
#include "error.h"
#include "testutil.h"

/* Encode v and compare with want; frees v. */
static void expect_encode(cJSON *v, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	assert_non_null(v);
	int rc = qp_canon_encode(&out, &len, v);
	if (rc != QP_OK)
		fail_msg("encode failed: %s (want %s)", qp_error_last()->message, want);
	assert_non_null(out);
	assert_int_equal(len, strlen(want));
	assert_string_equal(out, want);
	qp_free(out);
	cJSON_Delete(v);
}

/* Encoding v must fail with code and a message containing needle; frees v. */
static void expect_encode_fail(cJSON *v, int code, const char *needle)
{
	char *out = (char *)"sentinel";
	size_t len = 99;
	assert_non_null(v);
	int rc = qp_canon_encode(&out, &len, v);
	if (rc == QP_OK)
		fail_msg("encode accepted: %s (wanted error \"%s\")", out, needle);
	assert_int_equal(rc, code);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_error_contains(needle);
	cJSON_Delete(v);
}

/* Parse text (ordinary JSON) with cJSON, then encode: the canonical form. */
static void expect_canonical_of(const char *json, const char *want)
{
	cJSON *v = cJSON_Parse(json);
	if (v == NULL)
		fail_msg("test input is not JSON: %s", json);
	expect_encode(v, want);
}

/* ---- key order ------------------------------------------------------- */

static void test_rfc8785_sorting_example(void **state)
{
	/* RFC 8785 section 3.2.3: the input of the example, with its escapes. */
	const char *input = "{\n"
			    "  \"\\u20ac\": \"Euro Sign\",\n"
			    "  \"\\r\": \"Carriage Return\",\n"
			    "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
			    "  \"1\": \"One\",\n"
			    "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
			    "  \"\\u0080\": \"Control\",\n"
			    "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
			    "}";
	/*
	 * The RFC's order: \r, 1, U+0080, U+00F6, U+20AC, U+1F600, U+FB33.
	 * By UTF-8 bytes U+FB33 (EF AC B3) would precede U+1F600 (F0 ...);
	 * as UTF-16 the emoji's high surrogate D83D comes before FB33.
	 */
	const char *want = "{\"\\r\":\"Carriage Return\","
			   "\"1\":\"One\","
			   "\"\xc2\x80\":\"Control\","
			   "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
			   "\"\xe2\x82\xac\":\"Euro Sign\","
			   "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
			   "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}";
	expect_canonical_of(input, want);
	/* And the canonical text is accepted as it is. */
	cJSON *v = NULL;
	assert_int_equal(qp_canon_parse(&v, want, strlen(want)), QP_OK);
	assert_non_null(v);
	cJSON_Delete(v);
}

static void test_key_order(void **state)
{
	expect_canonical_of("{\"b\":1,\"a\":2,\"aa\":3,\"\":4,\"B\":5,\"a b\":6}",
			    "{\"\":4,\"B\":5,\"a\":2,\"a b\":6,\"aa\":3,\"b\":1}");
	/* U+FFFF (EF BF BF) sorts after U+10000 (F0 90 80 80) and U+10FFFF in UTF-16. */
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "\xef\xbf\xbf", 1);
	cJSON_AddNumberToObject(o, "\xf4\x8f\xbf\xbf", 2);
	cJSON_AddNumberToObject(o, "\xf0\x90\x80\x80", 3);
	cJSON_AddNumberToObject(o, "\xee\x80\x80", 4);
	cJSON_AddNumberToObject(o, "\xed\x9f\xbf", 5);
	expect_encode(o,
		      "{\"\xed\x9f\xbf\":5,\"\xf0\x90\x80\x80\":3,\"\xf4\x8f\xbf\xbf\":2,\"\xee\x80\x80\":4,"
		      "\"\xef\xbf\xbf\":1}");
	/* Two characters above U+FFFF sharing a high surrogate: low surrogate decides. */
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "\xf0\x9f\x98\x81", 1); /* U+1F601 */
	cJSON_AddNumberToObject(o, "\xf0\x9f\x98\x80x", 2);
	cJSON_AddNumberToObject(o, "\xf0\x9f\x98\x80", 3);
	expect_encode(o, "{\"\xf0\x9f\x98\x80\":3,\"\xf0\x9f\x98\x80x\":2,\"\xf0\x9f\x98\x81\":1}");
}

static void test_duplicate_keys(void **state)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "y", 1);
	cJSON_AddNumberToObject(o, "x", 1);
	cJSON_AddStringToObject(o, "x", "again");
	expect_encode_fail(o, QP_EINVALID, "duplicate key \"x\"");

	cJSON *v = (cJSON *)1;
	const char *text = "{\"a\":{\"k\":1,\"k\":2}}";
	assert_int_equal(qp_canon_parse(&v, text, strlen(text)), QP_EINVALID);
	assert_null(v);
	assert_error_contains("a: duplicate key \"k\"");
}

/* ---- strings --------------------------------------------------------- */

static void test_escaping(void **state)
{
	/* Every control character, as JSON.stringify writes it. */
	for (int c = 1; c < 0x20; c++) {
		char in[2] = {(char)c, 0}, want[16];
		switch (c) {
		case '\b': snprintf(want, sizeof(want), "\"\\b\""); break;
		case '\t': snprintf(want, sizeof(want), "\"\\t\""); break;
		case '\n': snprintf(want, sizeof(want), "\"\\n\""); break;
		case '\f': snprintf(want, sizeof(want), "\"\\f\""); break;
		case '\r': snprintf(want, sizeof(want), "\"\\r\""); break;
		default:
			snprintf(want, sizeof(want), "\"\\u00%c%c\"", "0123456789abcdef"[c >> 4],
				 "0123456789abcdef"[c & 15]);
		}
		expect_encode(cJSON_CreateString(in), want);
	}
	expect_encode(cJSON_CreateString("\x1f"), "\"\\u001f\"");
	expect_encode(cJSON_CreateString("\x0b"), "\"\\u000b\"");
	expect_encode(cJSON_CreateString("q\"b\\s/"), "\"q\\\"b\\\\s/\"");
	/* DEL, C1 controls, U+2028/U+2029 and non-characters stay literal. */
	expect_encode(cJSON_CreateString("\x7f"), "\"\x7f\"");
	expect_encode(cJSON_CreateString("\xc2\x85"), "\"\xc2\x85\"");
	expect_encode(cJSON_CreateString("a\xe2\x80\xa8"
					 "b\xe2\x80\xa9"),
		      "\"a\xe2\x80\xa8"
		      "b\xe2\x80\xa9\"");
	expect_encode(cJSON_CreateString("\xef\xbf\xbf\xf4\x8f\xbf\xbf"), "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");
	expect_encode(cJSON_CreateString("浙(2026)诸暨市保障权票第000123号"),
		      "\"浙(2026)诸暨市保障权票第000123号\"");
	expect_encode(cJSON_CreateString(""), "\"\"");
	/* Mixed runs. */
	expect_encode(cJSON_CreateString("line1\nline2\t\"x\"\x01"), "\"line1\\nline2\\t\\\"x\\\"\\u0001\"");
	/* Keys are escaped the same way. */
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNullToObject(o, "a\nb\x02");
	expect_encode(o, "{\"a\\nb\\u0002\":null}");
}

static void test_invalid_utf8(void **state)
{
	static const struct {
		const char *bytes, *why;
	} bad[] = {
	    {"\xc0\x80", "overlong"},
	    {"\xc1\xbf", "overlong"},
	    {"\xe0\x80\x80", "overlong"},
	    {"\xe0\x9f\xbf", "overlong"},
	    {"\xf0\x80\x80\x80", "overlong"},
	    {"\xf0\x8f\xbf\xbf", "overlong"},
	    {"\x80", "continuation byte without a lead byte"},
	    {"a\xbf", "continuation byte without a lead byte"},
	    {"\xe2\x82", "truncated"},
	    {"\xe2\x82z", "truncated"},
	    {"\xc3", "truncated"},
	    {"\xc3\x41", "truncated"},
	    {"\xf0\x9f\x98", "truncated"},
	    {"\xed\xa0\x80", "surrogate"},
	    {"\xed\xbf\xbf", "surrogate"},
	    {"\xf4\x90\x80\x80", "beyond U+10FFFF"},
	    {"\xf5\x80\x80\x80", "beyond U+10FFFF"},
	    {"\xff", "never occurs"},
	    {"\xfe", "never occurs"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_encode_fail(cJSON_CreateString(bad[i].bytes), QP_EINVALID, bad[i].why);
		assert_error_contains("string is not valid UTF-8");
		cJSON *o = cJSON_CreateObject();
		cJSON_AddTrueToObject(o, bad[i].bytes);
		expect_encode_fail(o, QP_EINVALID, bad[i].why);
		assert_error_contains("key is not valid UTF-8");
	}
	expect_encode_fail(cJSON_CreateString("ok \xc3\xa9 then \xed\xa0\x80"), QP_EINVALID,
			   "surrogate (U+D800..U+DFFF) at byte 11");
	/* The boundaries themselves are fine. */
	expect_encode(cJSON_CreateString("\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\xc2\x80\xdf\xbf"),
		      "\"\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\xc2\x80\xdf\xbf\"");
	/* Through the parser: raw bad bytes are reported by the encoder. */
	cJSON *v = NULL;
	const char *text = "[\"\xc0\x80\"]";
	assert_int_equal(qp_canon_parse(&v, text, strlen(text)), QP_EINVALID);
	assert_error_contains("[0]: string is not valid UTF-8: overlong");
	assert_null(v);
}

/* ---- numbers --------------------------------------------------------- */

static void test_numbers(void **state)
{
	expect_encode(cJSON_CreateNumber(0), "0");
	expect_encode(cJSON_CreateNumber(-0.0), "0");
	expect_encode(cJSON_CreateNumber(1), "1");
	expect_encode(cJSON_CreateNumber(-1), "-1");
	expect_encode(cJSON_CreateNumber(100), "100");
	expect_encode(cJSON_CreateNumber(47200000000.0), "47200000000");
	expect_encode(cJSON_CreateNumber(9007199254740991.0), "9007199254740991");
	expect_encode(cJSON_CreateNumber(-9007199254740991.0), "-9007199254740991");
	expect_encode_fail(cJSON_CreateNumber(9007199254740992.0), QP_EINVALID, "numbers must be integers");
	expect_encode_fail(cJSON_CreateNumber(-9007199254740992.0), QP_EINVALID, "numbers must be integers");
	expect_encode_fail(cJSON_CreateNumber(1e300), QP_EINVALID, "numbers must be integers");
	expect_encode_fail(cJSON_CreateNumber(1.5), QP_EINVALID, "got 1.5");
	expect_encode_fail(cJSON_CreateNumber(-0.25), QP_EINVALID, "numbers must be integers");
	expect_encode_fail(cJSON_CreateNumber(0.1), QP_EINVALID, "numbers must be integers");
	expect_encode_fail(cJSON_CreateNumber(NAN), QP_EINVALID, "numbers must be integers");
	expect_encode_fail(cJSON_CreateNumber(INFINITY), QP_EINVALID, "numbers must be integers");
	expect_encode_fail(cJSON_CreateNumber(-INFINITY), QP_EINVALID, "numbers must be integers");
	/* The message names where the number is. */
	cJSON *v = cJSON_Parse("{\"body\":{\"items\":[1,{\"area\":120.5}]}}");
	expect_encode_fail(v, QP_EINVALID, "body.items[1].area: numbers must be integers");
}

/* ---- structure ------------------------------------------------------- */

static void test_structure(void **state)
{
	expect_encode(cJSON_CreateNull(), "null");
	expect_encode(cJSON_CreateTrue(), "true");
	expect_encode(cJSON_CreateFalse(), "false");
	expect_encode(cJSON_CreateArray(), "[]");
	expect_encode(cJSON_CreateObject(), "{}");
	expect_canonical_of(
	    " { \"b\" : [ 1 , { \"d\" : null , \"c\" : true } , [ ] , { } ] ,\n\t\"a\" : false } ",
	    "{\"a\":false,\"b\":[1,{\"c\":true,\"d\":null},[],{}]}");
	/* Arrays keep their order. */
	expect_canonical_of("[3,1,2,\"b\",\"a\"]", "[3,1,2,\"b\",\"a\"]");
	/* An entry line as docs/design.md §3 shows it. */
	expect_canonical_of(
	    "{\"type\":\"cert.issue\",\"time\":\"2026-11-28T10:00:00Z\",\"signer\":\"330681.officer."
	    "zhang-wei\",\"origin\":\"zhuji\",\"body\":{\"kind\":\"guarantee\",\"area\":12050}}",
	    "{\"body\":{\"area\":12050,\"kind\":\"guarantee\"},\"origin\":\"zhuji\",\"signer\":"
	    "\"330681.officer.zhang-wei\",\"time\":\"2026-11-28T10:00:00Z\",\"type\":\"cert.issue\"}");
	/* Raw items and members without keys are refused. */
	expect_encode_fail(cJSON_CreateRaw("1"), QP_EINVALID, "raw or invalid");
	cJSON *o = cJSON_CreateObject();
	cJSON *s = cJSON_CreateString("x");
	cJSON_AddItemToArray(o, s); /* an object member without a key */
	expect_encode_fail(o, QP_EINVALID, "has no key");
	/* Malformed calls. */
	char *out = NULL;
	assert_int_equal(qp_canon_encode(NULL, NULL, NULL), QP_EUSAGE);
	assert_int_equal(qp_canon_encode(&out, NULL, NULL), QP_EUSAGE);
	assert_null(out);
	cJSON *n = cJSON_CreateNumber(7);
	assert_int_equal(qp_canon_encode(&out, NULL, n), QP_OK); /* out_len is optional */
	assert_string_equal(out, "7");
	qp_free(out);
	cJSON_Delete(n);
}

/* Nest depth arrays (or objects under key "k") around 0. */
static cJSON *nested(int depth, int objects)
{
	cJSON *v = cJSON_CreateNumber(0);
	for (int i = 0; i < depth; i++) {
		cJSON *c = objects ? cJSON_CreateObject() : cJSON_CreateArray();
		if (objects)
			cJSON_AddItemToObject(c, "k", v);
		else
			cJSON_AddItemToArray(c, v);
		v = c;
	}
	return v;
}

static void nested_text(char *buf, int depth, int objects)
{
	size_t n = 0;
	for (int i = 0; i < depth; i++)
		n += (size_t)snprintf(buf + n, 16, "%s", objects ? "{\"k\":" : "[");
	buf[n++] = '0';
	for (int i = 0; i < depth; i++)
		buf[n++] = objects ? '}' : ']';
	buf[n] = '\0';
}

static void test_depth_limit(void **state)
{
	char want[512];
	for (int objects = 0; objects < 2; objects++) {
		nested_text(want, QP_CANON_MAX_DEPTH, objects);
		expect_encode(nested(QP_CANON_MAX_DEPTH, objects), want);
		expect_encode_fail(nested(QP_CANON_MAX_DEPTH + 1, objects), QP_EINVALID,
				   "nested deeper than 32 levels");

		cJSON *v = NULL;
		assert_int_equal(qp_canon_parse(&v, want, strlen(want)), QP_OK);
		cJSON_Delete(v);
		nested_text(want, QP_CANON_MAX_DEPTH + 1, objects);
		assert_int_equal(qp_canon_parse(&v, want, strlen(want)), QP_EINVALID);
		assert_error_contains("nested deeper than 32 levels");
		assert_null(v);
	}
	/* Mixed nesting counts both kinds. */
	cJSON *v = nested(16, 1), *a = nested(16, 0);
	cJSON *inner = v;
	while (cJSON_GetObjectItem(inner, "k") != NULL && cJSON_IsObject(cJSON_GetObjectItem(inner, "k")))
		inner = cJSON_GetObjectItem(inner, "k");
	cJSON_ReplaceItemInObject(inner, "k", a); /* 16 objects + 16 arrays = 32 */
	char *out = NULL;
	assert_int_equal(qp_canon_encode(&out, NULL, v), QP_OK);
	qp_free(out);
	cJSON *wrap = cJSON_CreateArray();
	cJSON_AddItemToArray(wrap, v); /* 33 */
	expect_encode_fail(wrap, QP_EINVALID, "nested deeper");
}

/* ---- the strict parser ------------------------------------------------- */

/* Canonical texts: each parses, and encodes back to itself. */
static const char *const canonical_texts[] = {
    "null",
    "true",
    "false",
    "0",
    "-1",
    "9007199254740991",
    "-9007199254740991",
    "\"\"",
    "\"a\\u001fb\\\"c\\\\d/\"",
    "\"\\b\\f\\n\\r\\t\"",
    "\"\xe2\x80\xa8\x7f\"",
    "[]",
    "{}",
    "[[],{},[[{}]]]",
    "{\"\":0,\"a\":[1,-2,{\"b\":null}],\"b\":\"\xe6\xb5\x99\"}",
    "{\"body\":{\"area\":12050,\"kind\":\"guarantee\"},\"origin\":\"zhuji\",\"signer\":\"330681."
    "officer.zhang-"
    "wei\",\"time\":\"2026-11-28T10:00:00Z\",\"type\":\"cert.issue\"}",
};

static void test_parse_round_trip(void **state)
{
	for (size_t i = 0; i < sizeof(canonical_texts) / sizeof(canonical_texts[0]); i++) {
		const char *text = canonical_texts[i];
		cJSON *v = NULL;
		char *out = NULL;
		size_t len = 0;
		if (qp_canon_parse(&v, text, strlen(text)) != QP_OK)
			fail_msg("canonical text rejected: %s: %s", text, qp_error_last()->message);
		assert_non_null(v);
		assert_int_equal(qp_canon_encode(&out, &len, v), QP_OK);
		assert_int_equal(len, strlen(text));
		assert_memory_equal(out, text, len);
		qp_free(out);
		cJSON_Delete(v);
	}
	/* The length bounds the text: what follows is not read. */
	cJSON *v = NULL;
	assert_int_equal(qp_canon_parse(&v, "[1]garbage", 3), QP_OK);
	cJSON_Delete(v);
}

/* Texts the parser refuses, and why. */
static const struct {
	const char *text;
	size_t len; /* 0: strlen */
	const char *why;
} rejected_texts[] = {
    /* whitespace */
    {"{ \"a\":1}", 0, "not canonical JSON at byte 1"},
    {"{\"a\":1 }", 0, "not canonical JSON at byte 6"},
    {"{\"a\": 1}", 0, "not canonical JSON at byte 5"},
    {" [1]", 0, "not canonical JSON at byte 0"},
    {"[1]\n", 0, "not canonical JSON at byte 3"},
    {"[1, 2]", 0, "not canonical JSON at byte 3"},
    /* key order */
    {"{\"b\":1,\"a\":2}", 0, "not canonical JSON at byte 2"},
    {"{\"a\":{\"d\":1,\"c\":2}}", 0, "not canonical JSON at byte 7"},
    {"{\"\xef\xac\xb3\":1,\"\xf0\x9f\x98\x80\":2}", 0, "not canonical JSON at byte 2"},
    /* numbers */
    {"1.0", 0, "not canonical JSON at byte 1"},
    {"-0", 0, "not canonical JSON at byte 0"},
    {"1e2", 0, "not canonical JSON at byte 1"},
    {"1E2", 0, "not canonical JSON at byte 1"},
    {"[10e-1]", 0, "not canonical JSON at byte 2"},
    {"01", 0, "not canonical JSON at byte 0"},
    {"1.5", 0, "numbers must be integers"},
    {"9007199254740992", 0, "numbers must be integers"},
    {"9007199254740993", 0, "numbers must be integers"},
    {"{\"n\":-1e300}", 0, "n: numbers must be integers"},
    /* escapes */
    {"\"\\u0041\"", 0, "not canonical JSON at byte 1"},
    {"\"\\/\"", 0, "not canonical JSON at byte 1"},
    {"\"\\u001F\"", 0, "not canonical JSON at byte 6"},
    {"\"\\u000a\"", 0, "not canonical JSON at byte 2"},
    {"\"\\u2028\"", 0, "not canonical JSON at byte 1"},
    {"\"\\u00e9\"", 0, "not canonical JSON at byte 1"},
    {"\"\\ud83d\\ude00\"", 0, "not canonical JSON at byte 1"},
    {"\"\\u007f\"", 0, "not canonical JSON at byte 1"},
    /* an escaped NUL cannot survive in a C string */
    {"\"a\\u0000b\"", 0, "not canonical JSON at byte 2"},
    {"{\"k\\u0000\":1}", 0, "not canonical JSON at byte 3"},
    /* duplicate keys */
    {"{\"x\":1,\"x\":2}", 0, "duplicate key \"x\""},
    /* not JSON at all */
    {"", 0, "not valid JSON at byte 0"},
    {"[1,", 0, "not valid JSON"},
    {"[1]x", 0, "not valid JSON at byte 3: text after the value"},
    {"[1] x", 0, "not valid JSON at byte 3: text after the value"},
    {"+1", 0, "not valid JSON"},
    {"'a'", 0, "not valid JSON"},
    {"\"\\ud800\"", 0, "not valid JSON"},
    {"\"\\x41\"", 0, "not valid JSON"},
    {"[1]\0", 4, "not valid JSON at byte 3: NUL byte"},
    {"\"a\0b\"", 5, "not valid JSON at byte 2: NUL byte"},
    {"\xef\xbb\xbf[]", 0, "not canonical JSON at byte 0"},
};

static void test_parse_rejects(void **state)
{
	for (size_t i = 0; i < sizeof(rejected_texts) / sizeof(rejected_texts[0]); i++) {
		const char *text = rejected_texts[i].text, *why = rejected_texts[i].why;
		cJSON *v = (cJSON *)1;
		size_t len = rejected_texts[i].len ? rejected_texts[i].len : strlen(text);
		int rc = qp_canon_parse(&v, text, len);
		if (rc == QP_OK)
			fail_msg("accepted non-canonical text #%zu: %s", i, text);
		assert_int_equal(rc, QP_EINVALID);
		assert_null(v);
		if (strstr(qp_error_last()->message, why) == NULL)
			fail_msg("text #%zu %s: message \"%s\" lacks \"%s\"", i, text,
				 qp_error_last()->message, why);
	}
	cJSON *v = (cJSON *)1;
	assert_int_equal(qp_canon_parse(NULL, "1", 1), QP_EUSAGE);
	assert_int_equal(qp_canon_parse(&v, NULL, 1), QP_EUSAGE);
	assert_null(v);
}

/* ---- the one-pass check ------------------------------------------------ */

/* The one-pass check and the parser agree on text; returns the verdict. */
static int same_verdict(const char *text, size_t len)
{
	cJSON *v = NULL;
	int rc = qp_canon_parse(&v, text, len), fast = qp_canon_is_canonical(text, len);
	cJSON_Delete(v);
	assert_true(rc == QP_OK || rc == QP_EINVALID);
	if (fast != (rc == QP_OK))
		fail_msg("one-pass check says %d, the parser %s: \"%.*s\"", fast,
			 rc == QP_OK ? "accepts" : qp_error_last()->message, (int)len, text);
	return fast;
}

/*
 * qp_canon_is_canonical accepts exactly what qp_canon_parse accepts: on
 * the texts above, and on every text one edit away from a canonical one
 * (each byte replaced by, or preceded by, each byte of a set that JSON
 * gives a meaning to; each byte deleted; each prefix).
 */
static void test_one_pass_check(void **state)
{
	static const char *const more[] = {
	    /* Keys with escapes sort by the characters they stand for. */
	    "{\"\\n\":1,\"\\u000b\":2,\"\\\"\":3,\"\\\\\":4,\"a\":5}",
	    "{\"\xef\xac\xb3\":1,\"\xf0\x9f\x98\x80\":2}",
	    "{\"\xf0\x9f\x98\x80\":1,\"\xef\xac\xb3\":2}",
	    "{\"a\":1,\"ab\":2,\"b\":{\"\":[],\"c\":-10}}",
	    "[1999999999999999,9007199254740990,-9007199254740991,100,0]",
	    "\"\\u0001\\u001e\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\"",
	};
	static const unsigned char edits[] = {
	    0x00, ' ', '"', '\\', ',', ':',  '[',  ']',	 '{',  '}',  '0',  '1',	 '9',  '-',  '.',  'e', 'u',
	    'a',  'b', 'f', 'n',  't', 0x1f, 0x7f, 0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xff};
	const char *texts[64];
	size_t n = 0, accepted = 0, refused = 0;
	for (size_t i = 0; i < sizeof(canonical_texts) / sizeof(canonical_texts[0]); i++)
		texts[n++] = canonical_texts[i];
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		texts[n++] = more[i];
	for (size_t i = 0; i < sizeof(rejected_texts) / sizeof(rejected_texts[0]); i++)
		assert_false(same_verdict(rejected_texts[i].text, rejected_texts[i].len
								      ? rejected_texts[i].len
								      : strlen(rejected_texts[i].text)));
	for (int objects = 0; objects < 2; objects++) {
		char deep[512];
		nested_text(deep, QP_CANON_MAX_DEPTH, objects);
		assert_true(same_verdict(deep, strlen(deep)));
		nested_text(deep, QP_CANON_MAX_DEPTH + 1, objects);
		assert_false(same_verdict(deep, strlen(deep)));
	}
	for (size_t t = 0; t < n; t++) {
		const char *text = texts[t];
		size_t len = strlen(text);
		char buf[512];
		assert_true(len < sizeof(buf) - 1);
		for (size_t at = 0; at <= len; at++) {
			same_verdict(text, at);
			if (at < len) { /* deleted */
				memcpy(buf, text, at);
				memcpy(buf + at, text + at + 1, len - at - 1);
				same_verdict(buf, len - 1);
			}
			for (size_t e = 0; e < sizeof(edits); e++) {
				memcpy(buf, text, at); /* inserted */
				buf[at] = (char)edits[e];
				memcpy(buf + at + 1, text + at, len - at);
				same_verdict(buf, len + 1) ? accepted++ : refused++;
				if (at < len) { /* replaced */
					memcpy(buf, text, len);
					buf[at] = (char)edits[e];
					same_verdict(buf, len) ? accepted++ : refused++;
				}
			}
		}
	}
	/* Both verdicts were tried many times. */
	assert_true(accepted > 100 && refused > 1000);
}

/* ---- allocation failures ---------------------------------------------- */

static cJSON *big_value(void)
{
	char long_str[2000];
	memset(long_str, 'x', sizeof(long_str) - 1);
	long_str[sizeof(long_str) - 1] = '\0';
	cJSON *root = cJSON_CreateObject();
	for (int i = 0; i < 6; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", 5 - i);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "s", long_str);
		cJSON_AddNumberToObject(o, "n", i);
		cJSON *a = cJSON_AddArrayToObject(o, "a");
		cJSON_AddItemToArray(a, cJSON_CreateString("\x01\n"));
		cJSON_AddItemToArray(a, cJSON_CreateObject());
		/* More members than the encoder sorts on the stack: its member array is allocated. */
		for (int m = 0; m < 20; m++) {
			snprintf(key, sizeof(key), "m%02d", 19 - m);
			cJSON_AddNumberToObject(o, key, m);
		}
		snprintf(key, sizeof(key), "k%d", 5 - i);
		cJSON_AddItemToObject(root, key, o);
	}
	return root;
}

static void test_alloc_failures(void **state)
{
	cJSON *v = big_value();
	char *want = NULL, *out = NULL;
	size_t want_len = 0, len = 0;
	assert_int_equal(qp_canon_encode(&want, &want_len, v), QP_OK);
	for (int sticky = 0; sticky < 2; sticky++) {
		unsigned long n;
		for (n = 1;; n++) {
			qp_alloc_fail_at(n, sticky);
			int rc = qp_canon_encode(&out, &len, v);
			qp_alloc_fail_at(0, 0);
			if (rc == QP_OK)
				break;
			assert_int_equal(rc, QP_ENOMEM);
			assert_int_equal(qp_error_last()->code, QP_ENOMEM);
			assert_null(out);
			assert_int_equal(len, 0);
		}
		/* Buffer growth plus one member array per large object: many distinct failure points. */
		assert_true(n > 8);
		assert_int_equal(len, want_len);
		assert_memory_equal(out, want, len);
		qp_free(out);
		out = NULL;
	}
	/* The parser's own allocations (in the re-encoding) fail cleanly too. */
	for (unsigned long n = 1;; n++) {
		cJSON *p = (cJSON *)1;
		qp_alloc_fail_at(n, 0);
		int rc = qp_canon_parse(&p, want, want_len);
		qp_alloc_fail_at(0, 0);
		if (rc == QP_OK) {
			assert_non_null(p);
			cJSON_Delete(p);
			break;
		}
		assert_int_equal(rc, QP_ENOMEM);
		assert_null(p);
	}
	qp_free(want);
	cJSON_Delete(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc8785_sorting_example),
	    cmocka_unit_test(test_key_order),
	    cmocka_unit_test(test_duplicate_keys),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_structure),
	    cmocka_unit_test(test_depth_limit),
	    cmocka_unit_test(test_parse_round_trip),
	    cmocka_unit_test(test_parse_rejects),
	    cmocka_unit_test(test_one_pass_check),
	    cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
