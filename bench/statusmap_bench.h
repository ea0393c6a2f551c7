/*
 * statusmap_bench.h - the status map's bench mode (statusmap_bench.c), and
 * what it uses of qp_bench.c's bounds and registry building.
 */
#ifndef QP_BENCH_STATUSMAP_BENCH_H
#define QP_BENCH_STATUSMAP_BENCH_H

#include <stdint.h>

#include "quanpiao/quanpiao.h"

/* qp_bench statusmap [--entries N] [--dir DIR]: 0, or exits 1 on a failure. */
int qp_bench_statusmap(int argc, char **argv);

/* From qp_bench.c. */

/* The bench's keys: the authority, the log key and an officer, from fixed seeds. */
typedef struct bench_keys {
	qp_key *authority, *log, *officer;
} bench_keys;

/*
 * A new registry at path with the bench's keys (made into *k; free them
 * with bench_keys_free) and the officer enrolled.  Exits 1 on failure.
 */
qp_registry *bench_registry(const char *path, bench_keys *k);
void bench_keys_free(bench_keys *k);
void crypto_bound(double *sign_rate, double *verify_rate);
double sqlite_bound(const char *dir, int rows, int batch);
void add_households(qp_registry *reg, const qp_key *officer, uint64_t first, uint64_t count);

#endif
