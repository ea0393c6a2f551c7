/*
 * service.h - what the parts of quanpiaod share: the settings, the reply
 * a route produces, the writer's queue of jobs, the metrics.
 *
 * quanpiaod serves one registry over HTTP (libmicrohttpd).  Requests run
 * on a pool of event-driven threads (server.c); reads use a read-only
 * registry connection of their own thread (routes.c); every write goes
 * to one writer thread (writer.c) that appends whatever is waiting as one
 * transaction, signs a checkpoint covering it, and only then lets the
 * waiting requests answer.  The service holds the log key and no other.
 */
#ifndef QPD_SERVICE_H
#define QPD_SERVICE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include <quanpiao/quanpiao.h>

/* ---- settings -------------------------------------------------------------------------- */

typedef struct qpd_config {
	const char *db_path;
	const char *listen; /* "127.0.0.1:8080", "[::1]:0" */
	const char *log_key_path;
	const char *passphrase_file;
	unsigned threads;	  /* request threads (each with its read connection) */
	size_t max_body;	  /* bytes of a request body */
	size_t max_header;	  /* bytes of the request line and headers together */
	unsigned max_connections; /* open connections at once */
	unsigned timeout;	  /* seconds a connection may stay idle */
	unsigned max_batch;	  /* entries per group commit */
	unsigned drain_seconds;	  /* at most this long to finish requests on SIGTERM */
	unsigned max_per_address; /* open connections from one address at once */
	unsigned header_timeout;  /* seconds for a request line and its headers to arrive */
	const char *verify_page;  /* the web verifier page served at /verify, or NULL */
} qpd_config;

/* ---- replies ----------------------------------------------------------------------------- */

/* What a route answers: status, content type and body (malloc'd, owned by the reply). */
typedef struct qpd_reply {
	unsigned status;
	const char *content_type; /* static string */
	char *body;
	size_t body_len;
	const char *allow; /* for 405: the Allow header, static; else NULL */
	/*
	 * Public, cacheable answers (the tiled log, the checkpoint, the
	 * verifier page): Cache-Control (static; NULL: no-store), CORS for
	 * pages of any origin, and gzip when the client accepts it.
	 */
	const char *cache_control;
	int cors;
	int compressible;
} qpd_reply;

#define QPD_JSON	 "application/json"
#define QPD_PROBLEM_JSON "application/problem+json"
#define QPD_TEXT	 "text/plain; charset=utf-8"

/* The HTTP status for a QP_E* code (docs/design.md §4: the reasons the CLI gives). */
unsigned qpd_status_for(int qp_code);

/*
 * Set r to an application/problem+json reply (RFC 9457): type, title,
 * status, detail; detail is the library's message when there is one.
 */
void qpd_problem(qpd_reply *r, unsigned status, const char *detail);
/* The same for a library error code and its message (qp_error_last when msg is NULL). */
void qpd_problem_code(qpd_reply *r, int qp_code, const char *msg);
/* Set r to 200 with doc printed unformatted (doc is freed). */
void qpd_reply_json(qpd_reply *r, cJSON *doc);
/* Set r to 200 text/plain with text (malloc'd; the reply takes it). */
void qpd_reply_text(qpd_reply *r, char *text, size_t len);

/* ---- metrics -------------------------------------------------------------------------------- */

/* The routes, for counting requests by route. */
enum qpd_route {
	QPD_R_ENTRIES_POST,
	QPD_R_ENTRIES_GET,
	QPD_R_ENTRY_GET,
	QPD_R_HOMES,
	QPD_R_HOME,
	QPD_R_HOUSEHOLD,
	QPD_R_CERTS,
	QPD_R_CERT,
	QPD_R_CERT_HISTORY,
	QPD_R_CERT_STATUS,
	QPD_R_STATS,
	QPD_R_PROOF_INCLUSION,
	QPD_R_PROOF_CONSISTENCY,
	QPD_R_CHECKPOINT,
	QPD_R_COSIGNATURES,
	QPD_R_REGISTRY,
	QPD_R_HEALTHZ,
	QPD_R_METRICS,
	QPD_R_TILE,
	QPD_R_VERIFY,
	QPD_R_OTHER,
	QPD_R_COUNT
};

const char *qpd_route_name(enum qpd_route r);

void qpd_metrics_request(enum qpd_route route, unsigned status, double seconds);
void qpd_metrics_batch(size_t entries, size_t refused, double commit_seconds);
void qpd_metrics_append_latency(double seconds);
void qpd_metrics_tree_size(uint64_t size);
/* The Prometheus text exposition (malloc'd). */
char *qpd_metrics_text(size_t *len);

/* ---- who reads (auth.c) ---------------------------------------------------------------------- */

/*
 * The view of the request a thread is answering: its reader (NULL for
 * anyone: personal data masked) and whose personal data the answer shows
 * (household numbers, "entry N" for a person investor), for the access
 * record.  json.c asks qpd_view_reader whether to mask and calls
 * qpd_view_subject for what it shows in full.
 */
typedef struct qpd_view {
	const qp_access_reader *reader;
	char **subjects;
	size_t n, cap;
	int failed; /* out of memory noting a subject: the answer must not go out unrecorded */
} qpd_view;

