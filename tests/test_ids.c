/*
 * test_ids.c - identifier and value checks.
 *
 * Check characters are computed here independently of src/ids.c: resident
 * IDs by the ISO 7064 MOD 11-2 recursion (no weight table), credit codes by
 * accumulating powers of 3 modulo 31.  Values are drawn from a fixed-seed
 * generator over real county codes, so the same IDs are checked every run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quanpiao/error.h>
#include <quanpiao/ids.h>

#include "testutil.h"

/* ---- independent reference implementations ------------------------- */

/* ISO 7064 MOD 11-2 by the recursive method of the standard. */
static char ref_resident_check(const char *d17)
{
	int p = 0;
	for (int i = 0; i < 17; i++)
		p = ((p + (d17[i] - '0')) * 2) % 11;
	int c = (12 - p) % 11;
	return c == 10 ? 'X' : (char)('0' + c);
}

static const char ref_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static char ref_uscc_check(const char *c17)
{
	int sum = 0, w = 1;
	for (int i = 0; i < 17; i++) {
		int v = (int)(strchr(ref_alphabet, c17[i]) - ref_alphabet);
		sum = (sum + v * w) % 31;
		w = (w * 3) % 31;
	}
	return ref_alphabet[(31 - sum) % 31];
}

static unsigned long rng_state = 20261128UL;
static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng_state >> 33) % n);
}

static const char *counties[] = {"330681", "330682", "330683", "330602", "330103", "110105", "310115",
				 "440305", "510104", "420106", "610113", "230102", "650102", "540102"};
#define NCOUNTIES (sizeof(counties) / sizeof(counties[0]))

/* A real-shaped resident ID with its check character from the reference. */
static void make_resident(char out[19])
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = 1930 + (int)rnd(80), m = 1 + (int)rnd(12), d = 1 + (int)rnd((unsigned)mdays[m - 1]);
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%s%04d%02d%02d%03u", counties[rnd(NCOUNTIES)], y, m, d, rnd(1000));
	memcpy(out, tmp, 17);
	out[17] = ref_resident_check(out);
	out[18] = '\0';
}

static void make_uscc(char out[19], int collective)
{
	static const char *heads[] = {"91", "92", "93", "11", "12", "51", "52", "Y1", "N1", "N2", "N3"};
	const char *head = collective ? "N2" : heads[rnd(sizeof(heads) / sizeof(heads[0]))];
	memcpy(out, head, 2);
	memcpy(out + 2, counties[rnd(NCOUNTIES)], 6);
	for (int i = 8; i < 17; i++)
		out[i] = ref_alphabet[rnd(31)];
	out[17] = ref_uscc_check(out);
	out[18] = '\0';
}

/* ---- resident ID numbers ------------------------------------------- */

static void test_resident_known(void **state)
{
	char out[19];
	/* The example of GB 11643 itself. */
	assert_int_equal(qp_ids_check_resident(out, "11010519491231002X", NULL), QP_OK);
	assert_string_equal(out, "11010519491231002X");
	assert_int_equal(qp_ids_resident_check_char("11010519491231002"), 'X');
	/* Lower-case x is accepted and normalised. */
	assert_int_equal(qp_ids_check_resident(out, "11010519491231002x", NULL), QP_OK);
	assert_string_equal(out, "11010519491231002X");
	/* out may be NULL. */
	assert_int_equal(qp_ids_check_resident(NULL, "11010519491231002X", NULL), QP_OK);
}

static void test_resident_generated(void **state)
{
	for (int i = 0; i < 500; i++) {
		char id[19], bad[19];
		make_resident(id);
		assert_int_equal(qp_ids_resident_check_char(id), ref_resident_check(id));
		if (qp_ids_check_resident(NULL, id, NULL) != QP_OK)
			fail_msg("valid ID %s rejected: %s", id, qp_error_last()->message);
		/* Every other check character is rejected. */
		const char *all = "0123456789X";
		for (const char *c = all; *c; c++) {
			if (*c == id[17])
				continue;
			memcpy(bad, id, 19);
			bad[17] = *c;
			assert_int_equal(qp_ids_check_resident(NULL, bad, NULL), QP_EINVALID);
			assert_error_contains("check character");
		}
		/* MOD 11-2 catches every single-digit change in the sequence part. */
		memcpy(bad, id, 19);
		bad[15] = (char)('0' + (bad[15] - '0' + 1 + (int)rnd(9)) % 10);
		assert_int_equal(qp_ids_check_resident(NULL, bad, NULL), QP_EINVALID);
	}
}

