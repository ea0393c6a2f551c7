/*
 * cli.c - argument parsing, help, errors and JSON output for the commands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "client.h"

const cli_opt cli_global_opts[] = {
    {"db", "PATH", "registry file (QUANPIAO_DB, default ./registry.db)"},
    {"key", "FILE", "secret key to sign with (QUANPIAO_KEY)"},
    {"server", "URL", "send to a quanpiaod service instead of a local file"},
    {"passphrase-file", "FILE", "read the key's passphrase from FILE (or QUANPIAO_PASSPHRASE)"},
    {"json", NULL, "print one JSON document on stdout"},
    {"help", NULL, "show this help"},
    {NULL, NULL, NULL},
};

static void command_name(char *buf, size_t len, const cli_cmd *cmd)
{
	if (cmd->group)
		snprintf(buf, len, "%s %s", cmd->group, cmd->name);
	else
		snprintf(buf, len, "%s", cmd->name);
}

static void print_opts(FILE *f, const cli_opt *opts)
{
	for (const cli_opt *o = opts; o && o->name; o++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-24s %s\n", left, o->help);
	}
}

void cli_print_help(const cli_cmd *cmd)
{
	char name[64];
	command_name(name, sizeof(name), cmd);
	printf("usage: quanpiao [global options] %s%s%s\n\n", name, cmd->usage ? " " : "",
	       cmd->usage ? cmd->usage : "");
	printf("%s\n", cmd->summary);
	if (cmd->description)
		printf("\n%s\n", cmd->description);
	if (cmd->opts && cmd->opts[0].name) {
		printf("\nOptions:\n");
		print_opts(stdout, cmd->opts);
	}
	printf("\nGlobal options:\n");
	print_opts(stdout, cli_global_opts);
	printf("\nExit status: 0 ok, 1 verification failed, 2 usage, 3 input rejected,\n"
	       "4 not permitted, 5 conflict, 6 not found, 10 I/O or internal error.\n");
}

int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...)
{
	char name[64] = "";
	va_list ap;
	fputs("quanpiao: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (ctx && ctx->cmd) {
		command_name(name, sizeof(name), ctx->cmd);
		fprintf(stderr, " (see 'quanpiao %s --help')", name);
	}
	fputc('\n', stderr);
	return CLI_EXIT_USAGE;
}

/* Find option name in opts; returns its index or -1. */
static int find_opt(const cli_opt *opts, const char *name, size_t name_len)
{
	for (int i = 0; opts && opts[i].name; i++)
		if (strlen(opts[i].name) == name_len && strncmp(opts[i].name, name, name_len) == 0)
			return i;
	return -1;
}

void cli_set_global(cli_ctx *ctx, const char *name, const char *value)
{
	if (strcmp(name, "db") == 0)
		ctx->db_path = value;
	else if (strcmp(name, "key") == 0)
		ctx->key_path = value;
	else if (strcmp(name, "server") == 0)
		ctx->server = value;
	else if (strcmp(name, "passphrase-file") == 0)
		ctx->passphrase_file = value;
	else if (strcmp(name, "json") == 0)
		ctx->json = true;
}

int cli_parse(cli_ctx *ctx, int argc, char **argv, cli_args *args)
{
	const cli_opt *opts = ctx->cmd->opts;
	bool only_positional = false;
	memset(args, 0, sizeof(*args));

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (only_positional || a[0] != '-' || strcmp(a, "-") == 0 || (a[1] >= '0' && a[1] <= '9')) {
			if (args->npos == CLI_MAX_POS)
				return cli_usage_error(ctx, "too many arguments");
			args->pos[args->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_positional = true;
			continue;
		}
		if (strcmp(a, "-h") == 0) {
			args->help = true;
			continue;
		}
		if (a[1] != '-')
			return cli_usage_error(ctx, "unknown option %s", a);
		const char *name = a + 2;
		const char *eq = strchr(name, '=');
		size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
		int idx = find_opt(opts, name, name_len);
		const cli_opt *spec = idx >= 0 ? &opts[idx] : NULL;
		int gidx = -1;
		if (spec == NULL) {
			gidx = find_opt(cli_global_opts, name, name_len);
			if (gidx < 0)
				return cli_usage_error(ctx, "unknown option --%.*s", (int)name_len, name);
			spec = &cli_global_opts[gidx];
		}
		const char *value = "";
		if (spec->arg) {
			if (eq) {
				value = eq + 1;
			} else if (i + 1 < argc) {
				value = argv[++i];
			} else {
				return cli_usage_error(ctx, "option --%s needs a value (%s)", spec->name,
						       spec->arg);
			}
		} else if (eq) {
			return cli_usage_error(ctx, "option --%s takes no value", spec->name);
		}
		if (gidx >= 0) {
			if (strcmp(spec->name, "help") == 0)
				args->help = true;
			else
				cli_set_global(ctx, spec->name, value);
		} else {
			if (idx >= CLI_MAX_OPTS)
				return cli_usage_error(ctx, "too many options");
			if (args->value[idx] != NULL)
				return cli_usage_error(ctx, "option --%s given twice", spec->name);
			args->value[idx] = value;
		}
	}
	if (args->help) {
		cli_print_help(ctx->cmd);
		return CLI_OK;
	}
	/* Personal data in full: only with an enrolled officer's or auditor's key (reveal.c). */
	int ridx = find_opt(opts, "reveal", strlen("reveal"));
	if (ridx >= 0 && ridx < CLI_MAX_OPTS && args->value[ridx] != NULL)
		return cli_reveal_begin(ctx);
	return CLI_OK;
}

