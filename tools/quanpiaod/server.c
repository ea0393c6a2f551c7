/*
 * server.c - HTTP with libmicrohttpd: limits, and the hand-over of
 * writes to the writer.  What a request's bytes decide (its route, the
 * early refusals of a write, the parsed body) is in dispatch.c.
 *
 * The daemon runs a pool of poll threads; each serves many connections
 * and never blocks on a client, so a slow client holds a socket and some
 * memory, never a thread, and is dropped after the idle timeout.  Not
 * epoll: libmicrohttpd 0.9.75's epoll loop, when one epoll_wait returns
 * its full batch of 128 events, waits again with the timeout it computed
 * before that batch instead of serving the connections it just marked
 * ready.  When nothing else happens (128 closed-loop clients each waiting
 * for its answer) the thread sleeps until the oldest connection's idle
 * deadline, and then its timeout pass, which runs before the ready
 * connections are served, closes every one of them with its request
 * unread.  The poll loop serves every connection on every round.  A write
 * is checked and parsed on the request thread, then its connection is
 * suspended and the job queued for the writer; when the commit and its
 * checkpoint are durable the writer resumes the connection and the
 * request thread builds the answer (the proof is read on that thread's
 * own connection, off the writer's path).
 *
 * Limits: the body (Content-Length checked before any byte is read, and
 * counted as it arrives), the request line and headers (the connection
 * memory limit: libmicrohttpd answers 431 when they do not fit), the
 * number of connections, and the idle timeout.  On shutdown new requests
 * get 503 and "Connection: close"; requests already started are finished.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <sys/socket.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>
#include <sodium.h>

#include "dispatch.h"
#include "server.h"

struct qpd_server {
	struct MHD_Daemon *daemon;
	qpd_writer *writer;
	const qpd_config *cfg;
	atomic_int draining;
	atomic_long active;	    /* requests presented to the handler and not yet completed */
	pthread_mutex_t conns_lock; /* the connections, for the header deadline */
	struct conn_rec *conns;
	pthread_t reaper;
	int have_reaper;
	atomic_int reaper_stop;
	char address[128];
};

enum job_state { JOB_NONE, JOB_WAITING, JOB_DONE };

/* One request, from its first handler call to its completion callback. */
typedef struct request {
	qpd_request rq; /* what is decided from the request's bytes (dispatch.c) */
	char *uri;	/* the request target as sent (path and query), for the signature */
	int begun;	/* the handler has seen it */
	int authed;	/* signed by who (auth.c) */
	qp_access_reader who;
	qpd_view view;				   /* whose personal data the answer shows */
	unsigned char verified[QP_PUBLIC_KEY_LEN]; /* the key that verified a write's note on this thread */
	char *access_request;			   /* the request as recorded, ID numbers masked */
	qpd_server *srv;
	struct MHD_Connection *conn;
	double start;
	unsigned status;
	atomic_int job_state;
} request;

/* ---- replies ----------------------------------------------------------------------------- */

/* Does the request's Accept-Encoding list gzip (or *) with a q-value other than 0 (RFC 9110 12.5.3)? */
static int accepts_gzip(struct MHD_Connection *conn)
{
	const char *p = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	int gzip = -1, star = -1; /* -1: not listed; else whether its weight is above 0 */
	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		size_t n = strcspn(p, ",; \t");
		int is_gzip = n == 4 && strncasecmp(p, "gzip", 4) == 0, is_star = n == 1 && *p == '*';
		const char *item_end = p + strcspn(p, ",");
		const char *q = p + n;
		double weight = 1;
		while (q < item_end) {
			q += strspn(q, "; \t");
			if (q < item_end && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=')
				weight = strtod(q + 2, NULL);
			q += strcspn(q, ";,");
		}
		if (is_gzip)
			gzip = weight > 0;
		else if (is_star)
			star = weight > 0;
		p = item_end;
	}
	return gzip >= 0 ? gzip : star > 0;
}

/* Replace r's body by its gzip (RFC 1952) form; 0 if done, -1 to send it as it is. */
static int gzip_body(qpd_reply *r)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uLong cap = deflateBound(&z, (uLong)r->body_len);
	unsigned char *out = malloc(cap ? cap : 1);
	if (out == NULL) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (unsigned char *)r->body;
	z.avail_in = (uInt)r->body_len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	size_t len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		return -1;
	}
	free(r->body);
	r->body = (char *)out;
	r->body_len = len;
	return 0;
}

