/*
 * cmd_log.c - quanpiao log sign|checkpoint|entry|entries|proof|consistency|append.
 *
 * The outputs that other tools consume are printed byte for byte: the
 * checkpoint note, an entry's note, a c2sp.org/tlog-proof@v1 and a
 * c2sp.org/tlog-witness add-checkpoint body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "client.h"

static const cli_opt no_opts[] = {{NULL, NULL, NULL}};

/* Print a note as is, or as {"note": ...} with --json. */
static int emit_note(const cli_ctx *ctx, const char *what, const char *note, size_t len, uint64_t number)
{
	if (!ctx->json)
		return cli_write(note, len);
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, what, (double)number);
	cli_json_add_text(doc, "note", note);
	return cli_json_emit(doc);
}

/* ---- log sign ------------------------------------------------------------ */

static int run_sign(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_key *key = NULL;
	char *note = NULL;
	size_t len = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	if (args.npos != 0)
		return cli_usage_error(ctx, "log sign takes no arguments");
	/* The service signs its checkpoints itself: refuse before asking for a passphrase. */
	if (ctx->server)
		return cli_open_registry(ctx, 0, &reg);
	if ((rc = cli_load_key(ctx, NULL, &key)) != CLI_OK || (rc = cli_open_registry(ctx, 0, &reg)) != CLI_OK)
		goto done;
	int err = qp_log_sign(&note, &len, reg, key);
	if (err != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	uint64_t size = 0;
	qp_log_size(&size, reg);
	rc = emit_note(ctx, "size", note, len, size);
done:
	free(note);
	qp_key_free(key);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_log_sign = {
	.group = "log",
	.name = "sign",
	.run = run_sign,
	.summary = "sign a checkpoint of the whole log (log key only)",
	.usage = "--key LOG.key",
	.description = "Signs and stores a c2sp.org/tlog-checkpoint of the current tree with the registry's\n"
		       "enrolled log key, and prints it.  If the latest checkpoint already covers the whole log,\n"
		       "prints that one: there is never more than one checkpoint per tree size.",
	.opts = no_opts,
};

/* ---- log checkpoint -------------------------------------------------------- */

static const cli_opt checkpoint_opts[] = {
	{"size", "N", "the checkpoint of this tree size instead of the latest"},
	{NULL, NULL, NULL},
};

static int run_checkpoint(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	char *note = NULL;
	size_t len = 0;
	uint64_t size = QP_LOG_LATEST, got = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *s = cli_opt_value(ctx, &args, "size");
	if (args.npos != 0)
		return cli_usage_error(ctx, "log checkpoint takes no arguments");
	if (s && (rc = cli_parse_u64(ctx, "size", s, &size)) != CLI_OK)
		return rc;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err = qp_log_checkpoint_cosigned(&note, &len, &got, NULL, reg, size);
	rc = err == QP_OK ? emit_note(ctx, "size", note, len, got) : cli_fail(ctx, err);
	free(note);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_log_checkpoint = {
	.group = "log",
	.name = "checkpoint",
	.run = run_checkpoint,
	.summary = "print the latest signed checkpoint (c2sp.org/tlog-checkpoint)",
	.usage = "[--size N]",
	.description = "Prints the checkpoint note signed by the log key, followed by the cosignature lines\n"
		       "(c2sp.org/tlog-cosignature) of the auditors who witnessed it ('witness cosign'):\n"
		       "one note with several signatures.  'log sign' prints the bare checkpoint.",
	.opts = checkpoint_opts,
};

/* ---- log entry ------------------------------------------------------------ */

static const cli_opt entry_opts[] = {
	{"index", "N", "the entry's index (from 0)"},
	{NULL, NULL, NULL},
};

static int run_entry(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	char *note = NULL;
	size_t len = 0;
	uint64_t index;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *s = cli_opt_value(ctx, &args, "index");
	if (args.npos != 0 || s == NULL)
		return cli_usage_error(ctx, "log entry needs --index N");
	if ((rc = cli_parse_u64(ctx, "index", s, &index)) != CLI_OK)
		return rc;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err = qp_log_entry(&note, &len, reg, index);
	rc = err == QP_OK ? emit_note(ctx, "index", note, len, index) : cli_fail(ctx, err);
	free(note);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_log_entry = {
	.group = "log",
	.name = "entry",
	.run = run_entry,
	.summary = "print the exact signed note of one entry",
	.usage = "--index N",
	.description = "Prints the bytes whose leaf hash is in the tree: SHA-256(0x00 || these bytes).",
	.opts = entry_opts,
};

/* ---- log entries ---------------------------------------------------------- */

static const cli_opt entries_opts[] = {
	{"start", "A", "first index (default 0)"},
	{"end", "B", "one past the last index (default: the end of the log)"},
	{NULL, NULL, NULL},
};

struct list_ctx {
	const cli_ctx *cli;
	cJSON *arr;
};

static int list_one(void *p, const qp_log_item *item)
{
	struct list_ctx *lc = p;
	char hex[2 * QP_HASH_LEN + 1];
	sodium_bin2hex(hex, sizeof(hex), item->leaf_hash, QP_HASH_LEN);
	if (lc->arr) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "index", (double)item->index);
		cJSON_AddStringToObject(e, "type", item->type);
		cJSON_AddStringToObject(e, "signer", item->signer);
		cJSON_AddStringToObject(e, "time", item->time);
		cJSON_AddStringToObject(e, "leaf_hash", hex);
		char *note = malloc(item->note_len + 1);
		if (note == NULL) {
			cJSON_Delete(e);
			return QP_ENOMEM;
		}
		memcpy(note, item->note, item->note_len);
		note[item->note_len] = '\0';
		cli_json_add_text(e, "note", note);
		free(note);
		cJSON_AddItemToArray(lc->arr, e);
	} else {
		printf("%-7llu %-17s %-20s %-40s %.16s\n", (unsigned long long)item->index, item->type, item->time,
		       item->signer, hex);
	}
	return QP_OK;
}

static int run_entries(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	uint64_t start = 0, end = QP_LOG_LATEST;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *a = cli_opt_value(ctx, &args, "start"), *b = cli_opt_value(ctx, &args, "end");
	if (args.npos != 0)
		return cli_usage_error(ctx, "log entries takes no arguments");
	if ((a && (rc = cli_parse_u64(ctx, "start", a, &start)) != CLI_OK) ||
	    (b && (rc = cli_parse_u64(ctx, "end", b, &end)) != CLI_OK))
		return rc;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	struct list_ctx lc = {ctx, NULL};
	cJSON *doc = NULL;
	if (ctx->json) {
		doc = cJSON_CreateObject();
		lc.arr = cJSON_AddArrayToObject(doc, "entries");
	} else {
		printf("%-7s %-17s %-20s %-40s %s\n", "index", "type", "time", "signer", "leaf hash");
	}
	int err = qp_log_entries(reg, start, end, list_one, &lc);
	if (err != QP_OK) {
		cJSON_Delete(doc);
		rc = cli_fail(ctx, err);
	} else {
		rc = doc ? cli_json_emit(doc) : CLI_OK;
	}
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_log_entries = {
	.group = "log",
	.name = "entries",
	.run = run_entries,
	.summary = "list entries: index, type, time, signer, leaf hash",
	.usage = "[--start A] [--end B]",
	.description = "With --json, each entry also carries its full note text.",
	.opts = entries_opts,
};

/* ---- log proof ------------------------------------------------------------ */

static const cli_opt proof_opts[] = {
	{"index", "N", "the entry's index"},
	{"size", "S", "prove against the checkpoint of this size (default: the latest)"},
	{NULL, NULL, NULL},
};

static int run_proof(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	char *out = NULL;
	size_t len = 0;
	uint64_t index, size = QP_LOG_LATEST;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *i = cli_opt_value(ctx, &args, "index"), *s = cli_opt_value(ctx, &args, "size");
	if (args.npos != 0 || i == NULL)
		return cli_usage_error(ctx, "log proof needs --index N");
	if ((rc = cli_parse_u64(ctx, "index", i, &index)) != CLI_OK ||
	    (s && (rc = cli_parse_u64(ctx, "size", s, &size)) != CLI_OK))
		return rc;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err = qp_log_tlog_proof(&out, &len, reg, index, size);
	rc = err == QP_OK ? emit_note(ctx, "index", out, len, index) : cli_fail(ctx, err);
	free(out);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_log_proof = {
	.group = "log",
	.name = "proof",
	.run = run_proof,
	.summary = "print a c2sp.org/tlog-proof@v1 that an entry is in the log",
	.usage = "--index N [--size S]",
	.description = "The proof holds the entry's inclusion proof and the signed checkpoint it leads to;\n"
		       "save it as a .tlog-proof file.  The checkpoint must already be signed (log sign).",
	.opts = proof_opts,
};

/* ---- log consistency -------------------------------------------------------- */

static const cli_opt consistency_opts[] = {
	{"from", "A", "the tree size the witness or auditor last saw"},
	{NULL, NULL, NULL},
};

static int run_consistency(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	char *out = NULL;
	size_t len = 0;
	uint64_t from;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *f = cli_opt_value(ctx, &args, "from");
	if (args.npos != 0 || f == NULL)
		return cli_usage_error(ctx, "log consistency needs --from A");
	if ((rc = cli_parse_u64(ctx, "from", f, &from)) != CLI_OK)
		return rc;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err = qp_log_witness_request(&out, &len, reg, from);
	rc = err == QP_OK ? emit_note(ctx, "from", out, len, from) : cli_fail(ctx, err);
	free(out);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_log_consistency = {
	.group = "log",
	.name = "consistency",
	.run = run_consistency,
	.summary = "print a c2sp.org/tlog-witness add-checkpoint body from size A",
	.usage = "--from A",
	.description = "The body (old A, the consistency proof, a blank line, the latest checkpoint) can be\n"
		       "sent to any witness's add-checkpoint endpoint as it is.",
	.opts = consistency_opts,
};

/* ---- log append ------------------------------------------------------------- */

static int run_append(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	char *note = NULL;
	size_t len = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	if (args.npos != 1)
		return cli_usage_error(ctx, "log append needs one FILE (or - for standard input)");
	if ((rc = cli_read_file(ctx, args.pos[0], 1u << 20, &note, &len)) != CLI_OK)
		return rc;
	uint64_t index = 0;
	if (ctx->server) {
		/* The service checks and appends it as it would here. */
		rc = client_append(ctx, note, len, &index);
	} else if ((rc = cli_open_registry(ctx, 0, &reg)) == CLI_OK) {
		int err = qp_registry_append(reg, note, len, &index);
		if (err != QP_OK)
			rc = cli_fail(ctx, err);
	}
	if (rc == CLI_OK) {
		if (ctx->json) {
			cJSON *doc = cJSON_CreateObject();
			cJSON_AddNumberToObject(doc, "index", (double)index);
			rc = cli_json_emit(doc);
		} else {
			printf("appended entry %llu\n", (unsigned long long)index);
		}
	}
	free(note);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_log_append = {
	.group = "log",
	.name = "append",
	.run = run_append,
	.summary = "append an entry note that was signed elsewhere",
	.usage = "FILE",
	.description = "Checks the entry (signature, signer's role and state, origin, time, rules) exactly\n"
		       "as any other append, then stores it.",
	.opts = no_opts,
};

/* ---- log tiles ------------------------------------------------------------- */

static const cli_opt tiles_opts[] = {
    {"out", "DIR", "the directory to write (created if missing)"},
    {"cosigned", "K", "the newest checkpoint with at least K cosignatures, not the latest"},
    {NULL, NULL, NULL},
};

static void tiles_progress(void *p, uint64_t done, uint64_t total)
{
	int *shown = p;
	if (!isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\rlog tiles: %llu / %llu tiles", (unsigned long long)done, (unsigned long long)total);
	*shown = 1;
}

static int run_tiles(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *out = cli_opt_value(ctx, &args, "out"), *cosigned = cli_opt_value(ctx, &args, "cosigned");
	uint64_t size = QP_LOG_LATEST;
	if (args.npos != 0)
		return cli_usage_error(ctx, "log tiles takes no arguments");
	if (out == NULL || out[0] == '\0')
		return cli_usage_error(ctx, "log tiles needs --out DIR");
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	if ((rc = cli_cosigned_size(ctx, cosigned, reg, &size)) != CLI_OK) {
		qp_registry_free(reg);
		return rc;
	}
	qp_tiles_stats st;
	int shown = 0;
	int err = qp_tiles_write_at(&st, reg, out, size, tiles_progress, &shown);
	if (shown)
		fputs("\r\033[K", stderr);
	if (err != QP_OK) {
		rc = cli_fail(ctx, err);
	} else if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cli_json_add_text(doc, "out", out);
		cJSON_AddNumberToObject(doc, "size", (double)st.size);
		cJSON_AddNumberToObject(doc, "written", (double)st.written);
		cJSON_AddNumberToObject(doc, "partial", (double)st.partial);
		cJSON_AddNumberToObject(doc, "kept", (double)st.kept);
		cJSON_AddNumberToObject(doc, "bytes", (double)st.bytes);
		rc = cli_json_emit(doc);
	} else {
		printf("%s: the log of %llu entries as tiles (c2sp.org/tlog-tiles): %llu written (%llu partial, "
		       "%llu bytes), %llu full ones already there\n",
		       out, (unsigned long long)st.size, (unsigned long long)st.written,
		       (unsigned long long)st.partial, (unsigned long long)st.bytes, (unsigned long long)st.kept);
	}
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_log_tiles = {
    .group = "log",
    .name = "tiles",
    .run = run_tiles,
    .summary = "write the log as static tiles (c2sp.org/tlog-tiles) for any web server",
    .usage = "--out DIR [--cosigned K]",
    .description = "Writes DIR/checkpoint (the latest signed checkpoint with its cosignatures), the hash\n"
		   "tiles DIR/tile/<L>/<N>[.p/<W>] and the entry bundles DIR/tile/entries/<N>[.p/<W>] of\n"
		   "its tree, so that nginx, an object store or any static web server can serve the log\n"
		   "with no quanpiao process.  Run it again after each 'log sign': full tiles never\n"
		   "change and are kept; the checkpoint is written last.  Serve tile/ with long-lived\n"
		   "immutable caching and checkpoint with none (docs/service.md).  With --cosigned K, the\n"
		   "newest checkpoint at least K witnesses cosigned and its tree: what a static host\n"
		   "publishes for the web verifier, which requires its witnesses' cosignatures\n"
		   "(docs/verify.md).  Exit 3 if no checkpoint has K cosignatures yet.",
    .opts = tiles_opts,
};
