/*
 * cmd_cert_print.c - quanpiao cert print CERT --out FILE.pdf: the
 * certificate as a holder keeps it, one A4 page in Chinese (print_pdf.c
 * draws it) with two QR codes: a small one holding the verification URL
 * and a large one holding the certificate's status proof.  The page shows
 * the certificate as of the latest checkpoint, which must cover its
 * history, as for 'quanpiao export': what it shows is first verified from
 * the certificate's bundle with the authority's key.
 *
 * The verification URL is BASE/verify#c=CERT&i=INDEX&h=LEAF: the
 * certificate, the index of its latest entry and that entry's leaf hash
 * (RFC 6962, lower-case hex).  The fragment never reaches a server.  BASE
 * is --base-url, else https:// and the log's origin.
 *
 * The large code holds the status proof exactly as 'quanpiao cert status
 * CERT --proof FILE' writes it (qp_statusmap_status_proof: the checkpoint
 * with its cosignatures, the map proof, the record, the entry that last
 * changed the certificate and its inclusion proof), deflated and in
 * Base45 (qrtext.h): decoded, it is a file that 'quanpiao verify FILE
 * --log-vkey LOG.vkey' checks as it is (docs/print.md).  It is checked with
 * the registry's log keys before printing (cli_status_check) and must be
 * against the checkpoint the page shows (exit 5 if one was signed between).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "commands.h"
#include "print_pdf.h"
#include "table.h"

#define BASE_URL_MAX_LEN   200

static const cli_opt print_opts[] = {
    {"out", "FILE", "where to write the PDF (replaced if it exists)"},
    {"base-url", "URL", "the log's web address, for the verification URL (default https://ORIGIN)"},
    {NULL, NULL, NULL},
};

/* A base URL: http(s), printable ASCII, no fragment, quote, space or brackets. */
static int check_base_url(const cli_ctx *ctx, const char *url)
{
	size_t len = strlen(url);
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return cli_invalid(ctx, "--base-url: must start with https:// or http://");
	if (len > BASE_URL_MAX_LEN)
		return cli_invalid(ctx, "--base-url: at most %d characters, not %zu", BASE_URL_MAX_LEN, len);
	for (const char *p = url; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("#\"<>\\^`{|}", *p))
			return cli_invalid(ctx, "--base-url: character %zu is not allowed in a URL here",
					   (size_t)(p - url) + 1);
	if (url[strcspn(url, ":") + 3] == '\0' || url[strcspn(url, ":") + 3] == '/')
		return cli_invalid(ctx, "--base-url: no host after the scheme");
	return CLI_OK;
}

/* The entry at index: its leaf hash (hex) and signer's key name. */
typedef struct entry_facts {
	char leaf[2 * QP_HASH_LEN + 1];
	char signer[128];
} entry_facts;

static int entry_fact(void *arg, const qp_log_item *item)
{
	entry_facts *f = arg;
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < QP_HASH_LEN; i++) {
		f->leaf[2 * i] = hex[item->leaf_hash[i] >> 4];
		f->leaf[2 * i + 1] = hex[item->leaf_hash[i] & 15];
	}
	f->leaf[2 * QP_HASH_LEN] = '\0';
	snprintf(f->signer, sizeof(f->signer), "%s", item->signer ? item->signer : "");
	return QP_OK;
}

/* The holder in words: a household with its head's masked ID number and name, a village by name. */
static int holder_text(char *buf, size_t len, char village[13], qp_registry *reg, const qp_cert *c)
{
	int err = QP_OK;
	if (strcmp(c->holder_type, "household") == 0) {
		qp_household h = {0};
		if ((err = qp_household_get(&h, reg, c->holder)) == QP_OK) {
			cli_household_text(buf, len, &h, false);
			snprintf(village, 13, "%s", h.village);
		}
		qp_household_clear(&h);
	} else if (strcmp(c->holder_type, "collective") == 0 && strlen(c->holder) == 12) {
		/* a village's collective by its division code (a credit code is printed as it is) */
		qp_village v = {0};
		if ((err = qp_village_get(&v, reg, c->holder)) == QP_OK)
			snprintf(buf, len, "%s %s", v.name, v.code);
		snprintf(village, 13, "%.12s", c->holder);
		qp_village_clear(&v);
	} else {
		snprintf(buf, len, "%s", c->holder);
	}
	return err;
}

