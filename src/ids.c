/*
 * ids.c - identifier and value checks (docs/design.md §1).
 *
 * The checks are strict and say which rule failed, because an officer uses
 * the message to correct a form.  They never allocate and never touch the
 * store; the registry calls them before anything is written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "quanpiao/ids.h"

/* Raise QP_EINVALID with "field: message". */
static int invalid(const char *field, const char *fmt, ...) QP_PRINTF(2, 3);
static int invalid(const char *field, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return qp_error_set(QP_EINVALID, "%s: %s", field, msg);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* A printable rendering of one byte for messages: 'a' or byte 0xC3. */
static const char *show_char(char buf[16], char c)
{
	unsigned char u = (unsigned char)c;
	if (u >= 0x21 && u <= 0x7E)
		snprintf(buf, 16, "'%c'", c);
	else if (u == ' ')
		snprintf(buf, 16, "a space");
	else
		snprintf(buf, 16, "byte 0x%02X", u);
	return buf;
}

/* The first position (1-based) in value[from, to) that is not a digit, or 0. */
static size_t first_non_digit(const char *value, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (!is_digit(value[i]))
			return i + 1;
	return 0;
}

static int digits_value(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* GB/T 2260 province-level codes. */
static int is_province(int code, int for_resident)
{
	static const int provinces[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
					43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
	for (size_t i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
		if (provinces[i] == code)
			return 1;
	/* Residence permits of Taiwan residents use 83xxxx. */
	return for_resident && code == 83;
}

static size_t bounded_len(const char *value, size_t max)
{
	size_t n = 0;
	while (n <= max && value[n] != '\0')
		n++;
	return n;
}

/* Common length check; value may be NULL. */
static int check_length(const char *value, size_t want, const char *field, const char *what)
{
	if (value == NULL || value[0] == '\0')
		return invalid(field, "is empty; a %s has %zu characters", what, want);
	size_t n = bounded_len(value, 4096);
	if (n != want)
		return n > 4096
			   ? invalid(field, "must be %zu characters (%s), got more than 4096", want, what)
			   : invalid(field, "must be %zu characters (%s), got %zu", want, what, n);
	return QP_OK;
}

int qp_ids_date_exists(int year, int month, int day)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12 || day < 1)
		return 0;
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	int max = days[month - 1] + (month == 2 && leap);
	return day <= max;
}

/* ---- resident ID number (GB 11643) ---------------------------------- */

char qp_ids_resident_check_char(const char *digits17)
{
	static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	if (digits17 == NULL)
		return '\0';
	for (int i = 0; i < 17; i++) {
		if (!is_digit(digits17[i]))
			return '\0';
		sum += (digits17[i] - '0') * weights[i];
	}
	return "10X98765432"[sum % 11];
}

int qp_ids_check_resident(char *out, const char *value, const char *field)
{
	char cb[16];
	int rc;
	if (field == NULL)
		field = "resident ID number";
	if ((rc = check_length(value, QP_RESIDENT_ID_LEN, field, "GB 11643")) != QP_OK)
		return rc;
	size_t bad = first_non_digit(value, 0, 17);
	if (bad)
		return invalid(field, "character %zu (%s) must be a digit", bad,
			       show_char(cb, value[bad - 1]));
	char last = value[17];
	if (last == 'x')
		last = 'X';
	if (!is_digit(last) && last != 'X')
		return invalid(field, "character 18 (%s) must be a digit or X", show_char(cb, value[17]));
	int province = digits_value(value, 2);
	if (!is_province(province, 1))
		return invalid(field, "region code %.6s does not start with a province code", value);
	int year = digits_value(value + 6, 4);
	int month = digits_value(value + 10, 2);
	int day = digits_value(value + 12, 2);
	if (year < 1900 || !qp_ids_date_exists(year, month, day))
		return invalid(field, "birth date %.8s is not a real date", value + 6);
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm) != NULL) {
		long today = (tm.tm_year + 1900L) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
		long birth = year * 10000L + month * 100 + day;
		if (birth > today)
			return invalid(field, "birth date %.8s is in the future", value + 6);
	}
	char want = qp_ids_resident_check_char(value);
	if (last != want)
		return invalid(field, "check character is '%c', expected '%c'", value[17], want);
	if (out != NULL) {
		memcpy(out, value, 17);
		out[17] = last;
		out[18] = '\0';
	}
	return QP_OK;
}

