/*
 * cmd_key.c - quanpiao key generate|show|enroll|revoke|list.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"

/* ---- key generate ------------------------------------------------------------ */

static const cli_opt generate_opts[] = {
	{"name", "NAME", "key name, e.g. 330681.officer.zhang-wei (ASCII, no spaces or '+')"},
	{"out", "FILE", "secret key file to create; the verifier key goes to FILE.vkey"},
	{"unencrypted", NULL, "store the secret key without a passphrase (not recommended)"},
	{NULL, NULL, NULL},
};

/* Write text to a new file (mode 0644, never overwriting). */
static int write_new_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "quanpiao: %s: %s\n", path, strerror(errno));
		return errno == EEXIST ? CLI_EXIT_CONFLICT : CLI_EXIT_IO;
	}
	size_t len = strlen(text);
	ssize_t w = write(fd, text, len);
	if (w < 0 || (size_t)w != len || fsync(fd) != 0 || close(fd) != 0) {
		fprintf(stderr, "quanpiao: %s: cannot write\n", path);
		unlink(path);
		return CLI_EXIT_IO;
	}
	return CLI_OK;
}

static int run_generate(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_key *key = NULL;
	qp_verifier *v = NULL;
	char *vkey = NULL, *pass = NULL, vkey_path[4096];
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *name = cli_opt_value(ctx, &args, "name"), *out = cli_opt_value(ctx, &args, "out");
	int clear = cli_opt_value(ctx, &args, "unencrypted") != NULL;
	if (args.npos != 0)
		return cli_usage_error(ctx, "key generate takes no arguments");
	if (name == NULL || out == NULL)
		return cli_usage_error(ctx, "key generate needs --name and --out");
	if (snprintf(vkey_path, sizeof(vkey_path), "%s.vkey", out) >= (int)sizeof(vkey_path))
		return cli_usage_error(ctx, "--out path is too long");
	if (access(out, F_OK) == 0 || access(vkey_path, F_OK) == 0) {
		fprintf(stderr, "quanpiao: %s already exists; refusing to overwrite a key\n",
			access(out, F_OK) == 0 ? out : vkey_path);
		return CLI_EXIT_CONFLICT;
	}
	if ((rc = qp_key_check_name(name)) != QP_OK)
		return cli_fail(ctx, rc);
	if (!clear && (rc = cli_passphrase(ctx, "Passphrase for the new key: ", 1, &pass)) != CLI_OK)
		return rc;
	if ((rc = qp_key_generate(&key, name)) != QP_OK || (rc = qp_key_save(key, out, pass)) != QP_OK ||
	    (rc = qp_key_verifier(&v, key)) != QP_OK || (rc = qp_verifier_string(&vkey, v)) != QP_OK) {
		rc = cli_fail(ctx, rc);
		goto done;
	}
	size_t n = strlen(vkey);
	char *line = malloc(n + 2);
	if (line == NULL) {
		unlink(out);
		rc = CLI_EXIT_IO;
		goto done;
	}
	memcpy(line, vkey, n);
	memcpy(line + n, "\n", 2);
	rc = write_new_file(vkey_path, line);
	free(line);
	if (rc != CLI_OK) {
		unlink(out);
		goto done;
	}
	if (clear)
		fprintf(stderr, "quanpiao: warning: %s is not protected by a passphrase; keep it offline\n", out);
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		char id[9];
		snprintf(id, sizeof(id), "%08x", qp_key_id(key));
		cJSON_AddStringToObject(doc, "name", name);
		cJSON_AddStringToObject(doc, "key_id", id);
		cJSON_AddStringToObject(doc, "vkey", vkey);
		cli_json_add_text(doc, "secret_key", out);
		cli_json_add_text(doc, "verifier_key", vkey_path);
		cJSON_AddBoolToObject(doc, "encrypted", !clear);
		rc = cli_json_emit(doc);
	} else {
		printf("generated key %s (key ID %08x)\n"
		       "secret key:   %s%s\n"
		       "verifier key: %s\n"
		       "%s\n",
		       name, qp_key_id(key), out, clear ? " (unencrypted)" : "", vkey_path, vkey);
		rc = CLI_OK;
	}
done:
	cli_passphrase_free(pass);
	free(vkey);
	qp_verifier_free(v);
	qp_key_free(key);
	return rc;
}

