/*
 * service_bench.h - qp_bench service (service_bench.c): quanpiaod driven
 * over loopback from this process, beside the bound.
 */
#ifndef QP_SERVICE_BENCH_H
#define QP_SERVICE_BENCH_H

/* argv[0] is the first argument after "service"; returns the exit status. */
int qp_bench_service(int argc, char **argv);

#endif
