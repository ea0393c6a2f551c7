/*
 * cmd_cert_show.c - quanpiao cert show|list|history: reading the rights
 * certificates.  A live certificate past its valid_until is shown as
 * expired (已过期), as the registry counts it.  A household holds by its
 * registry number, which certificates show: they name no person
 * (household show gives the head's ID number).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "commands.h"
#include "table.h"

#define LIST_MAX_PAGE 1000000

static const cli_opt reveal_opts[] = {
    {"reveal", NULL, "no effect (kept for scripts): households are shown by number"},
    {NULL, NULL, NULL},
};

/* ---- cert show -------------------------------------------------------------------------------- */

static int run_show(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_cert c = {0}, *children = NULL;
	qp_redemption red = {0};
	size_t nchildren = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	bool reveal = cli_opt_value(ctx, &args, "reveal") != NULL;
	if (args.npos != 1)
		return cli_usage_error(ctx, "cert show needs one CERT");
	if ((rc = cli_cert_check_number(ctx, "CERT", args.pos[0])) != CLI_OK ||
	    (rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err;
	if ((err = qp_cert_get(&c, reg, args.pos[0])) != QP_OK ||
	    (err = qp_cert_children(&children, &nchildren, reg, c.id)) != QP_OK ||
	    (strcmp(c.ended_by, "redeem") == 0 && (err = qp_cert_redemption(&red, reg, c.id)) != QP_OK)) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	char red_area[32] = "";
	if (red.note)
		cli_format_hundredths(red_area, sizeof(red_area), red.area);
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddItemToObject(doc, "certificate", cli_cert_json(reg, &c, reveal));
		if (red.note) {
			cJSON *r = cJSON_AddObjectToObject(doc, "redemption");
			cJSON_AddNumberToObject(r, "index", (double)red.index);
			cJSON_AddStringToObject(r, "area", red_area);
			cJSON_AddStringToObject(r, "purpose", red.purpose);
			cli_json_add_text(r, "note", red.note);
		}
		cJSON *arr = cJSON_AddArrayToObject(doc, "children");
		for (size_t i = 0; i < nchildren; i++)
			cJSON_AddItemToArray(arr, cli_cert_json(reg, &children[i], reveal));
		rc = cli_json_emit(doc);
		goto done;
	}
	char display[128] = "", kind[64], state[64], holder[QP_RESIDENT_ID_LEN + 1], holder_text[96];
	char holder_type[48], area[32], area_text[48], basis[64], issued[48], ended[48] = "-";
	qp_cert_display_number(display, sizeof(display), reg, &c);
	cli_cert_kind_text(kind, sizeof(kind), c.kind);
	cli_cert_state_text(state, sizeof(state), cli_cert_shown_state(&c));
	cli_cert_holder(holder, &c, reveal);
	cli_cert_holder_type_text(holder_type, sizeof(holder_type), c.holder_type);
	snprintf(holder_text, sizeof(holder_text), "%s (%s)", holder, holder_type);
	cli_format_hundredths(area, sizeof(area), c.area);
	snprintf(area_text, sizeof(area_text), "%s m²", area);
	cli_cert_basis_text(basis, sizeof(basis), c.basis);
	snprintf(issued, sizeof(issued), "%s (entry %llu)", c.issued_on, (unsigned long long)c.created_at);
	if (c.ended_by[0])
		snprintf(ended, sizeof(ended), "entry %llu (%s)", (unsigned long long)c.ended_at, c.ended_by);
	const char *none = "-";
	cli_table *kv = cli_table_new(2, NULL, NULL);
	cli_table_row(kv, (const char *const[]){"编号 certificate", c.id});
	cli_table_row(kv, (const char *const[]){"证号 display number", display});
	cli_table_row(kv, (const char *const[]){"种类 kind", kind});
	cli_table_row(kv, (const char *const[]){"状态 state", state});
	cli_table_row(kv, (const char *const[]){"持有人 holder", holder_text});
	cli_table_row(kv, (const char *const[]){"面积 area", area_text});
	cli_table_row(kv, (const char *const[]){"农房 home", c.home[0] ? c.home : none});
	if (c.parcel[0])
		cli_table_row(kv, (const char *const[]){"复垦地块 reclaimed parcel", c.parcel});
	cli_table_row(kv, (const char *const[]){"依据 basis", basis});
	cli_table_row(kv, (const char *const[]){"发证 issued on", issued});
	cli_table_row(kv,
		      (const char *const[]){"有效期至 valid until", c.valid_until[0] ? c.valid_until : none});
	cli_table_row(kv, (const char *const[]){"上级 parent", c.parent[0] ? c.parent : none});
	cli_table_row(kv, (const char *const[]){"源头 root", c.root});
	cli_table_row(kv, (const char *const[]){"原编号 legacy number", c.legacy_no[0] ? c.legacy_no : none});
	cli_table_row(kv, (const char *const[]){"终止 ended", ended});
	if (red.note) {
		/* A redemption's "reason" is what it was redeemed for, and the officer's note. */
		char purpose[64], redeemed[160];
		cli_cert_purpose_text(purpose, sizeof(purpose), red.purpose);
		snprintf(redeemed, sizeof(redeemed), "%s m² for %s (entry %llu)", red_area, purpose,
			 (unsigned long long)red.index);
		cli_table_row(kv, (const char *const[]){"兑现 redeemed", redeemed});
		cli_table_row(kv, (const char *const[]){"说明 note", red.note});
	} else {
		cli_table_row(kv, (const char *const[]){"原因 reason", c.reason ? c.reason : none});
	}
	rc = cli_table_print(kv, stdout, 0);
	cli_table_free(kv);
	if (rc != CLI_OK)
		goto done;
	printf("\n下级 children (%zu)\n", nchildren);
	if (nchildren > 0) {
		cli_table *t = cli_certs_table();
		for (size_t i = 0; i < nchildren; i++)
			cli_certs_table_row(t, &children[i], reveal);
		rc = cli_table_print(t, stdout, 2);
		cli_table_free(t);
	}
done:
	qp_certs_free(children, nchildren);
	qp_redemption_clear(&red);
	qp_cert_clear(&c);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_cert_show = {
    .group = "cert",
    .name = "show",
    .run = run_show,
    .summary = "show a certificate, its parent and its children",
    .usage = "CERT [--reveal]",
    .description = "Shows the certificate's state (a live certificate past its validity is shown as\n"
		   "expired), holder, area, home, basis, dates, its parent and root (the issued\n"
		   "certificate it descends from), its display number and, for a spent or revoked one, the\n"
		   "entry that ended it; then the certificates created from it.  A household holder is\n"
		   "shown by its registry number ('quanpiao household show NUMBER' names its head).\n"
		   "Exit 6 if there is no such certificate.",
    .opts = reveal_opts,
};

/* ---- cert list ------------------------------------------------------------------------------------ */

static const cli_opt list_opts[] = {
    {"holder", "HOLDER",
     "only this holder's: a household (number or head's ID number), village or credit code"},
    {"kind", "KIND", "only guarantee, retention or collective certificates"},
    {"state", "STATE", "only live, spent, frozen, revoked or expired ones"},
    {"home", "UNIT", "only those from this home"},
    {"after", "CERT", "start after this certificate number (the next page)"},
    {"limit", "N", "at most N certificates"},
    {"reveal", NULL, "no effect (kept for scripts): households are shown by number"},
    {NULL, NULL, NULL},
};

static int run_list(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_cert *list = NULL;
	size_t n = 0;
	long long limit = 0;
	char holder[19];
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *h = cli_opt_value(ctx, &args, "holder"), *k = cli_opt_value(ctx, &args, "kind");
	const char *st = cli_opt_value(ctx, &args, "state"), *home = cli_opt_value(ctx, &args, "home");
	const char *after = cli_opt_value(ctx, &args, "after"), *l = cli_opt_value(ctx, &args, "limit");
	bool reveal = cli_opt_value(ctx, &args, "reveal") != NULL;
	qp_cert_filter filter = {.kind = -1, .state = -1, .after = after};
	if (args.npos != 0)
		return cli_usage_error(ctx, "cert list takes no arguments");
	if (h) {
		if ((rc = cli_cert_parse_holder(ctx, "--holder", h, holder, CLI_EXIT_NOTFOUND)) != CLI_OK)
			return rc;
		filter.holder = holder;
	}
	if (k) {
		qp_cert_kind kind;
		if (qp_cert_kind_parse(&kind, k) != QP_OK)
			return cli_invalid(
			    ctx, "--kind: \"%s\" is not one of guarantee, retention, collective", k);
		filter.kind = (int)kind;
	}
	if (st) {
		qp_cert_state state;
		if (strcmp(st, "expired") == 0)
			filter.state = QP_CERT_EXPIRED;
		else if (qp_cert_state_parse(&state, st) == QP_OK)
			filter.state = (int)state;
		else
			return cli_invalid(
			    ctx, "--state: \"%s\" is not one of live, spent, frozen, revoked, expired", st);
	}
	if (home && (rc = qp_ids_check_unit(home, NULL, "--home")) != QP_OK)
		return cli_fail(ctx, rc);
	/* A well-formed number is enough to page after; it need not exist. */
	if (after && (rc = cli_cert_check_number(ctx, "--after", after)) != CLI_OK)
		return rc;
	if (l && (rc = cli_parse_int(ctx, "limit", l, 1, LIST_MAX_PAGE, &limit)) != CLI_OK)
		return rc;
	/* One more than asked for tells whether there is a next page. */
	filter.limit = limit ? (size_t)limit + 1 : 0;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err = QP_OK;
	if (home && (err = qp_ids_check_unit(home, qp_registry_county(reg), "--home")) != QP_OK)
		goto fail;
	filter.home = home;
	if ((err = qp_certs_list(&list, &n, reg, &filter)) != QP_OK)
		goto fail;
	bool more = limit && n > (size_t)limit;
	size_t shown = more ? (size_t)limit : n;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "certificates");
		for (size_t i = 0; i < shown; i++)
			cJSON_AddItemToArray(arr, cli_cert_json(reg, &list[i], reveal));
		cJSON_AddBoolToObject(doc, "more", more);
		if (more)
			cJSON_AddStringToObject(doc, "next", list[shown - 1].id);
		else
			cJSON_AddNullToObject(doc, "next");
		rc = cli_json_emit(doc);
		goto done;
	}
	cli_table *t = cli_certs_table();
	for (size_t i = 0; i < shown; i++)
		cli_certs_table_row(t, &list[i], reveal);
	rc = cli_table_print(t, stdout, 0);
	cli_table_free(t);
	if (rc == CLI_OK && more)
		printf("more: --after %s\n", list[shown - 1].id);
	goto done;
fail:
	rc = cli_fail(ctx, err);
done:
	qp_certs_free(list, n);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_cert_list = {
    .group = "cert",
    .name = "list",
    .run = run_list,
    .summary = "list certificates, by number",
    .usage = "[--holder HOLDER] [--kind KIND] [--state STATE] [--home UNIT] [--after CERT]\n"
	     "       [--limit N] [--reveal]",
    .description = "The filters combine.  --state expired lists the live certificates past their\n"
		   "validity; --state live lists the others.  --holder takes a household's number or its\n"
		   "head's ID number (exit 6 if no household has it); households are listed by number.\n"
		   "When --limit cuts the list short, a last line names the --after CERT of the next page.",
    .opts = list_opts,
};

/* ---- cert history -------------------------------------------------------------------------------- */

static int run_history(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_cert c = {0};
	qp_cert_event *events = NULL;
	size_t n = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	if (args.npos != 1)
		return cli_usage_error(ctx, "cert history needs one CERT");
	if ((rc = cli_cert_check_number(ctx, "CERT", args.pos[0])) != CLI_OK ||
	    (rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err;
	if ((err = qp_cert_get(&c, reg, args.pos[0])) != QP_OK ||
	    (err = qp_cert_history(&events, &n, reg, c.id)) != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "cert", c.id);
		cJSON_AddStringToObject(doc, "root", c.root);
		cJSON *arr = cJSON_AddArrayToObject(doc, "history");
		for (size_t i = 0; i < n; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "index", (double)events[i].index);
			cJSON_AddStringToObject(o, "time", events[i].time);
			cli_json_add_text(o, "signer", events[i].signer ? events[i].signer : "");
			cJSON_AddStringToObject(o, "type", events[i].type);
			cJSON_AddStringToObject(o, "cert", events[i].cert);
			cli_json_add_text(o, "summary", events[i].summary ? events[i].summary : "");
			cJSON_AddItemToArray(arr, o);
		}
		rc = cli_json_emit(doc);
		goto done;
	}
	static const char *const headers[] = {"条目 entry",	  "时间 time", "签名 signer",
					      "证书 certificate", "类型 type", "变更 change"};
	cli_table *t = cli_table_new(6, headers, "rlllll");
	for (size_t i = 0; i < n; i++) {
		char index[24];
		snprintf(index, sizeof(index), "%llu", (unsigned long long)events[i].index);
		cli_table_row(t, (const char *const[]){index, events[i].time, events[i].signer,
						       events[i].cert, events[i].type, events[i].summary});
	}
	rc = cli_table_print(t, stdout, 0);
	cli_table_free(t);
done:
	qp_cert_events_free(events, n);
	qp_cert_clear(&c);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_cert_history = {
    .group = "cert",
    .name = "history",
    .run = run_history,
    .summary = "the history of a certificate's whole tree, with signers",
    .usage = "CERT",
    .description = "Lists every entry that changed the tree CERT belongs to, from the issue of its root\n"
		   "to now, oldest first: the entry's index and time, the officer who signed it, the\n"
		   "certificate it changed and what changed (a transfer shows on the spent certificate\n"
		   "and on each certificate it created).  Households' ID numbers are masked.",
    .opts = NULL,
};
