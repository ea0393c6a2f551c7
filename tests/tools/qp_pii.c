/*
 * qp_pii - search files for personal data in every encoding the registry
 * could write it in, for tests/cli/test_pii.sh (issue 19's acceptance: no
 * resident ID number and no personal name anywhere in what is shared).
 *
 *   qp_pii VALUES FILE...
 *
 * VALUES holds one value a line (UTF-8: an ID number, a name).  Each value
 * is searched for in every FILE as
 *
 *   text              its bytes (and, for an ID number ending in X, with x)
 *   json-escaped      every character as \uXXXX, lower- and upper-case hex
 *                     (a character past U+FFFF as its surrogate pair)
 *   json-non-ascii    only the characters past U+007F escaped, both cases
 *   hex, HEX          its bytes in lower- and upper-case hexadecimal
 *   base64@0,1,2      standard base64 (RFC 4648 §4) of the value at offset
 *                     0, 1 and 2 within a longer string: the characters
 *                     that depend on the value's bytes alone
 *   base64url@0,1,2   the same in the URL alphabet (§5)
 *
 * Nothing here uses the library: the search must not share a bug with
 * what it checks.  A match prints the file, the byte offset, the value's
 * line in VALUES (an ID number masked: a test never prints one in full)
 * and the encoding.  Exit status: 0 none found, 1 found, 2 usage or an
 * unreadable file or a value too short to search for reliably.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_VALUE_LEN 4 /* bytes: a shorter value would match by chance */

typedef struct buf {
	unsigned char *p;
	size_t len;
} buf;

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL) {
		fprintf(stderr, "qp_pii: out of memory\n");
		exit(2);
	}
	return q;
}