void qp_ids_mask_resident(char *out, const char *value)
{
	size_t n = value ? bounded_len(value, QP_RESIDENT_ID_LEN) : 0;
	if (n != QP_RESIDENT_ID_LEN) {
		memset(out, '*', QP_RESIDENT_ID_LEN);
	} else {
		memcpy(out, value, 6);
		memset(out + 6, '*', 8);
		memcpy(out + 14, value + 14, 4);
	}
	out[QP_RESIDENT_ID_LEN] = '\0';
}

/* ---- unified social credit code (GB 32100) -------------------------- */

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int uscc_value(char c)
{
	const char *p = c ? strchr(uscc_alphabet, c) : NULL;
	return p ? (int)(p - uscc_alphabet) : -1;
}

int qp_ids_looks_like_uscc(const char *value)
{
	for (size_t i = 0; value && value[i]; i++)
		if (!is_digit(value[i]) && !(i == 17 && (value[i] == 'X' || value[i] == 'x')))
			return 1;
	return 0;
}

char qp_ids_uscc_check_char(const char *code17)
{
	static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
	int sum = 0;
	if (code17 == NULL)
		return '\0';
	for (int i = 0; i < 17; i++) {
		int v = uscc_value(code17[i]);
		if (v < 0)
			return '\0';
		sum += v * weights[i];
	}
	return uscc_alphabet[(31 - sum % 31) % 31];
}

int qp_ids_check_uscc(const char *value, unsigned flags, const char *field)
{
	char cb[16];
	int rc;
	if (field == NULL)
		field =
		    (flags & QP_USCC_COLLECTIVE) ? "collective's credit code" : "unified social credit code";
	if ((rc = check_length(value, QP_USCC_LEN, field, "GB 32100")) != QP_OK)
		return rc;
	for (size_t i = 0; i < QP_USCC_LEN; i++) {
		char c = value[i];
		if (uscc_value(c) >= 0)
			continue;
		if (c >= 'a' && c <= 'z')
			return invalid(field, "character %zu (%s) must be an upper-case letter", i + 1,
				       show_char(cb, c));
		if (c == 'I' || c == 'O' || c == 'S' || c == 'V' || c == 'Z')
			return invalid(field,
				       "character %zu (%s) is not used in credit codes (no I, O, S, V, Z)",
				       i + 1, show_char(cb, c));
		return invalid(field, "character %zu (%s) must be a digit or an upper-case letter", i + 1,
			       show_char(cb, c));
	}
	size_t bad = first_non_digit(value, 2, 8);
	if (bad)
		return invalid(field,
			       "character %zu (%s) must be a digit (positions 3-8 are a division code)", bad,
			       show_char(cb, value[bad - 1]));
	char want = qp_ids_uscc_check_char(value);
	if (value[17] != want)
		return invalid(field, "check character is '%c', expected '%c'", value[17], want);
	if ((flags & QP_USCC_COLLECTIVE) && !(value[0] == 'N' && value[1] == '2'))
		return invalid(field,
			       "a village collective economic organisation's code starts with N2, not %.2s",
			       value);
	return QP_OK;
}

/* ---- division codes -------------------------------------------------- */

int qp_ids_check_division(const char *value, qp_division_level level, const char *field)
{
	char cb[16];
	const char *what = level == QP_DIVISION_COUNTY	   ? "county code"
			   : level == QP_DIVISION_TOWNSHIP ? "township code"
							   : "village code";
	int rc;
	if (level != QP_DIVISION_COUNTY && level != QP_DIVISION_TOWNSHIP && level != QP_DIVISION_VILLAGE)
		return qp_error_set(QP_EUSAGE, "unknown division level %d", (int)level);
	if (field == NULL)
		field = what;
	if (value == NULL || value[0] == '\0')
		return invalid(field, "is empty; a %s has %d digits", what, (int)level);
	size_t bad = first_non_digit(value, 0, bounded_len(value, (size_t)level));
	if (bad)
		return invalid(field, "character %zu (%s) must be a digit", bad,
			       show_char(cb, value[bad - 1]));
	if ((rc = check_length(value, (size_t)level, field, what)) != QP_OK)
		return rc;
	if (!is_province(digits_value(value, 2), 0))
		return invalid(field, "%.2s is not a province code (GB/T 2260)", value);
	if (value[2] == '0' && value[3] == '0')
		return invalid(field, "%.6s is a province, not a county (digits 3-4 are 00)", value);
	if (value[4] == '0' && value[5] == '0')
		return invalid(field, "%.6s is a prefecture, not a county (digits 5-6 are 00)", value);
	if (level >= QP_DIVISION_TOWNSHIP && digits_value(value + 6, 3) == 0)
		return invalid(field, "township part (digits 7-9) must not be 000");
	if (level == QP_DIVISION_VILLAGE) {
		int v = digits_value(value + 9, 3);
		if (v < 200 || v > 399)
			return invalid(
			    field, "village part %.3s is not a village committee (村委会 codes are 200-399)",
			    value + 9);
	}
	return QP_OK;
}