/* "东白湖村 330681101201", or "-". */
static int village_text(char *buf, size_t len, qp_registry *reg, const char *code)
{
	qp_village v = {0};
	snprintf(buf, len, "-");
	if (code[0] == '\0')
		return QP_OK;
	int err = qp_village_get(&v, reg, code);
	if (err == QP_OK)
		snprintf(buf, len, "%s %s", v.name, v.code);
	qp_village_clear(&v);
	return err;
}

/* The index of the latest entry that names certificate id (its creation, at least). */
static int latest_entry(uint64_t *out, qp_registry *reg, const qp_cert *c)
{
	qp_cert_event *events = NULL;
	size_t n = 0;
	*out = c->created_at;
	int err = qp_cert_history(&events, &n, reg, c->id);
	for (size_t i = 0; err == QP_OK && i < n; i++)
		if (strcmp(events[i].cert, c->id) == 0 && events[i].index > *out)
			*out = events[i].index;
	qp_cert_events_free(events, n);
	return err;
}

static cJSON *qr_json(const cert_qr_info *q)
{
	cJSON *o = cJSON_CreateObject();
	if (q->version == 0) {
		cJSON_AddBoolToObject(o, "printed", 0);
		cJSON_AddNumberToObject(o, "characters", (double)q->chars);
		return o;
	}
	cJSON_AddNumberToObject(o, "version", q->version);
	cJSON_AddNumberToObject(o, "modules", q->modules);
	cJSON_AddNumberToObject(o, "module_mm", (double)(int)(q->module_mm * 1000 + 0.5) / 1000);
	cJSON_AddNumberToObject(o, "characters", (double)q->chars);
	return o;
}

