/*
 * test_faults.c - the registry under failure, as SQLite tests itself.
 *
 * Allocation failure: each key operation (append of a cert.issue, submit
 * of a village.add, checkpoint signing, audit, bundle export and verify,
 * opening and creating a registry, import of a two-row legacy file) runs
 * with its Nth allocation failing,
 * for n = 1, 2, ... until it succeeds, once with a single failure and
 * once with every allocation from the Nth on failing.  Each failed run
 * must return QP_ENOMEM, change nothing (log size, state hash, latest
 * checkpoint, files) and leak nothing (LeakSanitizer in the sanitizer
 * pass); cJSON's allocations are among them (the library routes cJSON
 * through its allocator).  The same loops run again with SQLite's own
 * allocator failing, where an out-of-memory may surface as another clean
 * error.
 *
 * I/O failure: a test VFS, registered as the default, wraps the "unix"
 * VFS and fails the Nth xWrite, xSync or xTruncate (SQLITE_IOERR_* or
 * SQLITE_FULL, once or from then on) during single appends, batches,
 * checkpoint signing and imports.  Each failure must be a clean QP_E* error; then,
 * with the fault off, the registry reopens, its log grew by exactly the
 * entries reported appended, and the audit finds nothing wrong.  A copy
 * of the files as they were at the failure (the state a crash right then
 * would leave) must open and audit clean too; an import run again after
 * its failure ends with each of its rows in the registry once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "alloc.h"
#include "clock.h"
#include "quanpiao/mirror.h"
#include "quanpiao/quanpiao.h"
#include "registry_internal.h"
#include "store_internal.h"
#include "testutil.h"

#define ORIGIN "zhuji.example/quanpiao"
#define T0     1795000000 /* 2026-11-18 */
#define V1     "330681101201"
#define H1     "330681197001010016"
#define H2     "330681197001010024"
#define HN1    "330681-H-0000001" /* H1's registry number: what signed entries name */
#define U1     "330681001002JC00001F00010001" /* H1, withdrawn, 120.00 */
#define LIMIT  200000			      /* no operation makes this many allocations */

/* ---- the I/O fault VFS ------------------------------------------------------------- */

enum fault_op { FAULT_WRITE, FAULT_SYNC, FAULT_TRUNCATE };

static struct {
	sqlite3_vfs vfs;
	sqlite3_vfs *real;
	int armed;
	enum fault_op op;
	int code;	     /* what the failing call returns */
	int sticky;	     /* fail every call of op after the Nth too */
	unsigned long at;    /* the call that fails (1-based) */
	unsigned long calls; /* calls of op since arming */
	unsigned long fired; /* failures injected since arming */
} fv;

typedef struct fault_file {
	sqlite3_file base;
	sqlite3_file *real; /* follows this struct in the same allocation */
} fault_file;

static int should_fault(enum fault_op op)
{
	if (!fv.armed || fv.op != op)
		return 0;
	fv.calls++;
	if (fv.calls == fv.at || (fv.sticky && fv.calls > fv.at)) {
		fv.fired++;
		return 1;
	}
	return 0;
}

#define REAL(f) (((fault_file *)(f))->real)

static int ff_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
	return rc;
}
static int ff_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}
static int ff_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	if (should_fault(FAULT_WRITE))
		return fv.code;
	return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}
static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (should_fault(FAULT_TRUNCATE))
		return fv.code;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int ff_sync(sqlite3_file *f, int flags)
{
	if (should_fault(FAULT_SYNC))
		return fv.code;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int ff_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int ff_lock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xLock(REAL(f), level);
}
static int ff_unlock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}
static int ff_check_lock(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int ff_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int ff_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int ff_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int ff_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}
static int ff_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}
static void ff_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int ff_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int ff_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}
static int ff_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods ff_methods = {
    3,		 ff_close,	 ff_read,	ff_write,   ff_truncate, ff_sync,   ff_size,
    ff_lock,	 ff_unlock,	 ff_check_lock, ff_control, ff_sector,	 ff_device, ff_shm_map,
    ff_shm_lock, ff_shm_barrier, ff_shm_unmap,	ff_fetch,   ff_unfetch,
};

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
	fault_file *ff = (fault_file *)file;
	ff->real = (sqlite3_file *)(ff + 1);
	memset(ff->real, 0, (size_t)fv.real->szOsFile);
	int rc = fv.real->xOpen(fv.real, name, ff->real, flags, out_flags);
	/* SQLite calls xClose only if pMethods is set, even after a failed open. */
	ff->base.pMethods = ff->real->pMethods ? &ff_methods : NULL;
	return rc;
}
static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	return fv.real->xDelete(fv.real, name, sync);
}
static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	return fv.real->xAccess(fv.real, name, flags, out);
}
static int fv_full(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	return fv.real->xFullPathname(fv.real, name, n, out);
}
static void *fv_dlopen(sqlite3_vfs *vfs, const char *name)
{
	return fv.real->xDlOpen(fv.real, name);
}
static void fv_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	fv.real->xDlError(fv.real, n, msg);
}
static void (*fv_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	return fv.real->xDlSym(fv.real, h, sym);
}
static void fv_dlclose(sqlite3_vfs *vfs, void *h)
{
	fv.real->xDlClose(fv.real, h);
}
static int fv_random(sqlite3_vfs *vfs, int n, char *out)
{
	return fv.real->xRandomness(fv.real, n, out);
}
static int fv_sleep(sqlite3_vfs *vfs, int us)
{
	return fv.real->xSleep(fv.real, us);
}
static int fv_time(sqlite3_vfs *vfs, double *out)
{
	return fv.real->xCurrentTime(fv.real, out);
}
static int fv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	return fv.real->xGetLastError ? fv.real->xGetLastError(fv.real, n, out) : 0;
}
static int fv_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	return fv.real->xCurrentTimeInt64(fv.real, out);
}

/* Register the fault VFS as the default, wrapping "unix".  Faults start disarmed. */
static void fault_vfs_register(void)
{
	fv.real = sqlite3_vfs_find("unix");
	assert_non_null(fv.real);
	fv.vfs.iVersion = 2;
	fv.vfs.szOsFile = (int)sizeof(fault_file) + fv.real->szOsFile;
	fv.vfs.mxPathname = fv.real->mxPathname;
	fv.vfs.zName = "qp-fault";
	fv.vfs.xOpen = fv_open;
	fv.vfs.xDelete = fv_delete;
	fv.vfs.xAccess = fv_access;
	fv.vfs.xFullPathname = fv_full;
	fv.vfs.xDlOpen = fv_dlopen;
	fv.vfs.xDlError = fv_dlerror;
	fv.vfs.xDlSym = fv_dlsym;
	fv.vfs.xDlClose = fv_dlclose;
	fv.vfs.xRandomness = fv_random;
	fv.vfs.xSleep = fv_sleep;
	fv.vfs.xCurrentTime = fv_time;
	fv.vfs.xGetLastError = fv_last_error;
	fv.vfs.xCurrentTimeInt64 = fv_time64;
	assert_int_equal(sqlite3_vfs_register(&fv.vfs, 1), SQLITE_OK);
}

