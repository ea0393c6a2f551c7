/*
 * print_none.c - cert_sheet_render in a build without cairo, pango,
 * libqrencode or zlib (meson.build: -Dprint=auto found them missing).
 */
#include <stdio.h>

#include "print_pdf.h"

int cert_sheet_render(unsigned char **out, size_t *out_len, const cert_sheet *sheet, cert_qr_info *small,
		      cert_qr_info *large, char *err, size_t err_len)
{
	(void)sheet;
	(void)small;
	(void)large;
	*out = NULL;
	*out_len = 0;
	snprintf(err, err_len,
		 "this quanpiao was built without PDF printing: install cairo, pango, libqrencode, zlib and "
		 "fonts-noto-cjk (tools/deps) and build again");
	return -1;
}
