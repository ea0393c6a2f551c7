/*
 * qrtext.h - bytes as the text of a QR code in alphanumeric mode: raw
 * deflate (RFC 1951, zlib) then Base45 (RFC 9285), as the EU Digital COVID
 * Certificate carries its signed payload.  Base45's alphabet is exactly the
 * 45 characters of a QR code's alphanumeric mode, which packs 2 characters
 * in 11 bits: 3 bytes become 3 characters, 16.5 bits, a 69% overhead
 * instead of Base64's 33% in byte mode (48 bits for 4 characters).
 *
 * The printed certificate (cmd_cert_print.c) puts an offline proof in its
 * large QR code with qr_text_encode; the tests read it back with
 * qr_text_decode (tests/tools/qp_qrtext.c).
 */
#ifndef QP_QRTEXT_H
#define QP_QRTEXT_H

#include <stddef.h>

/* The most bytes qr_text_decode inflates to (a QR code holds at most 4,296 characters). */
#define QR_TEXT_MAX_BYTES (1u << 20)

/*
 * Base45 (RFC 9285 §4): *out (malloc'd, NUL-terminated, *out_len
 * characters without the NUL).  Returns 0, or -1 when out of memory.
 */
int qr_base45_encode(char **out, size_t *out_len, const unsigned char *in, size_t in_len);

/*
 * Decode Base45: *out (malloc'd) gets the bytes.  Returns 0; -1 when out of
 * memory; -2 when in is not Base45 (a character outside the alphabet, a
 * length of 1 mod 3, or a group above 65535 or, at the end, above 255).
 */
int qr_base45_decode(unsigned char **out, size_t *out_len, const char *in, size_t in_len);

/* Raw deflate at the best compression, then Base45.  Returns 0, or -1 (out of memory, zlib). */
int qr_text_encode(char **out, size_t *out_len, const unsigned char *in, size_t in_len);

/*
 * Base45 then raw inflate, to at most QR_TEXT_MAX_BYTES.  Returns 0; -1 when
 * out of memory; -2 when in is not Base45 or not a whole raw deflate stream
 * (or trailing bytes follow it, or it inflates to more than the limit).
 */
int qr_text_decode(unsigned char **out, size_t *out_len, const char *in, size_t in_len);

#endif
