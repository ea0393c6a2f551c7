/*
 * fuzz_http.c - the service's request handling (tools/quanpiaod): routes,
 * query parameters, write bodies and the problem replies, run through
 * the same code the server runs (dispatch.c, routes.c) against the
 * fixture registry, made once per process, without a socket.
 *
 * The input is a request much as it goes over the wire:
 *
 *	METHOD SP TARGET [SP anything] LF
 *	Name: value LF		(headers, up to the first empty line)
 *	LF
 *	body			(the rest of the input, as it is)
 *
 * A CR before a LF is dropped.  TARGET is PATH[?QUERY].  As libmicrohttpd
 * does, the query is split at '&' and '=', its names and values are
 * percent-decoded with '+' as a space, the path is percent-decoded, and
 * names (of arguments and of headers) are looked up without case, the
 * first one winning.  The body arrives in pieces of 512 bytes, with a
 * limit of 2048 bytes (a longer body drops the connection unanswered).
 *
 * Reads run the real handlers on this thread's read-only connection.  A
 * write whose body parses is not appended: a stand-in for the writer
 * gives it an outcome chosen by the length of its note or cosignature
 * (appended at some index, or refused with one of the library's codes),
 * and the answer is built from that as the server builds it.
 *
 * Besides never crashing or leaking, every answer has a status the
 * service documents and a body; only a 405 has an Allow header; JSON
 * bodies parse; a problem has a type, a title, the reply's status and a
 * detail; a read is never a 500; and no 200 reply about the registry's
 * state shows a resident ID number unmasked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dispatch.h"
#include "fuzz.h"

#define MAX_BODY 2048
#define PIECE	 512
#define MAX_ARGS 64

/* Names and values of the query or of the headers, in the order given. */
typedef struct pairs {
	struct {
		const char *name, *value; /* value NULL: a query name without '=' */
	} p[MAX_ARGS];
	size_t n;
} pairs;

static int ready;
static char *checkpoint; /* the fixture's latest checkpoint note */
static uint64_t checkpoint_size;

static void init(void)
{
	qp_registry *reg, *reader = NULL;
	size_t len = 0;
	fz_init();
	/* Kept open read-write, as the service's writer keeps it. */
	reg = fz_registry_reset();
	fz_check(qp_log_checkpoint(&checkpoint, &len, &checkpoint_size, reg, QP_LOG_LATEST), "checkpoint");
	qpd_reader_init(fz_registry_path());
	/* Opened now, so that the first input allocates no more than any other. */
	fz_check(qpd_reader(&reader), "reader");
	ready = 1;
}

/* ---- the request from bytes -------------------------------------------------------------- */

static const char *lookup(void *ctx, const char *name)
{
	const pairs *ps = ctx;
	for (size_t i = 0; i < ps->n; i++)
		if (strcasecmp(ps->p[i].name, name) == 0)
			return ps->p[i].value;
	return NULL;
}

static int hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s in place ('+' as a space too when plus); a bad escape stays as it is. */
static void unescape(char *s, int plus)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		int hi, lo;
		if (*r == '%' && (hi = hex(r[1])) >= 0 && (lo = hex(r[2])) >= 0) {
			*w++ = (char)(hi << 4 | lo);
			r += 2;
		} else {
			*w++ = plus && *r == '+' ? ' ' : *r;
		}
	}
	*w = '\0';
}

static void parse_query(pairs *ps, char *q)
{
	while (q && ps->n < MAX_ARGS) {
		char *amp = strchr(q, '&'), *eq;
		if (amp)
			*amp = '\0';
		if (q[0] != '\0') {
			if ((eq = strchr(q, '=')) != NULL) {
				*eq = '\0';
				unescape(eq + 1, 1);
			}
			unescape(q, 1);
			ps->p[ps->n].name = q;
			ps->p[ps->n++].value = eq ? eq + 1 : NULL;
		}
		q = amp ? amp + 1 : NULL;
	}
}

/* "Name: value", the value without the blanks around it; a line without a name is ignored. */
static void add_header(pairs *ps, char *line)
{
	char *colon = strchr(line, ':'), *v, *end;
	if (colon == NULL || colon == line || ps->n >= MAX_ARGS)
		return;
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
		end[-1] = '\0';
	ps->p[ps->n].name = line;
	ps->p[ps->n++].value = v;
}

/* The next line of [*p, end) as a string (its LF, and a CR before it, cut off); NULL at the end. */
static char *next_line(char **p, char *end)
{
	char *line = *p, *nl, *stop;
	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	stop = nl ? nl : end;
	*p = nl ? nl + 1 : end;
	if (stop > line && stop[-1] == '\r')
		stop--;
	*stop = '\0';
	return line;
}

/* ---- the writer's stand-in ------------------------------------------------------------------ */

static const int outcomes[] = {QP_OK,	   QP_EINVALID,	 QP_EPERM, QP_ECONFLICT,
			       QP_EVERIFY, QP_ENOTFOUND, QP_EIO,   QP_OK};