static int run_print(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_cert c = {0};
	qp_bundle_info info = {0};
	qp_status_result st;
	char *bundle = NULL, *url = NULL, *proof = NULL;
	unsigned char *pdf = NULL;
	size_t bundle_len = 0, proof_len = 0, pdf_len = 0;
	int rc = cli_parse(ctx, argc, argv, &args), err;
	memset(&st, 0, sizeof(st));
	if (rc != CLI_OK || args.help)
		return rc;
	const char *out = cli_opt_value(ctx, &args, "out"), *base = cli_opt_value(ctx, &args, "base-url");
	if (args.npos != 1 || out == NULL || out[0] == '\0')
		return cli_usage_error(ctx, "cert print needs one CERT and --out FILE");
	if ((rc = cli_cert_check_number(ctx, "CERT", args.pos[0])) != CLI_OK ||
	    (base && (rc = check_base_url(ctx, base)) != CLI_OK) ||
	    (rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	/* What the page shows is what the bundle proves, as of the latest checkpoint. */
	if ((err = qp_cert_get(&c, reg, args.pos[0])) != QP_OK ||
	    (err = qp_bundle_export(&bundle, &bundle_len, NULL, NULL, reg, c.id)) != QP_OK ||
	    (err = qp_bundle_verify(&info, bundle, bundle_len, qp_registry_authority(reg), 0)) != QP_OK)
		goto fail;
	uint64_t index;
	entry_facts latest = {0}, created = {0};
	if ((err = latest_entry(&index, reg, &info.cert)) != QP_OK ||
	    (err = qp_log_entries(reg, index, index + 1, entry_fact, &latest)) != QP_OK ||
	    (err = qp_log_entries(reg, c.created_at, c.created_at + 1, entry_fact, &created)) != QP_OK ||
	    (err = qp_statusmap_status_proof(&proof, &proof_len, reg, c.id)) != QP_OK ||
	    (err = cli_status_check(&st, reg, proof, proof_len)) != QP_OK)
		goto fail;
	/* The code must prove what the page shows: the same checkpoint (none signed in between). */
	if (st.size != info.checkpoint.size) {
		fprintf(stderr,
			"quanpiao: cert print: a checkpoint was signed while printing (size %llu, then %llu); "
			"print again\n",
			(unsigned long long)info.checkpoint.size, (unsigned long long)st.size);
		rc = CLI_EXIT_CONFLICT;
		goto done;
	}

	const qp_cert *pc = &info.cert;
	char title[160], display[128], holder[256], village_code[13] = "", village[192], area[32],
						    area_text[64];
	char kind[64], basis[64], valid[48], state[64], state_text[160], checkpoint[320], footer[1024],
	    footer_no_proof[1024];
	snprintf(title, sizeof(title), "%s%s", qp_registry_county_name(reg), qp_cert_kind_label(pc->kind));
	if ((err = qp_cert_display_number(display, sizeof(display), reg, pc)) != QP_OK ||
	    (err = holder_text(holder, sizeof(holder), village_code, reg, pc)) != QP_OK)
		goto fail;
	if (pc->home[0]) {
		qp_home h = {0};
		if ((err = qp_home_get(&h, reg, pc->home)) != QP_OK)
			goto fail;
		snprintf(village_code, sizeof(village_code), "%s", h.village);
	} else if (pc->parcel[0] && village_code[0] == '\0') {
		/* reclaimed land lies in the village its code begins with (parcel add checks it) */
		snprintf(village_code, sizeof(village_code), "%.12s", pc->parcel);
	}
	if ((err = village_text(village, sizeof(village), reg, village_code)) != QP_OK)
		goto fail;
	cli_cert_kind_text(kind, sizeof(kind), pc->kind);
	cli_format_hundredths(area, sizeof(area), pc->area);
	snprintf(area_text, sizeof(area_text), "%s 平方米 m²", area);
	cli_cert_basis_text(basis, sizeof(basis), pc->basis);
	snprintf(valid, sizeof(valid), "%s", pc->valid_until[0] ? pc->valid_until : "长期 no expiry");
	cli_cert_state_text(state, sizeof(state), cli_cert_shown_state(pc));
	snprintf(state_text, sizeof(state_text), "%s（截至检查点 as of checkpoint %llu）", state,
		 (unsigned long long)info.checkpoint.size);
	snprintf(checkpoint, sizeof(checkpoint), "%s，大小 size %llu", info.checkpoint.origin,
		 (unsigned long long)info.checkpoint.size);
	const char *base_url = base ? base : NULL;
	char origin_url[300];
	if (base_url == NULL) {
		snprintf(origin_url, sizeof(origin_url), "https://%s", info.checkpoint.origin);
		base_url = origin_url;
	}
	size_t base_len = strlen(base_url);
	while (base_len > 8 && base_url[base_len - 1] == '/')
		base_len--;
	size_t url_len = base_len + 64 + QP_CERT_ID_LEN + 2 * QP_HASH_LEN;
	if ((url = malloc(url_len)) == NULL) {
		err = QP_ENOMEM;
		goto fail;
	}
	snprintf(url, url_len, "%.*s/verify#c=%s&i=%llu&h=%s", (int)base_len, base_url, pc->id,
		 (unsigned long long)index, latest.leaf);
	snprintf(
	    footer, sizeof(footer),
	    "本证记载事项以登记簿的透明日志为准。扫描右侧二维码在线核验；左侧离线核验码载有本证在检查点（大小"
	    " "
	    "%llu）的状态证明：检查点及其签名、状态树证明、第 %llu 号条目及其包含证明，可用 quanpiao verify "
	    "离线核验。\n"
	    "The registry's log is authoritative. Scan the small code to verify online; the large code "
	    "holds the certificate's status proof as of the checkpoint of size %llu: the checkpoint with its "
	    "signatures, the status map's proof, entry %llu and its inclusion proof; quanpiao verify "
	    "checks it offline.",
	    (unsigned long long)info.checkpoint.size, (unsigned long long)st.record.entry,
	    (unsigned long long)info.checkpoint.size, (unsigned long long)st.record.entry);
	snprintf(footer_no_proof, sizeof(footer_no_proof),
		 "本证记载事项以登记簿的透明日志为准。扫描右侧二维码在线核验；本证在检查点（大小 %llu）"
		 "的状态证明可用 quanpiao cert status --proof 取得，并用 quanpiao verify 离线核验。\n"
		 "The registry's log is authoritative. Scan the small code to verify online; the "
		 "certificate's status proof as of the checkpoint of size %llu, from 'quanpiao cert status "
		 "--proof', is checked offline with quanpiao verify.",
		 (unsigned long long)info.checkpoint.size, (unsigned long long)info.checkpoint.size);

	cert_sheet sheet = {.title = title,
			    .number = display,
			    .footer = footer,
			    .footer_no_proof = footer_no_proof,
			    .url = url,
			    .proof = (const unsigned char *)proof,
			    .proof_len = proof_len};
	const cert_sheet_row rows[] = {
	    {"证书编号 certificate", pc->id},
	    {"种类 kind", kind},
	    {"权利人 holder", holder},
	    {"面积 area", area_text},
	    pc->parcel[0] ? (cert_sheet_row){"复垦地块 reclaimed parcel", pc->parcel}
			  : (cert_sheet_row){"农房编码 home unit", pc->home[0] ? pc->home : "-"},
	    {"村 village", village},
	    {"依据 basis", basis},
	    {"发证日期 issued on", pc->issued_on},
	    {"有效期至 valid until", valid},
	    {"状态 state", state_text},
	    {"登簿密钥 issuing officer", created.signer},
	    {"日志检查点 checkpoint", checkpoint},
	};
	sheet.nrows = sizeof(rows) / sizeof(rows[0]);
	memcpy(sheet.rows, rows, sizeof(rows));
	cert_qr_info small, large;
	char why[256];
	if (cert_sheet_render(&pdf, &pdf_len, &sheet, &small, &large, why, sizeof(why)) != 0) {
		fprintf(stderr, "quanpiao: cert print: %s\n", why);
		rc = CLI_EXIT_IO;
		goto done;
	}
	if ((rc = cli_write_file(out, pdf, pdf_len)) != CLI_OK)
		goto done;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cli_json_add_text(doc, "certificate", pc->id);
		cli_json_add_text(doc, "out", out);
		cJSON_AddNumberToObject(doc, "bytes", (double)pdf_len);
		cJSON_AddNumberToObject(doc, "entry", (double)index);
		cJSON_AddStringToObject(doc, "leaf_hash", latest.leaf);
		cJSON_AddNumberToObject(doc, "size", (double)info.checkpoint.size);
		cli_json_add_text(doc, "url", url);
		cJSON *qr = cJSON_AddObjectToObject(doc, "qr");
		cJSON_AddItemToObject(qr, "url", qr_json(&small));
		cJSON *p = qr_json(&large);
		cJSON_AddNumberToObject(p, "proof_bytes", (double)proof_len);
		cJSON_AddItemToObject(qr, "proof", p);
		rc = cli_json_emit(doc);
	} else {
		printf("printed %s to %s (%zu bytes): as of the checkpoint of size %llu, entry %llu\n"
		       "  verification URL: %s\n"
		       "  URL code: QR version %d, %d modules of %.2f mm\n",
		       pc->id, out, pdf_len, (unsigned long long)info.checkpoint.size,
		       (unsigned long long)index, url, small.version, small.modules, small.module_mm);
		if (large.version)
			printf("  status proof code: %zu bytes, %zu characters, QR version %d, %d modules of "
			       "%.2f mm\n",
			       proof_len, large.chars, large.version, large.modules, large.module_mm);
		else
			printf(
			    "  status proof code: not printed: %zu bytes, %zu characters would not scan from "
			    "paper (docs/print.md); 'cert status --proof' writes it\n",
			    proof_len, large.chars);
	}
	goto done;
fail:
	rc = cli_fail(ctx, err);
done:
	free(pdf);
	free(url);
	free(proof);
	free(bundle);
	qp_bundle_info_clear(&info);
	qp_cert_clear(&c);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_cert_print = {
    .group = "cert",
    .name = "print",
    .run = run_print,
    .summary = "print a certificate as an A4 PDF with QR codes to verify it",
    .usage = "CERT --out FILE.pdf [--base-url URL]",
    .description =
	"Writes the certificate as its holder keeps it: one A4 page in Chinese with its title and\n"
	"display number, holder (a household's head with the ID number masked), area, home, village,\n"
	"basis, dates, state as of the latest checkpoint, the key that issued it and the checkpoint's\n"
	"size; a small QR code with the verification URL (BASE/verify#c=CERT&i=ENTRY&h=LEAF: the\n"
	"certificate's latest entry and its leaf hash) and a large one with its status proof, as\n"
	"'cert status --proof' writes it, deflated and in Base45 (docs/print.md): decoded, 'quanpiao\n"
	"verify FILE --log-vkey LOG.vkey' checks it as it is.  The latest checkpoint must cover\n"
	"the certificate's history, as for export: sign one first with 'quanpiao log sign'.  BASE is\n"
	"--base-url, else https:// and the log's origin.  An existing FILE is replaced.  Exit 6 if\n"
	"there is no such certificate, 3 if no checkpoint covers it, 5 if one was signed while printing.",
    .opts = print_opts,
};
