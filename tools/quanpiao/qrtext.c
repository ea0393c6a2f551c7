/*
 * qrtext.c - raw deflate and Base45 for the text of a QR code (qrtext.h).
 */
#include "qrtext.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static const char b45_alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

int qr_base45_encode(char **out, size_t *out_len, const unsigned char *in, size_t in_len)
{
	*out = NULL;
	*out_len = 0;
	/* Every 2 bytes become 3 characters, a last odd byte 2. */
	size_t n = in_len / 2 * 3 + (in_len % 2) * 2;
	char *s = malloc(n + 1), *p = s;
	if (s == NULL)
		return -1;
	for (size_t i = 0; i + 1 < in_len; i += 2) {
		unsigned v = (unsigned)in[i] * 256u + in[i + 1];
		*p++ = b45_alphabet[v % 45];
		*p++ = b45_alphabet[v / 45 % 45];
		*p++ = b45_alphabet[v / 2025];
	}
	if (in_len % 2) {
		unsigned v = in[in_len - 1];
		*p++ = b45_alphabet[v % 45];
		*p++ = b45_alphabet[v / 45];
	}
	*p = '\0';
	*out = s;
	*out_len = n;
	return 0;
}

static int b45_value(char c)
{
	const char *p = c ? strchr(b45_alphabet, c) : NULL;
	return p ? (int)(p - b45_alphabet) : -1;
}

int qr_base45_decode(unsigned char **out, size_t *out_len, const char *in, size_t in_len)
{
	*out = NULL;
	*out_len = 0;
	if (in_len % 3 == 1)
		return -2;
	unsigned char *b = malloc(in_len / 3 * 2 + 2), *p = b;
	if (b == NULL)
		return -1;
	for (size_t i = 0; i < in_len; i += 3) {
		size_t k = in_len - i < 3 ? in_len - i : 3;
		uint32_t v = 0, scale = 1;
		for (size_t j = 0; j < k; j++, scale *= 45) {
			int d = b45_value(in[i + j]);
			if (d < 0) {
				free(b);
				return -2;
			}
			v += (uint32_t)d * scale;
		}
		if ((k == 3 && v > 0xffff) || (k == 2 && v > 0xff)) {
			free(b);
			return -2;
		}
		if (k == 3)
			*p++ = (unsigned char)(v >> 8);
		*p++ = (unsigned char)(v & 0xff);
	}
	*out = b;
	*out_len = (size_t)(p - b);
	return 0;
}

int qr_text_encode(char **out, size_t *out_len, const unsigned char *in, size_t in_len)
{
	*out = NULL;
	*out_len = 0;
	z_stream z = {0};
	/* windowBits -15: raw deflate, no zlib header or checksum (the proof inside is signed). */
	if (in_len > UINT32_MAX ||
	    deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uLong cap = deflateBound(&z, (uLong)in_len);
	unsigned char *buf = malloc(cap);
	int rc = -1;
	if (buf == NULL)
		goto done;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)in_len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		goto done;
	rc = qr_base45_encode(out, out_len, buf, z.total_out);
done:
	deflateEnd(&z);
	free(buf);
	return rc;
}

int qr_text_decode(unsigned char **out, size_t *out_len, const char *in, size_t in_len)
{
	unsigned char *raw = NULL, *buf = NULL;
	size_t raw_len = 0;
	*out = NULL;
	*out_len = 0;
	int rc = qr_base45_decode(&raw, &raw_len, in, in_len);
	if (rc != 0)
		return rc;
	z_stream z = {0};
	if (raw_len > UINT32_MAX || inflateInit2(&z, -15) != Z_OK) {
		free(raw);
		return -1;
	}
	rc = -1;
	if ((buf = malloc(QR_TEXT_MAX_BYTES + 1)) == NULL)
		goto done;
	z.next_in = raw;
	z.avail_in = (uInt)raw_len;
	z.next_out = buf;
	z.avail_out = QR_TEXT_MAX_BYTES + 1;
	int zr = inflate(&z, Z_FINISH);
	if (zr == Z_MEM_ERROR)
		goto done;
	/* One whole stream, nothing after it, within the limit. */
	if (zr != Z_STREAM_END || z.avail_in != 0 || z.total_out > QR_TEXT_MAX_BYTES) {
		rc = -2;
		goto done;
	}
	*out = buf;
	*out_len = z.total_out;
	buf = NULL;
	rc = 0;
done:
	inflateEnd(&z);
	free(buf);
	free(raw);
	return rc;
}
