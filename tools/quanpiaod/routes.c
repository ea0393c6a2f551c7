/*
 * routes.c - the read endpoints, and the answer to a write once it is
 * durable.
 *
 * Each request thread reads through its own read-only registry connection
 * (a qp_registry is one SQLite connection and not shared between
 * threads), opened on the thread's first request and closed when the
 * thread ends.  In WAL mode readers never wait for the writer, and each
 * statement sees the latest commit.  Lists are paginated with a cursor:
 * `limit` (default 100, at most 1000) and `after` (the last key of the
 * previous page), answered with `next` (null on the last page).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "service.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000

/* ---- the thread's reader ------------------------------------------------------------------ */

static const char *reader_path;
static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;

static void reader_free(void *reg)
{
	qp_registry_free(reg);
}

static void reader_key_create(void)
{
	(void)pthread_key_create(&reader_key, reader_free);
}

void qpd_reader_init(const char *db_path)
{
	reader_path = db_path;
	pthread_once(&reader_once, reader_key_create);
}

int qpd_reader(qp_registry **out)
{
	qp_registry *reg = pthread_getspecific(reader_key);
	if (reg == NULL) {
		int err = qp_registry_open(&reg, reader_path, QP_STORE_READONLY);
		/*
		 * qp_store_open judges the file's size from its header before SQLite
		 * opens it, and can catch a WAL checkpoint by the writer half done
		 * (header updated, file not yet grown): "truncated".  It passes a
		 * moment later.
		 */
		for (int i = 0; err == QP_ECORRUPT && i < 5; i++) {
			nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
			err = qp_registry_open(&reg, reader_path, QP_STORE_READONLY);
		}
		if (err != QP_OK) {
			*out = NULL;
			return err;
		}
		pthread_setspecific(reader_key, reg);
	}
	*out = reg;
	return QP_OK;
}

/* ---- arguments ------------------------------------------------------------------------------- */

typedef struct args {
	qpd_arg_fn fn;
	void *ctx;
} args;

static const char *arg(const args *a, const char *name)
{
	const char *v = a->fn(a->ctx, name);
	return v && v[0] ? v : NULL;
}

/* A decimal without sign or leading junk; 400 naming the parameter otherwise. */
static int arg_u64(qpd_reply *r, const args *a, const char *name, uint64_t dflt, uint64_t *out)
{
	const char *v = arg(a, name);
	char *end = NULL, msg[160];
	*out = dflt;
	if (v == NULL)
		return 0;
	errno = 0;
	unsigned long long n = (v[0] >= '0' && v[0] <= '9') ? strtoull(v, &end, 10) : 0;
	if (end == NULL || *end != '\0' || errno != 0 || n > INT64_MAX) {
		snprintf(msg, sizeof(msg), "query parameter %s: \"%.40s\" is not a whole number", name, v);
		qpd_problem(r, 400, msg);
		return -1;
	}
	*out = n;
	return 0;
}

static int arg_limit(qpd_reply *r, const args *a, size_t *out)
{
	uint64_t n;
	if (arg_u64(r, a, "limit", PAGE_DEFAULT, &n) != 0)
		return -1;
	if (n < 1 || n > PAGE_MAX) {
		char msg[96];
		snprintf(msg, sizeof(msg), "query parameter limit: must be from 1 to %d", PAGE_MAX);
		qpd_problem(r, 400, msg);
		return -1;
	}
	*out = (size_t)n;
	return 0;
}

/* A library refusal of a query value (a malformed code) is the caller's mistake: 400. */
static void query_problem(qpd_reply *r, int err)
{
	if (err == QP_EINVALID || err == QP_EUSAGE)
		qpd_problem(r, 400, qp_error_last()->message);
	else
		qpd_problem_code(r, err, NULL);
}

/* ---- state ------------------------------------------------------------------------------------- */

