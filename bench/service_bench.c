/*
 * service_bench.c - qp_bench service: quanpiaod driven from another
 * process over loopback, beside the bound it stands on.
 *
 *   qp_bench service [--seconds S] [--connections N] [--writers N]
 *                    [--households N] [--dir DIR] [--quanpiaod PATH]
 *
 * It builds a registry of N households, starts quanpiaod on it (a child
 * process, port 0), and runs a load generator of its own in this process:
 * one epoll thread keeping C keep-alive HTTP/1.1 connections busy, each
 * sending its next request as soon as the answer to the last arrived
 * (closed loop), recording every latency.  Three phases of S seconds:
 *   reads   GET /v1/households/{id} (state: a household, its homes, its
 *           certificates), random IDs
 *   proofs  GET /v1/proof/inclusion?index=random (the auditor's read)
 *   writes  POST /v1/entries of pre-signed village.add notes from W
 *           connections, each answered only when its group commit and
 *           checkpoint are durable (not household.add: each names the
 *           next household number, so notes signed ahead and sent at
 *           once would mostly be refused; a client numbers them as it
 *           goes and tries again, as the CLI does)
 * and prints requests/s with p50/p99/max, next to the bound measured in
 * the same run: Ed25519 verify and an in-process qp_log_append_signed
 * (verify + append + the checkpoint of each batch in its transaction, no
 * HTTP, W entries per batch) on a copy of the same registry, for the
 * village.add notes the writes send and for household.add with its
 * personal data (the registry is built of those).  The service forms
 * smaller batches than W under most loads: after it stops, the bound is
 * measured again at its own mean batch (from its /metrics), the same work
 * in process, and the writes are given as a share of both.
 */
#define _DEFAULT_SOURCE /* kill, strdup in older libcs */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "bench_clock.h"
#include "quanpiao/quanpiao.h"
#include "service_bench.h"

#ifndef QP_QUANPIAOD_PATH
#define QP_QUANPIAOD_PATH "quanpiaod"
#endif

#define VILLAGE "330681101201"
#define ORIGIN	"bench.example/registry"


static void die(const char *what)
{
	fprintf(stderr, "qp_bench service: %s: %s\n", what, qp_error_last()->message);
	exit(1);
}

/* The n-th valid resident ID number: birth dates from 1950-01-01 on, 1000 per date. */
static void resident_id(char out[19], unsigned n)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	unsigned day = n / 1000, seq = n % 1000;
	unsigned y = 1950 + day / (12 * 28), m = 1 + (day / 28) % 12, d = 1 + day % 28;
	char b[18];
	snprintf(b, sizeof(b), "330681%04u%02u%02u%03u", y % 10000, m % 100, d % 100, seq);
	int s = 0;
	for (int i = 0; i < 17; i++)
		s += (b[i] - '0') * w[i];
	snprintf(out, 19, "%s%c", b, "10X98765432"[s % 11]);
}

/*
 * The n-th household's body, numbered n + 1 (household.add names the next
 * number, so these are appended in order), with its head's personal data
 * split off into *pd as the CLI does (qp_personal_split).  Malloc'd.
 */
static char *household_body(unsigned n, qp_personal *pd)
{
	char id[19], body[200], *out = NULL;
	int found = 0;
	resident_id(id, n);
	snprintf(body, sizeof(body),
		 "{\"id_number\":\"%s\",\"members\":2,\"name\":\"户%u\",\"number\":\"330681-H-%07u\","
		 "\"village\":\"%s\"}",
		 id, n, n + 1, VILLAGE);
	if (qp_personal_split(&out, pd, &found, "household.add", body) != QP_OK || !found)
		die("splitting a household's personal data");
	return out;
}

/*
 * The n-th village (n < VILLAGES_MAX): the writes phase and the bound
 * append these, whose order does not matter (a household.add must name
 * the next household number, so notes signed ahead of time and sent from
 * many connections at once would mostly be refused).
 */
#define VILLAGES_MAX 160000u
static char *village_body(unsigned n)
{
	char body[96];
	snprintf(body, sizeof(body), "{\"code\":\"330681%03u%03u\",\"name\":\"村%u\"}", 200 + n / 200,
		 200 + n % 200, n);
	return strdup(body);
}

/* ---- the load generator --------------------------------------------------------------------- */