void qpd_view_set(qpd_view *v);
const qp_access_reader *qpd_view_reader(void);
void qpd_view_subject(const char *subject);
void qpd_view_clear(qpd_view *v);

/*
 * Check a request's signature (RFC 9421): the key enrolled, an officer's
 * or auditor's, not revoked or expired, the signature good, created in
 * the window and the nonce not seen.  0 with *who filled in, or -1 with
 * a 403 in r.
 */
/* The service starts: no request signature created at or before this second is accepted. */
void qpd_auth_start(void);
/* Wait for the second of the start to pass (before listening). */
void qpd_auth_ready(void);
int qpd_authenticate(qpd_reply *r, qp_access_reader *who, const char *sig_input, const char *signature,
		     const char *method, const char *path, const char *query);

/* ---- the writer ----------------------------------------------------------------------------- */

enum qpd_job_kind { QPD_JOB_ENTRY, QPD_JOB_COSIGN, QPD_JOB_ACCESS };

/*
 * One write waiting for the writer.  The submitter owns the job and keeps
 * it alive until done is called (on the writer thread, once the outcome
 * is durable); the writer fills in the outcome.
 */
typedef struct qpd_job {
	enum qpd_job_kind kind;
	const char *data; /* the entry note, or the cosignature line */
	size_t len;
	/*
	 * The personal data the entry commits to (household.add, a person's
	 * home.activate), appended with it; NULL for any other entry.  Borrowed
	 * from the request, which zeroes it once the job is done.
	 */
	const qp_personal *personal;
	/*
	 * The public key that verified the note's signature on the request
	 * thread (qp_registry_verify_note), or NULL: the writer then checks the
	 * signer's role and state as ever, and verifies only if the enrolled key
	 * is another.
	 */
	const unsigned char *verified_key;
	/* An access record (QPD_JOB_ACCESS): data is the request, recorded for each subject. */
	const qp_access_reader *reader;
	const char *const *subjects;
	size_t nsubjects;
	uint64_t size;	  /* cosignature: the checkpoint size (QP_LOG_LATEST for the latest) */
	double queued_at; /* monotonic seconds */
	/* Outcome. */
	int result; /* QP_OK or a QP_E* code */
	char message[1024];
	uint64_t index;	  /* the entry's index */
	uint64_t cp_size; /* the size of the checkpoint that covers it */
	char *checkpoint; /* that checkpoint note (malloc'd; the submitter frees it) */
	qp_merkle_proof proof; /* the entry's inclusion proof in that checkpoint */
	void (*done)(struct qpd_job *job);
	void *ctx;
	struct qpd_job *next;
} qpd_job;

typedef struct qpd_writer qpd_writer;

/*
 * Start the writer on its own read-write connection to db_path, with the
 * log key (borrowed; it must outlive the writer).  Signs a checkpoint of
 * the whole log at once, so that a wrong log key is found at start.
 * Returns QP_OK or a QP_E* code with the message.
 */
int qpd_writer_start(qpd_writer **out, const char *db_path, const qp_key *log_key, unsigned max_batch);
/* Queue a job; QP_ECONFLICT (shutting down) if the writer takes no more. */
int qpd_writer_submit(qpd_writer *w, qpd_job *job);
/*
 * Take no more jobs, finish every queued one, and stop the thread.  The
 * writer stays allocated: a request still being read may submit after
 * this and is refused (QP_ECONFLICT).  NULL is fine.
 */
void qpd_writer_stop(qpd_writer *w);
/* Free a stopped writer, once nothing can submit to it (the server is stopped).  NULL is fine. */
void qpd_writer_free(qpd_writer *w);

/* ---- reads ------------------------------------------------------------------------------------ */

/* The read-only registry of the calling thread (opened on first use; closed when the thread ends). */
int qpd_reader(qp_registry **out);
/* Set the path readers open; once, before the server starts. */
void qpd_reader_init(const char *db_path);

/* A read route's query arguments, looked up by name (NULL when absent). */
typedef const char *(*qpd_arg_fn)(void *ctx, const char *name);

/* Run a GET route: path is the URL path, tail what follows the route's prefix. */
void qpd_route_get(qpd_reply *r, enum qpd_route route, const char *tail, qpd_arg_fn arg, void *arg_ctx);

/*
 * The web verifier page GET /verify serves (quanpiaod --verify-page FILE,
 * made by web/mkverify); the routes take page (malloc'd) and keep it for
 * the life of the process.  Without one, /verify is 404.
 */
void qpd_set_verify_page(char *page, size_t len);

/* Answer a POST /v1/entries whose job is done: index, checkpoint, proof, certificates. */
void qpd_route_entry_done(qpd_reply *r, const qpd_job *job);

/* ---- JSON records (json.c), resident IDs always masked ------------------------------------ */

cJSON *qpd_json_village(const qp_village *v);
cJSON *qpd_json_household(const qp_household *h);
cJSON *qpd_json_home(const qp_home *h);
cJSON *qpd_json_activation(const qp_activation *a);
cJSON *qpd_json_home_event(const qp_home_event *e);
cJSON *qpd_json_cert(qp_registry *reg, const qp_cert *c);
cJSON *qpd_json_cert_event(const qp_cert_event *e);
cJSON *qpd_json_stats(const qp_stats *s, int year);

/* Monotonic seconds. */
double qpd_now(void);

#endif