const char *cli_opt_value(const cli_ctx *ctx, const cli_args *args, const char *name)
{
	int idx = find_opt(ctx->cmd->opts, name, strlen(name));
	return idx >= 0 && idx < CLI_MAX_OPTS ? args->value[idx] : NULL;
}

int cli_exit_code(int qp_code)
{
	switch (qp_code) {
	case QP_OK: return CLI_OK;
	case QP_EVERIFY: return CLI_EXIT_VERIFY;
	case QP_EUSAGE: return CLI_EXIT_USAGE;
	case QP_EINVALID: return CLI_EXIT_INVALID;
	case QP_EPERM: return CLI_EXIT_PERM;
	case QP_ECONFLICT: return CLI_EXIT_CONFLICT;
	case QP_ENOTFOUND: return CLI_EXIT_NOTFOUND;
	default: return CLI_EXIT_IO;
	}
}

/* Print msg on stderr and, with --json, as an error document; returns the exit status for code. */
static int report_error(const cli_ctx *ctx, const char *msg, int code)
{
	fprintf(stderr, "quanpiao: %s\n", msg);
	int status = cli_exit_code(code);
	if (ctx && ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON *err = cJSON_AddObjectToObject(doc, "error");
		cli_json_add_text(err, "message", msg);
		cli_json_add_text(err, "reason", qp_strerror(code));
		cJSON_AddNumberToObject(err, "exit", status);
		cli_json_emit(doc);
	}
	return status;
}

int cli_fail(const cli_ctx *ctx, int code)
{
	const qp_error *e = qp_error_last();
	return report_error(ctx, e->message[0] ? e->message : qp_strerror(code), code);
}

int cli_invalid(const cli_ctx *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return report_error(ctx, msg, QP_EINVALID);
}

