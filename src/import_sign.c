/*
 * import_sign.c - the import's second core: the entries of a row after
 * its first are signed on a thread of their own while the importing
 * thread applies the entries before them.
 *
 * A row's entries are all built before the first is applied (import_row.c),
 * and signing one takes about as long as applying one, so while the
 * importing thread signs and applies entry 0, this thread signs entries 1,
 * 2, ...; the importing thread then finds each signature ready.  Signing
 * here touches no allocator and no global state: only the key, the texts
 * the importing thread keeps alive until qp_signer_drain, and this
 * struct under its lock.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "import_internal.h"

struct qp_signer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	const qp_key *key;
	/* The posted batch: texts[0..n); made counts the signatures made, in order. */
	const char *const *texts;
	const size_t *lens;
	size_t n, made;
	unsigned char sigs[QP_IMPORT_MAX_ENTRIES][QP_SIGNATURE_LEN];
	int failed[QP_IMPORT_MAX_ENTRIES];
	int quit;
};

static void *signer_main(void *arg)
{
	qp_signer *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->quit && s->made == s->n)
			pthread_cond_wait(&s->work, &s->lock);
		if (s->quit)
			break;
		size_t i = s->made;
		const char *text = s->texts[i];
		size_t len = s->lens[i];
		pthread_mutex_unlock(&s->lock);
		/* Only a key without its secret fails; the importing thread then signs itself and says why. */
		int failed = qp_key_sign(s->sigs[i], s->key, text, len) != QP_OK;
		pthread_mutex_lock(&s->lock);
		s->failed[i] = failed;
		s->made++;
		pthread_cond_broadcast(&s->done);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int qp_signer_start(qp_signer **out, const qp_key *key)
{
	qp_signer *s = qp_calloc(1, sizeof(*s));
	*out = NULL;
	if (s == NULL)
		return QP_ENOMEM;
	s->key = key;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->done, NULL);
	if (pthread_create(&s->thread, NULL, signer_main, s) != 0) {
		/* No thread: the import signs on its own, as on one core. */
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->work);
		pthread_cond_destroy(&s->done);
		qp_free(s);
		return QP_OK;
	}
	*out = s;
	return QP_OK;
}

void qp_signer_post(qp_signer *s, const char *const *texts, const size_t *lens, size_t n)
{
	pthread_mutex_lock(&s->lock);
	s->texts = texts;
	s->lens = lens;
	s->n = n < QP_IMPORT_MAX_ENTRIES ? n : QP_IMPORT_MAX_ENTRIES;
	s->made = 0;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->lock);
}

int qp_signer_take(qp_signer *s, size_t i, unsigned char sig[QP_SIGNATURE_LEN])
{
	pthread_mutex_lock(&s->lock);
	if (i >= s->n) {
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	while (s->made <= i)
		pthread_cond_wait(&s->done, &s->lock);
	int ok = !s->failed[i];
	if (ok)
		memcpy(sig, s->sigs[i], QP_SIGNATURE_LEN);
	pthread_mutex_unlock(&s->lock);
	return ok;
}

void qp_signer_drain(qp_signer *s)
{
	pthread_mutex_lock(&s->lock);
	while (s->made < s->n)
		pthread_cond_wait(&s->done, &s->lock);
	s->texts = NULL;
	s->lens = NULL;
	s->n = s->made = 0;
	pthread_mutex_unlock(&s->lock);
}

void qp_signer_stop(qp_signer *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->quit = 1;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->done);
	qp_free(s);
}
