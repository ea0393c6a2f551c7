/*
 * auth.c - who is reading: a request signed with an enrolled officer or
 * auditor key (RFC 9421, quanpiao/httpsig.h) reads personal data, anyone
 * else reads it masked.  The nonces of the validity window are kept so
 * that a signed request is served once; the view of the request being
 * answered is per thread (a GET is answered on the thread that read it),
 * and collects whose personal data the answer shows, for the access record.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "service.h"

/* ---- the view of the request being answered ------------------------------------------------ */

static _Thread_local qpd_view *current;

void qpd_view_set(qpd_view *v)
{
	current = v;
}

const qp_access_reader *qpd_view_reader(void)
{
	return current ? current->reader : NULL;
}

void qpd_view_subject(const char *subject)
{
	qpd_view *v = current;
	if (v == NULL || v->reader == NULL)
		return;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->subjects[i], subject) == 0)
			return;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		char **grown = realloc(v->subjects, cap * sizeof(*grown));
		if (grown == NULL) {
			v->failed = 1;
			return;
		}
		v->subjects = grown;
		v->cap = cap;
	}
	if ((v->subjects[v->n] = strdup(subject)) == NULL)
		v->failed = 1;
	else
		v->n++;
}

void qpd_view_clear(qpd_view *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->subjects[i]);
	free(v->subjects);
	v->subjects = NULL;
	v->n = v->cap = 0;
}

/* ---- the nonces of the window ---------------------------------------------------------------- */

#define NONCE_BUCKETS 4096
#define NONCE_MAX     200000 /* nonces held at once; beyond, signed reads wait for the window to pass */

typedef struct nonce {
	struct nonce *next;
	int64_t until;
	char text[QP_KEY_NAME_MAX + QP_HTTPSIG_NONCE_MAX + 16];
} nonce;

static pthread_mutex_t nonce_lock = PTHREAD_MUTEX_INITIALIZER;
static nonce *buckets[NONCE_BUCKETS];
static size_t nonces;

/* 1 if the nonce is new (and now kept until it leaves the window), 0 if seen, -1 if full. */
static int nonce_take(const qp_httpsig *sig, int64_t now)
{
	char text[sizeof(((nonce *)0)->text)];
	snprintf(text, sizeof(text), "%s+%08x %s", sig->key_name, sig->key_id, sig->nonce);
	unsigned char h[8];
	crypto_generichash(h, sizeof(h), (const unsigned char *)text, strlen(text), NULL, 0);
	size_t b = ((size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16) % NONCE_BUCKETS;
	int rc = 1;
	pthread_mutex_lock(&nonce_lock);
	for (nonce **pp = &buckets[b]; *pp;) {
		nonce *n = *pp;
		if (n->until < now) { /* out of the window: its request would be refused as too old */
			*pp = n->next;
			free(n);
			nonces--;
			continue;
		}
		if (strcmp(n->text, text) == 0)
			rc = 0;
		pp = &n->next;
	}
	if (rc == 1) {
		nonce *n = nonces < NONCE_MAX ? malloc(sizeof(*n)) : NULL;
		if (n == NULL) {
			rc = -1;
		} else {
			memcpy(n->text, text, sizeof(text));
			n->until = sig->created + QP_HTTPSIG_WINDOW + 1;
			n->next = buckets[b];
			buckets[b] = n;
			nonces++;
		}
	}
	pthread_mutex_unlock(&nonce_lock);
	return rc;
}

/* ---- the start: no request signed before it ------------------------------------------------------ */

/*
 * The nonces are kept in memory only: after a restart a request answered
 * by the previous process could be replayed within its window.  So no
 * signature created at or before the second this process started is
 * accepted (RFC 9421 `created` counts whole seconds); qpd_auth_ready waits
 * for that second to pass before the service listens, so that a request
 * signed once it is listening is never refused for it.
 */
static int64_t started_at;

void qpd_auth_start(void)
{
	started_at = (int64_t)time(NULL);
}

void qpd_auth_ready(void)
{
	struct timespec ts;
	while (clock_gettime(CLOCK_REALTIME, &ts) == 0 && (int64_t)ts.tv_sec <= started_at) {
		struct timespec rest = {0, 1000000000L - ts.tv_nsec};
		nanosleep(&rest, NULL);
	}
}

/* ---- authentication ------------------------------------------------------------------------- */

int qpd_authenticate(qpd_reply *r, qp_access_reader *who, const char *sig_input, const char *signature,
		     const char *method, const char *path, const char *query)
{
	qp_httpsig sig;
	qp_registry *reg = NULL;
	int64_t now = (int64_t)time(NULL);
	int err = qp_httpsig_parse(&sig, sig_input, signature, method, path, query, now);
	if (err == QP_OK && (err = qpd_reader(&reg)) == QP_OK &&
	    (err = qp_access_reader_find(who, reg, sig.key_name, sig.key_id, now)) == QP_OK)
		err = qp_httpsig_verify(&sig, who->public_key);
	/* 1 new, 0 replayed, -1 no room, -2 signed before this process started. */
	int fresh = err != QP_OK ? 1 : sig.created <= started_at ? -2 : nonce_take(&sig, now);
	qp_httpsig_clear(&sig);
	if (err != QP_OK)
		qpd_problem_code(r, err, NULL);
	else if (fresh == 0)
		qpd_problem(r, 403,
			    "request signature: its nonce was used already (a replayed request); sign "
			    "each request anew");
	else if (fresh == -2)
		qpd_problem(r, 403,
			    "request signature: created before this service started (it keeps no nonce from "
			    "before its start, so it cannot tell a replay); sign the request anew");
	else if (fresh < 0)
		qpd_problem(r, 403,
			    "request signature: too many signed requests in the window; try again in "
			    "a minute");
	if (err != QP_OK || fresh != 1) {
		memset(who, 0, sizeof(*who));
		return -1;
	}
	return 0;
}
