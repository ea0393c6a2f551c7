/*
 * import_read.c - records from a legacy export, streamed.
 *
 * Two layers, each with a fixed-size buffer so that memory does not grow
 * with the file.  The decoder turns the file's bytes into UTF-8: UTF-8 is
 * checked and passed through, GB18030 (and so GBK and GB2312) goes through
 * iconv.  The encoding is decided once per file, before a record is read
 * (decide): the whole file is read through first (cheap next to signing;
 * a pipe is copied to a temporary file for it), and a file that is not
 * valid UTF-8 throughout or GB18030 throughout, or that mixes them, is
 * refused naming the first line and byte that do not decode.  A leading
 * byte-order mark is dropped.
 *
 * The parser then cuts the text into records: RFC 4180 CSV (quoted
 * fields with commas, doubled quotes and line breaks; CRLF, LF or CR line
 * ends; line breaks inside fields become LF) or JSON Lines.  It is lenient
 * where the meaning is plain (a bare quote inside an unquoted field is a
 * character) and reports the record as malformed where it is not (text
 * after a closing quote, a quote never closed, a row over 1 MiB).
 */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "import_internal.h"

#define RAW_CHUNK (64u * 1024u)
/* A decoded chunk is at most 3 times its bytes (one bad byte becomes U+FFFD). */
#define DEC_CAP (3u * RAW_CHUNK + 16u)
/* The record buffer: the longest row and a NUL for each field. */
#define BUF_HARD (QP_IMPORT_MAX_RECORD + QP_IMPORT_MAX_FIELDS + 16u)

struct qp_import_reader {
	int fd;
	qp_import_format format;
	int gb; /* decoding GB18030 */
	iconv_t cd;
	unsigned char raw[RAW_CHUNK];
	size_t raw_len; /* bytes read but not yet decoded (an incomplete sequence) */
	unsigned char dec[DEC_CAP];
	size_t dec_pos, dec_len;
	int eof;      /* the file has no more bytes */
	int at_start; /* a byte-order mark may still come */
	uint64_t done, total;
	uint64_t line; /* the current line, from 1 */
	int skip_lf;   /* the last byte was a CR: an LF right after it is the same line end */
	/* The record being built. */
	char *buf;
	size_t buf_len, buf_cap;
	size_t offs[QP_IMPORT_MAX_FIELDS];
	const char *values[QP_IMPORT_MAX_FIELDS];
	const char *names[QP_IMPORT_MAX_FIELDS];
	char numbers[QP_IMPORT_MAX_FIELDS][32];
	size_t nfields;
	int overflow; /* fields or bytes past the limits were dropped */
	char malformed[320];
	qp_import_record rec;
	cJSON *json;
};

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

/* Length of the UTF-8 sequence at s (avail bytes): n, 0 if invalid, -1 if cut short. */
static int utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t n;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if (i >= avail)
			return -1;
		if (i == 1 ? (s[i] < lo || s[i] > hi) : (s[i] < 0x80 || s[i] > 0xBF))
			return 0;
	}
	return (int)n;
}

/* ---- the decoder ------------------------------------------------------------------------------ */

