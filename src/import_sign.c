/*
 * import_sign.c - the import's second core: a row's entries are signed
 * on a thread of their own while the importing thread applies them.
 *
 * A row's entries are all built before the first is applied (import_row.c)
 * and posted here at once.  For each, this thread makes the signature,
 * the note's signature line and the note's leaf hash; meanwhile the
 * importing thread runs the rules of the entry (which need no signature)
 * and takes the signed note only to store it in the log.  Signing here
 * touches no allocator and no global state: only the key, the texts the
 * importing thread keeps alive until qp_signer_drain, and this struct
 * under its lock.  The importing thread joins text and line into the
 * note (allocating there).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "import_internal.h"
#include "note_internal.h"
#include "quanpiao/merkle.h"

/* What is made of one text: "\n" and the signature line (the note is text + tail), and the leaf hash. */
struct signed_text {
	char tail[1 + QP_NOTE_SIG_LINE_MAX];
	size_t tail_len; /* 0: signing failed */
	unsigned char leaf[QP_HASH_LEN];
};

struct qp_signer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	const qp_key *key;
	/* The posted batch: texts[0..n); made counts the texts signed, in order. */
	const char *const *texts;
	const size_t *lens;
	size_t n, made;
	struct signed_text out[QP_IMPORT_MAX_ENTRIES];
	int quit;
};

/* Sign one text: tail_len stays 0 if the key cannot sign (no secret) or its name is too long. */
static void sign_text(struct signed_text *o, const qp_key *key, const char *text, size_t len)
{
	unsigned char sig[QP_SIGNATURE_LEN];
	o->tail_len = 0;
	if (qp_key_sign(sig, key, text, len) != QP_OK)
		return;
	size_t line = qp_note_sig_line(o->tail + 1, sizeof(o->tail) - 1, key, sig);
	if (line == 0)
		return;
	o->tail[0] = '\n';
	o->tail_len = 1 + line;
	qp_merkle_leaf_hash2(o->leaf, text, len, o->tail, o->tail_len);
}

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
		sign_text(&s->out[i], s->key, text, len);
		pthread_mutex_lock(&s->lock);
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

int qp_signer_note(qp_signer *s, size_t i, char **note, size_t *note_len, unsigned char leaf[QP_HASH_LEN])
{
	*note = NULL;
	*note_len = 0;
	pthread_mutex_lock(&s->lock);
	if (i >= s->n) {
		pthread_mutex_unlock(&s->lock);
		return QP_ENOTFOUND;
	}
	while (s->made <= i)
		pthread_cond_wait(&s->done, &s->lock);
	pthread_mutex_unlock(&s->lock);
	/* Made and no longer touched by the thread until the next post. */
	const struct signed_text *o = &s->out[i];
	if (o->tail_len == 0)
		return QP_ENOTFOUND;
	size_t len = s->lens[i];
	char *buf = qp_malloc(len + o->tail_len + 1);
	if (buf == NULL)
		return QP_ENOMEM;
	memcpy(buf, s->texts[i], len);
	memcpy(buf + len, o->tail, o->tail_len);
	buf[len + o->tail_len] = '\0';
	memcpy(leaf, o->leaf, QP_HASH_LEN);
	*note = buf;
	*note_len = len + o->tail_len;
	return QP_OK;
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