const cli_cmd cmd_key_generate = {
	.group = "key",
	.name = "generate",
	.run = run_generate,
	.summary = "create a signing key and its verifier key",
	.usage = "--name NAME --out FILE [--unencrypted]",
	.description = "Writes the secret key to FILE (mode 0600, sealed with a key derived from a passphrase by\n"
		       "Argon2id) and the verifier key to FILE.vkey.  The passphrase is asked twice on the terminal,\n"
		       "or read from --passphrase-file or QUANPIAO_PASSPHRASE.  Existing files are never overwritten.",
	.opts = generate_opts,
};

/* ---- key show ---------------------------------------------------------------- */

static const cli_opt no_opts[] = {{NULL, NULL, NULL}};

static int run_show(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_verifier *v = NULL;
	qp_key *key = NULL;
	char *text = NULL, *vkey = NULL;
	size_t len = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	if (args.npos != 1)
		return cli_usage_error(ctx, "key show needs one FILE (a .vkey or a secret key file)");
	if ((rc = cli_read_file(ctx, args.pos[0], 65536, &text, &len)) != CLI_OK)
		return rc;
	int secret = strncmp(text, "quanpiao secret key", 19) == 0;
	if (!secret) {
		if ((rc = qp_verifier_parse(&v, text)) != QP_OK) {
			rc = cli_fail(ctx, rc);
			goto done;
		}
	} else {
		if ((rc = cli_load_key(ctx, args.pos[0], &key)) != CLI_OK)
			goto done;
		if ((rc = qp_key_verifier(&v, key)) != QP_OK) {
			rc = cli_fail(ctx, rc);
			goto done;
		}
	}
	if ((rc = qp_verifier_string(&vkey, v)) != QP_OK) {
		rc = cli_fail(ctx, rc);
		goto done;
	}
	char id[9];
	snprintf(id, sizeof(id), "%08x", qp_verifier_id(v));
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "name", qp_verifier_name(v));
		cJSON_AddStringToObject(doc, "key_id", id);
		cJSON_AddStringToObject(doc, "vkey", vkey);
		cJSON_AddBoolToObject(doc, "secret", secret);
		rc = cli_json_emit(doc);
	} else {
		printf("name:   %s\nkey ID: %s\nvkey:   %s\n", qp_verifier_name(v), id, vkey);
		rc = CLI_OK;
	}
done:
	free(text);
	free(vkey);
	qp_verifier_free(v);
	qp_key_free(key);
	return rc;
}

const cli_cmd cmd_key_show = {
	.group = "key",
	.name = "show",
	.run = run_show,
	.summary = "print a key's name, key ID and verifier key",
	.usage = "FILE",
	.description = "FILE is a verifier key (.vkey) or a secret key file (which needs its passphrase).",
	.opts = no_opts,
};

/* ---- key enroll / revoke / list -------------------------------------------------- */

static const cli_opt enroll_opts[] = {
	{"role", "ROLE", "officer, auditor or log"},
	{"vkey", "FILE", "the key's verifier key file"},
	{"until", "DATE", "last day the key may sign (YYYY-MM-DD)"},
	{NULL, NULL, NULL},
};

static int run_enroll(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	char *text = NULL;
	size_t len;
	qp_verifier *v = NULL;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *role = cli_opt_value(ctx, &args, "role"), *file = cli_opt_value(ctx, &args, "vkey");
	const char *until = cli_opt_value(ctx, &args, "until");
	if (args.npos != 0 || role == NULL || file == NULL)
		return cli_usage_error(ctx, "key enroll needs --role and --vkey");
	if (until && (rc = qp_ids_parse_date(NULL, until, "--until")) != QP_OK)
		return cli_fail(ctx, rc);
	if ((rc = cli_read_file(ctx, file, 4096, &text, &len)) != CLI_OK)
		return rc;
	if ((rc = qp_verifier_parse(&v, text)) != QP_OK) {
		fprintf(stderr, "quanpiao: --vkey %s: %s\n", file, qp_error_last()->message);
		rc = cli_exit_code(rc);
		goto done;
	}
	char *vkey = NULL;
	if ((rc = qp_verifier_string(&vkey, v)) != QP_OK) {
		rc = cli_fail(ctx, rc);
		goto done;
	}
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "role", role);
	cJSON_AddStringToObject(body, "vkey", vkey);
	if (until)
		cJSON_AddStringToObject(body, "valid_until", until);
	free(vkey);
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, "key.enroll", body, &index)) != CLI_OK)
		goto done;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "name", qp_verifier_name(v));
		cJSON_AddStringToObject(doc, "role", role);
		cJSON_AddNumberToObject(doc, "index", (double)index);
		rc = cli_json_emit(doc);
	} else {
		printf("enrolled %s as %s (entry %llu)\n", qp_verifier_name(v), role, (unsigned long long)index);
	}
