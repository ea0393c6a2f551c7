/*
 * cmd_verify.c - quanpiao verify: check a certificate bundle offline,
 * with the authority's public key and no registry; or a single
 * c2sp.org/tlog-proof with its entry and the log's public key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "table.h"

static const cli_opt verify_opts[] = {
    {"authority", "FILE", "the authority's verifier key (.vkey): verify a bundle"},
    {"entry", "FILE", "the entry's exact note: verify a .tlog-proof (with --log-vkey)"},
    {"log-vkey", "FILE", "the log's verifier key (.vkey), for a .tlog-proof or a status proof"},
    {"witness-vkey", "FILE", "a witness that must have cosigned a status proof's checkpoint"},
    {NULL, NULL, NULL},
};

static const char *const state_labels[] = {"有效 live", "已使用 spent", "冻结 frozen", "已注销 revoked",
					   "已过期 expired"};

static int verify_proof(cli_ctx *ctx, const char *proof_path, const char *entry_path, const char *vkey_path)
{
	char *proof = NULL, *entry = NULL, *vkey = NULL;
	size_t proof_len = 0, entry_len = 0, vkey_len = 0;
	uint64_t index = 0;
	qp_checkpoint cp;
	int rc;
	if ((rc = cli_read_file(ctx, proof_path, QP_NOTE_MAX_SIZE + 8192, &proof, &proof_len)) != CLI_OK ||
	    (rc = cli_read_file(ctx, entry_path, QP_NOTE_MAX_SIZE, &entry, &entry_len)) != CLI_OK ||
	    (rc = cli_read_file(ctx, vkey_path, 4096, &vkey, &vkey_len)) != CLI_OK)
		goto done;
	int err = qp_bundle_verify_proof(&index, &cp, proof, proof_len, entry, entry_len, vkey);
	if (err != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddBoolToObject(doc, "verified", 1);
		cJSON_AddNumberToObject(doc, "index", (double)index);
		cJSON_AddNumberToObject(doc, "size", (double)cp.size);
		cli_json_add_text(doc, "origin", cp.origin);
		rc = cli_json_emit(doc);
	} else {
		printf("verified: entry %llu is in %s at size %llu (checkpoint signed by the log key)\n",
		       (unsigned long long)index, cp.origin, (unsigned long long)cp.size);
	}
done:
	free(proof);
	free(entry);
	free(vkey);
	return rc;
}

/* A status proof ('quanpiao cert status --proof'): checked with the log's key, and a witness's. */
static int verify_status(cli_ctx *ctx, const char *path, const char *vkey_path, const char *witness_path)
{
	char *text = NULL, *vkey = NULL, *wkey = NULL;
	size_t len = 0, vkey_len = 0, wkey_len = 0;
	qp_status_result r;
	int rc;
	if ((rc = cli_read_file(ctx, path, QP_NOTE_MAX_SIZE * 3 + 8192, &text, &len)) != CLI_OK ||
	    (rc = cli_read_file(ctx, vkey_path, 4096, &vkey, &vkey_len)) != CLI_OK ||
	    (witness_path && (rc = cli_read_file(ctx, witness_path, 4096, &wkey, &wkey_len)) != CLI_OK))
		goto done;
	const char *witnesses[1] = {wkey};
	int err = qp_statusmap_status_verify(&r, text, len, vkey, witnesses, wkey ? 1 : 0);
	rc = err == QP_OK ? cli_status_print(ctx, &r) : cli_fail(ctx, err);
done:
	free(text);
	free(vkey);
	free(wkey);
	return rc;
}

