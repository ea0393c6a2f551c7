/*
 * commands.c - the command table of the quanpiao tool (built from
 * commands.def) and the lookups that main.c, the help command and the
 * documentation generator (mkdoc.c) share.
 */
#include <string.h>

#include "commands.h"

const cli_cmd *const cli_commands[] = {
#define QP_COMMAND(id) &cmd_##id,
#include "commands.def"
#undef QP_COMMAND
};

const size_t cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);

bool cli_is_group(const char *word)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (cli_commands[i]->group && strcmp(cli_commands[i]->group, word) == 0)
			return true;
	return false;
}

const cli_cmd *cli_find_command(const char *group, const char *name)
{
	for (size_t i = 0; i < cli_ncommands; i++) {
		const cli_cmd *c = cli_commands[i];
		if ((group == NULL) != (c->group == NULL))
			continue;
		if (group && strcmp(group, c->group) != 0)
			continue;
		if (strcmp(name, c->name) == 0)
			return c;
	}
	return NULL;
}

const char *cli_first_word(const cli_cmd *cmd)
{
	return cmd->group ? cmd->group : cmd->name;
}

bool cli_first_seen(size_t i)
{
	const char *word = cli_first_word(cli_commands[i]);
	for (size_t k = 0; k < i; k++)
		if (strcmp(cli_first_word(cli_commands[k]), word) == 0)
			return true;
	return false;
}
