/*
 * print_pdf.c - the printed certificate's page (print_pdf.h), with cairo's
 * PDF surface, pango and libqrencode.
 *
 * The page is A4 portrait, in points (1/72 inch).  A double frame; the
 * title and the display number; the rows, label and value; the two QR
 * codes side by side under them, the proof's on the left as large as the
 * page allows, the URL's on the right; the small print at the bottom.
 * Every text is drawn with pango_layout_set_text, never as markup, so no
 * value can change the layout's formatting.  The font is Noto Serif CJK
 * SC (fonts-noto-cjk), bold and regular, which cairo embeds as subsets of
 * the characters used.
 */
#include "print_pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "qrtext.h"

#define PT_PER_MM  (72.0 / 25.4)
#define PAGE_W	   595.2756 /* 210 mm */
#define PAGE_H	   841.8898 /* 297 mm */
#define MARGIN	   (18.0 * PT_PER_MM)
#define QUIET	   4 /* modules of white around a QR code (ISO/IEC 18004) */
#define LARGE_SIDE (88.0 * PT_PER_MM)
#define SMALL_SIDE (34.0 * PT_PER_MM)
/*
 * Song (serif) type throughout, as official certificates are set.  Noto Sans
 * CJK SC would add 900 kB: cairo's subset of it keeps its whole subroutine table.
 */
#define FONT_FAMILY "Noto Serif CJK SC"
#define INK_R	    0.62 /* the frame's and the title's red */
#define INK_G	    0.09
#define INK_B	    0.09

typedef struct pdf_buf {
	unsigned char *data;
	size_t len, cap;
	int failed;
} pdf_buf;

static cairo_status_t pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
	pdf_buf *b = closure;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->len + len)
			cap *= 2;
		unsigned char *p = realloc(b->data, cap);
		if (p == NULL) {
			b->failed = 1;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return CAIRO_STATUS_SUCCESS;
}

/* How a text is set: its size in points, its weight, its alignment. */
typedef struct text_style {
	double size;
	int bold;
	PangoAlignment align;
} text_style;

static const text_style title_style = {30, 1, PANGO_ALIGN_CENTER}, number_style = {13, 1, PANGO_ALIGN_CENTER},
			label_style = {9.5, 0, PANGO_ALIGN_LEFT}, value_style = {10.5, 0, PANGO_ALIGN_LEFT},
			caption_style = {8, 0, PANGO_ALIGN_CENTER}, small_style = {7.5, 0, PANGO_ALIGN_LEFT};

/*
 * Lay out text in a box width wide (wrapped at words, or anywhere in a
 * long word) and at most max_height high (0: no limit; an ellipsis ends
 * what does not fit), and draw it at (x, y) unless draw is 0.  Returns its
 * height in points.
 */
static double text_box(cairo_t *cr, double x, double y, double width, double max_height, const text_style *st,
		       const char *text, int draw)
{
	PangoLayout *layout = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family(fd, FONT_FAMILY);
	pango_font_description_set_absolute_size(fd, st->size * PANGO_SCALE);
	pango_font_description_set_weight(fd, st->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(layout, fd);
	pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
	if (max_height > 0) {
		pango_layout_set_height(layout, (int)(max_height * PANGO_SCALE));
		pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
	}
	pango_layout_set_alignment(layout, st->align);
	pango_layout_set_text(layout, text, -1);
	int w, h;
	pango_layout_get_size(layout, &w, &h);
	if (draw) {
		cairo_move_to(cr, x, y);
		pango_cairo_show_layout(cr, layout);
	}
	pango_font_description_free(fd);
	g_object_unref(layout);
	return (double)h / PANGO_SCALE;
}

static double draw_text(cairo_t *cr, double x, double y, double width, const text_style *st, const char *text)
{
	return text_box(cr, x, y, width, 0, st, text, 1);
}

/* Draw qr in a square of side points at (x, y), quiet zone included; info gets its measures. */
static void draw_qr(cairo_t *cr, const QRcode *qr, double x, double y, double side, cert_qr_info *info)
{
	double m = side / (qr->width + 2 * QUIET);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, x, y, side, side);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	/* One rectangle per run of dark modules in a row: a smaller file, and no seams between modules. */
	for (int r = 0; r < qr->width; r++)
		for (int c = 0; c < qr->width;) {
			int run = 0;
			while (c + run < qr->width && (qr->data[r * qr->width + c + run] & 1))
				run++;
			if (run)
				cairo_rectangle(cr, x + (c + QUIET) * m, y + (r + QUIET) * m, run * m, m);
			c += run ? run : 1;
		}
	cairo_fill(cr);
	info->version = qr->version;
	info->modules = qr->width;
	info->module_mm = m / PT_PER_MM;
}

static void draw_frame(cairo_t *cr)
{
	cairo_set_source_rgb(cr, INK_R, INK_G, INK_B);
	cairo_set_line_width(cr, 2.4);
	cairo_rectangle(cr, MARGIN - 8, MARGIN - 8, PAGE_W - 2 * MARGIN + 16, PAGE_H - 2 * MARGIN + 16);
	cairo_stroke(cr);
	cairo_set_line_width(cr, 0.8);
	cairo_rectangle(cr, MARGIN - 4, MARGIN - 4, PAGE_W - 2 * MARGIN + 8, PAGE_H - 2 * MARGIN + 8);
	cairo_stroke(cr);
}

/*
 * Give back what pango, cairo and fontconfig keep for the process (the
 * font map, its caches, fontconfig's configuration): the tool prints one
 * page and exits, and a leak checker (the sanitizer pass of tools/check,
 * valgrind) must see no memory left.  A later page builds them again.
 */
static void release_fonts(void)
{
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}

