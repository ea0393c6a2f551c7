/*
 * cli.h - what the commands of the quanpiao tool share.
 *
 * The tool is a table of commands (main.c), one file per command group
 * (cmd_<name>.c).  Commands use only the public libquanpiao API.  Each
 * command parses its arguments with cli_parse, which also accepts the
 * global options anywhere on the line, and returns an exit status
 * (docs/design.md §4): 0 ok, 1 verification failed, 2 usage, 3 input rejected,
 * 4 not permitted, 5 conflict, 6 not found, 10 I/O or internal error.
 */
#ifndef QP_CLI_H
#define QP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define CLI_MAX_OPTS 32
#define CLI_MAX_POS  16

enum cli_exit {
	CLI_OK = 0,
	CLI_EXIT_VERIFY = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_INVALID = 3,
	CLI_EXIT_PERM = 4,
	CLI_EXIT_CONFLICT = 5,
	CLI_EXIT_NOTFOUND = 6,
	CLI_EXIT_IO = 10
};

/* One option of a command: --name, or --name ARG when arg is not NULL. */
typedef struct cli_opt {
	const char *name;
	const char *arg;
	const char *help;
} cli_opt;

struct cli_ctx;

/* One command of the tool: "id check", "init", ... */
typedef struct cli_cmd {
	const char *group; /* "id", or NULL for a top-level command */
	const char *name;  /* "check"                               */
	int (*run)(struct cli_ctx *ctx, int argc, char **argv);
	const char *summary;	 /* one line for the command list        */
	const char *usage;	 /* arguments after the command name     */
	const char *description; /* paragraphs for --help                */
	const cli_opt *opts;	 /* NULL-terminated, without the globals */
	const char *local_only;	 /* why it refuses --server, or NULL     */
} cli_cmd;

/*
 * The options every command accepts anywhere on its command line (cli.c),
 * NULL-terminated: --db, --key, --server, --passphrase-file, --json and
 * --help.  main.c takes them before the command, the help, man pages and
 * completion (mkdoc.c) list them from here.
 */
extern const cli_opt cli_global_opts[];

/* Settings from the global options and the environment. */
typedef struct cli_ctx {
	const char *db_path;  /* --db, QUANPIAO_DB, or ./registry.db */
	const char *key_path; /* --key, QUANPIAO_KEY, or NULL       */
	const char *server;   /* --server URL or NULL               */
	const char *passphrase_file; /* --passphrase-file FILE or NULL */
	bool json;	      /* --json                             */
	const cli_cmd *cmd;   /* the command being run              */
} cli_ctx;

/* The parsed arguments of a command. */
typedef struct cli_args {
	const char *value[CLI_MAX_OPTS]; /* by index into cmd->opts; "" for flags */
	const char *pos[CLI_MAX_POS];
	int npos;
	bool help;
} cli_args;

/*
 * Parse argv (argv[0] is the first word after the command name) against
 * ctx->cmd->opts and the global options.  Returns CLI_OK, or prints the
 * problem and returns CLI_EXIT_USAGE.  When --help was given, prints the
 * help, sets args->help and returns CLI_OK: the caller returns at once.
 */
int cli_parse(cli_ctx *ctx, int argc, char **argv, cli_args *args);

/* Set the global option name (of cli_global_opts, not "help") to value ("" for a flag). */
void cli_set_global(cli_ctx *ctx, const char *name, const char *value);

/* The value of option name, or NULL if it was not given. */
const char *cli_opt_value(const cli_ctx *ctx, const cli_args *args, const char *name);

/* Print ctx->cmd's help to stdout. */
void cli_print_help(const cli_cmd *cmd);

/* Print what a verified status proof says of its certificate (cmd_cert_status.c). */
struct qp_status_result;
struct qp_registry;
int cli_status_print(const cli_ctx *ctx, const struct qp_status_result *r);
/*
 * Check a status proof the registry made with its own log keys, newest first
 * (cmd_cert_status.c): QP_OK and *r filled, or the error of the last key tried
 * (QP_EVERIFY with r->size set when it proves the certificate absent).
 */
int cli_status_check(struct qp_status_result *r, struct qp_registry *reg, const char *proof, size_t len);

/* Print "quanpiao: <message>" to stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The exit status for a QP_E* code. */
int cli_exit_code(int qp_code);

/*
 * Report the library's last error: "quanpiao: <message>" on stderr and,
 * with --json, {"error": {...}} on stdout.  Returns the exit status for
 * code.
 */
int cli_fail(const cli_ctx *ctx, int code);

/*
 * Print a JSON document on one line of stdout and free it (NULL-safe).
 * Returns CLI_OK, or CLI_EXIT_IO if it could not be printed.
 */
int cli_json_emit(cJSON *doc);

/* Add a string member; bytes that are not UTF-8 become U+FFFD. */
void cli_json_add_text(cJSON *obj, const char *key, const char *text);

struct qp_key;
struct qp_registry;

/*
 * Get a passphrase: from --passphrase-file, else QUANPIAO_PASSPHRASE, else
 * a prompt on the terminal (asked twice when confirm is set).  *out is in
 * sodium_malloc memory; free it with cli_passphrase_free.  Returns CLI_OK
 * or an exit status after printing the problem.
 */
int cli_passphrase(const cli_ctx *ctx, const char *prompt, int confirm, char **out);
void cli_passphrase_free(char *pass);

/*
 * Load the secret key at path (--key when path is NULL), asking for its
 * passphrase if it has one.  Returns CLI_OK or an exit status after
 * printing the problem.
 */
int cli_load_key(const cli_ctx *ctx, const char *path, struct qp_key **out);

