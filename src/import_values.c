/*
 * import_values.c - what the legacy columns mean and how their values are
 * read: the mapping (column names, types, statuses, redemption purposes;
 * defaults with an optional JSON file over them), and lenient but exact
 * parsers for what office software writes: white space of any width,
 * full-width digits, three spellings of a date, areas with unit suffixes.
 * A value that could be read two ways is refused, never guessed.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "import_internal.h"
#include "quanpiao/ids.h"
#include "quanpiao/schema.h"

static const char *const col_names[QP_ICOL_COUNT] = {
    "legacy_no", "type",      "holder_name", "holder_id", "village", "unit",
    "area",	 "issued_on", "valid_until", "status",	  "note",    "land_area",
};

static const char *const outcome_names[] = {"live", "redeemed", "revoked"};

static const char default_mapping[] =
    "{\"columns\":{\"票号\":\"legacy_no\",\"类型\":\"type\",\"持有人\":\"holder_name\","
    "\"证件号码\":\"holder_id\",\"村代码\":\"village\",\"不动产单元号\":\"unit\",\"面积\":\"area\","
    "\"发证日期\":\"issued_on\",\"有效期至\":\"valid_until\",\"状态\":\"status\",\"备注\":\"note\","
    "\"宅基地面积\":\"land_area\"},"
    "\"purposes\":{},"
    "\"statuses\":{\"有效\":\"live\",\"已使用\":\"redeemed\",\"已注销\":\"revoked\"},"
    "\"types\":{\"宅基地退出\":\"guarantee\",\"危旧房权益保全\":\"retention\",\"地票\":\"collective\","
    "\"复垦\":\"collective\"}}";

struct qp_import_map {
	cJSON *json; /* the merged mapping */
};

const char *qp_import_default_mapping(void)
{
	return default_mapping;
}

const char *qp_import_col_name(qp_import_col c)
{
	return c >= 0 && c < QP_ICOL_COUNT ? col_names[c] : "";
}

int qp_import_col_required(qp_import_col c)
{
	return c != QP_ICOL_VALID_UNTIL && c != QP_ICOL_NOTE && c != QP_ICOL_LAND_AREA;
}

/* ---- the mapping ---------------------------------------------------------------------------- */

static int col_by_name(const char *name)
{
	for (int i = 0; i < QP_ICOL_COUNT; i++)
		if (strcmp(col_names[i], name) == 0)
			return i;
	return -1;
}

static int outcome_by_name(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(outcome_names[i], name) == 0)
			return i;
	return -1;
}

/* Check one section of a mapping file: an object of strings, each value allowed by check. */
static int check_section(const cJSON *sec, const char *name, int (*check)(const char *), const char *allowed,
			 int keys_are_kinds)
{
	if (!cJSON_IsObject(sec))
		return qp_error_set(QP_EINVALID, "mapping: %s must be an object", name);
	for (const cJSON *m = sec->child; m; m = m->next) {
		qp_cert_kind k;
		if (m->string[0] == '\0' || strlen(m->string) > 64)
			return qp_error_set(QP_EINVALID, "mapping: %s: names must be 1 to 64 bytes", name);
		if (keys_are_kinds && qp_cert_kind_parse(&k, m->string) != QP_OK)
			return qp_error_set(QP_EINVALID,
					    "mapping: %s.%s: not a certificate kind (guarantee, retention, "
					    "collective)",
					    name, m->string);
		if (!cJSON_IsString(m) || (check && check(m->valuestring) < 0) ||
		    (!check && (m->valuestring[0] == '\0' || strlen(m->valuestring) > 16)))
			return qp_error_set(QP_EINVALID, "mapping: %s.%s must be %s", name, m->string,
					    allowed);
	}
	return QP_OK;
}

/* The mapping's "drop": an array of column names, each 1 to 64 bytes. */
static int check_drop(const cJSON *sec)
{
	if (!cJSON_IsArray(sec))
		return qp_error_set(QP_EINVALID, "mapping: drop must be an array of column names");
	for (const cJSON *m = sec->child; m; m = m->next)
		if (!cJSON_IsString(m) || m->valuestring[0] == '\0' || strlen(m->valuestring) > 64)
			return qp_error_set(QP_EINVALID,
					    "mapping: drop: a column name is 1 to 64 bytes of text");
	return QP_OK;
}

