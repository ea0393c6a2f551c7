/*
 * client.h - the CLI as a client of quanpiaod (--server URL), with libcurl.
 *
 * Writes: the entry is numbered and signed here, with the officer's key,
 * which never leaves the desk, and POSTed to the service; reads: the
 * command runs on a local mirror of the served registry (quanpiao/mirror.h)
 * that is brought up to date, and verified, before each use.  So every
 * command prints exactly what it prints on a local file.
 */
#ifndef QP_CLIENT_H
#define QP_CLIENT_H

#include <stdint.h>

#include <cjson/cJSON.h>
#include <quanpiao/quanpiao.h>

#include "cli.h"

struct qp_registry;

/*
 * cli_submit through --server: sign body (taken, zeroed and freed) as an
 * entry of type and POST it to /v1/entries; *index gets its index.  The
 * body is as officers write it (as for qp_registry_submit): households may
 * be named by their head's ID number (resolved to numbers by asking the
 * service), and a household.add's ID number and name, or a person
 * investor's, are POSTed beside the note as its personal data, never
 * signed into it.  Retries when a concurrent write took the certificate
 * or household number the entry claimed.
 * Returns CLI_OK or an exit status after printing the service's reason.
 */
int client_submit(cli_ctx *ctx, const char *type, cJSON *body, uint64_t *index);

/*
 * log append through --server: POST a note signed elsewhere to
 * /v1/entries; *index gets its index once the served log is seen to hold
 * it there.  Returns CLI_OK or an exit status after printing the reason.
 */
int client_append(cli_ctx *ctx, const char *note, size_t note_len, uint64_t *index);

/*
 * witness cosign through --server: POST a cosignature line (NUL-terminated)
 * of the checkpoint of the given size to /v1/cosignatures.
 */
int client_cosign(cli_ctx *ctx, const char *line, uint64_t size);

/*
 * The file of the local mirror of ctx->server:
 * $QUANPIAO_CACHE (or $XDG_CACHE_HOME/quanpiao, ~/.cache/quanpiao)
 * /mirror-<16 hex of SHA-256(URL)>.db; the directory is created.  Returns
 * CLI_OK or an exit status after printing the problem.
 */
int client_mirror_path(const cli_ctx *ctx, char *out, size_t len);

/*
 * cli_open_registry through --server: sync the mirror of the served
 * registry and open it read-only.  A command that would write to the
 * registry file itself (flags without QP_STORE_READONLY) is refused with
 * a usage error.
 */
int client_open_registry(const cli_ctx *ctx, unsigned flags, struct qp_registry **out);

/*
 * The registry number of the household whose head has this ID number,
 * asked of the service (a mirror holds no personal data).  CLI_OK, or an
 * exit status after printing the problem: exit 3 for a malformed ID
 * number, exit 6 when the service has no such household.
 */
int client_household_number(const cli_ctx *ctx, const char *id_number, char number[17]);

/*
 * Fill in h's ID number and name from the service, with a request signed
 * by the --reveal key (the service records the read).  The mirror keeps
 * none of it.  CLI_OK, or an exit status after printing the problem.
 */
int client_household_reveal(const cli_ctx *ctx, qp_household *h);

#endif