static void test_resident_rules(void **state)
{
	assert_int_equal(qp_ids_check_resident(NULL, NULL, NULL), QP_EINVALID);
	assert_error_contains("resident ID number: is empty");
	assert_int_equal(qp_ids_check_resident(NULL, "", "--id-number"), QP_EINVALID);
	assert_error_contains("--id-number: is empty");
	assert_int_equal(qp_ids_check_resident(NULL, "1101051949123100", NULL), QP_EINVALID);
	assert_error_contains("must be 18 characters (GB 11643), got 16");
	assert_int_equal(qp_ids_check_resident(NULL, "11010519491231002X1", NULL), QP_EINVALID);
	assert_error_contains("must be 18 characters (GB 11643), got 19");
	assert_int_equal(qp_ids_check_resident(NULL, "1101051949123A002X", NULL), QP_EINVALID);
	assert_error_contains("character 14 ('A') must be a digit");
	assert_int_equal(qp_ids_check_resident(NULL, "11010519491231002Y", NULL), QP_EINVALID);
	assert_error_contains("character 18 ('Y') must be a digit or X");
	assert_int_equal(qp_ids_check_resident(NULL, "110105 9491231002X", NULL), QP_EINVALID);
	assert_error_contains("character 7 (a space)");

	char id[19];
	/* Region that is no province: 99. */
	memcpy(id, "99010519491231002", 17);
	id[17] = ref_resident_check(id);
	id[18] = 0;
	assert_int_equal(qp_ids_check_resident(NULL, id, NULL), QP_EINVALID);
	assert_error_contains("province");
	/* 30 February, 29 February of a common year, month 13, year 1899, the future. */
	const char *bad_dates[] = {"19900230", "19010229", "19901301", "18991231", "29990101", "19900001"};
	for (size_t i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++) {
		snprintf(id, sizeof(id), "330681%s123", bad_dates[i]);
		id[17] = ref_resident_check(id);
		id[18] = 0;
		assert_int_equal(qp_ids_check_resident(NULL, id, NULL), QP_EINVALID);
		assert_error_contains(bad_dates[i]);
	}
	/* 29 February of a leap year is real; 1900 was not a leap year, 2000 was. */
	snprintf(id, sizeof(id), "33068120000229123");
	id[17] = ref_resident_check(id);
	id[18] = 0;
	assert_int_equal(qp_ids_check_resident(NULL, id, NULL), QP_OK);
	snprintf(id, sizeof(id), "33068119000229123");
	id[17] = ref_resident_check(id);
	id[18] = 0;
	assert_int_equal(qp_ids_check_resident(NULL, id, NULL), QP_EINVALID);
	/* The check character names both values. */
	assert_int_equal(qp_ids_check_resident(NULL, "110105194912310021", NULL), QP_EINVALID);
	assert_error_contains("check character is '1', expected 'X'");
	/* Non-digits give no check character. */
	assert_int_equal(qp_ids_resident_check_char("1101051949123100A"), '\0');
	assert_int_equal(qp_ids_resident_check_char(NULL), '\0');
}

static void test_resident_mask(void **state)
{
	char out[19];
	qp_ids_mask_resident(out, "33068119900101123X");
	assert_string_equal(out, "330681********123X");
	qp_ids_mask_resident(out, "short");
	assert_string_equal(out, "******************");
	qp_ids_mask_resident(out, NULL);
	assert_string_equal(out, "******************");
}

/* ---- unified social credit codes ----------------------------------- */