static int kind_check(const char *name)
{
	qp_cert_kind k;
	return qp_cert_kind_parse(&k, name) == QP_OK ? 0 : -1;
}

int qp_import_map_new(qp_import_map **out, const char *mapping_json)
{
	static const char *const sections[] = {"columns", "purposes", "statuses", "types", "drop"};
	qp_import_map *m;
	cJSON *file = NULL;
	int err = QP_OK;
	*out = NULL;
	if ((m = qp_calloc(1, sizeof(*m))) == NULL)
		return QP_ENOMEM;
	if ((m->json = qp_json_parse(default_mapping, strlen(default_mapping), NULL, NULL)) == NULL) {
		qp_free(m);
		return qp_error_set(QP_ENOMEM, "out of memory reading the default mapping");
	}
	if (mapping_json) {
		int perr = QP_OK;
		file = qp_json_parse(mapping_json, strlen(mapping_json), NULL, &perr);
		if (file == NULL && perr == QP_ENOMEM) {
			err = qp_error_set(QP_ENOMEM, "out of memory reading the mapping");
			goto done;
		}
		if (!cJSON_IsObject(file)) {
			err = qp_error_set(QP_EINVALID, "mapping: not a JSON object");
			goto done;
		}
		for (const cJSON *s = file->child; s; s = s->next) {
			size_t i = 0;
			while (i < 5 && strcmp(s->string, sections[i]) != 0)
				i++;
			if (i == 5) {
				err =
				    qp_error_set(QP_EINVALID,
						 "mapping: unknown member \"%s\" (columns, types, statuses, "
						 "purposes, drop)",
						 s->string);
				goto done;
			}
		}
		const cJSON *sec;
		if (((sec = cJSON_GetObjectItemCaseSensitive(file, "columns")) &&
		     (err = check_section(sec, "columns", col_by_name,
					  "a column: legacy_no, type, holder_name, holder_id, village, unit, "
					  "area, issued_on, valid_until, status, note or land_area",
					  0)) != QP_OK) ||
		    ((sec = cJSON_GetObjectItemCaseSensitive(file, "types")) &&
		     (err = check_section(sec, "types", kind_check, "guarantee, retention or collective",
					  0)) != QP_OK) ||
		    ((sec = cJSON_GetObjectItemCaseSensitive(file, "statuses")) &&
		     (err = check_section(sec, "statuses", outcome_by_name, "live, redeemed or revoked",
					  0)) != QP_OK) ||
		    ((sec = cJSON_GetObjectItemCaseSensitive(file, "purposes")) &&
		     (err = check_section(sec, "purposes", NULL, "a redemption purpose of 1 to 16 bytes",
					  1)) != QP_OK) ||
		    ((sec = cJSON_GetObjectItemCaseSensitive(file, "drop")) &&
		     (err = check_drop(sec)) != QP_OK))
			goto done;
		/* The columns to leave out: the file's list as it is. */
		cJSON *drop = cJSON_DetachItemFromObjectCaseSensitive(file, "drop");
		if (drop && !cJSON_AddItemToObject(m->json, "drop", drop)) {
			cJSON_Delete(drop);
			err = qp_error_set(QP_ENOMEM, "out of memory reading the mapping");
			goto done;
		}
		for (size_t i = 0; i < 4; i++) {
			cJSON *from = cJSON_GetObjectItemCaseSensitive(file, sections[i]);
			cJSON *to = cJSON_GetObjectItemCaseSensitive(m->json, sections[i]);
			for (cJSON *e = from ? from->child : NULL; e; e = e->next) {
				cJSON *v = cJSON_CreateString(e->valuestring);
				if (v == NULL ||
				    (cJSON_GetObjectItemCaseSensitive(to, e->string)
					 ? !cJSON_ReplaceItemInObjectCaseSensitive(to, e->string, v)
					 : !cJSON_AddItemToObject(to, e->string, v))) {
					cJSON_Delete(v);
					err = qp_error_set(QP_ENOMEM, "out of memory reading the mapping");
					goto done;
				}
			}
		}
	}
done:
	cJSON_Delete(file);
	if (err != QP_OK) {
		qp_import_map_free(m);
		return err;
	}
	*out = m;
	return QP_OK;
}