static int read_raw(qp_import_reader *r)
{
	size_t room = sizeof(r->raw) - r->raw_len;
	if (room == 0)
		return QP_OK;
	for (;;) {
		ssize_t n = read(r->fd, r->raw + r->raw_len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return qp_error_set(QP_EIO, "reading the import file: %s", strerror(errno));
		if (n == 0)
			r->eof = 1;
		r->raw_len += (size_t)n;
		r->done += (uint64_t)n;
		return QP_OK;
	}
}

static void put_replacement(qp_import_reader *r)
{
	memcpy(r->dec + r->dec_len, "\xEF\xBF\xBD", 3);
	r->dec_len += 3;
}

/* Decode what raw holds into dec (which is empty); keep an incomplete tail in raw. */
static int decode(qp_import_reader *r)
{
	size_t i = 0;
	if (!r->gb) {
		while (i < r->raw_len) {
			int n = utf8_seq(r->raw + i, r->raw_len - i);
			if (n < 0 && !r->eof)
				break;
			if (n <= 0) {
				put_replacement(r);
				i++;
				continue;
			}
			memcpy(r->dec + r->dec_len, r->raw + i, (size_t)n);
			r->dec_len += (size_t)n;
			i += (size_t)n;
		}
	} else {
		char *in = (char *)r->raw, *out = (char *)r->dec + r->dec_len;
		size_t in_left = r->raw_len, out_left = sizeof(r->dec) - r->dec_len - 4;
		while (in_left > 0) {
			size_t rc = iconv(r->cd, &in, &in_left, &out, &out_left);
			if (rc != (size_t)-1)
				break;
			if (errno == EINVAL && !r->eof)
				break; /* cut short: wait for the rest */
			if (errno == EILSEQ || errno == EINVAL) {
				r->dec_len = (size_t)((unsigned char *)out - r->dec);
				put_replacement(r);
				out += 3;
				out_left -= 3;
				in++;
				in_left--;
				continue;
			}
			if (errno == E2BIG)
				break;
			return qp_error_set(QP_EIO, "decoding GB18030: %s", strerror(errno));
		}
		r->dec_len = (size_t)((unsigned char *)out - r->dec);
		i = (size_t)((unsigned char *)in - r->raw);
	}
	memmove(r->raw, r->raw + i, r->raw_len - i);
	r->raw_len -= i;
	return QP_OK;
}

/* Refill dec; dec_len stays 0 only at the end of the file. */
static int fill(qp_import_reader *r)
{
	int err;
	r->dec_pos = r->dec_len = 0;
	while (r->dec_len == 0) {
		if (r->eof && r->raw_len == 0)
			return QP_OK;
		if (!r->eof && (err = read_raw(r)) != QP_OK)
			return err;
		if ((err = decode(r)) != QP_OK)
			return err;
		if (r->at_start && (r->dec_len >= 3 || r->eof)) {
			r->at_start = 0;
			if (r->dec_len >= 3 && memcmp(r->dec, "\xEF\xBB\xBF", 3) == 0)
				r->dec_pos = 3;
		}
		if (r->dec_pos == r->dec_len)
			r->dec_pos = r->dec_len = 0;
	}
	return QP_OK;
}

/* The next decoded byte, -1 at the end, or -2 on error (raised). */
static inline int next_byte(qp_import_reader *r)
{
	if (r->dec_pos == r->dec_len && (fill(r) != QP_OK))
		return -2;
	if (r->dec_len == 0)
		return -1;
	return r->dec[r->dec_pos++];
}

/* ---- the encoding, decided once per file ------------------------------------------------------ */

/*
 * What passes over the whole file found: where it first stops being UTF-8
 * and where it first stops being GB18030 (line, and byte offset from the
 * start of the file counting from 0), and how many of its lines hold
 * Chinese text in UTF-8 (two or more UTF-8 sequences of three or four
 * bytes, and the whole line UTF-8: GB18030 text almost never is by chance).
 */
typedef struct {
	int utf8_ok, gb_ok;
	uint64_t utf8_lines, utf8_line, utf8_off, gb_line, gb_off;
} scan_result;

/* Lines as the parser counts them: LF, CRLF and CR each end one. */
static uint64_t count_lines(const unsigned char *s, size_t len, int *after_cr)
{
	uint64_t n = 0;
	for (size_t i = 0; i < len; i++) {
		n += s[i] == '\r' || (s[i] == '\n' && !*after_cr);
		*after_cr = s[i] == '\r';
	}
	return n;
}

/* Up to room bytes of the file into buf: the count, 0 at its end, -1 on error (raised). */
static ssize_t read_some(int fd, unsigned char *buf, size_t room)
{
	for (;;) {
		ssize_t n = read(fd, buf, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			qp_error_set(QP_EIO, "reading the import file: %s", strerror(errno));
		return n;
	}
}

/* A pipe is copied to an unlinked temporary file, so that it can be read more than once. */
static int spool(qp_import_reader *r)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/qp-import-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return qp_error_set(QP_EIO, "a temporary file for standard input: %s", strerror(errno));
	unlink(path);
	for (;;) {
		ssize_t n = read_some(r->fd, r->raw, sizeof(r->raw));
		if (n < 0 || (n > 0 && write(fd, r->raw, (size_t)n) != n)) {
			int e = errno;
			close(fd);
			return n < 0 ? QP_EIO
				     : qp_error_set(QP_EIO, "copying standard input: %s", strerror(e));
		}
		if (n == 0)
			break;
		r->total += (uint64_t)n;
	}
	close(r->fd);
	r->fd = fd;
	return QP_OK;
}

static int rewind_file(qp_import_reader *r)
{
	if (lseek(r->fd, 0, SEEK_SET) != 0)
		return qp_error_set(QP_EIO, "rewinding the import file: %s", strerror(errno));
	return QP_OK;
}

static int scan_utf8(qp_import_reader *r, scan_result *s)
{
	uint64_t base = 0, line = 1;
	size_t carry = 0;
	int cr = 0, line_ok = 1, wide = 0;
	s->utf8_ok = 1;
	for (;;) {
		ssize_t n = read_some(r->fd, r->raw + carry, sizeof(r->raw) - carry);
		if (n < 0)
			return QP_EIO;
		size_t len = carry + (size_t)n, i = 0;
		while (i < len) {
			const unsigned char *p = r->raw + i;
			int k = *p < 0x80 ? 1 : utf8_seq(p, len - i);
			if (k < 0 && n > 0)
				break; /* cut short: the rest comes with the next chunk */
			if (*p == '\r' || *p == '\n') {
				s->utf8_lines += line_ok && wide >= 2;
				line_ok = 1, wide = 0;
			}
			if (k <= 0) {
				if (s->utf8_ok) {
					s->utf8_ok = 0;
					s->utf8_line = line + count_lines(r->raw, i, &cr);
					s->utf8_off = base + i;
				}
				line_ok = 0, k = 1;
			}
			wide += k >= 3;
			i += (size_t)k;
		}
		if (s->utf8_ok)
			line += count_lines(r->raw, i, &cr);
		if (n == 0) {
			s->utf8_lines += line_ok && wide >= 2;
			return rewind_file(r);
		}
		carry = len - i;
		memmove(r->raw, r->raw + i, carry);
		base += i;
	}
}

static int scan_gb18030(qp_import_reader *r, scan_result *s)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return qp_error_set(QP_EIO, "this system's iconv cannot decode GB18030: %s", strerror(errno));
	uint64_t base = 0, line = 1;
	size_t carry = 0;
	int cr = 0, err = QP_OK;
	s->gb_ok = 1;
	while (s->gb_ok) {
		ssize_t n = read_some(r->fd, r->raw + carry, sizeof(r->raw) - carry);
		if (n < 0) {
			err = QP_EIO;
			break;
		}
		char *in = (char *)r->raw;
		size_t in_left = carry + (size_t)n;
		while (in_left > 0) {
			char *out = (char *)r->dec;
			size_t out_left = sizeof(r->dec);
			if (iconv(cd, &in, &in_left, &out, &out_left) != (size_t)-1 || errno == E2BIG)
				continue;
			if (errno == EINVAL && n > 0)
				break; /* cut short */
			s->gb_ok = 0;
			break;
		}
		size_t used = (size_t)((unsigned char *)in - r->raw);
		line += count_lines(r->raw, used, &cr);
		if (!s->gb_ok) {
			s->gb_line = line;
			s->gb_off = base + used;
		}
		if (n == 0)
			break;
		carry = in_left;
		memmove(r->raw, in, carry);
		base += used;
	}
	iconv_close(cd);
	return err == QP_OK ? rewind_file(r) : err;
}

