/*
 * metrics.c - counters and histograms for /metrics, in the Prometheus
 * text format.  Every cell is a C11 atomic, so request threads and the
 * writer count without a lock; a scrape reads them one by one (a scrape
 * may see a request counted in one series a moment before another).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service.h"

static const char *const route_names[QPD_R_COUNT] = {
    [QPD_R_ENTRIES_POST] = "POST /v1/entries",
    [QPD_R_ENTRIES_GET] = "GET /v1/entries",
    [QPD_R_ENTRY_GET] = "GET /v1/entries/{index}",
    [QPD_R_HOMES] = "GET /v1/homes",
    [QPD_R_HOME] = "GET /v1/homes/{unit}",
    [QPD_R_HOUSEHOLD] = "GET /v1/households/{id}",
    [QPD_R_CERTS] = "GET /v1/certificates",
    [QPD_R_CERT] = "GET /v1/certificates/{id}",
    [QPD_R_CERT_HISTORY] = "GET /v1/certificates/{id}/history",
    [QPD_R_CERT_STATUS] = "GET /v1/certificates/{id}/status",
    [QPD_R_STATS] = "GET /v1/stats",
    [QPD_R_PROOF_INCLUSION] = "GET /v1/proof/inclusion",
    [QPD_R_PROOF_CONSISTENCY] = "GET /v1/proof/consistency",
    [QPD_R_CHECKPOINT] = "GET /checkpoint",
    [QPD_R_COSIGNATURES] = "POST /v1/cosignatures",
    [QPD_R_REGISTRY] = "GET /v1/registry",
    [QPD_R_HEALTHZ] = "GET /healthz",
    [QPD_R_METRICS] = "GET /metrics",
    [QPD_R_TILE] = "GET /tile/...",
    [QPD_R_VERIFY] = "GET /verify",
    [QPD_R_OTHER] = "other",
};

const char *qpd_route_name(enum qpd_route r)
{
	return r < QPD_R_COUNT ? route_names[r] : "other";
}

static const unsigned statuses[] = {200, 400, 403, 404, 405, 409, 413, 415, 422, 431, 500, 503};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]) + 1) /* the last cell: any other */

static atomic_ulong requests[QPD_R_COUNT][NSTATUS];

/* A histogram: cumulative buckets are computed when printed. */
typedef struct histogram {
	const double *bounds;
	size_t nbounds;
	atomic_ulong counts[16]; /* nbounds + 1 (the +Inf bucket) */
	atomic_ullong sum_micro; /* the sum, in millionths */
	atomic_ulong count;
} histogram;

static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
					0.1,	0.25,  0.5,    1,     2.5,  5,	   10};
static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

static histogram read_latency = {latency_bounds, sizeof(latency_bounds) / sizeof(double), {0}, 0, 0};
static histogram append_latency = {latency_bounds, sizeof(latency_bounds) / sizeof(double), {0}, 0, 0};
static histogram commit_latency = {latency_bounds, sizeof(latency_bounds) / sizeof(double), {0}, 0, 0};
static histogram batch_size = {batch_bounds, sizeof(batch_bounds) / sizeof(double), {0}, 0, 0};
static atomic_ullong tree_size, appended, refused;

static void observe(histogram *h, double v)
{
	size_t i = 0;
	while (i < h->nbounds && v > h->bounds[i])
		i++;
	atomic_fetch_add(&h->counts[i], 1);
	atomic_fetch_add(&h->sum_micro, (unsigned long long)(v * 1e6));
	atomic_fetch_add(&h->count, 1);
}

void qpd_metrics_request(enum qpd_route route, unsigned status, double seconds)
{
	size_t s = 0;
	while (s < NSTATUS - 1 && statuses[s] != status)
		s++;
	if (route >= QPD_R_COUNT)
		route = QPD_R_OTHER;
	atomic_fetch_add(&requests[route][s], 1);
	if (route != QPD_R_ENTRIES_POST && route != QPD_R_COSIGNATURES)
		observe(&read_latency, seconds);
}

