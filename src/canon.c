/*
 * canon.c - canonical JSON (RFC 8785 for the registry's subset).
 *
 * Entries are signed as bytes, so the encoder must give one spelling for
 * one value, and the parser must refuse every other spelling: otherwise two
 * different texts could carry the same signed meaning, or a verifier could
 * be shown bytes that re-encode differently.  The parser therefore parses
 * with cJSON, re-encodes, and demands byte equality; the single encoder is
 * the whole definition of "canonical".
 *
 * What RFC 8785 fixes and we follow: members sorted by key compared as
 * UTF-16 code units (which differs from UTF-8 byte order only between
 * U+E000..U+FFFF and characters above U+FFFF), no whitespace, strings
 * escaped as ECMAScript's JSON.stringify does.  What we restrict further:
 * numbers are integers within +-(2^53 - 1), so their text is plain
 * decimal and never needs RFC 8785's float formatting; strings must be
 * valid UTF-8; duplicate keys and nesting deeper than 32 are rejected.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "canon.h"
#include "error.h"

/* One step of the path from the root to the item being encoded, for messages. */
struct frame {
	const char *key; /* member key, or NULL for an array element */
	size_t index;
};

struct enc {
	char *buf;
	size_t len, cap;
	struct frame path[QP_CANON_MAX_DEPTH + 1];
	int npath;
};

/* ---- output buffer --------------------------------------------------- */

/* Make room for n more bytes plus the final NUL. */
static int reserve(struct enc *e, size_t n)
{
	if (n > SIZE_MAX - e->len - 1)
		return qp_error_set(QP_ENOMEM, "canonical JSON text too large");
	size_t need = e->len + n + 1;
	if (need <= e->cap)
		return QP_OK;
	size_t cap = e->cap ? e->cap : 1024; /* an entry's text fits: one allocation */
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return qp_error_set(QP_ENOMEM, "canonical JSON text too large");
		cap *= 2;
	}
	char *p = qp_realloc(e->buf, cap);
	if (p == NULL)
		return QP_ENOMEM;
	e->buf = p;
	e->cap = cap;
	return QP_OK;
}

static int put(struct enc *e, const char *s, size_t n)
{
	int rc = reserve(e, n);
	if (rc != QP_OK)
		return rc;
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	return QP_OK;
}

static int put_char(struct enc *e, char c)
{
	return put(e, &c, 1);
}

/* ---- messages -------------------------------------------------------- */

/* Raise QP_EINVALID as "path: message", or just the message at the root. */
static int invalid(const struct enc *e, const char *fmt, ...) QP_PRINTF(2, 3);
static int invalid(const struct enc *e, const char *fmt, ...)
{
	char msg[512], path[256];
	size_t n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	path[0] = '\0';
	for (int i = 0; i < e->npath && n < sizeof(path); i++) {
		int w;
		if (e->path[i].key != NULL)
			w = snprintf(path + n, sizeof(path) - n, "%s%s", i ? "." : "", e->path[i].key);
		else
			w = snprintf(path + n, sizeof(path) - n, "[%zu]", e->path[i].index);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	if (path[0] == '\0')
		return qp_error_set(QP_EINVALID, "%s", msg);
	return qp_error_set(QP_EINVALID, "%s: %s", path, msg);
}

/* ---- UTF-8 ----------------------------------------------------------- */

/*
 * The length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF) at s, of at most avail bytes; 0 if
 * there is none, with the reason in *why.
 */
static size_t utf8_sequence(const unsigned char *s, size_t avail, const char **why)
{
	unsigned c = s[0];
	size_t need;
	unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
	if (c < 0x80) {
		return 1;
	} else if (c < 0xC0) {
		*why = "continuation byte without a lead byte";
		return 0;
	} else if (c < 0xC2) {
		*why = "overlong encoding";
		return 0;
	} else if (c < 0xE0) {
		need = 1;
	} else if (c < 0xF0) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c < 0xF5) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		*why = c < 0xF8 ? "code point beyond U+10FFFF" : "byte that never occurs in UTF-8";
		return 0;
	}
	*why = "truncated sequence";
	if (avail <= need)
		return 0;
	unsigned c1 = s[1];
	if ((c1 & 0xC0) != 0x80)
		return 0;
	if (c1 < lo || c1 > hi) {
		*why = c1 < lo	   ? "overlong encoding"
		       : c == 0xED ? "UTF-16 surrogate (U+D800..U+DFFF)"
				   : "code point beyond U+10FFFF";
		return 0;
	}
	for (size_t k = 2; k <= need; k++)
		if ((s[k] & 0xC0) != 0x80)
			return 0;
	return need + 1;
}