int cert_sheet_render(unsigned char **out, size_t *out_len, const cert_sheet *sheet, cert_qr_info *small,
		      cert_qr_info *large, char *err, size_t err_len)
{
	pdf_buf buf = {0};
	QRcode *qr_url = NULL, *qr_proof = NULL;
	char *text = NULL;
	size_t text_len = 0;
	int rc = -1;
	*out = NULL;
	*out_len = 0;
	memset(small, 0, sizeof(*small));
	memset(large, 0, sizeof(*large));
	if (qr_text_encode(&text, &text_len, sheet->proof, sheet->proof_len) != 0) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	/* Medium error correction (15%) for both: the page may be creased or stamped on. */
	qr_url = QRcode_encodeString(sheet->url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	/* A proof too long for any QR code (NULL) is left out, below. */
	qr_proof = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr_url == NULL) {
		snprintf(err, err_len, "the verification URL (%zu characters) does not fit in a QR code",
			 strlen(sheet->url));
		goto done;
	}
	small->chars = strlen(sheet->url);
	large->chars = text_len;

	cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(pdf_write, &buf, PAGE_W, PAGE_H);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, sheet->number);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "quanpiao cert print");
	cairo_t *cr = cairo_create(surface);
	double inner = PAGE_W - 2 * MARGIN, y = MARGIN + 14;
	draw_frame(cr);

	cairo_set_source_rgb(cr, INK_R, INK_G, INK_B);
	y += draw_text(cr, MARGIN, y, inner, &title_style, sheet->title) + 6;
	cairo_set_source_rgb(cr, 0, 0, 0);
	y += draw_text(cr, MARGIN, y, inner, &number_style, sheet->number) + 16;

	/* The rows: a label column and a value column, a hairline under each. */
	double label_w = 46 * PT_PER_MM, gap = 4 * PT_PER_MM, x0 = MARGIN + 8, x1 = x0 + label_w + gap;
	double x2 = MARGIN + inner - 8, value_w = x2 - x1;
	for (size_t i = 0; i < sheet->nrows; i++) {
		double h1 = draw_text(cr, x0, y, label_w, &label_style, sheet->rows[i].label);
		double h2 = draw_text(cr, x1, y, value_w, &value_style, sheet->rows[i].value);
		y += (h1 > h2 ? h1 : h2) + 3;
		cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
		cairo_set_line_width(cr, 0.4);
		cairo_move_to(cr, x0, y);
		cairo_line_to(cr, x2, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		y += 4;
	}

	/*
	 * From the bottom up: the small print, the codes' captions, the codes.  The
	 * large code is as large as LARGE_SIDE, smaller only when long values
	 * (the longest names, origins, key names) leave less room above; left
	 * out, with a note in its place, when it would not scan (print_pdf.h).
	 */
	double bottom = PAGE_H - MARGIN - 6, caption_h = 14;
	/* Room for either small print: the taller sets where the codes stand. */
	const char *no_proof = sheet->footer_no_proof ? sheet->footer_no_proof : sheet->footer;
	double foot_h = text_box(cr, 0, 0, x2 - x0, 0, &small_style, sheet->footer, 0),
	       foot_h2 = text_box(cr, 0, 0, x2 - x0, 0, &small_style, no_proof, 0);
	if (foot_h2 > foot_h)
		foot_h = foot_h2;
	double room = bottom - foot_h - 8 - caption_h - (y + 8);
	double side = room < LARGE_SIDE ? room : LARGE_SIDE,
	       small_side = side < SMALL_SIDE ? side : SMALL_SIDE;
	const char *footer = sheet->footer;
	if (qr_proof && side / (qr_proof->width + 2 * QUIET) / PT_PER_MM < CERT_SHEET_MIN_MODULE_MM) {
		QRcode_free(qr_proof);
		qr_proof = NULL;
	}
	if (qr_proof == NULL)
		footer = no_proof;
	double qy = bottom - foot_h - 8 - caption_h - side;
	if (qr_proof) {
		draw_qr(cr, qr_proof, x0, qy, side, large);
		draw_text(cr, x0, qy + side + 2, side, &caption_style, "离线核验码 status proof (Base45)");
	} else {
		char note[512];
		snprintf(note, sizeof(note),
			 "未印离线核验码：状态证明有 %zu 个字符，超出纸面上可扫描的二维码。\n"
			 "No offline code: the status proof's %zu characters are more than a QR code "
			 "read from paper holds.",
			 text_len, text_len);
		cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
		cairo_set_line_width(cr, 0.6);
		cairo_rectangle(cr, x0, qy, side, side);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		text_box(cr, x0 + 8, qy + 8, side - 16, side - 16, &small_style, note, 1);
	}
	double sx = x2 - small_side;
	draw_qr(cr, qr_url, sx, qy, small_side, small);
	draw_text(cr, sx - 20, qy + small_side + 2, small_side + 20, &caption_style,
		  "扫码核验 verify online");
	double tx = x0 + side + 12;
	text_box(cr, tx, qy + 4, sx - 12 - tx, side - 8, &small_style, sheet->url, 1);
	draw_text(cr, x0, bottom - foot_h, x2 - x0, &small_style, footer);

	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	cairo_status_t st = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (st != CAIRO_STATUS_SUCCESS || buf.failed) {
		snprintf(err, err_len, "cannot draw the PDF: %s",
			 buf.failed ? "out of memory" : cairo_status_to_string(st));
		goto done;
	}
	*out = buf.data;
	*out_len = buf.len;
	buf.data = NULL;
	rc = 0;
done:
	free(buf.data);
	free(text);
	QRcode_free(qr_url);
	QRcode_free(qr_proof);
	release_fonts();
	return rc;
}