static void fault_arm(enum fault_op op, int code, unsigned long at, int sticky)
{
	fv.op = op;
	fv.code = code;
	fv.at = at;
	fv.sticky = sticky;
	fv.calls = 0;
	fv.fired = 0;
	fv.armed = 1;
}

static void fault_off(void)
{
	fv.armed = 0;
}

/* ---- SQLite's allocator, made to fail --------------------------------------------- */

static struct {
	sqlite3_mem_methods real;
	int armed;
	unsigned long at, calls;
	int sticky;
} sm;

static int sm_fail(void)
{
	if (!sm.armed)
		return 0;
	sm.calls++;
	return sm.calls == sm.at || (sm.sticky && sm.calls > sm.at);
}
static void *sm_malloc(int n)
{
	return sm_fail() ? NULL : sm.real.xMalloc(n);
}
static void sm_free(void *p)
{
	sm.real.xFree(p);
}
static void *sm_realloc(void *p, int n)
{
	return sm_fail() ? NULL : sm.real.xRealloc(p, n);
}
static int sm_size(void *p)
{
	return sm.real.xSize(p);
}
static int sm_roundup(int n)
{
	return sm.real.xRoundup(n);
}
static int sm_init(void *x)
{
	return sm.real.xInit(x);
}
static void sm_shutdown(void *x)
{
	sm.real.xShutdown(x);
}

/* Must run before SQLite initialises (first thing in main). */
static void sqlite_malloc_install(void)
{
	static sqlite3_mem_methods m = {sm_malloc,  sm_free, sm_realloc,  sm_size,
					sm_roundup, sm_init, sm_shutdown, NULL};
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sm.real) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK) {
		fputs("test_faults: cannot install the SQLite allocator\n", stderr);
		exit(1);
	}
	/* No lookaside: every allocation goes through the allocator. */
	sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
}

/* ---- the fixture -------------------------------------------------------------------- */

typedef struct fx {
	char *dir, *db;
	qp_key *authority, *log, *officer, *auditor;
	char *authority_vkey;
	qp_registry *reg;
	/* What a loop holds between runs, freed by teardown if a check fails midway. */
	char *held[5];
	qp_registry *held_reg;
} fx;

static void ok(fx *f, const qp_key *k, const char *type, const char *body)
{
	int rc = qp_registry_submit(f->reg, k, type, body, NULL);
	if (rc != QP_OK)
		fail_msg("%s %s: %d %s", type, body, rc, qp_error_last()->message);
}

/*
 * The scratch directory: thousands of commits, each synced, so on tmpfs
 * when there is one ($QP_FAULTS_TMP, else /dev/shm): the VFS injects the
 * disk's failures, the disk's speed adds nothing.
 */