static void homes(qpd_reply *r, qp_registry *reg, const args *a)
{
	qp_home_filter f = {arg(a, "village"), arg(a, "township"), NULL, -1, arg(a, "after"), 0};
	const char *status = arg(a, "status");
	qp_home *list = NULL;
	size_t n = 0, limit;
	qp_home_status st;
	int err;
	if (arg_limit(r, a, &limit) != 0)
		return;
	if (status) {
		if ((err = qp_home_status_parse(&st, status)) != QP_OK) {
			query_problem(r, err);
			return;
		}
		f.status = (int)st;
	}
	/* One more than asked tells whether a next page exists. */
	f.limit = limit + 1;
	if ((err = qp_homes_list(&list, &n, reg, &f)) != QP_OK) {
		query_problem(r, err);
		return;
	}
	cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "homes");
	size_t shown = n > limit ? limit : n;
	for (size_t i = 0; i < shown; i++)
		cJSON_AddItemToArray(arr, qpd_json_home(&list[i]));
	if (n > limit)
		cJSON_AddStringToObject(doc, "next", list[shown - 1].unit);
	else
		cJSON_AddNullToObject(doc, "next");
	qp_homes_free(list);
	qpd_reply_json(r, doc);
}

static void home(qpd_reply *r, qp_registry *reg, const char *unit)
{
	qp_home h;
	qp_activation *acts = NULL;
	qp_home_event *events = NULL;
	size_t nacts = 0, nevents = 0;
	int err;
	if ((err = qp_home_get(&h, reg, unit)) != QP_OK) {
		query_problem(r, err); /* a malformed unit is a bad request */
		return;
	}
	if ((err = qp_home_activations(&acts, &nacts, reg, unit)) != QP_OK ||
	    (err = qp_home_history(&events, &nevents, reg, unit)) != QP_OK) {
		qpd_problem_code(r, err, NULL);
		goto done;
	}
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "home", qpd_json_home(&h));
	cJSON *arr = cJSON_AddArrayToObject(doc, "activations");
	for (size_t i = 0; i < nacts; i++)
		cJSON_AddItemToArray(arr, qpd_json_activation(&acts[i]));
	arr = cJSON_AddArrayToObject(doc, "history");
	for (size_t i = 0; i < nevents; i++)
		cJSON_AddItemToArray(arr, qpd_json_home_event(&events[i]));
	qpd_reply_json(r, doc);
done:
	qp_activations_free(acts, nacts);
	qp_home_events_free(events, nevents);
}

/*
 * An ID number in a lookup is personal data: only an authenticated
 * officer or auditor may ask which household or certificates it belongs
 * to.  Returns 0, or -1 with a 403 in r.
 */
static int lookup_by_id_allowed(qpd_reply *r, const char *value, const char *what)
{
	char msg[256];
	if (value == NULL || strlen(value) != QP_RESIDENT_ID_LEN || qp_ids_looks_like_uscc(value) ||
	    qpd_view_reader() != NULL)
		return 0;
	snprintf(msg, sizeof(msg),
		 "%s by a resident ID number needs a request signed by an enrolled officer or auditor "
		 "key (docs/service.md); ask by household number instead",
		 what);
	qpd_problem(r, 403, msg);
	return -1;
}

/*
 * GET /v1/households/{number or ID}: a household by its registry number
 * (330681-H-0000001) or by its head's ID number, looked up in the
 * service's personal-data table (a mirror has none, so clients ask here:
 * client_household_number).  Its ID number and name are masked unless the
 * request is signed by an officer or auditor (auth.c); its homes and
 * certificates name it by number.
 * A lookup by ID number is for authenticated officers and auditors only.
 */
static void household(qpd_reply *r, qp_registry *reg, const char *id)
{
	qp_household h = {0};
	qp_village v = {0};
	qp_home *homes_list = NULL;
	qp_cert *certs = NULL;
	size_t nhomes = 0, ncerts = 0;
	int err;
	if (lookup_by_id_allowed(r, id, "looking a household up") != 0)
		return;
	if ((err = qp_household_get(&h, reg, id)) != QP_OK) {
		if (err == QP_EINVALID)
			query_problem(r, err);
		else
			qpd_problem_code(r, err, NULL);
		return;
	}
	qp_home_filter hf = {NULL, NULL, h.number, -1, NULL, 0};
	qp_cert_filter cf = {h.number, -1, -1, NULL, NULL, 0};
	if ((err = qp_village_get(&v, reg, h.village)) != QP_OK ||
	    (err = qp_homes_list(&homes_list, &nhomes, reg, &hf)) != QP_OK ||
	    (err = qp_certs_list(&certs, &ncerts, reg, &cf)) != QP_OK) {
		qpd_problem_code(r, err, NULL);
		goto done;
	}
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "household", qpd_json_household(&h));
	cJSON_AddItemToObject(doc, "village", qpd_json_village(&v));
	cJSON *arr = cJSON_AddArrayToObject(doc, "homes");
	for (size_t i = 0; i < nhomes; i++)
		cJSON_AddItemToArray(arr, qpd_json_home(&homes_list[i]));
	arr = cJSON_AddArrayToObject(doc, "certificates");
	for (size_t i = 0; i < ncerts; i++)
		cJSON_AddItemToArray(arr, qpd_json_cert(reg, &certs[i]));
	qpd_reply_json(r, doc);