static int print_json(const qp_bundle_info *info, int state)
{
	const qp_cert *c = &info->cert;
	char area[32];
	cli_format_hundredths(area, sizeof(area), c->area);
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddBoolToObject(doc, "verified", 1);
	cJSON *cert = cJSON_AddObjectToObject(doc, "certificate");
	cli_json_add_text(cert, "id", c->id);
	cli_json_add_text(cert, "kind", qp_cert_kind_name(c->kind));
	cli_json_add_text(cert, "holder", c->holder);
	cli_json_add_text(cert, "holder_type", c->holder_type);
	cli_json_add_text(cert, "area", area);
	if (c->home[0])
		cli_json_add_text(cert, "home", c->home);
	else
		cJSON_AddNullToObject(cert, "home");
	if (c->parcel[0])
		cli_json_add_text(cert, "parcel", c->parcel);
	cli_json_add_text(cert, "basis", c->basis);
	cli_json_add_text(cert, "state", qp_cert_state_name((qp_cert_state)state));
	cli_json_add_text(cert, "issued_on", c->issued_on);
	cJSON_AddNumberToObject(cert, "created_at", (double)c->created_at);
	if (c->valid_until[0])
		cli_json_add_text(cert, "valid_until", c->valid_until);
	else
		cJSON_AddNullToObject(cert, "valid_until");
	if (c->ended_by[0]) {
		cJSON_AddNumberToObject(cert, "ended_at", (double)c->ended_at);
		cli_json_add_text(cert, "ended_by", c->ended_by);
	}
	if (c->reason)
		cli_json_add_text(cert, "reason", c->reason);
	cJSON *lin = cJSON_AddArrayToObject(cert, "lineage");
	for (size_t i = 0; i < info->lineage_len; i++)
		cJSON_AddItemToArray(lin, cJSON_CreateString(info->lineage[i]));
	cJSON *cp = cJSON_AddObjectToObject(doc, "checkpoint");
	cli_json_add_text(cp, "origin", info->checkpoint.origin);
	cJSON_AddNumberToObject(cp, "size", (double)info->checkpoint.size);
	cJSON *cos = cJSON_AddArrayToObject(cp, "cosigners");
	for (size_t i = 0; i < info->cosignatures; i++)
		cJSON_AddItemToArray(cos, cJSON_CreateString(info->cosigners[i]));
	cJSON_AddNumberToObject(doc, "entries", (double)info->entries);
	return cli_json_emit(doc);
}

static int print_text(const qp_bundle_info *info, int state)
{
	const qp_cert *c = &info->cert;
	char holder_text[64], area[32], area_text[48], kind[64], issued[48];
	char ended[64] = "-", checkpoint[320], lineage[1024] = "", entries[96], cosigned[512] = "-";
	const char *none = "-";
	snprintf(holder_text, sizeof(holder_text), "%s (%s)", c->holder, c->holder_type);
	cli_format_hundredths(area, sizeof(area), c->area);
	snprintf(area_text, sizeof(area_text), "%s m²", area);
	snprintf(kind, sizeof(kind), "%s %s", qp_cert_kind_label(c->kind), qp_cert_kind_name(c->kind));
	snprintf(issued, sizeof(issued), "%s (entry %llu)", c->issued_on, (unsigned long long)c->created_at);
	if (c->ended_by[0])
		snprintf(ended, sizeof(ended), "entry %llu (%s)", (unsigned long long)c->ended_at,
			 c->ended_by);
	snprintf(checkpoint, sizeof(checkpoint), "%s size %llu", info->checkpoint.origin,
		 (unsigned long long)info->checkpoint.size);
	for (size_t i = 0, used = 0; i < info->lineage_len; i++) {
		int w = snprintf(lineage + used, sizeof(lineage) - used, "%s%s", i ? " > " : "",
				 info->lineage[i]);
		if (w < 0 || (size_t)w >= sizeof(lineage) - used)
			break;
		used += (size_t)w;
	}
	snprintf(entries, sizeof(entries), "%zu, each signed and in the checkpoint's tree", info->entries);
	for (size_t i = 0, used = 0; i < info->cosignatures; i++) {
		int w = snprintf(cosigned + used, sizeof(cosigned) - used, "%s%s", i ? ", " : "",
				 info->cosigners[i]);
		if (w < 0 || (size_t)w >= sizeof(cosigned) - used)
			break;
		used += (size_t)w;
	}
	printf("verified: certificate %s as of checkpoint %s\n\n", c->id, checkpoint);
	cli_table *kv = cli_table_new(2, NULL, NULL);
	if (kv == NULL)
		return CLI_EXIT_IO;
	cli_table_row(kv, (const char *const[]){"编号 certificate", c->id});
	cli_table_row(kv, (const char *const[]){"种类 kind", kind});
	cli_table_row(kv, (const char *const[]){"状态 state", state_labels[state]});
	cli_table_row(kv, (const char *const[]){"持有人 holder", holder_text});
	cli_table_row(kv, (const char *const[]){"面积 area", area_text});
	cli_table_row(kv, (const char *const[]){"农房 home", c->home[0] ? c->home : none});
	if (c->parcel[0])
		cli_table_row(kv, (const char *const[]){"复垦地块 reclaimed parcel", c->parcel});
	cli_table_row(kv, (const char *const[]){"依据 basis", c->basis});
	cli_table_row(kv, (const char *const[]){"发证 issued on", issued});
	cli_table_row(
	    kv, (const char *const[]){"有效期至 valid until", c->valid_until[0] ? c->valid_until : none});
	cli_table_row(kv, (const char *const[]){"终止 ended", ended});
	cli_table_row(kv, (const char *const[]){"原因 reason", c->reason ? c->reason : none});
	cli_table_row(kv, (const char *const[]){"源流 lineage", lineage});
	cli_table_row(kv, (const char *const[]){"检查点 checkpoint", checkpoint});
	cli_table_row(kv, (const char *const[]){"见证 cosigned by", cosigned});
	cli_table_row(kv, (const char *const[]){"条目 entries", entries});
	int rc = cli_table_print(kv, stdout, 0);
	cli_table_free(kv);
	return rc;
}

