/*
 * cmd_household.c - quanpiao household add|list|show|erase: the member
 * households (户) of the villages' collectives.  Each has a registry
 * number (330681-H-0000001) that the signed entries name; officers also
 * know it by the resident ID number of its head, which with the head's
 * name is personal data kept beside the log, never in it
 * (quanpiao/personal.h).  Every command that takes a household takes
 * either.  show lists its homes and its rights certificates; erase
 * deletes the personal data (PIPL art. 47).
 *
 * ID numbers are personal data: lists and show print them masked
 * (330681********123X) unless --reveal is given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "table.h"

#define LIST_MAX_PAGE 1000000

/* ---- household add ------------------------------------------------------- */

static const cli_opt add_opts[] = {
    {"id-number", "ID", "resident ID number of the head of household (GB 11643)"},
    {"name", "NAME", "name of the head of household"},
    {"village", "CODE", "12-digit code of the household's village"},
    {"members", "N", "members of the household, 1 to 50 (default 1)"},
    {NULL, NULL, NULL},
};

/*
 * The number the household.add at index gave its household, read back
 * from the registry (through --server, from the synced mirror): no second
 * lookup by ID number, which would send it to the service again.
 */
static int added_number(const cli_ctx *ctx, const char *village, uint64_t index,
			char number[QP_HOUSEHOLD_NUMBER_LEN + 1])
{
	qp_registry *reg = NULL;
	qp_household *list = NULL;
	size_t n = 0;
	int rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg), err;
	number[0] = '\0';
	if (rc != CLI_OK)
		return rc;
	if ((err = qp_households_list(&list, &n, reg, village, NULL, 0)) != QP_OK)
		rc = cli_fail(ctx, err);
	for (size_t i = n; rc == CLI_OK && i-- > 0;) /* the newest numbers last */
		if (list[i].added_at == index) {
			snprintf(number, QP_HOUSEHOLD_NUMBER_LEN + 1, "%s", list[i].number);
			break;
		}
	if (rc == CLI_OK && number[0] == '\0') {
		fprintf(stderr, "quanpiao: entry %llu added no household of village %s\n",
			(unsigned long long)index, village);
		rc = CLI_EXIT_IO;
	}
	qp_households_free(list, n);
	qp_registry_free(reg);
	return rc;
}

static int run_add(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	char id[QP_RESIDENT_ID_LEN + 1], masked[QP_RESIDENT_ID_LEN + 1];
	long long members = 1;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *id_arg = cli_opt_value(ctx, &args, "id-number"),
		   *name = cli_opt_value(ctx, &args, "name");
	const char *village = cli_opt_value(ctx, &args, "village"), *m = cli_opt_value(ctx, &args, "members");
	if (args.npos != 0)
		return cli_usage_error(ctx, "household add takes no arguments");
	if (id_arg == NULL || name == NULL || village == NULL)
		return cli_usage_error(ctx, "household add needs --id-number, --name and --village");
	if ((rc = cli_check_resident(ctx, id, id_arg, "--id-number")) != CLI_OK)
		return rc;
	/* The name is personal data, not a member of the signed body: its limit is the personal data's. */
	if ((rc = cli_check_text(ctx, "name", name, QP_NAME_MAX_LEN)) != CLI_OK)
		return rc;
	if ((rc = qp_ids_check_division(village, QP_DIVISION_VILLAGE, "--village")) != QP_OK)
		return cli_fail(ctx, rc);
	if (m && (rc = cli_parse_member(ctx, "household.add", "members", "members", m, &members)) != CLI_OK)
		return rc;

	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "id_number", id);
	cJSON_AddStringToObject(body, "name", name);
	cJSON_AddStringToObject(body, "village", village);
	cJSON_AddNumberToObject(body, "members", (double)members);
	uint64_t index = 0;
	char number[QP_HOUSEHOLD_NUMBER_LEN + 1];
	/* The ID number and name are split off into the personal data before signing (cli_submit). */
	if ((rc = cli_submit(ctx, "household.add", body, &index)) != CLI_OK)
		return rc;
	if ((rc = added_number(ctx, village, index, number)) != CLI_OK)
		return rc;

	if (ctx->json) {
		qp_household h = {.name = strdup(name), .members = (int)members, .added_at = index};
		snprintf(h.number, sizeof(h.number), "%s", number);
		snprintf(h.id_number, sizeof(h.id_number), "%s", id);
		snprintf(h.village, sizeof(h.village), "%s", village);
		cJSON *doc = NULL;
		if (h.name) {
			doc = cJSON_CreateObject();
			cJSON_AddNumberToObject(doc, "index", (double)index);
			cJSON_AddItemToObject(doc, "household", cli_household_json(&h, false));
		}
		free(h.name);
		return cli_json_emit(doc);
	}
	cli_show_resident(masked, id, false);
	printf("added household %s %s %s in %s (entry %llu)\n", number, masked, name, village,
	       (unsigned long long)index);
	return CLI_OK;
}

