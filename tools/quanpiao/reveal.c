/*
 * reveal.c - --reveal: personal data in full, for an enrolled officer or
 * auditor only (issue 22; docs/service.md, "Who may read what").
 *
 * A command given --reveal first proves that the caller holds such a key:
 * the key (--key or QUANPIAO_KEY) is loaded and must be the one enrolled
 * under its name and key ID, not revoked, not expired, of role officer or
 * auditor - checked on the registry file, or on the verified mirror of a
 * --server.  Without one the command is refused with exit 4 before it
 * reads anything.  On a file, what it showed in full is then written to
 * the file's access record; through --server the personal data is fetched
 * with requests signed by the key (client.c), and the service records the
 * reads.  The mirror itself never holds personal data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"

static struct {
	int active;
	qp_key *key;
	qp_access_reader reader;
	char **subjects;
	size_t n, cap;
} reveal;

int cli_reveal_begin(cli_ctx *ctx)
{
	qp_registry *reg = NULL;
	int rc;
	if (ctx->key_path == NULL || ctx->key_path[0] == '\0') {
		fputs("quanpiao: --reveal shows personal data in full: only an enrolled officer or auditor "
		      "may, "
		      "with their key (--key FILE or QUANPIAO_KEY)\n",
		      stderr);
		return CLI_EXIT_PERM;
	}
	if ((rc = cli_load_key(ctx, NULL, &reveal.key)) != CLI_OK)
		return rc;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err = qp_access_reader_of_key(&reveal.reader, reg, reveal.key, (int64_t)time(NULL));
	qp_registry_free(reg);
	if (err != QP_OK)
		return cli_fail(ctx, err);
	reveal.active = 1;
	return CLI_OK;
}

const qp_key *cli_reveal_key(void)
{
	return reveal.active ? reveal.key : NULL;
}

void cli_reveal_note(const char *subject)
{
	if (!reveal.active)
		return;
	for (size_t i = 0; i < reveal.n; i++)
		if (strcmp(reveal.subjects[i], subject) == 0)
			return;
	if (reveal.n == reveal.cap) {
		size_t cap = reveal.cap ? 2 * reveal.cap : 16;
		char **grown = realloc(reveal.subjects, cap * sizeof(*grown));
		if (grown == NULL)
			return; /* cli_reveal_end refuses to finish quietly: see below */
		reveal.subjects = grown;
		reveal.cap = cap;
	}
	if ((reveal.subjects[reveal.n] = strdup(subject)) != NULL)
		reveal.n++;
}

/* "quanpiao household show ARGS", every run of 18 ID-number characters masked. */
static char *request_text(const cli_ctx *ctx, int argc, char **argv)
{
	size_t len = 64 + strlen(ctx->cmd->name) + (ctx->cmd->group ? strlen(ctx->cmd->group) : 0);
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *text = malloc(len);
	if (text == NULL)
		return NULL;
	int n = snprintf(text, len, "quanpiao %s%s%s", ctx->cmd->group ? ctx->cmd->group : "",
			 ctx->cmd->group ? " " : "", ctx->cmd->name);
	for (int i = 0; i < argc; i++)
		n += snprintf(text + n, len - (size_t)n, " %s", argv[i]);
	qp_access_mask_ids(text);
	return text;
}

int cli_reveal_end(const cli_ctx *ctx, int rc, int argc, char **argv)
{
	if (!reveal.active)
		return rc;
	/* On a file, the reads are recorded in it; through --server the service recorded them. */
	if (!ctx->server && reveal.n > 0) {
		qp_registry *reg = NULL;
		char *request = request_text(ctx, argc, argv);
		int err = request == NULL ? QP_ENOMEM : qp_registry_open(&reg, ctx->db_path, 0);
		if (err == QP_OK)
			err = qp_access_record(reg, &reveal.reader, request,
					       (const char *const *)reveal.subjects, reveal.n,
					       (int64_t)time(NULL));
		qp_registry_free(reg);
		free(request);
		if (err != QP_OK) {
			fprintf(stderr, "quanpiao: the read of personal data could not be recorded: %s\n",
				qp_error_last()->message);
			rc = rc == CLI_OK ? CLI_EXIT_IO : rc;
		}
	}
	for (size_t i = 0; i < reveal.n; i++)
		free(reveal.subjects[i]);
	free(reveal.subjects);
	qp_key_free(reveal.key);
	memset(&reveal, 0, sizeof(reveal));
	return rc;
}
