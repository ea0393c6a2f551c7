/*
 * quanpiao/text.h - the one check of free text (names, reasons, notes,
 * legacy records) wherever it enters the registry: the entry rules, the
 * personal data beside the log, the CLI and the legacy import
 * (docs/rules.md, "Text").
 *
 * Refused: bytes that are not UTF-8; control characters (C0, DEL, C1;
 * a line feed only where QP_TEXT_MULTILINE allows it); the bidirectional
 * overrides, embeddings and isolates U+202A..U+202E and U+2066..U+2069;
 * the zero-width characters U+200B..U+200D, U+2060 and U+FEFF; and a
 * value that is empty or only white space once trimmed (unless
 * QP_TEXT_MAY_BE_EMPTY).  The message names the field and the code
 * point: "name: U+202E (right-to-left override) is not allowed".
 */
#ifndef QUANPIAO_TEXT_H
#define QUANPIAO_TEXT_H

#include <stddef.h>

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	QP_TEXT_MULTILINE = 1,	  /* line feeds (and tabs) allowed: a note, a legacy record's value */
	QP_TEXT_MAY_BE_EMPTY = 2, /* "" and white space allowed: a legacy record's empty cell */
};

/*
 * Checks text of at most max bytes (0: no limit) for the field named
 * field.  QP_OK, or QP_EINVALID with the error message set (quanpiao/error.h).
 */
QP_API int qp_text_check(const char *field, const char *text, size_t max, unsigned flags);

/*
 * Why the text is refused, without setting the error: NULL when it passes,
 * else the reason written to buf ("U+202E (right-to-left override) is not
 * allowed"), for callers that report many problems at once (the import).
 */
QP_API const char *qp_text_problem(char *buf, size_t len, const char *text, size_t max, unsigned flags);

/*
 * A copy of text to show (a report, a terminal): each code point the check
 * refuses wherever it stands (control, bidirectional and zero-width
 * characters) written as "<U+202E>", and each byte that is not UTF-8 as
 * "<0xFF>", into out (size bytes, cut at a character's edge).  8 times the
 * text's length and 1 always suffice.
 */
QP_API void qp_text_escape(char *out, size_t size, const char *text);

#ifdef __cplusplus
}
#endif

#endif