const cli_cmd cmd_household_add = {
    .group = "household",
    .name = "add",
    .run = run_add,
    .summary = "add a member household of a village (officer key)",
    .usage = "--id-number ID --name NAME --village CODE [--members N] --key OFFICER.key",
    .description = "Appends a household.add entry and prints the household's registry number\n"
		   "(330681-H-0000001), which the log names it by.  The ID number and name are personal\n"
		   "data: they stay in the registry file beside the log, and the signed entry carries only\n"
		   "a salted commitment to them.  The village must be in the registry; an ID number\n"
		   "already registered is a conflict (exit 5).  A lower-case x check character is\n"
		   "stored as X.",
    .opts = add_opts,
};

/* ---- household list ------------------------------------------------------ */

static const cli_opt list_opts[] = {
    {"village", "CODE", "only the households of this village"},
    {"after", "NUMBER", "start after this household number (the next page)"},
    {"limit", "N", "at most N households"},
    {"reveal", NULL, "show ID numbers in full (officers only; they are personal data)"},
    {NULL, NULL, NULL},
};

static int run_list(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_household *list = NULL;
	size_t n = 0;
	long long limit = 0;
	char after[QP_HOUSEHOLD_NUMBER_LEN + 1];
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *village = cli_opt_value(ctx, &args, "village"), *a = cli_opt_value(ctx, &args, "after");
	const char *l = cli_opt_value(ctx, &args, "limit");
	bool reveal = cli_opt_value(ctx, &args, "reveal") != NULL;
	if (args.npos != 0)
		return cli_usage_error(ctx, "household list takes no arguments");
	if (village && (rc = qp_ids_check_division(village, QP_DIVISION_VILLAGE, "--village")) != QP_OK)
		return cli_fail(ctx, rc);
	if (a && (rc = cli_household_ref(ctx, a, "--after", after, CLI_EXIT_NOTFOUND)) != CLI_OK)
		return rc;
	if (l && (rc = cli_parse_int(ctx, "limit", l, 1, LIST_MAX_PAGE, &limit)) != CLI_OK)
		return rc;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	/* One more than asked for tells whether there is a next page. */
	if ((rc = qp_households_list(&list, &n, reg, village, a ? after : NULL,
				     limit ? (size_t)limit + 1 : 0)) != QP_OK) {
		rc = cli_fail(ctx, rc);
		goto done;
	}
	bool more = limit && n > (size_t)limit;
	size_t shown = more ? (size_t)limit : n;
	/* Through --server the mirror holds no personal data: the service answers the signed reads. */
	for (size_t i = 0; reveal && ctx->server && i < shown; i++)
		if ((rc = client_household_reveal(ctx, &list[i])) != CLI_OK)
			goto done;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "households");
		for (size_t i = 0; i < shown; i++)
			cJSON_AddItemToArray(arr, cli_household_json(&list[i], reveal));
		cJSON_AddBoolToObject(doc, "more", more);
		if (more)
			cJSON_AddStringToObject(doc, "next", list[shown - 1].number);
		else
			cJSON_AddNullToObject(doc, "next");
		rc = cli_json_emit(doc);
		goto done;
	}
	static const char *const headers[] = {"户号 number", "身份证号 ID number", "户主 name",
					      "村 village",  "人口 members",	   "条目 entry"};
	cli_table *t = cli_table_new(6, headers, "llllrr");
	for (size_t i = 0; i < shown; i++) {
		char id[CLI_PERSONAL_TEXT_LEN], name[CLI_PERSONAL_TEXT_LEN], members[16], index[24];
		cli_household_id_text(id, sizeof(id), &list[i], reveal);
		cli_household_name_text(name, sizeof(name), &list[i]);
		snprintf(members, sizeof(members), "%d", list[i].members);
		snprintf(index, sizeof(index), "%llu", (unsigned long long)list[i].added_at);
		cli_table_row(
		    t, (const char *const[]){list[i].number, id, name, list[i].village, members, index});
	}
	rc = cli_table_print(t, stdout, 0);
	cli_table_free(t);
	if (rc == CLI_OK && more)
		printf("more: --after %s\n", list[shown - 1].number);
