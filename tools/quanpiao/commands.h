/*
 * commands.h - the commands of the quanpiao tool, one cli_cmd each,
 * defined in the cmd_<group>.c files and listed in main.c.
 */
#ifndef QP_COMMANDS_H
#define QP_COMMANDS_H

#include "cli.h"

extern const cli_cmd cmd_cert_freeze;
extern const cli_cmd cmd_cert_history;
extern const cli_cmd cmd_cert_issue;
extern const cli_cmd cmd_cert_list;
extern const cli_cmd cmd_cert_redeem;
extern const cli_cmd cmd_cert_revoke;
extern const cli_cmd cmd_cert_show;
extern const cli_cmd cmd_cert_transfer;
extern const cli_cmd cmd_cert_unfreeze;
extern const cli_cmd cmd_home_activate;
extern const cli_cmd cmd_home_add;
extern const cli_cmd cmd_home_correct;
extern const cli_cmd cmd_home_list;
extern const cli_cmd cmd_home_show;
extern const cli_cmd cmd_home_status;
extern const cli_cmd cmd_household_add;
extern const cli_cmd cmd_household_list;
extern const cli_cmd cmd_household_show;
extern const cli_cmd cmd_audit;
extern const cli_cmd cmd_export;
extern const cli_cmd cmd_id_check;
extern const cli_cmd cmd_import;
extern const cli_cmd cmd_rebuild;
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
extern const cli_cmd cmd_policy_set;
extern const cli_cmd cmd_policy_show;
extern const cli_cmd cmd_stats;
extern const cli_cmd cmd_verify;
extern const cli_cmd cmd_witness_cosign;
extern const cli_cmd cmd_village_add;
extern const cli_cmd cmd_village_list;
extern const cli_cmd cmd_village_correct;

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
/* The holder to show: a household's ID number masked unless reveal; codes as they are. */
void cli_cert_holder(char out[QP_RESIDENT_ID_LEN + 1], const qp_cert *c, bool reveal);
/* The certificate's JSON object (docs/json.md); NULL when out of memory. */
cJSON *cli_cert_json(qp_registry *reg, const qp_cert *c, bool reveal);
/* A table of certificates: the header, then one row per certificate. */
cli_table *cli_certs_table(void);
int cli_certs_table_row(cli_table *t, const qp_cert *c, bool reveal);

/*
 * Check and normalise a holder option (into out, 19 bytes): a village code
 * (12 digits), a unified social credit code, or a resident ID number.
 * Prints the problem naming opt and returns CLI_EXIT_INVALID, or CLI_OK.
 */
int cli_cert_parse_holder(const cli_ctx *ctx, const char *opt, const char *text, char out[19]);
/* Check the shape of a certificate number (330681-2026-G-000123), naming what. */
int cli_cert_check_number(const cli_ctx *ctx, const char *what, const char *text);

#endif
