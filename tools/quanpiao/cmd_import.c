/*
 * cmd_import.c - quanpiao import: legacy land tickets (地票) and
 * dilapidated-house rights records from the old system's exports, signed
 * by the importing officer, exactly once (docs/import.md).
 *
 * The library does the work (qp_import); this command reads the options,
 * writes every problem to the report (a CSV file) or to stderr, draws a
 * progress bar when stderr is a terminal, and prints the summary.  Exit 0
 * when every row was imported or already present, 3 when any row was
 * rejected (the good rows are imported unless --all-or-nothing), and the
 * usual codes when the import itself stops (a bad header 3, no file 6,
 * key not permitted 4, registry busy 5, I/O 10).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"

#define MAPPING_MAX (1024 * 1024)

static const cli_opt import_opts[] = {
    {"format", "FORMAT", "csv or jsonl (default: jsonl for .jsonl/.ndjson files, else csv)"},
    {"encoding", "ENC",
     "auto (default: UTF-8 or GB18030, whichever the whole file is; a file mixing them is refused), utf-8 or "
     "gb18030"},
    {"mapping", "FILE", "a JSON mapping of columns, types, statuses and purposes over the defaults"},
    {"report", "FILE", "write every problem to FILE as CSV (line,legacy_no,column,value,reason)"},
    {"dry-run", NULL, "check every row against the registry and write nothing"},
    {"all-or-nothing", NULL, "import nothing if any row is rejected"},
    {"batch", "N", "rows per transaction (default: 10000, or a second's worth)"},
    {"reveal", NULL,
     "show ID and mobile numbers in problems in full (officers only; they are personal data)"},
    {NULL, NULL, NULL},
};

typedef struct import_ui {
	const cli_ctx *ctx;
	FILE *report;
	int reveal; /* --reveal: values as read, ID and mobile numbers in full */
	int tty;
	int shown; /* a progress line is on the terminal */
	double start, last;
} import_ui;

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void clear_progress(import_ui *ui)
{
	if (ui->shown) {
		fputs("\r\033[K", stderr);
		ui->shown = 0;
	}
}

/*
 * One CSV field: quoted when it holds a comma, quote, line break or edge
 * space.  A field a spreadsheet would take for a formula (it starts with =,
 * +, - or @) gets a leading ' so that it is shown as text, never run.  The
 * text is already escaped (qp_text_escape): no control characters.
 */
