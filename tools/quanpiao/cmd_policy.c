/*
 * cmd_policy.c - quanpiao policy show|set: the policy parameters in force
 * (docs/design.md §1), published by the authority as signed policy.set entries.
 *
 * Every rule of the certificates and of the homes that a county may tune
 * is a parameter: per kind of certificate the largest area of one
 * certificate, who may receive it, what it is redeemed for and how long
 * it is valid; the lease terms of activations; one household, one home;
 * the per-home cap.  A policy.set entry carries the whole parameter set;
 * `policy set` reads the set in force, changes what its options say and
 * submits the result, so the entry is always complete.  The registry
 * checks each later entry against the policy in force when it is
 * appended: a change never applies to what is already in the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "commands.h"
#include "table.h"

#define POLICY_FILE_MAX (64 * 1024)

static const char *const kind_names[] = {"guarantee", "retention", "collective"};
static const char *const transfer_rules[][2] = {
    {"same_village", "同村农户"},
    {"inheritance_only", "仅继承"},
    {"collective_or_enterprise", "集体或企业"},
    {"none", "不可转让"},
};
static const char *const purposes[] = {"resettlement", "subsidy", "homestead", "rebuild", "quota"};

/* Read the policy in force: its parameters (parsed; cJSON_Delete them) and since which entry. */
static int read_policy(cli_ctx *ctx, cJSON **params, uint64_t *since)
{
	qp_registry *reg = NULL;
	char *text = NULL;
	*params = NULL;
	int rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg);
	if (rc != CLI_OK)
		return rc;
	int err = qp_registry_policy(&text, since, reg);
	if (err != QP_OK) {
		rc = cli_fail(ctx, err);
	} else if ((*params = cJSON_Parse(text)) == NULL || !cJSON_IsObject(*params)) {
		cJSON_Delete(*params);
		*params = NULL;
		fputs("quanpiao: the policy in force could not be read\n", stderr);
		rc = CLI_EXIT_IO;
	}
	free(text);
	qp_registry_free(reg);
	return rc;
}

static const cJSON *member(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static long long int_of(const cJSON *v)
{
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

/* How a parameter's value reads: "160.00 m²", "none", "on", "homestead, subsidy", "10". */
static void value_text(char *buf, size_t len, const char *name, const cJSON *v)
{
	if (v == NULL) {
		snprintf(buf, len, "(absent)");
	} else if (cJSON_IsBool(v)) {
		snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "on" : "off");
	} else if (cJSON_IsString(v)) {
		snprintf(buf, len, "%s", v->valuestring);
	} else if (cJSON_IsNumber(v) && strcmp(name, "max_area") == 0) {
		char area[32];
		cli_format_hundredths(area, sizeof(area), (int64_t)v->valuedouble);
		if (int_of(v) == 0)
			snprintf(buf, len, "none");
		else
			snprintf(buf, len, "%s m²", area);
	} else if (cJSON_IsNumber(v)) {
		snprintf(buf, len, "%lld", int_of(v));
	} else if (cJSON_IsArray(v)) {
		size_t used = 0;
		const cJSON *p;
		buf[0] = '\0';
		cJSON_ArrayForEach(p, v)
		{
			int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
					 cJSON_IsString(p) ? p->valuestring : "?");
			if (w > 0 && (size_t)w < len - used)
				used += (size_t)w;
		}
		if (used == 0)
			snprintf(buf, len, "none");
	} else {
		char *text = cJSON_PrintUnformatted(v);
		snprintf(buf, len, "%s", text ? text : "?");
		free(text);
	}
}

/* ---- policy show ------------------------------------------------------------------------- */