void qp_import_map_free(qp_import_map *m)
{
	if (m == NULL)
		return;
	cJSON_Delete(m->json);
	qp_free(m);
}

/* ASCII case-insensitive equality (other bytes exact). */
static int same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

qp_import_col qp_import_map_column(const qp_import_map *m, const char *header)
{
	char name[256];
	if (qp_import_trim(name, sizeof(name), header) != QP_OK)
		return QP_ICOL_UNKNOWN;
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(m->json, "columns");
	for (const cJSON *c = cols ? cols->child : NULL; c; c = c->next)
		if (same_name(c->string, name))
			return (qp_import_col)col_by_name(c->valuestring);
	for (int i = 0; i < QP_ICOL_COUNT; i++)
		if (same_name(col_names[i], name))
			return (qp_import_col)i;
	return QP_ICOL_UNKNOWN;
}

int qp_import_map_dropped(const qp_import_map *m, const char *header)
{
	char name[256];
	const cJSON *drop = cJSON_GetObjectItemCaseSensitive(m->json, "drop");
	if (drop == NULL || qp_import_trim(name, sizeof(name), header) != QP_OK)
		return 0;
	for (const cJSON *c = drop->child; c; c = c->next)
		if (same_name(c->valuestring, name))
			return 1;
	return 0;
}

/*
 * Column names that say the column is about a person (in the file's own
 * words): its values would be personal data in the signed legacy record.
 */
static const char *const personal_names[] = {
    "身份证",	"身份证号", "身份证号码", "公民身份号码", "证件号",   "姓名",	  "户主",
    "户主姓名", "配偶",	    "配偶姓名",	  "共有人",	  "联系人",   "联系电话", "电话",
    "电话号码", "手机",	    "手机号",	  "手机号码",	  "联系方式", "住址",	  "家庭住址",
    "户籍地址", "name",	    "phone",	  "mobile",	  "address",  "id_card",  "id_number",
};

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

const char *qp_import_personal_text(const char *header, const char *value)
{
	char name[256], t[4096];
	if (header && qp_import_trim(name, sizeof(name), header) == QP_OK)
		for (size_t i = 0; i < sizeof(personal_names) / sizeof(personal_names[0]); i++)
			if (same_name(personal_names[i], name))
				return "the column's name says it holds a person's data";
	/* Full-width digits are digits too; a value too long to fold is read as it is. */
	size_t len = strlen(value);
	if (len < sizeof(t)) {
		memcpy(t, value, len + 1);
		qp_import_fold_width(t);
		value = t;
	}
	for (const char *p = value; *p;) {
		if (!digit(*p)) {
			p++;
			continue;
		}
		const char *q = p;
		while (digit(*q))
			q++;
		size_t n = (size_t)(q - p);
		int x = n == 17 && (*q == 'X' || *q == 'x');
		if (n == 18 || x) {
			/* A resident ID number: region, birth date, sequence, check character (even a wrong
			 * one). */
			int y = (p[6] - '0') * 1000 + (p[7] - '0') * 100 + (p[8] - '0') * 10 + (p[9] - '0');
			int mo = (p[10] - '0') * 10 + (p[11] - '0'), d = (p[12] - '0') * 10 + (p[13] - '0');
			if (y >= 1900 && y <= 2099 && qp_ids_date_exists(y, mo, d))
				return "holds what looks like a resident ID number";
		}
		if (n == 11 && p[0] == '1' && p[1] >= '3')
			return "holds what looks like a mobile phone number";
		p = q + x;
	}
	return NULL;
}

