/*
 * cmd_init.c - quanpiao init: create a registry and its first entries.
 */
#include <stdio.h>
#include <stdlib.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"

static const cli_opt init_opts[] = {
	{"origin", "ORIGIN", "the log's name, e.g. zhuji.example/quanpiao (also the log key's name)"},
	{"county", "CODE", "6-digit county code, e.g. 330681"},
	{"county-name", "NAME", "county name, e.g. 诸暨市"},
	{"log-vkey", "FILE", "verifier key of the log key that will sign checkpoints"},
	{NULL, NULL, NULL},
};

static int run_init(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_key *authority = NULL;
	qp_registry *reg = NULL;
	char *log_vkey = NULL;
	size_t len;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	qp_genesis g = {
		.origin = cli_opt_value(ctx, &args, "origin"),
		.county = cli_opt_value(ctx, &args, "county"),
		.county_name = cli_opt_value(ctx, &args, "county-name"),
	};
	const char *log_file = cli_opt_value(ctx, &args, "log-vkey");
	if (args.npos != 0)
		return cli_usage_error(ctx, "init takes no arguments");
	if (!g.origin || !g.county || !g.county_name || !log_file)
		return cli_usage_error(ctx, "init needs --origin, --county, --county-name, --log-vkey and --key");
	if ((rc = cli_read_file(ctx, log_file, 4096, &log_vkey, &len)) != CLI_OK)
		return rc;
	g.log_vkey = log_vkey;
	if ((rc = cli_load_key(ctx, NULL, &authority)) != CLI_OK)
		goto done;
	int err = qp_registry_create(&reg, ctx->db_path, &g, authority);
	if (err != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cli_json_add_text(doc, "registry", ctx->db_path);
		cJSON_AddStringToObject(doc, "origin", qp_registry_origin(reg));
		cJSON_AddStringToObject(doc, "county", qp_registry_county(reg));
		cJSON_AddStringToObject(doc, "county_name", qp_registry_county_name(reg));
		cJSON_AddStringToObject(doc, "authority", qp_registry_authority(reg));
		cJSON_AddNumberToObject(doc, "entries", 3);
		rc = cli_json_emit(doc);
	} else {
		printf("created registry %s\n"
		       "  origin:    %s\n"
		       "  county:    %s %s\n"
		       "  authority: %s\n"
		       "  entries:   0 registry.genesis, 1 key.enroll (log key), 2 policy.set (default policy)\n",
		       ctx->db_path, qp_registry_origin(reg), qp_registry_county(reg), qp_registry_county_name(reg),
		       qp_key_name(authority));
		rc = CLI_OK;
	}
done:
	free(log_vkey);
	qp_key_free(authority);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_init = {
	.group = NULL,
	.name = "init",
	.run = run_init,
	.summary = "create a registry (signed by the authority key)",
	.usage = "--origin ORIGIN --county CODE --county-name NAME --log-vkey FILE --key AUTHORITY.key",
	.description = "Creates the registry file (--db) and appends its first entries, signed by the authority:\n"
		       "registry.genesis (origin, county, the authority's verifier key), the enrolment of the log\n"
		       "key, and the default policy.  The authority's verifier key is all an auditor needs.",
	.opts = init_opts,
	.local_only = "it creates the registry file; run it where the registry will be",
};
