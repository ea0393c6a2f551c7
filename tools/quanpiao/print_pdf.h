/*
 * print_pdf.h - the page of a printed certificate (quanpiao cert print):
 * what it says, laid out on one A4 page as a PDF.  cmd_cert_print.c
 * gathers the words and the QR codes' texts; print_pdf.c draws them with
 * cairo's PDF surface, pango and a Noto CJK font (embedded as a subset)
 * and libqrencode.  A build without those libraries compiles
 * print_none.c instead, whose cert_sheet_render says so.
 */
#ifndef QP_PRINT_PDF_H
#define QP_PRINT_PDF_H

#include <stddef.h>

#define CERT_SHEET_MAX_ROWS 16

/* One line of the certificate: a label (Chinese, then English) and its value. */
typedef struct cert_sheet_row {
	const char *label;
	const char *value;
} cert_sheet_row;

typedef struct cert_sheet {
	const char *title;  /* 诸暨市保障权票 */
	const char *number; /* 浙(2026)诸暨市保障权票第000123号 */
	cert_sheet_row rows[CERT_SHEET_MAX_ROWS];
	size_t nrows;
	const char *footer;	    /* small print under the codes */
	const char *footer_no_proof; /* the small print when the proof is not printed (below), or NULL */
	const char *url;	    /* the small QR code: the verification URL (byte mode) */
	const unsigned char *proof; /* the large QR code: bytes, deflated and in Base45 (qrtext.h) */
	size_t proof_len;
} cert_sheet;

/*
 * The large code is left out, and a note says so in its place, when its
 * text does not fit in a QR code at error correction M (version 40 holds
 * 3,391 characters) or its modules would be smaller than this on the page
 * (docs/print.md, "Measured").
 */
#define CERT_SHEET_MIN_MODULE_MM 0.45

/* How a QR code came out on the page. */
typedef struct cert_qr_info {
	int version;	  /* 1 to 40; 0 for a large code left out */
	int modules;	  /* its width in modules, without the quiet zone */
	double module_mm; /* the width of one module on the page, in mm */
	size_t chars;	  /* characters encoded */
} cert_qr_info;

/*
 * Draw sheet on an A4 page and write the PDF to *out (malloc'd, *out_len
 * bytes).  small and large get how the two QR codes came out.  Returns 0,
 * or -1 with a message in err (a URL too long for a QR code, no PDF
 * support in this build, out of memory).  A proof that does not scan is no
 * error: the page leaves its code out (large->version 0).
 */
int cert_sheet_render(unsigned char **out, size_t *out_len, const cert_sheet *sheet, cert_qr_info *small,
		      cert_qr_info *large, char *err, size_t err_len);

#endif
