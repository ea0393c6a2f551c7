/*
 * help.c - what the tool prints to explain itself, from the command table:
 * the overview of every command, a group's subcommands, and the help
 * command that shows any of them ("quanpiao help [GROUP [NAME]]").
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

void cli_print_overview(FILE *f)
{
	fputs("usage: quanpiao", f);
	for (const cli_opt *o = cli_global_opts; o->name; o++)
		if (strcmp(o->name, "help") != 0)
			fprintf(f, " [--%s%s%s]", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	fputs(" COMMAND ...\n\n"
	      "quanpiao (权票) keeps a county's register of rural homes and rights\n"
	      "certificates as a signed, verifiable log.\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < cli_ncommands; i++) {
		const cli_cmd *c = cli_commands[i];
		char name[64];
		snprintf(name, sizeof(name), "%s%s%s", c->group ? c->group : "", c->group ? " " : "",
			 c->name);
		fprintf(f, "  %-24s %s\n", name, c->summary);
	}
	fputs("\nRun 'quanpiao help COMMAND' or 'quanpiao COMMAND --help' for the options of a command,\n"
	      "'man quanpiao' for the manual.\n"
	      "Environment: QUANPIAO_DB, QUANPIAO_KEY, QUANPIAO_PASSPHRASE.\n",
	      f);
}

void cli_print_group(FILE *f, const char *group)
{
	fprintf(f, "usage: quanpiao %s SUBCOMMAND ...\n\nSubcommands:\n", group);
	for (size_t i = 0; i < cli_ncommands; i++)
		if (cli_commands[i]->group && strcmp(cli_commands[i]->group, group) == 0)
			fprintf(f, "  %-12s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
}

static int run_help(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	if (args.npos == 0) {
		cli_print_overview(stdout);
		return CLI_OK;
	}
	if (args.npos > 2)
		return cli_usage_error(ctx, "help takes a command: a GROUP, a GROUP and a NAME, or a NAME");
	const char *first = args.pos[0], *second = args.npos == 2 ? args.pos[1] : NULL;
	const cli_cmd *cmd = NULL;
	if (cli_is_group(first)) {
		if (second == NULL) {
			cli_print_group(stdout, first);
			return CLI_OK;
		}
		if ((cmd = cli_find_command(first, second)) == NULL) {
			fprintf(stderr, "quanpiao: unknown command '%s %s' (see 'quanpiao help %s')\n", first,
				second, first);
			return CLI_EXIT_USAGE;
		}
	} else if ((cmd = cli_find_command(NULL, first)) == NULL) {
		fprintf(stderr, "quanpiao: unknown command '%s' (see 'quanpiao help')\n", first);
		return CLI_EXIT_USAGE;
	} else if (second != NULL) {
		fprintf(stderr, "quanpiao: %s has no subcommands (see 'quanpiao help %s')\n", first, first);
		return CLI_EXIT_USAGE;
	}
	cli_print_help(cmd);
	return CLI_OK;
}

const cli_cmd cmd_help = {
    .group = NULL,
    .name = "help",
    .run = run_help,
    .summary = "show the commands, a group's subcommands, or a command's help",
    .usage = "[GROUP [NAME] | NAME]",
    .description = "Without arguments, lists every command (as 'quanpiao --help' does).  With a group\n"
		   "(key, village, cert, ...), lists its subcommands; with a group and a subcommand, or\n"
		   "a top-level command, prints that command's help (as 'COMMAND --help' does).  An\n"
		   "unknown command exits 2.  The manual has the same text: man quanpiao, and\n"
		   "man quanpiao-GROUP for each group.",
};