typedef struct conn {
	int fd;
	char *req;
	size_t req_len, sent;
	char buf[1 << 16];
	size_t got;
	double t0;
	int busy;
	int want_out;	    /* EPOLLOUT asked for: the request is not all sent */
	unsigned long done; /* requests answered on this connection */
} conn;

typedef struct load {
	const char *phase;
	int ep;
	double start;
	struct sockaddr_in addr;
	/* next(ctx, i, &len): the i-th request's bytes (valid until the next call for this connection). */
	char *(*next)(void *ctx, size_t *len);
	void *ctx;
	double *lat;
	size_t nlat, cap;
	unsigned long ok, bad;
	unsigned long statuses[6]; /* 2xx 3xx 4xx 5xx, other */
	int stop; /* set by next: no more requests (the phase ends once those out are answered) */
} load;

static int connect_one(const load *l)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (fd < 0 || connect(fd, (const struct sockaddr *)&l->addr, sizeof(l->addr)) != 0) {
		perror("qp_bench service: connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Stop the run: what went wrong, with the connection's state, for finding out whose fault it is. */
static void fail(const load *l, const conn *c, int idx, const char *what)
{
	struct sockaddr_in me;
	socklen_t me_len = sizeof(me);
	int port = getsockname(c->fd, (struct sockaddr *)&me, &me_len) == 0 ? ntohs(me.sin_port) : 0;
	fprintf(
	    stderr,
	    "qp_bench service: %s (phase %s, %.3f s in; connection %d, local port %d, %lu answered on it "
	    "before; this request: %zu of %zu bytes sent, %zu bytes of answer received, waiting %.3f s)\n",
	    what, l->phase, bench_wall() - l->start, idx, port, c->done, c->sent, c->req_len, c->got,
	    bench_wall() - c->t0);
	if (c->got)
		fprintf(stderr, "qp_bench service: received so far: %.*s\n",
			(int)(c->got < 300 ? c->got : 300), c->buf);
	exit(1);
}

/* Ask for EPOLLOUT only while a request is not all sent (level-triggered, it would fire always). */
static void want_out(load *l, conn *c, int on)
{
	if (c->want_out == on)
		return;
	struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
	if (epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
		perror("qp_bench service: epoll_ctl");
		exit(1);
	}
	c->want_out = on;
}

/* Send what is left of the request; the rest waits for EPOLLOUT. */
static void send_more(load *l, conn *c, int idx)
{
	while (c->sent < c->req_len) {
		ssize_t n = send(c->fd, c->req + c->sent, c->req_len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			char what[128];
			snprintf(what, sizeof(what), "sending a request failed: %s", strerror(errno));
			fail(l, c, idx, what);
		}
		c->sent += (size_t)n;
	}
	want_out(l, c, c->sent < c->req_len);
}

static void start_request(load *l, conn *c, int idx)
{
	free(c->req);
	c->req = l->next(l->ctx, &c->req_len);
	c->sent = 0;
	c->got = 0;
	c->t0 = bench_wall();
	c->busy = 1;
	send_more(l, c, idx);
}

/* A whole response in c->buf?  Returns its length, 0 if not yet; *status gets the status code. */
static size_t response_len(const conn *c, int *status)
{
	const char *end = NULL;
	for (size_t i = 0; i + 4 <= c->got && end == NULL; i++)
		if (memcmp(c->buf + i, "\r\n\r\n", 4) == 0)
			end = c->buf + i;
	if (end == NULL)
		return 0;
	size_t head = (size_t)(end - c->buf) + 4, body = 0;
	*status = (int)strtol(c->buf + 9, NULL, 10); /* "HTTP/1.1 200 " */
	for (const char *p = c->buf; p < end; p++) {
		if ((p == c->buf || p[-1] == '\n') && strncasecmp(p, "Content-Length:", 15) == 0) {
			body = strtoul(p + 15, NULL, 10);
			break;
		}
	}
	return c->got >= head + body ? head + body : 0;
}

/* Requests the service never answered: its failure, not a figure to print. */
static void unanswered(const load *l, const conn *cs, int nconn, int busy, int last)
{
	char what[128];
	for (int i = 0; i < nconn; i++)
		if (cs[i].busy && i != last)
			fprintf(stderr,
				"qp_bench service: connection %d unanswered: %zu of %zu bytes sent, "
				"%zu received, waiting %.3f s\n",
				i, cs[i].sent, cs[i].req_len, cs[i].got, bench_wall() - cs[i].t0);
	snprintf(what, sizeof(what), "%d request(s) unanswered 30 s after the phase", busy);
	fail(l, &cs[last], last, what);
}

/* Run nconn closed-loop connections for seconds; latencies of completed requests go to l->lat. */
static double run_load(load *l, int nconn, double seconds)
{
	int ep = epoll_create1(0);
	conn *cs = calloc((size_t)nconn, sizeof(*cs));
	if (ep < 0 || cs == NULL) {
		perror("qp_bench service");
		exit(1);
	}
	l->ep = ep;
	for (int i = 0; i < nconn; i++) {
		cs[i].fd = connect_one(l);
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) != 0) {
			perror("qp_bench service: epoll_ctl");
			exit(1);
		}
	}
	double start = bench_wall(), until = start + seconds;
	l->start = start;
	for (int i = 0; i < nconn; i++)
		start_request(l, &cs[i], i);
	struct epoll_event evs[256];
	int stopping = 0;
	for (;;) {
		int n = epoll_wait(ep, evs, 256, 100);
		double t = bench_wall();
		if (t >= until || l->stop)
			stopping = 1;
		for (int k = 0; k < n; k++) {
			conn *c = evs[k].data.ptr;
			int idx = (int)(c - cs);
			if ((evs[k].events & EPOLLOUT) && c->busy)
				send_more(l, c, idx);
			if (!(evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				continue;
			if (!c->busy) {
				/* Nothing is asked on it: bytes or a close now are the service's, unasked. */
				char byte;
				ssize_t r = recv(c->fd, &byte, 1, MSG_PEEK);
				if (r < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				fail(l, c, idx,
				     r == 0  ? "the service closed an idle kept-alive connection"
				     : r > 0 ? "the service sent bytes nobody asked for"
					     : "an idle connection failed");
			}
			ssize_t r = recv(c->fd, c->buf + c->got, sizeof(c->buf) - c->got, 0);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0) {
				char what[128];
				snprintf(what, sizeof(what), "the service closed a connection (%s)",
					 r == 0 ? "end of stream" : strerror(errno));
				fail(l, c, idx, what);
			}
			c->got += (size_t)r;
			int status = 0;
			size_t len = response_len(c, &status);
			if (len == 0) {
				if (c->got == sizeof(c->buf))
					fail(l, c, idx, "an answer larger than the receive buffer");
				continue;
			}
			if (c->got > len)
				fail(l, c, idx, "bytes after the answer, before the next request");
			if (c->sent < c->req_len)
				fail(l, c, idx, "an answer before the whole request was sent");
			double lat = bench_wall() - c->t0;
			if (l->nlat == l->cap) {
				l->cap = l->cap ? l->cap * 2 : 1 << 16;
				l->lat = realloc(l->lat, l->cap * sizeof(double));
				if (l->lat == NULL)
					exit(1);
			}
			l->lat[l->nlat++] = lat;
			if (status >= 200 && status < 300)
				l->ok++;
			else
				l->bad++;
			l->statuses[status >= 200 && status < 600 ? status / 100 - 2 : 4]++;
			c->busy = 0;
			c->done++;
			if (!stopping && !l->stop)
				start_request(l, c, idx);
		}
		if (stopping) {
			int busy = 0, last = -1;
			for (int i = 0; i < nconn; i++)
				if (cs[i].busy) {
					busy++;
					last = i;
				}
			if (!busy)
				break;
			if (bench_wall() > until + 30)
				unanswered(l, cs, nconn, busy, last);
		}
	}
	double elapsed = bench_wall() - start;
	for (int i = 0; i < nconn; i++) {
		close(cs[i].fd);
		free(cs[i].req);
	}
	free(cs);
	close(ep);
	return elapsed;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, load *l, double elapsed, int nconn)
{
	qsort(l->lat, l->nlat, sizeof(double), cmp_double);
	double p50 = l->nlat ? l->lat[l->nlat / 2] : 0,
	       p99 = l->nlat ? l->lat[(size_t)((double)l->nlat * 0.99)] : 0;
	double max = l->nlat ? l->lat[l->nlat - 1] : 0;
	printf("  %-8s %9.0f /s  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  (%lu ok, %lu not, %d connections, "
	       "%.1f s)\n",
	       what, (double)l->ok / elapsed, p50 * 1e3, p99 * 1e3, max * 1e3, l->ok, l->bad, nconn, elapsed);
	free(l->lat);
	l->lat = NULL;
	l->nlat = l->cap = 0;
	l->ok = l->bad = 0;
}

/* ---- the workloads ---------------------------------------------------------------------------- */

typedef struct work {
	unsigned households;
	uint64_t size;
	char **notes; /* pre-signed writes */
	size_t nnotes, next_note;
	unsigned seed;
	int *stop; /* the load's stop: set when the last pre-signed write goes out */
} work;

static char *fmt_request(size_t *len, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *fmt_request(size_t *len, const char *fmt, ...)
{
	char *out = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (out = malloc((size_t)n + 1)) == NULL)
		exit(1);
	va_start(ap, fmt);
	vsnprintf(out, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*len = (size_t)n;
	return out;
}

static char *next_household(void *ctx, size_t *len)
{
	work *w = ctx;
	/* By registry number: a lookup by ID number is for signed officers' requests only (issue 22). */
	unsigned n = 1 + (unsigned)rand_r(&w->seed) % w->households;
	return fmt_request(len, "GET /v1/households/330681-H-%07u HTTP/1.1\r\nHost: bench\r\n\r\n", n);
}

static char *next_proof(void *ctx, size_t *len)
{
	work *w = ctx;
	unsigned long long index = (unsigned long long)rand_r(&w->seed) % w->size;
	return fmt_request(len, "GET /v1/proof/inclusion?index=%llu HTTP/1.1\r\nHost: bench\r\n\r\n", index);
}

static char *next_write(void *ctx, size_t *len)
{
	work *w = ctx;
	if (w->next_note >= w->nnotes) {
		fprintf(stderr, "qp_bench service: ran out of pre-signed writes; lower --seconds\n");
		exit(1);
	}
	const char *json = w->notes[w->next_note++];
	if (w->next_note == w->nnotes && w->stop)
		*w->stop = 1;
	return fmt_request(len,
			   "POST /v1/entries HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
			   "Content-Length: %zu\r\n\r\n%s",
			   strlen(json), json);
}

/* Sign n village.add notes numbered from first, as the JSON bodies of POST /v1/entries. */
static char **sign_notes(qp_registry *reg, const qp_key *officer, unsigned first, size_t n)
{
	char **out = calloc(n, sizeof(*out));
	for (size_t i = 0; out && i < n; i++) {
		char *body = village_body(first + (unsigned)i), *note = NULL;
		size_t len = 0;
		if (qp_registry_sign_entry(&note, &len, reg, officer, "village.add", body) != QP_OK)
			die("signing");
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "note", note);
		out[i] = cJSON_PrintUnformatted(doc);
		cJSON_Delete(doc);
		free(note);
		free(body);
	}
	return out;
}

static pid_t service_pid;

/* The CPU seconds (user + system) the service process has used, from /proc/PID/stat. */
static double service_cpu(void)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)service_pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	/* After the command name in parentheses: fields 3.. ; utime and stime are fields 14 and 15. */
	const char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}


