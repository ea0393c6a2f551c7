/*
 * cmd_home.c - quanpiao home add|status|activate|correct|list|show: rural
 * homes (农房) on homestead parcels, identified by their real-estate unit
 * code, and their lifecycle (docs/design.md §1):
 *
 *   in_use -> idle -> activated -> idle          (activate: a lease)
 *   in_use|idle|dilapidated -> withdrawn -> reclaimed
 *   dilapidated -> demolished -> reclaimed
 *
 * The commands check each option's value (naming the option) before they
 * build an entry; the registry then checks the entry against its rules
 * and state, which only it can judge (transitions, one home per
 * household, duplicates, lease terms of the policy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "table.h"

#define YEARS_MAX     100 /* a sanity bound of the CLI; the policy's term is checked by the registry */
#define LIST_MAX_PAGE 1000000

static const cli_opt reveal_opts[] = {
    {"reveal", NULL, "show resident ID numbers in full (officers only; they are personal data)"},
    {NULL, NULL, NULL},
};

/* A money option: hundredths of a yuan. */
static int parse_money(const cli_ctx *ctx, const char *opt, const char *text, int64_t *out)
{
	int rc = qp_ids_parse_hundredths(out, text, opt);
	return rc == QP_OK ? CLI_OK : cli_fail(ctx, rc);
}

/*
 * Open the registry to read, copy its county code to county (7 bytes),
 * and, if unit is not NULL, check it as a unit code of that county
 * (naming field) and read the home into *home.
 */
static int open_for(cli_ctx *ctx, qp_registry **reg, char county[7], const char *unit, const char *field,
		    qp_home *home)
{
	int rc = cli_open_registry(ctx, QP_STORE_READONLY, reg);
	if (rc != CLI_OK)
		return rc;
	snprintf(county, 7, "%s", qp_registry_county(*reg));
	if (unit == NULL)
		return CLI_OK;
	if ((rc = qp_ids_check_unit(unit, county, field)) != QP_OK ||
	    (home && (rc = qp_home_get(home, *reg, unit)) != QP_OK))
		return cli_fail(ctx, rc);
	return CLI_OK;
}

/* ---- home add ------------------------------------------------------------- */

static const cli_opt add_opts[] = {
    {"unit", "UNIT", "28-character real-estate unit code (不动产单元代码)"},
    {"village", "CODE", "12-digit code of the home's village"},
    {"household", "HOUSEHOLD", "its household: the number or the head's ID number"},
    {"land-area", "M2", "homestead land area in m², e.g. 120.50"},
    {"floor-area", "M2", "floor area of the building in m²"},
    {"built", "YEAR", "year the house was built"},
    {"status", "STATUS", "in_use (default), idle or dilapidated"},
    {NULL, NULL, NULL},
};

