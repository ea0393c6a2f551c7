/*
 * qp_bench - what the registry costs, next to what it stands on.
 *
 * The bound on this machine is the crypto and storage underneath: Ed25519
 * sign and verify rates (libsodium) and SQLite's insert rate.  In the same
 * run it measures the registry's append rate (every append verifies one
 * signature and writes the entry, its tree nodes and state) at a small and
 * at a large log size, and the latency of inclusion proofs at the large
 * size, and prints each next to its bound.
 *
 * usage: qp_bench [--entries N] [--dir DIR] [--batch B]
 *        qp_bench audit [--entries N] [--rows N] [--dir DIR] [--only synthetic|legacy]
 *        qp_bench statusmap [--entries N] [--changes C] [--dir DIR] (statusmap_bench.c)
 *        qp_bench import [--rows N] [--dir DIR] [--no-map]
 *        qp_bench import-file FILE ROWS; qp_bench import-registry DB;
 *        qp_bench import-into DB FILE (QP_BENCH_BATCH=N: N rows a batch)
 *        qp_bench audit-file DB [--no-map] (a registry kept by QP_BENCH_KEEP=1)
 *
 * The audit mode builds a registry of N household.add entries and
 * measures, each in a child process so that its peak memory is its own,
 * a full audit (against Ed25519 verify rate x cores, measured in the same
 * run) and an incremental audit after 1,000 new entries.  Then it builds
 * the registry a county will have: a realistic legacy export (legacy_gen.c)
 * of about N / 2.55 rows (--rows) imported, most of its entries certificate
 * entries, and measures its full audit by CPU time (entries per CPU-second
 * against the verify rate of one core) and wall time (against verify x
 * cores), with its peak memory.  --only runs one of the two.
 *
 * The import mode writes a legacy export of N rows (default 1,000,000)
 * and imports it in a child process, next to its bound: one signature
 * and three inserts per entry, times the entries a row makes.
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench_clock.h"
#include "alloc.h"
#include "clock.h"
#include "entry.h"
#include "policy.h"
#include "quanpiao/quanpiao.h"
#include "registry_internal.h"
#include "legacy_gen.h"
#include "service_bench.h"
#include "statusmap_bench.h"


static void die(const char *what)
{
	fprintf(stderr, "qp_bench: %s: %s\n", what, qp_error_last()->message);
	exit(1);
}

/* Ed25519 sign and verify per second over a 600-byte message (an entry's size). */
void crypto_bound(double *sign_rate, double *verify_rate)
{
	unsigned char pk[32], sk[64], sig[64], msg[600];
	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	int n = 20000;
	double t = bench_wall();
	for (int i = 0; i < n; i++) {
		msg[0] = (unsigned char)i;
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	}
	*sign_rate = n / (bench_wall() - t);
	t = bench_wall();
	for (int i = 0; i < n; i++)
		if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0 && i == n - 1)
			fputs("", stderr);
	*verify_rate = n / (bench_wall() - t);
}

