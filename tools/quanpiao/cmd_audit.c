/*
 * cmd_audit.c - quanpiao audit and quanpiao rebuild.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <quanpiao/quanpiao.h>

#include "cli.h"
#include "client.h"

static const cli_opt audit_opts[] = {
    {"jobs", "N", "threads verifying signatures, the replay's among them (default: one per core)"},
    {"keep", "DIR", "keep the replay and the newest checkpoint in DIR for later --since audits"},
    {"since", "FILE",
     "incremental: trust this checkpoint (kept by an earlier audit) and check what came after"},
    {"trust", "FILE",
     "prove the log extends this checkpoint kept off the registry (a note file or a witness's DIR; one is "
     "enough)"},
    {NULL, NULL, NULL},
};

struct report {
	const cli_ctx *ctx;
	cJSON *problems;
	int tty;
	int progress_shown;
};

static void on_problem(void *p, const char *where, const char *what)
{
	struct report *r = p;
	if (r->progress_shown) {
		fputs("\r\033[K", stderr);
		r->progress_shown = 0;
	}
	if (r->problems) {
		cJSON *o = cJSON_CreateObject();
		cli_json_add_text(o, "where", where);
		cli_json_add_text(o, "what", what);
		cJSON_AddItemToArray(r->problems, o);
	} else {
		printf("PROBLEM %s: %s\n", where, what);
	}
}

static void on_progress(void *p, uint64_t done, uint64_t total)
{
	struct report *r = p;
	if (!r->tty)
		return;
	fprintf(stderr, "\raudit: %llu / %llu entries", (unsigned long long)done, (unsigned long long)total);
	r->progress_shown = 1;
}

/*
 * What is audited, for the summary: the registry file, or with --server
 * the local mirror of the served log (synced and verified before the
 * audit), so that nobody takes one for the other.
 */
static void audited_name(const cli_ctx *ctx, const qp_audit_result *res, char *buf, size_t len)
{
	char path[4096];
	if (ctx->server == NULL)
		snprintf(buf, len, "%s%s", ctx->db_path,
			 res->no_personal_data ? " (a mirror of a served log: it holds no personal data)"
					       : "");
	else if (client_mirror_path(ctx, path, sizeof(path)) == CLI_OK)
		snprintf(buf, len, "the local mirror of %s (%s)", ctx->server, path);
	else
		snprintf(buf, len, "the local mirror of %s", ctx->server);
}

/* n problems in what, beside the log: only a backup restores it (them). */
static void beside_advice(const cli_ctx *ctx, uint64_t n, const char *what, const char *it, const char *why)
{
	if (n > 0)
		fprintf(
		    stderr,
		    "To repair: %llu problem%s in %s, which neither the log nor a rebuild holds.  Restore %s "
		    "from a backup of the registry file whose audit is clean, and keep %s for the "
		    "investigation%s.\n",
		    (unsigned long long)n, n == 1 ? " is" : "s are", what, it, ctx->db_path, why);
}

/*
 * How to repair what the audit found (docs/audit.md): the state tables,
 * the tree and the columns beside each note are derived from the log, so
 * a rebuild makes them again; entries, signatures and checkpoints are the
 * log itself, which only a good copy can restore.
 */
