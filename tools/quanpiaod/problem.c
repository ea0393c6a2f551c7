/*
 * problem.c - replies: JSON documents, text, and errors as
 * application/problem+json (RFC 9457) carrying the library's message, so
 * that a client shows the same reason the CLI gives on a local file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"

unsigned qpd_status_for(int qp_code)
{
	switch (qp_code) {
	case QP_OK: return 200;
	case QP_EUSAGE: return 400;
	case QP_EINVALID: return 422;
	case QP_EPERM: return 403;
	case QP_ECONFLICT: return 409;
	case QP_ENOTFOUND: return 404;
	case QP_EVERIFY: return 422;
	default: return 500;
	}
}

/* The title of a status and the last part of its problem type URI. */
static void status_words(unsigned status, const char **title, const char **slug)
{
	switch (status) {
	case 400: *title = "Bad Request", *slug = "malformed"; break;
	case 403: *title = "Forbidden", *slug = "not-permitted"; break;
	case 404: *title = "Not Found", *slug = "not-found"; break;
	case 405: *title = "Method Not Allowed", *slug = "method"; break;
	case 409: *title = "Conflict", *slug = "conflict"; break;
	case 413: *title = "Content Too Large", *slug = "too-large"; break;
	case 415: *title = "Unsupported Media Type", *slug = "content-type"; break;
	case 422: *title = "Unprocessable Content", *slug = "rejected"; break;
	case 503: *title = "Service Unavailable", *slug = "unavailable"; break;
	default: *title = "Internal Server Error", *slug = "internal"; break;
	}
}

void qpd_reply_json(qpd_reply *r, cJSON *doc)
{
	char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
	cJSON_Delete(doc);
	if (text == NULL) {
		qpd_problem(r, 500, "out of memory building the reply");
		return;
	}
	r->status = 200;
	r->content_type = QPD_JSON;
	r->body = text;
	r->body_len = strlen(text);
}

void qpd_reply_text(qpd_reply *r, char *text, size_t len)
{
	r->status = 200;
	r->content_type = QPD_TEXT;
	r->body = text;
	r->body_len = len;
}

void qpd_problem(qpd_reply *r, unsigned status, const char *detail)
{
	const char *title, *slug;
	char type[96];
	status_words(status, &title, &slug);
	/* A relative URI reference: the problem types are documented in docs/service.md. */
	snprintf(type, sizeof(type), "/problems/%s", slug);
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "type", type);
	cJSON_AddStringToObject(doc, "title", title);
	cJSON_AddNumberToObject(doc, "status", status);
	cJSON_AddStringToObject(doc, "detail", detail && detail[0] ? detail : title);
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	free(r->body);
	r->status = status;
	r->content_type = QPD_PROBLEM_JSON;
	/* Out of memory: a fixed body keeps the status honest. */
	if (text == NULL) {
		static const char fallback[] = "{\"title\":\"out of memory\"}";
		text = malloc(sizeof(fallback));
		if (text)
			memcpy(text, fallback, sizeof(fallback));
	}
	r->body = text;
	r->body_len = text ? strlen(text) : 0;
}

void qpd_problem_code(qpd_reply *r, int qp_code, const char *msg)
{
	if (msg == NULL) {
		const qp_error *e = qp_error_last();
		msg = e->message[0] ? e->message : qp_strerror(qp_code);
	}
	qpd_problem(r, qpd_status_for(qp_code), msg);
}
