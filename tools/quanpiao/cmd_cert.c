/*
 * cmd_cert.c - quanpiao cert issue|transfer|redeem|freeze|unfreeze|revoke:
 * the writes of the rights certificates (权票, docs/design.md §1), and the one way
 * a certificate is shown (JSON object, table row) that cert show|list
 * (cmd_cert_show.c) and household show share.
 *
 * Certificates are spent, never edited: a transfer or a redemption spends
 * one and creates the new ones.  The commands check each option's value
 * (naming the option) and build the entry body; the registry fills in the
 * numbers of the certificates an entry creates, checks the entry against
 * the policy in force and the certificates' state, and appends it.  What
 * was created is then read back from the registry (qp_certs_created_by),
 * so the command prints exactly what the registry holds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "commands.h"
#include "table.h"

/* ---- how a certificate is shown ---------------------------------------------------- */

/* Chinese names of the bases, the holder types and the redemption purposes. */
static const char *const basis_labels[][2] = {
    {"withdrawal", "退出"},  {"entitlement", "资格"}, {"demolition", "拆除"},
    {"reclamation", "复垦"}, {"legacy", "历史"},      {"sale", "转让"},
    {"inheritance", "继承"}, {"exchange", "互换"},    {"remainder", "剩余"},
};
static const char *const holder_labels[][2] = {
    {"household", "农户"}, {"collective", "村集体"}, {"enterprise", "企业"}};
static const char *const purpose_labels[][2] = {
    {"resettlement", "安置房"}, {"subsidy", "购房补贴"},   {"homestead", "新宅基地"},
    {"rebuild", "原址重建"},	{"quota", "建设用地指标"},
};

#define NLABELS(a) (sizeof(a) / sizeof(a[0]))

static const char *label_of(const char *const (*labels)[2], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(labels[i][0], name) == 0)
			return labels[i][1];
	return NULL;
}

/* "转让 sale": the Chinese label (when there is one), then the name. */
static void labelled(char *buf, size_t len, const char *const (*labels)[2], size_t n, const char *name)
{
	const char *label = label_of(labels, n, name);
	snprintf(buf, len, "%s%s%s", label ? label : "", label ? " " : "", name);
}

void cli_cert_basis_text(char *buf, size_t len, const char *basis)
{
	labelled(buf, len, basis_labels, NLABELS(basis_labels), basis);
}

void cli_cert_holder_type_text(char *buf, size_t len, const char *holder_type)
{
	labelled(buf, len, holder_labels, NLABELS(holder_labels), holder_type);
}

void cli_cert_purpose_text(char *buf, size_t len, const char *purpose)
{
	labelled(buf, len, purpose_labels, NLABELS(purpose_labels), purpose);
}

int cli_cert_shown_state(const qp_cert *c)
{
	return c->expired ? QP_CERT_EXPIRED : (int)c->state;
}

void cli_cert_kind_text(char *buf, size_t len, qp_cert_kind kind)
{
	const char *label = qp_cert_kind_label(kind), *name = qp_cert_kind_name(kind);
	snprintf(buf, len, "%s %s", label ? label : "?", name ? name : "?");
}

void cli_cert_state_text(char *buf, size_t len, int state)
{
	const char *label = qp_cert_state_label((qp_cert_state)state);
	const char *name = qp_cert_state_name((qp_cert_state)state);
	snprintf(buf, len, "%s %s", label ? label : "?", name ? name : "?");
}

void cli_cert_holder(char out[QP_RESIDENT_ID_LEN + 1], const qp_cert *c, bool reveal)
{
	/* A household holds by its registry number: no personal data, nothing to mask. */
	(void)reveal;
	snprintf(out, QP_RESIDENT_ID_LEN + 1, "%s", c->holder);
}

static void add_text_or_null(cJSON *obj, const char *key, const char *text)
{
	if (text && text[0])
		cli_json_add_text(obj, key, text);
	else
		cJSON_AddNullToObject(obj, key);
}