/* Open the registry at --db.  Returns CLI_OK or an exit status after printing the problem. */
int cli_open_registry(const cli_ctx *ctx, unsigned flags, struct qp_registry **out);
/* A warning on stderr if the registry file is not private to its owner (mode 0600). */
void cli_warn_shared(const struct qp_registry *reg);

/* ---- --reveal (reveal.c) ---------------------------------------------------------------- */

/*
 * A command was given --reveal: prove the caller holds an enrolled
 * officer or auditor key (--key or QUANPIAO_KEY), checked on the file or
 * the --server mirror.  CLI_OK, or the refusal printed and exit 4
 * (CLI_EXIT_PERM) when there is no such key.
 */
int cli_reveal_begin(cli_ctx *ctx);
/* The key --reveal was proven with, or NULL when not revealing (client.c signs with it). */
const struct qp_key *cli_reveal_key(void);
/* Note that the output shows this subject's personal data (a household number, "entry N"). */
void cli_reveal_note(const char *subject);
/* After the command: on a file, record what was shown in its access record.  Returns the exit status. */
int cli_reveal_end(const cli_ctx *ctx, int rc, int argc, char **argv);

/* Read a whole file ("-" = stdin) into malloc'd memory, at most max bytes. */
int cli_read_file(const cli_ctx *ctx, const char *path, size_t max, char **out, size_t *out_len);

/* Parse an unsigned decimal option value; prints the problem and returns CLI_EXIT_USAGE on error. */
int cli_parse_u64(const cli_ctx *ctx, const char *opt, const char *text, uint64_t *out);

/*
 * Write len bytes to the file at path (an --out), through a temporary file
 * beside it and a rename: an existing file is replaced whole or not at all.
 * Prints the problem naming path and returns CLI_EXIT_NOTFOUND (no such
 * directory), CLI_EXIT_IO (cannot write) or CLI_EXIT_USAGE (path too long).
 */
int cli_write_file(const char *path, const void *data, size_t len);

/* Write len bytes to stdout exactly; CLI_OK or CLI_EXIT_IO. */
int cli_write(const char *data, size_t len);

/*
 * Sign body (a JSON object, which this takes and frees) as an entry of
 * type with the key from --key or QUANPIAO_KEY, and append it to the
 * registry at --db.  *index (may be NULL) gets the entry's index.  Returns
 * CLI_OK, or an exit status after printing the problem (a refusal by the
 * registry's rules keeps its message and code).
 */
int cli_submit(cli_ctx *ctx, const char *type, cJSON *body, uint64_t *index);

/*
 * Parse the value of option opt (named without dashes) as a whole number
 * from min to max.  Prints "quanpiao: --opt: ..." and returns
 * CLI_EXIT_INVALID when it is not one (a bad value, not a usage error).
 */
/*
 * --cosigned K (k_text; NULL: not given): *size gets the size of the newest
 * checkpoint with at least K cosignatures, or QP_LOG_LATEST without the
 * option.  Exit 3 naming the option if K is out of range or none has K.
 */
int cli_cosigned_size(const cli_ctx *ctx, const char *k_text, struct qp_registry *reg, uint64_t *size);

int cli_parse_int(const cli_ctx *ctx, const char *opt, const char *text, long long min, long long max,
		  long long *out);

/*
 * Check a free-text option value (a name, a reason): not empty, UTF-8, no
 * control characters, at most max_len bytes.  Prints the problem and
 * returns CLI_EXIT_INVALID, or returns CLI_OK.
 */
int cli_check_text(const cli_ctx *ctx, const char *opt, const char *text, size_t max_len);

/*
 * Check a free-text option value (opt, without "--") that becomes the
 * member of an entry body of type: as cli_check_text, with the member's
 * limit from the schema (quanpiao/schema.h).
 */
int cli_check_member(const cli_ctx *ctx, const char *type, const char *member, const char *opt,
		     const char *text);

/*
 * Parse an integer option (opt, without "--") that becomes the member of
 * an entry body of type: as cli_parse_int, within the member's range in
 * the schema.
 */
int cli_parse_member(const cli_ctx *ctx, const char *type, const char *member, const char *opt,
		     const char *text, long long *out);

/*
 * An area option ("--area", as given): hundredths of m², more than 0 and
 * at most QP_AREA_MAX.  Prints the problem and returns CLI_EXIT_INVALID.
 */
int cli_parse_area(const cli_ctx *ctx, const char *opt, const char *text, int64_t *out);

/*
 * Check a resident ID number given as option opt ("--holder") and write it
 * normalised (upper-case X) to out.  A value masked the way lists show ID
 * numbers (330681********001X) gets a message saying how to see it in
 * full.  Prints the problem and returns CLI_EXIT_INVALID, or returns CLI_OK.
 */
int cli_check_resident(const cli_ctx *ctx, char out[19], const char *text, const char *opt);

/*
 * A household given as option opt ("--household", "--holder"): its
 * registry number (330681-H-0000001), checked, or its head's resident ID
 * number, looked up in the registry's personal data (through the service
 * with --server: a mirror holds none).  Writes number, so that the
 * bodies the CLI builds name households by number.  A masked ID number
 * gets the hint cli_check_resident gives.  missing is the exit status
 * when no household has the ID number: CLI_EXIT_INVALID for a write (as
 * the rules refuse an unknown number), CLI_EXIT_NOTFOUND for a read.
 * Prints the problem and returns an exit status, or returns CLI_OK.
 */
int cli_household_ref(const cli_ctx *ctx, const char *text, const char *opt, char number[17], int missing);

/* Whether text is meant as a household number (16 characters, 330681-...), to tell it from other codes. */
bool cli_is_household_number(const char *text);

/* Print "quanpiao: <message>" (and the --json error document); returns CLI_EXIT_INVALID. */
int cli_invalid(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
