/*
 * help.c - what the tool prints to explain itself: the overview of every
 * command and a group's subcommands, from the command table.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

void cli_print_overview(FILE *f)
{
	fprintf(f, "usage: quanpiao [--db PATH] [--key FILE] [--server URL] [--json] COMMAND ...\n\n"
		   "quanpiao (权票) keeps a county's register of rural homes and rights\n"
		   "certificates as a signed, verifiable log.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < cli_ncommands; i++) {
		const cli_cmd *c = cli_commands[i];
		char name[64];
		snprintf(name, sizeof(name), "%s%s%s", c->group ? c->group : "", c->group ? " " : "",
			 c->name);
		fprintf(f, "  %-24s %s\n", name, c->summary);
	}
	fprintf(f, "\nRun 'quanpiao COMMAND --help' for the options of a command.\n"
		   "Environment: QUANPIAO_DB, QUANPIAO_KEY, QUANPIAO_PASSPHRASE.\n");
}

void cli_print_group(FILE *f, const char *group)
{
	fprintf(f, "usage: quanpiao %s SUBCOMMAND ...\n\nSubcommands:\n", group);
	for (size_t i = 0; i < cli_ncommands; i++)
		if (cli_commands[i]->group && strcmp(cli_commands[i]->group, group) == 0)
			fprintf(f, "  %-12s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
}
