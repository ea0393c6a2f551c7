/*
 * cmd_cert_status.c - quanpiao cert status: a certificate's state as the
 * latest checkpoint's status map commits to it, with the proof a buyer
 * checks offline ('quanpiao verify FILE --log-vkey LOG.vkey').
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "commands.h"
#include "table.h"

static const cli_opt status_opts[] = {
    {"proof", "FILE", "write the status proof to FILE (- for standard output)"},
    {"cosigned", "K", "against the newest checkpoint with at least K cosignatures"},
    {NULL, NULL, NULL},
};

/* The status proof checked with the registry's log keys, newest first: the first that signed it (cli.h). */
int cli_status_check(qp_status_result *r, qp_registry *reg, const char *proof, size_t len)
{
	qp_key_info *keys = NULL;
	size_t n = 0;
	int err = qp_registry_keys(&keys, &n, reg), last = QP_ENOTFOUND;
	for (size_t i = n; err == QP_OK && i-- > 0;) {
		if (strcmp(keys[i].role, "log") != 0)
			continue;
		last = qp_statusmap_status_verify(r, proof, len, keys[i].vkey, NULL, 0);
		/* Verified, or proven absent under this key (the checkpoint verified): done. */
		if (last == QP_OK || r->size > 0)
			break;
	}
	qp_key_infos_free(keys, n);
	return err != QP_OK ? err : last;
}

/* Print (text or JSON) what the map says of the certificate. */
int cli_status_print(const cli_ctx *ctx, const qp_status_result *r)
{
	char area[32] = "", state[64] = "", kind[64] = "";
	if (r->present) {
		cli_format_hundredths(area, sizeof(area), r->record.area);
		cli_cert_state_text(state, sizeof(state), r->record.state);
		cli_cert_kind_text(kind, sizeof(kind), r->record.kind);
	}
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cli_json_add_text(doc, "certificate", r->id);
		cJSON_AddNumberToObject(doc, "checkpoint", (double)r->size);
		cJSON_AddNumberToObject(doc, "cosignatures", (double)r->cosignatures);
		cJSON_AddBoolToObject(doc, "present", r->present);
		if (r->present) {
			cJSON_AddStringToObject(doc, "state", qp_cert_state_name(r->record.state));
			cJSON_AddStringToObject(doc, "kind", qp_cert_kind_name(r->record.kind));
			cli_json_add_text(doc, "holder", r->record.holder);
			cJSON_AddStringToObject(doc, "area", area);
			if (r->record.valid_until[0])
				cJSON_AddStringToObject(doc, "valid_until", r->record.valid_until);
			cJSON_AddNumberToObject(doc, "entry", (double)r->record.entry);
		}
		return cli_json_emit(doc);
	}
	char cp[64], area_text[48], entry[32];
	snprintf(cp, sizeof(cp), "size %llu, %zu cosignatures", (unsigned long long)r->size, r->cosignatures);
	snprintf(area_text, sizeof(area_text), "%s m²", area);
	snprintf(entry, sizeof(entry), "%llu", (unsigned long long)r->record.entry);
	cli_table *kv = cli_table_new(2, NULL, NULL);
	cli_table_row(kv, (const char *const[]){"编号 certificate", r->id});
	cli_table_row(kv, (const char *const[]){"状态 state", state});
	cli_table_row(kv, (const char *const[]){"种类 kind", kind});
	cli_table_row(kv, (const char *const[]){"持有人 holder", r->record.holder});
	cli_table_row(kv, (const char *const[]){"面积 area", area_text});
	cli_table_row(kv, (const char *const[]){"有效期至 valid until",
						r->record.valid_until[0] ? r->record.valid_until : "-"});
	cli_table_row(kv, (const char *const[]){"最后条目 last entry", entry});
	cli_table_row(kv, (const char *const[]){"检查点 checkpoint", cp});
	int rc = cli_table_print(kv, stdout, 0);
	cli_table_free(kv);
	return rc;
}

static int run_status(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	char *proof = NULL;
	size_t len = 0;
	qp_status_result r;
	memset(&r, 0, sizeof(r));
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *out = cli_opt_value(ctx, &args, "proof"),
		   *cosigned = cli_opt_value(ctx, &args, "cosigned");
	uint64_t size = QP_LOG_LATEST;
	if (args.npos != 1)
		return cli_usage_error(ctx, "cert status needs one CERT");
	if (out && out[0] == '\0')
		return cli_usage_error(ctx, "--proof needs a FILE");
	if ((rc = cli_cert_check_number(ctx, "CERT", args.pos[0])) != CLI_OK ||
	    (rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	if ((rc = cli_cosigned_size(ctx, cosigned, reg, &size)) != CLI_OK)
		goto done;
	int err = qp_statusmap_status_proof_at(&proof, &len, reg, args.pos[0], size);
	if (err == QP_OK)
		err = cli_status_check(&r, reg, proof, len);
	if (err != QP_OK && !(err == QP_EVERIFY && r.size > 0 && !r.present)) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (out) {
		int to_stdout = strcmp(out, "-") == 0;
		FILE *f = to_stdout ? stdout : fopen(out, "wb");
		if (f == NULL || fwrite(proof, 1, len, f) != len || (!to_stdout && fclose(f) != 0)) {
			fprintf(stderr, "quanpiao: cannot write %s\n", out);
			rc = CLI_EXIT_IO;
			goto done;
		}
		if (to_stdout)
			goto done;
	}
	if (!r.present) {
		/* Proven absent: the last message says so (the map at the checkpoint holds no such
		 * certificate). */
		rc = cli_fail(ctx, QP_ENOTFOUND);
		goto done;
	}
	rc = cli_status_print(ctx, &r);
done:
	free(proof);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_cert_status = {
    .group = "cert",
    .name = "status",
    .run = run_status,
    .summary = "a certificate's state as the latest checkpoint commits to it",
    .usage = "CERT [--proof FILE] [--cosigned K]",
    .description =
	"Every checkpoint commits to the status map, a sparse Merkle tree from every certificate\n"
	"number to its state, holder, area, kind, validity and the entry that last changed it\n"
	"(docs/format.md).  This prints the certificate's record in the map of the latest\n"
	"checkpoint, after checking its proof.  With --proof, writes the status proof: the\n"
	"checkpoint with its cosignatures, the map proof, the record, and the entry that last\n"
	"changed the certificate with its inclusion proof; 'quanpiao verify FILE --log-vkey\n"
	"LOG.vkey' checks it offline.  With --cosigned K, against the newest checkpoint that at\n"
	"least K witnesses cosigned (the latest is often not cosigned yet): what a buyer whose\n"
	"verifier requires K witnesses can check.  With --server, the same from the mirror of the\n"
	"served log.\n"
	"Exit 6 if the map proves there is no such certificate; 3 if no checkpoint with a status\n"
	"map is signed yet ('quanpiao log sign'), or none has K cosignatures.",
    .opts = status_opts,
};