static char *next_checkpoint(void *ctx, size_t *len)
{
	(void)ctx;
	return fmt_request(len, "GET /checkpoint HTTP/1.1\r\nHost: bench\r\n\r\n");
}

static char *next_entry(void *ctx, size_t *len)
{
	work *w = ctx;
	unsigned long long index = (unsigned long long)rand_r(&w->seed) % w->size;
	return fmt_request(len, "GET /v1/entries/%llu HTTP/1.1\r\nHost: bench\r\n\r\n", index);
}

/* ---- the bound: verify + append in process ------------------------------------------------------ */

/*
 * The bound: n entries signed ahead and appended in process, batch per
 * commit, on a copy of the registry, each batch with the checkpoint that
 * covers it signed in its transaction (qp_log_append_signed: what the
 * service's writer does for a batch, less the inclusion proofs it adds
 * for its answers).  batch is the number of writing connections, the
 * largest batch the service can form.  households 0: village.add notes
 * numbered from first (what the writes phase sends); else household.add
 * notes numbered from first (which must be the registry's next household
 * number), each with its personal data.
 */
static double append_bound(const char *src, const char *dir, const qp_key *officer, const qp_key *logk,
			   unsigned first, size_t n, size_t batch, int households, double *cpu_rate)
{
	char path[4096], cmd[16600];
	qp_registry *reg = NULL;
	snprintf(path, sizeof(path), "%s/bound.db", dir);
	/* With its WAL: what is not yet checkpointed into the file is there (the source is idle). */
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && { [ ! -f '%s-wal' ] || cp '%s-wal' '%s-wal'; }", src,
		 path, src, src, path);
	if (system(cmd) != 0 || qp_registry_open(&reg, path, 0) != QP_OK)
		die("copying the registry for the bound");
	char **notes = calloc(n, sizeof(*notes));
	size_t *lens = calloc(n, sizeof(*lens));
	uint64_t *idx = calloc(n, sizeof(*idx));
	int *res = calloc(n, sizeof(*res));
	qp_personal *pd = households ? calloc(n, sizeof(*pd)) : NULL;
	const qp_personal **pds = households ? calloc(n, sizeof(*pds)) : NULL;
	for (size_t i = 0; i < n; i++) {
		char *body = households ? household_body(first + (unsigned)i, &pd[i])
					: village_body(first + (unsigned)i);
		if (qp_registry_sign_entry(&notes[i], &lens[i], reg, officer,
					   households ? "household.add" : "village.add", body) != QP_OK)
			die("signing");
		if (pds)
			pds[i] = &pd[i];
		free(body);
	}
	/* Batches as the service makes them under load. */
	double t = bench_wall(), c = bench_cpu();
	for (size_t i = 0; i < n; i += batch) {
		size_t k = n - i < batch ? n - i : batch;
		qp_log_batch b = {.n = k,
				  .notes = (const char *const *)notes + i,
				  .note_lens = lens + i,
				  .pds = pds ? pds + i : NULL,
				  .log_key = logk,
				  .indexes = idx + i,
				  .results = res + i};
		if (qp_log_append_signed(reg, &b) != QP_OK || b.checkpoint == NULL)
			die("append_signed");
		free(b.checkpoint);
		for (size_t j = i; j < i + k; j++)
			if (res[j] != QP_OK)
				die("an entry of the bound refused");
	}
	double rate = (double)n / (bench_wall() - t);
	*cpu_rate = (double)n / (bench_cpu() - c);
	for (size_t i = 0; i < n; i++) {
		free(notes[i]);
		if (pd)
			qp_personal_clear(&pd[i]);
	}
	free(notes);
	free(lens);
	free(idx);
	free(res);
	free(pd);
	free(pds);
	qp_registry_free(reg);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bound.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bound.db-shm", dir);
	unlink(path);
	return rate;
}