done:
	qp_household_clear(&h);
	qp_village_clear(&v);
	qp_homes_free(homes_list);
	qp_certs_free(certs, ncerts);
}

static void certs(qpd_reply *r, qp_registry *reg, const args *a)
{
	qp_cert_filter f = {arg(a, "holder"), -1, -1, arg(a, "home"), arg(a, "after"), 0};
	const char *kind = arg(a, "kind"), *state = arg(a, "state");
	qp_cert *list = NULL;
	size_t n = 0, limit;
	int err;
	if (lookup_by_id_allowed(r, f.holder, "listing certificates") != 0)
		return;
	if (arg_limit(r, a, &limit) != 0)
		return;
	if (kind) {
		qp_cert_kind k;
		if ((err = qp_cert_kind_parse(&k, kind)) != QP_OK) {
			query_problem(r, err);
			return;
		}
		f.kind = (int)k;
	}
	if (state) {
		qp_cert_state s;
		if (strcmp(state, "expired") == 0)
			f.state = QP_CERT_EXPIRED;
		else if ((err = qp_cert_state_parse(&s, state)) != QP_OK) {
			query_problem(r, err);
			return;
		} else
			f.state = (int)s;
	}
	f.limit = limit + 1;
	if ((err = qp_certs_list(&list, &n, reg, &f)) != QP_OK) {
		query_problem(r, err);
		return;
	}
	cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "certificates");
	size_t shown = n > limit ? limit : n;
	for (size_t i = 0; i < shown; i++)
		cJSON_AddItemToArray(arr, qpd_json_cert(reg, &list[i]));
	if (n > limit)
		cJSON_AddStringToObject(doc, "next", list[shown - 1].id);
	else
		cJSON_AddNullToObject(doc, "next");
	qp_certs_free(list, n);
	qpd_reply_json(r, doc);
}

static void cert(qpd_reply *r, qp_registry *reg, const char *id)
{
	qp_cert c = {0}, *children = NULL;
	size_t n = 0;
	int err;
	if ((err = qp_cert_get(&c, reg, id)) != QP_OK) {
		query_problem(r, err); /* a malformed number is a bad request */
		return;
	}
	if ((err = qp_cert_children(&children, &n, reg, id)) != QP_OK) {
		qpd_problem_code(r, err, NULL);
		goto done;
	}
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "certificate", qpd_json_cert(reg, &c));
	cJSON *arr = cJSON_AddArrayToObject(doc, "children");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, qpd_json_cert(reg, &children[i]));
	qpd_reply_json(r, doc);
done:
	qp_cert_clear(&c);
	qp_certs_free(children, n);
}

static void cert_history(qpd_reply *r, qp_registry *reg, const char *id)
{
	qp_cert c = {0};
	qp_cert_event *events = NULL;
	size_t n = 0;
	int err;
	if ((err = qp_cert_get(&c, reg, id)) != QP_OK) {
		query_problem(r, err); /* a malformed number is a bad request */
		return;
	}
	if ((err = qp_cert_history(&events, &n, reg, id)) != QP_OK) {
		qpd_problem_code(r, err, NULL);
		goto done;
	}
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "cert", c.id);
	cJSON_AddStringToObject(doc, "root", c.root);
	cJSON *arr = cJSON_AddArrayToObject(doc, "history");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, qpd_json_cert_event(&events[i]));
	qpd_reply_json(r, doc);
done:
	qp_cert_clear(&c);
	qp_cert_events_free(events, n);
}

/*
 * GET /v1/certificates/{id}/status: the status proof of 'quanpiao cert
 * status --proof' (quanpiao/statusmap.h), which 'quanpiao verify FILE
 * --log-vkey LOG.vkey' checks offline; for a number the map does not
 * hold, the proof of its absence.  With ?cosigned=K, against the newest
 * checkpoint with at least K cosignatures (the latest may not be cosigned
 * yet: the web verifier asks for the newest its quorum of witnesses can
 * have signed).
 */
