/*
 * cmd_parcel.c - quanpiao parcel add: reclaimed land (复垦地块), a rural
 * homestead parcel whose building is gone and was never registered as a
 * home.  A land ticket (collective certificate) comes from it as from a
 * reclaimed home: `cert issue --kind collective --parcel PARCEL`.  The
 * import registers such parcels itself (docs/import.md); officers need the
 * command for land the import does not bring.
 */
#include <stdio.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"

static const cli_opt add_opts[] = {
    {"village", "CODE", "12-digit code of the parcel's village"},
    {"land-area", "M2", "the parcel's land area in m², e.g. 180.00: what certificates from it may reach"},
    {NULL, NULL, NULL},
};

static int run_add(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	int64_t land = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *village = cli_opt_value(ctx, &args, "village"),
		   *la = cli_opt_value(ctx, &args, "land-area");
	if (args.npos != 1 || !village || !la)
		return cli_usage_error(ctx, "parcel add needs one PARCEL, --village and --land-area");
	const char *parcel = args.pos[0];
	if ((rc = qp_ids_check_parcel(parcel, NULL, "PARCEL")) != QP_OK ||
	    (rc = qp_ids_check_division(village, QP_DIVISION_VILLAGE, "--village")) != QP_OK)
		return cli_fail(ctx, rc);
	if ((rc = cli_parse_area(ctx, "--land-area", la, &land)) != CLI_OK)
		return rc;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	rc = qp_ids_check_parcel(parcel, qp_registry_county(reg), "PARCEL");
	qp_registry_free(reg);
	if (rc != QP_OK)
		return cli_fail(ctx, rc);

	cJSON *body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "land_area", (double)land);
	cJSON_AddStringToObject(body, "parcel", parcel);
	cJSON_AddStringToObject(body, "state", "reclaimed");
	cJSON_AddStringToObject(body, "village", village);
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, "parcel.add", body, &index)) != CLI_OK)
		return rc;
	char area[32];
	if (qp_ids_format_hundredths(area, sizeof(area), land) != QP_OK)
		snprintf(area, sizeof(area), "?");
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON_AddStringToObject(doc, "parcel", parcel);
		cJSON_AddStringToObject(doc, "village", village);
		cJSON_AddNumberToObject(doc, "land_area", (double)land);
		cJSON_AddStringToObject(doc, "state", "reclaimed");
		return cli_json_emit(doc);
	}
	printf("registered parcel %s as reclaimed land (复垦) of %s, %s m² (entry %llu)\n", parcel, village,
	       area, (unsigned long long)index);
	return CLI_OK;
}

const cli_cmd cmd_parcel_add = {
    .group = "parcel",
    .name = "add",
    .run = run_add,
    .summary = "register reclaimed land: a homestead parcel with no home on it (复垦; officer key)",
    .usage = "PARCEL --village CODE --land-area M2 --key OFFICER.key",
    .description =
	"Appends a parcel.add entry: PARCEL, the 19-character parcel code (宗地代码, the first 19\n"
	"characters of a unit code) of a rural homestead parcel (JC) of the registry's county,\n"
	"is registered as reclaimed land, its building gone.  The village must be registered.  A\n"
	"parcel on which a registered home stands is refused (exit 5): a land ticket from it\n"
	"comes from that home (home status UNIT reclaimed).  A parcel registered already is a\n"
	"conflict (exit 5), and no home is added on it afterwards.  Collective certificates\n"
	"then come from it (cert issue --kind collective --parcel PARCEL), together never more\n"
	"than its land area when the policy caps them (per_home_cap).",
    .opts = add_opts,
};