static int run_add(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	char county[7], household[QP_HOUSEHOLD_NUMBER_LEN + 1];
	int64_t land = 0, floor = -1;
	long long built = 0;
	qp_home_status status = QP_HOME_IN_USE;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *unit = cli_opt_value(ctx, &args, "unit"), *village = cli_opt_value(ctx, &args, "village");
	const char *hh = cli_opt_value(ctx, &args, "household"), *la = cli_opt_value(ctx, &args, "land-area");
	const char *fa = cli_opt_value(ctx, &args, "floor-area"), *b = cli_opt_value(ctx, &args, "built");
	const char *st = cli_opt_value(ctx, &args, "status");
	if (args.npos != 0)
		return cli_usage_error(ctx, "home add takes no arguments");
	if (!unit || !village || !hh || !la)
		return cli_usage_error(ctx, "home add needs --unit, --village, --household and --land-area");
	if ((rc = qp_ids_check_unit(unit, NULL, "--unit")) != QP_OK ||
	    (rc = qp_ids_check_division(village, QP_DIVISION_VILLAGE, "--village")) != QP_OK)
		return cli_fail(ctx, rc);
	if ((rc = cli_parse_area(ctx, "--land-area", la, &land)) != CLI_OK ||
	    (fa && (rc = cli_parse_area(ctx, "--floor-area", fa, &floor)) != CLI_OK) ||
	    (b && (rc = cli_parse_member(ctx, "home.add", "built", "built", b, &built)) != CLI_OK))
		return rc;
	if (st) {
		if ((rc = qp_home_status_parse(&status, st)) != QP_OK)
			return cli_fail(ctx, rc);
		if (status != QP_HOME_IN_USE && status != QP_HOME_IDLE && status != QP_HOME_DILAPIDATED)
			return cli_invalid(
			    ctx, "--status: a home is added in_use, idle or dilapidated, not %s", st);
	}
	rc = open_for(ctx, &reg, county, unit, "--unit", NULL);
	qp_registry_free(reg);
	if (rc != CLI_OK)
		return rc;
	if ((rc = cli_household_ref(ctx, hh, "--household", household, CLI_EXIT_INVALID)) != CLI_OK)
		return rc;

	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "unit", unit);
	cJSON_AddStringToObject(body, "village", village);
	cJSON_AddStringToObject(body, "household", household);
	cJSON_AddNumberToObject(body, "land_area", (double)land);
	cJSON_AddStringToObject(body, "status", qp_home_status_name(status));
	if (floor >= 0)
		cJSON_AddNumberToObject(body, "floor_area", (double)floor);
	if (built)
		cJSON_AddNumberToObject(body, "built", (double)built);
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, "home.add", body, &index)) != CLI_OK)
		return rc;

	qp_home h = {.land_area = land,
		     .floor_area = floor,
		     .built = (int)built,
		     .status = status,
		     .added_at = index,
		     .updated_at = index};
	snprintf(h.unit, sizeof(h.unit), "%s", unit);
	snprintf(h.village, sizeof(h.village), "%s", village);
	snprintf(h.household, sizeof(h.household), "%s", household);
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON_AddItemToObject(doc, "home", cli_home_json(&h, false));
		return cli_json_emit(doc);
	}
	char status_text[64];
	cli_status_text(status_text, sizeof(status_text), status);
	printf("added home %s (%s) of household %s in %s (entry %llu)\n", unit, status_text, household,
	       village, (unsigned long long)index);
	return CLI_OK;
}

const cli_cmd cmd_home_add = {
    .group = "home",
    .name = "add",
    .run = run_add,
    .summary = "add a rural home on a homestead parcel (officer key)",
    .usage = "--unit UNIT --village CODE --household HOUSEHOLD --land-area M2 [--floor-area M2]\n"
	     "       [--built YEAR]"
	     "       [--status in_use|idle|dilapidated] --key OFFICER.key",
    .description = "Appends a home.add entry.  The unit code must be of the registry's county; the village\n"
		   "and the household must be registered.  HOUSEHOLD is the household's number\n"
		   "(330681-H-0000001) or its head's resident ID number; the entry names it by number.\n"
		   "Areas are m² with at most 2 decimals, more than 0 and at most 100000.00.  One\n"
		   "household, one homestead: a household that already holds a home in use, idle or\n"
		   "activated gets no second one (unless the policy allows it).  A unit already\n"
		   "registered is a conflict (exit 5).",
    .opts = add_opts,
};

/* ---- home status ----------------------------------------------------------- */

static const cli_opt status_opts[] = {
    {"reason", "TEXT", "why the status changes (kept in the log)"},
    {NULL, NULL, NULL},
};