cJSON *cli_cert_json(qp_registry *reg, const qp_cert *c, bool reveal)
{
	char holder[QP_RESIDENT_ID_LEN + 1], area[32], display[128] = "";
	int state = cli_cert_shown_state(c);
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	if (qp_cert_display_number(display, sizeof(display), reg, c) != QP_OK)
		display[0] = '\0';
	cli_cert_holder(holder, c, reveal);
	cli_format_hundredths(area, sizeof(area), c->area);
	cJSON_AddStringToObject(o, "id", c->id);
	cli_json_add_text(o, "display_number", display);
	add_text_or_null(o, "kind", qp_cert_kind_name(c->kind));
	add_text_or_null(o, "kind_label", qp_cert_kind_label(c->kind));
	cJSON_AddStringToObject(o, "holder", holder);
	cJSON_AddStringToObject(o, "holder_type", c->holder_type);
	cJSON_AddStringToObject(o, "area", area);
	add_text_or_null(o, "home", c->home);
	if (c->parcel[0]) /* from reclaimed land: only then, so that other certificates' JSON stays as it was
			   */
		cJSON_AddStringToObject(o, "parcel", c->parcel);
	cJSON_AddStringToObject(o, "basis", c->basis);
	add_text_or_null(o, "state", qp_cert_state_name((qp_cert_state)state));
	add_text_or_null(o, "state_label", qp_cert_state_label((qp_cert_state)state));
	add_text_or_null(o, "parent", c->parent);
	cJSON_AddStringToObject(o, "root", c->root);
	cJSON_AddStringToObject(o, "issued_on", c->issued_on);
	add_text_or_null(o, "valid_until", c->valid_until);
	add_text_or_null(o, "legacy_no", c->legacy_no);
	cJSON_AddNumberToObject(o, "created_at", (double)c->created_at);
	if (c->ended_by[0])
		cJSON_AddNumberToObject(o, "ended_at", (double)c->ended_at);
	else
		cJSON_AddNullToObject(o, "ended_at");
	add_text_or_null(o, "ended_by", c->ended_by);
	add_text_or_null(o, "reason", c->reason);
	return o;
}

cli_table *cli_certs_table(void)
{
	static const char *const headers[] = {"编号 certificate", "种类 kind",	"持有人 holder",
					      "面积 area m²",	  "状态 state", "依据 basis",
					      "农房 home",	  "发证 issued"};
	return cli_table_new(8, headers, "lllrllll");
}

int cli_certs_table_row(cli_table *t, const qp_cert *c, bool reveal)
{
	char kind[64], holder[QP_RESIDENT_ID_LEN + 1], area[32], state[64], basis[64];
	cli_cert_kind_text(kind, sizeof(kind), c->kind);
	cli_cert_holder(holder, c, reveal);
	cli_format_hundredths(area, sizeof(area), c->area);
	cli_cert_state_text(state, sizeof(state), cli_cert_shown_state(c));
	cli_cert_basis_text(basis, sizeof(basis), c->basis);
	return cli_table_row(t, (const char *const[]){c->id, kind, holder, area, state, basis,
						      c->home[0] ? c->home : NULL, c->issued_on});
}

/* ---- values of options ----------------------------------------------------------------- */