static int run_verify(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_bundle_info info;
	char *bundle = NULL, *vkey = NULL;
	size_t len = 0, vkey_len = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *authority = cli_opt_value(ctx, &args, "authority");
	const char *entry = cli_opt_value(ctx, &args, "entry"),
		   *log_vkey = cli_opt_value(ctx, &args, "log-vkey");
	const char *witness = cli_opt_value(ctx, &args, "witness-vkey");
	if (args.npos != 1)
		return cli_usage_error(ctx, "verify needs one FILE");
	if (log_vkey && !entry && !authority)
		return verify_status(ctx, args.pos[0], log_vkey, witness);
	if (witness)
		return cli_usage_error(ctx,
				       "--witness-vkey goes with a status proof (FILE --log-vkey LOG.vkey)");
	if (entry || log_vkey) {
		if (entry == NULL || log_vkey == NULL || authority)
			return cli_usage_error(
			    ctx, "verify PROOF needs --entry FILE and --log-vkey FILE (not --authority)");
		return verify_proof(ctx, args.pos[0], entry, log_vkey);
	}
	if (authority == NULL)
		return cli_usage_error(ctx, "verify FILE needs --authority AUTHORITY.vkey "
					    "(or --entry and --log-vkey for a .tlog-proof)");
	memset(&info, 0, sizeof(info));
	if ((rc = cli_read_file(ctx, args.pos[0], QP_BUNDLE_MAX_SIZE, &bundle, &len)) != CLI_OK ||
	    (rc = cli_read_file(ctx, authority, 4096, &vkey, &vkey_len)) != CLI_OK)
		goto done;
	int err = qp_bundle_verify(&info, bundle, len, vkey, 0);
	if (err != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	int state = info.cert.expired ? QP_CERT_EXPIRED : (int)info.cert.state;
	rc = ctx->json ? print_json(&info, state) : print_text(&info, state);
done:
	qp_bundle_info_clear(&info);
	free(bundle);
	free(vkey);
	return rc;
}

const cli_cmd cmd_verify = {
    .group = NULL,
    .name = "verify",
    .run = run_verify,
    .summary = "verify a certificate bundle, a status proof or a .tlog-proof, offline",
    .usage = "FILE --authority AUTHORITY.vkey | STATUS --log-vkey LOG.vkey [--witness-vkey W.vkey] | PROOF "
	     "--entry ENTRY --log-vkey LOG.vkey",
    .description =
	"A bundle ('quanpiao export') is checked with no registry, trusting only the authority's key:\n"
	"the genesis entry names and is signed by it; it enrolled every signer and the log key; the\n"
	"checkpoint is signed by the log key, and its cosignatures by enrolled auditors; every entry\n"
	"is in the checkpoint's tree and signed by a key enrolled with the right role and not revoked\n"
	"before it; certificate entries follow the policy in force and form an unbroken lineage.\n"
	"Then it prints the certificate as of the checkpoint (a live certificate past its validity\n"
	"is shown as expired); a household holder is shown by its registry number: a bundle holds no\n"
	"personal data.  Any failure exits 1 and names the entry and the check.\n\n"
	"With --entry and --log-vkey, FILE is a c2sp.org/tlog-proof@v1: its checkpoint must be signed\n"
	"by the log key and its inclusion proof must lead from the entry to the checkpoint's root.\n\n"
	"With --log-vkey alone, FILE is a status proof ('quanpiao cert status --proof'): its\n"
	"checkpoint must be signed by the log key (and cosigned by --witness-vkey if given), the map\n"
	"proof must lead from the certificate's record to the checkpoint's status-map root, and the\n"
	"entry that last changed the certificate must be in the checkpoint's tree and name it.  A\n"
	"proof that the map holds no such certificate, or any failure, exits 1 naming the certificate.",
    .opts = verify_opts,
};