static void repair_advice(const cli_ctx *ctx, const qp_audit_result *res)
{
	if (ctx->server) {
		fprintf(stderr, "To repair: the problems are in the local mirror of %s.  Tell the registry's "
				"operator; if the service's own audit is clean, remove the mirror and the next "
				"command fetches it again.\n",
			ctx->server);
		return;
	}
	uint64_t beside = res->personal + res->access, in_log = res->problems - res->derived - beside;
	if (beside > 0 && in_log == 0) {
		/* What lives beside the log is the file's own: no log and no rebuild has it (docs/audit.md).
		 */
		if (res->derived > 0)
			fprintf(stderr,
				"To repair: %llu problem%s in tables derived from the log: 'quanpiao --db %s "
				"rebuild --out repaired.db' makes them again and carries the personal data over "
				"as it is.\n",
				(unsigned long long)res->derived, res->derived == 1 ? " is" : "s are",
				ctx->db_path);
		beside_advice(ctx, res->personal,
			      "the personal data kept beside the log (ID numbers, names and salts the log "
			      "commits to)",
			      "them", "");
		beside_advice(ctx, res->access,
			      "the access record kept beside the log (who read whose personal data)", "it",
			      ": a record removed or altered is what an insider would hide");
		return;
	}
	if (res->derived == res->problems) {
		char all[64];
		if (res->problems == 1)
			snprintf(all, sizeof(all), "the problem is");
		else
			snprintf(all, sizeof(all), "all %llu problems are", (unsigned long long)res->problems);
		fprintf(stderr,
			"To repair: %s in tables derived from the log, and the log itself is intact.\n"
			"  quanpiao --db %s rebuild --out repaired.db      # the registry made again from its log\n"
			"  quanpiao --db repaired.db audit                   # must say: no problems\n"
			"Then, while no one writes, keep %s for the investigation and put repaired.db in its "
			"place.\n",
			all, ctx->db_path, ctx->db_path);
		return;
	}
	fprintf(stderr,
		"To repair: %llu problem%s %s in the log itself (entries, signatures or checkpoints), which "
		"a rebuild cannot make again.  Restore the registry file from a backup or a copy whose "
		"log extends the last checkpoint you trust (one an auditor or witness kept), audit it, "
		"and keep %s for the investigation.\n",
		(unsigned long long)in_log, in_log == 1 ? "" : "s", in_log == 1 ? "is" : "are", ctx->db_path);
}

/*
 * What the audit proves against a cut tail (docs/audit.md): with an anchor,
 * that the log extends it; without one, only what the file's own
 * checkpoints say, and how many entries no signed checkpoint covers.
 */
static void anchor_summary(const qp_audit_result *res, const char *since, const char *trust)
{
	uint64_t uncovered = res->log_size - (res->covered < res->log_size ? res->covered : res->log_size);
	if (res->anchored && res->anchor_ok) {
		char root[64];
		sodium_bin2base64(root, sizeof(root), res->anchor_root, sizeof(res->anchor_root),
				  sodium_base64_VARIANT_ORIGINAL);
		printf("anchored: the log extends the %s checkpoint of size %llu (root %s), signed by the "
		       "log key%s%s",
		       trust ? "trusted" : "saved", (unsigned long long)res->anchor_size, root,
		       res->anchor_cosigners[0] ? "; cosigned by " : "", res->anchor_cosigners);
		if (res->anchor_unknown_sigs > 0)
			printf("; %u other signature line%s by keys this registry does not enrol (not checked)",
			       res->anchor_unknown_sigs, res->anchor_unknown_sigs == 1 ? "" : "s");
		printf("\n");
	} else if (!res->anchored && !since) {
		printf(
		    "not anchored: %llu of %llu entries are covered by no signed checkpoint (the last stored "
		    "one "
		    "that checks has size %llu), and the stored checkpoints are the file's own word: a cut "
		    "tail "
		    "cannot be ruled out without --trust and a checkpoint kept elsewhere (docs/audit.md)\n",
		    (unsigned long long)uncovered, (unsigned long long)res->log_size,
		    (unsigned long long)res->covered);
	}
}

/*
 * The access record beside the log (docs/audit.md): how many rows, and how
 * many of them a signed checkpoint commits to; the others can be removed
 * from its end without a trace until the next checkpoint covers them.
 */
static void access_summary(const qp_audit_result *res)
{
	if (res->access_rows == 0 || res->no_personal_data)
		return;
	uint64_t covered = res->access_covered < res->access_rows ? res->access_covered : res->access_rows;
	printf("access record: %llu row%s, the first %llu committed to by a signed checkpoint",
	       (unsigned long long)res->access_rows, res->access_rows == 1 ? "" : "s",
	       (unsigned long long)covered);
	if (covered < res->access_rows)
		printf("; the %llu after them no checkpoint covers yet (the log's next checkpoint will)",
		       (unsigned long long)(res->access_rows - covered));
	printf("\n");
}