/* Length of the valid UTF-8 sequence at s, or 0 if none starts there. */
static size_t utf8_seq(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n;
	unsigned cp;
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

void cli_json_add_text(cJSON *obj, const char *key, const char *text)
{
	size_t len = strlen(text);
	char *clean = malloc(len * 3 + 1);
	if (clean == NULL) {
		cJSON_AddNullToObject(obj, key);
		return;
	}
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq((const unsigned char *)text + i);
		if (n == 0) {
			memcpy(clean + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		} else {
			memcpy(clean + o, text + i, n);
			o += n;
			i += n;
		}
	}
	clean[o] = '\0';
	cJSON_AddStringToObject(obj, key, clean);
	free(clean);
}

int cli_json_emit(cJSON *doc)
{
	if (doc == NULL)
		return CLI_EXIT_IO;
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	if (text == NULL) {
		fputs("quanpiao: out of memory printing JSON\n", stderr);
		return CLI_EXIT_IO;
	}
	int ok = puts(text) >= 0;
	free(text);
	return ok ? CLI_OK : CLI_EXIT_IO;
}

/* ---- secrets, keys and the registry ---------------------------------------- */

#define PASS_MAX 1024

void cli_passphrase_free(char *pass)
{
	if (pass)
		sodium_free(pass);
}

/* Read one line from f into buf (sodium memory), without the newline. */
static int read_secret_line(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int c;
	while ((c = fgetc(f)) != EOF && c != '\n') {
		if (n + 1 >= cap)
			return -1;
		buf[n++] = (char)c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (c == EOF && n == 0 && ferror(f)) ? -1 : 0;
}

static int prompt_tty(const char *prompt, char *buf, size_t cap)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (tty == NULL)
		return -1;
	struct termios old, quiet;
	int fd = fileno(tty), have = tcgetattr(fd, &old) == 0;
	fprintf(tty, "%s", prompt);
	fflush(tty);
	if (have) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	int rc = read_secret_line(tty, buf, cap);
	if (have)
		tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	return rc;
}

int cli_passphrase(const cli_ctx *ctx, const char *prompt, int confirm, char **out)
{
	char *pass = sodium_malloc(PASS_MAX);
	*out = NULL;
	if (pass == NULL) {
		fputs("quanpiao: out of memory for the passphrase\n", stderr);
		return CLI_EXIT_IO;
	}
	const char *env = getenv("QUANPIAO_PASSPHRASE");
	if (ctx->passphrase_file) {
		/* Checked as a key file is: a passphrase readable by others is refused (exit 4). */
		int err = qp_passphrase_file_read(pass, PASS_MAX, ctx->passphrase_file);
		if (err != QP_OK) {
			sodium_free(pass);
			return cli_fail(ctx, err);
		}
	} else if (env != NULL) {
		if (strlen(env) >= PASS_MAX) {
			fputs("quanpiao: QUANPIAO_PASSPHRASE is too long\n", stderr);
			sodium_free(pass);
			return CLI_EXIT_USAGE;
		}
		snprintf(pass, PASS_MAX, "%s", env);
	} else {
		if (prompt_tty(prompt, pass, PASS_MAX) != 0) {
			fputs("quanpiao: a passphrase is needed: no terminal to ask on; use --passphrase-file or "
			      "QUANPIAO_PASSPHRASE\n",
			      stderr);
			sodium_free(pass);
			return CLI_EXIT_PERM;
		}
		if (confirm) {
			char *again = sodium_malloc(PASS_MAX);
			int same = again && prompt_tty("Repeat the passphrase: ", again, PASS_MAX) == 0 &&
				   strcmp(again, pass) == 0;
			if (again)
				sodium_free(again);
			if (!same) {
				fputs("quanpiao: the passphrases differ\n", stderr);
				sodium_free(pass);
				return CLI_EXIT_USAGE;
			}
		}
	}
	if (pass[0] == '\0') {
		fputs("quanpiao: the passphrase is empty\n", stderr);
		sodium_free(pass);
		return CLI_EXIT_USAGE;
	}
	*out = pass;
	return CLI_OK;
}

int cli_load_key(const cli_ctx *ctx, const char *path, qp_key **out)
{
	int encrypted = 0, rc;
	char *pass = NULL;
	*out = NULL;
	if (path == NULL)
		path = ctx->key_path;
	if (path == NULL || path[0] == '\0') {
		fputs("quanpiao: a signing key is needed: give --key FILE or set QUANPIAO_KEY\n", stderr);
		return CLI_EXIT_USAGE;
	}
	if ((rc = qp_key_file_encrypted(&encrypted, path)) != QP_OK)
		return cli_fail(ctx, rc);
	if (encrypted) {
		char prompt[512];
		snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", path);
		if ((rc = cli_passphrase(ctx, prompt, 0, &pass)) != CLI_OK)
			return rc;
	}
	rc = qp_key_load(out, path, pass);
	cli_passphrase_free(pass);
	return rc == QP_OK ? CLI_OK : cli_fail(ctx, rc);
}

/* Warn on stderr when the registry file may be read by other users (qp_registry_shared_mode). */
void cli_warn_shared(const qp_registry *reg)
{
	static int warned; /* once a process: a command may open the registry twice */
	char why[8192]; /* four copies of the path: a longer one is cut */
	if (qp_registry_shared_mode(reg, why, sizeof(why)) && !warned++)
		fprintf(stderr, "quanpiao: warning: %s\n", why);
}

int cli_open_registry(const cli_ctx *ctx, unsigned flags, qp_registry **out)
{
	if (ctx->server) /* a synced, verified mirror of the served registry */
		return client_open_registry(ctx, flags, out);
	int rc = qp_registry_open(out, ctx->db_path, flags);
	if (rc != QP_OK)
		return cli_fail(ctx, rc);
	cli_warn_shared(*out);
	return CLI_OK;
}

/* Write data to path through a temporary file beside it and a rename. */
int cli_write_file(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "quanpiao: --out: the path is too long\n");
		return CLI_EXIT_USAGE;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "quanpiao: %s: %s\n", path, strerror(errno));
		return errno == ENOENT ? CLI_EXIT_NOTFOUND : CLI_EXIT_IO;
	}
	FILE *f = fdopen(fd, "wb");
	int ok = f != NULL && fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fd) == 0;
	if (f)
		ok &= fclose(f) == 0;
	else
		close(fd);
	if (!ok || rename(tmp, path) != 0) {
		fprintf(stderr, "quanpiao: %s: cannot write: %s\n", path, strerror(errno));
		unlink(tmp);
		return CLI_EXIT_IO;
	}
	return CLI_OK;
}

