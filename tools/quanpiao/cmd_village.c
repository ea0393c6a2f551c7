/*
 * cmd_village.c - quanpiao village add|list|correct: the villages (村) of
 * the registry's county, each with its collective economic organisation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "table.h"


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
	if ((rc = cli_check_member(ctx, "village.add", "name", "name", name)) != CLI_OK)
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

/* ---- village correct ----------------------------------------------------- */

static const cli_opt correct_opts[] = {
    {"name", "NAME", "the village's right name"},
    {"uscc", "CODE", "the right credit code of its collective economic organisation (starts N2)"},
    {"reason", "TEXT", "why the record was wrong, e.g. the document that says so (required)"},
    {NULL, NULL, NULL},
};

static int run_correct(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_village old = {0};
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *name = cli_opt_value(ctx, &args, "name"), *uscc = cli_opt_value(ctx, &args, "uscc");
	const char *reason = cli_opt_value(ctx, &args, "reason");
	if (args.npos != 1 || reason == NULL || (name == NULL && uscc == NULL))
		return cli_usage_error(ctx, "village correct needs one CODE, --name or --uscc (or both), and --reason");
	const char *code = args.pos[0];
	if ((rc = qp_ids_check_division(code, QP_DIVISION_VILLAGE, "CODE")) != QP_OK)
		return cli_fail(ctx, rc);
	if ((name && (rc = cli_check_member(ctx, "village.correct", "name", "name", name)) != CLI_OK) ||
	    (rc = cli_check_member(ctx, "village.correct", "reason", "reason", reason)) != CLI_OK)
		return rc;
	if (uscc && (rc = qp_ids_check_uscc(uscc, QP_USCC_COLLECTIVE, "--uscc")) != QP_OK)
		return cli_fail(ctx, rc);
	/* The values before, to show what changed. */
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err = qp_village_get(&old, reg, code);
	qp_registry_free(reg);
	if (err != QP_OK)
		return cli_fail(ctx, err);

	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "code", code);
	if (name)
		cJSON_AddStringToObject(body, "name", name);
	if (uscc)
		cJSON_AddStringToObject(body, "uscc", uscc);
	cJSON_AddStringToObject(body, "reason", reason);
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, "village.correct", body, &index)) != CLI_OK)
		goto done;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON_AddStringToObject(doc, "code", code);
		const char *names[2] = {old.name, name ? name : old.name};
		const char *codes[2] = {old.uscc, uscc ? uscc : old.uscc};
		for (int i = 0; i < 2; i++) {
			cJSON *v = cJSON_AddObjectToObject(doc, i ? "new" : "old");
			cli_json_add_text(v, "name", names[i]);
			if (codes[i])
				cJSON_AddStringToObject(v, "uscc", codes[i]);
			else
				cJSON_AddNullToObject(v, "uscc");
		}
		cli_json_add_text(doc, "reason", reason);
		rc = cli_json_emit(doc);
		goto done;
	}
	if (name)
		printf("village %s: name %s -> %s (entry %llu)\n", code, old.name, name, (unsigned long long)index);
	if (uscc)
		printf("village %s: uscc %s -> %s (entry %llu)\n", code, old.uscc ? old.uscc : "(none)", uscc,
		       (unsigned long long)index);
done:
	qp_village_clear(&old);
	return rc;
}

const cli_cmd cmd_village_correct = {
    .group = "village",
    .name = "correct",
    .run = run_correct,
    .summary = "correct a village's name or its collective's credit code (更正; officer key)",
    .usage = "CODE [--name NAME] [--uscc CODE] --reason TEXT --key OFFICER.key",
    .description = "Appends a village.correct entry.  The village code is the village's identity and is not\n"
		   "corrected.  The old values stay in the log: 'log entries --json' shows every entry.",
    .opts = correct_opts,
};
