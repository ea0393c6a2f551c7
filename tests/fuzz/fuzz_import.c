/*
 * fuzz_import.c - legacy import: CSV and JSON Lines rows (import.h).
 *
 * The first byte of the input chooses how the rest is read: bit 0 JSON
 * Lines (else CSV), bits 1-2 the encoding (auto, UTF-8, GB18030), bit 3 a
 * real import (else a dry run), bit 4 the test mapping.  The rest is the
 * file, imported into the fixture registry by its officer.  Besides never
 * crashing or leaking: every problem reported names a row line and a
 * reason, the counts add up, a dry run writes nothing, and after a real
 * import the certificates' invariants hold.  The registry is put back
 * after every 32 real imports, once the audit has found it sound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "quanpiao/import.h"

#define RESET_AFTER 32

static const fz_keys *keys;
static qp_registry *reg;
static char *path;
static unsigned imports;

static const char mapping[] =
    "{\"columns\": {\"编号\": \"legacy_no\", \"权利人\": \"holder_name\", \"身份证\": "
    "\"holder_id\"},\"types\": {\"宅基地有偿退出\": \"guarantee\"},"
    "\"statuses\": {\"正常\": \"live\", \"已兑现\": \"redeemed\"},"
    "\"purposes\": {\"guarantee\": \"subsidy\"}, \"drop\": [\"联系电话\"]}";

static int on_problem(void *ctx, const qp_import_problem *p)
{
	unsigned long *n = ctx;
	if (p->legacy_no == NULL || p->column == NULL || p->value == NULL || p->reason == NULL ||
	    p->reason[0] == '\0' || p->line == 0 || (p->code != QP_EINVALID && p->code != QP_ECONFLICT))
		abort();
	(*n)++;
	return QP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (reg == NULL) {
		keys = fz_init();
		reg = fz_registry_reset();
		path = malloc(strlen(fz_scratch_dir()) + 16);
		sprintf(path, "%s/input", fz_scratch_dir());
	}
	if (size == 0)
		return 0;
	unsigned sel = data[0];
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(data + 1, 1, size - 1, f) != size - 1 || fclose(f) != 0)
		abort();
	unsigned long problems = 0;
	qp_import_options opt = {
	    .format = sel & 1 ? QP_IMPORT_JSONL : QP_IMPORT_CSV,
	    .encoding = (sel >> 1 & 3) == 1   ? QP_IMPORT_UTF8
			: (sel >> 1 & 3) == 2 ? QP_IMPORT_GB18030
					      : QP_IMPORT_AUTO,
	    .flags = sel & 8 ? 0 : QP_IMPORT_DRY_RUN,
	    .mapping_json = sel & 16 ? mapping : NULL,
	    .batch_rows = 3,
	    .problem = on_problem,
	    .ctx = &problems,
	};
	char before[65], after[65];
	uint64_t size0 = 0, size1 = 0;
	fz_check(qp_log_size(&size0, reg), "log size");
	fz_check(qp_registry_state_hash(before, reg), "state hash");
	qp_import_stats st;
	int rc = qp_import(&st, reg, keys->officer, path, &opt);
	if (rc > 0 || rc == QP_EINTERNAL || rc == QP_ECORRUPT || rc == QP_EPERM)
		abort();
	fz_check(qp_log_size(&size1, reg), "log size");
	fz_check(qp_registry_state_hash(after, reg), "state hash");
	if (getenv("QP_FUZZ_VERBOSE"))
		fprintf(stderr,
			"import: %d (%s): read %llu, imported %llu, valid %llu, present %llu, rejected %llu, "
			"entries %llu\n",
			rc, rc ? qp_error_last()->message : "", (unsigned long long)st.read,
			(unsigned long long)st.imported, (unsigned long long)st.valid,
			(unsigned long long)st.present, (unsigned long long)st.rejected,
			(unsigned long long)st.entries);
	if (st.imported + st.rejected + st.present > st.read || st.rejected > problems ||
	    st.entries != size1 - size0)
		abort();
	if (opt.flags & QP_IMPORT_DRY_RUN) {
		if (size1 != size0 || strcmp(before, after) != 0 || st.committed)
			abort();
		return 0;
	}
	if (qp_certs_check_invariants(reg) != QP_OK)
		abort();
	if (++imports >= RESET_AFTER) {
		qp_audit_result res;
		qp_audit_options aopt = {.jobs = 1};
		if (qp_audit(&res, reg, &aopt) != QP_OK) {
			fprintf(stderr, "audit after imports: %s\n", qp_error_last()->message);
			abort();
		}
		reg = fz_registry_reset();
		imports = 0;
	}
	return 0;
}
