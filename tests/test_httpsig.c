/*
 * test_httpsig.c - RFC 9421 request signatures (quanpiao/httpsig.h): a
 * signed request parses and verifies; everything the parser does not
 * accept whole is refused with QP_EPERM naming why; a signature does not
 * verify over another method, path or query; the window is enforced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "quanpiao/quanpiao.h"
#include "testutil.h"

#define NOW   1795000000
#define NONCE "abcdefghijklmnopqrstuv"

static qp_key *key;

static int setup(void **state)
{
	(void)state;
	assert_true(sodium_init() >= 0);
	key = tu_seeded_key("330681.officer.li", 3);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	qp_key_free(key);
	return 0;
}

static void test_round_trip(void **state)
{
	(void)state;
	char *in = NULL, *sig = NULL;
	qp_httpsig p;
	assert_int_equal(
	    qp_httpsig_sign(&in, &sig, key, "GET", "/v1/households/330681-H-0000001", "limit=2", NOW, NONCE),
	    QP_OK);
	char want[256];
	snprintf(want, sizeof(want),
		 "sig1=(\"@method\" \"@path\" \"@query\");created=%d;nonce=\"" NONCE
		 "\";keyid=\"330681.officer.li+%08x\";"
		 "alg=\"ed25519\"",
		 NOW, qp_key_id(key));
	assert_string_equal(in, want);
	assert_int_equal(
	    qp_httpsig_parse(&p, in, sig, "GET", "/v1/households/330681-H-0000001", "limit=2", NOW + 3),
	    QP_OK);
	assert_string_equal(p.key_name, "330681.officer.li");
	assert_int_equal(p.key_id, qp_key_id(key));
	assert_string_equal(p.nonce, NONCE);
	assert_int_equal(qp_httpsig_verify(&p, qp_key_public(key)), QP_OK);
	/* The base is RFC 9421's: one line per component, the parameters last. */
	assert_non_null(strstr(p.base,
			       "\"@method\": GET\n\"@path\": /v1/households/330681-H-0000001\n\"@query\": "
			       "?limit=2\n\"@signature-params\": (\"@method\""));
	qp_httpsig_clear(&p);
	/* Another method, path or query: the signature does not hold. */
	const char *other[][3] = {{"HEAD", "/v1/households/330681-H-0000001", "limit=2"},
				  {"GET", "/v1/households/330681-H-0000002", "limit=2"},
				  {"GET", "/v1/households/330681-H-0000001", "limit=3"},
				  {"GET", "/v1/households/330681-H-0000001", NULL}};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(qp_httpsig_parse(&p, in, sig, other[i][0], other[i][1], other[i][2], NOW),
				 QP_OK);
		assert_int_equal(qp_httpsig_verify(&p, qp_key_public(key)), QP_EPERM);
		tu_assert_error_contains("does not verify", __FILE__, __LINE__);
		qp_httpsig_clear(&p);
	}
	free(in);
	free(sig);
}

static void test_window(void **state)
{
	(void)state;
	char *in = NULL, *sig = NULL;
	qp_httpsig p;
	assert_int_equal(qp_httpsig_sign(&in, &sig, key, "GET", "/checkpoint", NULL, NOW, NULL), QP_OK);
	assert_int_equal(qp_httpsig_parse(&p, in, sig, "GET", "/checkpoint", NULL, NOW + QP_HTTPSIG_WINDOW),
			 QP_OK);
	qp_httpsig_clear(&p);
	assert_int_equal(
	    qp_httpsig_parse(&p, in, sig, "GET", "/checkpoint", NULL, NOW + QP_HTTPSIG_WINDOW + 1), QP_EPERM);
	tu_assert_error_contains("older than the 60-second validity window", __FILE__, __LINE__);
	qp_httpsig_clear(&p);
	assert_int_equal(qp_httpsig_parse(&p, in, sig, "GET", "/checkpoint", NULL, NOW - QP_HTTPSIG_SKEW - 1),
			 QP_EPERM);
	tu_assert_error_contains("in the future", __FILE__, __LINE__);
	qp_httpsig_clear(&p);
	free(in);
	free(sig);
}

