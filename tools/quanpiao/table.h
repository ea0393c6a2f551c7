/*
 * table.h - how the commands show things to people: aligned tables that
 * read well in a UTF-8 terminal (Chinese characters take two columns),
 * money in yuan with its 万元/亿元 form, and the rows and JSON objects of
 * the registry's records (villages, households, homes, activations,
 * history events), so that every command shows a record the same way.
 */
#ifndef QP_TABLE_H
#define QP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include <quanpiao/quanpiao.h>

/* ---- display width ----------------------------------------------------- */

/*
 * The number of terminal columns text takes: East Asian wide and fullwidth
 * characters count 2, everything else 1 (a byte that is not valid UTF-8
 * counts 1, as it is shown as one replacement character).
 */
size_t cli_display_width(const char *text);

/* ---- tables ------------------------------------------------------------- */

typedef struct cli_table cli_table;

/*
 * A table of ncols columns.  headers holds ncols strings ("单元 unit"), or
 * is NULL for a table without a header row (a key/value block).  align
 * holds one letter per column, 'l' or 'r' (right: numbers); NULL aligns
 * every column left.  Returns NULL when out of memory; every other
 * cli_table function accepts NULL and then fails.  Free with
 * cli_table_free.
 */
cli_table *cli_table_new(size_t ncols, const char *const *headers, const char *align);

/*
 * Add a row of ncols cells (copied; NULL shows as "-").  Control
 * characters and bytes that are not UTF-8 become U+FFFD, so a cell never
 * moves the cursor or breaks a multibyte character.  Returns CLI_OK or
 * CLI_EXIT_IO (out of memory); a failure is also remembered and reported
 * by cli_table_print.
 */
int cli_table_row(cli_table *t, const char *const *cells);

/*
 * Print the header (if any) and the rows to f, columns separated by two
 * spaces and padded with spaces to their widest cell; the last column is
 * not padded, so no line ends in blanks.  indent spaces go before each
 * line.  Returns CLI_OK, or CLI_EXIT_IO if a row could not be added or
 * the output could not be written.
 */
int cli_table_print(const cli_table *t, FILE *f, size_t indent);

/* The number of rows added (not counting the header). */
size_t cli_table_rows(const cli_table *t);

void cli_table_free(cli_table *t);

/* ---- amounts ------------------------------------------------------------ */

/* Enough for any amount in either form below. */
#define CLI_MONEY_LEN 64

/*
 * Write fen (hundredths of a yuan) as Chinese people read large sums:
 * "4.72亿元" from 1亿 yuan up, "120.00万元" from 1万 yuan up, "500.00元"
 * below; the 万/亿 forms are rounded half up to 2 decimals, in integer
 * arithmetic.  buf holds CLI_MONEY_LEN bytes.
 */
void cli_format_yuan_cn(char *buf, size_t buf_len, int64_t fen);

/* "472000000.00 (4.72亿元)": yuan with 2 decimals, then the form above. */
void cli_format_money(char *buf, size_t buf_len, int64_t fen);

/* "120.50": hundredths (m², fen) with 2 decimals. */
void cli_format_hundredths(char *buf, size_t buf_len, int64_t value);

/* ---- records --------------------------------------------------------------- */

/* The resident ID number to show: in full with reveal, else masked. */
void cli_show_resident(char out[QP_RESIDENT_ID_LEN + 1], const char *id_number, bool reveal);

/*
 * Personal data the registry file does not hold, in words: "已删除 erased
 * by entry 20)" when household.erase deleted it, else "未持有 not held in this file"
 * (a mirror of a served registry holds none).  Never an empty cell.
 */
#define CLI_PERSONAL_TEXT_LEN 96
void cli_personal_absent(char *buf, size_t len, bool erased, uint64_t erased_at);
/* A household's head's ID number (masked unless reveal) or name, or why the file holds none. */
void cli_household_id_text(char *buf, size_t len, const qp_household *h, bool reveal);
void cli_household_name_text(char *buf, size_t len, const qp_household *h);
/* "330681-H-0000001 330681********0018 王大明", or "330681-H-0000001 (已删除 erased by entry 20)". */
void cli_household_text(char *buf, size_t len, const qp_household *h, bool reveal);

/* "闲置 idle" (Chinese label, then the name). */
void cli_status_text(char *buf, size_t buf_len, qp_home_status status);

/* JSON objects of records; NULL when out of memory.  IDs masked unless reveal. */
cJSON *cli_village_json(const qp_village *v);
cJSON *cli_household_json(const qp_household *h, bool reveal);
cJSON *cli_home_json(const qp_home *h, bool reveal);
cJSON *cli_activation_json(const qp_activation *a, bool reveal);
cJSON *cli_home_event_json(const qp_home_event *e);

/* Tables of records: the header, then one row per record. */
cli_table *cli_homes_table(void);
int cli_homes_table_row(cli_table *t, const qp_home *h, bool reveal);
cli_table *cli_activations_table(void);
int cli_activations_table_row(cli_table *t, const qp_activation *a, bool reveal);
cli_table *cli_history_table(void);
int cli_history_table_row(cli_table *t, const qp_home_event *e);

#endif
