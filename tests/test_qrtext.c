/*
 * test_qrtext.c - Base45 (RFC 9285) and the deflated QR text of the
 * printed certificate (tools/quanpiao/qrtext.c): the RFC's examples both
 * ways, every invalid form refused, and round trips of every length over
 * fixed-seed bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qrtext.h"

static void expect_encode(const char *bytes, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	assert_int_equal(qr_base45_encode(&out, &len, (const unsigned char *)bytes, strlen(bytes)), 0);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	free(out);
}

static void expect_decode(const char *text, const char *want)
{
	unsigned char *out = NULL;
	size_t len = 0;
	assert_int_equal(qr_base45_decode(&out, &len, text, strlen(text)), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	free(out);
}

/* RFC 9285 §4.3 and §4.4. */
static void test_rfc_examples(void **state)
{
	(void)state;
	expect_encode("AB", "BB8");
	expect_encode("Hello!!", "%69 VD92EX0");
	expect_encode("base-45", "UJCLQE7W581");
	expect_encode("", "");
	expect_decode("QED8WEX0", "ietf!");
	expect_decode("BB8", "AB");
	expect_decode("%69 VD92EX0", "Hello!!");
	expect_decode("UJCLQE7W581", "base-45");
	expect_decode("", "");
}

/* The extremes of a group: 0x0000 = "000", 0xFFFF = "FGW", a last byte 0xFF = "U5". */
static void test_extremes(void **state)
{
	(void)state;
	unsigned char *out = NULL;
	size_t len = 0;
	assert_int_equal(qr_base45_decode(&out, &len, "000", 3), 0);
	assert_int_equal(len, 2);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 0);
	free(out);
	assert_int_equal(qr_base45_decode(&out, &len, "FGW", 3), 0);
	assert_int_equal(len, 2);
	assert_int_equal(out[0], 0xff);
	assert_int_equal(out[1], 0xff);
	free(out);
	assert_int_equal(qr_base45_decode(&out, &len, "U5", 2), 0);
	assert_int_equal(len, 1);
	assert_int_equal(out[0], 0xff);
	free(out);
}

static void expect_invalid(const char *text, size_t len)
{
	unsigned char *out = (unsigned char *)"x";
	size_t out_len = 7;
	assert_int_equal(qr_base45_decode(&out, &out_len, text, len), -2);
	assert_null(out);
	assert_int_equal(out_len, 0);
}

static void test_invalid(void **state)
{
	(void)state;
	expect_invalid("GGW", 3);			   /* 65536: RFC 9285 §6 */
	expect_invalid("ZZZ", 3);			   /* 91124 */
	expect_invalid("V5", 2);			   /* 256 in a last pair */
	expect_invalid("ZZ", 2);			   /* 1610 */
	expect_invalid("A", 1);				   /* a length of 1 mod 3 */
	expect_invalid("BB8A", 4);			   /* the same, after a group */
	expect_invalid("bb8", 3);			   /* lower case is not in the alphabet */
	expect_invalid("BB=", 3);			   /* nor is = */
	expect_invalid((const char[]){'B', '\0', '8'}, 3); /* nor NUL */
	expect_invalid("BB\xc3", 3);			   /* nor a byte above 0x7f */
}

/* A fixed-seed generator (xorshift), so that every run checks the same bytes. */
static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_round_trips(void **state)
{
	(void)state;
	uint32_t seed = 20261206;
	unsigned char bytes[600] = {0};
	for (size_t len = 0; len <= sizeof(bytes); len += len < 40 ? 1 : 37) {
		for (size_t i = 0; i < len; i++)
			bytes[i] =
			    (unsigned char)(i % 3 == 0 ? next(&seed) : 'a' + i % 7); /* part compressible */
		char *b45 = NULL, *text = NULL;
		unsigned char *back = NULL;
		size_t b45_len, text_len, back_len;
		assert_int_equal(qr_base45_encode(&b45, &b45_len, bytes, len), 0);
		assert_int_equal(qr_base45_decode(&back, &back_len, b45, b45_len), 0);
		assert_int_equal(back_len, len);
		assert_true(len == 0 || memcmp(back, bytes, len) == 0);
		free(back);
		assert_int_equal(qr_text_encode(&text, &text_len, bytes, len), 0);
		assert_int_equal(strspn(text, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"), text_len);
		assert_int_equal(qr_text_decode(&back, &back_len, text, text_len), 0);
		assert_int_equal(back_len, len);
		assert_true(len == 0 || memcmp(back, bytes, len) == 0);
		free(back);
		free(b45);
		free(text);
	}
}

static void expect_text_invalid(const unsigned char *raw, size_t raw_len)
{
	char *text = NULL;
	unsigned char *out = NULL;
	size_t text_len, out_len = 9;
	assert_int_equal(qr_base45_encode(&text, &text_len, raw, raw_len), 0);
	assert_int_equal(qr_text_decode(&out, &out_len, text, text_len), -2);
	assert_null(out);
	assert_int_equal(out_len, 0);
	free(text);
}

/* Base45 of bytes that are not one whole raw deflate stream. */
static void test_text_invalid(void **state)
{
	(void)state;
	char *text = NULL;
	unsigned char *out = NULL;
	size_t text_len, out_len;
	const unsigned char hello[] = "hello, certificate";
	assert_int_equal(qr_text_encode(&text, &text_len, hello, sizeof(hello)), 0);
	unsigned char *raw = NULL;
	size_t raw_len;
	assert_int_equal(qr_base45_decode(&raw, &raw_len, text, text_len), 0);
	expect_text_invalid(raw, raw_len - 1); /* cut short */
	unsigned char *longer = malloc(raw_len + 1);
	memcpy(longer, raw, raw_len);
	longer[raw_len] = 0;
	expect_text_invalid(longer, raw_len + 1); /* a byte after the stream */
	free(longer);
	const unsigned char reserved[] = {0x07, 0x00}; /* block type 3: reserved */
	expect_text_invalid(reserved, sizeof(reserved));
	expect_text_invalid((const unsigned char *)"", 0); /* nothing */
	/* Not Base45 at all. */
	assert_int_equal(qr_text_decode(&out, &out_len, "bb8", 3), -2);
	free(raw);
	free(text);
}

/* A stream that inflates past QR_TEXT_MAX_BYTES is refused, not allocated. */
static void test_text_bomb(void **state)
{
	(void)state;
	size_t len = QR_TEXT_MAX_BYTES + 1;
	unsigned char *zeros = calloc(len, 1), *out = NULL;
	char *text = NULL;
	size_t text_len, out_len;
	assert_non_null(zeros);
	assert_int_equal(qr_text_encode(&text, &text_len, zeros, len), 0);
	assert_true(text_len < 4096);
	assert_int_equal(qr_text_decode(&out, &out_len, text, text_len), -2);
	assert_null(out);
	free(text);
	assert_int_equal(qr_text_encode(&text, &text_len, zeros, len - 1), 0);
	assert_int_equal(qr_text_decode(&out, &out_len, text, text_len), 0);
	assert_int_equal(out_len, len - 1);
	free(out);
	free(text);
	free(zeros);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc_examples), cmocka_unit_test(test_extremes),
	    cmocka_unit_test(test_invalid),	 cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_text_invalid), cmocka_unit_test(test_text_bomb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
