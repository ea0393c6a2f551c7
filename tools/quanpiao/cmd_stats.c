/*
 * cmd_stats.c - quanpiao stats: the figures the county reports (e.g.
 * "2021: 516 idle homes activated, 472 million yuan of social capital
 * attracted"): homes by status with their land area, and the activations
 * started in a year with their investment and first-year rent, and the
 * rights certificates by kind and state with their area, for the county
 * or one village or township.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "commands.h"
#include "table.h"

static const cli_opt stats_opts[] = {
    {"year", "YEAR", "count the activations whose lease starts in YEAR (default: all years)"},
    {"village", "CODE", "only this village"},
    {"township", "CODE", "only this township"},
    {NULL, NULL, NULL},
};

static void emit_json(cJSON *doc, const qp_stats *st, const char *county, int year, const char *village,
		      const char *township)
{
	char buf[32];
	cJSON_AddStringToObject(doc, "county", county);
	if (village)
		cJSON_AddStringToObject(doc, "village", village);
	else
		cJSON_AddNullToObject(doc, "village");
	if (township)
		cJSON_AddStringToObject(doc, "township", township);
	else
		cJSON_AddNullToObject(doc, "township");
	if (year)
		cJSON_AddNumberToObject(doc, "year", year);
	else
		cJSON_AddNullToObject(doc, "year");
	cJSON_AddNumberToObject(doc, "villages", (double)st->villages);
	cJSON_AddNumberToObject(doc, "households", (double)st->households);
	cJSON *homes = cJSON_AddObjectToObject(doc, "homes");
	uint64_t count = 0;
	int64_t area = 0;
	for (int s = 0; s < QP_HOME_STATUS_COUNT; s++) {
		cJSON *o = cJSON_AddObjectToObject(homes, qp_home_status_name((qp_home_status)s));
		cJSON_AddNumberToObject(o, "count", (double)st->homes[s]);
		cli_format_hundredths(buf, sizeof(buf), st->land_area[s]);
		cJSON_AddStringToObject(o, "land_area", buf);
		count += st->homes[s];
		area += st->land_area[s];
	}
	cJSON *total = cJSON_AddObjectToObject(homes, "total");
	cJSON_AddNumberToObject(total, "count", (double)count);
	cli_format_hundredths(buf, sizeof(buf), area);
	cJSON_AddStringToObject(total, "land_area", buf);
	cJSON *acts = cJSON_AddObjectToObject(doc, "activations");
	cJSON_AddNumberToObject(acts, "count", (double)st->activations);
	cli_format_hundredths(buf, sizeof(buf), st->investment);
	cJSON_AddStringToObject(acts, "investment", buf);
	cli_format_hundredths(buf, sizeof(buf), st->first_year_rent);
	cJSON_AddStringToObject(acts, "first_year_rent", buf);
	cJSON *certs = cJSON_AddObjectToObject(doc, "certificates");
	for (int k = 0; k < QP_CERT_KIND_COUNT; k++) {
		cJSON *kind = cJSON_AddObjectToObject(certs, qp_cert_kind_name((qp_cert_kind)k));
		for (int s = 0; s <= QP_CERT_EXPIRED; s++) {
			cJSON *o = cJSON_AddObjectToObject(kind, qp_cert_state_name((qp_cert_state)s));
			cJSON_AddNumberToObject(o, "count", (double)st->certs[k][s]);
			cli_format_hundredths(buf, sizeof(buf), st->cert_area[k][s]);
			cJSON_AddStringToObject(o, "area", buf);
		}
	}
}

/*
 * Certificates by shown state (rows) and kind (a count and an area
 * column each).  No total: a spent certificate's area lives on in its
 * children, so sums across states would count it twice.
 */
static int print_certs(const qp_stats *st)
{
	const char *headers[1 + 2 * QP_CERT_KIND_COUNT];
	char kinds[QP_CERT_KIND_COUNT][64];
	headers[0] = "状态 state";
	for (int k = 0; k < QP_CERT_KIND_COUNT; k++) {
		cli_cert_kind_text(kinds[k], sizeof(kinds[k]), (qp_cert_kind)k);
		headers[1 + 2 * k] = kinds[k];
		headers[2 + 2 * k] = "m²";
	}
	cli_table *t = cli_table_new(1 + 2 * QP_CERT_KIND_COUNT, headers, "lrrrrrr");
	for (int s = 0; s <= QP_CERT_EXPIRED; s++) {
		char state[64], cells[2 * QP_CERT_KIND_COUNT][32];
		const char *row[1 + 2 * QP_CERT_KIND_COUNT];
		cli_cert_state_text(state, sizeof(state), s);
		row[0] = state;
		for (int k = 0; k < QP_CERT_KIND_COUNT; k++) {
			snprintf(cells[2 * k], sizeof(cells[2 * k]), "%llu",
				 (unsigned long long)st->certs[k][s]);
			cli_format_hundredths(cells[2 * k + 1], sizeof(cells[2 * k + 1]),
					      st->cert_area[k][s]);
			row[1 + 2 * k] = cells[2 * k];
			row[2 + 2 * k] = cells[2 * k + 1];
		}
		cli_table_row(t, row);
	}
	printf("\n权票 certificates\n");
	int rc = cli_table_print(t, stdout, 2);
	cli_table_free(t);
	return rc;
}