static int run_audit(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	if (args.npos != 0)
		return cli_usage_error(ctx, "audit takes no arguments");
	const char *jobs = cli_opt_value(ctx, &args, "jobs");
	uint64_t njobs = 0;
	if (jobs && ((rc = cli_parse_u64(ctx, "jobs", jobs, &njobs)) != CLI_OK || njobs > 64))
		return rc != CLI_OK ? rc : cli_usage_error(ctx, "--jobs must be from 1 to 64");
	const char *keep = cli_opt_value(ctx, &args, "keep"), *since = cli_opt_value(ctx, &args, "since");
	if (keep && since)
		return cli_usage_error(ctx, "give --keep or --since, not both (--since keeps its own directory up to date)");
	if (ctx->server)
		rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg);
	else if ((rc = qp_registry_open(&reg, ctx->db_path, QP_STORE_READONLY)) != QP_OK)
		/*
		 * A file too damaged to open as a registry, or whose migration ledger
		 * claims another schema, is what an audit looks for: a finding, exit 1.
		 */
		rc = cli_fail(ctx, rc == QP_ECORRUPT || rc == QP_EVERSION ? QP_EVERIFY : rc);
	if (rc == CLI_OK && !ctx->server)
		cli_warn_shared(reg);
	if (rc != CLI_OK)
		return rc;
	struct report r = {ctx, NULL, isatty(2), 0};
	cJSON *doc = NULL;
	if (ctx->json) {
		doc = cJSON_CreateObject();
		r.problems = cJSON_CreateArray();
	}
	const char *trust = cli_opt_value(ctx, &args, "trust");
	qp_audit_options opt = {(int)njobs, keep, since, on_progress, on_problem, &r, trust};
	qp_audit_result res;
	int err = qp_audit(&res, reg, &opt);
	if (r.progress_shown)
		fputs("\r\033[K", stderr);
	if (err != QP_OK && err != QP_EVERIFY) {
		cJSON_Delete(doc);
		cJSON_Delete(r.problems);
		qp_registry_free(reg);
		return cli_fail(ctx, err);
	}
	if (doc) {
		cJSON_AddBoolToObject(doc, "ok", err == QP_OK);
		cJSON_AddStringToObject(doc, "mode", since ? "incremental" : "full");
		cJSON_AddNumberToObject(doc, "from", (double)res.from);
		cJSON_AddNumberToObject(doc, "entries", (double)res.entries);
		cJSON_AddNumberToObject(doc, "signatures", (double)res.signatures);
		cJSON_AddNumberToObject(doc, "checkpoints", (double)res.checkpoints);
		cJSON_AddNumberToObject(doc, "derived_problems", (double)res.derived);
		cJSON_AddNumberToObject(doc, "personal_problems", (double)res.personal);
		cJSON_AddNumberToObject(doc, "personal_rows", (double)res.personal_rows);
		cJSON_AddBoolToObject(doc, "holds_personal_data", !res.no_personal_data);
		{
			char what[4200];
			audited_name(ctx, &res, what, sizeof(what));
			cli_json_add_text(doc, "audited", what);
		}
		cJSON_AddItemToObject(doc, "problems", r.problems);
		/* Added after the rest (docs/json.md): how far the log is covered, and the anchor. */
		cJSON_AddNumberToObject(doc, "log_size", (double)res.log_size);
		cJSON_AddNumberToObject(doc, "covered", (double)res.covered);
		cJSON_AddNumberToObject(
		    doc, "uncovered",
		    (double)(res.log_size - (res.covered < res.log_size ? res.covered : res.log_size)));
		if (res.anchored) {
			char root[64];
			cJSON *an = cJSON_CreateObject();
			sodium_bin2base64(root, sizeof(root), res.anchor_root, sizeof(res.anchor_root),
					  sodium_base64_VARIANT_ORIGINAL);
			cJSON_AddNumberToObject(an, "size", (double)res.anchor_size);
			cJSON_AddStringToObject(an, "root", root);
			cJSON_AddBoolToObject(an, "extended", res.anchor_ok);
			cli_json_add_text(an, "cosigners", res.anchor_cosigners);
			cJSON_AddNumberToObject(an, "unknown_signatures", (double)res.anchor_unknown_sigs);
			cJSON_AddItemToObject(doc, "anchor", an);
		} else {
			cJSON_AddNullToObject(doc, "anchor");
		}
		/* Added after the anchor (docs/json.md): the access record beside the log. */
		cJSON_AddNumberToObject(doc, "access_rows", (double)res.access_rows);
		cJSON_AddNumberToObject(doc, "access_covered", (double)res.access_covered);
		cJSON_AddNumberToObject(doc, "access_problems", (double)res.access);
		rc = cli_json_emit(doc);
	} else {
		char what[4200];
		audited_name(ctx, &res, what, sizeof(what));
		printf("%s audit of %s: %llu entries from %llu, %llu signatures, %llu checkpoints: %s\n",
		       since ? "incremental" : "full", what, (unsigned long long)res.entries,
		       (unsigned long long)res.from, (unsigned long long)res.signatures,
		       (unsigned long long)res.checkpoints,
		       err == QP_OK ? "no problems" : "PROBLEMS FOUND");
		anchor_summary(&res, since, trust);
		access_summary(&res);
		rc = CLI_OK;
	}
	qp_registry_free(reg);
	if (err == QP_EVERIFY) {
		fprintf(stderr, "quanpiao: %s\n", qp_error_last()->message);
		if (!ctx->json)
			repair_advice(ctx, &res);
		return CLI_EXIT_VERIFY;
	}
	return rc;
}

