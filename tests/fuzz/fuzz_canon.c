/*
 * fuzz_canon.c - canonical JSON (canon.h).
 *
 * Two properties, besides never crashing: whatever qp_canon_parse accepts
 * is already canonical, so encoding it gives back the input byte for
 * byte; and whatever JSON cJSON reads and qp_canon_encode accepts encodes
 * to a text that qp_canon_parse accepts and that encodes to itself.  And
 * the one-pass check (qp_canon_is_canonical) says yes to exactly the texts
 * the parser accepts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "canon.h"
#include "fuzz.h"

static void same(const char *what, const char *a, size_t a_len, const char *b, size_t b_len)
{
	if (a_len != b_len || memcmp(a, b, a_len) != 0) {
		fprintf(stderr, "%s: \"%.*s\" became \"%.*s\"\n", what, (int)a_len, a, (int)b_len, b);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	cJSON *v = NULL;
	char *enc = NULL;
	size_t enc_len = 0;

	int rc = qp_canon_parse(&v, text, size);
	if (rc != QP_ENOMEM && qp_canon_is_canonical(text, size) != (rc == QP_OK)) {
		fprintf(stderr, "one-pass check says %d, the parser %d: \"%.*s\"\n",
			qp_canon_is_canonical(text, size), rc, (int)size, text);
		abort();
	}
	if (rc == QP_OK) {
		if (qp_canon_encode(&enc, &enc_len, v) != QP_OK) {
			fprintf(stderr, "parsed but does not encode: %s\n", qp_error_last()->message);
			abort();
		}
		same("parse then encode", text, size, enc, enc_len);
		qp_free(enc);
		enc = NULL;
	} else if (v != NULL || (rc != QP_EINVALID && rc != QP_ENOMEM)) {
		abort();
	}
	cJSON_Delete(v);

	/* Any JSON, made canonical, stays canonical. */
	v = cJSON_ParseWithLength(text, size);
	if (v != NULL && qp_canon_encode(&enc, &enc_len, v) == QP_OK) {
		cJSON *again = NULL;
		char *enc2 = NULL;
		size_t enc2_len = 0;
		if (qp_canon_parse(&again, enc, enc_len) != QP_OK || !qp_canon_is_canonical(enc, enc_len)) {
			fprintf(stderr, "encoded \"%.*s\" does not parse: %s\n", (int)enc_len, enc,
				qp_error_last()->message);
			abort();
		}
		fz_check(qp_canon_encode(&enc2, &enc2_len, again), "encode again");
		same("encode, parse, encode", enc, enc_len, enc2, enc2_len);
		qp_free(enc2);
		cJSON_Delete(again);
	}
	qp_free(enc);
	cJSON_Delete(v);
	return 0;
}
