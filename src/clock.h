/*
 * clock.h - the time as the registry sees it, and RFC 3339 UTC times
 * "2026-11-28T10:00:00Z" (private).
 */
#ifndef QP_SRC_CLOCK_H
#define QP_SRC_CLOCK_H

#include <stdint.h>

#define QP_TIME_LEN 20 /* "YYYY-MM-DDTHH:MM:SSZ" without the NUL */

/* Seconds since the epoch: the real clock, or the test override. */
int64_t qp_clock_now(void);

/* Test hook: make qp_clock_now return t (0 restores the real clock). */
void qp_clock_set(int64_t t);

/* Microseconds of the monotonic clock (for intervals: waits, batch lengths; never for dates). */
int64_t qp_clock_monotonic_us(void);

/* Write t as "YYYY-MM-DDTHH:MM:SSZ" to out (QP_TIME_LEN + 1 bytes). */
void qp_time_format(char *out, int64_t t);

/*
 * Parse exactly "YYYY-MM-DDTHH:MM:SSZ" (a real date and time, years
 * 1900-2999) into seconds since the epoch.  QP_EINVALID naming field.
 */
int qp_time_parse(int64_t *out, const char *text, const char *field);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t qp_days_from_civil(int y, int m, int d);

#endif