static enum MHD_Result send_reply(request *q)
{
	qpd_reply *r = &q->rq.reply;
	/* Small bodies are not worth the header; the tiles (8 KiB) and the page are. */
	int gzipped = r->compressible && r->status == 200 && r->body_len >= 256 && r->body_len < (1u << 30) &&
		      accepts_gzip(q->conn) && gzip_body(r) == 0;
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    r->body_len, r->body, r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	r->body = NULL; /* the response owns it now */
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				r->cache_control ? r->cache_control : "no-store");
	if (r->cors)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
	if (r->compressible)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (gzipped)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	/* While draining, a kept-alive client must come back on a new connection (to the next instance). */
	if (atomic_load(&q->srv->draining))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	q->status = r->status;
	enum MHD_Result ret = MHD_queue_response(q->conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static const char *get_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static const char *get_header(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

/* ---- writes -------------------------------------------------------------------------------- */

/* Runs on the writer thread once the job's outcome is durable. */
static void job_done(qpd_job *job)
{
	request *q = job->ctx;
	atomic_store(&q->job_state, JOB_DONE);
	MHD_resume_connection(q->conn);
}

static enum MHD_Result start_write(request *q)
{
	if (qpd_request_parse_write(&q->rq) != 0)
		return send_reply(q);
	q->rq.job.done = job_done;
	q->rq.job.ctx = q;
	/*
	 * The Ed25519 work here, on this request thread, not on the one writer:
	 * the writer still checks the signer's role and state in its own
	 * transaction (a key revoked meanwhile is refused), and verifies again
	 * if the enrolled key is not the one that verified.  A note that does
	 * not verify here goes to the writer as it is, for the registry's message.
	 */
	qp_registry *reader = NULL;
	if (q->rq.job.kind == QPD_JOB_ENTRY && qpd_reader(&reader) == QP_OK &&
	    qp_registry_verify_note(reader, q->rq.job.data, q->rq.job.len, q->verified) == QP_OK)
		q->rq.job.verified_key = q->verified;
	qp_error_clear();
	/* Suspend before queueing: the writer may resume as soon as the job is in. */
	atomic_store(&q->job_state, JOB_WAITING);
	MHD_suspend_connection(q->conn);
	if (qpd_writer_submit(q->srv->writer, &q->rq.job) != QP_OK) {
		atomic_store(&q->job_state, JOB_NONE);
		qpd_problem(&q->rq.reply, 503, "the service is shutting down; try again");
		q->rq.decided = 1;
		MHD_resume_connection(q->conn);
	}
	return MHD_YES;
}

/* ---- the deadline for a request's line and headers -------------------------------------------- */

/*
 * Each connection is tracked from its start: while it waits for a
 * request line and headers (from its opening, or since its last answer
 * on a kept-alive connection) it has header_timeout seconds to send them
 * whole.  A client that trickles a byte now and then resets the idle
 * timeout but not this deadline: the reaper thread shuts the socket down
 * (libmicrohttpd then sees it end and closes it).  The reaper holds the
 * lock while it does, and a connection leaves the list (under the lock)
 * before libmicrohttpd closes its socket, so the descriptor is still its.
 */
typedef struct conn_rec {
	struct conn_rec *prev, *next;
	int fd;
	atomic_int waiting;    /* for a request line and headers */
	atomic_llong since_ms; /* since when */
} conn_rec;

static long long now_ms(void)
{
	return (long long)(qpd_now() * 1000.0);
}

static void conn_waiting(struct MHD_Connection *conn, int waiting)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	conn_rec *c = ci ? ci->socket_context : NULL;
	if (c == NULL)
		return;
	atomic_store(&c->since_ms, now_ms());
	atomic_store(&c->waiting, waiting);
}

static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	qpd_server *srv = cls;
	conn_rec *c = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL || (c = calloc(1, sizeof(*c))) == NULL)
			return; /* untracked: the idle timeout still applies */
		c->fd = ci->connect_fd;
		atomic_store(&c->since_ms, now_ms());
		atomic_store(&c->waiting, 1);
		pthread_mutex_lock(&srv->conns_lock);
		c->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = c;
		srv->conns = c;
		pthread_mutex_unlock(&srv->conns_lock);
		*socket_context = c;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && c != NULL) {
		pthread_mutex_lock(&srv->conns_lock);
		if (c->prev)
			c->prev->next = c->next;
		else
			srv->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		pthread_mutex_unlock(&srv->conns_lock);
		free(c);
		*socket_context = NULL;
	}
}

static void *reaper_main(void *arg)
{
	qpd_server *srv = arg;
	long long limit = (long long)srv->cfg->header_timeout * 1000;
	while (!atomic_load(&srv->reaper_stop)) {
		nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
		long long now = now_ms();
		pthread_mutex_lock(&srv->conns_lock);
		for (conn_rec *c = srv->conns; c; c = c->next)
			if (atomic_load(&c->waiting) && now - atomic_load(&c->since_ms) > limit) {
				atomic_store(&c->waiting, 0);
				shutdown(c->fd, SHUT_RDWR);
			}
		pthread_mutex_unlock(&srv->conns_lock);
	}
	return NULL;
}