/*
 * Check that s is well-formed UTF-8 (utf8_sequence).  Returns NULL, or the
 * reason with *at set to the offset of the offending sequence.
 */
static const char *utf8_error(const unsigned char *s, size_t len, size_t *at)
{
	size_t i = 0;
	while (i < len) {
		const char *why = NULL;
		size_t n = utf8_sequence(s + i, len - i, &why);
		*at = i;
		if (n == 0)
			return why;
		i += n;
	}
	return NULL;
}

/* Decode one code point of valid UTF-8 and advance *p. */
static uint32_t next_code_point(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c = s[0];
	if (c < 0x80) {
		*p = s + 1;
		return c;
	}
	if (c < 0xE0) {
		*p = s + 2;
		return ((c & 0x1F) << 6) | (s[1] & 0x3F);
	}
	if (c < 0xF0) {
		*p = s + 3;
		return ((c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
	}
	*p = s + 4;
	return ((c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
	       (s[3] & 0x3F);
}

/*
 * A key whose order is the order of the first UTF-16 code unit: characters
 * above U+FFFF start with a high surrogate (D800..DBFF), so they sort after
 * U+D7FF but before U+E000.  For two such characters the code point order
 * equals the order of their surrogate pairs.
 */
static uint32_t utf16_order(uint32_t cp)
{
	if (cp < 0xD800)
		return cp;
	if (cp >= 0x10000)
		return cp - 0x10000 + 0xD800; /* 0xD800 .. 0x10D7FF */
	return cp + 0x100000;		      /* U+E000..U+FFFF: 0x10E000 .. 0x10FFFF */
}

/* The value of a lowercase hex digit, or -1. */
static int hex_lower(unsigned c)
{
	return c >= '0' && c <= '9' ? (int)(c - '0') : c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10) : -1;
}

/*
 * Decode one character of a key and advance *p: a key as cJSON holds it
 * (escaped 0), or as canonical text spells it between its quotes
 * (escaped 1: the escapes of put_string, already checked).
 */
static uint32_t next_key_point(const unsigned char **p, int escaped)
{
	const unsigned char *s = *p;
	if (!escaped || s[0] != '\\')
		return next_code_point(p);
	*p = s + 2;
	switch (s[1]) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'u': *p = s + 6; return (uint32_t)(hex_lower(s[4]) << 4 | hex_lower(s[5]));
	default: return s[1]; /* '"' or '\\' */
	}
}

/* Compare two valid keys, [a, a_end) and [b, b_end), as sequences of UTF-16 code units. */
static int key_cmp(const unsigned char *a, const unsigned char *a_end, int a_escaped, const unsigned char *b,
		   const unsigned char *b_end, int b_escaped)
{
	while (a < a_end && b < b_end) {
		uint32_t x = utf16_order(next_key_point(&a, a_escaped)),
			 y = utf16_order(next_key_point(&b, b_escaped));
		if (x != y)
			return x < y ? -1 : 1;
	}
	if (a >= a_end && b >= b_end)
		return 0;
	return a >= a_end ? -1 : 1;
}

/* Compare two valid UTF-8 strings as sequences of UTF-16 code units. */
static int utf16_cmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	size_t i = 0;
	while (p[i] == q[i] && p[i] != 0)
		i++;
	/* After equal bytes, two ASCII characters (or the end) compare as their bytes in UTF-16 too. */
	if (p[i] < 0x80 && q[i] < 0x80)
		return p[i] < q[i] ? -1 : p[i] > q[i];
	return key_cmp(p, p + strlen(a), 0, q, q + strlen(b), 0);
}

static int member_cmp(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
	return utf16_cmp(a->string, b->string);
}

/* ---- encoding -------------------------------------------------------- */

/* A JSON string as JSON.stringify writes it; s must be valid UTF-8. */
static int put_string(struct enc *e, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	int rc;
	if ((rc = put_char(e, '"')) != QP_OK)
		return rc;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6];
		size_t n = 2;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if ((rc = put(e, run, (size_t)(s - run))) != QP_OK)
			return rc;
		run = s + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0x0F];
			n = 6;
		}
		if ((rc = put(e, esc, n)) != QP_OK)
			return rc;
	}
	if ((rc = put(e, run, (size_t)(s - run))) != QP_OK)
		return rc;
	return put_char(e, '"');
}