static int run_status(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_home home = {0};
	qp_home_status status;
	char county[7];
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *reason = cli_opt_value(ctx, &args, "reason");
	if (args.npos != 2)
		return cli_usage_error(ctx, "home status needs a UNIT and a STATUS");
	const char *unit = args.pos[0];
	if ((rc = qp_ids_check_unit(unit, NULL, "UNIT")) != QP_OK ||
	    (rc = qp_home_status_parse(&status, args.pos[1])) != QP_OK)
		return cli_fail(ctx, rc);
	if (reason && (rc = cli_check_member(ctx, "home.status", "reason", "reason", reason)) != CLI_OK)
		return rc;
	rc = open_for(ctx, &reg, county, unit, "UNIT", &home);
	qp_registry_free(reg);
	if (rc != CLI_OK)
		return rc;

	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "unit", unit);
	cJSON_AddStringToObject(body, "status", qp_home_status_name(status));
	if (reason)
		cJSON_AddStringToObject(body, "reason", reason);
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, "home.status", body, &index)) != CLI_OK)
		return rc;
	const char *from = qp_home_status_name(home.status), *to = qp_home_status_name(status);
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON_AddStringToObject(doc, "unit", unit);
		cJSON_AddStringToObject(doc, "from", from);
		cJSON_AddStringToObject(doc, "to", to);
		if (reason)
			cli_json_add_text(doc, "reason", reason);
		else
			cJSON_AddNullToObject(doc, "reason");
		return cli_json_emit(doc);
	}
	printf("home %s: %s -> %s (entry %llu)\n", unit, from, to, (unsigned long long)index);
	return CLI_OK;
}

const cli_cmd cmd_home_status = {
    .group = "home",
    .name = "status",
    .run = run_status,
    .summary = "move a home along its lifecycle (officer key)",
    .usage = "UNIT STATUS [--reason TEXT] --key OFFICER.key",
    .description =
	"Appends a home.status entry.  STATUS is one of in_use, idle, activated, dilapidated,\n"
	"withdrawn, demolished, reclaimed; the lifecycle allows\n"
	"  in_use -> idle, activated -> idle (the lease ends),\n"
	"  in_use|idle|dilapidated -> withdrawn -> reclaimed,\n"
	"  dilapidated -> demolished -> reclaimed.\n"
	"An idle home becomes activated only by 'home activate'.  A transition the lifecycle does\n"
	"not allow is refused (exit 3), naming the allowed ones.",
    .opts = status_opts,
};

/* ---- home activate ----------------------------------------------------------- */

static const cli_opt activate_opts[] = {
    {"investor", "NAME", "the investor (lessee): a company or a person"},
    {"investor-id", "ID", "its unified social credit code, or a person's resident ID number"},
    {"start", "DATE", "first day of the lease, YYYY-MM-DD"},
    {"years", "N", "lease term in whole years (the policy allows 1 to 20 by default)"},
    {"rent", "YUAN", "annual rent in yuan, e.g. 24900.00"},
    {"investment", "YUAN", "investment the investor commits, in yuan, e.g. 1200000.00"},
    {"use", "USE", "homestay (民宿), culture, eldercare, rental, office or other"},
    {"deal-no", "TEXT", "number of the contract or the rural property exchange deal"},
    {NULL, NULL, NULL},
};

/*
 * Check an investor ID: 18 characters; a credit code when it holds a
 * letter other than a final X, else a resident ID number (normalised into
 * out, 19 bytes).
 */
static int check_investor_id(const cli_ctx *ctx, const char *value, char *out)
{
	size_t len = strlen(value);
	int rc;
	if (len != 18)
		return cli_invalid(
		    ctx,
		    "--investor-id: must be 18 characters (a unified social credit code or a resident "
		    "ID number), got %zu",
		    len);
	bool code = false;
	if (strchr(value, '*') != NULL) /* copied from a list, where ID numbers are masked */
		return cli_check_resident(ctx, out, value, "--investor-id");
	for (size_t i = 0; i < len; i++)
		if ((value[i] < '0' || value[i] > '9') && !(i == 17 && (value[i] == 'X' || value[i] == 'x')))
			code = true;
	if (code) {
		if ((rc = qp_ids_check_uscc(value, 0, "--investor-id")) != QP_OK)
			return cli_fail(ctx, rc);
		snprintf(out, QP_USCC_LEN + 1, "%s", value);
	} else if ((rc = cli_check_resident(ctx, out, value, "--investor-id")) != CLI_OK) {
		return rc;
	}
	return CLI_OK;
}

