/*
 * qp_qrtext.c - for the tests of quanpiao cert print: decode the text of
 * the printed certificate's large QR code (Base45, then raw inflate) from
 * standard input to standard output, with the tool's own decoder
 * (tools/quanpiao/qrtext.c).  A trailing newline (zbarimg's) is ignored.
 * Exit 0, or 1 saying why the text is not one.
 */
#include <stdio.h>
#include <stdlib.h>

#include "qrtext.h"

int main(void)
{
	static char text[65536];
	size_t len = fread(text, 1, sizeof(text), stdin);
	if (len == sizeof(text) || ferror(stdin)) {
		fprintf(stderr, "qp_qrtext: the input is longer than any QR code\n");
		return 1;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	unsigned char *out = NULL;
	size_t out_len = 0;
	int rc = qr_text_decode(&out, &out_len, text, len);
	if (rc != 0) {
		fprintf(stderr, "qp_qrtext: %s\n",
			rc == -2 ? "not Base45 of a raw deflate stream" : "out of memory");
		return 1;
	}
	int ok = fwrite(out, 1, out_len, stdout) == out_len && fflush(stdout) == 0;
	free(out);
	return ok ? 0 : 1;
}
