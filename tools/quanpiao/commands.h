/*
 * commands.h - the commands of the quanpiao tool, one cli_cmd each,
 * defined in the cmd_<group>.c files and listed in commands.def.
 */
#ifndef QP_COMMANDS_H
#define QP_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"

/* The commands, cmd_<id> for each QP_COMMAND(id) line of commands.def. */
#define QP_COMMAND(id) extern const cli_cmd cmd_##id;
#include "commands.def"
#undef QP_COMMAND

/* The command table (commands.c): every command, in the order of commands.def. */
extern const cli_cmd *const cli_commands[];
extern const size_t cli_ncommands;

/* Whether word is a command group ("key", "cert"): the first word of some command's name. */
bool cli_is_group(const char *word);
/* The command "group name", or the top-level command name when group is NULL; NULL if none. */
const cli_cmd *cli_find_command(const char *group, const char *name);
/* A command's first word after "quanpiao": its group, or its name for a top-level command. */
const char *cli_first_word(const cli_cmd *cmd);
/* Whether a command before cli_commands[i] has the same first word (to list each word once). */
bool cli_first_seen(size_t i);

/*
 * The help (help.c): the overview of every command, and a group's
 * subcommands, printed to f.
 */
void cli_print_overview(FILE *f);
void cli_print_group(FILE *f, const char *group);

/*
 * How a rights certificate is shown, the same in every command
 * (cmd_cert.c): cert show|list, the writes, household show.
 */
#include <quanpiao/quanpiao.h>

#include "table.h"

/* The shown state: QP_CERT_EXPIRED for a live certificate past its validity, else its state. */
int cli_cert_shown_state(const qp_cert *c);
/* "保障权票 guarantee", "有效 live", "转让 sale", "安置房 resettlement". */
void cli_cert_kind_text(char *buf, size_t len, qp_cert_kind kind);
void cli_cert_state_text(char *buf, size_t len, int state);
void cli_cert_basis_text(char *buf, size_t len, const char *basis);
void cli_cert_purpose_text(char *buf, size_t len, const char *purpose);
void cli_cert_holder_type_text(char *buf, size_t len, const char *holder_type); /* "农户 household" */
/*
 * The holder to show: a household's registry number, a village code or a
 * credit code, as the signed entries name it.  No personal data: a
 * certificate prints the same from a local file, through --server and
 * from a bundle (household show gives the head's masked ID number).
 */
void cli_cert_holder(char out[QP_RESIDENT_ID_LEN + 1], const qp_cert *c, bool reveal);
/* The certificate's JSON object (docs/json.md); NULL when out of memory. */
cJSON *cli_cert_json(qp_registry *reg, const qp_cert *c, bool reveal);
/* A table of certificates: the header, then one row per certificate. */
cli_table *cli_certs_table(void);
int cli_certs_table_row(cli_table *t, const qp_cert *c, bool reveal);

/*
 * Check and normalise a holder option (into out, 19 bytes): a village code
 * (12 digits), a unified social credit code, or a household, given by
 * number or by its head's ID number, which becomes its number
 * (cli_household_ref; missing as there).  Prints the problem naming opt
 * and returns an exit status, or CLI_OK.
 */
int cli_cert_parse_holder(const cli_ctx *ctx, const char *opt, const char *text, char out[19], int missing);
/* Check the shape of a certificate number (330681-2026-G-000123), naming what. */
int cli_cert_check_number(const cli_ctx *ctx, const char *what, const char *text);

#endif
