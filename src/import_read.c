/*
 * import_read.c - records from a legacy export, streamed.
 *
 * Two layers, each with a fixed-size buffer so that memory does not grow
 * with the file.  The decoder turns the file's bytes into UTF-8: UTF-8 is
 * checked and passed through, GB18030 (and so GBK and GB2312) goes through
 * iconv; bytes that cannot be decoded become U+FFFD, which the row checks
 * then refuse, so a damaged row is reported rather than imported garbled.
 * A leading byte-order mark is dropped.  With encoding "auto" a seekable
 * file is read once to see whether all of it is UTF-8 (cheap next to
 * signing); a pipe is judged by its first 64 KiB.
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

/*
 * Whether len bytes are UTF-8, except perhaps for a sequence cut short at
 * the end, whose length goes to *tail.
 */
static int utf8_valid(const unsigned char *s, size_t len, size_t *tail)
{
	size_t i = 0;
	*tail = 0;
	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		int n = utf8_seq(s + i, len - i);
		if (n == 0)
			return 0;
		if (n < 0) {
			*tail = len - i;
			return 1;
		}
		i += (size_t)n;
	}
	return 1;
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

/* Read the whole (seekable) file once: is all of it UTF-8? */
static int detect(qp_import_reader *r, int *utf8)
{
	struct stat sb;
	*utf8 = 1;
	if (fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode) && lseek(r->fd, 0, SEEK_CUR) == 0) {
		size_t carry = 0, tail = 0;
		for (;;) {
			ssize_t n = read(r->fd, r->raw + carry, sizeof(r->raw) - carry);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return qp_error_set(QP_EIO, "reading the import file: %s", strerror(errno));
			if (n == 0) {
				*utf8 = carry == 0;
				break;
			}
			size_t len = carry + (size_t)n;
			if (!utf8_valid(r->raw, len, &tail)) {
				*utf8 = 0;
				break;
			}
			memmove(r->raw, r->raw + len - tail, tail);
			carry = tail;
		}
		if (lseek(r->fd, 0, SEEK_SET) != 0)
			return qp_error_set(QP_EIO, "rewinding the import file: %s", strerror(errno));
		return QP_OK;
	}
	/* A pipe: judge by the first chunk, which stays in raw to be decoded. */
	int err;
	while (!r->eof && r->raw_len < sizeof(r->raw))
		if ((err = read_raw(r)) != QP_OK)
			return err;
	size_t tail;
	*utf8 = utf8_valid(r->raw, r->raw_len, &tail) && (!r->eof || tail == 0);
	return QP_OK;
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
	int utf8 = encoding != QP_IMPORT_GB18030;
	if (encoding == QP_IMPORT_AUTO && (err = detect(r, &utf8)) != QP_OK)
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
