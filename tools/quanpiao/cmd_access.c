/*
 * cmd_access.c - quanpiao access list: the registry file's access record,
 * who read whose personal data and when (issue 22; quanpiao/access.h).
 * Every read of ID numbers and names in full - a request to quanpiaod
 * signed by an officer or auditor, or --reveal on the file - leaves one
 * row per household (or person investor) it showed.
 */
#include <stdio.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "commands.h"
#include "table.h"

#define ACCESS_PAGE_MAX 1000000

static const cli_opt list_opts[] = {
    {"subject", "HOUSEHOLD", "only the reads of this household's data (its number; or \"entry N\")"},
    {"after", "ID", "start after this record (the next page)"},
    {"limit", "N", "at most N records"},
    {NULL, NULL, NULL},
};

static int run_list(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_access_row *rows = NULL;
	size_t n = 0;
	long long limit = 0;
	uint64_t after = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *subject = cli_opt_value(ctx, &args, "subject"), *a = cli_opt_value(ctx, &args, "after");
	const char *l = cli_opt_value(ctx, &args, "limit");
	if (args.npos != 0)
		return cli_usage_error(ctx, "access list takes no arguments");
	if (a && (rc = cli_parse_u64(ctx, "after", a, &after)) != CLI_OK)
		return rc;
	if (l && (rc = cli_parse_int(ctx, "limit", l, 1, ACCESS_PAGE_MAX, &limit)) != CLI_OK)
		return rc;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err = qp_access_list(&rows, &n, reg, subject, after, limit ? (size_t)limit + 1 : 0);
	if (err != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	bool more = limit && n > (size_t)limit;
	size_t shown = more ? (size_t)limit : n;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "records");
		for (size_t i = 0; i < shown; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", (double)rows[i].id);
			cJSON_AddStringToObject(o, "time", rows[i].time);
			cJSON_AddStringToObject(o, "reader", rows[i].reader);
			cJSON_AddStringToObject(o, "role", rows[i].role);
			cJSON_AddStringToObject(o, "request", rows[i].request);
			cJSON_AddStringToObject(o, "subject", rows[i].subject);
			cJSON_AddItemToArray(arr, o);
		}
		if (more)
			cJSON_AddNumberToObject(doc, "next", (double)rows[shown - 1].id);
		else
			cJSON_AddNullToObject(doc, "next");
		rc = cli_json_emit(doc);
		goto done;
	}
	static const char *const headers[] = {"记录 id",   "时间 time",	 "读者 reader",
					      "角色 role", "户 subject", "请求 request"};
	cli_table *t = cli_table_new(6, headers, "rlllll");
	for (size_t i = 0; i < shown; i++) {
		char id[24];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)rows[i].id);
		cli_table_row(t, (const char *const[]){id, rows[i].time, rows[i].reader, rows[i].role,
						       rows[i].subject, rows[i].request});
	}
	rc = cli_table_print(t, stdout, 0);
	cli_table_free(t);
	if (rc == CLI_OK && more)
		printf("more: --after %llu\n", (unsigned long long)rows[shown - 1].id);
done:
	qp_access_rows_free(rows, n);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_access_list = {
    .group = "access",
    .name = "list",
    .run = run_list,
    .summary = "list who read personal data, when, and whose",
    .usage = "[--subject HOUSEHOLD] [--after ID] [--limit N]",
    .description =
	"The registry file's access record: one line for each household (or person investor,\n"
	"as \"entry N\" of its home.activate) whose ID number and name a read showed in full -\n"
	"a request to quanpiaod signed by an officer's or auditor's key, or a command run with\n"
	"--reveal on the file.  Each names the key that read, its role, the time (UTC) and the\n"
	"request, with any ID number in it masked.  --subject 330681-H-0000001 answers \"who\n"
	"looked at my data\".  When --limit cuts the list short, a last line names the --after ID\n"
	"of the next page.",
    .opts = list_opts,
    .local_only = "the access record is kept in the registry file; run it where the registry is",
};