static void cert_status(qpd_reply *r, qp_registry *reg, const char *id, const args *a)
{
	char *proof = NULL;
	size_t len = 0;
	uint64_t k = 0, size = QP_LOG_LATEST;
	int err;
	if (arg_u64(r, a, "cosigned", 0, &k) != 0)
		return;
	if (arg(a, "cosigned") && (k < 1 || k > QP_NOTE_MAX_SIGS - 1)) {
		char msg[96];
		snprintf(msg, sizeof(msg), "query parameter cosigned: must be from 1 to %d",
			 QP_NOTE_MAX_SIGS - 1);
		qpd_problem(r, 400, msg);
		return;
	}
	err = k ? qp_log_cosigned_size(&size, reg, (size_t)k) : QP_OK;
	if (err == QP_OK)
		err = qp_statusmap_status_proof_at(&proof, &len, reg, id, size);
	if (err != QP_OK) {
		query_problem(r, err);
		r->cors = 1; /* the page tells a missing proof from an unreachable log */
		return;
	}
	qpd_reply_text(r, proof, len);
	r->cors = 1; /* the web verifier, as a saved file or on another origin */
}

static void stats(qpd_reply *r, qp_registry *reg, const args *a)
{
	qp_stats s;
	uint64_t year;
	if (arg_u64(r, a, "year", 0, &year) != 0)
		return;
	if (year != 0 && (year < 1949 || year > 9999)) {
		qpd_problem(r, 400, "query parameter year: must be a year from 1949 to 9999");
		return;
	}
	int err = qp_stats_get(&s, reg, (int)year, arg(a, "village"), arg(a, "township"));
	if (err != QP_OK) {
		query_problem(r, err);
		return;
	}
	qpd_reply_json(r, qpd_json_stats(&s, (int)year));
}

/* ---- the log ---------------------------------------------------------------------------------- */

typedef struct entries_ctx {
	cJSON *arr;
} entries_ctx;

static int add_entry(void *ctx, const qp_log_item *item)
{
	entries_ctx *c = ctx;
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return QP_ENOMEM;
	cJSON_AddNumberToObject(o, "index", (double)item->index);
	cJSON_AddStringToObject(o, "type", item->type);
	cJSON_AddStringToObject(o, "signer", item->signer);
	cJSON_AddStringToObject(o, "time", item->time);
	/* The exact note bytes: what the leaf hash covers (notes are UTF-8 text). */
	cJSON_AddStringToObject(o, "note", item->note);
	cJSON_AddItemToArray(c->arr, o);
	return QP_OK;
}

static void entries(qpd_reply *r, qp_registry *reg, const args *a)
{
	uint64_t size, start, end;
	size_t limit;
	int err;
	if ((err = qp_log_size(&size, reg)) != QP_OK) {
		qpd_problem_code(r, err, NULL);
		return;
	}
	if (arg_u64(r, a, "start", 0, &start) != 0 || arg_u64(r, a, "end", size, &end) != 0 ||
	    arg_limit(r, a, &limit) != 0)
		return;
	if (end > size)
		end = size;
	if (start > end) {
		qpd_problem(r, 400, "query parameter start: beyond end or the log's size");
		return;
	}
	uint64_t stop = end - start > limit ? start + limit : end;
	cJSON *doc = cJSON_CreateObject();
	entries_ctx c = {cJSON_AddArrayToObject(doc, "entries")};
	if ((err = qp_log_entries(reg, start, stop, add_entry, &c)) != QP_OK) {
		cJSON_Delete(doc);
		{
			qpd_problem_code(r, err, NULL);
			return;
		}
	}
	cJSON_AddNumberToObject(doc, "size", (double)size);
	if (stop < end)
		cJSON_AddNumberToObject(doc, "next", (double)stop);
	else
		cJSON_AddNullToObject(doc, "next");
	qpd_reply_json(r, doc);
}

static void entry(qpd_reply *r, qp_registry *reg, const char *tail)
{
	char *end = NULL, *note = NULL;
	size_t len = 0;
	errno = 0;
	unsigned long long idx = (tail[0] >= '0' && tail[0] <= '9') ? strtoull(tail, &end, 10) : 0;
	if (end == NULL || *end != '\0' || errno != 0) {
		qpd_problem(r, 404, "no such entry: the path ends in an entry index");
		return;
	}
	int err = qp_log_entry(&note, &len, reg, idx);
	if (err != QP_OK) {
		qpd_problem_code(r, err, NULL);
		return;
	}
	qpd_reply_text(r, note, len);
}

