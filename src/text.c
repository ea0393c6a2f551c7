/*
 * text.c - the one check of free text (quanpiao/text.h, docs/rules.md "Text").
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "quanpiao/text.h"

/* Characters that display as something other than what they are. */
static const struct {
	uint32_t cp;
	const char *name;
} invisible[] = {
    {0x200B, "zero width space"},
    {0x200C, "zero width non-joiner"},
    {0x200D, "zero width joiner"},
    {0x202A, "left-to-right embedding"},
    {0x202B, "right-to-left embedding"},
    {0x202C, "pop directional formatting"},
    {0x202D, "left-to-right override"},
    {0x202E, "right-to-left override"},
    {0x2060, "word joiner"},
    {0x2066, "left-to-right isolate"},
    {0x2067, "right-to-left isolate"},
    {0x2068, "first strong isolate"},
    {0x2069, "pop directional isolate"},
    {0xFEFF, "zero width no-break space"},
};

/* The code point at s (n bytes long), or -1 with *n 1 for bytes that are not UTF-8. */
static int32_t decode(const unsigned char *s, size_t *n)
{
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	uint32_t cp;
	size_t len;
	*n = 1;
	if (s[0] < 0x80)
		return s[0];
	if ((s[0] & 0xE0) == 0xC0)
		len = 2, cp = s[0] & 0x1Fu;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, cp = s[0] & 0x0Fu;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4, cp = s[0] & 0x07u;
	else
		return -1;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3Fu);
	}
	if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*n = len;
	return (int32_t)cp;
}

/* The name of a character that displays as something other than what it is, or NULL. */
static const char *invisible_name(int32_t cp)
{
	if (cp < 0x200B) /* the first of the table */
		return NULL;
	for (size_t k = 0; k < sizeof(invisible) / sizeof(invisible[0]); k++)
		if ((uint32_t)cp == invisible[k].cp)
			return invisible[k].name;
	return NULL;
}

static int is_control(int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* White space a value is trimmed of (ASCII, no-break, ideographic and the typographic spaces). */
static int is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x00A0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
	       cp == 0x205F || cp == 0x3000;
}

const char *qp_text_problem(char *buf, size_t len, const char *text, size_t max, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t total = strlen((const char *)s), n;
	int blank = 1;
	if (max > 0 && total > max) {
		snprintf(buf, len, "is %zu bytes long; at most %zu are allowed", total, max);
		return buf;
	}
	for (size_t i = 0; i < total; i += n) {
		/* Printable ASCII other than the space: none of the checks below refuses it. */
		if (s[i] > 0x20 && s[i] < 0x7F) {
			n = 1;
			blank = 0;
			continue;
		}
		int32_t cp = decode(s + i, &n);
		if (cp < 0) {
			snprintf(buf, len, "is not valid UTF-8 (byte %zu)", i + 1);
			return buf;
		}
		int ok_space = (flags & QP_TEXT_MULTILINE) && (cp == '\n' || cp == '\t');
		if (!ok_space && is_control(cp)) {
			snprintf(buf, len, "U+%04X (a control character) is not allowed", (unsigned)cp);
			return buf;
		}
		const char *name = invisible_name(cp);
		if (name) {
			snprintf(buf, len, "U+%04X (%s) is not allowed", (unsigned)cp, name);
			return buf;
		}
		if (!is_space((uint32_t)cp))
			blank = 0;
	}
	if (blank && !(flags & QP_TEXT_MAY_BE_EMPTY)) {
		snprintf(buf, len, "%s", total == 0 ? "must not be empty" : "must not be only white space");
		return buf;
	}
	return NULL;
}

int qp_text_check(const char *field, const char *text, size_t max, unsigned flags)
{
	char why[96];
	if (qp_text_problem(why, sizeof(why), text, max, flags) == NULL)
		return QP_OK;
	return qp_error_set(QP_EINVALID, "%s: %s", field, why);
}

void qp_text_escape(char *out, size_t size, const char *text)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t len = strlen((const char *)s), o = 0, n;
	char piece[9];
	if (size == 0)
		return;
	for (size_t i = 0; i < len; i += n) {
		int32_t cp = decode(s + i, &n);
		size_t k = n;
		if (cp < 0)
			k = (size_t)snprintf(piece, sizeof(piece), "<0x%02X>", s[i]);
		else if (is_control(cp) || invisible_name(cp))
			k = (size_t)snprintf(piece, sizeof(piece), "<U+%04X>", (unsigned)cp);
		else
			memcpy(piece, s + i, n);
		if (o + k >= size)
			break; /* cut at a character's edge */
		memcpy(out + o, piece, k);
		o += k;
	}
	out[o] = '\0';
}