static int run_activate(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_home home = {0};
	qp_date start;
	char county[7], investor_id[QP_RESIDENT_ID_LEN + 1], start_text[11];
	long long years = 0;
	int64_t rent = 0, investment = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *investor = cli_opt_value(ctx, &args, "investor"),
		   *iid = cli_opt_value(ctx, &args, "investor-id");
	const char *s = cli_opt_value(ctx, &args, "start"), *y = cli_opt_value(ctx, &args, "years");
	const char *r = cli_opt_value(ctx, &args, "rent"), *inv = cli_opt_value(ctx, &args, "investment");
	const char *use = cli_opt_value(ctx, &args, "use"), *deal = cli_opt_value(ctx, &args, "deal-no");
	if (args.npos != 1)
		return cli_usage_error(ctx, "home activate needs one UNIT");
	if (!investor || !iid || !s || !y || !r || !inv || !use)
		return cli_usage_error(
		    ctx, "home activate needs --investor, --investor-id, --start, --years, --rent, "
			 "--investment and --use");
	const char *unit = args.pos[0];
	if ((rc = qp_ids_check_unit(unit, NULL, "UNIT")) != QP_OK)
		return cli_fail(ctx, rc);
	if ((rc = cli_check_member(ctx, "home.activate", "investor", "investor", investor)) != CLI_OK ||
	    (rc = check_investor_id(ctx, iid, investor_id)) != CLI_OK)
		return rc;
	if ((rc = qp_ids_parse_date(&start, s, "--start")) != QP_OK)
		return cli_fail(ctx, rc);
	if ((rc = cli_parse_int(ctx, "years", y, 1, YEARS_MAX, &years)) != CLI_OK ||
	    (rc = parse_money(ctx, "--rent", r, &rent)) != CLI_OK ||
	    (rc = parse_money(ctx, "--investment", inv, &investment)) != CLI_OK)
		return rc;
	if ((rc = qp_activation_use_check(use)) != QP_OK)
		return cli_fail(ctx, rc);
	if (deal && (rc = cli_check_member(ctx, "home.activate", "deal_no", "deal-no", deal)) != CLI_OK)
		return rc;
	rc = open_for(ctx, &reg, county, unit, "UNIT", &home);
	qp_registry_free(reg);
	if (rc != CLI_OK)
		return rc;
	qp_ids_format_date(start_text, &start);

	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "unit", unit);
	cJSON_AddStringToObject(body, "investor", investor);
	cJSON_AddStringToObject(body, "investor_id", investor_id);
	cJSON_AddStringToObject(body, "start", start_text);
	cJSON_AddNumberToObject(body, "years", (double)years);
	cJSON_AddNumberToObject(body, "rent", (double)rent);
	cJSON_AddNumberToObject(body, "investment", (double)investment);
	cJSON_AddStringToObject(body, "use", use);
	if (deal)
		cJSON_AddStringToObject(body, "deal_no", deal);
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, "home.activate", body, &index)) != CLI_OK)
		return rc;
	const char *from = qp_home_status_name(home.status), *to = qp_home_status_name(QP_HOME_ACTIVATED);
	if (ctx->json) {
		qp_activation a = {.index = index,
				   .investor = strdup(investor),
				   .years = (int)years,
				   .rent = rent,
				   .investment = investment,
				   .deal_no = deal ? strdup(deal) : NULL};
		snprintf(a.unit, sizeof(a.unit), "%s", unit);
		snprintf(a.investor_id, sizeof(a.investor_id), "%s", investor_id);
		a.investor_person = !qp_ids_looks_like_uscc(investor_id);
		snprintf(a.start, sizeof(a.start), "%s", start_text);
		snprintf(a.use, sizeof(a.use), "%s", use);
		cJSON *doc = NULL;
		if (a.investor && (a.deal_no || !deal)) {
			doc = cJSON_CreateObject();
			cJSON_AddNumberToObject(doc, "index", (double)index);
			cJSON_AddStringToObject(doc, "unit", unit);
			cJSON_AddStringToObject(doc, "from", from);
			cJSON_AddStringToObject(doc, "to", to);
			cJSON_AddItemToObject(doc, "activation", cli_activation_json(&a, false));
		}
		free(a.investor);
		free(a.deal_no);
		return cli_json_emit(doc);
	}
	printf("home %s: %s -> %s (entry %llu)\n", unit, from, to, (unsigned long long)index);
	return CLI_OK;
}

