/*
 * cmd_village.c - quanpiao village add|list: the villages (村) of the
 * registry's county, each with its collective economic organisation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "table.h"

#define NAME_MAX_LEN 64 /* bytes, as the registry allows */

/* ---- village add --------------------------------------------------------- */

static const cli_opt add_opts[] = {
    {"code", "CODE", "12-digit village code, e.g. 330681101201 (village part 200-399)"},
    {"name", "NAME", "village name, e.g. 东白湖村"},
    {"uscc", "CODE", "credit code of the village collective economic organisation (starts N2)"},
    {NULL, NULL, NULL},
};

static int run_add(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *code = cli_opt_value(ctx, &args, "code"), *name = cli_opt_value(ctx, &args, "name");
	const char *uscc = cli_opt_value(ctx, &args, "uscc");
	if (args.npos != 0)
		return cli_usage_error(ctx, "village add takes no arguments");
	if (code == NULL || name == NULL)
		return cli_usage_error(ctx, "village add needs --code and --name");
	if ((rc = qp_ids_check_division(code, QP_DIVISION_VILLAGE, "--code")) != QP_OK)
		return cli_fail(ctx, rc);
	if ((rc = cli_check_text(ctx, "name", name, NAME_MAX_LEN)) != CLI_OK)
		return rc;
	if (uscc && (rc = qp_ids_check_uscc(uscc, QP_USCC_COLLECTIVE, "--uscc")) != QP_OK)
		return cli_fail(ctx, rc);

	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "code", code);
	cJSON_AddStringToObject(body, "name", name);
	if (uscc)
		cJSON_AddStringToObject(body, "uscc", uscc);
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, "village.add", body, &index)) != CLI_OK)
		return rc;

	if (ctx->json) {
		qp_village v = {.name = strdup(name), .uscc = uscc ? strdup(uscc) : NULL, .added_at = index};
		snprintf(v.code, sizeof(v.code), "%s", code);
		cJSON *doc = NULL;
		if (v.name && (v.uscc || !uscc)) {
			doc = cJSON_CreateObject();
			cJSON_AddNumberToObject(doc, "index", (double)index);
			cJSON_AddItemToObject(doc, "village", cli_village_json(&v));
		}
		free(v.name);
		free(v.uscc);
		return cli_json_emit(doc);
	}
	printf("added village %s %s (entry %llu)\n", code, name, (unsigned long long)index);
	return CLI_OK;
}

const cli_cmd cmd_village_add = {
    .group = "village",
    .name = "add",
    .run = run_add,
    .summary = "add a village of the county (officer key)",
    .usage = "--code CODE --name NAME [--uscc CODE] --key OFFICER.key",
    .description = "Appends a village.add entry.  The code must be a village committee (村委会) of the\n"
		   "registry's county; a code already in the registry is a conflict (exit 5).",
    .opts = add_opts,
};

/* ---- village list -------------------------------------------------------- */

static const cli_opt list_opts[] = {
    {"township", "CODE", "only the villages of this 9-digit township (乡镇)"},
    {NULL, NULL, NULL},
};

static int run_list(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_village *list = NULL;
	size_t n = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *township = cli_opt_value(ctx, &args, "township");
	if (args.npos != 0)
		return cli_usage_error(ctx, "village list takes no arguments");
	if (township && (rc = qp_ids_check_division(township, QP_DIVISION_TOWNSHIP, "--township")) != QP_OK)
		return cli_fail(ctx, rc);
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	if ((rc = qp_villages_list(&list, &n, reg, township)) != QP_OK) {
		rc = cli_fail(ctx, rc);
		goto done;
	}
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "villages");
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, cli_village_json(&list[i]));
		rc = cli_json_emit(doc);
		goto done;
	}
	static const char *const headers[] = {"代码 code", "名称 name", "集体经济组织 collective (uscc)",
					      "条目 entry"};
	cli_table *t = cli_table_new(4, headers, "lllr");
	for (size_t i = 0; i < n; i++) {
		char index[24];
		snprintf(index, sizeof(index), "%llu", (unsigned long long)list[i].added_at);
		cli_table_row(t, (const char *const[]){list[i].code, list[i].name, list[i].uscc, index});
	}
	rc = cli_table_print(t, stdout, 0);
	cli_table_free(t);
done:
	qp_villages_free(list, n);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_village_list = {
    .group = "village",
    .name = "list",
    .run = run_list,
    .summary = "list the villages, by code",
    .usage = "[--township CODE]",
    .description = NULL,
    .opts = list_opts,
};
