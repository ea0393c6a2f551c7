/*
 * writer.c - the one writer: group commit.
 *
 * SQLite has one writer at a time and every commit waits for the disk
 * (synchronous=FULL).  So the writer thread takes every write waiting in
 * the queue - up to max_batch - and appends the entries, each with the
 * personal data it commits to, signs one checkpoint that covers them all
 * and proves each entry in it, all in ONE transaction
 * (qp_log_append_signed): one commit, one fsync per batch, and no entry
 * is ever durable without its checkpoint.  Only then is each waiting
 * request told its outcome.  Under load a commit carries many entries;
 * alone, an entry still gets its own.  An entry the batch refused is tried
 * again after the others, in the same transaction: that gives its own
 * message and, if an entry later in the queue made it valid after all,
 * appends it - as if it had come a moment later.  If the checkpoint cannot
 * be signed, the batch is rolled back whole and each entry tried alone
 * (append_entries).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service.h"

struct qpd_writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	qpd_job *head, *tail;
	int stopping;
	unsigned max_batch;
	qp_registry *reg;
	const qp_key *log_key;
};

static void copy_message(qpd_job *job, int code)
{
	const qp_error *e = qp_error_last();
	snprintf(job->message, sizeof(job->message), "%s", e->message[0] ? e->message : qp_strerror(code));
}

/*
 * A batch that failed whole for another reason than the disk or memory:
 * its checkpoint could not be signed (qp_log_append_signed refuses notes
 * one by one, never the batch, for their own faults).
 */
static int signing_failed(int err)
{
	return err != QP_OK && err != QP_EIO && err != QP_ENOMEM && err != QP_ECORRUPT;
}

/* The message of a note the batch refused, while qp_error_last() is its. */
static void note_refused(void *ctx, size_t i, int code)
{
	copy_message(((qpd_job **)ctx)[i], code);
}

/*
 * The entry jobs of one batch, appended with the checkpoint that covers
 * them and each one's inclusion proof in it, in one transaction
 * (qp_log_append_signed): one commit makes all of it durable, so no entry
 * is ever stored without its checkpoint.  Fills in each job's outcome.
 */
static int append_signed(qpd_writer *w, qpd_job **jobs, size_t n, size_t *nrefused)
{
	const char **notes = calloc(n, sizeof(*notes));
	const qp_personal **pds = calloc(n, sizeof(*pds));
	const unsigned char **keys = calloc(n, sizeof(*keys));
	size_t *lens = calloc(n, sizeof(*lens));
	uint64_t *idx = calloc(n, sizeof(*idx));
	int *res = calloc(n, sizeof(*res));
	qp_merkle_proof **proofs = calloc(n, sizeof(*proofs));
	int err = QP_ENOMEM;
	*nrefused = n;
	if (!notes || !pds || !keys || !lens || !idx || !res || !proofs) {
		for (size_t i = 0; i < n; i++) {
			jobs[i]->result = QP_ENOMEM;
			snprintf(jobs[i]->message, sizeof(jobs[i]->message), "out of memory");
		}
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		notes[i] = jobs[i]->data;
		lens[i] = jobs[i]->len;
		pds[i] = jobs[i]->personal;
		keys[i] = jobs[i]->verified_key;
		proofs[i] = &jobs[i]->proof;
	}
	qp_log_batch b = {.n = n,
			  .notes = notes,
			  .note_lens = lens,
			  .pds = pds,
			  .verified = keys,
			  .log_key = w->log_key,
			  .refused = note_refused,
			  .ctx = jobs,
			  .proofs = proofs,
			  .indexes = idx,
			  .results = res};
	err = qp_log_append_signed(w->reg, &b);
	if (err != QP_OK) {
		/* Nothing was appended: every waiting request gets the reason. */
		for (size_t i = 0; i < n; i++) {
			jobs[i]->result = err;
			if (signing_failed(err))
				snprintf(jobs[i]->message, sizeof(jobs[i]->message),
					 "not appended: with it in the log no checkpoint could be signed: %s",
					 qp_error_last()->message);
			else
				copy_message(jobs[i], err);
		}
		goto done;
	}
	*nrefused = 0;
	for (size_t i = 0; i < n; i++) {
		jobs[i]->result = res[i];
		if (res[i] != QP_OK) {
			(*nrefused)++;
			continue;
		}
		jobs[i]->index = idx[i];
		jobs[i]->cp_size = b.size;
		if ((jobs[i]->checkpoint = strdup(b.checkpoint)) == NULL) {
			jobs[i]->result = QP_ENOMEM;
			snprintf(jobs[i]->message, sizeof(jobs[i]->message),
				 "appended as entry %llu; out of memory answering",
				 (unsigned long long)idx[i]);
		}
	}
	if (b.checkpoint)
		qpd_metrics_tree_size(b.size);
	free(b.checkpoint);
done:
	free(notes);
	free(pds);
	free(keys);
	free(lens);
	free(idx);
	free(res);
	free(proofs);
	return err;
}

/*
 * Append the entry jobs of one batch.  If the batch as a whole failed for
 * a reason other than the disk or memory - its checkpoint could not be
 * signed, say because a note in it revoked the log key - nothing of it was
 * appended; each job is then tried alone, so that only the note that
 * makes signing impossible is refused.
 */
