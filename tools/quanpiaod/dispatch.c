/*
 * dispatch.c - the decisions about a request that need nothing but its
 * bytes: routing, the early refusals of a write, collecting the body,
 * parsing a write into the writer's job, and the answer to a done job.
 *
 * Everything here runs on the request's own thread and holds no lock;
 * the order of the checks is part of the interface (a request refused
 * for two reasons gets the first: route, draining, content type, size).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "dispatch.h"

/* ---- routing ----------------------------------------------------------------------------- */

/* Does path start with prefix followed by '/' and a non-empty tail without '/'?  Copies the tail. */
static int tail_of(qpd_request *q, const char *path, const char *prefix, const char *suffix)
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
static void route(qpd_request *q, const char *method, const char *path)
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
	    {"/verify", QPD_R_VERIFY, QPD_R_COUNT},
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
		else if (tail_of(q, path, "/v1/certificates", "/status"))
			g = QPD_R_CERT_STATUS;
		else if (tail_of(q, path, "/v1/certificates", NULL))
			g = QPD_R_CERT;
		else if (strncmp(path, "/tile/", 6) == 0 && strlen(path + 1) < sizeof(q->tail)) {
			/* The tiled log (c2sp.org/tlog-tiles): the tail is the path without its slash. */
			snprintf(q->tail, sizeof(q->tail), "%s", path + 1);
			g = QPD_R_TILE;
		} else
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

/* ---- the checks of a write before its body ------------------------------------------------ */