static int read_file(buf *out, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0;
	out->p = NULL;
	out->len = 0;
	if (f == NULL)
		return -1;
	for (;;) {
		if (out->len == cap) {
			cap = cap ? cap * 2 : 65536;
			out->p = xrealloc(out->p, cap);
		}
		size_t got = fread(out->p + out->len, 1, cap - out->len, f);
		out->len += got;
		if (got == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	return bad ? -1 : 0;
}

static void add(buf *b, const void *s, size_t n)
{
	b->p = xrealloc(b->p, b->len + n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* The next code point of UTF-8 s (at *i); -1 for a byte that starts none. */
static long next_cp(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
	if (n < 0 || *i + (size_t)n >= len)
		return -1;
	long cp = n == 0 ? c : c & (0x3F >> n);
	for (int k = 1; k <= n; k++) {
		unsigned char d = s[*i + (size_t)k];
		if ((d & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (d & 0x3F);
	}
	*i += (size_t)n + 1;
	return cp;
}

/* \uXXXX for a UTF-16 code unit: 6 bytes at out. */
static size_t u_escape(char out[16], unsigned unit, int upper)
{
	return (size_t)(upper ? snprintf(out, 16, "\\u%04X", unit) : snprintf(out, 16, "\\u%04x", unit));
}

/* The value with \uXXXX escapes: every character (all) or those past U+007F. */
static int json_escaped(buf *out, const unsigned char *v, size_t len, int all, int upper)
{
	char esc[16];
	out->p = NULL;
	out->len = 0;
	for (size_t i = 0; i < len;) {
		long cp = next_cp(v, len, &i);
		if (cp < 0)
			return -1;
		if (cp < 0x80 && !all) {
			unsigned char c = (unsigned char)cp;
			add(out, &c, 1);
		} else if (cp < 0x10000) {
			add(out, esc, u_escape(esc, (unsigned)cp, upper));
		} else {
			long u = cp - 0x10000;
			add(out, esc, u_escape(esc, (unsigned)(0xD800 + (u >> 10)), upper));
			add(out, esc, u_escape(esc, (unsigned)(0xDC00 + (u & 0x3FF)), upper));
		}
	}
	return 0;
}

static void hex(buf *out, const unsigned char *v, size_t len, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	out->p = NULL;
	out->len = 0;
	for (size_t i = 0; i < len; i++) {
		char two[2] = {digits[v[i] >> 4], digits[v[i] & 15]};
		add(out, two, 2);
	}
}

/*
 * The base64 characters of the value at offset k (0..2) within a longer
 * string that depend on nothing but the value's bytes: character j covers
 * bits 6j..6j+5 of the whole, so j runs from ceil(8k/6) to
 * floor(8(k+len)/6) - 1.
 */
static void base64_part(buf *out, const unsigned char *v, size_t len, int k, int url)
{
	const char *alpha = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
				: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t total = (size_t)k + len, first = ((size_t)k * 8 + 5) / 6, end = total * 8 / 6;
	unsigned char *in = calloc(total + 3, 1);
	if (in == NULL) {
		fprintf(stderr, "qp_pii: out of memory\n");
		exit(2);
	}
	memcpy(in + k, v, len);
	out->p = NULL;
	out->len = 0;
	for (size_t j = first; j < end; j++) {
		size_t bit = j * 6, byte = bit / 8;
		unsigned w = ((unsigned)in[byte] << 8) | in[byte + 1];
		char c = alpha[(w >> (10 - bit % 8)) & 0x3F];
		add(out, &c, 1);
	}
	free(in);
}

static int looks_like_id(const unsigned char *v, size_t len)
{
	if (len != 18)
		return 0;
	for (size_t i = 0; i < 17; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	return (v[17] >= '0' && v[17] <= '9') || v[17] == 'X' || v[17] == 'x';
}

static size_t found;

/* Report every occurrence of pat in file f. */
static void search_bytes(const char *path, const buf *f, const unsigned char *pat, size_t pat_len,
			 size_t line, const unsigned char *v, size_t vlen, const char *encoding)
{
	if (pat_len == 0 || pat_len > f->len)
		return;
	for (size_t i = 0; i + pat_len <= f->len; i++) {
		if (f->p[i] != pat[0] || memcmp(f->p + i, pat, pat_len) != 0)
			continue;
		found++;
		if (looks_like_id(v, vlen))
			printf("%s: byte %zu: value %zu (ID number %.6s********%.4s) as %s\n", path, i, line,
			       v, v + 14, encoding);
		else
			printf("%s: byte %zu: value %zu (a name, %zu bytes) as %s\n", path, i, line, vlen,
			       encoding);
	}
}

/* The patterns searched for the current value, so that each is searched (and reported) once. */
static buf seen[32];
static size_t nseen;

static void forget_seen(void)
{
	for (size_t i = 0; i < nseen; i++)
		free(seen[i].p);
	nseen = 0;
}

static void search(const char *path, const buf *f, const buf *pat, size_t line, const unsigned char *v,
		   size_t vlen, const char *encoding)
{
	for (size_t i = 0; i < nseen; i++)
		if (seen[i].len == pat->len && memcmp(seen[i].p, pat->p, pat->len) == 0)
			return; /* the same bytes as an encoding before (digits in hex, an all-Chinese
				   name...) */
	if (nseen < sizeof(seen) / sizeof(seen[0])) {
		seen[nseen].p = xrealloc(NULL, pat->len);
		memcpy(seen[nseen].p, pat->p, pat->len);
		seen[nseen++].len = pat->len;
	}
	search_bytes(path, f, pat->p, pat->len, line, v, vlen, encoding);
}

static void search_value(const char *path, const buf *f, size_t line, const unsigned char *v, size_t vlen)
{
	buf pat = {NULL, 0};
	char what[32];
	forget_seen();
	search_bytes(path, f, v, vlen, line, v, vlen, "text");
	for (int all = 1; all >= 0; all--)
		for (int upper = 0; upper <= 1; upper++) {
			if (json_escaped(&pat, v, vlen, all, upper) == 0 && (all || pat.len != vlen))
				search(path, f, &pat, line, v, vlen,
				       all ? (upper ? "json-escaped (upper-case hex)" : "json-escaped")
					   : (upper ? "json-non-ascii (upper-case hex)" : "json-non-ascii"));
			free(pat.p);
		}
	for (int upper = 0; upper <= 1; upper++) {
		hex(&pat, v, vlen, upper);
		search(path, f, &pat, line, v, vlen, upper ? "HEX" : "hex");
		free(pat.p);
	}
	for (int url = 0; url <= 1; url++)
		for (int k = 0; k < 3; k++) {
			base64_part(&pat, v, vlen, k, url);
			snprintf(what, sizeof(what), "%s@%d", url ? "base64url" : "base64", k);
			search(path, f, &pat, line, v, vlen, what);
			free(pat.p);
		}
	forget_seen();
}

int main(int argc, char **argv)
{
	buf values, *files;
	size_t bytes = 0, nvalues = 0;
	if (argc < 3) {
		fprintf(stderr, "usage: qp_pii VALUES FILE...\n");
		return 2;
	}
	if (read_file(&values, argv[1]) != 0) {
		fprintf(stderr, "qp_pii: %s: cannot read\n", argv[1]);
		return 2;
	}
	files = calloc((size_t)argc, sizeof(*files));
	if (files == NULL)
		return 2;
	for (int i = 2; i < argc; i++) {
		if (read_file(&files[i], argv[i]) != 0) {
			fprintf(stderr, "qp_pii: %s: cannot read\n", argv[i]);
			return 2;
		}
		bytes += files[i].len;
	}
	size_t line = 0;
	for (size_t at = 0; at < values.len;) {
		unsigned char *nl = memchr(values.p + at, '\n', values.len - at);
		size_t end = nl ? (size_t)(nl - values.p) : values.len, vlen = end - at;
		unsigned char *v = values.p + at;
		line++;
		at = end + 1;
		if (vlen == 0)
			continue;
		if (vlen < MIN_VALUE_LEN) {
			fprintf(stderr,
				"qp_pii: %s line %zu: a value of %zu bytes is too short to search for\n",
				argv[1], line, vlen);
			return 2;
		}
		nvalues++;
		for (int i = 2; i < argc; i++) {
			search_value(argv[i], &files[i], line, v, vlen);
			if (looks_like_id(v, vlen) && (v[17] == 'X' || v[17] == 'x')) {
				unsigned char other[18];
				memcpy(other, v, 18);
				other[17] = v[17] == 'X' ? 'x' : 'X';
				search_value(argv[i], &files[i], line, other, 18);
			}
		}
	}
	if (found == 0)
		printf("qp_pii: %zu values, %d files, %zu bytes: none found\n", nvalues, argc - 2, bytes);
	for (int i = 2; i < argc; i++)
		free(files[i].p);
	free(files);
	free(values.p);
	return found ? 1 : 0;
}