/*
 * The file's one encoding, or QP_EINVALID naming the first line and byte
 * that do not decode: a file is UTF-8 throughout or GB18030 throughout, or
 * it is not read at all, so that no row is decoded differently from the
 * rest of its file.
 */
static int decide(qp_import_reader *r, qp_import_encoding encoding, int *utf8)
{
	struct stat sb;
	scan_result s;
	int err;
	memset(&s, 0, sizeof(s));
	if ((fstat(r->fd, &sb) != 0 || !S_ISREG(sb.st_mode) || lseek(r->fd, 0, SEEK_CUR) != 0) &&
	    (err = spool(r)) != QP_OK)
		return err;
	if (encoding != QP_IMPORT_GB18030 && (err = scan_utf8(r, &s)) != QP_OK)
		return err;
	*utf8 = encoding == QP_IMPORT_UTF8 || (encoding == QP_IMPORT_AUTO && s.utf8_ok);
	if (*utf8 && !s.utf8_ok)
		return qp_error_set(QP_EINVALID,
				    "line %llu, byte offset %llu: not UTF-8 (--encoding utf-8); nothing was "
				    "imported",
				    (unsigned long long)s.utf8_line, (unsigned long long)s.utf8_off);
	if (*utf8)
		return QP_OK;
	if (encoding == QP_IMPORT_AUTO && s.utf8_lines > 0)
		return qp_error_set(QP_EINVALID,
				    "line %llu, byte offset %llu: not UTF-8, though %llu line(s) of the file "
				    "are: the file mixes encodings (save it in one, or give --encoding); "
				    "nothing was imported",
				    (unsigned long long)s.utf8_line, (unsigned long long)s.utf8_off,
				    (unsigned long long)s.utf8_lines);
	if ((err = scan_gb18030(r, &s)) != QP_OK || s.gb_ok)
		return err;
	if (encoding == QP_IMPORT_AUTO)
		return qp_error_set(QP_EINVALID,
				    "line %llu, byte offset %llu: neither UTF-8 nor GB18030 (not UTF-8 from "
				    "line %llu, byte offset %llu); nothing was imported",
				    (unsigned long long)s.gb_line, (unsigned long long)s.gb_off,
				    (unsigned long long)s.utf8_line, (unsigned long long)s.utf8_off);
	return qp_error_set(QP_EINVALID,
			    "line %llu, byte offset %llu: not GB18030 (--encoding gb18030); nothing was "
			    "imported",
			    (unsigned long long)s.gb_line, (unsigned long long)s.gb_off);
}