const cli_cmd cmd_home_activate = {
    .group = "home",
    .name = "activate",
    .run = run_activate,
    .summary = "lease an idle home to an investor (officer key)",
    .usage = "UNIT --investor NAME --investor-id ID --start DATE --years N --rent YUAN\n"
	     "       --investment YUAN --use USE [--deal-no TEXT] --key OFFICER.key",
    .description = "Appends a home.activate entry: the lease contract that activates an idle home (闲置农房\n"
		   "激活).  An investor who is a person (a resident ID number in --investor-id) is personal\n"
		   "data: the name and ID number stay in the registry file, the signed entry carries a\n"
		   "salted commitment to them.  Only an idle home can be activated; the term must be within "
		   "the policy's\n"
		   "activation.min_years to max_years (1 to 20 by default).  Amounts are yuan with at most\n"
		   "2 decimals.  When the lease ends, 'home status UNIT idle' makes the home idle again.",
    .opts = activate_opts,
};

/* ---- home correct ------------------------------------------------------------- */

static const cli_opt correct_opts[] = {
    {"field", "FIELD", "land_area, floor_area or built"},
    {"value", "VALUE", "the correct value: m² for the areas, a year for built"},
    {"reason", "TEXT", "why the record was wrong (kept in the log)"},
    {NULL, NULL, NULL},
};

/* A field's value as shown: "120.50", "1985", "(none)" when not recorded. */
static void field_text(char *buf, size_t len, bool area, int64_t value)
{
	if (value < 0 || (!area && value == 0))
		snprintf(buf, len, "(none)");
	else if (area)
		cli_format_hundredths(buf, len, value);
	else
		snprintf(buf, len, "%lld", (long long)value);
}

/* The same value as JSON: a string for areas, a number for years, null when not recorded. */
static void field_json(cJSON *doc, const char *key, bool area, int64_t value)
{
	char buf[32];
	if (value < 0 || (!area && value == 0)) {
		cJSON_AddNullToObject(doc, key);
	} else if (area) {
		cli_format_hundredths(buf, sizeof(buf), value);
		cJSON_AddStringToObject(doc, key, buf);
	} else {
		cJSON_AddNumberToObject(doc, key, (double)value);
	}
}