int cli_cert_parse_holder(const cli_ctx *ctx, const char *opt, const char *text, char out[19], int missing)
{
	size_t len = strlen(text);
	int rc;
	bool digits = true, code = false;
	if (strchr(text, '*') != NULL || cli_is_household_number(text)) /* masked (the hint), or a number */
		return cli_household_ref(ctx, text, opt, out, missing);
	for (size_t i = 0; i < len; i++) {
		bool digit = text[i] >= '0' && text[i] <= '9';
		digits &= digit;
		/* A letter other than a final X makes a credit code, as for --investor-id. */
		if (!digit && !(i == 17 && (text[i] == 'X' || text[i] == 'x')))
			code = true;
	}
	if (len == 12 && digits) {
		if ((rc = qp_ids_check_division(text, QP_DIVISION_VILLAGE, opt)) != QP_OK)
			return cli_fail(ctx, rc);
		snprintf(out, 19, "%s", text);
		return CLI_OK;
	}
	if (len != 18)
		return cli_invalid(
		    ctx,
		    "%s: must be a household (its number, 330681-H-0000001, or its head's resident "
		    "ID number, 18 characters), a village code (12 digits) or an enterprise's "
		    "unified social credit code (18 characters), got %zu characters",
		    opt, len);
	if (code) {
		if ((rc = qp_ids_check_uscc(text, 0, opt)) != QP_OK)
			return cli_fail(ctx, rc);
		snprintf(out, 19, "%s", text);
		return CLI_OK;
	}
	return cli_household_ref(ctx, text, opt, out, missing);
}

int cli_cert_check_number(const cli_ctx *ctx, const char *what, const char *text)
{
	static const char shape[] = "dddddd-dddd-k-dddddd";
	size_t len = strlen(text);
	bool ok = len == QP_CERT_ID_LEN;
	for (size_t i = 0; ok && i < len; i++)
		ok = shape[i] == 'd'   ? (text[i] >= '0' && text[i] <= '9')
		     : shape[i] == 'k' ? (text[i] == 'G' || text[i] == 'R' || text[i] == 'C')
				       : text[i] == shape[i];
	if (!ok)
		return cli_invalid(ctx, "%s: \"%s\" is not a certificate number like 330681-2026-G-000123",
				   what, text);
	return CLI_OK;
}

/*
 * value must be one of the names (n of them, or up to a NULL); else
 * "--opt: "x" is not one of a, b, c".
 */
static int one_of(const cli_ctx *ctx, const char *opt, const char *value, const char *const *names, size_t n)
{
	char list[256] = "";
	size_t used = 0;
	for (size_t i = 0; i < n && names[i]; i++) {
		if (strcmp(value, names[i]) == 0)
			return CLI_OK;
		int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
		if (w > 0 && (size_t)w < sizeof(list) - used)
			used += (size_t)w;
	}
	return cli_invalid(ctx, "%s: \"%s\" is not one of %s", opt, value, list);
}

/*
 * Read certificate id from the registry at --db into *c (to check its
 * number and that it exists before an entry is signed).  Returns CLI_OK
 * or an exit status after printing the problem.
 */