const cli_cmd cmd_audit = {
    .group = NULL,
    .name = "audit",
    .run = run_audit,
    .summary = "prove that nothing in the registry was altered",
    .usage = "[--jobs N] [--keep DIR | --since DIR/checkpoint] [--trust FILE]",
    .description =
	"Replays every entry through the rules into a fresh registry, verifying each signature on all\n"
	"cores, and checks each signer's role, revocation and expiry at that point; then compares the\n"
	"entries, the Merkle tree and every state table row by row with the replay, checks every\n"
	"checkpoint's signature, root and consistency, and the certificate invariants.  Each row of\n"
	"personal data (beside the log) is checked by its rules and against the log's commitment to\n"
	"it, and every household not erased must have one.  Each problem\n"
	"is printed with the entry or row at fault; exit 1 if there is any.\n"
	"--keep DIR saves the replay and the newest checkpoint; a later --since DIR/checkpoint first\n"
	"proves the log extends it, then checks only what was appended after it (its cost grows with\n"
	"the new entries, plus one hash per old entry).\n"
	"The registry's own checkpoints cannot show a tail cut with them: --trust FILE proves that the\n"
	"log extends a checkpoint kept elsewhere (a signed checkpoint note, a witness's state DIR, or\n"
	"the checkpoint an earlier --keep saved).  One --trust is enough: the newest one you hold.\n"
	"Exit 0: no problems; 1: problems (a log that does not extend the anchor among them); 3: the\n"
	"--trust or --since checkpoint is not a checkpoint of this registry signed by its log key;\n"
	"6: it cannot be read, or no replay is kept beside it.  See docs/audit.md.",
    .opts = audit_opts,
};

static const cli_opt rebuild_opts[] = {
	{"out", "FILE", "the rebuilt registry (default: a temporary file, removed after the comparison)"},
	{NULL, NULL, NULL},
};

