/*
 * import_sign.c - the import's second core: the entries of a window of
 * rows are signed on a thread of their own while the importing thread
 * applies the rows after them.
 *
 * The rows of a window all name the log state at its start
 * (import_row.c, import_window.c), so no text waits for another's signature: the importing
 * thread queues each row's texts here as it goes and takes the signed
 * notes once, when it puts the window into the log.  A wakeup of a
 * sleeping thread costs about as much as a signature on a shared machine,
 * so the thread is woken only when QP_SIGNER_WAKE texts wait, and the
 * importing thread waits for it at most once a window; meanwhile it signs
 * any text still waiting itself.  Signing touches no allocator and no
 * global state: only the key, the texts the importing thread keeps alive
 * until qp_signer_drain, and this struct under its lock.  The importing
 * thread joins text and line into the note (allocating there).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "import_internal.h"
#include "note_internal.h"
#include "quanpiao/merkle.h"

/* Texts that wait before the thread is woken (fewer wait for the window's end). */
#define QP_SIGNER_WAKE 16

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
	/* The queue: texts[0..n); [0..claimed) taken by a signer, made[i] once text i is signed. */
	const char *texts[QP_SIGNER_MAX];
	size_t lens[QP_SIGNER_MAX];
	unsigned char made[QP_SIGNER_MAX];
	size_t n, claimed, nmade;
	int idle;    /* the thread waits for work */
	int waiting; /* the importing thread waits for a text */
	int quit;
	struct signed_text out[QP_SIGNER_MAX];
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

/* Sign the next unclaimed text, with the lock held on entry and on return. */
static void sign_next(qp_signer *s)
{
	size_t i = s->claimed++;
	const char *text = s->texts[i];
	size_t len = s->lens[i];
	pthread_mutex_unlock(&s->lock);
	sign_text(&s->out[i], s->key, text, len);
	pthread_mutex_lock(&s->lock);
	s->made[i] = 1;
	s->nmade++;
	if (s->waiting)
		pthread_cond_signal(&s->done);
}

static void *signer_main(void *arg)
{
	qp_signer *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->quit && s->claimed == s->n) {
			s->idle = 1;
			pthread_cond_wait(&s->work, &s->lock);
			s->idle = 0;
		}
		if (s->quit)
			break;
		sign_next(s);
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

/* Wake the thread if it sleeps and at least `least` texts wait (lock held). */
static void wake(qp_signer *s, size_t least)
{
	if (s->idle && s->n - s->claimed >= least) {
		s->idle = 0;
		pthread_cond_signal(&s->work);
	}
}

void qp_signer_post(qp_signer *s, const char *text, size_t len)
{
	pthread_mutex_lock(&s->lock);
	if (s->n < QP_SIGNER_MAX) {
		s->texts[s->n] = text;
		s->lens[s->n] = len;
		s->made[s->n++] = 0;
	}
	wake(s, QP_SIGNER_WAKE);
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
	/* The window's end: the thread takes the texts from the front, this one from behind them. */
	if (!s->made[i])
		wake(s, 2);
	while (!s->made[i]) {
		if (s->claimed < s->n) {
			sign_next(s);
			continue;
		}
		s->waiting = 1;
		pthread_cond_wait(&s->done, &s->lock);
		s->waiting = 0;
	}
	pthread_mutex_unlock(&s->lock);
	/* Made, and touched by no one until the queue is drained. */
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
	/* Texts not taken yet are dropped; those being signed are waited for. */
	s->n = s->claimed;
	while (s->nmade < s->claimed) {
		s->waiting = 1;
		pthread_cond_wait(&s->done, &s->lock);
		s->waiting = 0;
	}
	s->n = s->claimed = s->nmade = 0;
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