static int read_cert(cli_ctx *ctx, const char *id, qp_cert *c)
{
	qp_registry *reg = NULL;
	int rc = cli_cert_check_number(ctx, "CERT", id);
	if (rc != CLI_OK || (rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err = qp_cert_get(c, reg, id);
	qp_registry_free(reg);
	return err == QP_OK ? CLI_OK : cli_fail(ctx, err);
}

/*
 * Submit body as an entry of type, then read back the certificates it
 * created.  *reg (open, read-only) and *certs are the caller's to free,
 * also on failure.
 */
static int submit_creating(cli_ctx *ctx, const char *type, cJSON *body, uint64_t *index, qp_registry **reg,
			   qp_cert **certs, size_t *n)
{
	int rc = cli_submit(ctx, type, body, index);
	*reg = NULL;
	*certs = NULL;
	*n = 0;
	if (rc != CLI_OK || (rc = cli_open_registry(ctx, QP_STORE_READONLY, reg)) != CLI_OK)
		return rc;
	int err = qp_certs_created_by(certs, n, *reg, *index);
	return err == QP_OK ? CLI_OK : cli_fail(ctx, err);
}

/* The certificates an entry created, one line each: number, display number, area, holder, basis. */
static int print_created(qp_registry *reg, const qp_cert *certs, size_t n)
{
	cli_table *t = cli_table_new(5, NULL, "llrll");
	for (size_t i = 0; i < n; i++) {
		char display[128] = "", area[32], holder[QP_RESIDENT_ID_LEN + 1], basis[64], amount[48];
		qp_cert_display_number(display, sizeof(display), reg, &certs[i]);
		cli_format_hundredths(area, sizeof(area), certs[i].area);
		snprintf(amount, sizeof(amount), "%s m²", area);
		cli_cert_holder(holder, &certs[i], false);
		cli_cert_basis_text(basis, sizeof(basis), certs[i].basis);
		cli_table_row(t, (const char *const[]){certs[i].id, display, amount, holder, basis});
	}
	int rc = cli_table_print(t, stdout, 2);
	cli_table_free(t);
	return rc;
}

static cJSON *certs_array(cJSON *doc, const char *key, qp_registry *reg, const qp_cert *certs, size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(doc, key);
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cli_cert_json(reg, &certs[i], false));
	return arr;
}

/* ---- cert issue ---------------------------------------------------------------------------- */

static const cli_opt issue_opts[] = {
    {"kind", "KIND", "guarantee (保障权票), retention (保留权票) or collective (集体权票)"},
    {"holder", "HOLDER", "a household (number or head's ID number), a village or a credit code"},
    {"area", "M2", "area in m², e.g. 120.00"},
    {"home", "UNIT", "unit code of the home the certificate comes from (not for entitlement)"},
    {"parcel", "PARCEL", "instead of --home, for a collective certificate: reclaimed land (parcel add)"},
    {"basis", "BASIS", "withdrawal, entitlement, demolition, reclamation or legacy"},
    {"valid-until", "DATE", "last day of validity, YYYY-MM-DD (default: from the policy)"},
    {"legacy-no", "TEXT", "the number in the old system (with --basis legacy)"},
    {NULL, NULL, NULL},
};

static int run_issue(cli_ctx *ctx, int argc, char **argv)
{
	static const char *const bases[] = {"withdrawal", "entitlement", "demolition", "reclamation",
					    "legacy"};
	cli_args args;
	qp_registry *reg = NULL;
	qp_cert *certs = NULL;
	qp_cert_kind kind;
	qp_date until;
	char holder[19], until_text[11], county[7];
	int64_t area = 0;
	size_t n = 0;
	uint64_t index = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *k = cli_opt_value(ctx, &args, "kind"), *h = cli_opt_value(ctx, &args, "holder");
	const char *a = cli_opt_value(ctx, &args, "area"), *home = cli_opt_value(ctx, &args, "home");
	const char *basis = cli_opt_value(ctx, &args, "basis"),
		   *vu = cli_opt_value(ctx, &args, "valid-until");
	const char *legacy_no = cli_opt_value(ctx, &args, "legacy-no"),
		   *parcel = cli_opt_value(ctx, &args, "parcel");
	if (args.npos != 0)
		return cli_usage_error(ctx, "cert issue takes no arguments");
	if (home && parcel)
		return cli_usage_error(ctx, "give --home or --parcel, not both");
	if (!k || !h || !a || !basis)
		return cli_usage_error(ctx, "cert issue needs --kind, --holder, --area and --basis");
	if (qp_cert_kind_parse(&kind, k) != QP_OK)
		return cli_invalid(ctx, "--kind: \"%s\" is not one of guarantee, retention, collective", k);
	if ((rc = one_of(ctx, "--basis", basis, bases, NLABELS(bases))) != CLI_OK)
		return rc;
	bool entitlement = strcmp(basis, "entitlement") == 0, legacy = strcmp(basis, "legacy") == 0;
	if (entitlement && (home || parcel))
		return cli_usage_error(
		    ctx, "--basis entitlement is for a household without a home: give no --home");
	if (!entitlement && !home && !parcel)
		return cli_usage_error(
		    ctx, "--basis %s needs --home UNIT (the home the certificate comes from)", basis);
	if (legacy != (legacy_no != NULL))
		return cli_usage_error(ctx, "--legacy-no goes with --basis legacy, and only with it");
	if ((rc = cli_cert_parse_holder(ctx, "--holder", h, holder, CLI_EXIT_INVALID)) != CLI_OK ||
	    (rc = cli_parse_area(ctx, "--area", a, &area)) != CLI_OK)
		return rc;
	if ((home && (rc = qp_ids_check_unit(home, NULL, "--home")) != QP_OK) ||
	    (parcel && (rc = qp_ids_check_parcel(parcel, NULL, "--parcel")) != QP_OK) ||
	    (vu && (rc = qp_ids_parse_date(&until, vu, "--valid-until")) != QP_OK))
		return cli_fail(ctx, rc);
	if (legacy_no &&
	    (rc = cli_check_member(ctx, "cert.issue", "legacy_no", "legacy-no", legacy_no)) != CLI_OK)
		return rc;
	if (home || parcel) {
		if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
			return rc;
		snprintf(county, sizeof(county), "%s", qp_registry_county(reg));
		rc = home ? qp_ids_check_unit(home, county, "--home")
			  : qp_ids_check_parcel(parcel, county, "--parcel");
		qp_registry_free(reg);
		reg = NULL;
		if (rc != QP_OK)
			return cli_fail(ctx, rc);
	}

	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "kind", qp_cert_kind_name(kind));
	cJSON_AddStringToObject(body, "holder", holder);
	cJSON_AddNumberToObject(body, "area", (double)area);
	cJSON_AddStringToObject(body, "basis", basis);
	if (home)
		cJSON_AddStringToObject(body, "home", home);
	if (parcel)
		cJSON_AddStringToObject(body, "parcel", parcel);
	if (vu) {
		qp_ids_format_date(until_text, &until);
		cJSON_AddStringToObject(body, "valid_until", until_text);
	}
	if (legacy_no)
		cJSON_AddStringToObject(body, "legacy_no", legacy_no);
	if ((rc = submit_creating(ctx, "cert.issue", body, &index, &reg, &certs, &n)) != CLI_OK)
		goto done;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		certs_array(doc, "certificates", reg, certs, n);
		rc = cli_json_emit(doc);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		char display[128] = "", amount[32], shown[QP_RESIDENT_ID_LEN + 1];
		qp_cert_display_number(display, sizeof(display), reg, &certs[i]);
		cli_format_hundredths(amount, sizeof(amount), certs[i].area);
		cli_cert_holder(shown, &certs[i], false);
		printf("issued %s %s: %s m² to %s (entry %llu)\n", certs[i].id, display, amount, shown,
		       (unsigned long long)index);
	}
