/*
 * qp_legacy_gen - a legacy export as the county's old land-ticket system
 * writes one, for the import's tests (tests/cli/test_import_generated.sh).
 *
 *   qp_legacy_gen OUT GOOD_ROWS [--encoding utf-8|gb18030] [--seed N]
 *                 [--mixed LINE] [--expect FILE] [--villages FILE]
 *
 * The file: the twelve Chinese headers in an order shuffled by the seed,
 * CRLF line ends, notes with quoted commas, quotes and line breaks,
 * full-width digits in some areas, three date styles (2019-03-05,
 * 2019/3/5, 2019年3月5日), area suffixes, an extra column; rows of every
 * type and status, households with a withdrawal and then the land ticket
 * (地票) of its reclaimed homestead, named as the old system names it: the
 * village's collective by its credit code and the parcel by its unit code
 * with fixture type W; and land tickets of reclaimed land on which no
 * registered home stood (the collective's, a W unit on a parcel of its
 * own), which the import registers as reclaimed land.  Among the good rows, one defective row of each of
 * the kinds below after every few; --expect FILE lists each defective row
 * as "LINE<TAB>LEGACY_NO<TAB>COLUMN<TAB>KIND" (the column as the file names
 * it, empty for the whole row), so that the test checks that each is
 * reported where it is.  --villages FILE lists the villages the rows use,
 * "CODE NAME USCC", to register first.
 *
 * --encoding gb18030 writes the file in GB18030 (through iconv); --mixed
 * LINE writes the file in UTF-8 but the row at that line in GB18030 (a file
 * the import must refuse).  The rows are the same for a seed, whatever the
 * encoding.
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quanpiao/ids.h"

#define NCOLS	 12
#define NVILLAGE 50

static const char *const headers[NCOLS] = {"票号",     "类型",	       "持有人", "证件号码",
					   "村代码",   "不动产单元号", "面积",	 "发证日期",
					   "有效期至", "状态",	       "备注",	 "原档案号"};
enum {
	C_NO,
	C_TYPE,
	C_NAME,
	C_ID,
	C_VILLAGE,
	C_UNIT,
	C_AREA,
	C_ISSUED,
	C_UNTIL,
	C_STATUS,
	C_NOTE,
	C_ARCHIVE
};

static uint32_t rnd_state = 12345;
static uint32_t rnd(uint32_t m)
{
	rnd_state = rnd_state * 1664525u + 1013904223u;
	return (rnd_state >> 8) % m;
}

static void die(const char *what)
{
	fprintf(stderr, "qp_legacy_gen: %s\n", what);
	exit(2);
}

/* The village's code and its collective's credit code (N2, the county, MA, 7 digits, check). */
static void village_of(unsigned v, char code[13], char uscc[19])
{
	/* v is below 1,990 (NVILLAGE and a few more): the village part stays 201-399. */
	snprintf(code, 13, "330681%03u%03u", 101 + v % 10, 201 + (v / 10) % 199);
	static const char set[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	for (const char *c = set; *c; c++) {
		snprintf(uscc, 19, "N2330681MA%07u%c", 1000 + v % 1000000, *c);
		if (qp_ids_check_uscc(uscc, QP_USCC_COLLECTIVE, NULL) == 0)
			return;
	}
	die("no check character for a credit code");
}

static void resident(char out[19], uint64_t h)
{
	char d[18];
	uint64_t day = h / 1000, seq = h % 1000;
	snprintf(d, sizeof(d), "330681%04u%02u%02u%03u", (unsigned)(1940 + day / 336) % 10000u,
		 (unsigned)(1 + day / 28 % 12), (unsigned)(1 + day % 28), (unsigned)seq);
	memcpy(out, d, 17);
	out[17] = qp_ids_resident_check_char(d);
	out[18] = '\0';
}

/* ASCII digits as full-width ones (０..９, U+FF10..U+FF19). */
static void full_width(char *out, size_t len, const char *in)
{
	size_t o = 0;
	for (; *in && o + 4 < len; in++) {
		if (*in >= '0' && *in <= '9') {
			out[o++] = (char)0xEF;
			out[o++] = (char)0xBC;
			out[o++] = (char)(0x90 + (*in - '0'));
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

typedef struct {
	char f[NCOLS][320];
} record;

static int order[NCOLS];
static iconv_t to_gb = (iconv_t)-1;

/* One CSV field: quoted when it holds a comma, quote or line break. */
static void put_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Write one row (in the shuffled order); returns the lines it takes. */
static unsigned put_row(FILE *out, const record *r, int gb, int raw_last)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (m == NULL)
		die("out of memory");
	for (int i = 0; i < NCOLS; i++) {
		if (i)
			fputc(',', m);
		/* raw_last: the note written as is (a malformed field), wherever it stands */
		if (raw_last && order[i] == C_NOTE)
			fputs(r->f[C_NOTE], m);
		else
			put_field(m, r->f[order[i]]);
	}
	fputs("\r\n", m);
	fclose(m);
	unsigned lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (gb) {
		size_t cap = len * 2 + 16, left = cap, in_left = len;
		char *buf = malloc(cap), *o = buf, *in = text;
		if (buf == NULL || iconv(to_gb, &in, &in_left, &o, &left) == (size_t)-1)
			die("iconv to GB18030");
		fwrite(buf, 1, cap - left, out);
		free(buf);
	} else {
		fwrite(text, 1, len, out);
	}
	free(text);
	return lines;
}

/* ---- the defects: one kind each ------------------------------------------------------------- */

typedef struct {
	const char *kind;
	int col; /* the column reported, -1 for the whole row */
} defect;

static const defect defects[] = {
    {"ID check character", C_ID},
    {"ID birth date", C_ID},
    {"ID too short", C_ID},
    {"credit code no village carries", C_ID},
    {"credit code of another village", C_ID},
    {"parcel type not JC", C_UNIT},
    {"fixture type L", C_UNIT},
    {"W parcel without a home, held by a person", C_UNIT},
    {"unit of another county", C_UNIT},
    {"unit too short", C_UNIT},
    {"unknown village", C_VILLAGE},
    {"village of another county", C_VILLAGE},
    {"village not a code", C_VILLAGE},
    {"date not in the calendar", C_ISSUED},
    {"date in the future", C_ISSUED},
    {"date in words", C_ISSUED},
    {"valid until before issued", C_UNTIL},
    {"expired live ticket", C_UNTIL},
    {"negative area", C_AREA},
    {"three decimals", C_AREA},
    {"area in Chinese numerals", C_AREA},
    {"zero area", C_AREA},
    {"area over the hard limit", C_AREA},
    {"area over the policy", C_AREA},
    {"unknown type", C_TYPE},
    {"unknown status", C_STATUS},
    {"duplicate legacy number", C_NO},
    {"legacy number too long", C_NO},
    {"empty name", C_NAME},
    {"right-to-left override in the name", C_NAME},
    {"zero width space in the name", C_NAME},
    {"control character in the name", C_NAME},
    {"name too long", C_NAME},
    {"mobile number in the note", C_NOTE},
    {"ID number in the note", C_NOTE},
    {"text after a closing quote", -1},
};
#define NDEFECTS (sizeof(defects) / sizeof(defects[0]))

/* Make a good record r (a guarantee of a fresh household) defective in the way of d. */
static void spoil(record *r, const defect *d, const char *first_no, unsigned defect_no)
{
	char *f;
	switch (d - defects) {
	case 0: /* check character */
		f = r->f[C_ID];
		f[17] = f[17] == '0' ? '1' : '0';
		if (qp_ids_check_resident(NULL, f, NULL) == 0)
			f[17] = f[17] == '1' ? '2' : '1';
		break;
	case 1: memcpy(r->f[C_ID] + 10, "1332", 4); break;
	case 2: r->f[C_ID][12] = '\0'; break;
	case 3:
	case 4: {
		char code[13], uscc[19];
		snprintf(r->f[C_TYPE], sizeof(r->f[C_TYPE]), "地票");
		snprintf(r->f[C_NAME], sizeof(r->f[C_NAME]), "股份经济合作社");
		if (d - defects == 3) {
			village_of(NVILLAGE + 7, code, uscc); /* a code of no registered village */
		} else {				      /* another registered village's */
			village_of(0, code, uscc);
			if (strcmp(code, r->f[C_VILLAGE]) == 0)
				village_of(1, code, uscc);
		}
		snprintf(r->f[C_ID], sizeof(r->f[C_ID]), "%s", uscc);
		break;
	}
	case 5: memcpy(r->f[C_UNIT] + 12, "GB", 2); break;
	case 6: r->f[C_UNIT][19] = 'L'; break;
	case 7:
		snprintf(r->f[C_TYPE], sizeof(r->f[C_TYPE]), "复垦");
		memcpy(r->f[C_UNIT] + 19, "W00000000", 9);
		break;
	case 8: memcpy(r->f[C_UNIT], "330682", 6); break;
	case 9: r->f[C_UNIT][20] = '\0'; break;
	case 10: memcpy(r->f[C_VILLAGE] + 9, "399", 3); break;
	case 11: memcpy(r->f[C_VILLAGE], "330682", 6); break;
	case 12: snprintf(r->f[C_VILLAGE], sizeof(r->f[C_VILLAGE]), "东白湖村"); break;
	case 13: snprintf(r->f[C_ISSUED], sizeof(r->f[C_ISSUED]), "2019-02-30"); break;
	case 14: snprintf(r->f[C_ISSUED], sizeof(r->f[C_ISSUED]), "2999-01-01"); break;
	case 15: snprintf(r->f[C_ISSUED], sizeof(r->f[C_ISSUED]), "去年三月"); break;
	case 16:
		snprintf(r->f[C_ISSUED], sizeof(r->f[C_ISSUED]), "2019-03-05");
		snprintf(r->f[C_UNTIL], sizeof(r->f[C_UNTIL]), "2018/1/1");
		break;
	case 17:
		snprintf(r->f[C_ISSUED], sizeof(r->f[C_ISSUED]), "2015-03-05");
		snprintf(r->f[C_UNTIL], sizeof(r->f[C_UNTIL]), "2020年1月1日");
		snprintf(r->f[C_STATUS], sizeof(r->f[C_STATUS]), "有效");
		break;
	case 18: snprintf(r->f[C_AREA], sizeof(r->f[C_AREA]), "-12.5"); break;
	case 19: snprintf(r->f[C_AREA], sizeof(r->f[C_AREA]), "12.345"); break;
	case 20: snprintf(r->f[C_AREA], sizeof(r->f[C_AREA]), "一百二十"); break;
	case 21: snprintf(r->f[C_AREA], sizeof(r->f[C_AREA]), "0"); break;
	case 22: snprintf(r->f[C_AREA], sizeof(r->f[C_AREA]), "１２００００００"); break;
	case 23: snprintf(r->f[C_AREA], sizeof(r->f[C_AREA]), "200平方米"); break;
	case 24: snprintf(r->f[C_TYPE], sizeof(r->f[C_TYPE]), "宅基地置换"); break;
	case 25: snprintf(r->f[C_STATUS], sizeof(r->f[C_STATUS]), "作废"); break;
	case 26: snprintf(r->f[C_NO], sizeof(r->f[C_NO]), "%s", first_no); break;
	case 27: snprintf(r->f[C_NO], sizeof(r->f[C_NO]), "ZJDP-%070u", defect_no); break;
	case 28: r->f[C_NAME][0] = '\0'; break;
	case 29: snprintf(r->f[C_NAME], sizeof(r->f[C_NAME]), "王\xe2\x80\xae明大"); break;
	case 30: snprintf(r->f[C_NAME], sizeof(r->f[C_NAME]), "王\xe2\x80\x8b大明"); break;
	case 31: snprintf(r->f[C_NAME], sizeof(r->f[C_NAME]), "王\x01大明"); break;
	case 32:
		snprintf(r->f[C_NAME], sizeof(r->f[C_NAME]), "%s",
			 "王大明王大明王大明王大明王大明王大明王大明王大明王大明王大明王大明王大明");
		break;
	case 33: snprintf(r->f[C_NOTE], sizeof(r->f[C_NOTE]), "联系 13812345678"); break;
	case 34: snprintf(r->f[C_NOTE], sizeof(r->f[C_NOTE]), "代办人 330681198001011038"); break;
	case 35: snprintf(r->f[C_NOTE], sizeof(r->f[C_NOTE]), "\"旧档\"案"); break;
	}
}

int main(int argc, char **argv)
{
	const char *out_path = NULL, *expect_path = NULL, *villages_path = NULL;
	unsigned long good = 0, mixed = 0;
	int gb = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--encoding") == 0 && i + 1 < argc)
			gb = strcmp(argv[++i], "gb18030") == 0;
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			rnd_state = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--mixed") == 0 && i + 1 < argc)
			mixed = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc)
			expect_path = argv[++i];
		else if (strcmp(argv[i], "--villages") == 0 && i + 1 < argc)
			villages_path = argv[++i];
		else if (out_path == NULL)
			out_path = argv[i];
		else if (good == 0)
			good = strtoul(argv[i], NULL, 10);
		else
			die("usage: qp_legacy_gen OUT GOOD_ROWS [--encoding utf-8|gb18030] [--seed N] "
			    "[--mixed LINE] "
			    "[--expect FILE] [--villages FILE]");
	}
	if (out_path == NULL || good == 0)
		die("usage: qp_legacy_gen OUT GOOD_ROWS [options]");
	if ((to_gb = iconv_open("GB18030", "UTF-8")) == (iconv_t)-1)
		die("iconv cannot encode GB18030");
	FILE *out = fopen(out_path, "wb"), *exp = expect_path ? fopen(expect_path, "w") : NULL;
	if (out == NULL || (expect_path && exp == NULL))
		die("cannot write the output");
	if (villages_path) {
		FILE *v = fopen(villages_path, "w");
		if (v == NULL)
			die("cannot write the villages");
		for (unsigned i = 0; i < NVILLAGE; i++) {
			char code[13], uscc[19];
			village_of(i, code, uscc);
			fprintf(v, "%s 第%u村 %s\n", code, i + 1, uscc);
		}
		fclose(v);
	}
	/* The columns shuffled (Fisher-Yates on the seed). */
	for (int i = 0; i < NCOLS; i++)
		order[i] = i;
	for (int i = NCOLS - 1; i > 0; i--) {
		int j = (int)rnd((uint32_t)i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	record hr;
	for (int i = 0; i < NCOLS; i++)
		snprintf(hr.f[i], sizeof(hr.f[i]), "%s", headers[i]);
	unsigned long line = 1 + put_row(out, &hr, gb, 0);
	static const char *const surnames[] = {"王", "李", "陈", "张", "赵", "周",
					       "吴", "徐", "孙", "楼", "宣", "斯"};
	static const char *const given[] = {"建国", "秀英", "德胜", "淑芬", "伟",
					    "海",   "丽",   "文",   "卫东", "玉兰"};
	int year_now = 1970 + (int)(time(NULL) / 31556952);
	uint64_t h = 0;
	int prev_withdrawal = 0;
	unsigned prev_area = 0, next_defect = 0;
	char prev_unit[29] = "", first_no[32] = "";
	unsigned long defect_every = good / NDEFECTS > 2 ? good / NDEFECTS : 2;
	for (unsigned long i = 0; i < good; i++) {
		record r;
		memset(&r, 0, sizeof(r));
		int land_of_prev = prev_withdrawal && rnd(2) == 0;
		if (!land_of_prev)
			h++;
		unsigned v = (unsigned)(h % NVILLAGE);
		char village[13], uscc[19], id[19];
		village_of(v, village, uscc);
		resident(id, h);
		unsigned x = rnd(100);
		const char *type = land_of_prev ? (rnd(2) ? "地票" : "复垦")
				   : x < 50	? "宅基地退出"
				   : x < 75	? "危旧房权益保全"
				   : x < 88	? "地票"
						: "复垦";
		/* Reclaimed land on which no registered home stood: the collective's ticket on a W parcel. */
		int bare_land = !land_of_prev && x >= 88;
		x = rnd(100);
		const char *status = x < 70 ? "有效" : x < 90 ? "已使用" : "已注销";
		unsigned a = land_of_prev ? 1000 + rnd(prev_area - 1000) : 3000 + rnd(13000);
		snprintf(r.f[C_NO], sizeof(r.f[C_NO]), "ZJDP-%04u-%06lu", 2012 + (unsigned)(i % 12), i);
		if (i == 0)
			snprintf(first_no, sizeof(first_no), "%.31s", r.f[C_NO]);
		snprintf(r.f[C_TYPE], sizeof(r.f[C_TYPE]), "%s", type);
		snprintf(r.f[C_VILLAGE], sizeof(r.f[C_VILLAGE]), "%s", village);
		if (land_of_prev || bare_land) {
			/* The collective by its credit code, the reclaimed parcel by fixture type W. */
			snprintf(r.f[C_NAME], sizeof(r.f[C_NAME]), "第%u村股份经济合作社", v + 1);
			snprintf(r.f[C_ID], sizeof(r.f[C_ID]), "%s", uscc);
			if (land_of_prev)
				snprintf(r.f[C_UNIT], sizeof(r.f[C_UNIT]), "%.19sW00000000", prev_unit);
			else
				snprintf(r.f[C_UNIT], sizeof(r.f[C_UNIT]), "%sJC%05uW00000000", village,
					 (unsigned)(h % 100000));
		} else {
			snprintf(r.f[C_NAME], sizeof(r.f[C_NAME]), "%s%s", surnames[h % 12],
				 given[h / 12 % 10]);
			snprintf(r.f[C_ID], sizeof(r.f[C_ID]), "%s", id);
			snprintf(r.f[C_UNIT], sizeof(r.f[C_UNIT]), "%sJC%05uF00010001", village,
				 (unsigned)(h % 100000));
		}
		char num[32];
		snprintf(num, sizeof(num), "%u.%02u", a / 100, a % 100);
		x = rnd(4);
		if (x == 3)
			full_width(r.f[C_AREA], sizeof(r.f[C_AREA]), num);
		else
			snprintf(r.f[C_AREA], sizeof(r.f[C_AREA]),
				 x == 0	  ? "%s"
				 : x == 1 ? "%s㎡"
					  : "%s平方米",
				 num);
		int y =
		    strcmp(type, "危旧房权益保全") == 0 ? year_now - 1 - (int)rnd(8) : 2012 + (int)rnd(12);
		unsigned mo = 1 + rnd(12), dd = 1 + rnd(28);
		x = rnd(3);
		snprintf(r.f[C_ISSUED], sizeof(r.f[C_ISSUED]),
			 x == 0	  ? "%d-%02u-%02u"
			 : x == 1 ? "%d/%u/%u"
				  : "%d年%u月%u日",
			 y, mo, dd);
		snprintf(r.f[C_STATUS], sizeof(r.f[C_STATUS]), "%s", status);
		x = rnd(8);
		if (x == 0)
			snprintf(r.f[C_NOTE], sizeof(r.f[C_NOTE]), "旧系统第%lu号, 经办人\"%s\"", i,
				 surnames[rnd(12)]);
		else if (x == 1)
			snprintf(r.f[C_NOTE], sizeof(r.f[C_NOTE]), "拆除后复垦\n验收合格");
		snprintf(r.f[C_ARCHIVE], sizeof(r.f[C_ARCHIVE]), "ZJ-%07lu", i);
		unsigned long this_line = line;
		line += put_row(out, &r, mixed ? this_line == mixed : gb, 0);
		prev_withdrawal = !land_of_prev && strcmp(type, "宅基地退出") == 0;
		prev_area = a;
		snprintf(prev_unit, sizeof(prev_unit), "%.28s", r.f[C_UNIT]);

		/* A defective row now and then: a fresh household's withdrawal, spoilt one way. */
		if (next_defect < NDEFECTS && (i + 1) % defect_every == 0) {
			const defect *d = &defects[next_defect];
			record b;
			memset(&b, 0, sizeof(b));
			uint64_t hb = 900000 + next_defect;
			char bv[13], bu[19], bid[19];
			village_of((unsigned)(hb % NVILLAGE), bv, bu);
			resident(bid, hb);
			snprintf(b.f[C_NO], sizeof(b.f[C_NO]), "ZJDP-BAD-%03u", next_defect);
			snprintf(b.f[C_TYPE], sizeof(b.f[C_TYPE]), "宅基地退出");
			snprintf(b.f[C_NAME], sizeof(b.f[C_NAME]), "%s%s", surnames[hb % 12],
				 given[hb / 12 % 10]);
			snprintf(b.f[C_ID], sizeof(b.f[C_ID]), "%s", bid);
			snprintf(b.f[C_VILLAGE], sizeof(b.f[C_VILLAGE]), "%s", bv);
			snprintf(b.f[C_UNIT], sizeof(b.f[C_UNIT]), "%sJC9%04uF00010001", bv, next_defect);
			snprintf(b.f[C_AREA], sizeof(b.f[C_AREA]), "100.00");
			snprintf(b.f[C_ISSUED], sizeof(b.f[C_ISSUED]), "2019-03-05");
			snprintf(b.f[C_STATUS], sizeof(b.f[C_STATUS]), "有效");
			snprintf(b.f[C_ARCHIVE], sizeof(b.f[C_ARCHIVE]), "ZJ-BAD-%03u", next_defect);
			spoil(&b, d, first_no, next_defect);
			if (exp)
				fprintf(exp, "%lu\t%s\t%s\t%s\n", line, b.f[C_NO],
					d->col < 0 ? "" : headers[d->col], d->kind);
			line += put_row(out, &b, mixed ? line == mixed : gb, d->col < 0);
			next_defect++;
		}
	}
	if (next_defect < NDEFECTS)
		die("too few good rows for every kind of defect");
	if (fclose(out) != 0 || (exp && fclose(exp) != 0))
		die("writing the output");
	iconv_close(to_gb);
	printf("%lu good rows, %u defective rows of %u kinds, %lu lines\n", good, next_defect,
	       (unsigned)NDEFECTS, line - 1);
	return 0;
}