int cli_read_file(const cli_ctx *ctx, const char *path, size_t max, char **out, size_t *out_len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	*out = NULL;
	if (f == NULL) {
		fprintf(stderr, "quanpiao: %s: %s\n", path, strerror(errno));
		return errno == ENOENT ? CLI_EXIT_NOTFOUND : CLI_EXIT_IO;
	}
	size_t cap = 4096, n = 0;
	char *data = malloc(cap);
	while (data) {
		if (n + 1 >= cap) {
			if (cap > max + 1)
				break;
			char *grown = realloc(data, cap * 2);
			if (grown == NULL) {
				free(data);
				data = NULL;
				break;
			}
			data = grown;
			cap *= 2;
		}
		size_t got = fread(data + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	int bad = f != stdin ? (ferror(f) | (fclose(f) != 0)) : ferror(f);
	if (data == NULL || bad) {
		free(data);
		fprintf(stderr, "quanpiao: %s: cannot read\n", path);
		return CLI_EXIT_IO;
	}
	if (n > max) {
		free(data);
		fprintf(stderr, "quanpiao: %s: larger than the limit of %zu bytes\n", path, max);
		return CLI_EXIT_INVALID;
	}
	data[n] = '\0';
	*out = data;
	*out_len = n;
	return CLI_OK;
}

int cli_parse_u64(const cli_ctx *ctx, const char *opt, const char *text, uint64_t *out)
{
	char *end = NULL;
	if (text == NULL || text[0] < '0' || text[0] > '9')
		return cli_usage_error(ctx, "--%s must be a whole number", opt);
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || v > INT64_MAX)
		return cli_usage_error(ctx, "--%s must be a whole number", opt);
	*out = v;
	return CLI_OK;
}

int cli_write(const char *data, size_t len)
{
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
		fputs("quanpiao: cannot write the output\n", stderr);
		return CLI_EXIT_IO;
	}
	return CLI_OK;
}

/* ---- shared by the commands that write and read records -------------------- */

int cli_submit(cli_ctx *ctx, const char *type, cJSON *body, uint64_t *index)
{
	qp_registry *reg = NULL;
	qp_key *key = NULL;
	if (ctx->server) /* signed here, appended by the service */
		return client_submit(ctx, type, body, index);
	char *json = cJSON_PrintUnformatted(body);
	int rc;
	cJSON_Delete(body);
	if (json == NULL) {
		fputs("quanpiao: out of memory building the entry\n", stderr);
		return CLI_EXIT_IO;
	}
	if ((rc = cli_load_key(ctx, NULL, &key)) == CLI_OK &&
	    (rc = cli_open_registry(ctx, 0, &reg)) == CLI_OK) {
		int err = qp_registry_submit(reg, key, type, json, index);
		rc = err == QP_OK ? CLI_OK : cli_fail(ctx, err);
	}
	free(json);
	qp_registry_free(reg);
	qp_key_free(key);
	return rc;
}

int cli_parse_int(const cli_ctx *ctx, const char *opt, const char *text, long long min, long long max,
		  long long *out)
{
	long long v = 0;
	size_t i = 0;
	for (; text[i] >= '0' && text[i] <= '9' && i < 18; i++)
		v = v * 10 + (text[i] - '0');
	if (i == 0 || text[i] != '\0' || v < min || v > max)
		return cli_invalid(ctx, "--%s: \"%s\" is not a whole number from %lld to %lld", opt, text,
				   min, max);
	*out = v;
	return CLI_OK;
}

int cli_check_resident(const cli_ctx *ctx, char out[19], const char *text, const char *opt)
{
	if (strchr(text, '*') != NULL)
		return cli_invalid(ctx,
				   "%s: %s is masked, as lists show ID numbers; lists and show commands print "
				   "them in full with --reveal, e.g. 'quanpiao household list --reveal' (officers "
				   "only: it is personal data)",
				   opt, text);
	int rc = qp_ids_check_resident(out, text, opt);
	return rc == QP_OK ? CLI_OK : cli_fail(ctx, rc);
}

bool cli_is_household_number(const char *text)
{
	/* 16 characters with a dash after the county: no other code is shaped so (the check names the rest). */
	return strlen(text) == QP_HOUSEHOLD_NUMBER_LEN && text[6] == '-';
}