/* CPU seconds of this thread (which = CLOCK_THREAD_CPUTIME_ID) or process (CLOCK_PROCESS_CPUTIME_ID). */
static double cpu_now(clockid_t which)
{
	struct timespec t;
	clock_gettime(which, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * Ed25519 verifications (sign = 0) or signatures (sign = 1) per CPU-second
 * of this thread (600-byte messages, as crypto_bound): the bound of an
 * audit or an import by CPU time, which a busy machine does not lower the
 * way it lowers a rate by wall time.
 */
static double ed25519_cpu_rate(int sign)
{
	unsigned char pk[32], sk[64], sig[64], msg[600];
	int n = 20000, bad = 0;
	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	double t = cpu_now(CLOCK_THREAD_CPUTIME_ID);
	for (int i = 0; i < n; i++) {
		if (sign) {
			msg[0] = (unsigned char)i;
			crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
		} else {
			bad += crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0;
		}
	}
	double used = cpu_now(CLOCK_THREAD_CPUTIME_ID) - t;
	if (bad)
		die("verify");
	return n / used;
}

static double verify_cpu_rate(void)
{
	return ed25519_cpu_rate(0);
}

/*
 * SQLite inserts per second of entry-sized rows, in transactions of batch rows, synchronous=FULL, WAL;
 * *cpu_rate (if not NULL) gets them per CPU-second of this process.
 */
static double sqlite_bound_cpu(const char *dir, int rows, int batch, double *cpu_rate)
{
	char path[4096];
	sqlite3 *db;
	sqlite3_stmt *st;
	unsigned char blob[700];
	snprintf(path, sizeof(path), "%s/sqlite-bound.db", dir);
	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 0;
	sqlite3_exec(db,
		     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		     "CREATE TABLE t (idx INTEGER PRIMARY KEY, note BLOB, leaf BLOB)",
		     NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2, ?3)", -1, &st, NULL);
	randombytes_buf(blob, sizeof(blob));
	double t = bench_wall(), c = cpu_now(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < rows; i++) {
		if (i % batch == 0)
			sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		sqlite3_bind_int64(st, 1, i);
		sqlite3_bind_blob(st, 2, blob, sizeof(blob), SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, blob, 32, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_reset(st);
		if (i % batch == batch - 1 || i == rows - 1)
			sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	double rate = rows / (bench_wall() - t);
	if (cpu_rate)
		*cpu_rate = rows / (cpu_now(CLOCK_PROCESS_CPUTIME_ID) - c);
	sqlite3_finalize(st);
	sqlite3_close(db);
	unlink(path);
	return rate;
}

double sqlite_bound(const char *dir, int rows, int batch)
{
	return sqlite_bound_cpu(dir, rows, batch, NULL);
}

typedef struct bench {
	qp_registry *reg;
	qp_key *authority;
	char *body;
	int64_t t0;
	uint64_t made;
	int batch;
	char **notes;
	size_t *lens;
	uint64_t *idx;
	int *res;
} bench;

/* Sign one batch of policy.set entries (not timed). */
static void sign_batch(bench *b)
{
	/* A desk signs against the state it has seen: the whole batch names the log before it. */
	qp_log_state log;
	if (qp_registry_log_state(&log, b->reg) != QP_OK)
		die("reading the log state");
	for (int i = 0; i < b->batch; i++) {
		char when[QP_TIME_LEN + 1], *text = NULL;
		size_t text_len = 0;
		qp_time_format(when, b->t0 + (int64_t)b->made + i);
		cJSON *body = cJSON_Parse(b->body);
		const qp_key *k = b->authority;
		if (qp_entry_text(&text, &text_len, qp_registry_origin(b->reg), "policy.set", qp_key_name(k),
				  when, &log, body) != QP_OK ||
		    qp_note_sign(&b->notes[i], &b->lens[i], text, text_len, &k, 1) != QP_OK)
			die("signing");
		cJSON_Delete(body);
		qp_free(text);
	}
}

/* Append one batch; returns the seconds it took. */
static double append_batch(bench *b)
{
	sign_batch(b);
	double t = bench_wall();
	if (qp_registry_append_batch(b->reg, (const char *const *)b->notes, b->lens, (size_t)b->batch, b->idx, b->res) !=
	    QP_OK)
		die("appending");
	double dt = bench_wall() - t;
	for (int i = 0; i < b->batch; i++) {
		if (b->res[i] != QP_OK)
			die("an entry was refused");
		free(b->notes[i]);
	}
	b->made += (uint64_t)b->batch;
	return dt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sign count household.add entries (from number first) as officer and append them in batches. */
void add_households(qp_registry *reg, const qp_key *officer, uint64_t first, uint64_t count)
{
	enum { B = 1000 };
	static char *notes[B];
	static size_t lens[B];
	static uint64_t idx[B];
	static int res[B];
	static qp_personal pd[B];
	static const qp_personal *pds[B];
	size_t n = 0;
	for (uint64_t i = first; i < first + count; i++) {
		char d[18], id[19], body[256];
		/* Unique, valid resident IDs: a birth date per 1000 sequence numbers. */
		uint64_t day = i / 1000, seq = i % 1000;
		int year = 1940 + (int)(day / 336), month = 1 + (int)(day / 28 % 12), dd = 1 + (int)(day % 28);
		snprintf(d, sizeof(d), "330681%04u%02u%02u%03u", (unsigned)year % 10000u, (unsigned)month % 100u,
			 (unsigned)dd % 100u, (unsigned)seq % 1000u);
		memcpy(id, d, 17);
		id[17] = qp_ids_resident_check_char(d);
		id[18] = '\0';
		/* As an officer writes it; the ID number and name go beside the log (personal.h). */
		char *committed = NULL;
		int found = 0;
		snprintf(body, sizeof(body),
			 "{\"id_number\":\"%s\",\"members\":3,\"name\":\"户\",\"number\":\"330681-H-%07llu\","
			 "\"village\":\"330681101201\"}",
			 id, (unsigned long long)(i + 1) % 10000000ULL);
		if (qp_personal_split(&committed, &pd[n], &found, "household.add", body) != QP_OK || !found ||
		    qp_registry_sign_entry(&notes[n], &lens[n], reg, officer, "household.add", committed) !=
			QP_OK)
			die("signing");
		free(committed);
		pds[n] = &pd[n];
		if (++n == B || i + 1 == first + count) {
			if (qp_registry_append_batch_personal(reg, (const char *const *)notes, lens, pds, n,
							      idx, res) != QP_OK)
				die("appending");
			for (size_t k = 0; k < n; k++) {
				if (res[k] != QP_OK)
					die("an entry was refused");
				free(notes[k]);
				qp_personal_clear(&pd[k]);
			}
			n = 0;
		}
	}
}

/* ---- import: a realistic legacy export of N rows (legacy_gen.c) ------------------------ */

static void import_file(const char *path, uint64_t n)
{
	if (qp_legacy_write_file(path, n, 12345) != 0) {
		perror(path);
		exit(1);
	}
}

void bench_keys_free(bench_keys *k)
{
	qp_key_free(k->authority);
	qp_key_free(k->log);
	qp_key_free(k->officer);
}

/* A registry at db for an import: the officer enrolled and the 50 villages of the export; returns its size.
 */
qp_registry *bench_registry(const char *path, bench_keys *k)
{
	char logname[] = "bench.example/log", body[512];
	unsigned char seed[32];
	qp_verifier *v = NULL;
	char *lvs = NULL, *ovs = NULL;
	memset(seed, 1, sizeof(seed));
	qp_key_from_seed(&k->authority, "330681.authority", seed);
	seed[0] = 2;
	qp_key_from_seed(&k->log, logname, seed);
	seed[0] = 3;
	qp_key_from_seed(&k->officer, "330681.officer.bench", seed);
	if (!k->authority || !k->log || !k->officer || qp_key_verifier(&v, k->log) != QP_OK ||
	    qp_verifier_string(&lvs, v) != QP_OK)
		die("keys");
	qp_verifier_free(v);
	if (qp_key_verifier(&v, k->officer) != QP_OK || qp_verifier_string(&ovs, v) != QP_OK)
		die("keys");
	qp_verifier_free(v);
	qp_registry *reg = NULL;
	qp_genesis g = {logname, "330681", "诸暨市", lvs};
	if (qp_registry_create(&reg, path, &g, k->authority) != QP_OK)
		die("create");
	snprintf(body, sizeof(body), "{\"role\":\"officer\",\"vkey\":\"%s\"}", ovs);
	if (qp_registry_submit(reg, k->authority, "key.enroll", body, NULL) != QP_OK)
		die("setup");
	free(lvs);
	free(ovs);
	return reg;
}

/* A registry at db for an import: the officer enrolled and the 50 villages of the export; returns its size.
 */
static uint64_t import_registry(const char *db, bench_keys *k)
{
	char body[512];
	qp_registry *reg = bench_registry(db, k);
	for (unsigned tw = 101; tw <= 110; tw++)
		for (unsigned vi = 201; vi <= 205; vi++) {
			snprintf(body, sizeof(body), "{\"code\":\"330681%03u%03u\",\"name\":\"村%u%u\"}", tw,
				 vi, tw, vi);
			if (qp_registry_submit(reg, k->officer, "village.add", body, NULL) != QP_OK)
				die("villages");
		}
	uint64_t start = 0;
	if (qp_log_size(&start, reg) != QP_OK)
		die("log size");
	qp_registry_free(reg);
	return start;
}

/*
 * Import path into the registry at db in a child process; its wall and CPU seconds (user + system, all
 * its threads), peak RSS (MiB) and counts.
 */
static int import_child(const char *db, const char *path, const qp_key *officer, double *seconds, double *cpu,
			double *rss_mib, qp_import_stats *s)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	double t = bench_wall();
	pid_t pid = fork();
	if (pid == 0) {
		qp_registry *reg = NULL;
		qp_import_stats cs;
		close(fds[0]);
		if (qp_registry_open(&reg, db, 0) != QP_OK)
			_exit(2);
		/* QP_BENCH_BATCH=N: N rows a batch, not the default's time limit too (for instruction counts
		 * that do not depend on the machine's speed). */
		qp_import_options opt = {QP_IMPORT_CSV, QP_IMPORT_AUTO, 0, NULL, 0, NULL, NULL, NULL};
		if (getenv("QP_BENCH_BATCH"))
			opt.batch_rows = (size_t)strtoull(getenv("QP_BENCH_BATCH"), NULL, 10);
		int err = qp_import(&cs, reg, officer, path, &opt);
		if (err != QP_OK)
			fprintf(stderr, "qp_bench: import: %s\n", qp_error_last()->message);
		qp_registry_free(reg);
		_exit(write(fds[1], &cs, sizeof(cs)) == (ssize_t)sizeof(cs) && err == QP_OK ? 0 : 1);
	}
	close(fds[1]);
	int status = 0;
	struct rusage ru;
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid ||
	    read(fds[0], s, sizeof(*s)) != (ssize_t)sizeof(*s)) {
		close(fds[0]);
		return -1;
	}
	close(fds[0]);
	*seconds = bench_wall() - t;
	*cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
	*rss_mib = (double)ru.ru_maxrss / 1024.0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Run an audit in a child process; its wall and CPU seconds (user + system,
 * all its threads: getrusage of the child) and peak RSS in MiB.  0 if the
 * audit ran and found no problem.
 */
extern int qp_statusmap_bench_off; /* src/store_statusmap.c: the replay keeps no status map */
static int audit_no_map;	   /* audit-file --no-map */

static int audit_child(const char *path, const char *keep, const char *since, double *seconds, double *cpu,
		       double *rss_mib)
{
	double t = bench_wall();
	pid_t pid = fork();
	if (pid == 0) {
		qp_registry *reg = NULL;
		qp_statusmap_bench_off = audit_no_map;
		qp_audit_result r;
		qp_audit_options opt = {0, keep, since, NULL, NULL, NULL, NULL};
		if (qp_registry_open(&reg, path, QP_STORE_READONLY) != QP_OK)
			_exit(2);
		int err = qp_audit(&r, reg, &opt);
		if (err != QP_OK)
			fprintf(stderr, "qp_bench: audit: %s\n", qp_error_last()->message);
		else if (r.problems > 0)
			fprintf(stderr, "qp_bench: audit: %llu problems\n", (unsigned long long)r.problems);
		qp_registry_free(reg);
		/* Without the map, the map's tables and lines differ: that is the point, not a failure. */
		_exit((err == QP_OK && r.problems == 0) ||
			      (audit_no_map && (err == QP_OK || err == QP_EVERIFY))
			  ? 0
			  : 1);
	}
	int status = 0;
	struct rusage ru;
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
		return -1;
	*seconds = bench_wall() - t;
	*cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
	*rss_mib = (double)ru.ru_maxrss / 1024.0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * A full audit next to its bound, the Ed25519 verify rate of one core
 * measured in this run: by CPU time, entries per CPU-second of the audit
 * (all its threads) against verifications per CPU-second (verify_cpu); by
 * wall time, entries per second against verify (per second) x cores.  The audit verifies every signature, so
 * each ratio is at most 1: what it is short of 1 is the rest of the audit
 * (reading the log, the replay's rules and writes, the tree, the table
 * comparison).
 */
static int print_full_audit(const char *what, uint64_t size, double wall, double cpu, double rss,
			    double verify, double verify_cpu, long cores)
{
	double c = (double)(cores > 0 ? cores : 1), by_cpu = (double)size / cpu / verify_cpu,
	       by_wall = (double)size / wall / (verify * c);
	printf("full audit, %s registry: %llu entries\n", what, (unsigned long long)size);
	printf("  wall                   %8.1f s   %8.0f entries/s    %.2f of verify x %ld cores\n", wall,
	       (double)size / wall, by_wall, cores);
	printf("  CPU (all threads)      %8.1f s   %8.0f entries/CPU-s  %.2f of verify (target: at least "
	       "0.70)\n",
	       cpu, (double)size / cpu, by_cpu);
	printf("  peak memory            %8.1f MiB  (target: under 200 MiB)\n", rss);
	fflush(stdout);
	return by_cpu >= 0.7 && rss < 200;
}

/*
 * The floor of any full audit of the registry at db: what it cannot skip
 * for each entry, on one thread, with nothing else: read the entry, parse
 * and check its text (qp_entry_parse), hash its leaf and compare it with the
 * stored one, and verify its signature by its signer's key (from the keys
 * table).  No rules, no replay, no tree, no comparison of tables.  Returns
 * entries per CPU-second of this thread; *entries gets how many it read.
 */
typedef struct floor_key {
	char name[64];
	uint32_t id;
	qp_verifier *v;
} floor_key;

static double audit_floor(const char *db, uint64_t *entries)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *q = NULL;
	floor_key keys[64];
	size_t nkeys = 0;
	uint64_t n = 0, bad = 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT name, key_id, vkey FROM keys", -1, &q, NULL) != SQLITE_OK)
		die("floor: keys");
	while (sqlite3_step(q) == SQLITE_ROW && nkeys < 64) {
		floor_key *k = &keys[nkeys];
		snprintf(k->name, sizeof(k->name), "%s", (const char *)sqlite3_column_text(q, 0));
		k->id = (uint32_t)sqlite3_column_int64(q, 1);
		if (qp_verifier_parse(&k->v, (const char *)sqlite3_column_text(q, 2)) == QP_OK)
			nkeys++;
	}
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(h, "SELECT note, leaf_hash FROM log_entries ORDER BY idx", -1, &q, NULL) !=
	    SQLITE_OK)
		die("floor: entries");
	double t = cpu_now(CLOCK_THREAD_CPUTIME_ID);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *note = sqlite3_column_blob(q, 0);
		size_t len = (size_t)sqlite3_column_bytes(q, 0);
		const unsigned char *stored = sqlite3_column_blob(q, 1);
		unsigned char leaf[QP_HASH_LEN];
		qp_entry *e = NULL;
		n++;
		qp_merkle_leaf_hash(leaf, note, len);
		if (stored == NULL || sqlite3_column_bytes(q, 1) != QP_HASH_LEN ||
		    memcmp(leaf, stored, QP_HASH_LEN) != 0 || qp_entry_parse(&e, note, len) != QP_OK) {
			bad++;
			qp_entry_free(e);
			continue;
		}
		const qp_verifier *v = NULL;
		for (size_t i = 0; i < nkeys && v == NULL; i++)
			if (keys[i].id == e->key_id && strcmp(keys[i].name, e->signer) == 0)
				v = keys[i].v;
		const qp_note_sig *s = &e->note->sigs[0];
		if (v == NULL || s->sig_len != QP_SIGNATURE_LEN ||
		    qp_verifier_verify(v, s->sig, e->note->text, e->note->text_len) != QP_OK)
			bad++;
		qp_entry_free(e);
	}
	double used = cpu_now(CLOCK_THREAD_CPUTIME_ID) - t;
	sqlite3_finalize(q);
	sqlite3_close(h);
	for (size_t i = 0; i < nkeys; i++)
		qp_verifier_free(keys[i].v);
	if (bad)
		die("floor: an entry did not parse or verify");
	*entries = n;
	return (double)n / used;
}

/*
 * The full audit of the registry at db (size entries) in a child, next to
 * the verify rate measured before and after it (the faster is the bound),
 * and the floor of any audit of it (audit_floor) against the same bound.
 * Returns 1 if within the targets.
 */
static int measure_full_audit(const char *db, const char *what, uint64_t size)
{
	double sign_rate, verify_rate, verify_after, secs, cpu, rss;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	crypto_bound(&sign_rate, &verify_rate);
	double vcpu = verify_cpu_rate();
	if (audit_child(db, NULL, NULL, &secs, &cpu, &rss) != 0)
		die("full audit");
	crypto_bound(&sign_rate, &verify_after);
	double vcpu_after = verify_cpu_rate();
	double verify = verify_after > verify_rate ? verify_after : verify_rate;
	vcpu = vcpu_after > vcpu ? vcpu_after : vcpu;
	printf(
	    "bound (this machine), the faster of before and after the audit:\n"
	    "  Ed25519 verify %.0f /s (wall; %.0f before, %.0f after), %.0f /CPU-s (one thread's CPU time)\n",
	    verify, verify_rate, verify_after, vcpu);
	int ok = print_full_audit(what, size, secs, cpu, rss, verify, vcpu, cores);
	uint64_t read = 0;
	double floor = audit_floor(db, &read);
	printf("  floor of any audit     %8.0f entries/CPU-s  %.2f of verify\n", floor, floor / vcpu);
	printf(
	    "    (each of the %llu entries read, parsed, hashed and verified on one thread, nothing else:\n",
	    (unsigned long long)read);
	printf(
	    "    no rules, no replay, no tree, no table compared; the audit spends %.1f us of CPU an entry\n",
	    1e6 * (cpu / (double)size - 1.0 / floor));
	printf("    beyond it)\n");
	fflush(stdout);
	return ok;
}

/* Remove a registry file and its -wal and -shm, unless QP_BENCH_KEEP is set. */
static void remove_registry(const char *db)
{
	char side[4200];
	if (getenv("QP_BENCH_KEEP")) {
		printf("kept %s\n", db);
		return;
	}
	unlink(db);
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
}

/*
 * The full audit of a registry as the county's will be: made by importing
 * a realistic legacy export (legacy_gen.c) of rows rows, so that most of
 * its entries are certificate entries, then a checkpoint.  The audit runs
 * in a child (measure_full_audit).  Returns 1 if within the targets.
 */
static int bench_audit_legacy(uint64_t rows, const char *dir)
{
	char db[4096], csv[4096];
	snprintf(db, sizeof(db), "%s/qp-bench-audit-legacy-%d.db", dir, (int)getpid());
	snprintf(csv, sizeof(csv), "%s/qp-bench-audit-legacy-%d.csv", dir, (int)getpid());
	import_file(csv, rows);
	bench_keys k;
	import_registry(db, &k);
	double secs, rss;
	qp_import_stats st;
	double t = bench_wall();
	fprintf(stderr, "  building: importing %llu legacy rows\n", (unsigned long long)rows);
	double import_cpu;
	if (import_child(db, csv, k.officer, &secs, &import_cpu, &rss, &st) != 0 || st.imported != rows)
		die("importing the legacy export");
	unlink(csv);
	qp_registry *reg = NULL;
	char *cp = NULL;
	size_t cp_len = 0;
	uint64_t size = 0, certs = 0;
	if (qp_registry_open(&reg, db, 0) != QP_OK || qp_log_sign(&cp, &cp_len, reg, k.log) != QP_OK ||
	    qp_log_size(&size, reg) != QP_OK)
		die("checkpoint");
	free(cp);
	qp_registry_free(reg);
	sqlite3 *h = NULL;
	sqlite3_stmt *q = NULL;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT count(*) FROM log_entries WHERE type LIKE 'cert.%'", -1, &q,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		certs = (uint64_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(h);
	printf("legacy registry: %llu rows imported in %.0f s: %llu entries, %.0f%% of them certificate "
	       "entries\n",
	       (unsigned long long)rows, bench_wall() - t, (unsigned long long)size,
	       100.0 * (double)certs / (double)size);

	int ok = measure_full_audit(db, "legacy import", size);
	remove_registry(db);
	bench_keys_free(&k);
	return ok;
}

static int bench_audit(uint64_t target, const char *dir)
{
	/*
	 * The verify rate is measured before the audits and again after them,
	 * and the faster is the bound: a busy moment on a shared machine can
	 * then only make the ratio look worse, never better.
	 */
	double sign_rate, verify_rate, verify_after;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	crypto_bound(&sign_rate, &verify_rate);
	printf("bound (this machine), before\n  Ed25519 verify        %10.0f /s x %ld cores = %.0f /s\n\n", verify_rate,
	       cores, verify_rate * (double)(cores > 0 ? cores : 1));

	char path[4096], keep[4096], since[4200];
	snprintf(path, sizeof(path), "%s/qp-bench-audit-%d.db", dir, (int)getpid());
	snprintf(keep, sizeof(keep), "%s/qp-bench-audit-%d.keep", dir, (int)getpid());
	bench_keys k;
	qp_registry *reg = bench_registry(path, &k);
	const qp_key *officer = k.officer, *log = k.log;
	if (qp_registry_submit(reg, officer, "village.add", "{\"code\":\"330681101201\",\"name\":\"村\"}", NULL) != QP_OK)
		die("setup");
	double t = bench_wall();
	for (uint64_t made = 0; made < target; made += 10000) {
		add_households(reg, officer, made, target - made < 10000 ? target - made : 10000);
		fprintf(stderr, "\r  building: %llu / %llu entries (%.0f s)", (unsigned long long)made + 10000,
			(unsigned long long)target, bench_wall() - t);
	}
	fprintf(stderr, "\n");
	char *cp = NULL;
	size_t cp_len = 0;
	if (qp_log_sign(&cp, &cp_len, reg, log) != QP_OK)
		die("checkpoint");
	free(cp);
	uint64_t size = 0;
	qp_log_size(&size, reg);

	double full_secs, full_cpu, full_rss, keep_secs, keep_rss, cpu;
	/*
	 * The full audit as an auditor runs it (quanpiao audit), then again
	 * keeping its replay (--keep: the replay gets indexes and a tree of its
	 * own, for the incremental audit after it).
	 */
	double secs, rss;
	if (audit_child(path, NULL, NULL, &full_secs, &full_cpu, &full_rss) != 0)
		die("full audit");
	if (audit_child(path, keep, NULL, &keep_secs, &cpu, &keep_rss) != 0)
		die("full audit keeping its replay");
	crypto_bound(&sign_rate, &verify_after);
	printf("bound (this machine), after\n  Ed25519 verify        %10.0f /s x %ld cores = %.0f /s\n", verify_after,
	       cores, verify_after * (double)(cores > 0 ? cores : 1));
	double bound = (verify_after > verify_rate ? verify_after : verify_rate) * (double)(cores > 0 ? cores : 1);
	printf("  the faster: %.0f /s\n\n", bound);
	double vcpu = verify_cpu_rate(), vcpu2 = verify_cpu_rate();
	print_full_audit("synthetic", size, full_secs, full_cpu, full_rss,
			 bound / (double)(cores > 0 ? cores : 1), vcpu > vcpu2 ? vcpu : vcpu2, cores);
	printf("full audit with --keep   %8.1f s  %8.0f entries/s  (%.0f%% of the bound), peak %.1f MiB\n", keep_secs,
	       (double)size / keep_secs, 100.0 * (double)size / keep_secs / bound, keep_rss);
	double full = keep_secs;

	add_households(reg, officer, target, 1000);
	if (qp_log_sign(&cp, &cp_len, reg, log) != QP_OK)
		die("checkpoint");
	free(cp);
	snprintf(since, sizeof(since), "%s/checkpoint", keep);
	if (audit_child(path, NULL, since, &secs, &cpu, &rss) != 0)
		die("incremental audit");
	printf("incremental audit of 1000 new entries  %.3f s  (%.2f%% of the full audit with --keep; target under 2%%)\n", secs,
	       100.0 * secs / full);
	printf("  peak memory            %8.1f MiB\n", rss);

	qp_registry_free(reg);
	char side[4300];
	const char *files[] = {path, "replay.db", "checkpoint"};
	if (getenv("QP_BENCH_KEEP"))
		printf("kept %s\n", path);
	else
		unlink(path);
	for (size_t i = 1; i < 3; i++) {
		snprintf(side, sizeof(side), "%s/%s", keep, files[i]);
		unlink(side);
	}
	rmdir(keep);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	bench_keys_free(&k);
	return 0;
}

/*
 * Rows of the state tables an entry of type writes, inserted or updated
 * (rules_homes.c, rules_certs.c): household.add a household; home.add a
 * home and its history line; home.status the home and a history line;
 * cert.issue a certificate and its history line; cert.redeem the
 * certificate, the redemption and a history line; cert.revoke the
 * certificate and a history line.
 */
static int state_writes(const char *type)
{
	static const struct {
		const char *type;
		int writes;
	} w[] = {{"household.add", 1}, {"home.add", 2},	   {"home.status", 2}, {"parcel.add", 1},
		 {"cert.issue", 2},    {"cert.redeem", 3}, {"cert.revoke", 2}};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(w[i].type, type) == 0)
			return w[i].writes;
	return 0;
}

/* The state rows written by the entries from index start on (read from the log). */
static double import_state_writes(const char *db, uint64_t start)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	double n = 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT type, count(*) FROM log_entries WHERE idx >= ?1 GROUP BY type", -1,
			       &st, NULL) != SQLITE_OK)
		die("reading the log");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)start);
	while (sqlite3_step(st) == SQLITE_ROW)
		n += (double)state_writes((const char *)sqlite3_column_text(st, 0)) *
		     (double)sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/*
 * The bound of an import, per row: the work no import can skip, at the
 * rates of the primitives measured in this run.  Each of the row's
 * entries is signed once, and written: its log row and about two tree
 * rows (as the append bound counts), and the state rows of its type
 * (state_writes).  With E entries and S state rows per row (both
 * measured on this import), a row costs E signatures and 3E + S inserts:
 *   bound rows/s = 1 / (E / sign + (3E + S) / insert).
 * The log-only bound, E * (1/sign + 3/insert), leaves the state tables
 * out; it is printed too.
 */
