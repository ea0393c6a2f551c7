/*
 * cmd_id.c - quanpiao id check: validate one identifier or value the way
 * the registry will, so an officer can check a form before entering it.
 */
#include <stdio.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"

#define DEFAULT_COUNTY "330681"

static const cli_opt id_check_opts[] = {
    {"county", "CODE", "county that unit and parcel codes must belong to (default " DEFAULT_COUNTY ")"},
    {NULL, NULL, NULL},
};

static const char *const kinds[] = {"resident", "uscc",	   "collective", "unit",  "parcel", "county",
				    "township", "village", "area",	 "money", "date"};

static int kind_index(const char *kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i], kind) == 0)
			return (int)i;
	return -1;
}

/* Run the check of kind k on value; fill details on success. */
static int check(int k, const char *value, const char *county, cJSON *details)
{
	int rc;
	char buf[32];
	switch (k) {
	case 0: {
		char norm[QP_RESIDENT_ID_LEN + 1], masked[QP_RESIDENT_ID_LEN + 1];
		if ((rc = qp_ids_check_resident(norm, value, NULL)) != QP_OK)
			return rc;
		qp_ids_mask_resident(masked, norm);
		snprintf(buf, sizeof(buf), "%.4s-%.2s-%.2s", norm + 6, norm + 10, norm + 12);
		cJSON_AddStringToObject(details, "normalized", norm);
		cJSON_AddStringToObject(details, "masked", masked);
		cJSON_AddStringToObject(details, "birth_date", buf);
		cJSON_AddStringToObject(details, "sex", (norm[16] - '0') % 2 ? "male" : "female");
		return QP_OK;
	}
	case 1:
	case 2:
		if ((rc = qp_ids_check_uscc(value, k == 2 ? QP_USCC_COLLECTIVE : 0, NULL)) != QP_OK)
			return rc;
		snprintf(buf, sizeof(buf), "%.6s", value + 2);
		cJSON_AddStringToObject(details, "division", buf);
		cJSON_AddBoolToObject(details, "village_collective", value[0] == 'N' && value[1] == '2');
		return QP_OK;
	case 3:
	case 4:
		rc = k == 3 ? qp_ids_check_unit(value, county, NULL)
			    : qp_ids_check_parcel(value, county, NULL);
		if (rc != QP_OK)
			return rc;
		snprintf(buf, sizeof(buf), "%.19s", value);
		cJSON_AddStringToObject(details, "parcel", buf);
		snprintf(buf, sizeof(buf), "%.2s", value + 12);
		cJSON_AddStringToObject(details, "parcel_type", buf);
		cJSON_AddBoolToObject(details, "homestead", value[12] == 'J' && value[13] == 'C');
		if (k == 3) {
			snprintf(buf, sizeof(buf), "%c", value[19]);
			cJSON_AddStringToObject(details, "fixture_type", buf);
		}
		return QP_OK;
	case 5:
	case 6:
	case 7: {
		qp_division_level level = k == 5   ? QP_DIVISION_COUNTY
					  : k == 6 ? QP_DIVISION_TOWNSHIP
						   : QP_DIVISION_VILLAGE;
		return qp_ids_check_division(value, level, NULL);
	}
	case 8:
	case 9: {
		int64_t v;
		if ((rc = qp_ids_parse_hundredths(&v, value, k == 8 ? "area" : "money")) != QP_OK)
			return rc;
		qp_ids_format_hundredths(buf, sizeof(buf), v);
		cJSON_AddStringToObject(details, "normalized", buf);
		cJSON_AddNumberToObject(details, "hundredths", (double)v);
		return QP_OK;
	}
	default: {
		qp_date d;
		if ((rc = qp_ids_parse_date(&d, value, NULL)) != QP_OK)
			return rc;
		qp_ids_format_date(buf, &d);
		cJSON_AddStringToObject(details, "normalized", buf);
		return QP_OK;
	}
	}
}

static int run_id_check(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	if (args.npos != 2)
		return cli_usage_error(ctx, "id check needs a KIND and a VALUE, got %d argument%s", args.npos,
				       args.npos == 1 ? "" : "s");
	int k = kind_index(args.pos[0]);
	if (k < 0)
		return cli_usage_error(ctx,
				       "unknown kind '%s'; kinds: resident uscc collective unit parcel "
				       "county township village area money date",
				       args.pos[0]);
	const char *county = cli_opt_value(ctx, &args, "county");
	if (county == NULL)
		county = DEFAULT_COUNTY;
	else if (qp_ids_check_division(county, QP_DIVISION_COUNTY, "--county") != QP_OK)
		return cli_fail(ctx, QP_EINVALID);

	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "kind", kinds[k]);
	cli_json_add_text(doc, "value", args.pos[1]);
	rc = check(k, args.pos[1], county, doc);
	if (rc != QP_OK) {
		const char *msg = qp_error_last()->message;
		fprintf(stderr, "quanpiao: %s\n", msg);
		if (ctx->json) {
			cJSON_AddBoolToObject(doc, "ok", 0);
			cli_json_add_text(doc, "error", msg);
			cli_json_emit(doc);
		} else {
			cJSON_Delete(doc);
		}
		return cli_exit_code(rc);
	}
	if (!ctx->json) {
		cJSON_Delete(doc);
		return puts("ok") >= 0 ? CLI_OK : CLI_EXIT_IO;
	}
	cJSON_AddBoolToObject(doc, "ok", 1);
	return cli_json_emit(doc);
}

const cli_cmd cmd_id_check = {
    .group = "id",
    .name = "check",
    .run = run_id_check,
    .summary = "check an identifier or value before entering it",
    .usage = "KIND VALUE",
    .description = "KIND is one of:\n"
		   "  resident    resident ID number (GB 11643), e.g. 11010519491231002X\n"
		   "  uscc        unified social credit code (GB 32100)\n"
		   "  collective  credit code of a village collective (starts N2)\n"
		   "  unit        28-character real-estate unit code (GB/T 37346)\n"
		   "  parcel      19-character parcel code\n"
		   "  county      6-digit county code\n"
		   "  township    9-digit township code\n"
		   "  village     12-digit village code (village part 200-399)\n"
		   "  area        area in m2 with at most 2 decimals, e.g. 120.50\n"
		   "  money       amount in yuan with at most 2 decimals\n"
		   "  date        date as YYYY-MM-DD\n"
		   "\n"
		   "Prints 'ok' and exits 0, or names the rule broken and exits 3.\n"
		   "With --json, prints the value's parts (birth date, masked form, parcel...).",
    .opts = id_check_opts,
};