/* The size of the latest checkpoint: proofs are against signed tree heads by default. */
static int latest_size(qpd_reply *r, qp_registry *reg, uint64_t *out)
{
	char *cp = NULL;
	size_t len = 0;
	int err = qp_log_checkpoint(&cp, &len, out, reg, QP_LOG_LATEST);
	free(cp);
	if (err != QP_OK)
		qpd_problem_code(r, err, NULL);
	return err;
}

static cJSON *hashes(const qp_merkle_proof *p)
{
	cJSON *arr = cJSON_CreateArray();
	char b64[sodium_base64_ENCODED_LEN(QP_HASH_LEN, sodium_base64_VARIANT_ORIGINAL)];
	for (size_t i = 0; i < p->len; i++) {
		sodium_bin2base64(b64, sizeof(b64), p->hash[i], QP_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
		cJSON_AddItemToArray(arr, cJSON_CreateString(b64));
	}
	return arr;
}

/* The hash lines of a tlog-proof text: after "index N", up to the blank line. */
static cJSON *proof_hashes(const char *text)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = strchr(text, '\n');
	p = p ? strchr(p + 1, '\n') : NULL;
	while (p && p[1] != '\n' && p[1] != '\0') {
		const char *line = p + 1, *nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		char b64[64];
		snprintf(b64, sizeof(b64), "%.*s", (int)(nl - line), line);
		cJSON_AddItemToArray(arr, cJSON_CreateString(b64));
		p = nl;
	}
	return arr;
}

static void inclusion(qpd_reply *r, qp_registry *reg, const args *a)
{
	uint64_t index, size, latest;
	qp_merkle_proof proof;
	char *text = NULL;
	size_t len = 0;
	int err;
	if (arg(a, "index") == NULL) {
		qpd_problem(r, 400, "query parameter index: required");
		return;
	}
	if (latest_size(r, reg, &latest) != QP_OK || arg_u64(r, a, "index", 0, &index) != 0 ||
	    arg_u64(r, a, "size", latest, &size) != 0)
		return;
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "index", (double)index);
	cJSON_AddNumberToObject(doc, "size", (double)size);
	/* With a checkpoint of that size, the c2sp.org/tlog-proof (a .tlog-proof file) carries the hashes. */
	if (index < size && qp_log_tlog_proof(&text, &len, reg, index, size) == QP_OK) {
		cJSON_AddItemToObject(doc, "hashes", proof_hashes(text));
		cJSON_AddStringToObject(doc, "proof", text);
		free(text);
	} else if ((err = qp_log_inclusion(&proof, reg, index, size)) == QP_OK) {
		cJSON_AddItemToObject(doc, "hashes", hashes(&proof));
		cJSON_AddNullToObject(doc, "proof");
	} else {
		cJSON_Delete(doc);
		query_problem(r, err);
		return;
	}
	qp_error_clear();
	qpd_reply_json(r, doc);
}

static void consistency(qpd_reply *r, qp_registry *reg, const args *a)
{
	uint64_t from, to, latest;
	qp_merkle_proof proof;
	int err;
	if (arg(a, "from") == NULL) {
		qpd_problem(r, 400, "query parameter from: required");
		return;
	}
	if (latest_size(r, reg, &latest) != QP_OK || arg_u64(r, a, "from", 0, &from) != 0 ||
	    arg_u64(r, a, "to", latest, &to) != 0)
		return;
	if ((err = qp_log_consistency(&proof, reg, from, to)) != QP_OK) {
		query_problem(r, err);
		return;
	}
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "from", (double)from);
	cJSON_AddNumberToObject(doc, "to", (double)to);
	cJSON_AddItemToObject(doc, "hashes", hashes(&proof));
	qpd_reply_json(r, doc);
}

static void checkpoint(qpd_reply *r, qp_registry *reg)
{
	char *note = NULL;
	size_t len = 0;
	int err = qp_log_checkpoint_cosigned(&note, &len, NULL, NULL, reg, QP_LOG_LATEST);
	if (err != QP_OK) {
		qpd_problem_code(r, err, NULL);
		return;
	}
	qpd_reply_text(r, note, len);
	/* The head of the tiled log: read by pages of any origin, never cached. */
	r->cache_control = "no-cache";
	r->cors = 1;
}

