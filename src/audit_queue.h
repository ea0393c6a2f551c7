/*
 * audit_queue.h - the audit's signature queue (private; audit_queue.c).
 */
#ifndef QP_SRC_AUDIT_QUEUE_H
#define QP_SRC_AUDIT_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "quanpiao/audit.h"
#include "registry_internal.h"

/*
 * Signatures waiting for a worker.  Deep enough that the replay runs
 * ahead of verification and the table comparison at the end overlaps the
 * verification still to do; shallow enough that the queued note text
 * (about 14 MiB at most, with the jobs 4 MiB) keeps a 1,000,000-entry
 * audit under 200 MB (98,304 jobs took 20 to 40 MiB more).  A full queue
 * costs no CPU time: the reader then verifies too (qp_sigq_help).
 */
#define QP_SIGQ_SIZE 32768

typedef struct qp_sigq_job {
	uint64_t index;
	unsigned char pub[32], sig[64];
	char *text; /* a buffer of cap bytes, recycled between jobs */
	size_t len, cap;
} qp_sigq_job;

/* Buffers the workers are done with, handed back to the reader to reuse. */
#define QP_SIGQ_SPARE (QP_SIGQ_SIZE + 128)

struct qp_sigq_spare {
	char *p;
	size_t cap;
};

typedef struct qp_sigq {
	pthread_mutex_t lock;
	pthread_cond_t not_empty;
	qp_sigq_job *jobs; /* QP_SIGQ_SIZE */
	size_t head, count;
	int done;
	/* Results, under lock. */
	uint64_t *bad;
	size_t nbad, capbad;
	uint64_t verified;
	int oom;
	/* Text buffers back from the workers (all allocation stays on the reader). */
	struct qp_sigq_spare *spare; /* QP_SIGQ_SPARE */
	size_t nspare;
} qp_sigq;

/* Jobs gathered by the reader and handed over in groups, to keep the lock cold. */
#define QP_SIGQ_GIVE 64
typedef struct qp_sigq_pending {
	qp_sigq_job jobs[QP_SIGQ_GIVE];
	size_t n;
	/* Buffers taken back from the queue, ready for the next jobs (QP_SIGQ_SPARE). */
	struct qp_sigq_spare *spare;
	size_t nspare;
} qp_sigq_pending;

/* A worker thread's body (arg: the queue): verifies jobs until the queue is closed and empty. */
void *qp_sigq_worker(void *arg);

/* The reader verifies too: a group of jobs if the queue is full, or (until_empty) all of them. */
void qp_sigq_help(qp_sigq *q, int until_empty);

/* Hand the pending jobs to the queue (verifying while it is full). */
void qp_sigq_flush(qp_sigq *q, qp_sigq_pending *p);

/* Queue a signature; the text is copied.  Returns QP_ENOMEM if it cannot be. */
int qp_sigq_put(qp_sigq *q, qp_sigq_pending *p, uint64_t index, const qp_apply *a, const char *note);

/* Tell the workers no more jobs are coming; they go on with the queue. */
void qp_sigq_close(qp_sigq *q, qp_sigq_pending *p, int nthreads);

/* Let the workers finish the queue and wait for them; their results go to out. */
void qp_sigq_stop(qp_sigq *q, qp_sigq_pending *p, pthread_t *threads, int *nthreads, qp_audit_result *out);

#endif