static int run_correct(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_home home = {0};
	char county[7];
	int64_t value = 0, old;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *field = cli_opt_value(ctx, &args, "field"), *v = cli_opt_value(ctx, &args, "value");
	const char *reason = cli_opt_value(ctx, &args, "reason");
	if (args.npos != 1 || !field || !v || !reason)
		return cli_usage_error(ctx, "home correct needs one UNIT, --field, --value and --reason");
	const char *unit = args.pos[0];
	if ((rc = qp_ids_check_unit(unit, NULL, "UNIT")) != QP_OK)
		return cli_fail(ctx, rc);
	bool area = strcmp(field, "land_area") == 0 || strcmp(field, "floor_area") == 0;
	if (!area && strcmp(field, "built") != 0)
		return cli_invalid(ctx, "--field: \"%s\" is not one of land_area, floor_area, built", field);
	if (area) {
		rc = cli_parse_area(ctx, "--value", v, &value);
	} else {
		long long year = 0;
		rc = cli_parse_member(ctx, "home.add", "built", "value", v, &year);
		value = year;
	}
	if (rc != CLI_OK ||
	    (rc = cli_check_member(ctx, "home.correct", "reason", "reason", reason)) != CLI_OK)
		return rc;
	rc = open_for(ctx, &reg, county, unit, "UNIT", &home);
	qp_registry_free(reg);
	if (rc != CLI_OK)
		return rc;
	old = strcmp(field, "land_area") == 0 ? home.land_area : area ? home.floor_area : home.built;

	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "unit", unit);
	cJSON_AddStringToObject(body, "field", field);
	cJSON_AddNumberToObject(body, "value", (double)value);
	cJSON_AddStringToObject(body, "reason", reason);
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, "home.correct", body, &index)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON_AddStringToObject(doc, "unit", unit);
		cJSON_AddStringToObject(doc, "field", field);
		field_json(doc, "old", area, old);
		field_json(doc, "new", area, value);
		cli_json_add_text(doc, "reason", reason);
		return cli_json_emit(doc);
	}
	char from[32], to[32];
	field_text(from, sizeof(from), area, old);
	field_text(to, sizeof(to), area, value);
	printf("home %s: %s %s -> %s (entry %llu)\n", unit, field, from, to, (unsigned long long)index);
	return CLI_OK;
}

const cli_cmd cmd_home_correct = {
    .group = "home",
    .name = "correct",
    .run = run_correct,
    .summary = "correct a recorded fact of a home (更正; officer key)",
    .usage = "UNIT --field land_area|floor_area|built --value VALUE --reason TEXT --key OFFICER.key",
    .description = "Appends a home.correct entry.  The old value is not erased: 'home show' lists it in the\n"
		   "home's history with the new one and the officer who signed each.",
    .opts = correct_opts,
};

/* ---- home list ------------------------------------------------------------------ */

static const cli_opt list_opts[] = {
    {"village", "CODE", "only the homes of this village"},
    {"township", "CODE", "only the homes of this township"},
    {"status", "STATUS", "only the homes in this status"},
    {"household", "HOUSEHOLD", "only the homes of this household: its number or its head's ID number"},
    {"after", "UNIT", "start after this unit code (the next page)"},
    {"limit", "N", "at most N homes"},
    {"reveal", NULL, "show resident ID numbers in full (officers only; they are personal data)"},
    {NULL, NULL, NULL},
};