static void test_uscc_known(void **state)
{
	/* The example of GB 32100 and a published enterprise code. */
	assert_int_equal(qp_ids_check_uscc("91350100M000100Y43", 0, NULL), QP_OK);
	assert_int_equal(qp_ids_check_uscc("91110000600037341L", 0, NULL), QP_OK);
	assert_int_equal(qp_ids_uscc_check_char("91350100M000100Y4"), '3');
	assert_int_equal(qp_ids_check_uscc("91350100M000100Y43", QP_USCC_COLLECTIVE, NULL), QP_EINVALID);
	assert_error_contains("starts with N2, not 91");
}

static void test_uscc_generated(void **state)
{
	for (int i = 0; i < 500; i++) {
		char code[19], bad[19];
		int collective = i % 3 == 0;
		make_uscc(code, collective);
		assert_int_equal(qp_ids_uscc_check_char(code), ref_uscc_check(code));
		if (qp_ids_check_uscc(code, collective ? QP_USCC_COLLECTIVE : 0, NULL) != QP_OK)
			fail_msg("valid code %s rejected: %s", code, qp_error_last()->message);
		for (size_t k = 0; k < 31; k += 1 + rnd(3)) {
			if (ref_alphabet[k] == code[17])
				continue;
			memcpy(bad, code, 19);
			bad[17] = ref_alphabet[k];
			assert_int_equal(qp_ids_check_uscc(bad, 0, NULL), QP_EINVALID);
			assert_error_contains("check character");
		}
	}
}

static void test_uscc_rules(void **state)
{
	assert_int_equal(qp_ids_check_uscc("", 0, NULL), QP_EINVALID);
	assert_error_contains("unified social credit code: is empty");
	assert_int_equal(qp_ids_check_uscc("91350100M000100Y4", 0, NULL), QP_EINVALID);
	assert_error_contains("must be 18 characters");
	assert_int_equal(qp_ids_check_uscc("91350100m000100Y43", 0, NULL), QP_EINVALID);
	assert_error_contains("character 9 ('m') must be an upper-case letter");
	assert_int_equal(qp_ids_check_uscc("91350100O000100Y43", 0, NULL), QP_EINVALID);
	assert_error_contains("no I, O, S, V, Z");
	assert_int_equal(qp_ids_check_uscc("91350100M000100Y4-", 0, NULL), QP_EINVALID);
	assert_error_contains("character 18 ('-')");
	/* Positions 3-8 are a division code. */
	char code[19] = "913501A0M000100Y4";
	code[17] = ref_uscc_check(code);
	code[18] = 0;
	assert_int_equal(qp_ids_check_uscc(code, 0, NULL), QP_EINVALID);
	assert_error_contains("character 7 ('A') must be a digit");
	assert_int_equal(qp_ids_check_uscc("91350100M000100Y44", 0, "--investor-id"), QP_EINVALID);
	assert_error_contains("--investor-id: check character is '4', expected '3'");
	assert_int_equal(qp_ids_uscc_check_char("91350100M000100YI"), '\0');
	/* Which check a field that takes either applies. */
	assert_true(qp_ids_looks_like_uscc("91110000600037341L"));
	assert_true(qp_ids_looks_like_uscc("91350100M000100Y43"));
	assert_false(qp_ids_looks_like_uscc("11010519491231002X"));
	assert_false(qp_ids_looks_like_uscc("11010519491231002x"));
	assert_false(qp_ids_looks_like_uscc("110105194912310021"));
}

/* ---- division codes -------------------------------------------------- */