static int run_rebuild(cli_ctx *ctx, int argc, char **argv)
{
	cli_args args;
	qp_registry *reg = NULL;
	char live[65], rebuilt[65], tmp[4096];
	int rc = cli_parse(ctx, argc, argv, &args);
	if (rc != CLI_OK || args.help)
		return rc;
	if (args.npos != 0)
		return cli_usage_error(ctx, "rebuild takes no arguments");
	const char *out = cli_opt_value(ctx, &args, "out");
	if (out == NULL) {
		const char *t = getenv("TMPDIR");
		snprintf(tmp, sizeof(tmp), "%s/quanpiao-rebuild-%ld.db", t && t[0] ? t : "/tmp", (long)getpid());
		out = tmp;
	}
	if ((rc = cli_open_registry(ctx, QP_STORE_READONLY, &reg)) != CLI_OK)
		return rc;
	qp_audit_result res;
	memset(&res, 0, sizeof(res));
	int err = qp_registry_rebuild(live, rebuilt, &res, reg, out);
	qp_registry_free(reg);
	if (out == tmp) {
		char side[4200];
		unlink(tmp);
		snprintf(side, sizeof(side), "%s-wal", tmp);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", tmp);
		unlink(side);
	}
	if (err != QP_OK && err != QP_EVERIFY)
		return cli_fail(ctx, err);
	int same = err == QP_OK && strcmp(live, rebuilt) == 0;
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddBoolToObject(doc, "identical", same);
		if (err == QP_OK) {
			cJSON_AddStringToObject(doc, "live_hash", live);
			cJSON_AddStringToObject(doc, "rebuilt_hash", rebuilt);
		}
		if (out != tmp)
			cli_json_add_text(doc, "out", out);
		cli_json_emit(doc);
	} else if (err == QP_OK) {
		printf("live state    %s\nrebuilt state %s\n%s%s%s\n", live, rebuilt,
		       same ? "identical: the state is exactly what the log says" : "DIFFERENT",
		       out != tmp ? "; rebuilt registry: " : "", out != tmp ? out : "");
	}
	if (!same) {
		fprintf(stderr, "quanpiao: %s\n",
			err == QP_EVERIFY ? qp_error_last()->message : "the rebuilt state differs from the live state");
		if (err == QP_EVERIFY && res.personal > 0 && res.derived + res.personal == res.problems)
			fprintf(
			    stderr,
			    "To repair: the personal data kept beside the log fails its check, and no "
			    "rebuild can make it again (the rebuilt registry%s%s holds it as it was).  "
			    "'quanpiao audit' lists every problem.  Restore the personal data from a backup "
			    "of the registry file whose audit is clean, and keep %s for the investigation.\n",
			    out != tmp ? " " : "", out != tmp ? out : "", ctx->db_path);
		else if (err == QP_EVERIFY && res.derived < res.problems)
			fprintf(stderr, "To repair: the log itself fails a check, and no rebuild can make it "
					"again.  'quanpiao audit' lists every problem.  Restore the registry file from "
					"a backup or a copy whose log extends the last checkpoint you trust, and keep "
					"%s for the investigation.\n",
				ctx->db_path);
		else if (out != tmp)
			fprintf(stderr, "To repair: 'quanpiao audit' names each row that differs.  %s is the "
					"registry made again from the log: check it with 'quanpiao --db %s audit', "
					"then, while no one writes, keep %s for the investigation and put %s in its "
					"place.\n",
				out, out, ctx->db_path, out);
		else
			fprintf(stderr, "To repair: 'quanpiao audit' names each row that differs.  'quanpiao "
					"--db %s rebuild --out repaired.db' makes the registry again from its log; "
					"check it with 'quanpiao --db repaired.db audit', then, while no one writes, "
					"keep %s for the investigation and put repaired.db in its place.\n",
				ctx->db_path, ctx->db_path);
		return CLI_EXIT_VERIFY;
	}
	return CLI_OK;
}

const cli_cmd cmd_rebuild = {
    .group = NULL,
    .name = "rebuild",
    .run = run_rebuild,
    .summary = "rebuild every state table from the log alone and compare",
    .usage = "[--out FILE]",
    .description =
	"Replays the log into a new registry file (entries, tree, state; checkpoints copied once their\n"
	"roots are confirmed) and compares content hashes of its state tables with the live ones.\n"
	"The personal data beside the log (ID numbers, names, salts) is carried over as it is and each\n"
	"row checked against the rebuilt registry's commitments, as the audit checks it.\n"
	"Exit 0 when identical and every personal-data row checks; 1 otherwise (the --out file is still\n"
	"written, the failing rows in it).  The live registry is never changed.",
    .opts = rebuild_opts,
};
