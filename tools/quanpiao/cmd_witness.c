/*
 * cmd_witness.c - quanpiao witness cosign: an auditor witnesses the
 * registry's latest checkpoint (c2sp.org/tlog-witness) and cosigns it
 * (c2sp.org/tlog-cosignature).
 *
 * The auditor's state directory keeps the last checkpoint it cosigned.
 * A new checkpoint is cosigned only if it is signed by the registry's
 * log key and extends that one (a consistency proof); otherwise the
 * witness has seen a split view or a rewritten log, and says so.  The
 * state is written before the cosignature is handed to the registry, so
 * a crash in between can never let the witness cosign two checkpoints
 * that conflict.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "client.h"

#define STATE_FILE "checkpoint"
#define STATE_MAX  (1u << 20)

static const cli_opt cosign_opts[] = {
    {"state", "DIR", "the witness's state: DIR/checkpoint is the last checkpoint it cosigned"},
    {NULL, NULL, NULL},
};

/* The registry's enrolled, unrevoked log key. */
static int log_verifier(const cli_ctx *ctx, qp_registry *reg, qp_verifier **out)
{
	qp_key_info *keys = NULL;
	size_t n = 0;
	int err = qp_registry_keys(&keys, &n, reg);
	*out = NULL;
	if (err != QP_OK)
		return cli_fail(ctx, err);
	for (size_t i = 0; i < n && *out == NULL; i++)
		if (!keys[i].revoked && strcmp(keys[i].role, "log") == 0 &&
		    strcmp(keys[i].name, qp_registry_origin(reg)) == 0 &&
		    (err = qp_verifier_parse(out, keys[i].vkey)) != QP_OK)
			break;
	qp_key_infos_free(keys, n);
	if (err != QP_OK)
		return cli_fail(ctx, err);
	if (*out == NULL) {
		fprintf(stderr, "quanpiao: the registry has no active log key named %s\n",
			qp_registry_origin(reg));
		return CLI_EXIT_VERIFY;
	}
	return CLI_OK;
}

/* Read DIR/checkpoint into *old; a missing file leaves old->size 0 (first use). */
static int read_state(const cli_ctx *ctx, const char *path, qp_checkpoint *old)
{
	char *data = NULL;
	size_t len = 0;
	qp_note *note = NULL;
	memset(old, 0, sizeof(*old));
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return CLI_OK;
	int rc = cli_read_file(ctx, path, STATE_MAX, &data, &len);
	if (rc != CLI_OK)
		return rc;
	int err = qp_note_parse(&note, data, len);
	if (err == QP_OK)
		err = qp_checkpoint_parse(old, note->text, note->text_len);
	qp_note_free(note);
	free(data);
	if (err != QP_OK) {
		fprintf(stderr, "quanpiao: %s: not a checkpoint this witness wrote: %s\n", path,
			qp_error_last()->message);
		return CLI_EXIT_INVALID;
	}
	return CLI_OK;
}

/* Write data to dir/name through a temporary file and a rename, so it is never half written. */
static int write_state(const char *dir, const char *name, const char *data, size_t len)
{
	char path[4096], tmp[4096];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp)) {
		fprintf(stderr, "quanpiao: --state: the path is too long\n");
		return CLI_EXIT_USAGE;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "quanpiao: %s: %s\n", dir, strerror(errno));
		return CLI_EXIT_IO;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	int ok = done == len && fsync(fd) == 0;
	ok &= close(fd) == 0;
	if (!ok || rename(tmp, path) != 0) {
		fprintf(stderr, "quanpiao: %s: cannot write: %s\n", path, strerror(errno));
		unlink(tmp);
		return CLI_EXIT_IO;
	}
	int dfd = open(dir, O_RDONLY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return CLI_OK;
}