static void csv_field(FILE *f, const char *s, int last)
{
	size_t n = strlen(s);
	int formula = n > 0 && strchr("=+-@", s[0]) != NULL;
	int quote = n > 0 && (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[n - 1] == ' ');
	if (quote) {
		fputc('"', f);
		if (formula)
			fputc('\'', f);
		for (const char *p = s; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	} else {
		if (formula)
			fputc('\'', f);
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * value with each resident ID number (17 digits and a digit or X) masked
 * as the registry masks them (330681********0018), and each 11-digit
 * mobile number (138****5678): personal data, shown in full only with
 * --reveal.  The reasons are the library's, which masks them itself.
 * Returns malloc'd text, or NULL when out of memory.
 */
static char *masked_value(const char *value)
{
	char *out = strdup(value);
	for (char *p = out; p && *p;) {
		if (!is_digit(*p)) {
			p++;
			continue;
		}
		char *q = p;
		while (is_digit(*q))
			q++;
		size_t n = (size_t)(q - p);
		if (n == 17 && (*q == 'X' || *q == 'x')) {
			n = 18;
			q++;
		}
		if (n == 18)
			memset(p + 6, '*', 8);
		else if (n == 11 && p[0] == '1')
			memset(p + 3, '*', 4);
		p = q;
	}
	return out;
}

/* One problem to the report, or to stderr. */
static int write_problem(import_ui *ui, const qp_import_problem *pr)
{
	if (ui->report) {
		char line[32];
		snprintf(line, sizeof(line), "%llu", (unsigned long long)pr->line);
		csv_field(ui->report, line, 0);
		csv_field(ui->report, pr->legacy_no, 0);
		csv_field(ui->report, pr->column, 0);
		csv_field(ui->report, pr->value, 0);
		csv_field(ui->report, pr->reason, 1);
		return ferror(ui->report) ? QP_EIO : QP_OK;
	}
	clear_progress(ui);
	fprintf(stderr, "quanpiao: line %llu", (unsigned long long)pr->line);
	if (pr->legacy_no[0])
		fprintf(stderr, " (%s)", pr->legacy_no);
	if (pr->column[0])
		fprintf(stderr, ": %s \"%s\"", pr->column, pr->value);
	fprintf(stderr, ": %s\n", pr->reason);
	return QP_OK;
}

/* Text of a problem as shown: control, bidirectional and zero-width characters escaped. */
static char *shown_text(const char *s)
{
	size_t size = strlen(s) * 8 + 1;
	char *out = malloc(size);
	if (out)
		qp_text_escape(out, size, s);
	return out;
}

static int on_problem(void *p, const qp_import_problem *pr)
{
	import_ui *ui = p;
	char *masked = ui->reveal ? NULL : masked_value(pr->value);
	qp_import_problem shown = *pr;
	char *value = shown_text(masked	      ? masked
				 : ui->reveal ? pr->value
					      : ""),
	     *legacy_no = shown_text(pr->legacy_no), *column = shown_text(pr->column),
	     *reason = shown_text(pr->reason);
	int rc = QP_ENOMEM;
	if (value && legacy_no && column && reason) {
		shown.value = value;
		shown.legacy_no = legacy_no;
		shown.column = column;
		shown.reason = reason;
		rc = write_problem(ui, &shown);
	}
	free(value);
	free(legacy_no);
	free(column);
	free(reason);
	free(masked);
	return rc;
}

static void on_progress(void *p, const qp_import_stats *s)
{
	import_ui *ui = p;
	double t = now_seconds();
	if (!ui->tty || t - ui->last < 0.2)
		return;
	ui->last = t;
	double rate = t > ui->start ? (double)s->read / (t - ui->start) : 0;
	double frac = s->bytes_total ? (double)s->bytes_read / (double)s->bytes_total : 0;
	char bar[21], eta[32] = "";
	for (int i = 0; i < 20; i++)
		bar[i] = i < (int)(frac * 20) ? '#' : '-';
	bar[20] = '\0';
	if (s->bytes_total && frac > 0.001) {
		double left = (t - ui->start) * (1 - frac) / frac;
		snprintf(eta, sizeof(eta), "  ETA %d:%02d", (int)left / 60, (int)left % 60);
	}
	fprintf(stderr, "\r\033[Kimport [%s] %3.0f%%  %llu rows  %.0f rows/s%s", bar, frac * 100,
		(unsigned long long)s->read, rate, eta);
	ui->shown = 1;
}

static int parse_choice(const cli_ctx *ctx, const char *opt, const char *value, const char *const *choices,
			size_t n, int *out)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(value, choices[i]) == 0) {
			*out = (int)i;
			return CLI_OK;
		}
	return cli_usage_error(ctx, "--%s must be %s or %s%s%s, not %s", opt, choices[0], choices[1],
			       n > 2 ? " or " : "", n > 2 ? choices[2] : "", value);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void print_summary(const cli_ctx *ctx, const qp_import_stats *s, unsigned flags, const char *report)
{
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "read", (double)s->read);
		cJSON_AddNumberToObject(doc, "imported", (double)s->imported);
		cJSON_AddNumberToObject(doc, "valid", (double)s->valid);
		cJSON_AddNumberToObject(doc, "present", (double)s->present);
		cJSON_AddNumberToObject(doc, "rejected", (double)s->rejected);
		cJSON_AddNumberToObject(doc, "warnings", (double)s->warnings);
		cJSON_AddNumberToObject(doc, "entries", (double)s->entries);
		cJSON_AddBoolToObject(doc, "dry_run", (flags & QP_IMPORT_DRY_RUN) != 0);
		cJSON_AddBoolToObject(doc, "all_or_nothing", (flags & QP_IMPORT_ALL_OR_NOTHING) != 0);
		if (report)
			cli_json_add_text(doc, "report", report);
		else
			cJSON_AddNullToObject(doc, "report");
		cli_json_emit(doc);
		return;
	}
	char warnings[48] = "";
	if (s->warnings)
		snprintf(warnings, sizeof(warnings), ", %llu warning%s", (unsigned long long)s->warnings,
			 s->warnings == 1 ? "" : "s");
	if (flags & QP_IMPORT_DRY_RUN)
		printf(
		    "dry run: read %llu row%s: %llu would be imported, %llu already present, %llu rejected%s; "
		    "nothing was written\n",
		    (unsigned long long)s->read, s->read == 1 ? "" : "s", (unsigned long long)s->valid, (unsigned long long)s->present,
		    (unsigned long long)s->rejected, warnings);
	else if ((flags & QP_IMPORT_ALL_OR_NOTHING) && s->rejected)
		printf(
		    "read %llu row%s: %llu rejected, so nothing was imported (--all-or-nothing); %llu good, "
		    "%llu already present%s\n",
		    (unsigned long long)s->read, s->read == 1 ? "" : "s", (unsigned long long)s->rejected,
		    (unsigned long long)s->valid, (unsigned long long)s->present, warnings);
	else
		printf(
		    "read %llu row%s: %llu imported, %llu already present, %llu rejected%s (%llu entries)\n",
		    (unsigned long long)s->read, s->read == 1 ? "" : "s", (unsigned long long)s->imported,
		    (unsigned long long)s->present, (unsigned long long)s->rejected, warnings,
		    (unsigned long long)s->entries);
	if (report && (s->rejected || s->warnings))
		printf("problems are listed in %s\n", report);
}