/* What the writer would report, chosen by the job's length; nothing is written. */
static void stand_in_writer(qpd_job *job)
{
	job->result = outcomes[job->len % (sizeof(outcomes) / sizeof(outcomes[0]))];
	if (job->result != QP_OK) {
		snprintf(job->message, sizeof(job->message), "refused: %.64s", job->data);
		return;
	}
	if (job->kind == QPD_JOB_ENTRY) {
		/* An index one past the checkpoint has no proof: the answer says so (500). */
		job->index = job->len % (checkpoint_size + 1);
		job->cp_size = checkpoint_size;
		job->checkpoint = strdup(checkpoint);
		if (job->checkpoint == NULL)
			abort();
	}
}

/* A parsed write asks for exactly what its body says. */
static void check_job(const qpd_request *q)
{
	const qpd_job *job = &q->job;
	const char *member = q->route == QPD_R_ENTRIES_POST ? "note" : "cosignature";
	cJSON *doc = cJSON_ParseWithLength(q->body ? q->body : "", q->body_len);
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(doc, member);
	if (!cJSON_IsObject(doc) || !cJSON_IsString(text) || job->data != q->data ||
	    job->len != strlen(job->data) || strcmp(job->data, text->valuestring) != 0 ||
	    job->kind != (q->route == QPD_R_ENTRIES_POST ? QPD_JOB_ENTRY : QPD_JOB_COSIGN) ||
	    (q->route == QPD_R_ENTRIES_POST && job->size != QP_LOG_LATEST))
		abort();
	/* The personal data, when the body has it, is exactly what it says, and checked. */
	const cJSON *pd = cJSON_GetObjectItemCaseSensitive(doc, "personal");
	if (q->route != QPD_R_ENTRIES_POST || pd == NULL) {
		if (job->personal != NULL)
			abort();
	} else {
		char salt[2 * QP_SALT_LEN + 1];
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(pd, "id_number");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(pd, "name");
		const cJSON *hex = cJSON_GetObjectItemCaseSensitive(pd, "salt");
		if (job->personal != &q->personal || cJSON_GetArraySize(pd) != 3 || !cJSON_IsString(id) ||
		    !cJSON_IsString(name) || !cJSON_IsString(hex) ||
		    strcmp(id->valuestring, job->personal->id_number) != 0 ||
		    strcmp(name->valuestring, job->personal->name) != 0 ||
		    qp_personal_check(job->personal) != QP_OK)
			abort();
		qp_personal_salt_hex(salt, job->personal);
		if (strcasecmp(salt, hex->valuestring) != 0)
			abort();
	}
	cJSON_Delete(doc);
}

/* How often needle occurs in the len bytes at hay. */
static size_t occurrences(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), count = 0;
	for (size_t i = 0; n > 0 && i + n <= len; i++)
		count += memcmp(hay + i, needle, n) == 0;
	return count;
}

static int zeroed(const void *p, size_t len)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/*
 * The resident ID number a write's body gives as personal data, if any
 * and if the body has it nowhere else (copied to out): the answer must
 * never repeat it.
 */
static int personal_id(char out[QP_RESIDENT_ID_LEN + 1], const qpd_request *q)
{
	cJSON *doc = q->body ? cJSON_ParseWithLength(q->body, q->body_len) : NULL;
	const cJSON *pd = cJSON_GetObjectItemCaseSensitive(doc, "personal");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(pd, "id_number");
	int found = cJSON_IsString(id) && strlen(id->valuestring) == QP_RESIDENT_ID_LEN &&
		    occurrences(q->body, q->body_len, id->valuestring) == 1;
	if (found)
		memcpy(out, id->valuestring, QP_RESIDENT_ID_LEN + 1);
	cJSON_Delete(doc);
	return found;
}

/* ---- the answer ------------------------------------------------------------------------------ */

static void fail(const qpd_request *q, const char *why)
{
	const qpd_reply *r = &q->reply;
	fprintf(stderr, "http: %s: route %s, status %u, %s: %.*s\n", why, qpd_route_name(q->route), r->status,
		r->content_type ? r->content_type : "(no type)", r->body ? (int)r->body_len : 6,
		r->body ? r->body : "(none)");
	abort();
}

/* Routes whose 200 answer shows the registry's state, where resident IDs are masked. */
static int shows_state(enum qpd_route route)
{
	switch (route) {
	case QPD_R_HOMES:
	case QPD_R_HOME:
	case QPD_R_HOUSEHOLD:
	case QPD_R_CERTS:
	case QPD_R_CERT:
	case QPD_R_CERT_HISTORY:
	case QPD_R_STATS:
	case QPD_R_REGISTRY:
	case QPD_R_ENTRIES_POST: return 1;
	default: return 0;
	}
}

static void check_problem(const qpd_request *q)
{
	const qpd_reply *r = &q->reply;
	cJSON *doc = cJSON_ParseWithLength(r->body, r->body_len);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
	const cJSON *title = cJSON_GetObjectItemCaseSensitive(doc, "title");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(doc, "status");
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(doc, "detail");
	if (!cJSON_IsString(type) || strncmp(type->valuestring, "/problems/", 10) != 0 ||
	    !cJSON_IsString(title) || title->valuestring[0] == '\0' || !cJSON_IsNumber(status) ||
	    status->valuedouble != (double)r->status || !cJSON_IsString(detail) ||
	    detail->valuestring[0] == '\0')
		fail(q, "malformed problem");
	cJSON_Delete(doc);
}

