/*
 * audit_queue.c - the audit's signature queue: the reader hands each
 * entry's signature over in groups, worker threads (and the reader, when
 * the queue is full or it has nothing else to do) verify them, and the
 * text buffers go back to the reader to be reused.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit_queue.h"
#include "error.h"

#define TAKE 16 /* jobs a thread takes at once */

/* Take up to TAKE jobs from the head of the queue; the lock is held. */
static size_t take_jobs(qp_sigq *q, qp_sigq_job *mine)
{
	size_t n = 0;
	while (n < TAKE && q->count > 0) {
		mine[n++] = q->jobs[q->head];
		q->head = (q->head + 1) % QP_SIGQ_SIZE;
		q->count--;
	}
	return n;
}

/* Verify jobs taken from the queue; their buffers and results go back under the lock. */
static void verify_jobs(qp_sigq *q, qp_sigq_job *mine, size_t n)
{
	uint64_t bad[TAKE];
	size_t nbad = 0;
	for (size_t i = 0; i < n; i++)
		if (crypto_sign_verify_detached(mine[i].sig, (const unsigned char *)mine[i].text, mine[i].len,
						mine[i].pub) != 0)
			bad[nbad++] = mine[i].index;
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < n; i++) {
		if (q->nspare < QP_SIGQ_SPARE) {
			q->spare[q->nspare].p = mine[i].text;
			q->spare[q->nspare++].cap = mine[i].cap;
		} else {
			free(mine[i].text);
		}
	}
	q->verified += n;
	for (size_t i = 0; i < nbad; i++) {
		if (q->nbad == q->capbad) {
			size_t cap = q->capbad ? q->capbad * 2 : 16;
			uint64_t *grown = realloc(q->bad, cap * sizeof(*grown));
			if (grown) {
				q->bad = grown;
				q->capbad = cap;
			} else {
				q->oom = 1;
			}
		}
		if (q->nbad < q->capbad)
			q->bad[q->nbad++] = bad[i];
	}
	pthread_mutex_unlock(&q->lock);
}

void *qp_sigq_worker(void *arg)
{
	qp_sigq *q = arg;
	qp_sigq_job mine[TAKE];
	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (q->count == 0 && !q->done)
			pthread_cond_wait(&q->not_empty, &q->lock);
		if (q->count == 0 && q->done) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		size_t n = take_jobs(q, mine);
		pthread_mutex_unlock(&q->lock);
		verify_jobs(q, mine, n);
	}
}

/*
 * The reader verifies too, whenever the queue is full and when it has
 * nothing else left to do: with one worker fewer than the cores, each
 * thread keeps a core of its own (a third thread time-sharing the cores
 * costs the verifiers their caches, about a tenth of their rate).
 */
void qp_sigq_help(qp_sigq *q, int until_empty)
{
	qp_sigq_job mine[TAKE];
	for (;;) {
		pthread_mutex_lock(&q->lock);
		size_t n = (until_empty || q->count == QP_SIGQ_SIZE) ? take_jobs(q, mine) : 0;
		pthread_mutex_unlock(&q->lock);
		if (n == 0)
			return;
		verify_jobs(q, mine, n);
		if (!until_empty)
			return;
	}
}

void qp_sigq_flush(qp_sigq *q, qp_sigq_pending *p)
{
	size_t i = 0;
	while (i < p->n) {
		pthread_mutex_lock(&q->lock);
		if (q->count == QP_SIGQ_SIZE) {
			pthread_mutex_unlock(&q->lock);
			qp_sigq_help(q, 0);
			continue;
		}
		while (i < p->n && q->count < QP_SIGQ_SIZE) {
			q->jobs[(q->head + q->count) % QP_SIGQ_SIZE] = p->jobs[i++];
			q->count++;
		}
		while (q->nspare > 0 && p->nspare < QP_SIGQ_SPARE) {
			q->nspare--;
			p->spare[p->nspare].p = q->spare[q->nspare].p;
			p->spare[p->nspare++].cap = q->spare[q->nspare].cap;
		}
		pthread_cond_broadcast(&q->not_empty);
		pthread_mutex_unlock(&q->lock);
	}
	p->n = 0;
}

/* Queue a signature; the text is copied.  Returns QP_ENOMEM if it cannot be. */
int qp_sigq_put(qp_sigq *q, qp_sigq_pending *p, uint64_t index, const qp_apply *a, const char *note)
{
	qp_sigq_job *j = &p->jobs[p->n];
	j->index = index;
	memcpy(j->pub, a->public_key, 32);
	memcpy(j->sig, a->signature, 64);
	j->len = a->signed_len;
	/* Reuse a buffer the workers gave back; plain malloc, freed by whoever holds it last. */
	j->text = NULL;
	j->cap = 0;
	if (p->nspare > 0) {
		p->nspare--;
		j->text = p->spare[p->nspare].p;
		j->cap = p->spare[p->nspare].cap;
	}
	if (j->cap < j->len) {
		size_t cap = (j->len + 63) & ~(size_t)63;
		char *grown = realloc(j->text, cap);
		if (grown == NULL) {
			free(j->text);
			return qp_error_set(QP_ENOMEM, "out of memory queueing a signature");
		}
		j->text = grown;
		j->cap = cap;
	}
	memcpy(j->text, note, j->len);
	if (++p->n == QP_SIGQ_GIVE)
		qp_sigq_flush(q, p);
	return QP_OK;
}

/* Tell the workers no more jobs are coming; they go on with the queue. */
void qp_sigq_close(qp_sigq *q, qp_sigq_pending *p, int nthreads)
{
	if (nthreads == 0)
		return;
	qp_sigq_flush(q, p);
	pthread_mutex_lock(&q->lock);
	q->done = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

/* Let the workers finish the queue and wait for them; their results go to out. */
void qp_sigq_stop(qp_sigq *q, qp_sigq_pending *p, pthread_t *threads, int *nthreads, qp_audit_result *out)
{
	if (*nthreads == 0)
		return;
	qp_sigq_close(q, p, *nthreads);
	for (int i = 0; i < *nthreads; i++)
		pthread_join(threads[i], NULL);
	*nthreads = 0;
	out->signatures += q->verified;
}