/* The names a section knows, for messages: "宅基地退出, 危旧房权益保全, ...". */
static void known_names(char *buf, size_t len, const cJSON *sec, const char *const *extra, size_t nextra)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const cJSON *e = sec ? sec->child : NULL; e; e = e->next) {
		int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", e->string);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
	for (size_t i = 0; i < nextra; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", extra[i]);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}

int qp_import_map_type(const qp_import_map *m, const char *type, qp_cert_kind *out)
{
	static const char *const kinds[] = {"guarantee", "retention", "collective"};
	const cJSON *sec = cJSON_GetObjectItemCaseSensitive(m->json, "types");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(sec, type);
	if (cJSON_IsString(v) && qp_cert_kind_parse(out, v->valuestring) == QP_OK)
		return QP_OK;
	if (qp_cert_kind_parse(out, type) == QP_OK)
		return QP_OK;
	char known[512];
	known_names(known, sizeof(known), sec, kinds, 3);
	return qp_error_set(QP_EINVALID, "unknown type; the mapping knows %s", known);
}

int qp_import_map_status(const qp_import_map *m, const char *status, qp_import_outcome *out)
{
	const cJSON *sec = cJSON_GetObjectItemCaseSensitive(m->json, "statuses");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(sec, status);
	int o = cJSON_IsString(v) ? outcome_by_name(v->valuestring) : outcome_by_name(status);
	if (o >= 0) {
		*out = (qp_import_outcome)o;
		return QP_OK;
	}
	char known[512];
	known_names(known, sizeof(known), sec, outcome_names, 3);
	return qp_error_set(QP_EINVALID, "unknown status; the mapping knows %s", known);
}

const char *qp_import_map_purpose(const qp_import_map *m, qp_cert_kind kind)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(m->json, "purposes"), qp_cert_kind_name(kind));
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- text ----------------------------------------------------------------------------------------- */

/* Length of the white space at s: ASCII blanks, U+3000, U+00A0, U+FEFF; 0 if none. */
static size_t space_at(const unsigned char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		return 1;
	if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	if (s[0] == 0xC2 && s[1] == 0xA0)
		return 2;
	if (s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		return 3;
	return 0;
}

int qp_import_trim(char *dst, size_t dst_len, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n;
	while ((n = space_at(s)) > 0)
		s += n;
	size_t len = strlen((const char *)s), end = len;
	/* Walk forward, remembering where the last non-space ends. */
	size_t i = 0;
	end = 0;
	while (i < len) {
		n = space_at(s + i);
		if (n == 0) {
			i++;
			while (i < len && (s[i] & 0xC0) == 0x80)
				i++;
			end = i;
		} else {
			i += n;
		}
	}
	if (end + 1 > dst_len)
		return QP_EINVALID;
	memcpy(dst, s, end);
	dst[end] = '\0';
	return QP_OK;
}

void qp_import_fold_width(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = (unsigned char *)s;
	while (*r) {
		if (r[0] == 0xEF && ((r[1] == 0xBC && r[2] >= 0x81 && r[2] <= 0xBF) ||
				     (r[1] == 0xBD && r[2] >= 0x80 && r[2] <= 0x9E))) {
			unsigned cp = 0xFF00u + (r[1] == 0xBD ? 0x40u : 0u) + (r[2] - 0x80u);
			*w++ = (unsigned char)(cp - 0xFEE0u);
			r += 3;
		} else if (r[0] == 0xE3 && r[1] == 0x80 && r[2] == 0x80) {
			*w++ = ' ';
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* ---- dates --------------------------------------------------------------------------------------- */

/* 1 to max digits at *p as a number; advances *p.  -1 if none or too many. */
static int digits(const char **p, int min, int max)
{
	int v = 0, n = 0;
	while (**p >= '0' && **p <= '9') {
		if (++n > max)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return n >= min ? v : -1;
}

/* Skip the separator sep (a byte string) at *p. */
static int skip(const char **p, const char *sep)
{
	size_t n = strlen(sep);
	if (strncmp(*p, sep, n) != 0)
		return 0;
	*p += n;
	return 1;
}

int qp_import_parse_date(char out[11], const char *text)
{
	char t[64];
	if (qp_import_trim(t, sizeof(t), text) != QP_OK)
		return qp_error_set(QP_EINVALID, "is not a date (too long)");
	qp_import_fold_width(t);
	if (t[0] == '\0')
		return qp_error_set(QP_EINVALID, "is empty; a date is needed");
	const char *p = t;
	int y = digits(&p, 4, 4), m = -1, d = -1, ok = 0;
	if (y >= 0) {
		if (skip(&p, "年")) {
			m = digits(&p, 1, 2);
			if (m >= 0 && skip(&p, "月")) {
				d = digits(&p, 1, 2);
				ok = d >= 0 && skip(&p, "日") && *p == '\0';
			}
		} else if (*p == '-' || *p == '/' || *p == '.') {
			char sep[2] = {*p++, '\0'};
			m = digits(&p, 1, 2);
			if (m >= 0 && skip(&p, sep)) {
				d = digits(&p, 1, 2);
				ok = d >= 0 && *p == '\0';
			}
		}
	}
	if (!ok)
		return qp_error_set(QP_EINVALID, "is not a date; write 2019-03-05, 2019/3/5 or 2019年3月5日");
	if (y < 1900 || y > 2999 || !qp_ids_date_exists(y, m, d))
		return qp_error_set(QP_EINVALID, "%04d-%02d-%02d is not a date in the calendar", y, m, d);
	qp_date when = {y, m, d};
	qp_ids_format_date(out, &when);
	return QP_OK;
}

/* ---- areas ----------------------------------------------------------------------------------------- */

/* Remove a unit suffix (and the white space before it) from t. */
static void strip_unit(char *t)
{
	static const char *const units[] = {"平方米", "㎡", "m²", "M²", "m2", "M2"};
	size_t n = strlen(t);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t u = strlen(units[i]);
		if (n >= u && strcmp(t + n - u, units[i]) == 0) {
			n -= u;
			while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
				n--;
			t[n] = '\0';
			return;
		}
	}
}

/* An area over the largest any entry may have (QP_AREA_MAX). */
static int area_over_max(void)
{
	char max[32];
	if (qp_ids_format_hundredths(max, sizeof(max), QP_AREA_MAX) != QP_OK)
		snprintf(max, sizeof(max), "?");
	return qp_error_set(QP_EINVALID, "is more than %s m²", max);
}

int qp_import_parse_area(int64_t *out, const char *text)
{
	char t[64];
	*out = 0;
	if (qp_import_trim(t, sizeof(t), text) != QP_OK)
		return qp_error_set(QP_EINVALID, "is not an area in m² (too long)");
	qp_import_fold_width(t);
	strip_unit(t);
	if (t[0] == '\0')
		return qp_error_set(QP_EINVALID, "is empty; an area in m² is needed");
	if (t[0] == '-')
		return qp_error_set(QP_EINVALID, "is negative; an area is more than 0 m²");
	const char *p = t;
	int64_t whole = 0, frac = 0;
	int n = 0, decimals = 0;
	while (*p >= '0' && *p <= '9') {
		if (++n > 9)
			return area_over_max();
		whole = whole * 10 + (*p++ - '0');
	}
	if (n > 0 && *p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (++decimals > 2)
				return qp_error_set(QP_EINVALID,
						    "has more than 2 decimals (hundredths of m²)");
			frac = frac * 10 + (*p++ - '0');
		}
		if (decimals == 0)
			n = 0; /* "12." */
	}
	if (n == 0 || *p != '\0')
		return qp_error_set(QP_EINVALID, "is not an area in m² (e.g. 120.50 or 120.5㎡)");
	if (decimals == 1)
		frac *= 10;
	int64_t v = whole * 100 + frac;
	if (v == 0)
		return qp_error_set(QP_EINVALID, "is zero; an area is more than 0 m²");
	if (v > QP_AREA_MAX)
		return area_over_max();
	*out = v;
	return QP_OK;
}