/* Is the Content-Type application/json (with parameters or not)? */
static int is_json(const char *ct)
{
	size_t n = strlen("application/json");
	return ct && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* Content type and declared size: refused before a byte of the body is read. */
static void check_write(qpd_request *q, size_t max_body, qpd_arg_fn header, void *header_ctx)
{
	const char *cl = header(header_ctx, "Content-Length");
	char msg[160];
	if (!is_json(header(header_ctx, "Content-Type"))) {
		qpd_problem(&q->reply, 415, "the body must be application/json");
		q->decided = 1;
	} else if (cl && strtoull(cl, NULL, 10) > max_body) {
		snprintf(msg, sizeof(msg), "the body of %s bytes is larger than the limit of %zu bytes", cl,
			 max_body);
		qpd_problem(&q->reply, 413, msg);
		q->decided = 1;
	}
}

void qpd_request_begin(qpd_request *q, const char *method, const char *path, int draining, size_t max_body,
		       qpd_arg_fn header, void *header_ctx)
{
	route(q, method, path);
	if (!q->decided && draining) {
		qpd_problem(&q->reply, 503, "the service is shutting down; try again");
		q->decided = 1;
	}
	if (!q->decided && q->post)
		check_write(q, max_body, header, header_ctx);
}

/* ---- the body ------------------------------------------------------------------------------- */

int qpd_request_body(qpd_request *q, const char *data, size_t n, size_t max_body)
{
	if (q->decided)
		return 0; /* answered already: drop the rest */
	if (q->body_len + n > max_body)
		return -1;
	if (q->body_len + n + 1 > q->body_cap) {
		size_t cap = q->body_cap ? q->body_cap : 1024;
		while (cap < q->body_len + n + 1)
			cap *= 2;
		/* Not realloc: the old buffer may hold personal data, and is zeroed before it goes. */
		char *grown = malloc(cap);
		if (grown == NULL)
			return -1;
		if (q->body) {
			memcpy(grown, q->body, q->body_len);
			sodium_memzero(q->body, q->body_cap);
			free(q->body);
		}
		q->body = grown;
		q->body_cap = cap;
	}
	memcpy(q->body + q->body_len, data, n);
	q->body_len += n;
	q->body[q->body_len] = '\0';
	return 0;
}

/* ---- the personal data of a write ------------------------------------------------------------ */

/* Zero every string of a parsed document before it is freed: the body may carry personal data. */
static void wipe_json(cJSON *item)
{
	for (; item; item = item->next) {
		if (item->valuestring)
			sodium_memzero(item->valuestring, strlen(item->valuestring));
		if (item->string)
			sodium_memzero(item->string, strlen(item->string));
		wipe_json(item->child);
	}
}

static int personal_problem(qpd_request *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int personal_problem(qpd_request *q, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	qp_personal_clear(&q->personal);
	qpd_problem(&q->reply, 400, msg);
	return -1;
}

/*
 * "personal": {"id_number": ID, "name": NAME, "salt": 64 hex digits},
 * exactly these members, each once, checked as the registry checks what
 * it stores (qp_personal_check).  Into q->personal.  The messages name the
 * member and the rule, never the value: the service does not repeat
 * personal data, not even to its sender.
 */
static int parse_personal(qpd_request *q, const cJSON *o)
{
	static const char *const names[3] = {"id_number", "name", "salt"};
	const cJSON *member[3] = {NULL, NULL, NULL}, *m;
	char norm[QP_RESIDENT_ID_LEN + 1];
	memset(&q->personal, 0, sizeof(q->personal));
	if (!cJSON_IsObject(o))
		return personal_problem(q, "malformed JSON: member \"personal\" must be an object with the "
					   "members \"id_number\", \"name\" and \"salt\"");
	cJSON_ArrayForEach(m, o)
	{
		size_t i = 0;
		while (i < 3 && strcmp(m->string, names[i]) != 0)
			i++;
		if (i == 3)
			return personal_problem(q,
						"member \"personal\": no member \"%.40s\" is allowed (only "
						"\"id_number\", \"name\" and \"salt\")",
						m->string);
		if (member[i])
			return personal_problem(q, "member \"personal.%s\" is given twice", names[i]);
		if (!cJSON_IsString(m))
			return personal_problem(q, "member \"personal.%s\" must be a string", names[i]);
		member[i] = m;
	}
	for (size_t i = 0; i < 3; i++)
		if (member[i] == NULL)
			return personal_problem(q, "member \"personal.%s\" is missing", names[i]);
	const char *id = member[0]->valuestring, *name = member[1]->valuestring;
	if (strlen(id) != QP_RESIDENT_ID_LEN || qp_ids_check_resident(norm, id, NULL) != QP_OK)
		return personal_problem(
		    q, "member \"personal.id_number\" must be a resident ID number (GB "
		       "11643): 18 characters, a real birth date and the right check character");
	if (strcmp(norm, id) != 0)
		return personal_problem(q, "member \"personal.id_number\": the check character must be "
					   "upper-case X, as the commitment is over the stored form");
	if (strlen(name) > QP_NAME_MAX_LEN)
		return personal_problem(q, "member \"personal.name\" must be text of 1 to %d bytes",
					QP_NAME_MAX_LEN);
	memcpy(q->personal.id_number, norm, sizeof(q->personal.id_number));
	memcpy(q->personal.name, name, strlen(name) + 1);
	if (qp_personal_check(&q->personal) != QP_OK) {
		/* The ID number passed above: the library's words are about the name and hold no value. */
		const char *why = qp_error_last()->message;
		if (strncmp(why, "name: ", 6) == 0)
			why += 6;
		return personal_problem(q, "member \"personal.name\" %s", why);
	}
	if (qp_personal_salt_parse(&q->personal, member[2]->valuestring) != QP_OK)
		return personal_problem(q, "member \"personal.salt\" must be %d hexadecimal digits",
					2 * QP_SALT_LEN);
	return 0;
}

/* ---- the job of a write ----------------------------------------------------------------------- */

int qpd_request_parse_write(qpd_request *q)
{
	char msg[256];
	int rc = -1;
	const char *member = q->route == QPD_R_ENTRIES_POST ? "note" : "cosignature";
	cJSON *doc = cJSON_ParseWithLength(q->body ? q->body : "", q->body_len);
	const cJSON *text = NULL, *size = NULL, *personal = NULL;
	memset(&q->job, 0, sizeof(q->job));
	if (!cJSON_IsObject(doc)) {
		snprintf(msg, sizeof(msg),
			 "malformed JSON: the body must be a JSON object with a string member \"%s\"",
			 member);
		qpd_problem(&q->reply, 400, msg);
		goto done;
	}
	text = cJSON_GetObjectItemCaseSensitive(doc, member);
	size = cJSON_GetObjectItemCaseSensitive(doc, "size");
	personal = cJSON_GetObjectItemCaseSensitive(doc, "personal");
	if (!cJSON_IsString(text)) {
		snprintf(msg, sizeof(msg), "malformed JSON: member \"%s\" must be a string", member);
		qpd_problem(&q->reply, 400, msg);
		goto done;
	}
	q->job.size = QP_LOG_LATEST;
	if (q->route == QPD_R_COSIGNATURES && size) {
		if (!cJSON_IsNumber(size) || size->valuedouble < 0 ||
		    size->valuedouble > 9007199254740992.0 ||
		    size->valuedouble != (double)(uint64_t)size->valuedouble) {
			qpd_problem(&q->reply, 400, "malformed JSON: member \"size\" must be a whole number");
			goto done;
		}
		q->job.size = (uint64_t)size->valuedouble;
	}
	/* Whether the entry commits to personal data is the registry's to judge, with the note parsed. */
	if (q->route == QPD_R_ENTRIES_POST && personal) {
		if (parse_personal(q, personal) != 0)
			goto done;
		q->job.personal = &q->personal;
	}
	if ((q->data = strdup(text->valuestring)) == NULL) {
		qpd_problem(&q->reply, 500, "out of memory");
		goto done;
	}
	q->job.kind = q->route == QPD_R_ENTRIES_POST ? QPD_JOB_ENTRY : QPD_JOB_COSIGN;
	q->job.data = q->data;
	q->job.len = strlen(q->data);
	rc = 0;
done:
	if (rc != 0) {
		q->job.personal = NULL;
		qp_personal_clear(&q->personal);
	}
	if (doc && personal)
		wipe_json(doc->child);
	cJSON_Delete(doc);
	return rc;
}

/* Forget the personal data a write carried: the parsed copy and the body it came in. */
static void forget_personal(qpd_request *q)
{
	q->job.personal = NULL;
	qp_personal_clear(&q->personal);
	if (q->body)
		sodium_memzero(q->body, q->body_cap);
}

void qpd_request_answer_write(qpd_request *q)
{
	forget_personal(q);
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

void qpd_request_clear(qpd_request *q)
{
	if (q == NULL)
		return;
	forget_personal(q);
	free(q->body);
	free(q->reply.body);
	free(q->job.checkpoint);
	free(q->data);
	memset(q, 0, sizeof(*q));
}