static double verify_rate(void)
{
	unsigned char pk[32], sk[64], sig[64], msg[600];
	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	int n = 20000, ok = 0;
	double t = bench_wall();
	for (int i = 0; i < n; i++)
		ok += crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) == 0;
	return ok / (bench_wall() - t);
}

/* ---- the service --------------------------------------------------------------------------------- */

/*
 * quanpiaod shares this process's stderr: left running after the bench
 * ends, it would hold a pipe that a caller (tee, CI) reads to its end,
 * and that would wait forever.  So it is stopped on every way out: by
 * stop_service at the end and on exit(), and by the kernel (SIGTERM) if
 * the bench is killed.  The work directory goes on exit() too.
 */
static pid_t service_pid;
static char work_dir[4096];

/* SIGTERM, then SIGKILL if it has not exited after its drain time; its wait status. */
static int stop_service(void)
{
	int status = 0;
	if (service_pid <= 0)
		return 0;
	kill(service_pid, SIGTERM);
	double until = bench_wall() + 45;
	pid_t r;
	while ((r = waitpid(service_pid, &status, WNOHANG)) == 0 && bench_wall() < until)
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	if (r == 0) {
		fprintf(stderr, "qp_bench service: quanpiaod did not stop on SIGTERM; killing it\n");
		kill(service_pid, SIGKILL);
		waitpid(service_pid, &status, 0);
	}
	service_pid = 0;
	return status;
}

