/*
 * server.c - HTTP with libmicrohttpd: routing, limits, and the hand-over
 * of writes to the writer.
 *
 * The daemon runs a pool of epoll threads; each serves many connections
 * and never blocks on a client, so a slow client holds a socket and some
 * memory, never a thread, and is dropped after the idle timeout.  A write
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
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "server.h"

struct qpd_server {
	struct MHD_Daemon *daemon;
	qpd_writer *writer;
	const qpd_config *cfg;
	atomic_int draining;
	atomic_long active; /* requests presented to the handler and not yet completed */
	char address[128];
};

enum job_state { JOB_NONE, JOB_WAITING, JOB_DONE };

/* One request, from its first handler call to its completion callback. */
typedef struct request {
	qpd_server *srv;
	struct MHD_Connection *conn;
	enum qpd_route route;
	char tail[160]; /* what follows the route's prefix: a unit, an ID, an index */
	int post;	/* takes a body */
	int decided;	/* reply is set; any body is read and dropped */
	double start;
	char *body;
	size_t body_len, body_cap;
	qpd_reply reply;
	unsigned status;
	qpd_job job;
	atomic_int job_state;
	char *data; /* the note or the cosignature line the job points to */
} request;

/* ---- routing ----------------------------------------------------------------------------- */

/* Does path start with prefix followed by '/' and a non-empty tail without '/'?  Copies the tail. */
static int tail_of(request *q, const char *path, const char *prefix, const char *suffix)
{
	size_t n = strlen(prefix);
	if (strncmp(path, prefix, n) != 0 || path[n] != '/' || path[n + 1] == '\0')
		return 0;
	const char *t = path + n + 1, *slash = strchr(t, '/');
	size_t len = slash ? (size_t)(slash - t) : strlen(t);
	if (suffix ? (slash == NULL || strcmp(slash, suffix) != 0) : slash != NULL)
		return 0;
	if (len >= sizeof(q->tail))
		return 0;
	memcpy(q->tail, t, len);
	q->tail[len] = '\0';
	return 1;
}

/* Find the route; sets q->decided with a 404 or 405 when there is none for this method. */
static void route(request *q, const char *method, const char *path)
{
	static const struct {
		const char *path;
		enum qpd_route get, post;
	} exact[] = {
	    {"/healthz", QPD_R_HEALTHZ, QPD_R_COUNT},
	    {"/metrics", QPD_R_METRICS, QPD_R_COUNT},
	    {"/checkpoint", QPD_R_CHECKPOINT, QPD_R_COUNT},
	    {"/v1/registry", QPD_R_REGISTRY, QPD_R_COUNT},
	    {"/v1/entries", QPD_R_ENTRIES_GET, QPD_R_ENTRIES_POST},
	    {"/v1/homes", QPD_R_HOMES, QPD_R_COUNT},
	    {"/v1/certificates", QPD_R_CERTS, QPD_R_COUNT},
	    {"/v1/stats", QPD_R_STATS, QPD_R_COUNT},
	    {"/v1/proof/inclusion", QPD_R_PROOF_INCLUSION, QPD_R_COUNT},
	    {"/v1/proof/consistency", QPD_R_PROOF_CONSISTENCY, QPD_R_COUNT},
	    {"/v1/cosignatures", QPD_R_COUNT, QPD_R_COSIGNATURES},
	};
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	int post = strcmp(method, "POST") == 0;
	enum qpd_route g = QPD_R_COUNT, p = QPD_R_COUNT;
	int found = 0;
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(path, exact[i].path) == 0) {
			g = exact[i].get;
			p = exact[i].post;
			found = 1;
		}
	if (!found) {
		found = 1;
		if (tail_of(q, path, "/v1/entries", NULL))
			g = QPD_R_ENTRY_GET;
		else if (tail_of(q, path, "/v1/homes", NULL))
			g = QPD_R_HOME;
		else if (tail_of(q, path, "/v1/households", NULL))
			g = QPD_R_HOUSEHOLD;
		else if (tail_of(q, path, "/v1/certificates", "/history"))
			g = QPD_R_CERT_HISTORY;
		else if (tail_of(q, path, "/v1/certificates", NULL))
			g = QPD_R_CERT;
		else
			found = 0;
	}
	q->route = QPD_R_OTHER;
	if (!found) {
		qpd_problem(&q->reply, 404, "no such resource");
		q->decided = 1;
	} else if (get && g != QPD_R_COUNT) {
		q->route = g;
	} else if (post && p != QPD_R_COUNT) {
		q->route = p;
		q->post = 1;
	} else {
		char msg[96];
		snprintf(msg, sizeof(msg), "%s is not allowed here; use %s", method,
			 g != QPD_R_COUNT && p != QPD_R_COUNT ? "GET or POST"
			 : g != QPD_R_COUNT		      ? "GET"
							      : "POST");
		qpd_problem(&q->reply, 405, msg);
		q->reply.allow = g != QPD_R_COUNT && p != QPD_R_COUNT ? "GET, HEAD, POST"
				 : g != QPD_R_COUNT		      ? "GET, HEAD"
								      : "POST";
		q->decided = 1;
	}
}