done:
	qp_households_free(list, n);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_household_list = {
    .group = "household",
    .name = "list",
    .run = run_list,
    .summary = "list households, by household number",
    .usage = "[--village CODE] [--after NUMBER] [--limit N] [--reveal]",
    .description = "Each household's registry number, its head's ID number and name, its village and\n"
		   "members.  ID numbers are masked (330681********123X) unless --reveal is given; a\n"
		   "household whose personal data was erased shows 已删除 erased and the entry that erased\n"
		   "it, and a registry file that holds no personal data (a --server mirror) shows 未持有\n"
		   "not held.  When --limit cuts the list short, a last line names the --after NUMBER of\n"
		   "the next page.",
    .opts = list_opts,
};

/* ---- household show ------------------------------------------------------ */

static const cli_opt show_opts[] = {
    {"reveal", NULL, "show ID numbers in full (officers only; they are personal data)"},
    {NULL, NULL, NULL},
};

static int run_show(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_household h = {0};
	qp_village v = {0};
	qp_home *homes = NULL;
	qp_cert *certs = NULL;
	size_t nhomes = 0, ncerts = 0;
	char number[QP_HOUSEHOLD_NUMBER_LEN + 1];
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	bool reveal = cli_opt_value(ctx, &args, "reveal") != NULL;
	if (args.npos != 1)
		return cli_usage_error(
		    ctx, "household show needs one household: its number or its head's ID number");
	if ((rc = cli_household_ref(ctx, args.pos[0], "household", number, CLI_EXIT_NOTFOUND)) != CLI_OK)
		return rc;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	qp_home_filter filter = {.household = number, .status = -1};
	qp_cert_filter cert_filter = {.holder = number, .kind = -1, .state = -1};
	if ((rc = qp_household_get(&h, reg, number)) != QP_OK ||
	    (rc = qp_village_get(&v, reg, h.village)) != QP_OK ||
	    (rc = qp_homes_list(&homes, &nhomes, reg, &filter)) != QP_OK ||
	    (rc = qp_certs_list(&certs, &ncerts, reg, &cert_filter)) != QP_OK) {
		rc = cli_fail(ctx, rc);
		goto done;
	}
	if (reveal && ctx->server && (rc = client_household_reveal(ctx, &h)) != CLI_OK)
		goto done;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddItemToObject(doc, "household", cli_household_json(&h, reveal));
		cJSON_AddItemToObject(doc, "village", cli_village_json(&v));
		cJSON *arr = cJSON_AddArrayToObject(doc, "homes");
		for (size_t i = 0; i < nhomes; i++)
			cJSON_AddItemToArray(arr, cli_home_json(&homes[i], reveal));
		arr = cJSON_AddArrayToObject(doc, "certificates");
		for (size_t i = 0; i < ncerts; i++)
			cJSON_AddItemToArray(arr, cli_cert_json(reg, &certs[i], reveal));
		rc = cli_json_emit(doc);
		goto done;
	}
	char id[CLI_PERSONAL_TEXT_LEN], name[CLI_PERSONAL_TEXT_LEN], village[256], members[16], index[24];
	cli_household_id_text(id, sizeof(id), &h, reveal);
	cli_household_name_text(name, sizeof(name), &h);
	snprintf(village, sizeof(village), "%s %s", v.code, v.name);
	snprintf(members, sizeof(members), "%d", h.members);
	snprintf(index, sizeof(index), "%llu", (unsigned long long)h.added_at);
	cli_table *kv = cli_table_new(2, NULL, NULL);
	cli_table_row(kv, (const char *const[]){"户号 household", h.number});
	cli_table_row(kv, (const char *const[]){"身份证号 ID number", id});
	cli_table_row(kv, (const char *const[]){"户主 name", name});
	cli_table_row(kv, (const char *const[]){"村 village", village});
	cli_table_row(kv, (const char *const[]){"人口 members", members});
	cli_table_row(kv, (const char *const[]){"登记 entry", index});
	char corrected[24];
	snprintf(corrected, sizeof(corrected), "%llu", (unsigned long long)h.corrected_at);
	if (h.corrected_at)
		cli_table_row(kv, (const char *const[]){"更正 corrected", corrected});
	rc = cli_table_print(kv, stdout, 0);
	cli_table_free(kv);
	if (rc != CLI_OK)
		goto done;
	printf("\n农房 homes (%zu)\n", nhomes);
	if (nhomes > 0) {
		cli_table *t = cli_homes_table();
		for (size_t i = 0; i < nhomes; i++)
			cli_homes_table_row(t, &homes[i], reveal);
		rc = cli_table_print(t, stdout, 2);
		cli_table_free(t);
		if (rc != CLI_OK)
			goto done;
	}
	printf("\n权票 certificates (%zu)\n", ncerts);
	if (ncerts > 0) {
		cli_table *t = cli_certs_table();
		for (size_t i = 0; i < ncerts; i++)
			cli_certs_table_row(t, &certs[i], reveal);
		rc = cli_table_print(t, stdout, 2);
		cli_table_free(t);
	}