/* ---- real-estate unit and parcel codes (GB/T 37346) ----------------- */

static int check_parcel_part(const char *value, const char *county, const char *field)
{
	char cb[16];
	size_t bad = first_non_digit(value, 0, 6);
	if (bad)
		return invalid(field, "character %zu (%s) must be a digit (positions 1-6 are the county)",
			       bad, show_char(cb, value[bad - 1]));
	char cty[7];
	memcpy(cty, value, 6);
	cty[6] = '\0';
	if (qp_ids_check_division(cty, QP_DIVISION_COUNTY, field) != QP_OK)
		return QP_EINVALID;
	if (county != NULL && strcmp(cty, county) != 0)
		return invalid(field, "county %s is not this registry's county %s", cty, county);
	bad = first_non_digit(value, 6, 12);
	if (bad)
		return invalid(field,
			       "character %zu (%s) must be a digit (positions 7-12 are the cadastral "
			       "district and sub-district)",
			       bad, show_char(cb, value[bad - 1]));
	static const char owners[] = "GJZ";
	static const char uses[] = "ABSXCDEFHGWY";
	for (size_t i = 12; i < 14; i++) {
		char c = value[i];
		const char *set = i == 12 ? owners : uses;
		if (c >= 'a' && c <= 'z')
			return invalid(field, "character %zu (%s) must be an upper-case letter", i + 1,
				       show_char(cb, c));
		if (!is_upper(c) || strchr(set, c) == NULL)
			return invalid(field, "character %zu (%s) is not a parcel type letter (one of %s)",
				       i + 1, show_char(cb, c), set);
	}
	bad = first_non_digit(value, 14, 19);
	if (bad)
		return invalid(field,
			       "character %zu (%s) must be a digit (positions 15-19 are the parcel number)",
			       bad, show_char(cb, value[bad - 1]));
	if (digits_value(value + 14, 5) == 0)
		return invalid(field, "parcel number (positions 15-19) must not be 00000");
	return QP_OK;
}

int qp_ids_check_parcel(const char *value, const char *county, const char *field)
{
	int rc;
	if (field == NULL)
		field = "parcel code";
	if ((rc = check_length(value, QP_PARCEL_CODE_LEN, field, "GB/T 37346 parcel code")) != QP_OK)
		return rc;
	return check_parcel_part(value, county, field);
}

int qp_ids_check_household(const char *value, const char *county, const char *field)
{
	char cb[16];
	int rc;
	if (field == NULL)
		field = "household number";
	if ((rc = check_length(value, QP_HOUSEHOLD_NUMBER_LEN, field, "household number")) != QP_OK)
		return rc;
	size_t bad = first_non_digit(value, 0, 6);
	if (bad)
		return invalid(field, "character %zu (%s) must be a digit (positions 1-6 are the county)",
			       bad, show_char(cb, value[bad - 1]));
	if (strncmp(value + 6, "-H-", 3) != 0)
		return invalid(field,
			       "characters 7-9 must be -H- (a household number is like 330681-H-0000001)");
	if ((bad = first_non_digit(value, 9, QP_HOUSEHOLD_NUMBER_LEN)) != 0)
		return invalid(field, "character %zu (%s) must be a digit (positions 10-16 are the sequence)",
			       bad, show_char(cb, value[bad - 1]));
	if (strcmp(value + 9, "0000000") == 0)
		return invalid(field,
			       "the sequence 0000000 is never given; households are numbered from 0000001");
	if (county && strncmp(value, county, 6) != 0)
		return invalid(field, "%s is a household of county %.6s, not of this registry's %s", value,
			       value, county);
	return QP_OK;
}

int qp_ids_check_unit(const char *value, const char *county, const char *field)
{
	char cb[16];
	int rc;
	if (field == NULL)
		field = "real-estate unit code";
	if ((rc = check_length(value, QP_UNIT_CODE_LEN, field, "GB/T 37346 unit code")) != QP_OK)
		return rc;
	if ((rc = check_parcel_part(value, county, field)) != QP_OK)
		return rc;
	char t = value[19];
	if (t >= 'a' && t <= 'z')
		return invalid(field, "character 20 (%s) must be an upper-case letter", show_char(cb, t));
	if (t != 'F' && t != 'L' && t != 'Q' && t != 'W')
		return invalid(
		    field, "character 20 (%s) is not a fixture type (F building, L forest, Q other, W none)",
		    show_char(cb, t));
	size_t bad = first_non_digit(value, 20, 28);
	if (bad)
		return invalid(field,
			       "character %zu (%s) must be a digit (positions 21-28 are the fixture number)",
			       bad, show_char(cb, value[bad - 1]));
	int zero = strncmp(value + 20, "00000000", 8) == 0;
	if (t == 'W' && !zero)
		return invalid(field, "fixture type W (none) needs fixture number 00000000");
	if (t != 'W' && zero)
		return invalid(field, "fixture number 00000000 is only for fixture type W (none)");
	return QP_OK;
}