done:
	qp_certs_free(certs, n);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_cert_issue = {
    .group = "cert",
    .name = "issue",
    .run = run_issue,
    .summary = "issue a rights certificate (权票) to its holder (officer key)",
    .usage = "--kind KIND --holder HOLDER --area M2 [--home UNIT | --parcel PARCEL] --basis BASIS\n"
	     "       [--valid-until DATE] [--legacy-no TEXT] --key OFFICER.key",
    .description =
	"Appends a cert.issue entry and prints the new certificate's number and display number\n"
	"(浙(2026)诸暨市保障权票第000123号).  The registry numbers it.  Kinds and what they are\n"
	"issued on:\n"
	"  guarantee (保障权票)   to a household: withdrawal of its homestead (a withdrawn home),\n"
	"                         or entitlement (a qualified household without a home; no --home)\n"
	"  retention (保留权票)   to a household: demolition of its dilapidated house\n"
	"  collective (集体权票)  to the home's village (12-digit code): reclamation of the land;\n"
	"                         or from reclaimed land with no home on it (--parcel, parcel add)\n"
	"  any kind               legacy: a record of the old system, with its --legacy-no\n"
	"The home must be in the state the basis says and belong to the holder; the policy in\n"
	"force caps the area of one certificate, and the sum of the live and spent certificates of\n"
	"one kind from one home (or parcel) never exceeds its land area.  A retention certificate is\n"
	"valid for the policy's years unless --valid-until says otherwise.",
    .opts = issue_opts,
};