static void check_reply(const qpd_request *q)
{
	static const unsigned documented[] = {200, 400, 403, 404, 405, 409, 413, 415, 422, 500, 503};
	static const char *const residents[] = {FZ_H1, FZ_H2, FZ_H3, FZ_H4, FZ_H5};
	const qpd_reply *r = &q->reply;
	size_t i = 0;
	while (i < sizeof(documented) / sizeof(documented[0]) && documented[i] != r->status)
		i++;
	if (i == sizeof(documented) / sizeof(documented[0]))
		fail(q, "undocumented status");
	if (r->body == NULL || r->content_type == NULL)
		fail(q, "no body");
	if ((r->status == 405) != (r->allow != NULL))
		fail(q, "Allow header");
	/* A write may fail after the fact (the stand-in's I/O error); a read has no such excuse. */
	if (r->status == 500 && !q->post && !fz_known("http-read-500"))
		fail(q, "a read failed inside");
	if (strcmp(r->content_type, QPD_PROBLEM_JSON) == 0) {
		if (r->status == 200 || strlen(r->body) != r->body_len)
			fail(q, "problem body");
		check_problem(q);
		return;
	}
	if (r->status != 200)
		fail(q, "an error that is not a problem");
	if (strcmp(r->content_type, QPD_JSON) != 0)
		return;
	cJSON *doc = cJSON_ParseWithLength(r->body, r->body_len);
	if (!cJSON_IsObject(doc) || strlen(r->body) != r->body_len)
		fail(q, "malformed JSON");
	cJSON_Delete(doc);
	for (i = 0; shows_state(q->route) && i < sizeof(residents) / sizeof(residents[0]); i++)
		if (strstr(r->body, residents[i]) != NULL)
			fail(q, "a resident ID unmasked");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pairs headers = {0}, query = {0};
	char pid[QP_RESIDENT_ID_LEN + 1];
	int has_pid = 0;
	qpd_request q = {0};
	char *in, *cur, *end, *line, *method, *target, *cut;
	if (!ready)
		init();
	if ((in = malloc(size + 1)) == NULL)
		abort();
	memcpy(in, data, size);
	in[size] = '\0';
	cur = in;
	end = in + size;
	if ((method = next_line(&cur, end)) == NULL)
		goto done;
	while ((line = next_line(&cur, end)) != NULL && line[0] != '\0')
		add_header(&headers, line);
	/* The request line: the method, the target up to the next space, and what follows ignored. */
	target = strchr(method, ' ');
	if (target)
		*target++ = '\0';
	else
		target = method + strlen(method);
	if ((cut = strchr(target, ' ')) != NULL)
		*cut = '\0';
	if ((cut = strchr(target, '?')) != NULL) {
		*cut = '\0';
		parse_query(&query, cut + 1);
	}
	unescape(target, 0);

	qpd_request_begin(&q, method, target, 0, MAX_BODY, lookup, &headers);
	for (size_t off = 0; off < (size_t)(end - cur); off += PIECE) {
		size_t n = (size_t)(end - cur) - off < PIECE ? (size_t)(end - cur) - off : PIECE;
		if (qpd_request_body(&q, cur + off, n, MAX_BODY) != 0) {
			/* Dropped unanswered: only a body over the limit does that. */
			if (q.decided || q.body_len + n <= MAX_BODY)
				abort();
			goto clear;
		}
	}
	if (q.decided) {
		/* Answered without reading a byte of the body. */
		if (q.body != NULL)
			abort();
	} else if (!q.post) {
		qpd_route_get(&q.reply, q.route, q.tail, lookup, &query);
	} else if ((has_pid = personal_id(pid, &q)), qpd_request_parse_write(&q) == 0) {
		check_job(&q);
		stand_in_writer(&q.job);
		qpd_request_answer_write(&q);
		/* Answered: the personal data, and the body that brought it, are zeroed. */
		if (!zeroed(&q.personal, sizeof(q.personal)) || (q.body && !zeroed(q.body, q.body_len)) ||
		    q.job.personal != NULL)
			fail(&q, "personal data left after the answer");
	} else if (q.reply.status != 400) {
		fail(&q, "a write's body refused other than with 400");
	}
	if (getenv("QP_FUZZ_VERBOSE"))
		fprintf(stderr, "http: %s %s -> %u %.*s\n", method, target, q.reply.status,
			q.reply.body ? (int)q.reply.body_len : 0, q.reply.body ? q.reply.body : "");
	check_reply(&q);
	if (has_pid && q.reply.body && occurrences(q.reply.body, q.reply.body_len, pid) != 0)
		fail(&q, "the answer repeats the personal data's ID number");
	qpd_metrics_request(q.route, q.reply.status, 0.0);
clear:
	qpd_request_clear(&q);
done:
	free(in);
	return 0;
}
