/*
 * clock.c - the registry's clock and UTC timestamps.
 *
 * Conversions are done by arithmetic (days from civil), not by the C
 * library's time zone machinery, so they never depend on TZ.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "error.h"
#include "quanpiao/ids.h"

static atomic_llong clock_override;

int64_t qp_clock_now(void)
{
	long long t = atomic_load(&clock_override);
	return t ? (int64_t)t : (int64_t)time(NULL);
}

void qp_clock_set(int64_t t)
{
	atomic_store(&clock_override, (long long)t);
}

int64_t qp_clock_monotonic_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* After H. Hinnant's days_from_civil. */
int64_t qp_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void qp_time_format(char *out, int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	/* "%04u-%02u-%02uT%02u:%02u:%02uZ" written digit by digit: every entry and row formats one. */
	unsigned f[6] = {(unsigned)y % 10000u,		 (unsigned)m % 100u,	     (unsigned)d % 100u,
			 (unsigned)(secs / 3600) % 100u, (unsigned)(secs / 60 % 60), (unsigned)(secs % 60)};
	static const char sep[6] = {'-', '-', 'T', ':', ':', 'Z'};
	char *p = out;
	*p++ = (char)('0' + f[0] / 1000);
	*p++ = (char)('0' + f[0] / 100 % 10);
	for (int i = 0; i < 6; i++) {
		*p++ = (char)('0' + f[i] / 10 % 10);
		*p++ = (char)('0' + f[i] % 10);
		*p++ = sep[i];
	}
	*p = '\0';
}

static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int qp_time_parse(int64_t *out, const char *text, const char *field)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	if (field == NULL)
		field = "time";
	if (text == NULL || strlen(text) != QP_TIME_LEN)
		return qp_error_set(QP_EINVALID, "%s: must be a UTC time as YYYY-MM-DDTHH:MM:SSZ", field);
	for (size_t i = 0; i < QP_TIME_LEN; i++) {
		int ok = shape[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == shape[i];
		if (!ok)
			return qp_error_set(QP_EINVALID, "%s: must be a UTC time as YYYY-MM-DDTHH:MM:SSZ", field);
	}
	int y = two(text) * 100 + two(text + 2), mo = two(text + 5), d = two(text + 8);
	int h = two(text + 11), mi = two(text + 14), s = two(text + 17);
	if (y < 1900 || y > 2999 || !qp_ids_date_exists(y, mo, d) || h > 23 || mi > 59 || s > 59)
		return qp_error_set(QP_EINVALID, "%s: %s is not a real time", field, text);
	if (out)
		*out = qp_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return QP_OK;
}