/* ---- cert transfer ------------------------------------------------------------------------- */

static const cli_opt transfer_opts[] = {
    {"to", "HOLDER", "the recipient: a household (number or head's ID number), village or credit code"},
    {"area", "M2", "the area to transfer (default: all of it; the rest stays with the holder)"},
    {"basis", "BASIS", "sale (default), inheritance or exchange"},
    {NULL, NULL, NULL},
};

static int run_transfer(cli_ctx *ctx, int argc, char **argv)
{
	const char *const *bases = qp_schema_member_get("cert.transfer", "basis")->values;
	cli_args args;
	qp_registry *reg = NULL;
	qp_cert c = {0}, *certs = NULL;
	char to[19], basis_text[64], amount[32];
	int64_t area = 0;
	size_t n = 0;
	uint64_t index = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *t = cli_opt_value(ctx, &args, "to"), *a = cli_opt_value(ctx, &args, "area");
	const char *basis = cli_opt_value(ctx, &args, "basis");
	if (args.npos != 1 || !t)
		return cli_usage_error(ctx, "cert transfer needs one CERT and --to HOLDER");
	if (basis == NULL)
		basis = "sale";
	if ((rc = one_of(ctx, "--basis", basis, bases, SIZE_MAX)) != CLI_OK ||
	    (rc = cli_cert_parse_holder(ctx, "--to", t, to, CLI_EXIT_INVALID)) != CLI_OK ||
	    (a && (rc = cli_parse_area(ctx, "--area", a, &area)) != CLI_OK) ||
	    (rc = read_cert(ctx, args.pos[0], &c)) != CLI_OK)
		goto done;

	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "cert", c.id);
	cJSON_AddStringToObject(body, "to", to);
	cJSON_AddStringToObject(body, "basis", basis);
	if (a)
		cJSON_AddNumberToObject(body, "area", (double)area);
	if ((rc = submit_creating(ctx, "cert.transfer", body, &index, &reg, &certs, &n)) != CLI_OK)
		goto done;
	/* The recipient's certificate is the one not kept as a remainder. */
	for (size_t i = 0; i < n; i++)
		if (strcmp(certs[i].basis, "remainder") != 0)
			area = certs[i].area;
	cli_format_hundredths(amount, sizeof(amount), area);
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON_AddStringToObject(doc, "cert", c.id);
		cJSON_AddStringToObject(doc, "area", amount);
		cJSON_AddStringToObject(doc, "basis", basis);
		certs_array(doc, "certificates", reg, certs, n);
		rc = cli_json_emit(doc);
		goto done;
	}
	cli_cert_basis_text(basis_text, sizeof(basis_text), basis);
	printf("transferred %s m² of %s by %s (entry %llu)\n", amount, c.id, basis_text,
	       (unsigned long long)index);
	rc = print_created(reg, certs, n);
done:
	qp_certs_free(certs, n);
	qp_cert_clear(&c);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_cert_transfer = {
    .group = "cert",
    .name = "transfer",
    .run = run_transfer,
    .summary = "transfer a certificate, or part of it, to a new holder (officer key)",
    .usage = "CERT --to HOLDER [--area M2] [--basis sale|inheritance|exchange] --key OFFICER.key",
    .description = "Appends a cert.transfer entry: CERT is spent, the recipient gets a new certificate and,\n"
		   "when --area is less than CERT's area, the holder keeps the rest as a remainder\n"
		   "certificate; both name CERT as their parent.  Prints the certificates created.\n"
		   "The policy in force says who may receive each kind (by default: a guarantee goes to a\n"
		   "household of the same village, a retention certificate passes only by inheritance, a\n"
		   "collective certificate goes to another collective or an enterprise).  A spent, frozen,\n"
		   "revoked or expired certificate cannot move (exit 5); so a concurrent transfer of the\n"
		   "same certificate fails with exit 5.",
    .opts = transfer_opts,
};

