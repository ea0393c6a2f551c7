/*
 * quanpiao/ids.h - identifier and value checks.
 *
 * The registry validates every identifier it is given, never just stores
 * it: resident ID numbers (GB 11643), unified social credit codes
 * (GB 32100), real-estate unit and parcel codes (GB/T 37346), division
 * codes (GB/T 2260 and the township/village extensions), decimal money and
 * area strings, and dates.  Each check returns QP_OK or QP_EINVALID; the
 * message (qp_error_last) starts with the field name given by the caller,
 * or a descriptive default when field is NULL, and states the rule broken.
 * None of these functions allocate.
 */
#ifndef QUANPIAO_IDS_H
#define QUANPIAO_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QP_RESIDENT_ID_LEN 18
#define QP_USCC_LEN	   18
#define QP_UNIT_CODE_LEN   28
#define QP_PARCEL_CODE_LEN 19

/* The administrative level of a division code. */
typedef enum qp_division_level {
	QP_DIVISION_COUNTY = 6,	  /* 330681       */
	QP_DIVISION_TOWNSHIP = 9, /* 330681101    */
	QP_DIVISION_VILLAGE = 12  /* 330681101201 */
} qp_division_level;

/*
 * Check a resident ID number: 18 characters, a known province prefix, a
 * real birth date (1900 to today), and the GB 11643 check character.
 * A lower-case 'x' check character is accepted.  On success, if out is not
 * NULL, the normalised number ('x' made 'X') is written to out, which must
 * hold QP_RESIDENT_ID_LEN + 1 bytes.
 */
QP_API int qp_ids_check_resident(char *out, const char *value, const char *field);

/*
 * The GB 11643 check character ('0'..'9' or 'X') for the 17 digits at
 * digits17, or '\0' if they are not 17 digits.
 */
QP_API char qp_ids_resident_check_char(const char *digits17);

/*
 * Write the masked form of a resident ID number ("330681********123X") to
 * out (QP_RESIDENT_ID_LEN + 1 bytes).  value should be a checked number;
 * anything that is not 18 bytes is masked completely.
 */
QP_API void qp_ids_mask_resident(char *out, const char *value);

/* Flags for qp_ids_check_uscc. */
#define QP_USCC_COLLECTIVE 0x1 /* must be a village collective (N2...) */

/*
 * Check a unified social credit code: 18 characters over
 * 0-9 and A-Z without I O S V Z, a 6-digit division code in positions 3-8,
 * and the GB 32100 check character.  With QP_USCC_COLLECTIVE the code must
 * also start with "N2" (village collective economic organisation).
 */
QP_API int qp_ids_check_uscc(const char *value, unsigned flags, const char *field);

/*
 * Nonzero if an 18-character value is written like a credit code rather
 * than a resident ID number: a character other than a digit, except an X
 * or x in the last place.  Tells which check to apply to a field that
 * takes either.
 */
QP_API int qp_ids_looks_like_uscc(const char *value);

/* The GB 32100 check character for the 17 characters at code17, or '\0'. */
QP_API char qp_ids_uscc_check_char(const char *code17);

/*
 * Check a division code of the given level: a county is 6 digits with a
 * known province and non-zero prefecture and county parts; a township adds
 * 3 digits, not 000; a village adds 3 digits in 200-399 (a village
 * committee, 村委会; 001-199 are neighbourhood committees).
 */
QP_API int qp_ids_check_division(const char *value, qp_division_level level, const char *field);

/*
 * Check a 28-character real-estate unit code (不动产单元代码): county (6
 * digits), cadastral district (3), sub-district (3), parcel type (2 letters:
 * G/J/Z then one of A B S X C D E F H G W Y), parcel number (5 digits, not
 * 00000), fixture type (F L Q W) and fixture number (8 digits; 00000000
 * exactly when the type is W).  If county is not NULL the code must start
 * with it.
 */
QP_API int qp_ids_check_unit(const char *value, const char *county, const char *field);

/*
 * Check a household's registry number, <county>-H-<7 digits> (e.g.
 * 330681-H-0000001; the sequence is never 0000000).  If county is not
 * NULL the number must start with it.
 */
#define QP_HOUSEHOLD_NUMBER_LEN 16
QP_API int qp_ids_check_household(const char *value, const char *county, const char *field);

/* Check a 19-character parcel code (宗地代码): the first 19 of a unit code. */
QP_API int qp_ids_check_parcel(const char *value, const char *county, const char *field);

/*
 * Parse a non-negative decimal with at most two decimals ("120.50", "7",
 * "0.5") into hundredths (12050, 700, 50).  Rejects blanks, signs,
 * exponents, separators, a bare or trailing point and overflow.
 */
QP_API int qp_ids_parse_hundredths(int64_t *out, const char *text, const char *field);

/*
 * Write value (hundredths) as "120.50" to buf.  Returns QP_OK, or
 * QP_EINVALID if buf_len is too small (24 bytes always suffice).
 */
QP_API int qp_ids_format_hundredths(char *buf, size_t buf_len, int64_t value);

/* A calendar date. */
typedef struct qp_date {
	int year;  /* 1900-2999 */
	int month; /* 1-12      */
	int day;   /* 1-31      */
} qp_date;

/* Parse an ISO date "2026-11-28" that exists in the calendar. */
QP_API int qp_ids_parse_date(qp_date *out, const char *text, const char *field);

/* Nonzero if year-month-day exists in the proleptic Gregorian calendar. */
QP_API int qp_ids_date_exists(int year, int month, int day);

/* Write d as "YYYY-MM-DD" to out (11 bytes). */
QP_API void qp_ids_format_date(char *out, const qp_date *d);

#ifdef __cplusplus
}
#endif

#endif