static int run_list(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_home *list = NULL;
	size_t n = 0;
	long long limit = 0;
	char county[7], household[QP_HOUSEHOLD_NUMBER_LEN + 1];
	qp_home_status status = QP_HOME_IN_USE;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *village = cli_opt_value(ctx, &args, "village"),
		   *town = cli_opt_value(ctx, &args, "township");
	const char *st = cli_opt_value(ctx, &args, "status"), *hh = cli_opt_value(ctx, &args, "household");
	const char *after = cli_opt_value(ctx, &args, "after"), *l = cli_opt_value(ctx, &args, "limit");
	bool reveal = cli_opt_value(ctx, &args, "reveal") != NULL;
	qp_home_filter filter = {.village = village, .township = town, .status = -1, .after = after};
	if (args.npos != 0)
		return cli_usage_error(ctx, "home list takes no arguments");
	if ((village != NULL) + (town != NULL) + (hh != NULL) > 1)
		return cli_usage_error(ctx, "give one of --village, --township and --household, not more");
	if ((village && (rc = qp_ids_check_division(village, QP_DIVISION_VILLAGE, "--village")) != QP_OK) ||
	    (town && (rc = qp_ids_check_division(town, QP_DIVISION_TOWNSHIP, "--township")) != QP_OK) ||
	    (st && (rc = qp_home_status_parse(&status, st)) != QP_OK))
		return cli_fail(ctx, rc);
	if (l && (rc = cli_parse_int(ctx, "limit", l, 1, LIST_MAX_PAGE, &limit)) != CLI_OK)
		return rc;
	if (hh && (rc = cli_household_ref(ctx, hh, "--household", household, CLI_EXIT_NOTFOUND)) != CLI_OK)
		return rc;
	if (st)
		filter.status = (int)status;
	if (hh)
		filter.household = household;
	/* One more than asked for tells whether there is a next page. */
	filter.limit = limit ? (size_t)limit + 1 : 0;
	if ((rc = open_for(ctx, &reg, county, NULL, NULL, NULL)) != CLI_OK)
		goto done;
	if (after && (rc = qp_ids_check_unit(after, county, "--after")) != QP_OK) {
		rc = cli_fail(ctx, rc);
		goto done;
	}
	if ((rc = qp_homes_list(&list, &n, reg, &filter)) != QP_OK) {
		rc = cli_fail(ctx, rc);
		goto done;
	}
	bool more = limit && n > (size_t)limit;
	size_t shown = more ? (size_t)limit : n;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "homes");
		for (size_t i = 0; i < shown; i++)
			cJSON_AddItemToArray(arr, cli_home_json(&list[i], reveal));
		cJSON_AddBoolToObject(doc, "more", more);
		if (more)
			cJSON_AddStringToObject(doc, "next", list[shown - 1].unit);
		else
			cJSON_AddNullToObject(doc, "next");
		rc = cli_json_emit(doc);
		goto done;
	}
	cli_table *t = cli_homes_table();
	for (size_t i = 0; i < shown; i++)
		cli_homes_table_row(t, &list[i], reveal);
	rc = cli_table_print(t, stdout, 0);
	cli_table_free(t);
	if (rc == CLI_OK && more)
		printf("more: --after %s\n", list[shown - 1].unit);
done:
	qp_homes_free(list);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_home_list = {
    .group = "home",
    .name = "list",
    .run = run_list,
    .summary = "list homes, by unit code",
    .usage = "[--village CODE] [--township CODE] [--status STATUS] [--household HOUSEHOLD]\n"
	     "       [--after UNIT] [--limit N] [--reveal]",
    .description = "--status combines with one of --village, --township and --household.  HOUSEHOLD is\n"
		   "the household's number (330681-H-0000001) or its head's resident ID number (exit 6\n"
		   "if no household has it); homes show their household by number.  When --limit cuts\n"
		   "the list short, a last line names the --after UNIT of the next page.",
    .opts = list_opts,
};

/* ---- home show ------------------------------------------------------------------ */