int qp_import_reader_open(qp_import_reader **out, const char *path, qp_import_format format,
			  qp_import_encoding encoding)
{
	qp_import_reader *r;
	struct stat sb;
	int err;
	*out = NULL;
	if ((r = qp_calloc(1, sizeof(*r))) == NULL)
		return QP_ENOMEM;
	r->cd = (iconv_t)-1;
	r->format = format;
	r->line = 1;
	r->at_start = 1;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		err = qp_error_set(errno == ENOENT ? QP_ENOTFOUND : QP_EIO, "%s: %s", path, strerror(errno));
		qp_free(r);
		return err;
	}
	if (fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode))
		r->total = (uint64_t)sb.st_size;
	int utf8 = 1;
	if ((err = decide(r, encoding, &utf8)) != QP_OK)
		goto fail;
	r->gb = !utf8;
	if (r->gb && (r->cd = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1) {
		err = qp_error_set(QP_EIO, "this system's iconv cannot decode GB18030: %s", strerror(errno));
		goto fail;
	}
	r->buf_cap = 4096;
	if ((r->buf = qp_malloc(r->buf_cap)) == NULL) {
		err = QP_ENOMEM;
		goto fail;
	}
	*out = r;
	return QP_OK;
fail:
	qp_import_reader_free(r);
	return err;
}

void qp_import_reader_free(qp_import_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
	cJSON_Delete(r->json);
	qp_free(r->buf);
	qp_free(r);
}

void qp_import_reader_position(const qp_import_reader *r, uint64_t *done, uint64_t *total)
{
	*done = r->done - r->raw_len;
	*total = r->total;
}

const char *qp_import_reader_encoding(const qp_import_reader *r)
{
	return r->gb ? "GB18030" : "UTF-8";
}

/* ---- building a record ---------------------------------------------------------------------- */