static int run_show(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	cJSON *params = NULL;
	uint64_t since = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	if (args.npos != 0)
		return cli_usage_error(ctx, "policy show takes no arguments");
	if ((rc = read_policy(ctx, &params, &since)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "since", (double)since);
		cJSON_AddItemToObject(doc, "params", params);
		return cli_json_emit(doc);
	}
	printf("政策 policy in force since entry %llu\n\n", (unsigned long long)since);
	static const char *const headers[] = {"种类 kind", "单证上限 max area", "转让 transfer",
					      "兑付 redeem for", "有效期 validity"};
	cli_table *t = cli_table_new(5, headers, "lrlll");
	const cJSON *kinds = member(params, "kinds");
	for (size_t i = 0; i < 3; i++) {
		const cJSON *k = member(kinds, kind_names[i]);
		char kind[64], max[48], transfer[96], redeem[160], validity[32];
		qp_cert_kind kk;
		if (qp_cert_kind_parse(&kk, kind_names[i]) != QP_OK)
			continue;
		cli_cert_kind_text(kind, sizeof(kind), kk);
		if (int_of(member(k, "max_area")) > 0)
			value_text(max, sizeof(max), "max_area", member(k, "max_area"));
		else
			snprintf(max, sizeof(max), "无 none");
		const cJSON *rule = member(k, "transfer");
		const char *label = NULL;
		for (size_t r = 0; cJSON_IsString(rule) && r < 4; r++)
			if (strcmp(rule->valuestring, transfer_rules[r][0]) == 0)
				label = transfer_rules[r][1];
		snprintf(transfer, sizeof(transfer), "%s%s%s", label ? label : "", label ? " " : "",
			 cJSON_IsString(rule) ? rule->valuestring : "?");
		value_text(redeem, sizeof(redeem), "redeem", member(k, "redeem"));
		long long years = int_of(member(k, "validity_years"));
		if (years > 0)
			snprintf(validity, sizeof(validity), "%lld 年 years", years);
		else
			snprintf(validity, sizeof(validity), "无 none");
		cli_table_row(t, (const char *const[]){kind, max, transfer, redeem, validity});
	}
	rc = cli_table_print(t, stdout, 0);
	cli_table_free(t);
	if (rc != CLI_OK)
		goto done;
	const cJSON *act = member(params, "activation");
	char lease[64], one[8], cap[8];
	snprintf(lease, sizeof(lease), "%lld to %lld years", int_of(member(act, "min_years")),
		 int_of(member(act, "max_years")));
	value_text(one, sizeof(one), "", member(params, "one_household_one_home"));
	value_text(cap, sizeof(cap), "", member(params, "per_home_cap"));
	char skew[32];
	snprintf(skew, sizeof(skew), "%lld s", int_of(member(params, "time_skew_seconds")));
	cli_table *kv = cli_table_new(2, NULL, NULL);
	cli_table_row(kv, (const char *const[]){"激活租期 lease term", lease});
	cli_table_row(kv, (const char *const[]){"一户一宅 one household, one home", one});
	cli_table_row(kv, (const char *const[]){"每宅上限 per-home cap", cap});
	cli_table_row(kv, (const char *const[]){"时间容差 time skew", skew});
	putchar('\n');
	rc = cli_table_print(kv, stdout, 0);
	cli_table_free(kv);
done:
	cJSON_Delete(params);
	return rc;
}

const cli_cmd cmd_policy_show = {
    .group = "policy",
    .name = "show",
    .run = run_show,
    .summary = "show the policy parameters in force",
    .usage = "",
    .description =
	"Per kind of certificate: the largest area of one certificate, who may receive it\n"
	"(same_village: a household of the holder's village; inheritance_only: a household, by\n"
	"inheritance; collective_or_enterprise: another collective or an enterprise; none), what it\n"
	"is redeemed for and its validity from issue; then the lease term of activations, one\n"
	"household, one home (一户一宅), the per-home cap and the time skew (how far an entry may\n"
	"be dated before the log's time), and the policy.set entry that set them.  --json gives the "
	"parameters as the registry holds them (areas in hundredths of m²).",
    .opts = NULL,
};

/* ---- policy set ---------------------------------------------------------------------------- */

/* The options of each kind are KIND-max-area, -transfer, -redeem, -validity-years (apply_kind). */
static const cli_opt set_opts[] = {
    {"file", "FILE", "the whole parameter set, as JSON (policy show --json gives one)"},
    {"guarantee-max-area", "M2", "largest area of one guarantee certificate in m², or none"},
    {"guarantee-transfer", "RULE", "who may receive a guarantee certificate (see policy show --help)"},
    {"guarantee-redeem", "LIST",
     "purposes a guarantee certificate is redeemed for, comma-separated, or none"},
    {"guarantee-validity-years", "N", "years a guarantee certificate is valid from issue, 0 for always"},
    {"retention-max-area", "M2", "largest area of one retention certificate in m², or none"},
    {"retention-transfer", "RULE", "who may receive a retention certificate (see policy show --help)"},
    {"retention-redeem", "LIST",
     "purposes a retention certificate is redeemed for, comma-separated, or none"},
    {"retention-validity-years", "N", "years a retention certificate is valid from issue, 0 for always"},
    {"collective-max-area", "M2", "largest area of one collective certificate in m², or none"},
    {"collective-transfer", "RULE", "who may receive a collective certificate (see policy show --help)"},
    {"collective-redeem", "LIST",
     "purposes a collective certificate is redeemed for, comma-separated, or none"},
    {"collective-validity-years", "N", "years a collective certificate is valid from issue, 0 for always"},
    {"lease-min-years", "N", "shortest lease term of an activation, in years"},
    {"lease-max-years", "N", "longest lease term of an activation, in years"},
    {"one-household-one-home", "on|off",
     "a household holds at most one home in use, idle or activated (一户一宅)"},
    {"per-home-cap", "on|off", "certificates of one kind from a home never exceed its land area"},
    {"time-skew-seconds", "N", "how far an entry may be dated before the log's time (0 to 3600)"},
    {NULL, NULL, NULL},
};

