/*
 * table.c - aligned tables for a UTF-8 terminal, money in yuan and
 * 万元/亿元, and the one way each registry record is shown (table row and
 * JSON object).
 *
 * Widths: a terminal shows East Asian wide and fullwidth characters in two
 * columns, so padding counts columns, not bytes or code points.  Cells are
 * cleaned when added (control characters and broken UTF-8 become U+FFFD):
 * what the registry holds is shown, never interpreted by the terminal.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "table.h"

/* ---- display width ----------------------------------------------------- */

/*
 * Decode the UTF-8 sequence at s: its length (0 if none is valid there)
 * and code point.
 */
static size_t utf8_decode(const unsigned char *s, unsigned *cp_out)
{
	static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t n;
	unsigned cp;
	if (s[0] < 0x80) {
		*cp_out = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	*cp_out = cp;
	return n;
}

static int is_wide(unsigned cp)
{
	return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	       (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	       (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

size_t cli_display_width(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t width = 0;
	while (*s) {
		unsigned cp = 0;
		size_t n = utf8_decode(s, &cp);
		if (n == 0) {
			width++;
			s++;
			continue;
		}
		width += is_wide(cp) ? 2 : 1;
		s += n;
	}
	return width;
}

/*
 * A copy of text in which control characters (C0, DEL, C1) and bytes that
 * are not UTF-8 are replaced by U+FFFD.  malloc'd; NULL when out of memory.
 */
static char *clean_copy(const char *text)
{
	size_t len = strlen(text);
	char *out = malloc(len * 3 + 1);
	if (out == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		unsigned cp = 0;
		size_t n = utf8_decode((const unsigned char *)text + i, &cp);
		if (n == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i += n ? n : 1;
		} else {
			memcpy(out + o, text + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return out;
}

/* ---- tables ------------------------------------------------------------- */

struct cli_table {
	size_t ncols, nrows, cap; /* rows, counting the header row if any */
	bool has_header, failed;
	char *align;  /* ncols letters */
	char **cells; /* nrows * ncols cleaned strings */
};

cli_table *cli_table_new(size_t ncols, const char *const *headers, const char *align)
{
	cli_table *t = calloc(1, sizeof(*t));
	if (t == NULL || ncols == 0)
		goto fail;
	t->ncols = ncols;
	t->align = malloc(ncols);
	if (t->align == NULL)
		goto fail;
	for (size_t c = 0; c < ncols; c++)
		t->align[c] = align && align[c] == 'r' ? 'r' : 'l';
	if (headers) {
		if (cli_table_row(t, headers) != CLI_OK)
			goto fail;
		t->has_header = true;
	}
	return t;
fail:
	cli_table_free(t);
	return NULL;
}

int cli_table_row(cli_table *t, const char *const *cells)
{
	if (t == NULL)
		return CLI_EXIT_IO;
	if (t->failed)
		return CLI_EXIT_IO;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		char **grown = realloc(t->cells, cap * t->ncols * sizeof(*grown));
		if (grown == NULL) {
			t->failed = true;
			return CLI_EXIT_IO;
		}
		t->cells = grown;
		t->cap = cap;
	}
	char **row = t->cells + t->nrows * t->ncols;
	for (size_t c = 0; c < t->ncols; c++) {
		row[c] = clean_copy(cells[c] ? cells[c] : "-");
		if (row[c] == NULL) {
			while (c-- > 0)
				free(row[c]);
			t->failed = true;
			return CLI_EXIT_IO;
		}
	}
	t->nrows++;
	return CLI_OK;
}

size_t cli_table_rows(const cli_table *t)
{
	return t ? t->nrows - (t->has_header ? 1 : 0) : 0;
}

static int pad(FILE *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fputc(' ', f) == EOF)
			return -1;
	return 0;
}

int cli_table_print(const cli_table *t, FILE *f, size_t indent)
{
	if (t == NULL || t->failed) {
		fputs("quanpiao: out of memory building a table\n", stderr);
		return CLI_EXIT_IO;
	}
	size_t *width = calloc(t->ncols, sizeof(*width));
	if (width == NULL) {
		fputs("quanpiao: out of memory building a table\n", stderr);
		return CLI_EXIT_IO;
	}
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = cli_display_width(t->cells[r * t->ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	int bad = 0;
	for (size_t r = 0; r < t->nrows && !bad; r++) {
		bad |= pad(f, indent);
		for (size_t c = 0; c < t->ncols && !bad; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			size_t room = width[c] - cli_display_width(cell);
			bool last = c + 1 == t->ncols;
			if (c > 0)
				bad |= pad(f, 2);
			if (t->align[c] == 'r')
				bad |= pad(f, room);
			bad |= fputs(cell, f) == EOF;
			if (t->align[c] == 'l' && !last)
				bad |= pad(f, room);
		}
		bad |= fputc('\n', f) == EOF;
	}
	free(width);
	if (bad || fflush(f) != 0) {
		fputs("quanpiao: cannot write the output\n", stderr);
		return CLI_EXIT_IO;
	}
	return CLI_OK;
}

void cli_table_free(cli_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->align);
	free(t);
}

/* ---- amounts ------------------------------------------------------------ */

void cli_format_hundredths(char *buf, size_t buf_len, int64_t value)
{
	if (qp_ids_format_hundredths(buf, buf_len, value) != QP_OK && buf_len > 0)
		buf[0] = '\0';
}

/*
 * Write mag / unit rounded half up to 2 decimals, then suffix.  unit is
 * the number of fen in one hundredth of the suffix's unit; everything is
 * unsigned integer arithmetic, so nothing overflows or rounds twice.
 */
static void scaled(char *buf, size_t buf_len, const char *sign, uint64_t mag, uint64_t unit,
		   const char *suffix)
{
	uint64_t q = mag / unit;
	if (mag % unit >= unit - unit / 2)
		q++;
	snprintf(buf, buf_len, "%s%llu.%02llu%s", sign, (unsigned long long)(q / 100),
		 (unsigned long long)(q % 100), suffix);
}

void cli_format_yuan_cn(char *buf, size_t buf_len, int64_t fen)
{
	/* 1万 yuan = 10^6 fen, 1亿 yuan = 10^10 fen. */
	const uint64_t wan = 1000000ULL, yi = 10000000000ULL;
	uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	const char *sign = fen < 0 ? "-" : "";
	if (mag >= yi)
		scaled(buf, buf_len, sign, mag, yi / 100, "亿元");
	else if (mag >= wan)
		scaled(buf, buf_len, sign, mag, wan / 100, "万元");
	else
		snprintf(buf, buf_len, "%s%llu.%02llu元", sign, (unsigned long long)(mag / 100),
			 (unsigned long long)(mag % 100));
}

void cli_format_money(char *buf, size_t buf_len, int64_t fen)
{
	char yuan[32], cn[CLI_MONEY_LEN];
	cli_format_hundredths(yuan, sizeof(yuan), fen);
	cli_format_yuan_cn(cn, sizeof(cn), fen);
	snprintf(buf, buf_len, "%s (%s)", yuan, cn);
}

/* ---- records --------------------------------------------------------------- */

void cli_show_resident(char out[QP_RESIDENT_ID_LEN + 1], const char *id_number, bool reveal)
{
	if (reveal)
		snprintf(out, QP_RESIDENT_ID_LEN + 1, "%s", id_number);
	else
		qp_ids_mask_resident(out, id_number);
}

void cli_personal_absent(char *buf, size_t len, bool erased, uint64_t erased_at)
{
	if (erased)
		snprintf(buf, len, "已删除 erased by entry %llu", (unsigned long long)erased_at);
	else
		snprintf(buf, len, "未持有 not held in this file");
}

void cli_household_id_text(char *buf, size_t len, const qp_household *h, bool reveal)
{
	char id[QP_RESIDENT_ID_LEN + 1];
	if (h->id_number[0] == '\0') {
		cli_personal_absent(buf, len, h->erased, h->erased_at);
		return;
	}
	if (reveal)
		cli_reveal_note(h->number);
	cli_show_resident(id, h->id_number, reveal);
	snprintf(buf, len, "%s", id);
}

void cli_household_name_text(char *buf, size_t len, const qp_household *h)
{
	if (h->name == NULL)
		cli_personal_absent(buf, len, h->erased, h->erased_at);
	else
		snprintf(buf, len, "%s", h->name);
}

void cli_household_text(char *buf, size_t len, const qp_household *h, bool reveal)
{
	char id[CLI_PERSONAL_TEXT_LEN], name[CLI_PERSONAL_TEXT_LEN];
	if (h->id_number[0] == '\0') {
		cli_personal_absent(id, sizeof(id), h->erased, h->erased_at);
		snprintf(buf, len, "%s (%s)", h->number, id);
		return;
	}
	cli_household_id_text(id, sizeof(id), h, reveal);
	cli_household_name_text(name, sizeof(name), h);
	snprintf(buf, len, "%s %s %s", h->number, id, name);
}

/*
 * The investor's ID to show: an enterprise's credit code as it is, a
 * person's ID number masked unless reveal (it is personal data), or what
 * became of it when the file holds none.
 */
/* A person investor shown in full is recorded by the activation's entry (reveal.c). */
static void note_investor(const qp_activation *a, bool reveal)
{
	char subject[32];
	if (!reveal)
		return;
	snprintf(subject, sizeof(subject), "entry %llu", (unsigned long long)a->index);
	cli_reveal_note(subject);
}

static void show_investor_id(char *out, size_t len, const qp_activation *a, bool reveal)
{
	char id[QP_RESIDENT_ID_LEN + 1];
	if (!a->investor_person) {
		snprintf(out, len, "%s", a->investor_id);
	} else if (a->investor_id[0] == '\0') {
		cli_personal_absent(out, len, false, 0);
	} else {
		note_investor(a, reveal);
		cli_show_resident(id, a->investor_id, reveal);
		snprintf(out, len, "%s", id);
	}
}

void cli_status_text(char *buf, size_t buf_len, qp_home_status status)
{
	const char *name = qp_home_status_name(status), *label = qp_home_status_label(status);
	snprintf(buf, buf_len, "%s %s", label ? label : "?", name ? name : "?");
}

/* Chinese names of the activation uses. */
static const char *use_label(const char *use)
{
	static const char *const uses[][2] = {{"homestay", "民宿"},  {"culture", "文化"},
					      {"eldercare", "养老"}, {"rental", "出租"},
					      {"office", "办公"},    {"other", "其他"}};
	for (size_t i = 0; i < sizeof(uses) / sizeof(uses[0]); i++)
		if (strcmp(use, uses[i][0]) == 0)
			return uses[i][1];
	return NULL;
}

static void add_amount(cJSON *obj, const char *key, int64_t hundredths)
{
	char buf[32];
	cli_format_hundredths(buf, sizeof(buf), hundredths);
	cJSON_AddStringToObject(obj, key, buf);
}

static void add_text_or_null(cJSON *obj, const char *key, const char *text)
{
	if (text)
		cli_json_add_text(obj, key, text);
	else
		cJSON_AddNullToObject(obj, key);
}

static void add_index(cJSON *obj, const char *key, uint64_t index)
{
	cJSON_AddNumberToObject(obj, key, (double)index);
}

cJSON *cli_village_json(const qp_village *v)
{
	char township[10];
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	snprintf(township, sizeof(township), "%.9s", v->code);
	cJSON_AddStringToObject(o, "code", v->code);
	cli_json_add_text(o, "name", v->name ? v->name : "");
	cJSON_AddStringToObject(o, "township", township);
	add_text_or_null(o, "uscc", v->uscc);
	add_index(o, "added_at", v->added_at);
	add_index(o, "updated_at", v->updated_at ? v->updated_at : v->added_at);
	return o;
}

cJSON *cli_household_json(const qp_household *h, bool reveal)
{
	char id[QP_RESIDENT_ID_LEN + 1];
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "number", h->number);
	if (h->id_number[0]) {
		if (reveal)
			cli_reveal_note(h->number);
		cli_show_resident(id, h->id_number, reveal);
		cJSON_AddStringToObject(o, "id_number", id);
	} else {
		cJSON_AddNullToObject(o, "id_number");
	}
	add_text_or_null(o, "name", h->name);
	cJSON_AddStringToObject(o, "village", h->village);
	cJSON_AddNumberToObject(o, "members", h->members);
	add_index(o, "added_at", h->added_at);
	cJSON_AddBoolToObject(o, "erased", h->erased != 0);
	if (h->erased)
		add_index(o, "erased_at", h->erased_at);
	else
		cJSON_AddNullToObject(o, "erased_at");
	return o;
}

cJSON *cli_home_json(const qp_home *h, bool reveal)
{
	char parcel[QP_PARCEL_CODE_LEN + 1], township[10];
	cJSON *o = cJSON_CreateObject();
	(void)reveal; /* a home names its household by number, which is no personal data */
	if (o == NULL)
		return NULL;
	snprintf(parcel, sizeof(parcel), "%.19s", h->unit);
	snprintf(township, sizeof(township), "%.9s", h->village);
	cJSON_AddStringToObject(o, "unit", h->unit);
	cJSON_AddStringToObject(o, "parcel", parcel);
	cJSON_AddStringToObject(o, "village", h->village);
	cJSON_AddStringToObject(o, "township", township);
	cJSON_AddStringToObject(o, "household", h->household);
	add_amount(o, "land_area", h->land_area);
	if (h->floor_area >= 0)
		add_amount(o, "floor_area", h->floor_area);
	else
		cJSON_AddNullToObject(o, "floor_area");
	if (h->built > 0)
		cJSON_AddNumberToObject(o, "built", h->built);
	else
		cJSON_AddNullToObject(o, "built");
	add_text_or_null(o, "status", qp_home_status_name(h->status));
	add_text_or_null(o, "status_label", qp_home_status_label(h->status));
	add_index(o, "added_at", h->added_at);
	add_index(o, "updated_at", h->updated_at);
	return o;
}

cJSON *cli_activation_json(const qp_activation *a, bool reveal)
{
	char id[QP_RESIDENT_ID_LEN + 1];
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	add_index(o, "index", a->index);
	cJSON_AddStringToObject(o, "unit", a->unit);
	cJSON_AddStringToObject(o, "investor_type", a->investor_person ? "person" : "enterprise");
	add_text_or_null(o, "investor", a->investor);
	if (a->investor_person && a->investor_id[0]) {
		note_investor(a, reveal);
		cli_show_resident(id, a->investor_id, reveal);
		cJSON_AddStringToObject(o, "investor_id", id);
	} else if (a->investor_person) {
		cJSON_AddNullToObject(o, "investor_id");
	} else {
		cJSON_AddStringToObject(o, "investor_id", a->investor_id);
	}
	cJSON_AddStringToObject(o, "start", a->start);
	cJSON_AddNumberToObject(o, "years", a->years);
	add_amount(o, "rent", a->rent);
	add_amount(o, "investment", a->investment);
	cli_json_add_text(o, "use", a->use);
	add_text_or_null(o, "deal_no", a->deal_no);
	return o;
}

cJSON *cli_home_event_json(const qp_home_event *e)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	add_index(o, "index", e->index);
	cJSON_AddStringToObject(o, "time", e->time);
	cli_json_add_text(o, "signer", e->signer ? e->signer : "");
	cJSON_AddStringToObject(o, "type", e->type);
	cli_json_add_text(o, "summary", e->summary ? e->summary : "");
	return o;
}

cli_table *cli_homes_table(void)
{
	static const char *const headers[] = {"单元 unit",   "村 village",     "户 household",
					      "状态 status", "宅基地 land m²", "建筑 floor m²",
					      "建成 built"};
	return cli_table_new(7, headers, "llllrrr");
}

int cli_homes_table_row(cli_table *t, const qp_home *h, bool reveal)
{
	char status[64], land[32], floor[32] = "-", built[16] = "-";
	(void)reveal; /* the household is shown by number, which is no personal data */
	cli_status_text(status, sizeof(status), h->status);
	cli_format_hundredths(land, sizeof(land), h->land_area);
	if (h->floor_area >= 0)
		cli_format_hundredths(floor, sizeof(floor), h->floor_area);
	if (h->built > 0)
		snprintf(built, sizeof(built), "%d", h->built);
	return cli_table_row(
	    t, (const char *const[]){h->unit, h->village, h->household, status, land, floor, built});
}

cli_table *cli_activations_table(void)
{
	static const char *const headers[] = {"条目 entry",	 "投资方 investor", "证件 investor ID",
					      "起始 start",	 "年限 years",	    "年租金 rent",
					      "投资 investment", "用途 use",	    "合同 deal no."};
	return cli_table_new(9, headers, "rlllrrrll");
}

int cli_activations_table_row(cli_table *t, const qp_activation *a, bool reveal)
{
	char index[24], id[CLI_PERSONAL_TEXT_LEN], investor[CLI_PERSONAL_TEXT_LEN], years[16], rent[32];
	char investment[32], use[48];
	const char *label = use_label(a->use);
	snprintf(index, sizeof(index), "%llu", (unsigned long long)a->index);
	show_investor_id(id, sizeof(id), a, reveal);
	if (a->investor)
		snprintf(investor, sizeof(investor), "%s", a->investor);
	else
		cli_personal_absent(investor, sizeof(investor), false, 0);
	snprintf(years, sizeof(years), "%d", a->years);
	cli_format_hundredths(rent, sizeof(rent), a->rent);
	cli_format_hundredths(investment, sizeof(investment), a->investment);
	snprintf(use, sizeof(use), "%s%s%s", label ? label : "", label ? " " : "", a->use);
	return cli_table_row(t, (const char *const[]){index, investor, id, a->start, years, rent, investment,
						      use, a->deal_no});
}

cli_table *cli_history_table(void)
{
	static const char *const headers[] = {"条目 entry", "时间 time", "签名 signer", "类型 type",
					      "变更 change"};
	return cli_table_new(5, headers, "rllll");
}

int cli_history_table_row(cli_table *t, const qp_home_event *e)
{
	char index[24];
	snprintf(index, sizeof(index), "%llu", (unsigned long long)e->index);
	return cli_table_row(t, (const char *const[]){index, e->time, e->signer, e->type, e->summary});
}