static int check_utf8(const struct enc *e, const char *s, const char *what)
{
	size_t at = 0;
	const char *why = utf8_error((const unsigned char *)s, strlen(s), &at);
	if (why != NULL)
		return invalid(e, "%s is not valid UTF-8: %s at byte %zu", what, why, at);
	return QP_OK;
}

static int put_number(struct enc *e, double d)
{
	char text[32];
	/* Written so that NaN fails too. */
	if (!(d >= -(double)QP_CANON_MAX_INT && d <= (double)QP_CANON_MAX_INT) || d != (double)(long long)d)
		return invalid(e,
			       "numbers must be integers between -%lld and %lld (I-JSON), got %.17g; write "
			       "amounts in fen and areas in hundredths",
			       QP_CANON_MAX_INT, QP_CANON_MAX_INT, d);
	/* (long long)-0.0 is 0, so "-0" is never written.  Digits from the right, as "%lld" writes them. */
	long long v = (long long)d;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t at = sizeof(text);
	do {
		text[--at] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		text[--at] = '-';
	return put(e, text + at, sizeof(text) - at);
}

static int put_value(struct enc *e, const cJSON *v, int depth);

static int put_array(struct enc *e, const cJSON *v, int depth)
{
	const cJSON *child;
	size_t i = 0;
	int rc;
	if ((rc = put_char(e, '[')) != QP_OK)
		return rc;
	for (child = v->child; child != NULL; child = child->next, i++) {
		if (i > 0 && (rc = put_char(e, ',')) != QP_OK)
			return rc;
		e->path[e->npath].key = NULL;
		e->path[e->npath].index = i;
		e->npath++;
		rc = put_value(e, child, depth);
		e->npath--;
		if (rc != QP_OK)
			return rc;
	}
	return put_char(e, ']');
}

static int put_object(struct enc *e, const cJSON *v, int depth)
{
	const cJSON **members = NULL, *few[16];
	const cJSON *child;
	size_t n = 0;
	int rc = QP_OK;
	for (child = v->child; child != NULL; child = child->next) {
		if (child->string == NULL)
			return invalid(e, "object member %zu has no key", n);
		if ((rc = check_utf8(e, child->string, "key")) != QP_OK)
			return rc;
		n++;
	}
	if (n == 0)
		return put(e, "{}", 2);
	/* An entry's objects have a few members: sorted on the stack. */
	members = n <= sizeof(few) / sizeof(few[0]) ? few : qp_malloc(n * sizeof(*members));
	if (members == NULL)
		return QP_ENOMEM;
	n = 0;
	for (child = v->child; child != NULL; child = child->next)
		members[n++] = child;
	qsort(members, n, sizeof(*members), member_cmp);
	for (size_t i = 1; i < n; i++)
		if (utf16_cmp(members[i - 1]->string, members[i]->string) == 0) {
			rc = invalid(e, "duplicate key \"%s\"", members[i]->string);
			goto done;
		}
	if ((rc = put_char(e, '{')) != QP_OK)
		goto done;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (rc = put_char(e, ',')) != QP_OK)
			goto done;
		if ((rc = put_string(e, members[i]->string)) != QP_OK || (rc = put_char(e, ':')) != QP_OK)
			goto done;
		e->path[e->npath].key = members[i]->string;
		e->path[e->npath].index = i;
		e->npath++;
		rc = put_value(e, members[i], depth);
		e->npath--;
		if (rc != QP_OK)
			goto done;
	}
	rc = put_char(e, '}');
done:
	if (members != few)
		qp_free(members);
	return rc;
}

/* Encode v, which sits inside depth arrays and objects. */
static int put_value(struct enc *e, const cJSON *v, int depth)
{
	int rc;
	if (cJSON_IsNull(v))
		return put(e, "null", 4);
	if (cJSON_IsTrue(v))
		return put(e, "true", 4);
	if (cJSON_IsFalse(v))
		return put(e, "false", 5);
	if (cJSON_IsNumber(v))
		return put_number(e, v->valuedouble);
	if (cJSON_IsString(v)) {
		if (v->valuestring == NULL)
			return invalid(e, "string item without a value");
		if ((rc = check_utf8(e, v->valuestring, "string")) != QP_OK)
			return rc;
		return put_string(e, v->valuestring);
	}
	if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		if (depth >= QP_CANON_MAX_DEPTH)
			return invalid(e, "arrays and objects are nested deeper than %d levels",
				       QP_CANON_MAX_DEPTH);
		return cJSON_IsArray(v) ? put_array(e, v, depth + 1) : put_object(e, v, depth + 1);
	}
	return invalid(e, "only null, true, false, integers, strings, arrays and objects are allowed (raw or "
			  "invalid cJSON item)");
}