/* ---- reads of personal data ------------------------------------------------------------------ */

/* Runs on the writer thread once the access record is durable. */
static void access_done(qpd_job *job)
{
	request *q = job->ctx;
	atomic_store(&q->job_state, JOB_DONE);
	MHD_resume_connection(q->conn);
}

/* "GET <target>" with every run of 18 ID-number characters masked: the record holds no personal data. */
static char *access_request_text(const char *method, const char *uri)
{
	size_t len = strlen(method) + 1 + strlen(uri) + 1;
	char *text = malloc(len);
	if (text == NULL)
		return NULL;
	snprintf(text, len, "%s %s", method, uri);
	qp_access_mask_ids(text);
	return text;
}

/*
 * Answer a GET.  An answer that shows personal data in full (to a signed
 * request) goes out only once its access record is durable: the
 * connection is suspended and the record queued for the writer.
 */
static enum MHD_Result answer_read(request *q)
{
	q->view.reader = q->authed ? &q->who : NULL;
	qpd_view_set(&q->view);
	qpd_route_get(&q->rq.reply, q->rq.route, q->rq.tail, get_arg, q->conn);
	qpd_view_set(NULL);
	if (q->view.n == 0 && !q->view.failed)
		return send_reply(q);
	if (q->view.failed || (q->access_request = access_request_text("GET", q->uri)) == NULL) {
		sodium_memzero(q->rq.reply.body, q->rq.reply.body_len);
		free(q->rq.reply.body);
		q->rq.reply.body = NULL;
		qpd_problem(&q->rq.reply, 500, "out of memory recording the read of personal data");
		return send_reply(q);
	}
	memset(&q->rq.job, 0, sizeof(q->rq.job));
	q->rq.job.kind = QPD_JOB_ACCESS;
	q->rq.job.data = q->access_request;
	q->rq.job.len = strlen(q->access_request);
	q->rq.job.reader = &q->who;
	q->rq.job.subjects = (const char *const *)q->view.subjects;
	q->rq.job.nsubjects = q->view.n;
	q->rq.job.done = access_done;
	q->rq.job.ctx = q;
	atomic_store(&q->job_state, JOB_WAITING);
	MHD_suspend_connection(q->conn);
	if (qpd_writer_submit(q->srv->writer, &q->rq.job) != QP_OK) {
		q->rq.job.result = QP_ECONFLICT;
		snprintf(q->rq.job.message, sizeof(q->rq.job.message), "the service is shutting down");
		atomic_store(&q->job_state, JOB_DONE);
		MHD_resume_connection(q->conn);
	}
	return MHD_YES;
}

/* The access record is written (or not): the answer, or a 500 that shows nothing. */
static enum MHD_Result answer_recorded_read(request *q)
{
	if (q->rq.job.result != QP_OK) {
		char msg[1200];
		snprintf(msg, sizeof(msg),
			 "the read of personal data could not be recorded, so it is not answered: %s",
			 q->rq.job.message);
		sodium_memzero(q->rq.reply.body, q->rq.reply.body_len);
		free(q->rq.reply.body);
		q->rq.reply.body = NULL;
		qpd_problem(&q->rq.reply, q->rq.job.result == QP_ECONFLICT ? 503 : 500, msg);
	}
	return send_reply(q);
}

/* The signature of a request, if it carries one: who, or a 403 decided. */
static void authenticate(request *q, const char *method)
{
	const char *input = get_header(q->conn, "Signature-Input"), *sig = get_header(q->conn, "Signature");
	if (input == NULL && sig == NULL)
		return;
	char *path = strdup(q->uri ? q->uri : ""), *query = path ? strchr(path, '?') : NULL;
	if (path == NULL) {
		qpd_problem(&q->rq.reply, 500, "out of memory");
		q->rq.decided = 1;
		return;
	}
	if (query)
		*query++ = '\0';
	if (qpd_authenticate(&q->rq.reply, &q->who, input, sig, method, path, query) == 0)
		q->authed = 1;
	else
		q->rq.decided = 1;
	free(path);
}

/* Before the headers are read: keep the request target as sent (the handler gets it decoded). */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	request *q = calloc(1, sizeof(*q));
	if (q != NULL && (q->uri = strdup(uri)) == NULL) {
		free(q);
		q = NULL;
	}
	return q;
}