done:
	free(text);
	qp_verifier_free(v);
	return rc;
}

const cli_cmd cmd_key_enroll = {
	.group = "key",
	.name = "enroll",
	.run = run_enroll,
	.summary = "enrol a key with a role (signed by the authority key)",
	.usage = "--role officer|auditor|log --vkey FILE [--until DATE] --key AUTHORITY.key",
	.description = "Appends a key.enroll entry.  A log key must be named after the registry's origin.\n"
		       "A name has at most one active key: to replace a key, revoke it, then enrol the new one.",
	.opts = enroll_opts,
};

static const cli_opt revoke_opts[] = {
	{"reason", "TEXT", "why the key is revoked (kept in the log)"},
	{NULL, NULL, NULL},
};

static int run_revoke(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	const char *reason = cli_opt_value(ctx, &args, "reason");
	if (args.npos != 1 || reason == NULL)
		return cli_usage_error(ctx, "key revoke needs a key NAME and --reason");
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "name", args.pos[0]);
	cJSON_AddStringToObject(body, "reason", reason);
	uint64_t index = 0;
	if ((rc = cli_submit(ctx, "key.revoke", body, &index)) != CLI_OK)
		return rc;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cli_json_add_text(doc, "name", args.pos[0]);
		cJSON_AddNumberToObject(doc, "index", (double)index);
		return cli_json_emit(doc);
	}
	printf("revoked %s (entry %llu); it signs nothing from now on\n", args.pos[0], (unsigned long long)index);
	return CLI_OK;
}

const cli_cmd cmd_key_revoke = {
	.group = "key",
	.name = "revoke",
	.run = run_revoke,
	.summary = "revoke a key (signed by the authority key)",
	.usage = "NAME --reason TEXT --key AUTHORITY.key",
	.description = "Appends a key.revoke entry; every entry the key signs is refused from then on.",
	.opts = revoke_opts,
};

static int run_list(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	qp_key_info *keys = NULL;
	size_t n = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	if (args.npos != 0)
		return cli_usage_error(ctx, "key list takes no arguments");
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	if ((rc = qp_registry_keys(&keys, &n, reg)) != QP_OK) {
		rc = cli_fail(ctx, rc);
		goto done;
	}
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "keys");
		for (size_t i = 0; i < n; i++) {
			cJSON *k = cJSON_CreateObject();
			char id[9];
			snprintf(id, sizeof(id), "%08x", keys[i].key_id);
			cJSON_AddStringToObject(k, "name", keys[i].name);
			cJSON_AddStringToObject(k, "key_id", id);
			cJSON_AddStringToObject(k, "role", keys[i].role);
			cJSON_AddStringToObject(k, "vkey", keys[i].vkey);
			cJSON_AddNumberToObject(k, "enrolled_at", (double)keys[i].enrolled_at);
			if (keys[i].valid_until)
				cJSON_AddStringToObject(k, "valid_until", keys[i].valid_until);
			else
				cJSON_AddNullToObject(k, "valid_until");
			cJSON_AddBoolToObject(k, "revoked", keys[i].revoked);
			if (keys[i].revoked) {
				cJSON_AddNumberToObject(k, "revoked_at", (double)keys[i].revoked_at);
				cli_json_add_text(k, "revoke_reason", keys[i].revoke_reason ? keys[i].revoke_reason : "");
			}
			cJSON_AddItemToArray(arr, k);
		}
		rc = cli_json_emit(doc);
	} else {
		printf("%-40s %-9s %-8s %-8s %-10s %s\n", "name", "role", "key ID", "entry", "until", "state");
		for (size_t i = 0; i < n; i++) {
			char state[256];
			if (keys[i].revoked)
				snprintf(state, sizeof(state), "revoked at entry %llu: %s",
					 (unsigned long long)keys[i].revoked_at,
					 keys[i].revoke_reason ? keys[i].revoke_reason : "");
			else
				snprintf(state, sizeof(state), "active");
			printf("%-40s %-9s %08x %-8llu %-10s %s\n", keys[i].name, keys[i].role, keys[i].key_id,
			       (unsigned long long)keys[i].enrolled_at, keys[i].valid_until ? keys[i].valid_until : "-",
			       state);
		}
		rc = CLI_OK;
	}
done:
	qp_key_infos_free(keys, n);
	qp_registry_free(reg);
	return rc;
}

const cli_cmd cmd_key_list = {
	.group = "key",
	.name = "list",
	.run = run_list,
	.summary = "list the registry's keys, their roles and states",
	.usage = "",
	.description = NULL,
	.opts = no_opts,
};
