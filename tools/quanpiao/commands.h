/*
 * commands.h - the commands of the quanpiao tool, one cli_cmd each,
 * defined in the cmd_<group>.c files and listed in main.c.
 */
#ifndef QP_COMMANDS_H
#define QP_COMMANDS_H

#include "cli.h"

extern const cli_cmd cmd_home_activate;
extern const cli_cmd cmd_home_add;
extern const cli_cmd cmd_home_correct;
extern const cli_cmd cmd_home_list;
extern const cli_cmd cmd_home_show;
extern const cli_cmd cmd_home_status;
extern const cli_cmd cmd_household_add;
extern const cli_cmd cmd_household_list;
extern const cli_cmd cmd_household_show;
extern const cli_cmd cmd_id_check;
extern const cli_cmd cmd_init;
extern const cli_cmd cmd_key_enroll;
extern const cli_cmd cmd_key_generate;
extern const cli_cmd cmd_key_list;
extern const cli_cmd cmd_key_revoke;
extern const cli_cmd cmd_key_show;
extern const cli_cmd cmd_log_append;
extern const cli_cmd cmd_log_checkpoint;
extern const cli_cmd cmd_log_consistency;
extern const cli_cmd cmd_log_entries;
extern const cli_cmd cmd_log_entry;
extern const cli_cmd cmd_log_proof;
extern const cli_cmd cmd_log_sign;
extern const cli_cmd cmd_stats;
extern const cli_cmd cmd_village_add;
extern const cli_cmd cmd_village_list;

#endif
