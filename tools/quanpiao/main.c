/*
 * main.c - the quanpiao command-line tool: global options, then the command
 * from the table (commands.def).  Each command lives in its own
 * cmd_<group>.c file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "commands.h"

/*
 * Take a global option (cli_global_opts, but --help) at argv[*i], as --name
 * VALUE or --name=VALUE; returns 1 if taken, 0 if not, -1 on error.
 */
static int take_global(cli_ctx *ctx, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	if (strncmp(a, "--", 2) != 0)
		return 0;
	for (const cli_opt *o = cli_global_opts; o->name; o++) {
		size_t n = strlen(o->name);
		const char *value = "";
		if (strcmp(o->name, "help") == 0 || strncmp(a + 2, o->name, n) != 0)
			continue;
		if (a[2 + n] == '=' && o->arg) {
			value = a + 2 + n + 1;
		} else if (a[2 + n] != '\0') {
			continue;
		} else if (o->arg) {
			if (*i + 1 >= argc) {
				fprintf(stderr, "quanpiao: option %s needs a value\n", a);
				return -1;
			}
			value = argv[++*i];
		}
		cli_set_global(ctx, o->name, value);
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
			cli_print_overview(stdout);
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
		cli_print_overview(stderr);
		return CLI_EXIT_USAGE;
	}

	const char *group = NULL, *name = argv[i++];
	if (cli_is_group(name)) {
		group = name;
		if (i >= argc || argv[i][0] == '-') {
			int help = i < argc && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0);
			cli_print_group(help ? stdout : stderr, group);
			return help ? CLI_OK : CLI_EXIT_USAGE;
		}
		name = argv[i++];
	}
	ctx.cmd = cli_find_command(group, name);
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
	/* What --reveal showed is recorded once the command has shown it (reveal.c). */
	return cli_reveal_end(&ctx, ctx.cmd->run(&ctx, argc - i, argv + i), argc - i, argv + i);
}