/*
 * The tiled log (c2sp.org/tlog-tiles) of the latest checkpoint: a tile
 * never changes once it has its W hashes, so every one is cached for a
 * year; pages of any origin (the web verifier) may read it.
 */
static void tile(qpd_reply *r, qp_registry *reg, const char *path)
{
	qp_tile t;
	uint64_t size = 0;
	unsigned char *data = NULL;
	size_t len = 0;
	if (qp_tile_parse_path(&t, path) != QP_OK) {
		qpd_problem(r, 404, qp_error_last()->message);
		return;
	}
	if (latest_size(r, reg, &size) != 0)
		return;
	int err = qp_tile_read(&data, &len, reg, &t, size);
	if (err != QP_OK) {
		qpd_problem_code(r, err, NULL);
		r->cors = 1;
		return;
	}
	qpd_reply_text(r, (char *)data, len);
	r->content_type = "application/octet-stream";
	r->cache_control = "public, max-age=31536000, immutable";
	r->cors = 1;
	r->compressible = 1;
}

static char *verify_page;
static size_t verify_page_len;

void qpd_set_verify_page(char *page, size_t len)
{
	verify_page = page;
	verify_page_len = len;
}

static void verify(qpd_reply *r)
{
	char *copy = verify_page ? malloc(verify_page_len ? verify_page_len : 1) : NULL;
	if (verify_page == NULL) {
		qpd_problem(r, 404, "this service has no verifier page (quanpiaod --verify-page FILE)");
		return;
	}
	if (copy == NULL) {
		qpd_problem(r, 500, "out of memory");
		return;
	}
	memcpy(copy, verify_page, verify_page_len);
	qpd_reply_text(r, copy, verify_page_len);
	r->content_type = "text/html; charset=utf-8";
	r->cache_control = "no-cache";
	r->compressible = 1;
}

static void registry(qpd_reply *r, qp_registry *reg)
{
	uint64_t size = 0;
	int err = qp_log_size(&size, reg);
	if (err != QP_OK) {
		qpd_problem_code(r, err, NULL);
		return;
	}
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "origin", qp_registry_origin(reg));
	cJSON_AddStringToObject(doc, "county", qp_registry_county(reg));
	cJSON_AddStringToObject(doc, "county_name", qp_registry_county_name(reg));
	cJSON_AddStringToObject(doc, "authority", qp_registry_authority(reg));
	cJSON_AddNumberToObject(doc, "size", (double)size);
	qpd_reply_json(r, doc);
}

void qpd_route_get(qpd_reply *r, enum qpd_route route, const char *tail, qpd_arg_fn fn, void *arg_ctx)
{
	args a = {fn, arg_ctx};
	qp_registry *reg = NULL;
	int err;
	if (route == QPD_R_VERIFY) {
		verify(r);
		return;
	}
	if (route == QPD_R_METRICS) {
		size_t len = 0;
		char *text = qpd_metrics_text(&len);
		if (text == NULL) {
			qpd_problem(r, 500, "out of memory");
			return;
		}
		qpd_reply_text(r, text, len);
		r->content_type = "text/plain; version=0.0.4; charset=utf-8";
		return;
	}
	if ((err = qpd_reader(&reg)) != QP_OK) {
		qpd_problem(r, 503, qp_error_last()->message);
		return;
	}
	qp_error_clear();
	switch (route) {
	case QPD_R_HOMES: homes(r, reg, &a); break;
	case QPD_R_HOME: home(r, reg, tail); break;
	case QPD_R_HOUSEHOLD: household(r, reg, tail); break;
	case QPD_R_CERTS: certs(r, reg, &a); break;
	case QPD_R_CERT: cert(r, reg, tail); break;
	case QPD_R_CERT_HISTORY: cert_history(r, reg, tail); break;
	case QPD_R_CERT_STATUS: cert_status(r, reg, tail, &a); break;
	case QPD_R_STATS: stats(r, reg, &a); break;
	case QPD_R_ENTRIES_GET: entries(r, reg, &a); break;
	case QPD_R_ENTRY_GET: entry(r, reg, tail); break;
	case QPD_R_PROOF_INCLUSION: inclusion(r, reg, &a); break;
	case QPD_R_PROOF_CONSISTENCY: consistency(r, reg, &a); break;
	case QPD_R_CHECKPOINT: checkpoint(r, reg); break;
	case QPD_R_TILE: tile(r, reg, tail); break;
	case QPD_R_REGISTRY: registry(r, reg); break;
	case QPD_R_HEALTHZ: {
		uint64_t size = 0;
		if ((err = qp_log_size(&size, reg)) != QP_OK) {
			qpd_problem(r, 503, qp_error_last()->message);
			return;
		}
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "status", "ok");
		cJSON_AddNumberToObject(doc, "size", (double)size);
		qpd_reply_json(r, doc);
		break;
	}
	default: qpd_problem(r, 404, "no such resource"); break;
	}
}