static void append_entries(qpd_writer *w, qpd_job **jobs, size_t n)
{
	double t0 = qpd_now();
	size_t nrefused = 0;
	int err = append_signed(w, jobs, n, &nrefused);
	if (n > 1 && signing_failed(err)) {
		nrefused = 0;
		for (size_t i = 0; i < n; i++) {
			size_t one = 0;
			append_signed(w, jobs + i, 1, &one);
			nrefused += one;
		}
	}
	qpd_metrics_batch(n, nrefused, qpd_now() - t0);
}

static void add_cosignature(qpd_writer *w, qpd_job *job)
{
	job->result = qp_log_add_cosignature(w->reg, job->data, job->len, job->size);
	if (job->result != QP_OK)
		copy_message(job, job->result);
}

/* A read of personal data, recorded before it is answered. */
static void add_access(qpd_writer *w, qpd_job *job)
{
	job->result = qp_access_record(w->reg, job->reader, job->data, job->subjects, job->nsubjects,
				       (int64_t)time(NULL));
	if (job->result != QP_OK)
		copy_message(job, job->result);
}

static void *writer_main(void *arg)
{
	qpd_writer *w = arg;
	qpd_job **taken = calloc(w->max_batch, sizeof(*taken));
	qpd_job **entries = calloc(w->max_batch, sizeof(*entries));
	for (;;) {
		size_t n = 0, ne = 0;
		pthread_mutex_lock(&w->lock);
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->head == NULL || taken == NULL || entries == NULL) {
			/* Stopping with nothing left (or no memory to work with: refuse what waits). */
			qpd_job *rest = w->head;
			w->head = w->tail = NULL;
			pthread_mutex_unlock(&w->lock);
			while (rest) {
				qpd_job *next = rest->next;
				rest->result = QP_ENOMEM;
				snprintf(rest->message, sizeof(rest->message), "out of memory in the writer");
				rest->done(rest);
				rest = next;
			}
			if (w->stopping || taken == NULL || entries == NULL)
				break;
			continue;
		}
		/* Everything waiting, up to the batch limit, in arrival order. */
		while (w->head && n < w->max_batch) {
			taken[n++] = w->head;
			w->head = w->head->next;
		}
		if (w->head == NULL)
			w->tail = NULL;
		pthread_mutex_unlock(&w->lock);

		/* Entries as one commit; cosignatures after it, each its own small change. */
		for (size_t i = 0; i < n; i++)
			if (taken[i]->kind == QPD_JOB_ENTRY)
				entries[ne++] = taken[i];
		if (ne > 0)
			append_entries(w, entries, ne);
		for (size_t i = 0; i < n; i++)
			if (taken[i]->kind == QPD_JOB_COSIGN)
				add_cosignature(w, taken[i]);
			else if (taken[i]->kind == QPD_JOB_ACCESS)
				add_access(w, taken[i]);
		double now = qpd_now();
		for (size_t i = 0; i < n; i++) {
			if (taken[i]->kind == QPD_JOB_ENTRY)
				qpd_metrics_append_latency(now - taken[i]->queued_at);
			/* The job belongs to its request again from here on. */
			taken[i]->done(taken[i]);
		}
	}
	free(taken);
	free(entries);
	return NULL;
}

int qpd_writer_start(qpd_writer **out, const char *db_path, const qp_key *log_key, unsigned max_batch)
{
	qpd_writer *w = calloc(1, sizeof(*w));
	char *cp = NULL;
	size_t cp_len = 0;
	uint64_t size = 0;
	int err;
	*out = NULL;
	if (w == NULL)
		return QP_ENOMEM;
	w->max_batch = max_batch ? max_batch : 1;
	w->log_key = log_key;
	if ((err = qp_registry_open(&w->reg, db_path, 0)) != QP_OK) {
		free(w);
		return err;
	}
	char why[8192]; /* four copies of the path: a longer one is cut */
	if (qp_registry_shared_mode(w->reg, why, sizeof(why)))
		fprintf(stderr, "quanpiaod: warning: %s\n", why);
	/* A checkpoint of the whole log now: a wrong log key is found at start, not at the first write. */
	if ((err = qp_log_sign(&cp, &cp_len, w->reg, log_key)) != QP_OK ||
	    (err = qp_log_size(&size, w->reg)) != QP_OK) {
		qp_registry_free(w->reg);
		free(w);
		return err;
	}
	free(cp);
	qpd_metrics_tree_size(size);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		qp_registry_free(w->reg);
		free(w);
		return QP_EIO;
	}
	*out = w;
	return QP_OK;
}

int qpd_writer_submit(qpd_writer *w, qpd_job *job)
{
	job->next = NULL;
	job->queued_at = qpd_now();
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		pthread_mutex_unlock(&w->lock);
		return QP_ECONFLICT;
	}
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return QP_OK;
}

void qpd_writer_stop(qpd_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	int already = w->stopping;
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	if (already)
		return;
	pthread_join(w->thread, NULL);
	qp_registry_free(w->reg);
	w->reg = NULL;
}

void qpd_writer_free(qpd_writer *w)
{
	if (w == NULL)
		return;
	qpd_writer_stop(w);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}