int qp_canon_encode(char **out, size_t *out_len, const cJSON *value)
{
	struct enc e;
	if (out != NULL)
		*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (out == NULL || value == NULL)
		return qp_error_set(QP_EUSAGE, "canonical JSON: out and value are required");
	memset(&e, 0, sizeof(e));
	int rc = put_value(&e, value, 0);
	if (rc == QP_OK)
		rc = reserve(&e, 0);
	if (rc != QP_OK) {
		qp_free(e.buf);
		return rc;
	}
	e.buf[e.len] = '\0';
	*out = e.buf;
	if (out_len != NULL)
		*out_len = e.len;
	return QP_OK;
}

/* ---- checking canonical text in one pass --------------------------------- */

/*
 * Whether a text is canonical, judged from its bytes alone, in one pass
 * and without building anything: the text put_value writes has a grammar
 * of its own, and a text in that grammar is what the encoder writes for
 * the value cJSON reads from it.  qp_canon_parse takes this path for every
 * text it accepts; the slow one (re-encode and compare) only words the
 * error for a text this refuses.  fuzz_canon and test_canon hold the two
 * to the same verdict (qp_canon_is_canonical).
 */
struct scan {
	const unsigned char *p, *end;
};

/* A string as put_string writes it, from its opening quote; *escaped is set if it holds an escape. */
static int scan_string(struct scan *s, int *escaped)
{
	const unsigned char *p = s->p + 1;
	for (;;) {
		if (p == s->end)
			return 0;
		unsigned c = *p;
		if (c == '"')
			break;
		if (c == '\\') {
			/* \" \\ \b \f \n \r \t, else \u00XX (lowercase) for the rest below 0x20 but NUL. */
			if (s->end - p < 2)
				return 0;
			*escaped = 1;
			unsigned e = p[1];
			if (e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
			    e == 't') {
				p += 2;
				continue;
			}
			if (e != 'u' || s->end - p < 6 || p[2] != '0' || p[3] != '0' ||
			    (p[4] != '0' && p[4] != '1'))
				return 0;
			int lo = hex_lower(p[5]);
			unsigned v = (unsigned)(p[4] - '0') << 4 | (unsigned)lo;
			if (lo < 0 || v == 0 || v == '\b' || v == '\f' || v == '\n' || v == '\r' || v == '\t')
				return 0;
			p += 6;
			continue;
		}
		const char *why = NULL;
		size_t n = c < 0x20 ? 0 : utf8_sequence(p, (size_t)(s->end - p), &why);
		if (n == 0)
			return 0;
		p += n;
	}
	s->p = p + 1;
	return 1;
}

/* An integer as put_number writes it: 0, or no leading zero, no "-0", within QP_CANON_MAX_INT. */
static int scan_number(struct scan *s)
{
	const unsigned char *p = s->p;
	if (*p == '-')
		p++;
	const unsigned char *digits = p;
	while (p < s->end && *p >= '0' && *p <= '9')
		p++;
	size_t n = (size_t)(p - digits);
	if (n == 0 || (digits[0] == '0' && (n > 1 || digits != s->p)))
		return 0;
	/* Past 15 digits, against QP_CANON_MAX_INT's 16 as text (exact at equal lengths). */
	if (n > 15) {
		char max[24];
		int max_len = snprintf(max, sizeof(max), "%lld", QP_CANON_MAX_INT);
		if (n > (size_t)max_len || (n == (size_t)max_len && memcmp(digits, max, n) > 0))
			return 0;
	}
	s->p = p;
	return 1;
}

static int scan_word(struct scan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return 0;
	s->p += n;
	return 1;
}

/* After a member or element: ',' (1, another follows), the closing byte (2), else 0. */
static int scan_next(struct scan *s, unsigned char close)
{
	if (s->p == s->end)
		return 0;
	unsigned char c = *s->p++;
	return c == ',' ? 1 : c == close ? 2 : 0;
}

