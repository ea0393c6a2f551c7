/*
 * cmd_export.c - quanpiao export CERT --out FILE: a certificate bundle
 * that 'quanpiao verify' checks offline with the authority's public key
 * alone (the format is in quanpiao/bundle.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"

static const cli_opt export_opts[] = {
    {"out", "FILE", "where to write the bundle (- for standard output)"},
    {NULL, NULL, NULL},
};

static int run_export(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	char *bundle = NULL;
	size_t len = 0, entries = 0;
	uint64_t size = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *out = cli_opt_value(ctx, &args, "out");
	if (args.npos != 1 || out == NULL || out[0] == '\0')
		return cli_usage_error(ctx, "export needs one CERT and --out FILE");
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err = qp_bundle_export(&bundle, &len, &entries, &size, reg, args.pos[0]);
	if (err != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	int to_stdout = strcmp(out, "-") == 0;
	rc = to_stdout ? cli_write(bundle, len) : cli_write_file(out, bundle, len);
	if (rc != CLI_OK || to_stdout)
		goto done;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cli_json_add_text(doc, "certificate", args.pos[0]);
		cli_json_add_text(doc, "out", out);
		cJSON_AddNumberToObject(doc, "entries", (double)entries);
		cJSON_AddNumberToObject(doc, "size", (double)size);
		cJSON_AddNumberToObject(doc, "bytes", (double)len);
		rc = cli_json_emit(doc);
	} else {
		printf("exported %s to %s: %zu entries, each proven against the checkpoint of size %llu\n",
		       args.pos[0], out, entries, (unsigned long long)size);
	}
done:
	free(bundle);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_export = {
    .group = NULL,
    .name = "export",
    .run = run_export,
    .summary = "write a certificate's bundle for offline verification",
    .usage = "CERT --out FILE",
    .description =
	"The bundle holds every entry the certificate's history depends on: the genesis entry, every\n"
	"key enrolment and revocation and every policy entry, the issue of its root certificate and\n"
	"every transfer, redemption, freeze, unfreeze and revocation of it and its ancestors, each\n"
	"with an inclusion proof (c2sp.org/tlog-proof@v1) against the latest checkpoint and its\n"
	"cosignatures.  The checkpoint must cover the certificate's last entry: sign one first with\n"
	"'quanpiao log sign'.  Check the bundle with 'quanpiao verify FILE --authority KEY.vkey'.",
    .opts = export_opts,
};