static void test_division(void **state)
{
	assert_int_equal(qp_ids_check_division("330681", QP_DIVISION_COUNTY, NULL), QP_OK);
	assert_int_equal(qp_ids_check_division("330681101", QP_DIVISION_TOWNSHIP, NULL), QP_OK);
	assert_int_equal(qp_ids_check_division("330681101201", QP_DIVISION_VILLAGE, NULL), QP_OK);
	assert_int_equal(qp_ids_check_division("330681101399", QP_DIVISION_VILLAGE, NULL), QP_OK);

	struct {
		const char *value;
		qp_division_level level;
		const char *why;
	} bad[] = {
	    {"", QP_DIVISION_COUNTY, "county code: is empty"},
	    {"33068", QP_DIVISION_COUNTY, "must be 6 characters (county code), got 5"},
	    {"3306811", QP_DIVISION_COUNTY, "got 7"},
	    {"33a681", QP_DIVISION_COUNTY, "character 3 ('a') must be a digit"},
	    {"990681", QP_DIVISION_COUNTY, "99 is not a province code"},
	    {"330000", QP_DIVISION_COUNTY, "is a province, not a county"},
	    {"330600", QP_DIVISION_COUNTY, "is a prefecture, not a county"},
	    {"330681000", QP_DIVISION_TOWNSHIP, "must not be 000"},
	    {"33068110", QP_DIVISION_TOWNSHIP, "must be 9 characters"},
	    {"330681101105", QP_DIVISION_VILLAGE, "village part 105 is not a village committee"},
	    {"330681101199", QP_DIVISION_VILLAGE, "200-399"},
	    {"330681101400", QP_DIVISION_VILLAGE, "200-399"},
	    {"330681000201", QP_DIVISION_VILLAGE, "must not be 000"},
	    {"33068110120", QP_DIVISION_VILLAGE, "must be 12 characters"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (qp_ids_check_division(bad[i].value, bad[i].level, NULL) != QP_EINVALID)
			fail_msg("%s accepted", bad[i].value);
		assert_error_contains(bad[i].why);
	}
	assert_int_equal(qp_ids_check_division("330681", (qp_division_level)7, NULL), QP_EUSAGE);
	assert_int_equal(qp_ids_check_division("330681101201", QP_DIVISION_VILLAGE, "--village"), QP_OK);
	assert_int_equal(qp_ids_check_division("330681101101", QP_DIVISION_VILLAGE, "--village"),
			 QP_EINVALID);
	assert_error_contains("--village: ");
}

/* ---- unit and parcel codes -------------------------------------------- */

static void test_unit_valid(void **state)
{
	assert_int_equal(qp_ids_check_unit("330681001002JC00123F00010001", "330681", NULL), QP_OK);
	assert_int_equal(qp_ids_check_unit("330681001002JC00123F00010001", NULL, NULL), QP_OK);
	assert_int_equal(qp_ids_check_unit("330681001002JC00123W00000000", "330681", NULL), QP_OK);
	assert_int_equal(qp_ids_check_unit("110105003004GB00001F00020003", NULL, NULL), QP_OK);
	assert_int_equal(qp_ids_check_parcel("330681001002JC00123", "330681", NULL), QP_OK);
	/* Every ownership and use letter. */
	const char *own = "GJZ", *use = "ABSXCDEFHGWY";
	for (const char *o = own; *o; o++)
		for (const char *u = use; *u; u++) {
			char code[29] = "330681001002JC00123F00010001";
			code[12] = *o;
			code[13] = *u;
			assert_int_equal(qp_ids_check_unit(code, "330681", NULL), QP_OK);
		}
}

static void test_unit_rules(void **state)
{
	struct {
		const char *value;
		const char *why;
	} bad[] = {
	    {"", "real-estate unit code: is empty"},
	    {"330681001002JC00123F0001000", "must be 28 characters (GB/T 37346 unit code), got 27"},
	    {"330681001002JC00123F000100011", "got 29"},
	    {"330682001002JC00123F00010001", "county 330682 is not this registry's county 330681"},
	    {"990681001002JC00123F00010001", "99 is not a province code"},
	    {"33068100100AJC00123F00010001", "character 12 ('A') must be a digit"},
	    {"330681001002jc00123F00010001", "character 13 ('j') must be an upper-case letter"},
	    {"330681001002KC00123F00010001", "character 13 ('K') is not a parcel type letter"},
	    {"330681001002JI00123F00010001", "character 14 ('I') is not a parcel type letter"},
	    {"330681001002JC0012XF00010001", "character 19 ('X') must be a digit"},
	    {"330681001002JC00000F00010001", "parcel number (positions 15-19) must not be 00000"},
	    {"330681001002JC00123X00010001", "character 20 ('X') is not a fixture type"},
	    {"330681001002JC00123f00010001", "character 20 ('f') must be an upper-case letter"},
	    {"330681001002JC00123F0001000A", "character 28 ('A') must be a digit"},
	    {"330681001002JC00123W00010001", "fixture type W (none) needs fixture number 00000000"},
	    {"330681001002JC00123F00000000", "fixture number 00000000 is only for fixture type W"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (qp_ids_check_unit(bad[i].value, "330681", NULL) != QP_EINVALID)
			fail_msg("%s accepted", bad[i].value);
		assert_error_contains(bad[i].why);
	}
	assert_int_equal(qp_ids_check_parcel("330681001002JC0012", NULL, NULL), QP_EINVALID);
	assert_error_contains("parcel code: must be 19 characters");
	assert_int_equal(qp_ids_check_parcel("330681001002JC00123F", NULL, NULL), QP_EINVALID);
	assert_int_equal(qp_ids_check_parcel("330683001002JC00123", "330681", "--parcel"), QP_EINVALID);
	assert_error_contains("--parcel: county 330683 is not this registry's county 330681");
}

/* ---- hundredths -------------------------------------------------------- */

static void test_hundredths_parse(void **state)
{
	struct {
		const char *text;
		int64_t want;
	} good[] = {
	    {"120.50", 12050},
	    {"120.5", 12050},
	    {"120", 12000},
	    {"0", 0},
	    {"0.01", 1},
	    {"0.00", 0},
	    {"472000000.00", 47200000000LL},
	    {"007.10", 710},
	    {"92233720368547758.07", INT64_MAX},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int64_t v = -1;
		if (qp_ids_parse_hundredths(&v, good[i].text, NULL) != QP_OK)
			fail_msg("%s rejected: %s", good[i].text, qp_error_last()->message);
		assert_int_equal(v, good[i].want);
	}
	struct {
		const char *text;
		const char *why;
	} bad[] = {
	    {"", "is empty"},
	    {"-1.00", "must not be negative"},
	    {"+1.00", "character '+' is not allowed"},
	    {"1e3", "exponent notation"},
	    {"1.5E2", "exponent notation"},
	    {"1,200.00", "thousands separators"},
	    {" 12", "must not contain blanks"},
	    {"12 ", "must not contain blanks"},
	    {"12\t", "must not contain blanks"},
	    {".5", "needs a digit before the decimal point"},
	    {"5.", "needs digits after the decimal point"},
	    {"1.234", "has 3 decimal places; at most 2"},
	    {"abc", "character 'a' is not allowed"},
	    {"12.5a", "character 'a' is not allowed"},
	    {"92233720368547758.08", "is too large"},
	    {"92233720368547759", "is too large"},
	    {"100000000000000000000", "is too large"},
	    {"１２０", "byte 0xEF"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v = 99;
		if (qp_ids_parse_hundredths(&v, bad[i].text, "--area") != QP_EINVALID)
			fail_msg("%s accepted", bad[i].text);
		assert_error_contains(bad[i].why);
		assert_error_contains("--area: ");
		assert_int_equal(v, 0);
	}
	assert_int_equal(qp_ids_parse_hundredths(NULL, NULL, NULL), QP_EINVALID);
	assert_error_contains("amount: is empty");
}

static void test_hundredths_format(void **state)
{
	char buf[32];
	assert_int_equal(qp_ids_format_hundredths(buf, sizeof(buf), 0), QP_OK);
	assert_string_equal(buf, "0.00");
	assert_int_equal(qp_ids_format_hundredths(buf, sizeof(buf), 12050), QP_OK);
	assert_string_equal(buf, "120.50");
	assert_int_equal(qp_ids_format_hundredths(buf, sizeof(buf), 7), QP_OK);
	assert_string_equal(buf, "0.07");
	assert_int_equal(qp_ids_format_hundredths(buf, sizeof(buf), 47200000000LL), QP_OK);
	assert_string_equal(buf, "472000000.00");
	assert_int_equal(qp_ids_format_hundredths(buf, sizeof(buf), -150), QP_OK);
	assert_string_equal(buf, "-1.50");
	assert_int_equal(qp_ids_format_hundredths(buf, sizeof(buf), INT64_MAX), QP_OK);
	assert_string_equal(buf, "92233720368547758.07");
	assert_int_equal(qp_ids_format_hundredths(buf, sizeof(buf), INT64_MIN), QP_OK);
	assert_string_equal(buf, "-92233720368547758.08");
	assert_int_equal(qp_ids_format_hundredths(buf, 4, 12050), QP_EINVALID);
	/* Round trip over a spread of values. */
	for (int64_t v = 0; v < 100000; v += 37) {
		int64_t back;
		assert_int_equal(qp_ids_format_hundredths(buf, sizeof(buf), v), QP_OK);
		assert_int_equal(qp_ids_parse_hundredths(&back, buf, NULL), QP_OK);
		assert_int_equal(back, v);
	}
}

/* ---- dates ----------------------------------------------------------- */

static void test_dates(void **state)
{
	qp_date d;
	char buf[11];
	assert_int_equal(qp_ids_parse_date(&d, "2026-11-28", NULL), QP_OK);
	assert_int_equal(d.year, 2026);
	assert_int_equal(d.month, 11);
	assert_int_equal(d.day, 28);
	qp_ids_format_date(buf, &d);
	assert_string_equal(buf, "2026-11-28");
	assert_int_equal(qp_ids_parse_date(&d, "2020-02-29", NULL), QP_OK);
	assert_int_equal(qp_ids_parse_date(&d, "2000-02-29", NULL), QP_OK);
	assert_int_equal(qp_ids_parse_date(&d, "1900-01-01", NULL), QP_OK);
	assert_int_equal(qp_ids_parse_date(&d, "2999-12-31", NULL), QP_OK);

	struct {
		const char *text;
		const char *why;
	} bad[] = {
	    {"", "is empty"},
	    {"2021-02-30", "2021-02-30 is not a real date"},
	    {"2021-02-29", "is not a real date"},
	    {"1900-02-29", "is not a real date"},
	    {"2021-04-31", "is not a real date"},
	    {"2021-13-01", "month 13 does not exist"},
	    {"2021-00-10", "month 00 does not exist"},
	    {"2021-01-00", "is not a real date"},
	    {"2021-1-5", "must be a date as YYYY-MM-DD"},
	    {"2021/01/05", "must be a date as YYYY-MM-DD"},
	    {"21-01-05", "must be a date as YYYY-MM-DD"},
	    {"2021-01-05T00", "must be a date as YYYY-MM-DD"},
	    {"1899-12-31", "year 1899 is outside 1900-2999"},
	    {"3000-01-01", "year 3000 is outside"},
	    {"２０２１-01-05", "must be a date"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (qp_ids_parse_date(&d, bad[i].text, "--start") != QP_EINVALID)
			fail_msg("%s accepted", bad[i].text);
		assert_error_contains(bad[i].why);
		assert_error_contains("--start: ");
	}
	assert_int_equal(qp_ids_parse_date(NULL, NULL, NULL), QP_EINVALID);
	assert_true(qp_ids_date_exists(2024, 2, 29));
	assert_false(qp_ids_date_exists(2100, 2, 29));
	assert_false(qp_ids_date_exists(2024, 0, 1));
	assert_false(qp_ids_date_exists(2024, 12, 32));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resident_known),
	    cmocka_unit_test(test_resident_generated),
	    cmocka_unit_test(test_resident_rules),
	    cmocka_unit_test(test_resident_mask),
	    cmocka_unit_test(test_uscc_known),
	    cmocka_unit_test(test_uscc_generated),
	    cmocka_unit_test(test_uscc_rules),
	    cmocka_unit_test(test_division),
	    cmocka_unit_test(test_unit_valid),
	    cmocka_unit_test(test_unit_rules),
	    cmocka_unit_test(test_hundredths_parse),
	    cmocka_unit_test(test_hundredths_format),
	    cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