int cli_household_ref(const cli_ctx *ctx, const char *text, const char *opt, char number[17], int missing)
{
	char id[QP_RESIDENT_ID_LEN + 1], masked[QP_RESIDENT_ID_LEN + 1];
	size_t len = strlen(text);
	int rc;
	number[0] = '\0';
	if (cli_is_household_number(text)) {
		if ((rc = qp_ids_check_household(text, NULL, opt)) != QP_OK)
			return cli_fail(ctx, rc);
		snprintf(number, QP_HOUSEHOLD_NUMBER_LEN + 1, "%s", text);
		return CLI_OK;
	}
	if (strchr(text, '*') == NULL && len != QP_RESIDENT_ID_LEN)
		return cli_invalid(ctx,
				   "%s: must be a household number (330681-H-0000001, 16 characters) or the "
				   "resident ID number of its head (18 characters), got %zu characters",
				   opt, len);
	if ((rc = cli_check_resident(ctx, id, text, opt)) != CLI_OK)
		return rc;
	if (ctx->server) {
		/* The mirror holds no personal data: the service looks the number up. */
		rc = client_household_number(ctx, id, number);
		sodium_memzero(id, sizeof(id));
		return rc == CLI_EXIT_NOTFOUND ? missing : rc;
	}
	qp_registry *reg = NULL;
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	int err = qp_household_find(number, reg, id);
	qp_registry_free(reg);
	if (err == QP_ENOTFOUND) {
		char msg[256];
		qp_ids_mask_resident(masked, id);
		snprintf(msg, sizeof(msg),
			 "%s: no household with ID number %s in the registry (add it with household add)",
			 opt, masked);
		rc = report_error(ctx, msg, missing == CLI_EXIT_INVALID ? QP_EINVALID : QP_ENOTFOUND);
	} else {
		rc = err == QP_OK ? CLI_OK : cli_fail(ctx, err);
	}
	sodium_memzero(id, sizeof(id));
	return rc;
}

int cli_check_member(const cli_ctx *ctx, const char *type, const char *member, const char *opt,
		     const char *text)
{
	int64_t max = 0;
	int rc = qp_schema_limits(type, member, NULL, &max);
	return rc == QP_OK ? cli_check_text(ctx, opt, text, (size_t)max) : cli_fail(ctx, rc);
}

int cli_parse_member(const cli_ctx *ctx, const char *type, const char *member, const char *opt,
		     const char *text, long long *out)
{
	int64_t min = 0, max = 0;
	int rc = qp_schema_limits(type, member, &min, &max);
	return rc == QP_OK ? cli_parse_int(ctx, opt, text, min, max, out) : cli_fail(ctx, rc);
}

int cli_parse_area(const cli_ctx *ctx, const char *opt, const char *text, int64_t *out)
{
	char max[32];
	int rc = qp_ids_parse_hundredths(out, text, opt);
	if (rc != QP_OK)
		return cli_fail(ctx, rc);
	if (*out <= 0 || *out > QP_AREA_MAX) {
		if (qp_ids_format_hundredths(max, sizeof(max), QP_AREA_MAX) != QP_OK)
			snprintf(max, sizeof(max), "?");
		return cli_invalid(ctx, "%s: %s m² is out of range; an area is more than 0 and at most %s m²",
				   opt, text, max);
	}
	return CLI_OK;
}

/* The one text check (quanpiao/text.h), reported with the option's name. */
int cli_check_text(const cli_ctx *ctx, const char *opt, const char *text, size_t max_len)
{
	char why[96];
	if (qp_text_problem(why, sizeof(why), text, max_len, 0) != NULL)
		return cli_invalid(ctx, "--%s: %s", opt, why);
	return CLI_OK;
}

int cli_cosigned_size(const cli_ctx *ctx, const char *k_text, struct qp_registry *reg, uint64_t *size)
{
	long long k = 0;
	int rc;
	*size = QP_LOG_LATEST;
	if (k_text == NULL)
		return CLI_OK;
	if ((rc = cli_parse_int(ctx, "cosigned", k_text, 1, QP_NOTE_MAX_SIGS - 1, &k)) != CLI_OK)
		return rc;
	int err = qp_log_cosigned_size(size, reg, (size_t)k);
	if (err == QP_ENOTFOUND)
		return cli_invalid(
		    ctx, "--cosigned: no checkpoint has %lld cosignature%s yet ('quanpiao witness cosign')",
		    k, k == 1 ? "" : "s");
	return err == QP_OK ? CLI_OK : cli_fail(ctx, err);
}