/* Replace (or add) member name of obj with item (taken). */
static void put(cJSON *obj, const char *name, cJSON *item)
{
	if (member(obj, name))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, name, item);
	else
		cJSON_AddItemToObject(obj, name, item);
}

/* The object member name of obj, made an (empty) object if it is not one. */
static cJSON *object_at(cJSON *obj, const char *name)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsObject(o)) {
		o = cJSON_CreateObject();
		put(obj, name, o);
	}
	return o;
}

static int parse_switch(const cli_ctx *ctx, const char *opt, const char *text, bool *out)
{
	if (strcmp(text, "on") == 0 || strcmp(text, "off") == 0) {
		*out = text[1] == 'n';
		return CLI_OK;
	}
	return cli_invalid(ctx, "--%s: \"%s\" is not on or off", opt, text);
}

/* A purpose list: "none", or purposes separated by commas, each once. */
static int parse_purposes(const cli_ctx *ctx, const char *opt, const char *text, cJSON **out)
{
	cJSON *arr = cJSON_CreateArray();
	*out = NULL;
	if (strcmp(text, "none") != 0) {
		const char *p = text;
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			size_t i = 0;
			while (i < 5 && !(strlen(purposes[i]) == len && strncmp(purposes[i], p, len) == 0))
				i++;
			if (i == 5) {
				cJSON_Delete(arr);
				return cli_invalid(ctx,
						   "--%s: \"%.*s\" is not one of resettlement, subsidy, "
						   "homestead, rebuild, quota",
						   opt, (int)len, p);
			}
			bool twice = false;
			const cJSON *q;
			cJSON_ArrayForEach(q, arr) twice |= strcmp(q->valuestring, purposes[i]) == 0;
			if (twice) {
				cJSON_Delete(arr);
				return cli_invalid(ctx, "--%s: %s is listed twice", opt, purposes[i]);
			}
			cJSON_AddItemToArray(arr, cJSON_CreateString(purposes[i]));
			if (comma == NULL)
				break;
			p = comma + 1;
		}
	}
	*out = arr;
	return CLI_OK;
}

/* Apply the options of one kind to params; CLI_OK or an exit status after printing the problem. */
static int apply_kind(const cli_ctx *ctx, const cli_args *args, cJSON *params, const char *kind)
{
	char opt[48];
	const char *v;
	int rc;
	cJSON *k = object_at(object_at(params, "kinds"), kind);
	snprintf(opt, sizeof(opt), "%s-max-area", kind);
	if ((v = cli_opt_value(ctx, args, opt)) != NULL) {
		int64_t area = 0;
		if (strcmp(v, "none") != 0) {
			char field[56];
			snprintf(field, sizeof(field), "--%s", opt);
			if ((rc = qp_ids_parse_hundredths(&area, v, field)) != QP_OK)
				return cli_fail(ctx, rc);
			if (area > QP_AREA_MAX) {
				char max[32];
				if (qp_ids_format_hundredths(max, sizeof(max), QP_AREA_MAX) != QP_OK)
					snprintf(max, sizeof(max), "?");
				return cli_invalid(ctx, "--%s: %s m² is more than %s m²", opt, v, max);
			}
		}
		put(k, "max_area", cJSON_CreateNumber((double)area));
	}
	snprintf(opt, sizeof(opt), "%s-transfer", kind);
	if ((v = cli_opt_value(ctx, args, opt)) != NULL) {
		size_t r = 0;
		while (r < 4 && strcmp(v, transfer_rules[r][0]) != 0)
			r++;
		if (r == 4)
			return cli_invalid(ctx,
					   "--%s: \"%s\" is not one of same_village, inheritance_only, "
					   "collective_or_enterprise, none",
					   opt, v);
		put(k, "transfer", cJSON_CreateString(v));
	}
	snprintf(opt, sizeof(opt), "%s-redeem", kind);
	if ((v = cli_opt_value(ctx, args, opt)) != NULL) {
		cJSON *list = NULL;
		if ((rc = parse_purposes(ctx, opt, v, &list)) != CLI_OK)
			return rc;
		put(k, "redeem", list);
	}
	snprintf(opt, sizeof(opt), "%s-validity-years", kind);
	if ((v = cli_opt_value(ctx, args, opt)) != NULL) {
		long long years = 0;
		if ((rc = cli_parse_int(ctx, opt, v, 0, QP_POLICY_VALIDITY_YEARS_MAX, &years)) != CLI_OK)
			return rc;
		put(k, "validity_years", cJSON_CreateNumber((double)years));
	}
	return CLI_OK;
}

