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
 *
 * On a file the read is recorded before anything is shown, as the service
 * records it before it answers: the command's standard output goes to an
 * anonymous memory file (memfd_create) while it runs, and reaches the real
 * output only once the access record has its rows; if they cannot be
 * written, it is dropped.  A reader that closes the output early (a pager
 * quit, `| head`), or a signal after the data was printed, can then not
 * leave a read unrecorded.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"

static struct {
	int active;
	qp_key *key;
	qp_access_reader reader;
	char **subjects;
	size_t n, cap;
	int held, out; /* the memory file standard output goes to, and the real output (-1: none) */
} reveal = {.held = -1, .out = -1};

/* Standard output into a memory file until hold_end: what the command shows waits for the record. */
static int hold_begin(void)
{
	fflush(stdout);
	int held = memfd_create("quanpiao-reveal", MFD_CLOEXEC);
	int out = held < 0 ? -1 : dup(STDOUT_FILENO);
	if (held < 0 || out < 0 || dup2(held, STDOUT_FILENO) < 0) {
		fprintf(stderr, "quanpiao: --reveal: cannot hold the output until the read is recorded: %s\n",
			strerror(errno));
		if (held >= 0)
			close(held);
		if (out >= 0)
			close(out);
		return CLI_EXIT_IO;
	}
	reveal.held = held;
	reveal.out = out;
	return CLI_OK;
}

/* The real standard output back; what was held written to it when show, else dropped. */
static int hold_end(int show, int rc)
{
	if (reveal.held < 0)
		return rc;
	fflush(stdout);
	dup2(reveal.out, STDOUT_FILENO);
	close(reveal.out);
	int held = reveal.held, failed = 0;
	reveal.held = reveal.out = -1;
	char buf[65536];
	ssize_t got;
	if (show && lseek(held, 0, SEEK_SET) == 0) {
		while (!failed && (got = read(held, buf, sizeof(buf))) > 0)
			for (ssize_t off = 0; !failed && off < got;) {
				ssize_t w = write(STDOUT_FILENO, buf + off, (size_t)(got - off));
				if (w > 0)
					off += w;
				else if (w < 0 && errno != EINTR)
					failed = 1;
			}
	}
	close(held);
	return failed && rc == CLI_OK ? CLI_EXIT_IO : rc;
}

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
	/* On a file the read is recorded before it is shown (hold_end); through --server the service does. */
	if (!ctx->server && (rc = hold_begin()) != CLI_OK)
		return rc;
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
	int recorded = 1;
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
			fprintf(
			    stderr,
			    "quanpiao: the read of personal data could not be recorded, so nothing of it is "
			    "shown: %s\n",
			    qp_error_last()->message);
			rc = rc == CLI_OK ? CLI_EXIT_IO : rc;
			recorded = 0;
		}
	}
	rc = hold_end(recorded, rc);
	for (size_t i = 0; i < reveal.n; i++)
		free(reveal.subjects[i]);
	free(reveal.subjects);
	qp_key_free(reveal.key);
	memset(&reveal, 0, sizeof(reveal));
	reveal.held = reveal.out = -1;
	return rc;
}