/* ---- the answer to a write ----------------------------------------------------------------------- */

/* s as a JSON string (RFC 8259 7, escaped as cJSON escapes) at p; returns the end.  p has 6 * len + 2 bytes.
 */
static char *json_string(char *p, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	*p++ = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*p++ = (char)c;
			continue;
		}
		*p++ = '\\';
		switch (c) {
		case '"': *p++ = '"'; break;
		case '\\': *p++ = '\\'; break;
		case '\n': *p++ = 'n'; break;
		case '\r': *p++ = 'r'; break;
		case '\t': *p++ = 't'; break;
		case '\b': *p++ = 'b'; break;
		case '\f': *p++ = 'f'; break;
		default:
			memcpy(p, "u00", 3);
			p[3] = hex[c >> 4];
			p[4] = hex[c & 15];
			p += 5;
		}
	}
	*p++ = '"';
	return p;
}

/*
 * {"index":..,"size":..,"checkpoint":"..","proof":"..","certificates":[..]}: written
 * straight out (the checkpoint and the proof are most of it), the certificates (rare)
 * through cJSON.
 */
static void entry_answer(qpd_reply *r, const qpd_job *job, const char *proof, size_t proof_len,
			 qp_registry *reg, const qp_cert *created, size_t ncreated)
{
	char *certs = NULL;
	if (ncreated > 0) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; arr && i < ncreated; i++)
			cJSON_AddItemToArray(arr, qpd_json_cert(reg, &created[i]));
		certs = arr ? cJSON_PrintUnformatted(arr) : NULL;
		cJSON_Delete(arr);
		if (certs == NULL) {
			qpd_problem(r, 500, "out of memory building the reply");
			return;
		}
	}
	size_t cp_len = strlen(job->checkpoint);
	size_t cap = 128 + 6 * (cp_len + proof_len) + (certs ? strlen(certs) : 2);
	char *body = malloc(cap), *p = body;
	if (body == NULL) {
		free(certs);
		qpd_problem(r, 500, "out of memory building the reply");
		return;
	}
	p += snprintf(p, cap, "{\"index\":%llu,\"size\":%llu,\"checkpoint\":", (unsigned long long)job->index,
		      (unsigned long long)job->cp_size);
	p = json_string(p, job->checkpoint, cp_len);
	memcpy(p, ",\"proof\":", 9);
	p = json_string(p + 9, proof, proof_len);
	p += snprintf(p, cap - (size_t)(p - body), ",\"certificates\":%s}", certs ? certs : "[]");
	free(certs);
	r->status = 200;
	r->content_type = QPD_JSON;
	r->body = body;
	r->body_len = (size_t)(p - body);
}

void qpd_route_entry_done(qpd_reply *r, const qpd_job *job)
{
	qp_registry *reg = NULL;
	char *proof = NULL;
	size_t proof_len = 0;
	qp_cert *created = NULL;
	size_t ncreated = 0;
	int err;
	if (job->result != QP_OK) {
		qpd_problem_code(r, job->result, job->message);
		return;
	}
	/* The writer proved the entry in the same transaction as its checkpoint; this thread's reader
	 * sees the commit (for the certificates it created). */
	if ((err = qpd_reader(&reg)) != QP_OK ||
	    (err = qp_log_tlog_proof_text(&proof, &proof_len, job->index, &job->proof, job->checkpoint,
					  strlen(job->checkpoint))) != QP_OK ||
	    (err = qp_certs_created_by(&created, &ncreated, reg, job->index)) != QP_OK) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "appended as entry %llu, but the proof could not be read: %s",
			 (unsigned long long)job->index, qp_error_last()->message);
		free(proof);
		qpd_problem(r, 500, msg);
		return;
	}
	entry_answer(r, job, proof, proof_len, reg, created, ncreated);
	free(proof);
	qp_certs_free(created, ncreated);
}