done:
	qp_certs_free(certs, ncerts);
	qp_homes_free(homes);
	qp_village_clear(&v);
	qp_household_clear(&h);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_household_show = {
    .group = "household",
    .name = "show",
    .run = run_show,
    .summary = "show a household, its homes and its certificates",
    .usage = "HOUSEHOLD [--reveal]",
    .description = "HOUSEHOLD is the household's number (330681-H-0000001) or its head's resident ID\n"
		   "number.  Lists the household's homes and every certificate it holds or held (spent\n"
		   "ones too, by number).  ID numbers are masked unless --reveal is given; once the\n"
		   "household's personal data is erased, its ID number and name show 已删除 erased and\n"
		   "the household.erase entry (it is then found by number only).  Exit 6 if the household\n"
		   "is not registered.",
    .opts = show_opts,
};

/* ---- household erase ----------------------------------------------------- */

static const cli_opt erase_opts[] = {
    {"reason", "TEXT", "why: the request under PIPL art. 47 (it is signed into the log)"},
    {NULL, NULL, NULL},
};

static int run_erase(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	char number[QP_HOUSEHOLD_NUMBER_LEN + 1];
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *reason = cli_opt_value(ctx, &args, "reason");
	if (args.npos != 1 || reason == NULL)
		return cli_usage_error(ctx,
				       "household erase needs one household (its number or its head's ID "
				       "number) and --reason");
	if ((rc = cli_check_member(ctx, "household.erase", "reason", "reason", reason)) != CLI_OK)
		return rc;
	if ((rc = cli_household_ref(ctx, args.pos[0], "household", number, CLI_EXIT_INVALID)) != CLI_OK)
		return rc;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "household", number);
	cJSON_AddStringToObject(body, "reason", reason);
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, "household.erase", body, &index)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON_AddStringToObject(doc, "household", number);
		cJSON_AddBoolToObject(doc, "erased", 1);
		return cli_json_emit(doc);
	}
	printf("erased the personal data of household %s (entry %llu)\n", number, (unsigned long long)index);
	return CLI_OK;
}

const cli_cmd cmd_household_erase = {
    .group = "household",
    .name = "erase",
    .run = run_erase,
    .summary = "erase a household's personal data from the registry file (officer key)",
    .usage = "HOUSEHOLD --reason TEXT --key OFFICER.key",
    .description = "Appends a household.erase entry (PIPL art. 47, the right to deletion).  HOUSEHOLD is\n"
		   "the household's number (330681-H-0000001) or its head's resident ID number.\n"
		   "\n"
		   "What is erased: the head's ID number and name and the salt of their commitment, deleted\n"
		   "from the registry file's personal-data table.  What remains: the household's number,\n"
		   "village and members; the salted commitment in its household.add entry, which cannot be\n"
		   "turned back into the data once the salt is gone; and every signed entry, so the log\n"
		   "still audits clean.  The household is then found by its number only, and shows\n"
		   "已删除 erased with this entry.  Nothing can be erased from the log itself, and an\n"
		   "erasure is not undone.\n"
		   "\n"
		   "Refused with exit 5 while the household holds a live or frozen certificate, or a home\n"
		   "that is in use, idle or activated: those must stay traceable to a person.  Exit 3 if\n"
		   "the household is not registered or was erased already.",
    .opts = erase_opts,
};

/* ---- household correct --------------------------------------------------- */

static const cli_opt correct_opts[] = {
    {"field", "FIELD", "name (the head's name) or members"},
    {"value", "VALUE", "the right value: a name, or a number of members"},
    {"reason", "TEXT", "why the record was wrong (kept in the log)"},
    {NULL, NULL, NULL},
};

