/*
 * commands.h - the commands of the quanpiao tool, one cli_cmd each,
 * defined in the cmd_<group>.c files and listed in main.c.
 */
#ifndef QP_COMMANDS_H
#define QP_COMMANDS_H

#include "cli.h"

extern const cli_cmd cmd_id_check;

#endif