static int run_show(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_home home = {0};
	qp_village v = {0};
	qp_household h = {0};
	qp_activation *acts = NULL;
	qp_home_event *events = NULL;
	size_t nacts = 0, nevents = 0;
	char county[7];
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	bool reveal = cli_opt_value(ctx, &args, "reveal") != NULL;
	if (args.npos != 1)
		return cli_usage_error(ctx, "home show needs one UNIT");
	const char *unit = args.pos[0];
	if ((rc = open_for(ctx, &reg, county, unit, "UNIT", &home)) != CLI_OK)
		goto done;
	if ((rc = qp_village_get(&v, reg, home.village)) != QP_OK ||
	    (rc = qp_household_get(&h, reg, home.household)) != QP_OK ||
	    (rc = qp_home_activations(&acts, &nacts, reg, unit)) != QP_OK ||
	    (rc = qp_home_history(&events, &nevents, reg, unit)) != QP_OK) {
		rc = cli_fail(ctx, rc);
		goto done;
	}
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddItemToObject(doc, "home", cli_home_json(&home, reveal));
		cJSON_AddItemToObject(doc, "village", cli_village_json(&v));
		cJSON_AddItemToObject(doc, "household", cli_household_json(&h, reveal));
		cJSON *arr = cJSON_AddArrayToObject(doc, "activations");
		for (size_t i = 0; i < nacts; i++)
			cJSON_AddItemToArray(arr, cli_activation_json(&acts[i], reveal));
		arr = cJSON_AddArrayToObject(doc, "history");
		for (size_t i = 0; i < nevents; i++)
			cJSON_AddItemToArray(arr, cli_home_event_json(&events[i]));
		rc = cli_json_emit(doc);
		goto done;
	}
	char parcel[QP_PARCEL_CODE_LEN + 1], village[256], household[256];
	char land[40], floor[40] = "-", built[16] = "-", status[64], added[32], updated[32];
	snprintf(parcel, sizeof(parcel), "%.19s", home.unit);
	snprintf(village, sizeof(village), "%s %s", v.code, v.name);
	cli_household_text(household, sizeof(household), &h, reveal);
	char amount[32];
	cli_format_hundredths(amount, sizeof(amount), home.land_area);
	snprintf(land, sizeof(land), "%s m²", amount);
	if (home.floor_area >= 0) {
		cli_format_hundredths(amount, sizeof(amount), home.floor_area);
		snprintf(floor, sizeof(floor), "%s m²", amount);
	}
	if (home.built > 0)
		snprintf(built, sizeof(built), "%d", home.built);
	cli_status_text(status, sizeof(status), home.status);
	snprintf(added, sizeof(added), "entry %llu", (unsigned long long)home.added_at);
	snprintf(updated, sizeof(updated), "entry %llu", (unsigned long long)home.updated_at);
	cli_table *kv = cli_table_new(2, NULL, NULL);
	cli_table_row(kv, (const char *const[]){"单元 unit", home.unit});
	cli_table_row(kv, (const char *const[]){"宗地 parcel", parcel});
	cli_table_row(kv, (const char *const[]){"村 village", village});
	cli_table_row(kv, (const char *const[]){"户 household", household});
	cli_table_row(kv, (const char *const[]){"宅基地面积 land area", land});
	cli_table_row(kv, (const char *const[]){"建筑面积 floor area", floor});
	cli_table_row(kv, (const char *const[]){"建成 built", built});
	cli_table_row(kv, (const char *const[]){"状态 status", status});
	cli_table_row(kv, (const char *const[]){"登记 added", added});
	cli_table_row(kv, (const char *const[]){"更新 updated", updated});
	rc = cli_table_print(kv, stdout, 0);
	cli_table_free(kv);
	if (rc != CLI_OK)
		goto done;
	printf("\n激活 activations (%zu)\n", nacts);
	if (nacts > 0) {
		cli_table *t = cli_activations_table();
		for (size_t i = 0; i < nacts; i++)
			cli_activations_table_row(t, &acts[i], reveal);
		if ((rc = cli_table_print(t, stdout, 2)) != CLI_OK) {
			cli_table_free(t);
			goto done;
		}
		cli_table_free(t);
	}
	printf("\n历史 history (%zu)\n", nevents);
	if (nevents > 0) {
		cli_table *t = cli_history_table();
		for (size_t i = 0; i < nevents; i++)
			cli_history_table_row(t, &events[i]);
		rc = cli_table_print(t, stdout, 2);
		cli_table_free(t);
	}
done:
	qp_home_events_free(events, nevents);
	qp_activations_free(acts, nacts);
	qp_household_clear(&h);
	qp_village_clear(&v);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_home_show = {
    .group = "home",
    .name = "show",
    .run = run_show,
    .summary = "show a home, its leases and its full history",
    .usage = "UNIT [--reveal]",
    .description = "The history lists every entry that changed the home, oldest first: its index, time,\n"
		   "the officer who signed it and what changed (a correction shows the old and the new\n"
		   "value).  The household shows its number, its head's ID number and name; ID numbers of\n"
		   "households and of investors who are persons are masked unless --reveal is given, and\n"
		   "personal data the file does not hold shows 已删除 erased or 未持有 not held.  Exit 6\n"
		   "if the home is not registered.",
    .opts = reveal_opts,
};
