/*
 * test_sha256.c - the tree's SHA-256 (src/sha256.c) gives libsodium's
 * bytes: FIPS 180-4's examples, then every length up to five blocks split
 * into three parts at many places, on the CPU's SHA extensions where this
 * machine has them and on the portable path.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "sha256.h"
#include "testutil.h"

static void hex(char *out, const unsigned char h[32])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void test_fips_examples(void **state)
{
	(void)state;
	char text[65];
	unsigned char h[32];
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	for (int portable = 0; portable < 2; portable++) {
		qp_sha256_portable(portable);
		qp_sha256_3(h, "a", 1, "b", 1, "c", 1);
		hex(text, h);
		assert_string_equal(text, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		qp_sha256_3(h, NULL, 0, NULL, 0, NULL, 0);
		hex(text, h);
		assert_string_equal(text, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		qp_sha256_3(h, two, 20, two + 20, 30, two + 50, strlen(two) - 50);
		hex(text, h);
		assert_string_equal(text, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	}
	qp_sha256_portable(0);
}

static void test_against_libsodium(void **state)
{
	(void)state;
	unsigned char data[320], want[32], got[32];
	randombytes_buf(data, sizeof(data));
	printf("# SHA extensions: %s\n", qp_sha256_accelerated() ? "used" : "not on this CPU");
	for (int portable = 0; portable < 2; portable++) {
		qp_sha256_portable(portable);
		for (size_t len = 0; len <= sizeof(data); len++) {
			crypto_hash_sha256(want, data, len);
			/* Splits at 0, 1, the block edges around 55/56/64 and the middle. */
			const size_t cuts[] = {0, 1, 31, 55, 56, 63, 64, 65, len / 2, len};
			for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
				for (size_t j = i; j < sizeof(cuts) / sizeof(cuts[0]); j++) {
					size_t x = cuts[i] < len ? cuts[i] : len,
					       y = cuts[j] < len ? cuts[j] : len;
					if (y < x)
						continue;
					memset(got, 0, sizeof(got));
					qp_sha256_3(got, data, x, data + x, y - x, data + y, len - y);
					if (memcmp(got, want, 32) != 0)
						fail_msg("length %zu split at %zu and %zu (portable %d)", len,
							 x, y, portable);
				}
		}
	}
	qp_sha256_portable(0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fips_examples),
	    cmocka_unit_test(test_against_libsodium),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