static int print_human(const qp_stats *st, const char *scope, int year)
{
	char villages[24], households[24], year_text[32];
	int rc;
	snprintf(villages, sizeof(villages), "%llu", (unsigned long long)st->villages);
	snprintf(households, sizeof(households), "%llu", (unsigned long long)st->households);
	if (year)
		snprintf(year_text, sizeof(year_text), "%d", year);
	else
		snprintf(year_text, sizeof(year_text), "全部 all years");
	cli_table *kv = cli_table_new(2, NULL, NULL);
	cli_table_row(kv, (const char *const[]){"范围 scope", scope});
	cli_table_row(kv, (const char *const[]){"年份 year", year_text});
	cli_table_row(kv, (const char *const[]){"村 villages", villages});
	cli_table_row(kv, (const char *const[]){"户 households", households});
	rc = cli_table_print(kv, stdout, 0);
	cli_table_free(kv);
	if (rc != CLI_OK)
		return rc;

	static const char *const headers[] = {"状态 status", "农房 homes", "宅基地 land m²"};
	cli_table *t = cli_table_new(3, headers, "lrr");
	uint64_t count = 0;
	int64_t area = 0;
	char n[24], a[32];
	for (int s = 0; s < QP_HOME_STATUS_COUNT; s++) {
		char status[64];
		cli_status_text(status, sizeof(status), (qp_home_status)s);
		snprintf(n, sizeof(n), "%llu", (unsigned long long)st->homes[s]);
		cli_format_hundredths(a, sizeof(a), st->land_area[s]);
		cli_table_row(t, (const char *const[]){status, n, a});
		count += st->homes[s];
		area += st->land_area[s];
	}
	snprintf(n, sizeof(n), "%llu", (unsigned long long)count);
	cli_format_hundredths(a, sizeof(a), area);
	cli_table_row(t, (const char *const[]){"合计 total", n, a});
	putchar('\n');
	rc = cli_table_print(t, stdout, 0);
	cli_table_free(t);
	if (rc != CLI_OK)
		return rc;

	if (year)
		printf("\n激活 activations started in %d\n", year);
	else
		printf("\n激活 activations, all years\n");
	char investment[CLI_MONEY_LEN], rent[CLI_MONEY_LEN];
	snprintf(n, sizeof(n), "%llu", (unsigned long long)st->activations);
	cli_format_money(investment, sizeof(investment), st->investment);
	cli_format_money(rent, sizeof(rent), st->first_year_rent);
	kv = cli_table_new(2, NULL, NULL);
	cli_table_row(kv, (const char *const[]){"数量 count", n});
	cli_table_row(kv, (const char *const[]){"投资 investment", investment});
	cli_table_row(kv, (const char *const[]){"首年租金 first-year rent", rent});
	rc = cli_table_print(kv, stdout, 2);
	cli_table_free(kv);
	return rc != CLI_OK ? rc : print_certs(st);
}

static int run_stats(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_stats st;
	qp_village v = {0};
	long long year = 0;
	char county[7], scope[512];
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *y = cli_opt_value(ctx, &args, "year"), *village = cli_opt_value(ctx, &args, "village");
	const char *township = cli_opt_value(ctx, &args, "township");
	if (args.npos != 0)
		return cli_usage_error(ctx, "stats takes no arguments");
	if (village && township)
		return cli_usage_error(ctx, "give --village or --township, not both");
	if (y && (rc = cli_parse_int(ctx, "year", y, 1900, 2999, &year)) != CLI_OK)
		return rc;
	if ((village && (rc = qp_ids_check_division(village, QP_DIVISION_VILLAGE, "--village")) != QP_OK) ||
	    (township && (rc = qp_ids_check_division(township, QP_DIVISION_TOWNSHIP, "--township")) != QP_OK))
		return cli_fail(ctx, rc);
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	snprintf(county, sizeof(county), "%s", qp_registry_county(reg));
	memset(&st, 0, sizeof(st));
	if ((rc = qp_stats_get(&st, reg, (int)year, village, township)) != QP_OK) {
		rc = cli_fail(ctx, rc);
		goto done;
	}
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		emit_json(doc, &st, county, (int)year, village, township);
		rc = cli_json_emit(doc);
		goto done;
	}
	if (village) {
		/* The village's name when it is registered; its code alone otherwise. */
		int err = qp_village_get(&v, reg, village);
		if (err != QP_OK && err != QP_ENOTFOUND) {
			rc = cli_fail(ctx, err);
			goto done;
		}
		snprintf(scope, sizeof(scope), "村 village %s%s%s", village, err == QP_OK ? " " : "",
			 err == QP_OK ? v.name : "");
	} else if (township) {
		snprintf(scope, sizeof(scope), "乡镇 township %s", township);
	} else {
		snprintf(scope, sizeof(scope), "县 county %s %s", county, qp_registry_county_name(reg));
	}
	rc = print_human(&st, scope, (int)year);
done:
	qp_village_clear(&v);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_stats = {
    .group = NULL,
    .name = "stats",
    .run = run_stats,
    .summary = "statistics: homes by status, activations, investment and rent, certificates",
    .usage = "[--year YEAR] [--village CODE | --township CODE]",
    .description =
	"Counts the homes in each status with their land area, and the activations (leases)\n"
	"that start in YEAR with the investment they attract and their first-year rent, for the\n"
	"whole county or one village or township.  Amounts are printed in yuan with 2 decimals and\n"
	"in 万元 or 亿元 (rounded half up to 2 decimals), e.g. 472000000.00 (4.72亿元).\n"
	"Certificates are counted by kind and state (a live one past its validity as expired),\n"
	"with their area, whatever the year; for a village or township, those of its homes (and a\n"
	"guarantee on entitlement by its holder's village).",
    .opts = stats_opts,
};