static int run_import(cli_ctx *ctx, int argc, char **argv)
{
	static const char *const formats[] = {"csv", "jsonl"};
	static const char *const encodings[] = {"auto", "utf-8", "gb18030"};
	cli_args args;
	qp_registry *reg = NULL;
	qp_key *key = NULL;
	char *mapping = NULL;
	size_t mapping_len = 0;
	int format = 0, encoding = 0;
	uint64_t batch = 0;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	if (args.npos != 1)
		return cli_usage_error(ctx, "import takes one file (- for standard input)");
	const char *file = args.pos[0], *fmt = cli_opt_value(ctx, &args, "format");
	const char *enc = cli_opt_value(ctx, &args, "encoding"), *map = cli_opt_value(ctx, &args, "mapping");
	const char *report = cli_opt_value(ctx, &args, "report"), *b = cli_opt_value(ctx, &args, "batch");
	unsigned flags = (cli_opt_value(ctx, &args, "dry-run") ? QP_IMPORT_DRY_RUN : 0) |
			 (cli_opt_value(ctx, &args, "all-or-nothing") ? QP_IMPORT_ALL_OR_NOTHING : 0);
	if (fmt && (rc = parse_choice(ctx, "format", fmt, formats, 2, &format)) != CLI_OK)
		return rc;
	if (fmt == NULL)
		format = has_suffix(file, ".jsonl") || has_suffix(file, ".ndjson");
	if (enc && (rc = parse_choice(ctx, "encoding", enc, encodings, 3, &encoding)) != CLI_OK)
		return rc;
	if (b && ((rc = cli_parse_u64(ctx, "batch", b, &batch)) != CLI_OK || batch < 1 || batch > 1000000))
		return rc != CLI_OK ? rc : cli_usage_error(ctx, "--batch must be from 1 to 1000000");
	if (map && (rc = cli_read_file(ctx, map, MAPPING_MAX, &mapping, &mapping_len)) != CLI_OK)
		return rc;

	import_ui ui = {ctx, NULL, cli_opt_value(ctx, &args, "reveal") != NULL, isatty(2) && !ctx->json, 0,
			now_seconds(), 0};
	qp_import_options opt = {(qp_import_format)format,
				 (qp_import_encoding)encoding,
				 flags,
				 mapping,
				 (size_t)batch,
				 on_problem,
				 on_progress,
				 &ui};
	qp_import_stats s;
	if ((rc = cli_load_key(ctx, NULL, &key)) != CLI_OK ||
	    (rc = cli_open_registry(ctx, 0, &reg)) != CLI_OK)
		goto done;
	if (report) {
		/* Created 0600: the report holds rows of the registry, and personal data with --reveal. */
		int fd = open(report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0 && fchmod(fd, 0600) != 0) {
			close(fd);
			fd = -1;
		}
		if (fd < 0 || (ui.report = fdopen(fd, "w")) == NULL) {
			if (fd >= 0)
				close(fd);
			fprintf(stderr, "quanpiao: --report: cannot write %s\n", report);
			rc = CLI_EXIT_IO;
			goto done;
		}
		/* A byte-order mark, so that spreadsheet programs read the report as UTF-8. */
		fputs("\xEF\xBB\xBF", ui.report);
		csv_field(ui.report, "line", 0);
		csv_field(ui.report, "legacy_no", 0);
		csv_field(ui.report, "column", 0);
		csv_field(ui.report, "value", 0);
		csv_field(ui.report, "reason", 1);
	}
	int err = qp_import(&s, reg, key, strcmp(file, "-") == 0 ? "/dev/stdin" : file, &opt);
	clear_progress(&ui);
	int report_bad = ui.report && fclose(ui.report) != 0;
	ui.report = NULL;
	if (err != QP_OK) {
		rc = cli_fail(ctx, err);
		if (s.imported)
			fprintf(stderr,
				"quanpiao: %llu rows were imported before this; run the same import again to "
				"finish (rows already imported count as present)\n",
				(unsigned long long)s.imported);
		goto done;
	}
	print_summary(ctx, &s, flags, report);
	rc = s.rejected ? CLI_EXIT_INVALID : CLI_OK;
	if (report_bad) {
		fprintf(stderr, "quanpiao: --report: could not finish writing %s\n", report);
		rc = CLI_EXIT_IO;
	}
done:
	if (ui.report)
		fclose(ui.report);
	free(mapping);
	qp_registry_free(reg);
	qp_key_free(key);
	return rc;
}