/* ---- decimal hundredths --------------------------------------------- */

int qp_ids_parse_hundredths(int64_t *out, const char *text, const char *field)
{
	char cb[16];
	if (field == NULL)
		field = "amount";
	if (out != NULL)
		*out = 0;
	if (text == NULL || text[0] == '\0')
		return invalid(field, "is empty; give a number such as 120.50");
	if (text[0] == '-')
		return invalid(field, "must not be negative");
	const char *p = text;
	int64_t units = 0;
	size_t int_digits = 0;
	for (; is_digit(*p); p++, int_digits++) {
		int d = *p - '0';
		if (units > (INT64_MAX / 100 - d) / 10)
			return invalid(field, "is too large");
		units = units * 10 + d;
	}
	int64_t frac = 0;
	size_t frac_digits = 0;
	if (*p == '.') {
		if (int_digits == 0)
			return invalid(field, "needs a digit before the decimal point (0.50, not .50)");
		p++;
		for (; is_digit(*p); p++, frac_digits++)
			if (frac_digits < 2)
				frac = frac * 10 + (*p - '0');
		if (frac_digits == 0)
			return invalid(field, "needs digits after the decimal point");
		if (frac_digits > 2)
			return invalid(field, "has %zu decimal places; at most 2 are allowed", frac_digits);
		if (frac_digits == 1)
			frac *= 10;
	}
	if (units == INT64_MAX / 100 && frac > INT64_MAX % 100)
		return invalid(field, "is too large");
	if (*p != '\0') {
		if (*p == 'e' || *p == 'E')
			return invalid(field, "exponent notation is not accepted; write the number out");
		if (*p == ',')
			return invalid(field, "thousands separators are not accepted (write 1200000.00)");
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			return invalid(field, "must not contain blanks");
		return invalid(field, "character %s is not allowed; give a number such as 120.50",
			       show_char(cb, *p));
	}
	if (int_digits == 0)
		return invalid(field, "must be a number such as 120.50");
	if (out != NULL)
		*out = units * 100 + frac;
	return QP_OK;
}

int qp_ids_format_hundredths(char *buf, size_t buf_len, int64_t value)
{
	/* Work on the magnitude as unsigned so INT64_MIN is representable. */
	uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
	int n = snprintf(buf, buf_len, "%s%llu.%02llu", value < 0 ? "-" : "", (unsigned long long)(mag / 100),
			 (unsigned long long)(mag % 100));
	if (n < 0 || (size_t)n >= buf_len)
		return qp_error_set(QP_EINVALID, "buffer of %zu bytes is too small for an amount", buf_len);
	return QP_OK;
}

/* ---- dates ------------------------------------------------------------ */

int qp_ids_parse_date(qp_date *out, const char *text, const char *field)
{
	if (field == NULL)
		field = "date";
	if (text == NULL || text[0] == '\0')
		return invalid(field, "is empty; give a date as YYYY-MM-DD");
	size_t n = bounded_len(text, 10);
	if (n != 10 || text[4] != '-' || text[7] != '-' || first_non_digit(text, 0, 4) ||
	    first_non_digit(text, 5, 7) || first_non_digit(text, 8, 10))
		return invalid(field, "must be a date as YYYY-MM-DD (for example 2026-11-28)");
	int y = digits_value(text, 4), m = digits_value(text + 5, 2), d = digits_value(text + 8, 2);
	if (y < 1900 || y > 2999)
		return invalid(field, "year %d is outside 1900-2999", y);
	if (m < 1 || m > 12)
		return invalid(field, "month %02d does not exist", m);
	if (!qp_ids_date_exists(y, m, d))
		return invalid(field, "%.10s is not a real date (day %02d does not exist in %04d-%02d)", text,
			       d, y, m);
	if (out != NULL) {
		out->year = y;
		out->month = m;
		out->day = d;
	}
	return QP_OK;
}

void qp_ids_format_date(char *out, const qp_date *d)
{
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)d->year % 10000u, (unsigned)d->month % 100u,
		 (unsigned)d->day % 100u);
}