/* Apply every option to params. */
static int apply_options(const cli_ctx *ctx, const cli_args *args, cJSON *params)
{
	static const char *const lease[][2] = {{"lease-min-years", "min_years"},
					       {"lease-max-years", "max_years"}};
	static const char *const switches[][2] = {{"one-household-one-home", "one_household_one_home"},
						  {"per-home-cap", "per_home_cap"}};
	int rc;
	for (size_t i = 0; i < 3; i++)
		if ((rc = apply_kind(ctx, args, params, kind_names[i])) != CLI_OK)
			return rc;
	for (size_t i = 0; i < 2; i++) {
		const char *v = cli_opt_value(ctx, args, lease[i][0]);
		long long years = 0;
		if (v == NULL)
			continue;
		if ((rc = cli_parse_int(ctx, lease[i][0], v, 1, QP_POLICY_LEASE_YEARS_MAX, &years)) != CLI_OK)
			return rc;
		put(object_at(params, "activation"), lease[i][1], cJSON_CreateNumber((double)years));
	}
	for (size_t i = 0; i < 2; i++) {
		const char *v = cli_opt_value(ctx, args, switches[i][0]);
		bool on = false;
		if (v == NULL)
			continue;
		if ((rc = parse_switch(ctx, switches[i][0], v, &on)) != CLI_OK)
			return rc;
		put(params, switches[i][1], cJSON_CreateBool(on));
	}
	const char *skew = cli_opt_value(ctx, args, "time-skew-seconds");
	if (skew != NULL) {
		long long secs = 0;
		if ((rc = cli_parse_int(ctx, "time-skew-seconds", skew, 0, QP_TIME_SKEW_MAX_SECONDS,
					&secs)) != CLI_OK)
			return rc;
		put(params, "time_skew_seconds", cJSON_CreateNumber((double)secs));
	}
	/* Name the options when they cross (the registry would name only the parameters). */
	const cJSON *act = member(params, "activation");
	long long lo = int_of(member(act, "min_years")), hi = int_of(member(act, "max_years"));
	if ((cli_opt_value(ctx, args, lease[0][0]) || cli_opt_value(ctx, args, lease[1][0])) && lo > hi)
		return cli_invalid(
		    ctx, "--lease-min-years: %lld years is longer than --lease-max-years, %lld years", lo,
		    hi);
	return CLI_OK;
}

/* One changed parameter, for the output: its dotted path and both values. */
typedef struct change {
	char path[96];
	const cJSON *old, *now;
} change;

/* Collect the parameters that differ between old and now (objects compared member by member). */
static void diff(const cJSON *old, const cJSON *now, const char *path, change *out, size_t *n, size_t cap)
{
	if (cJSON_IsObject(old) && cJSON_IsObject(now)) {
		const cJSON *m;
		char sub[96];
		cJSON_ArrayForEach(m, old)
		{
			snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", m->string);
			diff(m, member(now, m->string), sub, out, n, cap);
		}
		cJSON_ArrayForEach(m, now)
		{
			if (member(old, m->string) != NULL)
				continue;
			snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", m->string);
			diff(NULL, m, sub, out, n, cap);
		}
		return;
	}
	if (old && now && cJSON_Compare(old, now, 1))
		return;
	if (*n < cap) {
		snprintf(out[*n].path, sizeof(out[*n].path), "%s", path);
		out[*n].old = old;
		out[*n].now = now;
	}
	(*n)++;
}

/* The last part of a dotted path. */
static const char *leaf(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot ? dot + 1 : path;
}