static int run_correct(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_household h = {0};
	char number[QP_HOUSEHOLD_NUMBER_LEN + 1], id[QP_RESIDENT_ID_LEN + 1] = "";
	long long members = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *field = cli_opt_value(ctx, &args, "field"), *v = cli_opt_value(ctx, &args, "value");
	const char *reason = cli_opt_value(ctx, &args, "reason");
	if (args.npos != 1 || !field || !v || !reason)
		return cli_usage_error(
		    ctx, "household correct needs one HOUSEHOLD, --field, --value and --reason");
	bool is_name = strcmp(field, "name") == 0;
	if (!is_name && strcmp(field, "members") != 0)
		return cli_invalid(ctx, "--field: \"%s\" is not one of name, members", field);
	/* The name is personal data, not a member of the signed body: its limit is the personal data's. */
	rc = is_name ? cli_check_text(ctx, "value", v, QP_NAME_MAX_LEN)
		     : cli_parse_member(ctx, "household.add", "members", "value", v, &members);
	if (rc != CLI_OK ||
	    (rc = cli_check_member(ctx, "household.correct", "reason", "reason", reason)) != CLI_OK)
		return rc;
	if ((rc = cli_household_ref(ctx, args.pos[0], "HOUSEHOLD", number, CLI_EXIT_NOTFOUND)) != CLI_OK)
		return rc;
	if (!cli_is_household_number(args.pos[0]) &&
	    (rc = cli_check_resident(ctx, id, args.pos[0], "HOUSEHOLD")) != CLI_OK)
		return rc;
	if (ctx->server && is_name && id[0] == '\0')
		return cli_invalid(
		    ctx, "HOUSEHOLD: a name correction through the service names the household by its "
			 "head's ID number (the commitment is made here, and this copy holds no "
			 "personal data)");
	if (!ctx->server) {
		if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
			return rc;
		int err = qp_household_get(&h, reg, number);
		qp_registry_free(reg);
		if (err != QP_OK)
			return cli_fail(ctx, err);
		if (is_name && h.id_number[0] == '\0') {
			qp_household_clear(&h);
			return cli_invalid(
			    ctx, "HOUSEHOLD: household %s holds no personal data here (erased?)", number);
		}
		if (is_name)
			snprintf(id, sizeof(id), "%s", h.id_number);
	}

	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "household", number);
	cJSON_AddStringToObject(body, "field", field);
	if (is_name) {
		/* Split off into the personal data, a new commitment in their place (cli_submit). */
		cJSON_AddStringToObject(body, "id_number", id);
		cJSON_AddStringToObject(body, "name", v);
	} else {
		cJSON_AddNumberToObject(body, "value", (double)members);
	}
	cJSON_AddStringToObject(body, "reason", reason);
	sodium_memzero(id, sizeof(id));
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, "household.correct", body, &index)) != CLI_OK) {
		qp_household_clear(&h);
		return rc;
	}
	char was[32] = "";
	if (!is_name && !ctx->server)
		snprintf(was, sizeof(was), "%d", h.members);
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON_AddStringToObject(doc, "household", number);
		cJSON_AddStringToObject(doc, "field", field);
		if (is_name) {
			cli_json_add_text(doc, "old", h.name ? h.name : "");
			cli_json_add_text(doc, "new", v);
		} else {
			if (was[0])
				cJSON_AddNumberToObject(doc, "old", h.members);
			else
				cJSON_AddNullToObject(doc, "old");
			cJSON_AddNumberToObject(doc, "new", (double)members);
		}
		cli_json_add_text(doc, "reason", reason);
		qp_household_clear(&h);
		return cli_json_emit(doc);
	}
	if (is_name)
		printf("household %s: name %s -> %s (entry %llu)\n", number, h.name ? h.name : "?", v,
		       (unsigned long long)index);
	else
		printf("household %s: members %s -> %lld (entry %llu)\n", number, was[0] ? was : "?", members,
		       (unsigned long long)index);
	qp_household_clear(&h);
	return CLI_OK;
}

const cli_cmd cmd_household_correct = {
    .group = "household",
    .name = "correct",
    .run = run_correct,
    .summary = "correct a household's members or its head's name (更正; officer key)",
    .usage = "HOUSEHOLD --field name|members --value VALUE --reason TEXT --key OFFICER.key",
    .description = "Appends a household.correct entry.  HOUSEHOLD is the household's number\n"
		   "(330681-H-0000001) or its head's resident ID number.  The old value is not erased:\n"
		   "the household.add entry (or the last correction) keeps it in the log, and\n"
		   "'household show' names the last correction.\n"
		   "\n"
		   "The name is personal data and stays out of the log: the entry carries a new\n"
		   "commitment to the head's ID number and the right name, with a fresh salt, which\n"
		   "replaces the household's; the registry file then holds the right name and the new\n"
		   "salt (docs/format.md, \"Personal data\").  The head is not changed.  Through the\n"
		   "service, name the household by its head's ID number.  Exit 3 if the value is not\n"
		   "allowed or is already the household's; exit 6 if the household is not registered.",
    .opts = correct_opts,
};