static void remove_work_dir(void)
{
	char cmd[4300];
	if (work_dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "qp_bench service: could not remove %s\n", work_dir);
	work_dir[0] = '\0';
}

static void clean_up_at_exit(void)
{
	(void)stop_service();
	remove_work_dir();
}

/* The value of the metric name (a line "name value") in the service's /metrics, or -1. */
static double service_metric(int port, const char *name)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	static char buf[1 << 16];
	size_t n = 0;
	double v = -1;
	if (fd < 0)
		return -1;
	const char *rq = "GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    write(fd, rq, strlen(rq)) == (ssize_t)strlen(rq)) {
		ssize_t got;
		while (n < sizeof(buf) - 1 && (got = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
			n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	char key[128];
	snprintf(key, sizeof(key), "\n%s ", name);
	const char *p = strstr(buf, key);
	if (p)
		v = strtod(p + strlen(key), NULL);
	return v;
}
static void start_service(const char *exe, const char *db, const char *key, int *port)
{
	int fds[2];
	if (pipe(fds) != 0)
		exit(1);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		perror("qp_bench service: fork");
		exit(1);
	}
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
			_exit(127);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(exe, exe, "--db", db, "--listen", "127.0.0.1:0", "--log-key", key, "--max-connections",
		      "1024", (char *)NULL);
		fprintf(stderr, "qp_bench service: cannot run %s: %s (build it, or give --quanpiaod PATH)\n",
			exe, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	service_pid = pid;
	FILE *f = fdopen(fds[0], "r");
	char line[256] = "";
	if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
		fprintf(stderr, "qp_bench service: quanpiaod did not start\n");
		exit(1);
	}
	fclose(f);
	const char *colon = strrchr(line, ':');
	*port = colon ? (int)strtol(colon + 1, NULL, 10) : 0;
}

