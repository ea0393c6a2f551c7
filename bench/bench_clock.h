/*
 * bench_clock.h - the two clocks every bench reads: wall time, and this
 * process's CPU time (all its threads).  Benches print their ratios to the
 * bound by both (docs/audit.md, "How fast").
 */
#ifndef QP_BENCH_CLOCK_H
#define QP_BENCH_CLOCK_H

#include <time.h>

/* Seconds on the monotonic clock. */
static inline double bench_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This process's CPU seconds, all threads. */
static inline double bench_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
