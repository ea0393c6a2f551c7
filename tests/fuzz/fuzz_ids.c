/*
 * fuzz_ids.c - identifier and value checks (ids.h), and the other small
 * parsers of user text: key names, verifier keys, times, statuses, kinds.
 *
 * The input, as a NUL-terminated string (a NUL inside ends it early, as
 * it would in argv), goes to every check.  Besides never crashing or
 * reading past the string: whatever a check accepts has the length the
 * check promises, and the parsers that have a printer round-trip
 * (hundredths, dates, times, verifier keys).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fuzz.h"

static void must(int cond, const char *what, const char *s)
{
	if (!cond) {
		fprintf(stderr, "%s: \"%s\"\n", what, s);
		abort();
	}
}

static int is_code(int rc)
{
	return rc == QP_OK || rc == QP_EINVALID;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	size_t len = strlen(s);
	const char *field = size & 1 ? "field" : NULL;

	char id[QP_RESIDENT_ID_LEN + 1], masked[QP_RESIDENT_ID_LEN + 1];
	int rc = qp_ids_check_resident(id, s, field);
	must(is_code(rc), "resident code", s);
	if (rc == QP_OK) {
		must(len == QP_RESIDENT_ID_LEN && strlen(id) == QP_RESIDENT_ID_LEN, "resident length", s);
		must(qp_ids_check_resident(NULL, id, field) == QP_OK, "normalised resident", id);
		must(qp_ids_resident_check_char(s) == id[17], "resident check char", s);
	}
	(void)qp_ids_resident_check_char(s);
	qp_ids_mask_resident(masked, s);
	must(strlen(masked) == QP_RESIDENT_ID_LEN ||
		 (len != QP_RESIDENT_ID_LEN && strlen(masked) <= QP_RESIDENT_ID_LEN),
	     "mask length", s);

	for (unsigned flags = 0; flags < 2; flags++) {
		rc = qp_ids_check_uscc(s, flags, field);
		must(is_code(rc), "uscc code", s);
		if (rc == QP_OK)
			must(len == QP_USCC_LEN && qp_ids_uscc_check_char(s) == s[17], "uscc", s);
	}
	(void)qp_ids_looks_like_uscc(s);
	(void)qp_ids_uscc_check_char(s);

	const qp_division_level levels[] = {QP_DIVISION_COUNTY, QP_DIVISION_TOWNSHIP, QP_DIVISION_VILLAGE};
	for (size_t i = 0; i < 3; i++) {
		rc = qp_ids_check_division(s, levels[i], field);
		must(is_code(rc) && (rc != QP_OK || len == (size_t)levels[i]), "division", s);
	}
	for (int c = 0; c < 2; c++) {
		const char *county = c ? "330681" : NULL;
		rc = qp_ids_check_unit(s, county, field);
		must(is_code(rc) && (rc != QP_OK || len == QP_UNIT_CODE_LEN), "unit", s);
		if (rc == QP_OK) {
			char parcel[QP_PARCEL_CODE_LEN + 1];
			memcpy(parcel, s, QP_PARCEL_CODE_LEN);
			parcel[QP_PARCEL_CODE_LEN] = '\0';
			must(qp_ids_check_parcel(parcel, county, field) == QP_OK, "parcel of a unit", s);
		}
		rc = qp_ids_check_parcel(s, county, field);
		must(is_code(rc) && (rc != QP_OK || len == QP_PARCEL_CODE_LEN), "parcel", s);
	}

	int64_t h = -1, h2 = -1;
	rc = qp_ids_parse_hundredths(&h, s, field);
	must(is_code(rc), "hundredths code", s);
	if (rc == QP_OK) {
		char buf[24];
		must(h >= 0, "hundredths sign", s);
		must(qp_ids_format_hundredths(buf, sizeof(buf), h) == QP_OK, "format hundredths", s);
		must(qp_ids_parse_hundredths(&h2, buf, field) == QP_OK && h2 == h, "hundredths round trip",
		     s);
	}
	char small[4];
	(void)qp_ids_format_hundredths(small, sizeof(small), (int64_t)size * 1000);

	qp_date d;
	rc = qp_ids_parse_date(&d, s, field);
	must(is_code(rc), "date code", s);
	if (rc == QP_OK) {
		char buf[11];
		qp_date d2;
		must(qp_ids_date_exists(d.year, d.month, d.day), "date exists", s);
		qp_ids_format_date(buf, &d);
		must(strcmp(buf, s) == 0, "date round trip", s);
		must(qp_ids_parse_date(&d2, buf, field) == QP_OK, "date reparse", s);
	}
	if (size >= 3)
		(void)qp_ids_date_exists((int)(data[0] * 16 + 1800), data[1] % 14, data[2] % 33);

	int64_t t = 0;
	if (qp_time_parse(&t, s, "time") == QP_OK) {
		char buf[QP_TIME_LEN + 1];
		qp_time_format(buf, t);
		must(strcmp(buf, s) == 0, "time round trip", s);
	}

	if (qp_key_check_name(s) == QP_OK)
		must(len >= 1 && len <= QP_KEY_NAME_MAX && !strchr(s, ' ') && !strchr(s, '+'), "key name", s);
	qp_verifier *v = NULL;
	if (qp_verifier_parse(&v, s) == QP_OK) {
		char *again = NULL;
		qp_verifier *w = NULL;
		fz_check(qp_verifier_string(&again, v), "verifier string");
		must(qp_verifier_parse(&w, again) == QP_OK && qp_verifier_id(w) == qp_verifier_id(v) &&
			 qp_verifier_type(w) == qp_verifier_type(v) &&
			 memcmp(qp_verifier_public(w), qp_verifier_public(v), QP_PUBLIC_KEY_LEN) == 0,
		     "verifier round trip", s);
		qp_verifier_free(w);
		free(again);
	} else if (v != NULL) {
		abort();
	}
	qp_verifier_free(v);

	qp_home_status hs;
	if (qp_home_status_parse(&hs, s) == QP_OK)
		must(strcmp(qp_home_status_name(hs), s) == 0, "home status", s);
	qp_cert_kind kind;
	if (qp_cert_kind_parse(&kind, s) == QP_OK)
		must(strcmp(qp_cert_kind_name(kind), s) == 0, "cert kind", s);
	qp_cert_state st;
	(void)qp_cert_state_parse(&st, s);
	(void)qp_activation_use_check(s);
	free(s);
	return 0;
}