/* ---- the handler ----------------------------------------------------------------------------- */

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size,
			      void **con_cls)
{
	qpd_server *srv = cls;
	request *q = *con_cls;
	if (q == NULL && (q = calloc(1, sizeof(*q))) == NULL)
		return MHD_NO;
	if (!q->begun) {
		q->begun = 1;
		conn_waiting(conn, 0); /* the line and headers are in */
		q->srv = srv;
		q->conn = conn;
		q->start = qpd_now();
		*con_cls = q;
		atomic_fetch_add(&srv->active, 1);
		qpd_request_begin(&q->rq, method, url, atomic_load(&srv->draining), srv->cfg->max_body,
				  get_header, conn);
		if (!q->rq.decided)
			authenticate(q, method);
		/*
		 * A refused write is answered at once, before its body is read (and
		 * the connection closed).  Everything else is answered on the next
		 * call, once libmicrohttpd has the whole request: an answer queued
		 * now would count as an early one and close a kept-alive connection.
		 */
		if (q->rq.decided && q->rq.post)
			return send_reply(q);
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		/* A body without a Content-Length that grows too large: stop reading it. */
		if (qpd_request_body(&q->rq, upload_data, n, srv->cfg->max_body) != 0)
			return MHD_NO;
		return MHD_YES;
	}
	if (q->status != 0)
		return MHD_YES; /* already queued */
	if (atomic_load(&q->job_state) == JOB_DONE) {
		if (q->rq.job.kind == QPD_JOB_ACCESS)
			return answer_recorded_read(q);
		qpd_request_answer_write(&q->rq);
		return send_reply(q);
	}
	if (q->rq.decided)
		return send_reply(q);
	if (!q->rq.post)
		return answer_read(q);
	return start_write(q);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	qpd_server *srv = cls;
	request *q = *con_cls;
	if (q == NULL)
		return;
	if (!q->begun) {
		free(q->uri);
		free(q);
		*con_cls = NULL;
		return;
	}
	qpd_metrics_request(q->rq.route, q->status, qpd_now() - q->start);
	conn_waiting(conn, 1); /* a kept-alive connection waits for its next request */
	qpd_request_clear(&q->rq);
	qpd_view_clear(&q->view);
	free(q->access_request);
	free(q->uri);
	sodium_memzero(&q->who, sizeof(q->who));
	free(q);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->active, 1);
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	fputs("quanpiaod: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ---- start and stop ------------------------------------------------------------------------------ */

/* Parse "HOST:PORT" or "[HOST]:PORT" (numeric addresses only). */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len, int *v6)
{
	char host[64];
	const char *colon;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof(host))
			return -1;
		memcpy(host, listen + 1, (size_t)(close - listen - 1));
		host[close - listen - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (colon == NULL || (size_t)(colon - listen) >= sizeof(host))
			return -1;
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
	}
	char *end = NULL;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		*v6 = 0;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		*v6 = 1;
		return 0;
	}
	return -1;
}

int qpd_server_start(qpd_server **out, const qpd_config *cfg, qpd_writer *writer)
{
	struct sockaddr_storage ss;
	socklen_t ss_len = 0;
	int v6 = 0;
	*out = NULL;
	if (parse_listen(cfg->listen, &ss, &ss_len, &v6) != 0) {
		fprintf(stderr, "quanpiaod: --listen: \"%s\" is not ADDRESS:PORT with a numeric address\n",
			cfg->listen);
		return -1;
	}
	qpd_server *srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -1;
	srv->cfg = cfg;
	srv->writer = writer;
	pthread_mutex_init(&srv->conns_lock, NULL);
	/* Poll, not epoll: see the top of this file. */
	unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	srv->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, handle, srv, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)cfg->timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->max_header,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL, MHD_OPTION_NOTIFY_CONNECTION, notify_connection, srv,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->max_per_address, MHD_OPTION_END);
	if (srv->daemon == NULL) {
		fprintf(stderr, "quanpiaod: cannot listen on %s\n", cfg->listen);
		pthread_mutex_destroy(&srv->conns_lock);
		free(srv);
		return -1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	char host[64];
	if (v6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	snprintf(srv->address, sizeof(srv->address), v6 ? "http://[%s]:%u" : "http://%s:%u", host,
		 info ? (unsigned)info->port : 0u);
	srv->have_reaper = pthread_create(&srv->reaper, NULL, reaper_main, srv) == 0;
	*out = srv;
	return 0;
}

const char *qpd_server_address(const qpd_server *srv)
{
	return srv->address;
}

void qpd_server_drain(qpd_server *srv)
{
	atomic_store(&srv->draining, 1);
	/* No new connections; the listening socket is ours to close. */
	MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

int qpd_server_wait_idle(qpd_server *srv, double seconds)
{
	double until = qpd_now() + seconds;
	while (atomic_load(&srv->active) > 0) {
		if (qpd_now() > until)
			return -1;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	return 0;
}

void qpd_server_stop(qpd_server *srv)
{
	if (srv == NULL)
		return;
	atomic_store(&srv->reaper_stop, 1);
	if (srv->have_reaper)
		pthread_join(srv->reaper, NULL);
	MHD_stop_daemon(srv->daemon);
	pthread_mutex_destroy(&srv->conns_lock);
	free(srv);
}