static void set_malformed(qp_import_reader *r, const char *fmt, ...) QP_PRINTF(2, 3);
static void set_malformed(qp_import_reader *r, const char *fmt, ...)
{
	va_list ap;
	if (r->malformed[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->malformed, sizeof(r->malformed), fmt, ap);
	va_end(ap);
}

/* Room for one more byte in the record buffer, which never grows past BUF_HARD. */
static int room(qp_import_reader *r)
{
	if (r->buf_len < r->buf_cap)
		return QP_OK;
	size_t cap = r->buf_cap * 2 < BUF_HARD ? r->buf_cap * 2 : BUF_HARD;
	if (cap <= r->buf_cap)
		return qp_error_set(QP_EINTERNAL, "import: the record buffer is full");
	char *grown = qp_realloc(r->buf, cap);
	if (grown == NULL)
		return QP_ENOMEM;
	r->buf = grown;
	r->buf_cap = cap;
	return QP_OK;
}

/* Add a byte to the current field; past the limits bytes are dropped and the record is malformed. */
static int put_byte(qp_import_reader *r, int c)
{
	if (r->buf_len - r->nfields >= QP_IMPORT_MAX_RECORD || r->nfields >= QP_IMPORT_MAX_FIELDS) {
		if (r->nfields < QP_IMPORT_MAX_FIELDS)
			set_malformed(r, "the row is longer than %u bytes", QP_IMPORT_MAX_RECORD);
		return QP_OK;
	}
	int err = room(r);
	if (err == QP_OK)
		r->buf[r->buf_len++] = (char)c;
	return err;
}

/* End the current field, which started at start: NUL-terminate it and keep its place. */
static int end_field(qp_import_reader *r, size_t start)
{
	if (r->nfields == QP_IMPORT_MAX_FIELDS) {
		set_malformed(r, "the row has more than %d columns", QP_IMPORT_MAX_FIELDS);
		return QP_OK;
	}
	int err = room(r);
	if (err != QP_OK)
		return err;
	r->buf[r->buf_len++] = '\0';
	r->offs[r->nfields++] = start;
	return QP_OK;
}

static void start_record(qp_import_reader *r)
{
	r->buf_len = 0;
	r->nfields = 0;
	r->overflow = 0;
	r->malformed[0] = '\0';
	r->rec.line = r->line;
}

static const qp_import_record *finish_record(qp_import_reader *r, int names)
{
	for (size_t i = 0; i < r->nfields; i++)
		r->values[i] = r->buf + r->offs[i];
	r->rec.nfields = r->nfields;
	r->rec.values = r->values;
	r->rec.names = names ? r->names : NULL;
	r->rec.malformed = r->malformed[0] ? r->malformed : NULL;
	return &r->rec;
}

/* A line break outside a field's quotes: count it; a CR may be followed by the LF of CRLF. */
static void line_break(qp_import_reader *r, int c)
{
	r->line++;
	r->skip_lf = c == '\r';
}

/* ---- CSV -------------------------------------------------------------------------------------- */

enum csv_state { AT_START, PLAIN, QUOTED, QUOTE_SEEN };

static int csv_next(qp_import_reader *r, const qp_import_record **out)
{
	for (;;) {
		enum csv_state st = AT_START;
		size_t field = 0;
		uint64_t quote_line = 0;
		int quoted_any = 0;
		start_record(r);
		for (;;) {
			int c = next_byte(r), err;
			if (c == -2)
				return qp_error_last()->code;
			if (r->skip_lf) {
				r->skip_lf = 0;
				if (c == '\n')
					continue;
			}
			if (c == -1) {
				if (st == AT_START && r->nfields == 0 && r->buf_len == 0) {
					*out = NULL;
					return QP_OK;
				}
				if (st == QUOTED)
					set_malformed(r,
						      "a quoted field opened on line %llu is not closed before the "
						      "end of the file, so the rest of the file was read as this one "
						      "row; close the quote (a quote inside a field is written twice: "
						      "\"\")",
						      (unsigned long long)quote_line);
				break;
			}
			if (st == QUOTED) {
				if (c == '"') {
					st = QUOTE_SEEN;
					continue;
				}
				if (c == '\r' || c == '\n') {
					r->line++;
					r->skip_lf = c == '\r';
					c = '\n';
				}
				if ((err = put_byte(r, c)) != QP_OK)
					return err;
				continue;
			}
			if (c == ',') {
				if ((err = end_field(r, field)) != QP_OK)
					return err;
				field = r->buf_len;
				st = AT_START;
				continue;
			}
			if (c == '\n' || c == '\r') {
				line_break(r, c);
				break;
			}
			if (st == AT_START && c == '"') {
				st = QUOTED;
				quoted_any = 1;
				quote_line = r->line;
				continue;
			}
			if (st == QUOTE_SEEN) {
				if (c == '"') {
					st = QUOTED;
				} else {
					set_malformed(r, "text after the closing quote of column %zu",
						      r->nfields + 1);
					st = PLAIN;
				}
			} else {
				st = PLAIN;
			}
			if ((err = put_byte(r, c)) != QP_OK)
				return err;
		}
		int err = end_field(r, field);
		if (err != QP_OK)
			return err;
		/* A blank line is no record. */
		if (r->nfields == 1 && r->buf_len == 1 && !quoted_any && !r->malformed[0])
			continue;
		*out = finish_record(r, 0);
		return QP_OK;
	}
}

/* ---- JSON Lines ------------------------------------------------------------------------------- */

static void number_text(char out[32], double v)
{
	if (v == (double)(long long)v && v > -1e15 && v < 1e15)
		snprintf(out, 32, "%lld", (long long)v);
	else
		snprintf(out, 32, "%.15g", v);
}

static int jsonl_next(qp_import_reader *r, const qp_import_record **out)
{
	for (;;) {
		int err, c, blank = 1;
		start_record(r);
		cJSON_Delete(r->json);
		r->json = NULL;
		while ((c = next_byte(r)) >= 0) {
			if (r->skip_lf) {
				r->skip_lf = 0;
				if (c == '\n')
					continue;
			}
			if (c == '\n' || c == '\r') {
				line_break(r, c);
				break;
			}
			blank &= c == ' ' || c == '\t';
			if ((err = put_byte(r, c)) != QP_OK)
				return err;
		}
		if (c == -2)
			return qp_error_last()->code;
		if (c == -1 && r->buf_len == 0) {
			*out = NULL;
			return QP_OK;
		}
		if (blank)
			continue;
		if (!r->malformed[0]) {
			int perr = QP_OK;
			r->json = qp_json_parse(r->buf, r->buf_len, NULL, &perr);
			if (r->json == NULL && perr == QP_ENOMEM)
				return qp_error_set(QP_ENOMEM, "out of memory reading a JSON line");
			if (r->json == NULL)
				set_malformed(r, "the line is not valid JSON");
			else if (!cJSON_IsObject(r->json))
				set_malformed(r, "the line is not a JSON object");
		}
		if (r->malformed[0]) {
			r->nfields = 0;
			return *out = finish_record(r, 1), QP_OK;
		}
		r->nfields = 0;
		for (const cJSON *m = r->json->child; m; m = m->next) {
			if (r->nfields == QP_IMPORT_MAX_FIELDS) {
				set_malformed(r, "the object has more than %d members", QP_IMPORT_MAX_FIELDS);
				break;
			}
			size_t i = r->nfields++;
			r->names[i] = m->string ? m->string : "";
			r->values[i] = "";
			if (cJSON_IsString(m)) {
				r->values[i] = m->valuestring;
			} else if (cJSON_IsNumber(m)) {
				number_text(r->numbers[i], m->valuedouble);
				r->values[i] = r->numbers[i];
			} else if (cJSON_IsBool(m)) {
				r->values[i] = cJSON_IsTrue(m) ? "true" : "false";
			} else if (!cJSON_IsNull(m)) {
				set_malformed(r, "member \"%.200s\" must be text or a number", r->names[i]);
			}
		}
		r->rec.nfields = r->nfields;
		r->rec.values = r->values;
		r->rec.names = r->names;
		r->rec.malformed = r->malformed[0] ? r->malformed : NULL;
		*out = &r->rec;
		return QP_OK;
	}
}

int qp_import_reader_next(qp_import_reader *r, const qp_import_record **out)
{
	*out = NULL;
	return r->format == QP_IMPORT_JSONL ? jsonl_next(r, out) : csv_next(r, out);
}