static int run_set(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	cJSON *current = NULL, *params = NULL, *now = NULL;
	uint64_t since = 0, index = 0;
	change changes[64];
	size_t nchanges = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *file = cli_opt_value(ctx, &args, "file");
	bool any = false;
	for (int i = 0; set_opts[i].name; i++)
		any |= args.value[i] != NULL;
	if (args.npos != 0)
		return cli_usage_error(ctx, "policy set takes no arguments");
	if (!any)
		return cli_usage_error(ctx,
				       "policy set needs --file or an option for each parameter to change");
	if ((rc = read_policy(ctx, &current, &since)) != CLI_OK)
		return rc;
	if (file) {
		char *text = NULL;
		size_t len = 0;
		if ((rc = cli_read_file(ctx, file, POLICY_FILE_MAX, &text, &len)) != CLI_OK)
			goto done;
		cJSON *doc = cJSON_ParseWithLength(text, len);
		free(text);
		/* The document of policy show --json holds the parameters in "params". */
		cJSON *inner =
		    cJSON_IsObject(doc) ? cJSON_DetachItemFromObjectCaseSensitive(doc, "params") : NULL;
		if (inner) {
			cJSON_Delete(doc);
			doc = inner;
		}
		if (!cJSON_IsObject(doc)) {
			cJSON_Delete(doc);
			rc = cli_invalid(ctx, "--file: %s does not hold a JSON object of policy parameters",
					 file);
			goto done;
		}
		params = doc;
	} else {
		params = cJSON_Duplicate(current, 1);
	}
	if (params == NULL) {
		fputs("quanpiao: out of memory\n", stderr);
		rc = CLI_EXIT_IO;
		goto done;
	}
	if ((rc = apply_options(ctx, &args, params)) != CLI_OK)
		goto done;
	diff(current, params, "", changes, &nchanges, sizeof(changes) / sizeof(changes[0]));
	if (nchanges == 0) {
		rc = cli_invalid(ctx,
				 "policy set: the policy in force (entry %llu) already has these parameters",
				 (unsigned long long)since);
		goto done;
	}
	cJSON *body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "params", cJSON_Duplicate(params, 1));
	if ((rc = cli_submit(ctx, "policy.set", body, &index)) != CLI_OK)
		goto done;
	if (nchanges > sizeof(changes) / sizeof(changes[0]))
		nchanges = sizeof(changes) / sizeof(changes[0]);
	if (ctx->json) {
		uint64_t in_force = 0;
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON *arr = cJSON_AddArrayToObject(doc, "changes");
		for (size_t i = 0; i < nchanges; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "param", changes[i].path);
			cJSON_AddItemToObject(o, "old",
					      changes[i].old ? cJSON_Duplicate(changes[i].old, 1)
							     : cJSON_CreateNull());
			cJSON_AddItemToObject(o, "new",
					      changes[i].now ? cJSON_Duplicate(changes[i].now, 1)
							     : cJSON_CreateNull());
			cJSON_AddItemToArray(arr, o);
		}
		if ((rc = read_policy(ctx, &now, &in_force)) != CLI_OK) {
			cJSON_Delete(doc);
			goto done;
		}
		cJSON_AddItemToObject(doc, "params", now);
		now = NULL;
		rc = cli_json_emit(doc);
		goto done;
	}
	printf("policy set (entry %llu); it applies to the entries after it\n", (unsigned long long)index);
	cli_table *t = cli_table_new(4, NULL, NULL);
	for (size_t i = 0; i < nchanges; i++) {
		char from[192], to[192];
		value_text(from, sizeof(from), leaf(changes[i].path), changes[i].old);
		value_text(to, sizeof(to), leaf(changes[i].path), changes[i].now);
		cli_table_row(t, (const char *const[]){changes[i].path, from, "->", to});
	}
	rc = cli_table_print(t, stdout, 2);
	cli_table_free(t);
done:
	cJSON_Delete(now);
	cJSON_Delete(params);
	cJSON_Delete(current);
	return rc;
}

const cli_cmd cmd_policy_set = {
    .group = "policy",
    .name = "set",
    .run = run_set,
    .summary = "change policy parameters (authority key)",
    .usage = "[--file PARAMS.json] [--KIND-max-area M2|none] [--KIND-transfer RULE]\n"
	     "       [--KIND-redeem LIST|none] [--KIND-validity-years N] [--lease-min-years N]\n"
	     "       [--lease-max-years N] [--one-household-one-home on|off] [--per-home-cap on|off]\n"
	     "       [--time-skew-seconds N]\n"
	     "       --key AUTHORITY.key",
    .description =
	"Reads the policy in force (or the parameter set in --file: the object that policy show\n"
	"--json prints, or its \"params\"), changes the parameters the options name, and appends a\n"
	"policy.set entry signed by the authority with the whole set; prints what changed.  KIND is\n"
	"guarantee, retention or collective; RULE is same_village, inheritance_only,\n"
	"collective_or_enterprise or none; LIST holds resettlement, subsidy, homestead, rebuild,\n"
	"quota.  The new parameters apply to the entries appended after it, never to earlier ones.\n"
	"Only the authority may sign a policy (others: exit 4).  Setting the policy in force again\n"
	"is refused (exit 3).",
    .opts = set_opts,
};