int qp_bench_service(int argc, char **argv)
{
	double seconds = 10;
	int readers = 32, writers = 128;
	unsigned households = 20000;
	const char *dir = "/tmp", *exe = QP_QUANPIAOD_PATH;
	for (int i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--seconds") == 0)
			seconds = strtod(argv[i + 1], NULL);
		else if (strcmp(argv[i], "--connections") == 0)
			readers = (int)strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--writers") == 0)
			writers = (int)strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--households") == 0)
			households = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--dir") == 0)
			dir = argv[i + 1];
		else if (strcmp(argv[i], "--quanpiaod") == 0)
			exe = argv[i + 1];
		else
			return fputs("usage: qp_bench service [--seconds S] [--connections N] [--writers N] "
				     "[--households N] [--dir DIR] [--quanpiaod PATH]\n",
				     stderr),
			       2;
	}
	if (seconds <= 0 || readers < 1 || writers < 1 || households < 100 || households > 5000000)
		return fputs("qp_bench service: bad arguments\n", stderr), 2;

	char db[4200], keyfile[4200];
	snprintf(work_dir, sizeof(work_dir), "%s/qp-bench-service-%d", dir, (int)getpid());
	if (mkdir(work_dir, 0700) != 0) {
		perror(work_dir);
		work_dir[0] = '\0';
		return 1;
	}
	atexit(clean_up_at_exit);
	snprintf(db, sizeof(db), "%s/registry.db", work_dir);
	snprintf(keyfile, sizeof(keyfile), "%s/log.key", work_dir);

	/* The registry: an authority, the log key (a file for the service), an officer, a village,
	 * households. */
	qp_key *auth = NULL, *logk = NULL, *officer = NULL;
	qp_verifier *lv = NULL, *ov = NULL;
	char *log_vkey = NULL, *off_vkey = NULL;
	qp_registry *reg = NULL;
	if (qp_key_generate(&auth, "330681.authority") != QP_OK || qp_key_generate(&logk, ORIGIN) != QP_OK ||
	    qp_key_generate(&officer, "330681.officer.bench") != QP_OK ||
	    qp_key_verifier(&lv, logk) != QP_OK || qp_verifier_string(&log_vkey, lv) != QP_OK ||
	    qp_key_verifier(&ov, officer) != QP_OK || qp_verifier_string(&off_vkey, ov) != QP_OK ||
	    qp_key_save(logk, keyfile, NULL) != QP_OK)
		die("keys");
	qp_genesis g = {ORIGIN, "330681", "诸暨市", log_vkey};
	if (qp_registry_create(&reg, db, &g, auth) != QP_OK)
		die("creating the registry");
	char body[512];
	snprintf(body, sizeof(body), "{\"role\":\"officer\",\"vkey\":\"%s\"}", off_vkey);
	if (qp_registry_submit(reg, auth, "key.enroll", body, NULL) != QP_OK ||
	    qp_registry_submit(reg, officer, "village.add",
			       "{\"code\":\"" VILLAGE "\",\"name\":\"东白湖村\"}", NULL) != QP_OK)
		die("enrolling");
	fprintf(stderr, "qp_bench service: building a registry of %u households...\n", households);
	{
		size_t batch = 1000;
		char **notes = calloc(batch, sizeof(*notes));
		size_t *lens = calloc(batch, sizeof(*lens));
		uint64_t *idx = calloc(batch, sizeof(*idx));
		int *res = calloc(batch, sizeof(*res));
		qp_personal *pd = calloc(batch, sizeof(*pd));
		const qp_personal **pds = calloc(batch, sizeof(*pds));
		for (unsigned i = 0; i < households; i += (unsigned)batch) {
			size_t k = households - i < batch ? households - i : batch;
			for (size_t j = 0; j < k; j++) {
				char *b = household_body(i + (unsigned)j, &pd[j]);
				if (qp_registry_sign_entry(&notes[j], &lens[j], reg, officer, "household.add",
							   b) != QP_OK)
					die("signing");
				pds[j] = &pd[j];
				free(b);
			}
			if (qp_registry_append_batch_personal(reg, (const char *const *)notes, lens, pds, k,
							      idx, res) != QP_OK)
				die("appending");
			for (size_t j = 0; j < k; j++) {
				if (res[j] != QP_OK)
					die("a household refused");
				free(notes[j]);
				qp_personal_clear(&pd[j]);
			}
		}
		free(notes);
		free(lens);
		free(idx);
		free(res);
		free(pd);
		free(pds);
	}
	char *cp = NULL;
	size_t cp_len = 0;
	if (qp_log_sign(&cp, &cp_len, reg, logk) != QP_OK)
		die("signing a checkpoint");
	free(cp);
	work w = {.households = households, .seed = 1};
	qp_log_size(&w.size, reg);

	/* The bound, in process, before the service runs (the machine is otherwise idle). */
	double vrate = verify_rate();
	double acpu = 0, hcpu = 0;
	double arate = append_bound(db, work_dir, officer, logk, 0, 20000, (size_t)writers, 0, &acpu);
	double hrate =
	    append_bound(db, work_dir, officer, logk, households, 20000, (size_t)writers, 1, &hcpu);

	/*
	 * Pre-signed writes: enough for the phase at a generous rate, but no
	 * more than an entry's named log state may lag behind its index (all
	 * name the log as it is now); if they run out, the phase ends early.
	 */
	w.nnotes = (size_t)(seconds * 20000) + (size_t)writers * 4;
	if (w.nnotes > QP_LOG_STATE_MAX_LAG)
		w.nnotes = QP_LOG_STATE_MAX_LAG;
	if (w.nnotes > VILLAGES_MAX)
		w.nnotes = VILLAGES_MAX;
	fprintf(stderr, "qp_bench service: signing %zu writes...\n", w.nnotes);
	w.notes = sign_notes(reg, officer, 0, w.nnotes);
	qp_registry_free(reg);

	int port = 0;
	double mean_batch = 0, write_rate = 0, write_cpu_rate = 0;
	start_service(exe, db, keyfile, &port);
	load l = {0};
	l.addr.sin_family = AF_INET;
	l.addr.sin_port = htons((uint16_t)port);
	l.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l.ctx = &w;
	w.stop = &l.stop;

	printf("quanpiaod on loopback, %ld cores, %u households, %llu entries; load from this process "
	       "(one epoll thread, closed loop)\n",
	       sysconf(_SC_NPROCESSORS_ONLN), households, (unsigned long long)w.size);
	printf("bound (in process, no HTTP; rates by wall clock, and by this process's CPU time)\n");
	printf("  Ed25519 verify               %9.0f /s\n", vrate);
	printf("  verify + append + checkpoint %9.0f /s   CPU %9.0f /s   (village.add, qp_log_append_signed: "
	       "%d per commit, each commit with its checkpoint)\n",
	       arate, acpu, writers);
	printf("  household.add                %9.0f /s   CPU %9.0f /s   (the same, each with its personal "
	       "data)\n",
	       hrate, hcpu);
	printf("service (CPU: the service process's user + system time per answer, from /proc; the load "
	       "generator "
	       "shares the cores)\n");
	static const struct {
		const char *name;
		char *(*next)(void *, size_t *);
		int writes;
	} phases[] = {
	    {"checkpt", next_checkpoint, 0}, {"entry", next_entry, 0},	{"reads", next_household, 0},
	    {"proofs", next_proof, 0},	     {"writes", next_write, 1},
	};
	for (size_t p = 0; p < sizeof(phases) / sizeof(phases[0]); p++) {
		l.next = phases[p].next;
		l.phase = phases[p].name;
		int nconn = phases[p].writes ? writers : readers;
		double b0 = phases[p].writes ? service_metric(port, "quanpiaod_batch_entries_sum") : 0,
		       n0 = phases[p].writes ? service_metric(port, "quanpiaod_batch_entries_count") : 0;
		double c0 = service_cpu(), g0 = bench_cpu();
		double el = run_load(&l, nconn, seconds);
		double cpu = service_cpu() - c0, gen = bench_cpu() - g0;
		if (phases[p].writes) {
			double b1 = service_metric(port, "quanpiaod_batch_entries_sum"),
			       n1 = service_metric(port, "quanpiaod_batch_entries_count");
			mean_batch = n1 > n0 && n0 >= 0 && b0 >= 0 ? (b1 - b0) / (n1 - n0) : 0;
			write_rate = (double)l.ok / el;
			write_cpu_rate = cpu > 0 ? (double)l.ok / cpu : 0;
		}
		unsigned long ok = l.ok;
		double rate = (double)ok / el;
		report(phases[p].name, &l, el, nconn);
		if (l.stop)
			printf("  %-8s (the %zu pre-signed writes ran out after %.1f s: the phase ended then)\n", "",
			       w.nnotes, el);
		printf("  %-8s CPU %7.1f us/answer in the service (%9.0f /s per core), %5.1f us in the load "
		       "generator\n",
		       "", ok ? cpu * 1e6 / (double)ok : 0, cpu > 0 ? (double)ok / cpu : 0,
		       ok ? gen * 1e6 / (double)ok : 0);
		if (phases[p].writes) {
			double cpu_rate = cpu > 0 ? (double)ok / cpu : 0;
			printf("  writes: %.0f%% of the verify + append + checkpoint bound (%d per commit) "
			       "by wall "
			       "clock, %.0f%% by CPU time (entries per service CPU second / bound entries "
			       "per CPU "
			       "second); each answered after its commit (entries and checkpoint in one) is "
			       "durable\n",
			       100.0 * rate / arate, writers, 100.0 * cpu_rate / acpu);
		}
	}

	int status = stop_service();
	/*
	 * The service formed smaller batches than the W the bound above
	 * commits at (more commits and checkpoints per entry): the bound again,
	 * now at its mean batch, for the same work in process.
	 */
	if (mean_batch >= 1 && w.nnotes + 20000 <= VILLAGES_MAX) {
		/* On the registry as the service left it: villages numbered after the ones it added. */
		size_t mb = (size_t)(mean_batch + 0.5);
		double mcpu = 0, mrate = append_bound(db, work_dir, officer, logk, (unsigned)w.nnotes, 20000,
						      mb, 0, &mcpu);
		printf("bound at the service's own mean batch, %.1f entries per commit (from its /metrics), "
		       "measured after "
		       "it stopped\n",
		       mean_batch);
		printf("  verify + append + checkpoint %9.0f /s   CPU %9.0f /s   (%zu per commit)\n", mrate,
		       mcpu, mb);
		printf("  writes: %.0f%% of it by wall clock, %.0f%% by CPU time\n",
		       100.0 * write_rate / mrate, 100.0 * write_cpu_rate / mcpu);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "qp_bench service: quanpiaod did not exit cleanly (status %d)\n", status);
	for (size_t i = 0; i < w.nnotes; i++)
		free(w.notes[i]);
	free(w.notes);
	remove_work_dir();
	qp_key_free(auth);
	qp_key_free(logk);
	qp_key_free(officer);
	qp_verifier_free(lv);
	qp_verifier_free(ov);
	free(log_vkey);
	free(off_vkey);
	return 0;
}