/* ---- cert redeem ------------------------------------------------------------------------------ */

static const cli_opt redeem_opts[] = {
    {"area", "M2", "the area redeemed; the rest stays with the holder as a new certificate"},
    {"purpose", "PURPOSE", "resettlement, subsidy, homestead, rebuild or quota"},
    {"note", "TEXT", "what it was redeemed for (a decision, a contract number)"},
    {NULL, NULL, NULL},
};

static int run_redeem(cli_ctx *ctx, int argc, char **argv)
{
	static const char *const purposes[] = {"resettlement", "subsidy", "homestead", "rebuild", "quota"};
	cli_args args;
	qp_registry *reg = NULL;
	qp_cert c = {0}, *certs = NULL;
	char amount[32], purpose_text[64];
	int64_t area = 0;
	size_t n = 0;
	uint64_t index = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *a = cli_opt_value(ctx, &args, "area"), *purpose = cli_opt_value(ctx, &args, "purpose");
	const char *note = cli_opt_value(ctx, &args, "note");
	if (args.npos != 1 || !a || !purpose || !note)
		return cli_usage_error(ctx, "cert redeem needs one CERT, --area, --purpose and --note");
	if ((rc = cli_parse_area(ctx, "--area", a, &area)) != CLI_OK ||
	    (rc = one_of(ctx, "--purpose", purpose, purposes, NLABELS(purposes))) != CLI_OK ||
	    (rc = cli_check_member(ctx, "cert.redeem", "note", "note", note)) != CLI_OK ||
	    (rc = read_cert(ctx, args.pos[0], &c)) != CLI_OK)
		goto done;

	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "cert", c.id);
	cJSON_AddNumberToObject(body, "area", (double)area);
	cJSON_AddStringToObject(body, "purpose", purpose);
	cJSON_AddStringToObject(body, "note", note);
	if ((rc = submit_creating(ctx, "cert.redeem", body, &index, &reg, &certs, &n)) != CLI_OK)
		goto done;
	cli_format_hundredths(amount, sizeof(amount), area);
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON_AddStringToObject(doc, "cert", c.id);
		cJSON_AddStringToObject(doc, "area", amount);
		cJSON_AddStringToObject(doc, "purpose", purpose);
		cli_json_add_text(doc, "note", note);
		certs_array(doc, "certificates", reg, certs, n);
		rc = cli_json_emit(doc);
		goto done;
	}
	cli_cert_purpose_text(purpose_text, sizeof(purpose_text), purpose);
	printf("redeemed %s m² of %s for %s (entry %llu)\n", amount, c.id, purpose_text,
	       (unsigned long long)index);
	if (n > 0)
		rc = print_created(reg, certs, n);
done:
	qp_certs_free(certs, n);
	qp_cert_clear(&c);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_cert_redeem = {
    .group = "cert",
    .name = "redeem",
    .run = run_redeem,
    .summary = "redeem a certificate, or part of it (officer key)",
    .usage = "CERT --area M2 --purpose PURPOSE --note TEXT --key OFFICER.key",
    .description =
	"Appends a cert.redeem entry: CERT is spent for PURPOSE; when --area is less than its area,\n"
	"the holder keeps the rest as a new certificate (printed).  The policy in force says what\n"
	"each kind is redeemed for (by default: a guarantee for resettlement housing (安置房), a\n"
	"housing purchase subsidy or a new homestead; a retention certificate for rebuilding\n"
	"(原址重建); a collective certificate for a construction-land quota (建设用地指标)).",
    .opts = redeem_opts,
};

