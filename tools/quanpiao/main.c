/*
 * main.c - the quanpiao command-line tool: global options and the command
 * table.  Each command lives in its own cmd_<group>.c file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "commands.h"

static const cli_cmd *const commands[] = {
    /* keys and the registry */
    &cmd_key_generate,
    &cmd_key_show,
    &cmd_init,
    &cmd_key_enroll,
    &cmd_key_revoke,
    &cmd_key_list,
    /* villages, households, homes */
    &cmd_village_add,
    &cmd_village_list,
    &cmd_village_correct,
    &cmd_household_add,
    &cmd_household_list,
    &cmd_household_show,
    &cmd_home_add,
    &cmd_home_status,
    &cmd_home_activate,
    &cmd_home_correct,
    &cmd_home_list,
    &cmd_home_show,
    &cmd_stats,
    /* rights certificates and the policy */
    &cmd_cert_issue,
    &cmd_cert_transfer,
    &cmd_cert_redeem,
    &cmd_cert_freeze,
    &cmd_cert_unfreeze,
    &cmd_cert_revoke,
    &cmd_cert_show,
    &cmd_cert_list,
    &cmd_cert_history,
    &cmd_import,
    &cmd_policy_show,
    &cmd_policy_set,
    /* the log */
    &cmd_log_sign,
    &cmd_log_checkpoint,
    &cmd_log_entry,
    &cmd_log_entries,
    &cmd_log_proof,
    &cmd_log_consistency,
    &cmd_log_append,
    /* audit */
    &cmd_audit,
    &cmd_rebuild,
    &cmd_export,
    &cmd_verify,
    &cmd_witness_cosign,
    /* tools */
    &cmd_id_check,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_overview(FILE *f)
{
	fprintf(f, "usage: quanpiao [--db PATH] [--key FILE] [--server URL] [--json] COMMAND ...\n\n"
		   "quanpiao (权票) keeps a county's register of rural homes and rights\n"
		   "certificates as a signed, verifiable log.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s%s%s", commands[i]->group ? commands[i]->group : "",
			 commands[i]->group ? " " : "", commands[i]->name);
		fprintf(f, "  %-24s %s\n", name, commands[i]->summary);
	}
	fprintf(f, "\nRun 'quanpiao COMMAND --help' for the options of a command.\n"
		   "Environment: QUANPIAO_DB, QUANPIAO_KEY, QUANPIAO_PASSPHRASE.\n");
}

static int is_group(const char *word)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i]->group && strcmp(commands[i]->group, word) == 0)
			return 1;
	return 0;
}

static void print_group(FILE *f, const char *group)
{
	fprintf(f, "usage: quanpiao %s SUBCOMMAND ...\n\nSubcommands:\n", group);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i]->group && strcmp(commands[i]->group, group) == 0)
			fprintf(f, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
}

static const cli_cmd *find_command(const char *group, const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const cli_cmd *c = commands[i];
		if ((group == NULL) != (c->group == NULL))
			continue;
		if (group && strcmp(group, c->group) != 0)
			continue;
		if (strcmp(name, c->name) == 0)
			return c;
	}
	return NULL;
}

/* Take a global option at argv[*i]; returns 1 if taken, 0 if not, -1 on error. */
static int take_global(cli_ctx *ctx, int argc, char **argv, int *i)
{
	static const char *with_value[] = {"--db", "--key", "--server", "--passphrase-file"};
	const char *a = argv[*i];
	if (strcmp(a, "--json") == 0) {
		ctx->json = true;
		return 1;
	}
	for (size_t k = 0; k < 4; k++) {
		size_t n = strlen(with_value[k]);
		const char *value = NULL;
		if (strcmp(a, with_value[k]) == 0) {
			if (*i + 1 >= argc) {
				fprintf(stderr, "quanpiao: option %s needs a value\n", a);
				return -1;
			}
			value = argv[++*i];
		} else if (strncmp(a, with_value[k], n) == 0 && a[n] == '=') {
			value = a + n + 1;
		} else {
			continue;
		}
		if (k == 0)
			ctx->db_path = value;
		else if (k == 1)
			ctx->key_path = value;
		else if (k == 2)
			ctx->server = value;
		else
			ctx->passphrase_file = value;
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	cli_ctx ctx = {0};
	int i = 1;

	if (sodium_init() < 0) {
		fputs("quanpiao: libsodium failed to initialise\n", stderr);
		return CLI_EXIT_IO;
	}

	ctx.db_path = getenv("QUANPIAO_DB");
	if (ctx.db_path == NULL || ctx.db_path[0] == '\0')
		ctx.db_path = "./registry.db";
	ctx.key_path = getenv("QUANPIAO_KEY");
	if (ctx.key_path != NULL && ctx.key_path[0] == '\0')
		ctx.key_path = NULL;

	for (; i < argc && argv[i][0] == '-'; i++) {
		int t = take_global(&ctx, argc, argv, &i);
		if (t < 0)
			return CLI_EXIT_USAGE;
		if (t > 0)
			continue;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_overview(stdout);
			return CLI_OK;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("quanpiao %s\n", qp_version());
			return CLI_OK;
		}
		fprintf(stderr, "quanpiao: unknown option %s (see 'quanpiao --help')\n", argv[i]);
		return CLI_EXIT_USAGE;
	}
	if (i >= argc) {
		print_overview(stderr);
		return CLI_EXIT_USAGE;
	}

	const char *group = NULL, *name = argv[i++];
	if (is_group(name)) {
		group = name;
		if (i >= argc || argv[i][0] == '-') {
			int help = i < argc && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0);
			print_group(help ? stdout : stderr, group);
			return help ? CLI_OK : CLI_EXIT_USAGE;
		}
		name = argv[i++];
	}
	ctx.cmd = find_command(group, name);
	if (ctx.cmd == NULL) {
		if (group)
			fprintf(stderr, "quanpiao: unknown command '%s %s' (see 'quanpiao %s --help')\n",
				group, name, group);
		else
			fprintf(stderr, "quanpiao: unknown command '%s' (see 'quanpiao --help')\n", name);
		return CLI_EXIT_USAGE;
	}
	if (ctx.server && ctx.cmd->local_only) {
		int help = 0;
		for (int k = i; k < argc; k++)
			help |= strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0;
		if (!help) {
			fprintf(stderr, "quanpiao: %s%s%s does not work with --server: %s\n",
				group ? group : "", group ? " " : "", name, ctx.cmd->local_only);
			return CLI_EXIT_USAGE;
		}
	}
	return ctx.cmd->run(&ctx, argc - i, argv + i);
}