/* ---- replies ----------------------------------------------------------------------------- */

static enum MHD_Result send_reply(request *q)
{
	qpd_reply *r = &q->reply;
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    r->body_len, r->body, r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	r->body = NULL; /* the response owns it now */
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
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

/* Is the request's Content-Type application/json (with parameters or not)? */
static int is_json(struct MHD_Connection *conn)
{
	const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen("application/json");
	return ct && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* The first checks of a write, before its body is read: draining, content type, declared size. */
static void check_write(request *q)
{
	const qpd_config *cfg = q->srv->cfg;
	const char *cl =
	    MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	char msg[160];
	if (!is_json(q->conn)) {
		qpd_problem(&q->reply, 415, "the body must be application/json");
		q->decided = 1;
	} else if (cl && strtoull(cl, NULL, 10) > cfg->max_body) {
		snprintf(msg, sizeof(msg), "the body of %s bytes is larger than the limit of %zu bytes", cl,
			 cfg->max_body);
		qpd_problem(&q->reply, 413, msg);
		q->decided = 1;
	}
}

/* ---- writes -------------------------------------------------------------------------------- */

/* Runs on the writer thread once the job's outcome is durable. */
static void job_done(qpd_job *job)
{
	request *q = job->ctx;
	atomic_store(&q->job_state, JOB_DONE);
	MHD_resume_connection(q->conn);
}

/* Parse the body of a write into a job; on a problem set the reply instead. */
static int parse_write(request *q)
{
	char msg[256];
	const char *member = q->route == QPD_R_ENTRIES_POST ? "note" : "cosignature";
	cJSON *doc = cJSON_ParseWithLength(q->body ? q->body : "", q->body_len);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		snprintf(msg, sizeof(msg),
			 "malformed JSON: the body must be a JSON object with a string member \"%s\"",
			 member);
		qpd_problem(&q->reply, 400, msg);
		return -1;
	}
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(doc, member);
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(doc, "size");
	if (!cJSON_IsString(text)) {
		snprintf(msg, sizeof(msg), "malformed JSON: member \"%s\" must be a string", member);
		qpd_problem(&q->reply, 400, msg);
		cJSON_Delete(doc);
		return -1;
	}
	memset(&q->job, 0, sizeof(q->job));
	q->job.size = QP_LOG_LATEST;
	if (q->route == QPD_R_COSIGNATURES && size) {
		if (!cJSON_IsNumber(size) || size->valuedouble < 0 ||
		    size->valuedouble > 9007199254740992.0 ||
		    size->valuedouble != (double)(uint64_t)size->valuedouble) {
			qpd_problem(&q->reply, 400, "malformed JSON: member \"size\" must be a whole number");
			cJSON_Delete(doc);
			return -1;
		}
		q->job.size = (uint64_t)size->valuedouble;
	}
	q->data = strdup(text->valuestring);
	cJSON_Delete(doc);
	if (q->data == NULL) {
		qpd_problem(&q->reply, 500, "out of memory");
		return -1;
	}
	q->job.kind = q->route == QPD_R_ENTRIES_POST ? QPD_JOB_ENTRY : QPD_JOB_COSIGN;
	q->job.data = q->data;
	q->job.len = strlen(q->data);
	q->job.done = job_done;
	q->job.ctx = q;
	return 0;
}

static enum MHD_Result start_write(request *q)
{
	if (parse_write(q) != 0)
		return send_reply(q);
	/* Suspend before queueing: the writer may resume as soon as the job is in. */
	atomic_store(&q->job_state, JOB_WAITING);
	MHD_suspend_connection(q->conn);
	if (qpd_writer_submit(q->srv->writer, &q->job) != QP_OK) {
		atomic_store(&q->job_state, JOB_NONE);
		qpd_problem(&q->reply, 503, "the service is shutting down; try again");
		q->decided = 1;
		MHD_resume_connection(q->conn);
	}
	return MHD_YES;
}

static void write_answer(request *q)
{
	if (q->route == QPD_R_ENTRIES_POST) {
		qpd_route_entry_done(&q->reply, &q->job);
		return;
	}
	if (q->job.result != QP_OK) {
		qpd_problem_code(&q->reply, q->job.result, q->job.message);
		return;
	}
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "status", "added");
	qpd_reply_json(&q->reply, doc);
}