static char *scratch_dir(void)
{
	const char *base = getenv("QP_FAULTS_TMP");
	if (base == NULL && access("/dev/shm", W_OK) == 0)
		base = "/dev/shm";
	if (base == NULL)
		return tu_mkdtemp();
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/qp-faults-XXXXXX", base);
	assert_non_null(mkdtemp(tmpl));
	char *dir = strdup(tmpl);
	assert_non_null(dir);
	return dir;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_true(sodium_init() >= 0);
	qp_clock_set(T0);
	f->dir = scratch_dir();
	f->db = tu_path(f->dir, "registry.db");
	/* The audit's replay goes to $TMPDIR: beside the registry, not on a disk. */
	setenv("TMPDIR", f->dir, 1);
	f->authority = tu_seeded_key("330681.authority", 1);
	f->log = tu_seeded_key(ORIGIN, 2);
	f->officer = tu_seeded_key("330681.officer.li", 3);
	f->auditor = tu_seeded_key("330681.auditor.wang", 4);
	f->authority_vkey = tu_vkey(f->authority);
	f->reg = tu_registry_create(f->db, ORIGIN, f->authority, f->log);
	tu_enroll(f->reg, f->authority, f->officer, "officer");
	tu_enroll(f->reg, f->authority, f->auditor, "auditor");
	ok(f, f->officer, "village.add", "{\"code\":\"" V1 "\",\"name\":\"东白湖村\"}");
	ok(f, f->officer, "household.add",
	   "{\"id_number\":\"" H1 "\",\"members\":2,\"name\":\"王\",\"village\":\"" V1 "\"}");
	ok(f, f->officer, "household.add",
	   "{\"id_number\":\"" H2 "\",\"members\":2,\"name\":\"李\",\"village\":\"" V1 "\"}");
	ok(f, f->officer, "home.add",
	   "{\"household\":\"" H1 "\",\"land_area\":12000,\"status\":\"idle\",\"unit\":\"" U1
	   "\",\"village\":\"" V1 "\"}");
	ok(f, f->officer, "home.status", "{\"status\":\"withdrawn\",\"unit\":\"" U1 "\"}");
	ok(f, f->officer, "cert.issue",
	   "{\"area\":3000,\"basis\":\"withdrawal\",\"holder\":\"" H1 "\",\"home\":\"" U1
	   "\",\"kind\":\"guarantee\"}");
	ok(f, f->officer, "cert.transfer",
	   "{\"area\":1000,\"basis\":\"sale\",\"cert\":\"330681-2026-G-000001\",\"to\":\"" H2 "\"}");
	/* A checkpoint, cosigned by the auditor. */
	char *cp = NULL, *line = NULL;
	size_t cp_len = 0, line_len = 0;
	assert_int_equal(qp_log_sign(&cp, &cp_len, f->reg, f->log), QP_OK);
	assert_int_equal(qp_cosign_sign(&line, &line_len, f->auditor, cp, cp_len, T0), QP_OK);
	assert_int_equal(qp_log_add_cosignature(f->reg, line, line_len, QP_LOG_LATEST), QP_OK);
	free(cp);
	free(line);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	fault_off();
	sm.armed = 0;
	qp_alloc_fail_at(0, 0);
	qp_clock_set(0);
	qp_registry_free(f->reg);
	qp_registry_free(f->held_reg);
	for (size_t i = 0; i < sizeof(f->held) / sizeof(f->held[0]); i++)
		free(f->held[i]);
	qp_key_free(f->authority);
	qp_key_free(f->log);
	qp_key_free(f->officer);
	qp_key_free(f->auditor);
	free(f->authority_vkey);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

/* What must not change when an operation fails. */
typedef struct snap {
	uint64_t size;	  /* log size */
	uint64_t cp_size; /* latest checkpoint's size */
	size_t cosigs;	  /* its cosignatures */
	char hash[65];	  /* state tables */
} snap;

static int take_once(snap *s, qp_registry *reg)
{
	char *note = NULL;
	int rc;
	memset(s, 0, sizeof(*s));
	if ((rc = qp_log_size(&s->size, reg)) != QP_OK ||
	    (rc = qp_log_checkpoint_cosigned(&note, NULL, &s->cp_size, &s->cosigs, reg, QP_LOG_LATEST)) !=
		QP_OK ||
	    (rc = qp_registry_state_hash(s->hash, reg)) != QP_OK) {
		free(note);
		return rc;
	}
	free(note);
	return QP_OK;
}

static void take(snap *s, qp_registry *reg)
{
	int rc = take_once(s, reg);
	if (rc != QP_OK)
		fail_msg("reading the registry (nothing failing): %d %s", rc, qp_error_last()->message);
}

static void same(const snap *a, const snap *b, const char *what, unsigned long n)
{
	if (a->size != b->size || a->cp_size != b->cp_size || a->cosigs != b->cosigs ||
	    strcmp(a->hash, b->hash) != 0)
		fail_msg("%s failing at %lu changed the registry: log %llu -> %llu, checkpoint %llu -> %llu, "
			 "cosignatures %zu -> %zu, state %s -> %s",
			 what, n, (unsigned long long)a->size, (unsigned long long)b->size,
			 (unsigned long long)a->cp_size, (unsigned long long)b->cp_size, a->cosigs, b->cosigs,
			 a->hash, b->hash);
}

static unsigned long problems_seen;
static void count_problem(void *ctx, const char *where, const char *what)
{
	/* The first problem of each audit is enough to see why. */
	if (problems_seen++ == 0)
		print_message("audit problem: %s: %s\n", where, what);
}

/* The audit finds nothing wrong. */
static void audit_clean(qp_registry *reg)
{
	qp_audit_result res;
	qp_audit_options opt = {.jobs = 2, .problem = count_problem};
	problems_seen = 0;
	int rc = qp_audit(&res, reg, &opt);
	if (rc != QP_OK || problems_seen != 0)
		fail_msg("audit: %d (%s), %lu problems", rc, qp_error_last()->message, problems_seen);
}

/* A signed note of type/body by key, numbered as submit would (not appended). */
static char *signed_note(fx *f, const qp_key *key, const char *type, const char *body, size_t *len)
{
	char *numbered = NULL, *note = NULL;
	assert_int_equal(qp_mirror_number(&numbered, f->reg, type, body), QP_OK);
	assert_int_equal(qp_registry_sign_entry(&note, len, f->reg, key, type, numbered), QP_OK);
	free(numbered);
	return note;
}

/* ---- allocation failure -------------------------------------------------------------- */

/*
 * How failing allocations must surface: QP_ENOMEM, or QP_EIO where SQLite
 * reports its own failure as an I/O error.  With the library's allocator
 * failing (cJSON's allocations go through it too), the first other code
 * fails the test at once.  With SQLite's allocator failing, the loops go
 * on (the registry
 * must still be unchanged after every run) and each distinct wrong code
 * is collected, printed and fails the test at the end: an out-of-memory
 * reported as bad input, a damaged registry or a failed verification
 * sends an operator the wrong way.
 */
static int strict_enomem = 1;
static char wrong[64][256];
static size_t nwrong;

/* Keep one line per operation and kind of message (numbers in the message as N). */
static void record_wrong(const char *what, int rc)
{
	char line[256];
	const char *msg = qp_error_last()->message;
	int w = snprintf(line, sizeof(line), "%s: %s (%d): ", what, qp_strerror(rc), rc);
	for (size_t r = 0; msg[r] && w < (int)sizeof(line) - 1; r++) {
		if (msg[r] >= '0' && msg[r] <= '9') {
			if (r > 0 && msg[r - 1] >= '0' && msg[r - 1] <= '9')
				continue;
			line[w++] = 'N';
		} else {
			line[w++] = msg[r];
		}
	}
	line[w] = '\0';
	for (size_t i = 0; i < nwrong; i++)
		if (strcmp(wrong[i], line) == 0)
			return;
	if (nwrong < sizeof(wrong) / sizeof(wrong[0]))
		snprintf(wrong[nwrong++], sizeof(wrong[0]), "%s", line);
}

static void expect_oom(int rc, const char *what, unsigned long n)
{
	if (rc == QP_ENOMEM || (!strict_enomem && rc == QP_EIO))
		return;
	if (strict_enomem || rc >= 0 || rc == QP_EINTERNAL)
		fail_msg("%s failing at allocation %lu gave %d (%s), not QP_ENOMEM", what, n, rc,
			 qp_error_last()->message);
	record_wrong(what, rc);
}

static void wrong_codes_report(const char *allocator)
{
	for (size_t i = 0; i < nwrong; i++)
		print_error("%s out of memory gave the wrong code: %s\n", allocator, wrong[i]);
	size_t n = nwrong;
	nwrong = 0;
	if (n)
		fail_msg("%zu operations misreport an out-of-memory of %s (listed above)", n, allocator);
}

/*
 * A household.add of a new household (a distinct valid ID number each call),
 * numbered as the at-th of those appended next (0: the next one): the
 * signed note commits to the head's data, which pd gets for the append
 * (qp_registry_append_personal).
 */
static char *next_household_at(fx *f, size_t *len, size_t at, qp_personal *pd)
{
	static unsigned long k;
	char id[QP_RESIDENT_ID_LEN + 1], body[256], number[QP_HOUSEHOLD_NUMBER_LEN + 1];
	assert_int_equal(qp_registry_next_household_number(number, f->reg), QP_OK);
	snprintf(number + 9, sizeof(number) - 9, "%07lu", strtoul(number + 9, NULL, 10) + at);
	snprintf(id, sizeof(id), "3306811980%02lu%02lu%03lu", 1 + k / 28 % 12, 1 + k % 28,
		 100 + k / 336 % 900);
	id[17] = qp_ids_resident_check_char(id);
	id[18] = '\0';
	snprintf(body, sizeof(body),
		 "{\"id_number\":\"%s\",\"members\":1,\"name\":\"户%lu\",\"number\":\"%s\",\"village\":\"" V1
		 "\"}",
		 id, k, number);
	k++;
	/* Numbered here, not by signed_note: the entries of a batch take consecutive numbers. */
	char *note = NULL, *committed = NULL;
	int found = 0;
	assert_int_equal(qp_personal_split(&committed, pd, &found, "household.add", body), QP_OK);
	assert_true(found);
	assert_int_equal(qp_registry_sign_entry(&note, len, f->reg, f->officer, "household.add", committed),
			 QP_OK);
	free(committed);
	return note;
}

static char *next_household(fx *f, size_t *len, qp_personal *pd)
{
	return next_household_at(f, len, 0, pd);
}

/* Close the registry and open it again (with the fault off). */
static void reopen(fx *f)
{
	qp_registry_free(f->reg);
	f->reg = NULL;
	assert_int_equal(qp_registry_open(&f->reg, f->db, 0), QP_OK);
}

/*
 * An operation for the allocation loops.  prepare (may be NULL) makes a
 * fresh input for one run with nothing failing; run is the operation,
 * checking what it returns when it succeeds; adds is how many entries a
 * success appends.
 */
typedef struct op_def {
	const char *what;
	void (*prepare)(fx *f, void *ctx);
	int (*run)(fx *f, void *ctx);
	uint64_t adds;
	void (*check)(fx *f, void *ctx); /* after a success, nothing failing; may be NULL */
	unsigned long dense;		 /* fail every allocation up to this one, then sample */
} op_def;

/*
 * Run op with allocation n failing, n = 1, 2, ... until a run makes fewer
 * than n allocations; sticky: every allocation from the nth on fails.  A
 * run that fails must give QP_ENOMEM (expect_oom) and leave the registry
 * as it was; a run that succeeds although an allocation failed (the
 * library got by without it) must have done all of its work.  arm(n,
 * sticky) sets the failure (n = 0: off) and returns the allocations made
 * since it was last called.  Returns the number of failing runs.
 */
typedef unsigned long (*arm_fn)(unsigned long n, int sticky);

/*
 * The next allocation to fail: every one, or, when sampling, every one up
 * to dense, then a growing stride; QP_FAULTS_FULL (tools/check --long)
 * turns sampling off.
 */
static int full_run(void)
{
	static int full = -1;
	if (full < 0)
		full = getenv("QP_FAULTS_FULL") != NULL && getenv("QP_FAULTS_FULL")[0] != '\0';
	return full;
}

/* The allocation failing in the run under way (for messages). */
static unsigned long current_n;

/*
 * Sample only where allocations run into thousands: 1 samples (every
 * one with QP_FAULTS_FULL), 2 for SQLite's (a denser sample then).
 */
static int sampling;

static unsigned long next_n(unsigned long n, unsigned long dense)
{
	if (sampling == 2 && full_run())
		dense = dense < 500 ? 500 : dense; /* SQLite's tens of thousands: denser, still sampled */
	else if (full_run())
		return n + 1;
	return !sampling || n < dense ? n + 1 : n + 1 + (n - dense) / 4;
}

static void reopen(fx *f);

static unsigned long oom_loop(fx *f, const op_def *op, void *ctx, int sticky, arm_fn arm)
{
	snap before, after;
	unsigned long n, failed = 0, got_by = 0;
	unsigned long runs = 0;
	for (n = 1; n < LIMIT; n = next_n(n, op->dense ? op->dense : 60), runs++) {
		if (op->prepare)
			op->prepare(f, ctx);
		take(&before, f->reg);
		current_n = n;
		arm(n, sticky);
		int rc = op->run(f, ctx);
		unsigned long made = arm(0, 0);
		if (rc != QP_OK && made < n && !strict_enomem) {
			/*
			 * Nothing failed this time, yet it fails: an earlier failure
			 * left the connection unusable.  Say so, then go on with
			 * the registry opened again.
			 */
			char what[160];
			snprintf(what, sizeof(what), "%s (with nothing failing, after an earlier failure)",
				 op->what);
			record_wrong(what, rc);
			reopen(f);
			take(&before, f->reg);
			rc = op->run(f, ctx);
		}
		if (rc == QP_OK && op->check)
			op->check(f, ctx);
		if (take_once(&after, f->reg) != QP_OK) {
			if (strict_enomem)
				fail_msg("reading the registry after %s failed at %lu: %s", op->what, n,
					 qp_error_last()->message);
			char what[160];
			snprintf(what, sizeof(what), "reading after a failed %s (nothing failing)", op->what);
			record_wrong(what, QP_EIO);
			reopen(f);
			take(&after, f->reg);
		}
		if (rc != QP_OK && !strict_enomem && made >= n &&
		    (after.size != before.size || after.cp_size != before.cp_size ||
		     strcmp(after.hash, before.hash) != 0)) {
			/*
			 * The failed run's changes show on its own connection: it is
			 * still inside the transaction.  Say so; what is on disk is
			 * checked after opening the registry again.
			 */
			char what[160];
			snprintf(what, sizeof(what),
				 "%s: a failed run's changes still show on its connection", op->what);
			record_wrong(what, rc);
			reopen(f);
			take(&after, f->reg);
		}
		if (made < n) {
			if (rc != QP_OK)
				fail_msg("%s: %d (%s) with nothing failing", op->what, rc,
					 qp_error_last()->message);
			if (after.size != before.size + op->adds)
				fail_msg("%s: log %llu -> %llu", op->what, (unsigned long long)before.size,
					 (unsigned long long)after.size);
			break;
		}
		if (rc == QP_OK) {
			got_by++;
			if (after.size != before.size + op->adds)
				fail_msg("%s got by allocation %lu failing, but log %llu -> %llu", op->what,
					 n, (unsigned long long)before.size, (unsigned long long)after.size);
			continue;
		}
		failed++;
		expect_oom(rc, op->what, n);
		same(&before, &after, op->what, n);
	}
	assert_true(n < LIMIT);
	print_message("%s: %lu allocations, %s failures, %lu runs: %lu errors, %lu got by\n", op->what, n - 1,
		      sticky ? "persistent" : "single", runs, failed, got_by);
	return failed;
}

static unsigned long arm_library(unsigned long n, int sticky)
{
	return qp_alloc_fail_at(n, sticky);
}

static unsigned long arm_sqlite(unsigned long n, int sticky)
{
	unsigned long made = sm.calls;
	sm.at = n;
	sm.sticky = sticky;
	sm.calls = 0;
	sm.armed = n != 0;
	return made;
}

/* ---- the operations ---- */

typedef struct note_ctx {
	char *note;
	size_t len;
} note_ctx;

static void prepare_issue(fx *f, void *ctx)
{
	note_ctx *c = ctx;
	free(c->note);
	c->note = f->held[2] = signed_note(f, f->officer, "cert.issue",
					   "{\"area\":100,\"basis\":\"withdrawal\",\"holder\":\"" HN1
					   "\",\"home\":\"" U1 "\",\"kind\":\"guarantee\"}",
					   &c->len);
}

static int run_append(fx *f, void *ctx)
{
	note_ctx *c = ctx;
	return qp_registry_append(f->reg, c->note, c->len, NULL);
}

static void prepare_village(fx *f, void *ctx)
{
	static unsigned k;
	/* Townships 101... and villages 200-399 in each. */
	snprintf(ctx, 128, "{\"code\":\"330681%03u%03u\",\"name\":\"村%u\"}", 101 + k / 200, 200 + k % 200,
		 k);
	k++;
}

static int run_submit(fx *f, void *ctx)
{
	return qp_registry_submit(f->reg, f->officer, "village.add", ctx, NULL);
}

/* Three village.add notes appended with their checkpoint in one transaction (the service's commit). */
typedef struct batch_ctx {
	char *notes[3];
	size_t lens[3];
} batch_ctx;

static void batch_clear(batch_ctx *c)
{
	for (size_t i = 0; i < 3; i++) {
		free(c->notes[i]);
		c->notes[i] = NULL;
	}
}

static void prepare_batch(fx *f, void *ctx)
{
	batch_ctx *c = ctx;
	char body[128];
	batch_clear(c);
	for (size_t i = 0; i < 3; i++) {
		prepare_village(f, body);
		c->notes[i] = signed_note(f, f->officer, "village.add", body, &c->lens[i]);
	}
}

static int run_append_signed(fx *f, void *ctx)
{
	batch_ctx *c = ctx;
	uint64_t idx[3];
	int res[3];
	qp_merkle_proof proofs[3];
	qp_merkle_proof *proof_of[3] = {&proofs[0], &proofs[1], &proofs[2]};
	qp_log_batch b = {.n = 3,
			  .notes = (const char *const *)c->notes,
			  .note_lens = c->lens,
			  .log_key = f->log,
			  .proofs = proof_of,
			  .indexes = idx,
			  .results = res};
	int rc = qp_log_append_signed(f->reg, &b);
	if ((rc == QP_OK) != (b.checkpoint != NULL))
		fail_msg("append with a checkpoint: %d with%s a checkpoint", rc, b.checkpoint ? "" : "out");
	free(b.checkpoint);
	/* A note refused for want of memory would be an error passed off as a refusal. */
	for (size_t i = 0; rc == QP_OK && i < 3; i++)
		if (res[i] != QP_OK)
			return res[i];
	return rc;
}

static void prepare_household(fx *f, void *ctx)
{
	size_t len = 0;
	qp_personal pd;
	char *note = next_household(f, &len, &pd);
	int rc = qp_registry_append_personal(f->reg, note, len, &pd, NULL);
	if (rc != QP_OK && !strict_enomem) {
		/* An earlier failure left the connection unusable: say so and open it again. */
		record_wrong("the next append (nothing failing) after a failure", rc);
		reopen(f);
		rc = qp_registry_append_personal(f->reg, note, len, &pd, NULL);
	}
	if (rc != QP_OK)
		fail_msg("appending a household (nothing failing): %d %s", rc, qp_error_last()->message);
	qp_personal_clear(&pd);
	free(note);
}

static int run_sign(fx *f, void *ctx)
{
	char *note = NULL;
	size_t len = 0;
	int rc = qp_log_sign(&note, &len, f->reg, f->log);
	free(note);
	return rc;
}

static void check_signed(fx *f, void *ctx)
{
	char *note = NULL;
	uint64_t size = 0, cp = 0;
	assert_int_equal(qp_log_size(&size, f->reg), QP_OK);
	assert_int_equal(qp_log_checkpoint(&note, NULL, &cp, f->reg, QP_LOG_LATEST), QP_OK);
	free(note);
	assert_int_equal(cp, size);
}

static int run_audit(fx *f, void *ctx)
{
	qp_audit_result res;
	qp_audit_options opt = {.jobs = 2, .problem = count_problem};
	problems_seen = 0;
	int rc = qp_audit(&res, (qp_registry *)(ctx ? ctx : f->reg), &opt);
	if (ctx == NULL && (rc == QP_EVERIFY || problems_seen != 0)) {
		/* An audit that runs out of memory must not cry wolf. */
		print_error("audit of a sound registry: %d (%s), %lu problems\n", rc,
			    qp_error_last()->message, problems_seen);
		expect_oom(QP_EVERIFY, "audit (a false alarm)", current_n);
		return QP_ENOMEM;
	}
	return rc;
}

static int run_export(fx *f, void *ctx)
{
	note_ctx *c = ctx;
	free(c->note);
	c->note = f->held[3] = NULL;
	int rc = qp_bundle_export(&c->note, &c->len, NULL, NULL, f->reg, "330681-2026-G-000002");
	f->held[3] = c->note;
	if (rc != QP_OK)
		assert_null(c->note);
	return rc;
}

static int run_verify(fx *f, void *ctx)
{
	note_ctx *c = ctx;
	qp_bundle_info info;
	int rc = qp_bundle_verify(&info, c->note, c->len, f->authority_vkey, T0);
	if (rc == QP_OK)
		assert_string_equal(info.cert.id, "330681-2026-G-000002");
	else if (rc == QP_EVERIFY)
		expect_oom(rc, "verify a sound bundle (a false alarm)", current_n);
	qp_bundle_info_clear(&info);
	return rc;
}

static int run_open(fx *f, void *ctx)
{
	qp_registry *r = NULL;
	int rc = qp_registry_open(&r, f->db, *(unsigned *)ctx);
	if (rc != QP_OK)
		assert_null(r);
	qp_registry_free(r);
	return rc;
}

/* ---- import of a small file ---- */

typedef struct import_ctx {
	char *path;
	unsigned long problems;
} import_ctx;

/* A resident ID number of the 1985 cohort, sequence k (distinct from next_household's). */
static void import_id(char id[QP_RESIDENT_ID_LEN + 1], unsigned long k)
{
	snprintf(id, QP_RESIDENT_ID_LEN + 1, "3306811985%02lu%02lu%03lu", 1 + k / 28 % 12, 1 + k % 28,
		 100 + k / 336 % 900);
	id[17] = qp_ids_resident_check_char(id);
	id[18] = '\0';
}

/*
 * Write a two-row legacy file of new tickets: a live guarantee ticket on a
 * new household and home, and a used retention ticket on another.
 */
static void write_import_file(const char *path)
{
	static unsigned long k;
	char text[2048], id1[QP_RESIDENT_ID_LEN + 1], id2[QP_RESIDENT_ID_LEN + 1];
	import_id(id1, 2 * k);
	import_id(id2, 2 * k + 1);
	int n = snprintf(text, sizeof(text),
			 "票号,类型,持有人,证件号码,村代码,不动产单元号,面积,发证日期,有效期至,状态,备注\n"
			 "F-%05lu-1,宅基地退出,钱%lu,%s," V1 "," V1 "JC%05luF00010001,100.50,2019-03-05,,有效,\n"
			 "F-%05lu-2,危旧房权益保全,孙%lu,%s," V1 "," V1 "JC%05luF00010002,66,2024/3/5,,已使用,旧档\n",
			 k, k, id1, 1 + k, k, k, id2, 1 + k);
	tu_write(path, text, (size_t)n);
	k++;
}

static void prepare_import(fx *f, void *ctx)
{
	import_ctx *c = ctx;
	write_import_file(c->path);
}

static int count_import_problem(void *ctx, const qp_import_problem *p)
{
	import_ctx *c = ctx;
	if (c->problems++ == 0)
		print_message("import problem: line %llu, %s: %s\n", (unsigned long long)p->line, p->column,
			      p->reason);
	return QP_OK;
}

static int run_import(fx *f, void *ctx)
{
	import_ctx *c = ctx;
	qp_import_stats st;
	qp_import_options opt = {.problem = count_import_problem, .ctx = c};
	c->problems = 0;
	int rc = qp_import(&st, f->reg, f->officer, c->path, &opt);
	if (rc == QP_OK && (st.rejected != 0 || c->problems != 0 || st.imported != 2)) {
		/* An import that runs out of memory must not reject a good row. */
		print_error("import of two good rows: %llu imported, %llu rejected, %lu problems\n",
			    (unsigned long long)st.imported, (unsigned long long)st.rejected, c->problems);
		expect_oom(QP_EINVALID, "import (a good row rejected)", current_n);
		return QP_ENOMEM;
	}
	return rc;
}

typedef struct create_ctx {
	char *path;
	qp_genesis g;
	qp_registry *made;
} create_ctx;

/* Each run applies the migrations (under the failure), not only copies their image. */
static void prepare_create(fx *f, void *ctx)
{
	(void)f;
	(void)ctx;
	qp_store_forget_image();
}

static int run_create(fx *f, void *ctx)
{
	create_ctx *c = ctx;
	char side[4200];
	int rc = qp_registry_create(&c->made, c->path, &c->g, f->authority);
	f->held_reg = c->made;
	if (rc != QP_OK) {
		assert_null(c->made);
		/* Nothing is left behind. */
		for (int i = 0; i < 2; i++) {
			if (i == 0)
				snprintf(side, sizeof(side), "%s-wal", c->path);
			else
				snprintf(side, sizeof(side), "%s.tmp%ld", c->path, (long)getpid());
			if (tu_exists(c->path) || tu_exists(side))
				fail_msg("a failed create left %s behind",
					 tu_exists(c->path) ? c->path : side);
		}
	}
	return rc;
}

static void check_created(fx *f, void *ctx)
{
	create_ctx *c = ctx;
	uint64_t n = 0;
	assert_int_equal(qp_log_size(&n, c->made), QP_OK);
	assert_int_equal(n, 3);
	audit_clean(c->made);
	qp_registry_free(c->made);
	c->made = f->held_reg = NULL;
	unlink(c->path);
}

/* Every operation, both failure modes, with the given allocator failing. */
static void all_ops(fx *f, arm_fn arm)
{
	unsigned long total = 0;
	char village[128];
	unsigned rw = 0, ro = QP_STORE_READONLY;
	note_ctx issue = {0}, bundle = {0};
	create_ctx create = {0};
	char *lv = f->held[0] = tu_vkey(f->log);
	create.path = f->held[1] = tu_path(f->dir, "new.db");
	create.g = (qp_genesis){ORIGIN, "330681", "诸暨市", lv};
	const op_def append = {
	    .what = "append a cert.issue", .prepare = prepare_issue, .run = run_append, .adds = 1};
	const op_def submit = {
	    .what = "submit a village.add", .prepare = prepare_village, .run = run_submit, .adds = 1};
	const op_def sign = {.what = "sign a checkpoint",
			     .prepare = prepare_household,
			     .run = run_sign,
			     .adds = 0,
			     .check = check_signed};
	batch_ctx batch = {{NULL}, {0}};
	const op_def signed_batch = {.what = "append 3 entries with their checkpoint",
				     .prepare = prepare_batch,
				     .run = run_append_signed,
				     .adds = 3,
				     .check = check_signed};
	const op_def audit = {.what = "audit", .prepare = NULL, .run = run_audit, .adds = 0, .dense = 40};
	const op_def export = {.what = "export a bundle", .prepare = NULL, .run = run_export, .adds = 0};
	const op_def verify = {.what = "verify a bundle", .prepare = NULL, .run = run_verify, .adds = 0};
	const op_def open_rw = {.what = "open read-write", .prepare = NULL, .run = run_open, .adds = 0};
	const op_def open_ro = {.what = "open read-only", .prepare = NULL, .run = run_open, .adds = 0};
	import_ctx imp = {.path = f->held[4] = tu_path(f->dir, "legacy.csv"), .problems = 0};
	op_def import = {.what = "import a small file", .prepare = prepare_import, .run = run_import};
	/* How many entries two rows make: import once with nothing failing. */
	uint64_t s0 = 0, s1 = 0;
	assert_int_equal(qp_log_size(&s0, f->reg), QP_OK);
	prepare_import(f, &imp);
	assert_int_equal(run_import(f, &imp), QP_OK);
	assert_int_equal(qp_log_size(&s1, f->reg), QP_OK);
	import.adds = s1 - s0;
	const op_def make = {.what = "create a registry",
			     .prepare = prepare_create,
			     .run = run_create,
			     .adds = 0,
			     .check = check_created};
	for (int sticky = 0; sticky < 2; sticky++) {
		total += oom_loop(f, &append, &issue, sticky, arm);
		total += oom_loop(f, &submit, village, sticky, arm);
		total += oom_loop(f, &sign, NULL, sticky, arm);
		total += oom_loop(f, &signed_batch, &batch, sticky, arm);
		total += oom_loop(f, &audit, NULL, sticky, arm);
		total += oom_loop(f, &export, &bundle, sticky, arm);
		total += oom_loop(f, &verify, &bundle, sticky, arm);
		total += oom_loop(f, &open_rw, &rw, sticky, arm);
		total += oom_loop(f, &open_ro, &ro, sticky, arm);
		total += oom_loop(f, &make, &create, sticky, arm);
		total += oom_loop(f, &import, &imp, sticky, arm);
	}
	batch_clear(&batch);
	print_message("%lu failing runs in all\n", total);
	audit_clean(f->reg);
}

/* The library's allocations, cJSON's among them (it allocates through qp_malloc). */
static void test_library_allocation(void **state)
{
	/* Every allocation up to the 60th of each operation, then a sample (all with QP_FAULTS_FULL). */
	sampling = 1;
	all_ops(*state, arm_library);
	sampling = 0;
}

static void test_sqlite_allocation(void **state)
{
	strict_enomem = 0;
	sampling = 2;
	all_ops(*state, arm_sqlite);
	sampling = 0;
	strict_enomem = 1;
	wrong_codes_report("SQLite");
}

/*
 * The audit of a tampered registry, with allocation n failing: it may run
 * out of memory, but it must never say the registry is sound.  (An audit
 * that skips a check when an allocation fails would.)
 */
static void test_audit_tampered(void **state)
{
	fx *f = *state;
	static const char *const tamper[] = {
	    "UPDATE homes SET land_area = land_area + 1 WHERE unit = '" U1 "'",
	    "UPDATE certificates SET area = area + 1 WHERE id = '330681-2026-G-000002'",
	    "UPDATE log_entries SET note = CAST(replace(CAST(note AS TEXT), '东白湖村', '西白湖村') AS BLOB) "
	    "WHERE idx = 5",
	    "UPDATE checkpoints SET root = zeroblob(32)",
	    "UPDATE keys SET revoked_idx = 6, revoke_reason = 'x' WHERE role = 'officer'",
	    /* Beside the log: only the commitment tells (qp_personal_commit allocates). */
	    "UPDATE personal_data SET name = '张' WHERE household = '" HN1 "'",
	};
	char *copy = tu_path(f->dir, "tampered.db");
	qp_registry_free(f->reg); /* folds the WAL into the file */
	f->reg = NULL;
	for (size_t t = 0; t < sizeof(tamper) / sizeof(tamper[0]); t++) {
		sqlite3 *db = NULL;
		if (!full_run() && (t == 1 || t == 4))
			continue; /* (a state row and a key row are alike; --long runs all) */
		tu_copy(f->db, copy);
		assert_int_equal(sqlite3_open(copy, &db), SQLITE_OK);
		if (sqlite3_exec(db, tamper[t], NULL, NULL, NULL) != SQLITE_OK || sqlite3_changes(db) < 1)
			fail_msg("tamper %s: %s", tamper[t], sqlite3_errmsg(db));
		sqlite3_close(db);
		qp_registry *r = NULL;
		assert_int_equal(qp_registry_open(&r, copy, 0), QP_OK);
		{
			for (int sticky = 0; sticky < 1 + full_run(); sticky++) {
				unsigned long n, errors = 0, runs = 0;
				char what[128];
				snprintf(what, sizeof(what), "audit of a registry tampered by \"%.50s...\"",
					 tamper[t]);
				for (n = 1; n < LIMIT; n = next_n(n, 30), runs++) {
					qp_alloc_fail_at(n, sticky);
					int rc = run_audit(f, r);
					unsigned long made = qp_alloc_fail_at(0, 0);
					if (rc == QP_OK)
						fail_msg("%s passed with allocation %lu failing", what, n);
					if (rc != QP_EVERIFY)
						expect_oom(rc, what, n);
					errors += rc != QP_EVERIFY;
					if (made < n) {
						assert_int_equal(rc, QP_EVERIFY);
						break;
					}
				}
				print_message("%s: %lu allocations (%s), %lu runs, %lu ran out\n", what,
					      n - 1, sticky ? "persistent" : "single", runs, errors);
			}
		}
		qp_registry_free(r);
	}
	free(copy);
	assert_int_equal(qp_registry_open(&f->reg, f->db, 0), QP_OK);
}

/* ---- I/O failure --------------------------------------------------------------------- */

static const struct {
	enum fault_op op;
	int code;
	const char *name;
} io_faults[] = {
    {FAULT_WRITE, SQLITE_IOERR_WRITE, "write: I/O error"},
    {FAULT_WRITE, SQLITE_FULL, "write: disk full"},
    {FAULT_SYNC, SQLITE_IOERR_FSYNC, "sync: I/O error"},
    {FAULT_TRUNCATE, SQLITE_IOERR_TRUNCATE, "truncate: I/O error"},
};

/* Copy the registry's files as they are now (no -shm: a crash loses it) to dir/crash.db. */
static char *crash_image(fx *f)
{
	char *img = tu_path(f->dir, "crash.db");
	char from[4200], to[4200];
	for (const char *sfx = ""; sfx; sfx = *sfx ? NULL : "-wal") {
		snprintf(from, sizeof(from), "%s%s", f->db, sfx);
		snprintf(to, sizeof(to), "%s%s", img, sfx);
		unlink(to);
		if (tu_exists(from))
			tu_copy(from, to);
	}
	snprintf(to, sizeof(to), "%s-shm", img);
	unlink(to);
	return img;
}

/* Open path, check its log size is one of want_lo..want_hi, that it audits clean and (covered) that
 * the latest checkpoint covers the whole log. */
static uint64_t check_reopened_covered(const char *path, uint64_t want_lo, uint64_t want_hi, int covered,
				       const char *what)
{
	qp_registry *r = NULL;
	uint64_t n = 0;
	int rc = qp_registry_open(&r, path, 0);
	if (rc != QP_OK)
		fail_msg("%s: the registry does not open: %d %s", what, rc, qp_error_last()->message);
	assert_int_equal(qp_log_size(&n, r), QP_OK);
	if (n < want_lo || n > want_hi)
		fail_msg("%s: log size %llu, expected %llu..%llu", what, (unsigned long long)n,
			 (unsigned long long)want_lo, (unsigned long long)want_hi);
	if (covered) {
		char *cp = NULL;
		uint64_t cp_size = 0;
		assert_int_equal(qp_log_checkpoint(&cp, NULL, &cp_size, r, QP_LOG_LATEST), QP_OK);
		free(cp);
		if (cp_size != n)
			fail_msg("%s: the latest checkpoint covers %llu of the log's %llu entries", what,
				 (unsigned long long)cp_size, (unsigned long long)n);
	}
	audit_clean(r);
	qp_registry_free(r);
	return n;
}

/*
 * Append batch new entries (one: qp_registry_append; more: a batch, or
 * with signed a batch with its checkpoint, qp_log_append_signed) with
 * the Nth call of the fault's kind failing, n = 1, 2, ... until a run
 * makes fewer than n such calls.  After each run: the crash image opens
 * and audits clean with the log anywhere from before to after; the
 * registry, closed and reopened, has exactly the entries reported
 * appended and audits clean; signed: in both, the latest checkpoint
 * covers the whole log.  Returns the runs that reported an error.
 */
static unsigned long io_loop(fx *f, size_t fault, int sticky, size_t batch, int signed_batch,
			     unsigned long *ambiguous, unsigned long *tolerated)
{
	unsigned long n, failures = 0;
	char what[160];
	char *notes[8];
	size_t lens[8];
	uint64_t indexes[8];
	int results[8];
	qp_personal pds[8];
	const qp_personal *pd[8];
	for (n = 1; n < 10000; n++) {
		uint64_t size0 = 0;
		if (signed_batch) {
			/* The service's group commit starts from a log its checkpoint covers. */
			char *first = NULL;
			size_t first_len = 0;
			assert_int_equal(qp_log_sign(&first, &first_len, f->reg, f->log), QP_OK);
			free(first);
		}
		assert_int_equal(qp_log_size(&size0, f->reg), QP_OK);
		for (size_t i = 0; i < batch; i++) {
			notes[i] = next_household_at(f, &lens[i], i, &pds[i]);
			pd[i] = &pds[i];
		}
		snprintf(what, sizeof(what), "%s %s at call %lu, %zu entries%s",
			 sticky ? "persistent" : "single", io_faults[fault].name, n, batch,
			 signed_batch ? " with their checkpoint" : "");
		qp_merkle_proof proofs[8];
		qp_merkle_proof *proof_of[8];
		for (size_t i = 0; i < batch; i++)
			proof_of[i] = &proofs[i];
		qp_log_batch b = {.n = batch,
				  .notes = (const char *const *)notes,
				  .note_lens = lens,
				  .pds = pd,
				  .log_key = f->log,
				  .proofs = proof_of,
				  .indexes = indexes,
				  .results = results};
		fault_arm(io_faults[fault].op, io_faults[fault].code, n, sticky);
		int rc = signed_batch ? qp_log_append_signed(f->reg, &b)
			 : batch == 1 ? qp_registry_append_personal(f->reg, notes[0], lens[0], pd[0], indexes)
				      : qp_registry_append_batch_personal(f->reg, (const char *const *)notes,
									  lens, pd, batch, indexes, results);
		unsigned long fired = fv.fired;
		fault_off();
		if (signed_batch && (rc == QP_OK) != (b.checkpoint != NULL))
			fail_msg("%s: gave %d with%s a checkpoint", what, rc, b.checkpoint ? "" : "out");
		free(b.checkpoint);
		for (size_t i = 0; i < batch; i++) {
			free(notes[i]);
			qp_personal_clear(&pds[i]);
		}
		/* A clean I/O error (busy would be clean too), or SQLite coped. */
		if (rc != QP_OK && rc != QP_EIO && rc != QP_ECONFLICT)
			fail_msg("%s: gave %d (%s)", what, rc, qp_error_last()->message);
		if (rc == QP_OK && batch > 1)
			for (size_t i = 0; i < batch; i++)
				if (results[i] != QP_OK)
					fail_msg("%s: entry %zu of the batch gave %d (%s)", what, i,
						 results[i], qp_error_last()->message);
		failures += rc != QP_OK;
		*tolerated += rc == QP_OK && fired;
		uint64_t want = rc == QP_OK ? size0 + batch : size0;
		/* The state a crash right now would leave. */
		char *img = crash_image(f);
		uint64_t got = check_reopened_covered(img, rc == QP_OK ? want : size0, size0 + batch,
						      signed_batch, what);
		*ambiguous += rc != QP_OK && got != size0;
		free(img);
		/* Closed and reopened: exactly what was reported appended. */
		qp_registry_free(f->reg);
		f->reg = NULL;
		check_reopened_covered(f->db, want, want, signed_batch, what);
		reopen(f);
		if (fired == 0)
			break;
	}
	assert_true(n < 10000);
	return failures;
}

static void test_io_faults(void **state)
{
	fx *f = *state;
	unsigned long total = 0, ambiguous = 0, tolerated = 0;
	for (size_t fault = 0; fault < sizeof(io_faults) / sizeof(io_faults[0]); fault++)
		for (int sticky = 0; sticky < 2; sticky++)
			for (int mode = 0; mode < 3; mode++) {
				/* 1 entry; 5 in a batch; 5 in a batch with their checkpoint. */
				size_t batch = mode == 0 ? 1 : 5;
				unsigned long got =
				    io_loop(f, fault, sticky, batch, mode == 2, &ambiguous, &tolerated);
				print_message("%s, %s, %zu entries%s: %lu failing runs\n",
					      io_faults[fault].name, sticky ? "persistent" : "single", batch,
					      mode == 2 ? " with their checkpoint" : "", got);
				total += got;
			}

	/* A checkpoint signed while the disk fails: the latest checkpoint stays as it was. */
	for (size_t fault = 0; fault < sizeof(io_faults) / sizeof(io_faults[0]); fault++) {
		for (unsigned long n = 1; n < 1000; n++) {
			snap before, after;
			char *note = NULL;
			size_t len = 0;
			qp_personal pd;
			note = next_household(f, &len, &pd);
			assert_int_equal(qp_registry_append_personal(f->reg, note, len, &pd, NULL), QP_OK);
			qp_personal_clear(&pd);
			free(note);
			note = NULL;
			take(&before, f->reg);
			fault_arm(io_faults[fault].op, io_faults[fault].code, n, 0);
			int rc = qp_log_sign(&note, &len, f->reg, f->log);
			unsigned long fired = fv.fired;
			fault_off();
			free(note);
			reopen(f);
			take(&after, f->reg);
			if (rc != QP_OK) {
				if (rc != QP_EIO && rc != QP_ECONFLICT)
					fail_msg("checkpoint sign, %s at call %lu: %d %s",
						 io_faults[fault].name, n, rc, qp_error_last()->message);
				same(&before, &after, "checkpoint sign", n);
				total++;
			} else {
				assert_int_equal(after.cp_size, after.size);
			}
			audit_clean(f->reg);
			if (fired == 0)
				break;
		}
	}
	/*
	 * An import while the disk fails: a clean error, the registry opens
	 * and audits clean, and a rerun ends with each row in once.
	 */
	import_ctx imp = {.path = f->held[4] = tu_path(f->dir, "legacy.csv"), .problems = 0};
	unsigned long import_runs = 0;
	for (size_t fault = 0; fault < sizeof(io_faults) / sizeof(io_faults[0]); fault++) {
		for (int sticky = 0; sticky < 2; sticky++) {
			unsigned long n;
			/* Every write up to the 20th, then a sample (every one with QP_FAULTS_FULL). */
			for (n = 1; n < 1000; n = full_run() || n < 20 ? n + 1 : n + 1 + (n - 20) / 4) {
				qp_import_stats st;
				qp_import_options opt = {.problem = count_import_problem, .ctx = &imp};
				write_import_file(imp.path);
				imp.problems = 0;
				fault_arm(io_faults[fault].op, io_faults[fault].code, n, sticky);
				int rc = qp_import(&st, f->reg, f->officer, imp.path, &opt);
				unsigned long fired = fv.fired;
				fault_off();
				if (rc != QP_OK && rc != QP_EIO && rc != QP_ECONFLICT)
					fail_msg("import, %s at call %lu: %d %s", io_faults[fault].name, n, rc,
						 qp_error_last()->message);
				if (rc == QP_OK && (st.rejected || imp.problems || st.imported != 2))
					fail_msg("import, %s at call %lu: %llu imported, %llu rejected",
						 io_faults[fault].name, n, (unsigned long long)st.imported,
						 (unsigned long long)st.rejected);
				total += rc != QP_OK;
				import_runs++;
				reopen(f);
				audit_clean(f->reg);
				/* The rerun: whatever was committed is present, the rest imported. */
				memset(&st, 0, sizeof(st));
				assert_int_equal(qp_import(&st, f->reg, f->officer, imp.path, &opt), QP_OK);
				if (st.imported + st.present != 2 || st.rejected != 0 || (rc == QP_OK && st.present != 2))
					fail_msg("import, %s at call %lu: rerun %llu imported, %llu present, %llu "
						 "rejected",
						 io_faults[fault].name, n, (unsigned long long)st.imported,
						 (unsigned long long)st.present, (unsigned long long)st.rejected);
				if (fired == 0)
					break;
			}
			assert_true(n < 1000);
		}
	}
	print_message("import under I/O faults: %lu runs, each rerun imported every row once\n", import_runs);
	print_message("%lu failing runs in all; %lu faults SQLite coped with; %lu failed appends were "
		      "in the crash image\n",
		      total, tolerated, ambiguous);
	audit_clean(f->reg);
}

int main(void)
{
	/* QP_FAULTS_ONLY=test_io_faults runs just that test (a cmocka filter pattern). */
	if (getenv("QP_FAULTS_ONLY"))
		cmocka_set_test_filter(getenv("QP_FAULTS_ONLY"));
	sqlite_malloc_install();
	fault_vfs_register();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_library_allocation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sqlite_allocation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_tampered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_io_faults, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