const cli_cmd cmd_import = {
    .group = NULL,
    .name = "import",
    .run = run_import,
    .summary = "import legacy land tickets and rights records, exactly once (officer key)",
    .usage = "FILE [--format csv|jsonl] [--encoding auto|utf-8|gb18030] [--mapping FILE] [--report FILE]\n"
	     "       [--dry-run] [--all-or-nothing] [--reveal] --key OFFICER.key",
    .description =
	"Reads a legacy export (CSV or JSON Lines, UTF-8 or GB18030) whose header names the columns\n"
	"in Chinese or English, in any order: 票号/legacy_no, 类型/type, 持有人/holder_name,\n"
	"证件号码/holder_id, 村代码/village, 不动产单元号/unit, 面积/area, 发证日期/issued_on,\n"
	"有效期至/valid_until, 状态/status, 备注/note (and 宅基地面积/land_area).  Other columns are\n"
	"kept in the certificate's legacy record, which holds no personal data: not the holder's\n"
	"ID number and name (kept beside the log), and a row whose other column looks like an ID\n"
	"or phone number, or is named as one (联系电话 ...), is rejected; the mapping's \"drop\"\n"
	"leaves such a column out.  Types: 宅基地退出 guarantee, 危旧房权益保全\n"
	"retention, 地票 and 复垦 collective; statuses 有效 live, 已使用 redeemed, 已注销 revoked.\n"
	"A collective row's 证件号码 may be its village's collective credit code (village add\n"
	"--uscc), and its unit the reclaimed parcel (fixture type W) of a registered home.  The\n"
	"encoding is decided once for the whole file: one that is neither UTF-8 nor GB18030\n"
	"throughout, or mixes them, is refused (exit 3) naming the first line and byte offset\n"
	"that do not decode.  The report is created 0600; its cells never start a formula.\n"
	"Each good row adds its household and home if they are new, then issues the certificate\n"
	"(basis legacy) and redeems or revokes it as the status says, all in one step.  A legacy\n"
	"number already in the registry counts as present, or is rejected as a conflict if its\n"
	"content differs; rerunning a file imports only what is missing.  Every rejected row is\n"
	"reported with its line, column, value and reason (ID and mobile numbers in values masked\n"
	"unless --reveal).  Exit 0 if every row was imported or\n"
	"present, 3 if any was rejected.",
    .opts = import_opts,
    .local_only = "it commits rows in batches to the registry file itself; run it where the "
		  "registry is",
};