void qpd_metrics_batch(size_t entries, size_t nrefused, double commit_seconds)
{
	observe(&batch_size, (double)entries);
	observe(&commit_latency, commit_seconds);
	atomic_fetch_add(&appended, entries - nrefused);
	atomic_fetch_add(&refused, nrefused);
}

void qpd_metrics_append_latency(double seconds)
{
	observe(&append_latency, seconds);
}

void qpd_metrics_tree_size(uint64_t size)
{
	atomic_store(&tree_size, size);
}

/* A growing text buffer; on allocation failure it stops growing and the text is cut. */
typedef struct buf {
	char *p;
	size_t len, cap;
} buf;

static void add(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(buf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = b->p ? vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap) : -1;
		va_end(ap);
		if (n >= 0 && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 8192;
		char *grown = realloc(b->p, cap);
		if (grown == NULL)
			return;
		b->p = grown;
		b->cap = cap;
		b->p[b->len] = '\0';
	}
}

static void print_histogram(buf *b, const char *name, const char *help, const histogram *h)
{
	unsigned long cum = 0;
	add(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i <= h->nbounds; i++) {
		cum += atomic_load(&h->counts[i]);
		if (i < h->nbounds)
			add(b, "%s_bucket{le=\"%g\"} %lu\n", name, h->bounds[i], cum);
		else
			add(b, "%s_bucket{le=\"+Inf\"} %lu\n", name, cum);
	}
	add(b, "%s_sum %.6f\n%s_count %lu\n", name, (double)atomic_load(&h->sum_micro) / 1e6, name,
	    atomic_load(&h->count));
}

char *qpd_metrics_text(size_t *len)
{
	buf b = {0};
	add(&b, "# HELP quanpiaod_http_requests_total Requests answered, by route and status.\n"
		"# TYPE quanpiaod_http_requests_total counter\n");
	for (int r = 0; r < QPD_R_COUNT; r++)
		for (size_t s = 0; s < NSTATUS; s++) {
			unsigned long n = atomic_load(&requests[r][s]);
			if (n == 0)
				continue;
			if (s < NSTATUS - 1)
				add(&b, "quanpiaod_http_requests_total{route=\"%s\",status=\"%u\"} %lu\n",
				    route_names[r], statuses[s], n);
			else
				add(&b, "quanpiaod_http_requests_total{route=\"%s\",status=\"other\"} %lu\n",
				    route_names[r], n);
		}
	print_histogram(&b, "quanpiaod_read_seconds", "Time to answer a read, from its first byte handled.",
			&read_latency);
	print_histogram(&b, "quanpiaod_append_seconds",
			"Time from a write being queued to its durable answer (commit and checkpoint).",
			&append_latency);
	print_histogram(&b, "quanpiaod_commit_seconds",
			"Time of one group commit: the batch transaction and its checkpoint.",
			&commit_latency);
	print_histogram(&b, "quanpiaod_batch_entries", "Entries per group commit.", &batch_size);
	add(&b,
	    "# HELP quanpiaod_entries_appended_total Entries appended through the service.\n"
	    "# TYPE quanpiaod_entries_appended_total counter\n"
	    "quanpiaod_entries_appended_total %llu\n"
	    "# HELP quanpiaod_entries_refused_total Entries the registry refused.\n"
	    "# TYPE quanpiaod_entries_refused_total counter\n"
	    "quanpiaod_entries_refused_total %llu\n"
	    "# HELP quanpiaod_tree_size Entries in the log at the last checkpoint.\n"
	    "# TYPE quanpiaod_tree_size gauge\n"
	    "quanpiaod_tree_size %llu\n",
	    atomic_load(&appended), atomic_load(&refused), atomic_load(&tree_size));
	*len = b.len;
	return b.p;
}

double qpd_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
