/*
 * legacy_gen.c - a realistic legacy export (see legacy_gen.h).
 */
#include "legacy_gen.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "quanpiao/ids.h"

const char qp_legacy_header[] =
    "票号,类型,持有人,证件号码,村代码,不动产单元号,面积,发证日期,有效期至,状态,备注,宅基地面积,原档案号\n";

enum { WITHDRAWN, DILAPIDATED, RECLAIMED };

static uint32_t rnd(qp_legacy_gen *g, uint32_t m)
{
	g->x = g->x * 1664525u + 1013904223u;
	return m ? (g->x >> 8) % m : 0;
}

void qp_legacy_gen_init(qp_legacy_gen *g, uint32_t seed)
{
	memset(g, 0, sizeof(*g));
	g->x = seed ? seed : 12345;
	g->year_now = 1970 + (int)(time(NULL) / 31556952);
}

/* Begin the next household's homestead: its kind, its tickets, its land area and their pieces. */
static void next_home(qp_legacy_gen *g)
{
	uint32_t r = rnd(g, 100);
	g->home++;
	g->group = r < 55 ? WITHDRAWN : r < 85 ? DILAPIDATED : RECLAIMED;
	/* One to five tickets, three on average: a piece of the homestead each. */
	r = rnd(g, 100);
	g->left = r < 15 ? 1 : r < 35 ? 2 : r < 65 ? 3 : r < 85 ? 4 : 5;
	/* 120 to 400 m²; five pieces of a kind fit under the per-home cap, each under 160 m². */
	g->land_area = 12000 + rnd(g, 28000);
	g->piece = g->land_area / 5;
}

void qp_legacy_gen_next(qp_legacy_gen *g, qp_legacy_row *r)
{
	static const char *const surnames[] = {"王", "李", "陈", "张", "赵", "周",
					       "吴", "徐", "孙", "楼", "宣", "斯"};
	static const char *const given[] = {"建国", "秀英", "德胜", "淑芬", "伟",
					    "海",   "丽",   "文",   "卫东", "玉兰"};
	int first = g->left == 0;
	if (first)
		next_home(g);
	g->left--;
	uint64_t i = g->row++, h = g->home;
	memset(r, 0, sizeof(*r));
	/* Unique, valid resident IDs: a birth date per 1000 households. */
	char d[18];
	uint64_t day = h / 1000, seq = h % 1000;
	snprintf(d, sizeof(d), "330681%04u%02u%02u%03u", (unsigned)(1940 + day / 336) % 10000u,
		 (unsigned)(1 + day / 28 % 12), (unsigned)(1 + day % 28), (unsigned)seq);
	memcpy(r->holder_id, d, 17);
	r->holder_id[17] = qp_ids_resident_check_char(d);
	snprintf(r->holder_name, sizeof(r->holder_name), "%s%s", surnames[h % 12], given[h / 12 % 10]);
	snprintf(r->village, sizeof(r->village), "330681%03u%03u", 101 + (unsigned)(h % 10),
		 201 + (unsigned)(h / 10 % 5));
	snprintf(r->unit, sizeof(r->unit), "330681%03u%03uJC%05uF%08u", (unsigned)(h % 1000),
		 1 + (unsigned)(h / 1000 % 999), 1 + (unsigned)(h / 999000 % 99999), 10001u);
	snprintf(r->legacy_no, sizeof(r->legacy_no), "LT-%08llu", (unsigned long long)i);
	snprintf(r->archive_no, sizeof(r->archive_no), "ZJ-%07llu", (unsigned long long)i % 10000000ULL);

	/* The ticket's type: the homestead's first, then pieces of it and land tickets of its land. */
	const char *type;
	if (g->group == DILAPIDATED)
		type = "危旧房权益保全";
	else if (g->group == RECLAIMED)
		type = first || rnd(g, 2) ? "复垦" : "地票";
	else
		type = first || rnd(g, 10) < 6 ? "宅基地退出" : "地票";
	snprintf(r->type, sizeof(r->type), "%s", type);
	uint32_t s = rnd(g, 100);
	snprintf(r->status, sizeof(r->status), "%s", s < 62 ? "有效" : s < 90 ? "已使用" : "已注销");

	unsigned a = g->piece - rnd(g, g->piece / 4);
	s = rnd(g, 3);
	snprintf(r->area, sizeof(r->area),
		 s == 0	  ? "%u.%02u"
		 : s == 1 ? "%u.%02u㎡"
			  : "%u.%02u平方米",
		 a / 100, a % 100);
	snprintf(r->land_area, sizeof(r->land_area), "%u.%02u", g->land_area / 100, g->land_area % 100);
	/* Retention tickets last 10 years: a live one was issued within the last 9. */
	int y = g->group == DILAPIDATED ? g->year_now - 1 - (int)rnd(g, 8) : 2012 + (int)rnd(g, 12);
	unsigned mo = 1 + rnd(g, 12), dd = 1 + rnd(g, 28);
	s = rnd(g, 3);
	snprintf(r->issued_on, sizeof(r->issued_on),
		 s == 0	  ? "%d-%02u-%02u"
		 : s == 1 ? "%d/%u/%u"
			  : "%d年%u月%u日",
		 y, mo, dd);
	if (rnd(g, 10) == 0)
		snprintf(r->note, sizeof(r->note), "旧系统第%llu号, 经办人\"%s\"", (unsigned long long)i,
			 surnames[rnd(g, 12)]);
}

/* A field as CSV writes it: quoted, with its quotes doubled, when it holds a comma, quote or line break. */
static int csv_field(FILE *f, const char *v, int last)
{
	int rc;
	if (strpbrk(v, ",\"\r\n") == NULL) {
		rc = fputs(v, f);
	} else {
		rc = fputc('"', f);
		for (const char *p = v; rc != EOF && *p; p++)
			rc = (*p == '"' && fputc('"', f) == EOF) ? EOF : fputc(*p, f);
		if (rc != EOF)
			rc = fputc('"', f);
	}
	if (rc != EOF)
		rc = fputc(last ? '\n' : ',', f);
	return rc == EOF ? -1 : 0;
}

int qp_legacy_csv_row(FILE *f, const qp_legacy_row *r)
{
	const char *v[] = {r->legacy_no, r->type,      r->holder_name, r->holder_id,   r->village,
			   r->unit,	 r->area,      r->issued_on,   r->valid_until, r->status,
			   r->note,	 r->land_area, r->archive_no};
	size_t n = sizeof(v) / sizeof(v[0]);
	for (size_t i = 0; i < n; i++)
		if (csv_field(f, v[i], i + 1 == n) != 0)
			return -1;
	return 0;
}

int qp_legacy_write_file(const char *path, uint64_t rows, uint32_t seed)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	qp_legacy_gen g;
	qp_legacy_row r;
	qp_legacy_gen_init(&g, seed);
	int err = fputs(qp_legacy_header, f) == EOF ? -1 : 0;
	for (uint64_t i = 0; err == 0 && i < rows; i++) {
		qp_legacy_gen_next(&g, &r);
		err = qp_legacy_csv_row(f, &r);
	}
	int saved = errno;
	if (fclose(f) != 0 && err == 0)
		return -1;
	errno = saved;
	return err;
}
