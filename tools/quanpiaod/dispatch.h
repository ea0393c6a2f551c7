/*
 * dispatch.h - what quanpiaod decides about a request from its bytes
 * alone (dispatch.c): the route of a method and path, the checks a write
 * passes before its body is read, the body as it arrives, the job a
 * write's body asks for, and the answer once the job is done.
 *
 * None of it touches a socket or libmicrohttpd: server.c feeds it from
 * the library's callbacks, and the fuzz target tests/fuzz/fuzz_http.c
 * feeds it from plain bytes, so both run the same decisions.
 */
#ifndef QPD_DISPATCH_H
#define QPD_DISPATCH_H

#include "service.h"

#define QPD_TAIL_MAX 160

/* One request as far as it is decided.  Zero it before qpd_request_begin; clear it with qpd_request_clear. */
typedef struct qpd_request {
	enum qpd_route route;
	char tail[QPD_TAIL_MAX]; /* what follows the route's prefix: a unit, an ID, an index */
	int post;		 /* takes a body */
	int decided;		 /* reply is set; any body is read and dropped */
	qpd_reply reply;
	char *body; /* what arrived of the body, NUL-terminated (owned) */
	size_t body_len, body_cap;
	qpd_job job;	      /* a write's job, once its body is parsed */
	char *data;	      /* the note or the cosignature line job.data points to (owned) */
	qp_personal personal; /* what job.personal points to, if the body has it; zeroed when done */
} qpd_request;

/*
 * Route method and path, then the checks before any body: while
 * draining everything gets 503; a write must be application/json and
 * declare (if it declares) no more than max_body bytes.  header looks up
 * a request header by name (NULL when absent) and is called only for
 * writes.  Sets q->route (QPD_R_OTHER when there is none), q->tail and
 * q->post, or q->decided with the problem in q->reply.
 */
void qpd_request_begin(qpd_request *q, const char *method, const char *path, int draining, size_t max_body,
		       qpd_arg_fn header, void *header_ctx);

/*
 * Take the next n bytes of the body.  Returns 0, or -1 when the body
 * would pass max_body (a body sent without a Content-Length) or memory
 * runs out: the connection is to be dropped without an answer.  A
 * decided request drops what arrives.
 */
int qpd_request_body(qpd_request *q, const char *data, size_t n, size_t max_body);

/*
 * Parse the body of a write (POST /v1/entries {"note": ..., "personal":
 * {"id_number": ..., "name": ..., "salt": ...}} with "personal" optional,
 * POST /v1/cosignatures {"cosignature": ..., "size": N}) into q->job:
 * kind, data, len, personal (NULL when not given) and size
 * (QP_LOG_LATEST when not given).  Returns 0, or -1 with a problem in
 * q->reply (400 naming the member; never the personal data's values).
 * The caller sets job.done and job.ctx.
 */
int qpd_request_parse_write(qpd_request *q);

/* The answer to a write whose job is done, in q->reply; the personal data is zeroed first. */
void qpd_request_answer_write(qpd_request *q);

/* Free what q owns, the body and the personal data zeroed first (NULL is fine); q may be used again. */
void qpd_request_clear(qpd_request *q);

#endif