static int run_cosign(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_key *key = NULL;
	qp_verifier *log_v = NULL;
	qp_checkpoint old, cp;
	qp_merkle_proof proof = {0};
	char *latest = NULL, *body = NULL, *line = NULL, *state_note = NULL, path[4096];
	size_t latest_len = 0, body_len = 0, line_len = 0, at = 0;
	uint64_t latest_size = 0, old_size = 0;
	const char *note = NULL;
	size_t note_len = 0;
	int rc = cli_parse(ctx, argc, argv, &args), err;
	if (rc != CLI_OK || args.help)
		return rc;
	const char *dir = cli_opt_value(ctx, &args, "state");
	if (args.npos != 0 || dir == NULL || dir[0] == '\0')
		return cli_usage_error(ctx, "witness cosign needs --state DIR (and --key AUDITOR.key)");
	if (snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE) >= (int)sizeof(path))
		return cli_usage_error(ctx, "--state: the path is too long");
	if ((rc = cli_load_key(ctx, NULL, &key)) != CLI_OK ||
	    (rc = cli_open_registry(ctx, ctx->server ? QP_STORE_READONLY : 0, &reg)) != CLI_OK)
		goto done;
	/* Only an enrolled auditor's cosignature counts: say so before anything is written. */
	if ((err = qp_log_check_cosigner(reg, qp_key_name(key), qp_key_public(key), QP_LOG_LATEST)) !=
	    QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "quanpiao: --state %s: %s\n", dir, strerror(errno));
		rc = CLI_EXIT_IO;
		goto done;
	}
	if ((rc = read_state(ctx, path, &old)) != CLI_OK || (rc = log_verifier(ctx, reg, &log_v)) != CLI_OK)
		goto done;
	if ((err = qp_log_checkpoint(&latest, &latest_len, &latest_size, reg, QP_LOG_LATEST)) != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (old.size > latest_size) {
		/* The log shrank: no proof can exist; the check names both checkpoints. */
		note = latest;
		note_len = latest_len;
		err = qp_cosign_check(&cp, note, note_len, log_v, &old, &proof);
	} else {
		/* What a witness is sent: the add-checkpoint body from the size it knows. */
		if ((err = qp_log_witness_request(&body, &body_len, reg, old.size)) == QP_OK &&
		    (err = qp_cosign_parse_request(&old_size, &proof, &at, body, body_len)) == QP_OK &&
		    old_size != old.size)
			err = QP_EINTERNAL;
		if (err == QP_OK) {
			note = body + at;
			note_len = body_len - at;
			err = qp_cosign_check(&cp, note, note_len, log_v, &old, &proof);
		}
	}
	if (err == QP_EVERIFY && !ctx->json) {
		fprintf(stderr, "quanpiao: refusing to cosign: %s (this witness's state: %s)\n",
			qp_error_last()->message, path);
		rc = CLI_EXIT_VERIFY;
		goto done;
	}
	if (err != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if ((err = qp_cosign_sign(&line, &line_len, key, note, note_len, 0)) != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	/* The new state first: the checkpoint as signed, with this witness's cosignature under it. */
	if ((state_note = malloc(note_len + line_len)) == NULL) {
		fputs("quanpiao: out of memory\n", stderr);
		rc = CLI_EXIT_IO;
		goto done;
	}
	memcpy(state_note, note, note_len);
	memcpy(state_note + note_len, line, line_len);
	if ((rc = write_state(dir, STATE_FILE, state_note, note_len + line_len)) != CLI_OK)
		goto done;
	if (ctx->server) {
		/* Through the service, checked and stored as it would be here. */
		if ((rc = client_cosign(ctx, line, cp.size)) != CLI_OK)
			goto done;
	} else if ((err = qp_log_add_cosignature(reg, line, line_len, cp.size)) != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cli_json_add_text(doc, "origin", cp.origin);
		cJSON_AddNumberToObject(doc, "size", (double)cp.size);
		cJSON_AddNumberToObject(doc, "old_size", (double)old.size);
		cli_json_add_text(doc, "cosignature", line);
		rc = cli_json_emit(doc);
	} else {
		if (old.size == 0)
			printf("cosigned %s at size %llu (first checkpoint this witness sees)\n", cp.origin,
			       (unsigned long long)cp.size);
		else
			printf("cosigned %s at size %llu (consistent with size %llu)\n", cp.origin,
			       (unsigned long long)cp.size, (unsigned long long)old.size);
		rc = cli_write(line, line_len);
	}
done:
	free(state_note);
	free(line);
	free(body);
	free(latest);
	qp_verifier_free(log_v);
	qp_key_free(key);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_witness_cosign = {
    .group = "witness",
    .name = "cosign",
    .run = run_cosign,
    .summary = "witness and cosign the latest checkpoint (auditor key only)",
    .usage = "--key AUDITOR.key --state DIR",
    .description =
	"Checks that the registry's latest checkpoint is signed by its log key and extends the last\n"
	"checkpoint this witness cosigned (kept in DIR/checkpoint; the first is trusted as it is),\n"
	"then writes the new DIR/checkpoint and stores a c2sp.org/tlog-cosignature in the registry,\n"
	"which 'log checkpoint' prints under the checkpoint.  A checkpoint that does not extend the\n"
	"old one (a split view, a rewritten log) is refused with exit 1, naming both.",
    .opts = cosign_opts,
};