static void test_malformed(void **state)
{
	(void)state;
	char *in = NULL, *sig = NULL;
	qp_httpsig p;
	assert_int_equal(qp_httpsig_sign(&in, &sig, key, "GET", "/checkpoint", NULL, NOW, NONCE), QP_OK);
	const char *good_sig = sig;
	static const struct {
		const char *input, *why;
	} bad[] = {
	    {"sig1=(\"@method\" \"@path\");created=1795000000;nonce=\"" NONCE "\";keyid=\"a+00000000\"",
	     "covered components"},
	    {"sig1=(\"@path\" \"@method\" \"@query\");created=1795000000;nonce=\"" NONCE
	     "\";keyid=\"a+00000000\"",
	     "covered components"},
	    {"sig1=(\"@method\" \"@path\" \"@query\");created=1795000000;created=1795000000;nonce=\"" NONCE
	     "\";keyid=\"a+00000000\"",
	     "given twice"},
	    {"sig1=(\"@method\" \"@path\" \"@query\");created=1795000000;nonce=\"" NONCE
	     "\";keyid=\"a+00000000\";tag=\"x\"",
	     "other than"},
	    {"sig1=(\"@method\" \"@path\" \"@query\");created=x;nonce=\"" NONCE "\";keyid=\"a+00000000\"",
	     "malformed parameter"},
	    {"sig1=(\"@method\" \"@path\" "
	     "\"@query\");created=1795000000;nonce=\"short\";keyid=\"a+00000000\"",
	     "is malformed"},
	    {"sig1=(\"@method\" \"@path\" \"@query\");created=1795000000;nonce=\"" NONCE
	     "\";keyid=\"a+0000\"",
	     "is malformed"},
	    {"sig1=(\"@method\" \"@path\" \"@query\");created=1795000000;nonce=\"" NONCE
	     "\";keyid=\"a+0000000G\"",
	     "is malformed"},
	    {"sig1=(\"@method\" \"@path\" \"@query\");created=1795000000;nonce=\"" NONCE
	     "\";keyid=\"a+00000000\";alg=\"rsa\"",
	     "is malformed"},
	    {"sig1=(\"@method\" \"@path\" \"@query\");created=1795000000;nonce=\"" NONCE "\"", "must have"},
	    {"sig1=(\"@method\" \"@path\" \"@query\");created=1795000000;nonce=\"" NONCE
	     "\";keyid=\"a+00000000\", sig2=()",
	     "one signature"},
	    {"sig1=(\"@method\" \"@path\" \"@query\");created=1795000000;nonce=\"" NONCE
	     "\";keyid=\"a+00000000\";expires=1794999999",
	     "expired"},
	    {"SIG=(\"@method\" \"@path\" \"@query\")", "one label"},
	    {"", "one label"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    qp_httpsig_parse(&p, bad[i].input, good_sig, "GET", "/checkpoint", NULL, NOW), QP_EPERM);
		tu_assert_error_contains(bad[i].why, __FILE__, __LINE__);
		qp_httpsig_clear(&p);
	}
	/* The Signature header: the same label, base64 of 64 bytes. */
	const char *bad_sig[] = {"sig2=:AAAA:", "sig1=:AAAA:", "sig1=AAAA", "sig1=:not base64!:", "sig1=::x"};
	for (size_t i = 0; i < sizeof(bad_sig) / sizeof(bad_sig[0]); i++) {
		assert_int_equal(qp_httpsig_parse(&p, in, bad_sig[i], "GET", "/checkpoint", NULL, NOW),
				 QP_EPERM);
		qp_httpsig_clear(&p);
	}
	assert_int_equal(qp_httpsig_parse(&p, NULL, good_sig, "GET", "/checkpoint", NULL, NOW), QP_EPERM);
	qp_httpsig_clear(&p);
	/* Another key: does not verify. */
	qp_key *other = tu_seeded_key("330681.officer.li", 9);
	assert_int_equal(qp_httpsig_parse(&p, in, sig, "GET", "/checkpoint", NULL, NOW), QP_OK);
	assert_int_equal(qp_httpsig_verify(&p, qp_key_public(other)), QP_EPERM);
	qp_httpsig_clear(&p);
	qp_key_free(other);
	/* A nonce of the wrong alphabet is refused when signing too. */
	char *x = NULL, *y = NULL;
	assert_int_equal(qp_httpsig_sign(&x, &y, key, "GET", "/", NULL, NOW, "has space in it 0123456789"),
			 QP_EUSAGE);
	free(in);
	free(sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_window),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
