/*
 * statusmap_bench.c - qp_bench statusmap: what the status map costs
 * (issue 21, acceptance 4).
 *
 * Builds a registry of N entries (default 1,000,000): N*0.32 households,
 * each with a guarantee certificate on entitlement, and freezes and
 * unfreezes after that; then, at that size, appends certificate entries
 * (freeze, unfreeze; the certificates in order, then at random) in rounds
 * with the status map kept and rounds with it switched off
 * (qp_statusmap_bench_off, a bench-only switch), alternating so that a
 * busy moment hurts both alike, each round paying for copying its own WAL
 * pages into the file, and prints each cost next to its
 * bound measured in the same run (one Ed25519 verify and one SQLite insert
 * per entry), by CPU and by wall time (--changes C: C changes measured in
 * each order, half with the map; default 20,000).  Then the size of map proofs and
 * status proofs, and the median time to make a map proof, over 1,000
 * certificates.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "bench_clock.h"
#include "quanpiao/quanpiao.h"
#include "statusmap_bench.h"

extern int qp_statusmap_bench_off;



static void fail(const char *what)
{
	fprintf(stderr, "qp_bench statusmap: %s: %s\n", what, qp_error_last()->message);
	exit(1);
}

enum { B = 1000 };

typedef struct sm {
	qp_registry *reg;
	const qp_key *officer;
	uint64_t certs, year, next; /* certificates issued; the next to freeze or unfreeze in order */
	int random;		    /* 1: certificates picked at random instead of in order */
	unsigned char *frozen;	    /* per certificate: frozen now */
	char *notes[B];
	size_t lens[B];
	uint64_t idx[B];
	int res[B];
} sm;

static void cert_id(char out[32], const sm *s, uint64_t seq)
{
	snprintf(out, 32, "330681-%04llu-G-%06llu", (unsigned long long)s->year, (unsigned long long)seq);
}

/* Sign n entries: issues from certificate first (issue), or freezes/unfreezes in turn. */
static void sign(sm *s, size_t n, int issue, uint64_t first)
{
	for (size_t i = 0; i < n; i++) {
		char id[32], body[256];
		const char *type;
		if (issue) {
			cert_id(id, s, first + i + 1);
			snprintf(body, sizeof(body),
				 "{\"area\":10000,\"basis\":\"entitlement\",\"holder\":\"330681-H-%07llu\","
				 "\"id\":\"%s\","
				 "\"kind\":\"guarantee\"}",
				 (unsigned long long)(first + i + 1), id);
			type = "cert.issue";
		} else {
			uint64_t c = s->random ? randombytes_uniform((uint32_t)s->certs) : s->next;
			s->next = (s->next + 1) % s->certs;
			cert_id(id, s, c + 1);
			if (s->frozen[c]) {
				snprintf(body, sizeof(body), "{\"cert\":\"%s\"}", id);
				type = "cert.unfreeze";
			} else {
				snprintf(body, sizeof(body), "{\"cert\":\"%s\",\"reason\":\"bench\"}", id);
				type = "cert.freeze";
			}
			s->frozen[c] ^= 1;
		}
		if (qp_registry_sign_entry(&s->notes[i], &s->lens[i], s->reg, s->officer, type, body) !=
		    QP_OK)
			fail("signing");
	}
}

/*
 * Copy the WAL into the file (a second connection; the registry's is idle
 * between appends): a measured round begins with an empty WAL and pays
 * for writing its own pages into the file, not for the round before it.
 */
static void wal_copy(sqlite3 *ck)
{
	if (ck && sqlite3_wal_checkpoint_v2(ck, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "qp_bench statusmap: checkpointing the WAL: %s\n", sqlite3_errmsg(ck));
		exit(1);
	}
}