/* ---- the handler ----------------------------------------------------------------------------- */

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size,
			      void **con_cls)
{
	qpd_server *srv = cls;
	request *q = *con_cls;
	if (q == NULL) {
		if ((q = calloc(1, sizeof(*q))) == NULL)
			return MHD_NO;
		q->srv = srv;
		q->conn = conn;
		q->start = qpd_now();
		*con_cls = q;
		atomic_fetch_add(&srv->active, 1);
		route(q, method, url);
		if (!q->decided && atomic_load(&srv->draining)) {
			qpd_problem(&q->reply, 503, "the service is shutting down; try again");
			q->decided = 1;
		}
		if (!q->decided && q->post)
			check_write(q);
		/*
		 * A refused write is answered at once, before its body is read (and
		 * the connection closed).  Everything else is answered on the next
		 * call, once libmicrohttpd has the whole request: an answer queued
		 * now would count as an early one and close a kept-alive connection.
		 */
		if (q->decided && q->post)
			return send_reply(q);
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (q->decided)
			return MHD_YES; /* answered already: drop the rest */
		if (q->body_len + n > srv->cfg->max_body) {
			/* A body without a Content-Length that grows too large: stop reading it. */
			return MHD_NO;
		}
		if (q->body_len + n + 1 > q->body_cap) {
			size_t cap = q->body_cap ? q->body_cap : 1024;
			while (cap < q->body_len + n + 1)
				cap *= 2;
			char *grown = realloc(q->body, cap);
			if (grown == NULL)
				return MHD_NO;
			q->body = grown;
			q->body_cap = cap;
		}
		memcpy(q->body + q->body_len, upload_data, n);
		q->body_len += n;
		q->body[q->body_len] = '\0';
		return MHD_YES;
	}
	if (q->status != 0)
		return MHD_YES; /* already queued */
	if (atomic_load(&q->job_state) == JOB_DONE) {
		write_answer(q);
		return send_reply(q);
	}
	if (q->decided)
		return send_reply(q);
	if (!q->post) {
		qpd_route_get(&q->reply, q->route, q->tail, get_arg, conn);
		return send_reply(q);
	}
	return start_write(q);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	qpd_server *srv = cls;
	request *q = *con_cls;
	if (q == NULL)
		return;
	qpd_metrics_request(q->route, q->status, qpd_now() - q->start);
	free(q->body);
	free(q->reply.body);
	free(q->job.checkpoint);
	free(q->data);
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
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	srv->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, handle, srv, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)cfg->timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->max_header,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
	    MHD_OPTION_END);
	if (srv->daemon == NULL) {
		fprintf(stderr, "quanpiaod: cannot listen on %s\n", cfg->listen);
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
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