static int bench_import(uint64_t rows, const char *dir)
{
	/*
	 * The primitives are measured before and after the import, and the
	 * faster figure of each is the bound: on a shared machine a busy moment
	 * can then only make the ratio look worse, never better.  By CPU time
	 * too: signatures per CPU-second of a thread, inserts per CPU-second of
	 * the process, against the import's CPU time (all its threads).
	 */
	double sign_rate, verify_rate, sign_cpu = ed25519_cpu_rate(1), insert_cpu;
	crypto_bound(&sign_rate, &verify_rate);
	double insert_rate = sqlite_bound_cpu(dir, 200000, 1000, &insert_cpu);
	printf("bound (this machine), before the import\n");
	printf("  Ed25519 sign           %10.0f /s   %10.0f per CPU-second\n", sign_rate, sign_cpu);
	printf("  SQLite insert          %10.0f /s   %10.0f per CPU-second (WAL, synchronous=FULL, 1000 rows "
	       "per transaction)\n",
	       insert_rate, insert_cpu);
	fflush(stdout);

	char db[4096], csv[4096];
	snprintf(db, sizeof(db), "%s/qp-bench-import-%d.db", dir, (int)getpid());
	snprintf(csv, sizeof(csv), "%s/qp-bench-import-%d.csv", dir, (int)getpid());
	double t = bench_wall();
	import_file(csv, rows);
	printf("generated %llu rows in %.1f s\n", (unsigned long long)rows, bench_wall() - t);

	bench_keys k;
	uint64_t start = import_registry(db, &k);
	qp_key *officer = k.officer;
	double secs, cpu, rss;
	qp_import_stats s;
	if (import_child(db, csv, officer, &secs, &cpu, &rss, &s) != 0)
		die("import");
	double sign_after, insert_after, sign_cpu_after = ed25519_cpu_rate(1), insert_cpu_after;
	crypto_bound(&sign_after, &verify_rate);
	insert_after = sqlite_bound_cpu(dir, 200000, 1000, &insert_cpu_after);
	printf("bound (this machine), after the import\n");
	printf("  Ed25519 sign           %10.0f /s   %10.0f per CPU-second\n", sign_after, sign_cpu_after);
	printf("  SQLite insert          %10.0f /s   %10.0f per CPU-second\n", insert_after,
	       insert_cpu_after);
	sign_rate = sign_after > sign_rate ? sign_after : sign_rate;
	insert_rate = insert_after > insert_rate ? insert_after : insert_rate;
	sign_cpu = sign_cpu_after > sign_cpu ? sign_cpu_after : sign_cpu;
	insert_cpu = insert_cpu_after > insert_cpu ? insert_cpu_after : insert_cpu;
	double entry_us = 1e6 / sign_rate + 3 * 1e6 / insert_rate;
	printf(
	    "  the faster of each: %.0f signatures/s, %.0f inserts/s; %.1f us per entry, log only (1 sign + "
	    "3 inserts)\n\n",
	    sign_rate, insert_rate, entry_us);
	if (s.imported != rows)
		fprintf(stderr, "qp_bench: only %llu of %llu rows were imported\n",
			(unsigned long long)s.imported, (unsigned long long)rows);
	double per_row = s.imported ? (double)s.entries / (double)s.imported : 0;
	double state = s.imported ? import_state_writes(db, start) / (double)s.imported : 0;
	double row_us = per_row * 1e6 / sign_rate + (3 * per_row + state) * 1e6 / insert_rate;
	double row_cpu_us = per_row * 1e6 / sign_cpu + (3 * per_row + state) * 1e6 / insert_cpu;
	double rate = (double)s.imported / secs, bound = 1e6 / row_us, log_bound = 1e6 / (per_row * entry_us);
	double cpu_rate = (double)s.imported / cpu, cpu_bound = 1e6 / row_cpu_us;
	printf("import of %llu rows      %8.1f s  %8.0f rows/s  (%.0f entries/s, %.2f entries per row)\n",
	       (unsigned long long)s.imported, secs, rate, (double)s.entries / secs, per_row);
	if (qp_statusmap_bench_off)
		printf("  status map off (--no-map): what its updates cost, not a result; the file is no "
		       "registry an audit passes\n");
	printf("  bound                  %8.0f rows/s  (%.2f signatures + %.2f inserts = %.1f us a row)\n",
	       bound, per_row, 3 * per_row + state, row_us);
	printf("  rate / bound, wall     %8.0f%%\n", 100.0 * rate / bound);
	printf("  CPU                    %8.1f s  %8.0f rows per CPU-second (%.1f us a row; bound %.1f us)\n",
	       cpu, cpu_rate, 1e6 / cpu_rate, row_cpu_us);
	printf("  rate / bound, CPU      %8.0f%%       (target: at least 50%%)\n",
	       100.0 * cpu_rate / cpu_bound);
	printf("  log-only bound         %8.0f rows/s  (%.2f x (1 sign + 3 inserts)): rate is %.0f%% of it\n",
	       log_bound, per_row, 100.0 * rate / log_bound);
	printf("  peak memory            %8.1f MiB     (target: under 150 MiB)\n", rss);
	fflush(stdout);
	int ok = cpu_rate >= 0.5 * cpu_bound && rss < 150 && !qp_statusmap_bench_off;

	/* A rerun: every row is present and nothing is written. */
	if (import_child(db, csv, officer, &secs, &cpu, &rss, &s) != 0)
		die("rerun");
	printf("rerun: %llu already present, %llu imported  %8.1f s  (%.0f rows/s, %.0f per CPU-second, peak "
	       "%.1f MiB)\n",
	       (unsigned long long)s.present, (unsigned long long)s.imported, secs, (double)s.read / secs,
	       (double)s.read / cpu, rss);
	ok &= s.present == rows && s.imported == 0;
	printf("%s\n", ok ? "within bounds" : "OUT OF BOUNDS");

	char side[4200];
	if (getenv("QP_BENCH_KEEP")) {
		printf("kept %s and %s\n", db, csv);
	} else {
		unlink(db);
		unlink(csv);
		snprintf(side, sizeof(side), "%s-wal", db);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", db);
		unlink(side);
	}
	bench_keys_free(&k);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t target = 1000000;
	const char *dir = "/tmp";
	int batch = 1000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--entries") == 0)
			target = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--dir") == 0)
			dir = argv[i + 1];
		else if (strcmp(argv[i], "--batch") == 0)
			batch = (int)strtol(argv[i + 1], NULL, 10);
	}
	if (argc > 1 && strcmp(argv[1], "statusmap") == 0)
		return sodium_init() < 0 ? 10 : qp_bench_statusmap(argc - 2, argv + 2);
	if (argc > 1 && strcmp(argv[1], "service") == 0)
		return sodium_init() < 0 ? 10 : qp_bench_service(argc - 2, argv + 2);
	/*
	 * Pieces of the import bench, for measuring an import into a registry
	 * that is already large: "import-file FILE ROWS" writes the generated
	 * export; "import-registry DB" makes the registry the import bench starts
	 * from (the officer and the export's villages); "import-into DB FILE"
	 * imports FILE into DB (made by import-registry, or by the import bench
	 * with QP_BENCH_KEEP=1) as the bench's officer, in a child.
	 */
	if (argc == 4 && strcmp(argv[1], "import-file") == 0) {
		import_file(argv[2], strtoull(argv[3], NULL, 10));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "import-registry") == 0) {
		bench_keys k;
		if (sodium_init() < 0)
			die("sodium");
		import_registry(argv[2], &k);
		bench_keys_free(&k);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "import-into") == 0) {
		unsigned char seed[32];
		qp_key *officer = NULL;
		double secs, cpu, rss;
		qp_import_stats s;
		memset(seed, 1, sizeof(seed));
		seed[0] = 3;
		if (sodium_init() < 0 || qp_key_from_seed(&officer, "330681.officer.bench", seed) != QP_OK)
			die("key");
		/* QP_BENCH_MAP_OFF=1: without the status map's updates, to see what they cost (the file is
		 * then no registry an audit passes). */
		qp_statusmap_bench_off = getenv("QP_BENCH_MAP_OFF") != NULL;
		int rc = import_child(argv[2], argv[3], officer, &secs, &cpu, &rss, &s);
		printf(
		    "import into %s: %llu rows imported, %llu present, %llu rejected in %.2f s = %.0f rows/s "
		    "(%.2f CPU-s, %.0f rows per CPU-second), peak %.1f MiB\n",
		    argv[2], (unsigned long long)s.imported, (unsigned long long)s.present,
		    (unsigned long long)s.rejected, secs, secs > 0 ? (double)s.imported / secs : 0, cpu,
		    cpu > 0 ? (double)s.imported / cpu : 0, rss);
		qp_key_free(officer);
		return rc == 0 ? 0 : 1;
	}
	/*
	 * audit-file DB [--no-map]: the full audit of a registry kept by
	 * QP_BENCH_KEEP=1, next to its bound, as often as one likes.  --no-map
	 * estimates the audit without the status map's replay (the replay then
	 * keeps no map, and the map's tables and lines are reported as differing).
	 */
	if ((argc == 3 || (argc == 4 && strcmp(argv[3], "--no-map") == 0)) &&
	    strcmp(argv[1], "audit-file") == 0) {
		qp_registry *reg = NULL;
		uint64_t size = 0;
		if (sodium_init() < 0 || qp_registry_open(&reg, argv[2], QP_STORE_READONLY) != QP_OK ||
		    qp_log_size(&size, reg) != QP_OK)
			die(argv[2]);
		qp_registry_free(reg);
		audit_no_map = argc == 4;
		int ok = measure_full_audit(
		    argv[2], audit_no_map ? "kept (status map off: an estimate)" : "kept", size);
		printf("%s\n", ok ? "within bounds" : "OUT OF BOUNDS");
		return ok ? 0 : 1;
	}
	if (argc > 1 && strcmp(argv[1], "import") == 0) {
		uint64_t rows = 1000000;
		for (int i = 2; i < argc; i += 2) {
			/* --no-map: without the status map's updates, to see what they cost (as import-into).
			 */
			if (strcmp(argv[i], "--no-map") == 0) {
				qp_statusmap_bench_off = 1;
				i--;
			} else if (i + 1 == argc) {
				rows = 0;
			} else if (strcmp(argv[i], "--rows") == 0) {
				rows = strtoull(argv[i + 1], NULL, 10);
			} else if (strcmp(argv[i], "--dir") == 0) {
				dir = argv[i + 1];
			}
		}
		if (sodium_init() < 0 || rows < 1000)
			return fputs("usage: qp_bench import [--rows N>=1000] [--dir DIR] [--no-map]\n",
				     stderr),
			       2;
		return bench_import(rows, dir);
	}
	if (argc > 1 && strcmp(argv[1], "audit") == 0) {
		uint64_t rows = 0;
		const char *only = NULL;
		for (int i = 2; i + 1 < argc; i += 2) {
			if (strcmp(argv[i], "--entries") == 0)
				target = strtoull(argv[i + 1], NULL, 10);
			else if (strcmp(argv[i], "--rows") == 0)
				rows = strtoull(argv[i + 1], NULL, 10);
			else if (strcmp(argv[i], "--dir") == 0)
				dir = argv[i + 1];
			else if (strcmp(argv[i], "--only") == 0)
				only = argv[i + 1];
		}
		/* The legacy registry: rows for about target entries, unless --rows says. */
		if (rows == 0)
			rows = (uint64_t)((double)target / QP_LEGACY_ENTRIES_PER_ROW);
		if (sodium_init() < 0 || target < 1000 || rows < 100 ||
		    (only && strcmp(only, "synthetic") != 0 && strcmp(only, "legacy") != 0))
			return fputs("usage: qp_bench audit [--entries N>=1000] [--rows N>=100] [--dir DIR] "
				     "[--only synthetic|legacy]\n",
				     stderr),
			       2;
		int ok = 1;
		if (only == NULL || strcmp(only, "synthetic") == 0)
			bench_audit(target, dir);
		if (only == NULL || strcmp(only, "legacy") == 0)
			ok = bench_audit_legacy(rows, dir);
		printf("%s\n", ok ? "within bounds" : "OUT OF BOUNDS");
		return ok ? 0 : 1;
	}
	if (sodium_init() < 0 || batch < 1 || target < 20000)
		return fputs("usage: qp_bench [--entries N>=20000] [--dir DIR] [--batch B]\n", stderr), 2;

	double sign_rate, verify_rate;
	crypto_bound(&sign_rate, &verify_rate);
	double insert_rate = sqlite_bound(dir, 200000, batch);
	printf("bound (this machine)\n");
	printf("  Ed25519 sign           %10.0f /s\n", sign_rate);
	printf("  Ed25519 verify         %10.0f /s\n", verify_rate);
	printf("  SQLite insert          %10.0f /s   (WAL, synchronous=FULL, %d rows per transaction)\n",
	       insert_rate, batch);
	/* An append verifies once and inserts one entry plus about two tree rows. */
	double bound_us = 1e6 / verify_rate + 3 * 1e6 / insert_rate;
	printf("  append bound           %10.1f us   (1 verify + 3 inserts)\n\n", bound_us);

	char path[4096], logname[] = "bench.example/log";
	snprintf(path, sizeof(path), "%s/qp-bench-%d.db", dir, (int)getpid());
	unsigned char seed[32];
	memset(seed, 1, sizeof(seed));
	bench b = {0};
	qp_key *log = NULL;
	qp_verifier *lv = NULL;
	char *lvs = NULL;
	if (qp_key_from_seed(&b.authority, "330681.authority", seed) != QP_OK)
		die("key");
	seed[0] = 2;
	if (qp_key_from_seed(&log, logname, seed) != QP_OK || qp_key_verifier(&lv, log) != QP_OK ||
	    qp_verifier_string(&lvs, lv) != QP_OK)
		die("log key");
	b.t0 = (int64_t)time(NULL) - (int64_t)target - 100000;
	qp_clock_set(b.t0);
	qp_genesis g = {logname, "330681", "诸暨市", lvs};
	if (qp_registry_create(&b.reg, path, &g, b.authority) != QP_OK)
		die("create");
	qp_clock_set(0);
	size_t blen = strlen(qp_policy_default_json()) + 16;
	b.body = malloc(blen);
	snprintf(b.body, blen, "{\"params\":%s}", qp_policy_default_json());
	b.batch = batch;
	b.notes = calloc((size_t)batch, sizeof(char *));
	b.lens = calloc((size_t)batch, sizeof(size_t));
	b.idx = calloc((size_t)batch, sizeof(uint64_t));
	b.res = calloc((size_t)batch, sizeof(int));
	b.made = 3;

	/* Small log: the time of the batches that take it from 10k to 20k entries. */
	while (b.made < 10000)
		append_batch(&b);
	double small = 0;
	uint64_t small_n = 0;
	while (b.made < 20000) {
		small += append_batch(&b);
		small_n += (uint64_t)batch;
	}
	double small_us = small * 1e6 / (double)small_n;
	printf("append at 10k entries    %10.1f us/entry  (%6.0f /s, %.2f of bound)\n", small_us, 1e6 / small_us,
	       bound_us / small_us);
	fflush(stdout);

	/* Fill to the target (progress on stderr), then time the last 10k. */
	double fill_start = bench_wall();
	while (b.made + 10000 < target) {
		append_batch(&b);
		if (b.made % 100000 < (uint64_t)batch)
			fprintf(stderr, "\r  filling: %llu / %llu entries (%.0f s)", (unsigned long long)b.made,
				(unsigned long long)target, bench_wall() - fill_start);
	}
	fprintf(stderr, "\n");
	double large = 0;
	uint64_t large_n = 0;
	while (b.made < target) {
		large += append_batch(&b);
		large_n += (uint64_t)batch;
	}
	/* --entries 20000 or less: the small log's last 10k are the last 10k (no 0/0, no -nan). */
	if (large_n == 0) {
		large = small;
		large_n = small_n;
	}
	double large_us = large * 1e6 / (double)large_n;
	printf("append at %lluk entries %9.1f us/entry  (%6.0f /s, %.2f of bound)\n",
	       (unsigned long long)(target / 1000), large_us, 1e6 / large_us, bound_us / large_us);
	printf("  growth 10k -> %lluk     %10.2fx  (bound: 2x)\n", (unsigned long long)(target / 1000),
	       large_us / small_us);

	/* Inclusion proofs at the full size. */
	int samples = 2000;
	double *lat = calloc((size_t)samples, sizeof(double));
	qp_merkle_proof proof;
	for (int i = 0; i < samples; i++) {
		uint64_t index = randombytes_uniform((uint32_t)(b.made > UINT32_MAX ? UINT32_MAX : b.made));
		double t = bench_wall();
		if (qp_log_inclusion(&proof, b.reg, index, b.made) != QP_OK)
			die("proof");
		lat[i] = (bench_wall() - t) * 1e6;
	}
	qsort(lat, (size_t)samples, sizeof(double), cmp_double);
	printf("inclusion proof at %lluk median %6.1f us, p99 %6.1f us  (bound: 1000 us)\n",
	       (unsigned long long)(b.made / 1000), lat[samples / 2], lat[samples * 99 / 100]);
	int ok = lat[samples / 2] < 1000 && large_us / small_us <= 2.0;
	printf("%s\n", ok ? "within bounds" : "OUT OF BOUNDS");

	free(lat);
	free(b.notes);
	free(b.lens);
	free(b.idx);
	free(b.res);
	free(b.body);
	free(lvs);
	qp_verifier_free(lv);
	qp_key_free(log);
	qp_key_free(b.authority);
	qp_registry_free(b.reg);
	unlink(path);
	char side[4200];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	return ok ? 0 : 1;
}