/* Append the n signed notes (then copy the WAL if ck); the CPU and wall seconds that took are added. */
static void append(sm *s, size_t n, sqlite3 *ck, double *cpu_s, double *wall_s)
{
	double c = bench_cpu(), w = bench_wall();
	if (qp_registry_append_batch(s->reg, (const char *const *)s->notes, s->lens, n, s->idx, s->res) !=
	    QP_OK)
		fail("appending");
	wal_copy(ck);
	if (cpu_s)
		*cpu_s += bench_cpu() - c;
	if (wall_s)
		*wall_s += bench_wall() - w;
	for (size_t i = 0; i < n; i++) {
		if (s->res[i] != QP_OK)
			fail("an entry was refused");
		free(s->notes[i]);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int qp_bench_statusmap(int argc, char **argv)
{
	uint64_t target = 1000000, measure = 20000;
	const char *dir = "/tmp";
	for (int i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--entries") == 0)
			target = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--dir") == 0)
			dir = argv[i + 1];
		else if (strcmp(argv[i], "--changes") == 0)
			measure = strtoull(argv[i + 1], NULL, 10);
	}
	if (target < 100000 || measure < 2 * B || 4 * measure > target) {
		fprintf(stderr,
			"qp_bench statusmap: --entries must be at least 100000, --changes at least %d and at "
			"most a quarter of --entries\n",
			2 * B);
		return 2;
	}
	double sign_rate, verify_rate;
	crypto_bound(&sign_rate, &verify_rate);
	double insert_rate = sqlite_bound(dir, 200000, B);
	double bound = 1.0 / verify_rate + 1.0 / insert_rate; /* seconds per entry */
	printf("bound (this machine): Ed25519 verify %.0f /s, SQLite insert %.0f /s: %.1f us per entry\n\n",
	       verify_rate, insert_rate, bound * 1e6);

	char path[4096];
	snprintf(path, sizeof(path), "%s/qp-bench-statusmap-%d.db", dir, (int)getpid());
	sm s;
	memset(&s, 0, sizeof(s));
	unlink(path);
	if ((s.frozen = calloc((size_t)(target * 32 / 100) + 1, 1)) == NULL)
		fail("memory");
	bench_keys k;
	s.reg = bench_registry(path, &k);
	const qp_key *officer = k.officer, *log = k.log;
	if (qp_registry_submit(s.reg, officer, "village.add", "{\"code\":\"330681101201\",\"name\":\"村\"}",
			       NULL) != QP_OK)
		fail("setup");
	s.officer = officer;
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	s.year = (uint64_t)tm.tm_year + 1900;

	/* Build: households, a certificate each, then freezes and unfreezes up to the target. */
	uint64_t households = target * 32 / 100;
	double t0 = bench_wall();
	for (uint64_t made = 0; made < households; made += 10000) {
		add_households(s.reg, officer, made, households - made < 10000 ? households - made : 10000);
		fprintf(stderr, "\r  households: %llu / %llu (%.0f s)", (unsigned long long)made + 10000,
			(unsigned long long)households, bench_wall() - t0);
	}
	for (uint64_t made = 0; made < households; made += B) {
		size_t n = households - made < B ? (size_t)(households - made) : B;
		sign(&s, n, 1, made);
		append(&s, n, NULL, NULL, NULL);
		s.certs = made + n;
		if (made % 20000 == 0)
			fprintf(stderr, "\r  certificates: %llu / %llu (%.0f s)      ",
				(unsigned long long)made + n, (unsigned long long)households, bench_wall() - t0);
	}
	uint64_t size = 0;
	qp_log_size(&size, s.reg);
	while (size + 2 * measure < target) {
		size_t n = target - 2 * measure - size < B ? (size_t)(target - 2 * measure - size) : B;
		sign(&s, n, 0, 0);
		append(&s, n, NULL, NULL, NULL);
		size += n;
		if (size % 50000 < B)
			fprintf(stderr, "\r  entries: %llu / %llu (%.0f s)      ", (unsigned long long)size,
				(unsigned long long)target, bench_wall() - t0);
	}
	fprintf(stderr, "\n");

	/*
	 * Measure: rounds with the map and without, alternating; each round
	 * begins with the WAL copied into the file and ends copying its own.
	 * First the certificates in the order they were issued (as the build
	 * did), then picked at random (as a registry's events come: the
	 * certificates' rows are then as scattered as the map's leaves).
	 */
	sqlite3 *ck = NULL;
	if (sqlite3_open_v2(path, &ck, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "qp_bench statusmap: opening the registry: %s\n", sqlite3_errmsg(ck));
		return 1;
	}
	sqlite3_busy_timeout(ck, 5000);
	qp_log_size(&size, s.reg);
	printf("registry: %llu entries, %llu certificates\n", (unsigned long long)size,
	       (unsigned long long)s.certs);
	for (s.random = 0; s.random < 2; s.random++) {
		double c_on = 0, w_on = 0, c_off = 0, w_off = 0;
		uint64_t n_on = 0, n_off = 0;
		for (int round = 0; round < (int)(measure / (2 * B)); round++) {
			for (int off = 0; off < 2; off++) {
				int first_off = round % 2; /* which goes first alternates too */
				int is_off = off ^ first_off;
				sign(&s, B, 0, 0);
				wal_copy(ck);
				qp_statusmap_bench_off = is_off;
				append(&s, B, ck, is_off ? &c_off : &c_on, is_off ? &w_off : &w_on);
				qp_statusmap_bench_off = 0;
				*(is_off ? &n_off : &n_on) += B;
			}
		}
		printf("append of certificate entries (freeze/unfreeze), certificates %s, %llu with the map "
		       "and %llu without:\n",
		       s.random ? "at random" : "in order", (unsigned long long)n_on,
		       (unsigned long long)n_off);
		double on_c = c_on / (double)n_on, off_c = c_off / (double)n_off, on_w = w_on / (double)n_on,
		       off_w = w_off / (double)n_off;
		printf(
		    "  with the map     CPU %7.1f us (%.2fx the bound)   wall %7.1f us (%.2fx the bound)\n",
		    on_c * 1e6, on_c / bound, on_w * 1e6, on_w / bound);
		printf(
		    "  without the map  CPU %7.1f us (%.2fx the bound)   wall %7.1f us (%.2fx the bound)\n",
		    off_c * 1e6, off_c / bound, off_w * 1e6, off_w / bound);
		printf("  with / without   CPU %.2fx   wall %.2fx   (target: at most 1.25x)\n", on_c / off_c,
		       on_w / off_w);
	}
	sqlite3_close(ck);
	qp_log_size(&size, s.reg);

	/*
	 * Proofs: the rounds without the map left some leaves behind; a
	 * checkpoint commits to the map as it is, which is all proofs need.
	 */
	char *cp = NULL;
	size_t cp_len = 0;
	if (qp_log_sign(&cp, &cp_len, s.reg, log) != QP_OK)
		fail("checkpoint");
	free(cp);
	enum { P = 1000 };
	static double times[P];
	size_t map_max = 0, map_sum = 0, status_max = 0, status_sum = 0, depth_max = 0;
	qp_statusmap_proof *proof = malloc(sizeof(*proof));
	for (int i = 0; i < P; i++) {
		char id[32], *record = NULL, *text = NULL, *status = NULL;
		size_t record_len = 0, text_len = 0, status_len = 0;
		cert_id(id, &s, 1 + (uint64_t)randombytes_uniform((uint32_t)s.certs));
		double c = bench_wall();
		if (qp_statusmap_prove(proof, &record, &record_len, s.reg, id, size) != QP_OK ||
		    qp_statusmap_proof_text(&text, &text_len, proof) != QP_OK)
			fail("proving");
		times[i] = bench_wall() - c;
		if (record == NULL)
			fail("a certificate missing from the map");
		size_t m = record_len + text_len;
		map_sum += m;
		map_max = m > map_max ? m : map_max;
		depth_max = proof->depth > depth_max ? proof->depth : depth_max;
		if (qp_statusmap_status_proof(&status, &status_len, s.reg, id) != QP_OK)
			fail("status proof");
		status_sum += status_len;
		status_max = status_len > status_max ? status_len : status_max;
		free(record);
		free(text);
		free(status);
	}
	qsort(times, P, sizeof(times[0]), cmp_double);
	printf(
	    "map proofs of %d certificates (record + proof text): mean %zu B, max %zu B, depth at most %zu "
	    "(target: at most 1,536 B)\n",
	    P, map_sum / P, map_max, depth_max);
	printf(
	    "  proof generation: median %.1f us, 99th percentile %.1f us (target: median under 1,000 us)\n",
	    times[P / 2] * 1e6, times[P * 99 / 100] * 1e6);
	printf("whole status proofs (checkpoint, map proof, record, entry and its inclusion proof): mean %zu "
	       "B, max "
	       "%zu B\n",
	       status_sum / P, status_max);
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		printf("peak RSS of the bench process: %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
	free(proof);
	free(s.frozen);
	qp_registry_free(s.reg);
	bench_keys_free(&k);
	if (!getenv("QP_BENCH_KEEP")) {
		char x[4200];
		unlink(path);
		snprintf(x, sizeof(x), "%s-wal", path);
		unlink(x);
		snprintf(x, sizeof(x), "%s-shm", path);
		unlink(x);
	}
	return 0;
}