/* ---- cert freeze / unfreeze / revoke -------------------------------------------------------------- */

static const cli_opt freeze_opts[] = {
    {"reason", "TEXT", "why (a court order, an objection; kept in the log)"},
    {NULL, NULL, NULL},
};

/*
 * cert freeze, unfreeze and revoke: one CERT, a reason (optional to
 * unfreeze), and a change of state to `to`.
 */
static int change_state(cli_ctx *ctx, int argc, char **argv, const char *type, bool need_reason,
			qp_cert_state to)
{
	cli_args args;
	qp_cert c = {0};
	char name[32];
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *reason = cli_opt_value(ctx, &args, "reason");
	snprintf(name, sizeof(name), "%s", type);
	name[4] = ' ';
	if (args.npos != 1 || (need_reason && !reason))
		return cli_usage_error(ctx, "%s needs one CERT%s", name, need_reason ? " and --reason" : "");
	if ((reason && (rc = cli_check_member(ctx, type, "reason", "reason", reason)) != CLI_OK) ||
	    (rc = read_cert(ctx, args.pos[0], &c)) != CLI_OK)
		goto done;
	const char *from = qp_cert_state_name((qp_cert_state)cli_cert_shown_state(&c));
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "cert", c.id);
	if (reason)
		cJSON_AddStringToObject(body, "reason", reason);
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, type, body, &index)) != CLI_OK)
		goto done;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON_AddStringToObject(doc, "cert", c.id);
		cJSON_AddStringToObject(doc, "from", from);
		cJSON_AddStringToObject(doc, "to", qp_cert_state_name(to));
		add_text_or_null(doc, "reason", reason);
		rc = cli_json_emit(doc);
		goto done;
	}
	printf("certificate %s: %s -> %s (entry %llu)\n", c.id, from, qp_cert_state_name(to),
	       (unsigned long long)index);
done:
	qp_cert_clear(&c);
	return rc;
}

static int run_freeze(cli_ctx *ctx, int argc, char **argv)
{
	return change_state(ctx, argc, argv, "cert.freeze", true, QP_CERT_FROZEN);
}

static int run_unfreeze(cli_ctx *ctx, int argc, char **argv)
{
	return change_state(ctx, argc, argv, "cert.unfreeze", false, QP_CERT_LIVE);
}

static int run_revoke(cli_ctx *ctx, int argc, char **argv)
{
	return change_state(ctx, argc, argv, "cert.revoke", true, QP_CERT_REVOKED);
}

const cli_cmd cmd_cert_freeze = {
    .group = "cert",
    .name = "freeze",
    .run = run_freeze,
    .summary = "freeze a live certificate (查封, 异议): it cannot move (officer key)",
    .usage = "CERT --reason TEXT --key OFFICER.key",
    .description = "Appends a cert.freeze entry.  A frozen certificate can be neither transferred nor\n"
		   "redeemed (exit 5) until 'cert unfreeze'; it can still be revoked.",
    .opts = freeze_opts,
};

const cli_cmd cmd_cert_unfreeze = {
    .group = "cert",
    .name = "unfreeze",
    .run = run_unfreeze,
    .summary = "unfreeze a frozen certificate (officer key)",
    .usage = "CERT [--reason TEXT] --key OFFICER.key",
    .description = "Appends a cert.unfreeze entry: the certificate is live again.",
    .opts = freeze_opts,
};

const cli_cmd cmd_cert_revoke = {
    .group = "cert",
    .name = "revoke",
    .run = run_revoke,
    .summary = "revoke (void) a live or frozen certificate (officer key)",
    .usage = "CERT --reason TEXT --key OFFICER.key",
    .description = "Appends a cert.revoke entry.  The certificate is void from then on; its record and\n"
		   "history are kept, with the reason.",
    .opts = freeze_opts,
};