/* A value inside depth arrays and objects, as put_value writes it. */
static int scan_value(struct scan *s, int depth)
{
	if (s->p == s->end)
		return 0;
	unsigned char c = *s->p;
	int more = 1, escaped = 0;
	switch (c) {
	case 'n': return scan_word(s, "null", 4);
	case 't': return scan_word(s, "true", 4);
	case 'f': return scan_word(s, "false", 5);
	case '"': return scan_string(s, &escaped);
	case '[':
		if (depth >= QP_CANON_MAX_DEPTH)
			return 0;
		if (++s->p < s->end && *s->p == ']') {
			s->p++;
			return 1;
		}
		while (more == 1)
			more = scan_value(s, depth + 1) ? scan_next(s, ']') : 0;
		return more == 2;
	case '{': {
		if (depth >= QP_CANON_MAX_DEPTH)
			return 0;
		if (++s->p < s->end && *s->p == '}') {
			s->p++;
			return 1;
		}
		/* Keys in strictly increasing order: sorted, and no duplicates. */
		const unsigned char *prev = NULL, *prev_end = NULL;
		int prev_escaped = 0;
		while (more == 1) {
			const unsigned char *key = s->p + 1;
			escaped = 0;
			if (s->p == s->end || *s->p != '"' || !scan_string(s, &escaped) ||
			    (prev && key_cmp(prev, prev_end, prev_escaped, key, s->p - 1, escaped) >= 0) ||
			    s->p == s->end || *s->p++ != ':')
				return 0;
			prev = key;
			prev_end = s->p - 2;
			prev_escaped = escaped;
			more = scan_value(s, depth + 1) ? scan_next(s, '}') : 0;
		}
		return more == 2;
	}
	default: return (c == '-' || (c >= '0' && c <= '9')) && scan_number(s);
	}
}

int qp_canon_is_canonical(const char *text, size_t len)
{
	struct scan s = {(const unsigned char *)text, (const unsigned char *)text + len};
	return text != NULL && scan_value(&s, 0) && s.p == s.end;
}

/* ---- parsing ----------------------------------------------------------- */

static int only_whitespace(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

int qp_canon_parse(cJSON **out, const char *text, size_t len)
{
	char *canon = NULL;
	size_t canon_len = 0;
	const char *end = NULL;
	if (out != NULL)
		*out = NULL;
	if (out == NULL || text == NULL)
		return qp_error_set(QP_EUSAGE, "canonical JSON: out and text are required");
	if (len == 0)
		return qp_error_set(QP_EINVALID, "not valid JSON at byte 0: the text is empty");
	/* cJSON stops at a NUL; a NUL inside the text must not hide what follows. */
	const char *nul = memchr(text, '\0', len);
	if (nul != NULL)
		return qp_error_set(QP_EINVALID, "not valid JSON at byte %zu: NUL byte",
				    (size_t)(nul - text));
	/* Not require_null_terminated: with a length, cJSON would then demand a NUL inside it. */
	int perr = QP_OK;
	cJSON *j = qp_json_parse(text, len, &end, &perr);
	if (j == NULL) {
		if (perr == QP_ENOMEM)
			return qp_error_set(QP_ENOMEM, "out of memory parsing JSON");
		size_t at =
		    end != NULL && end >= text && (size_t)(end - text) <= len ? (size_t)(end - text) : 0;
		return qp_error_set(QP_EINVALID, "not valid JSON at byte %zu", at);
	}
	size_t used = (size_t)(end - text);
	if (used < len && !only_whitespace(end, len - used)) {
		cJSON_Delete(j);
		return qp_error_set(QP_EINVALID, "not valid JSON at byte %zu: text after the value", used);
	}
	/* A canonical text needs no second look; any other is re-encoded, to say where it differs. */
	if (used == len && qp_canon_is_canonical(text, len)) {
		*out = j;
		return QP_OK;
	}
	int rc = qp_canon_encode(&canon, &canon_len, j);
	if (rc != QP_OK) {
		cJSON_Delete(j);
		return rc;
	}
	size_t n = canon_len < len ? canon_len : len, i = 0;
	while (i < n && canon[i] == text[i])
		i++;
	qp_free(canon);
	if (i < n || canon_len != len) {
		cJSON_Delete(j);
		return qp_error_set(QP_EINVALID, "not canonical JSON at byte %zu", i);
	}
	*out = j;
	return QP_OK;
}
