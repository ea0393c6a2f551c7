/*
 * client.c - the CLI as a client of quanpiaod (client.h).
 *
 * The mirror lives in $QUANPIAO_CACHE (else $XDG_CACHE_HOME/quanpiao,
 * else ~/.cache/quanpiao), one file per server URL.  A sync fetches the
 * served checkpoint, then the entries the mirror lacks up to its size
 * (pages of /v1/entries), replays them - every signature and rule checked
 * again - and keeps the checkpoint only if its root is the one the
 * mirror computes.  A service that rewrote its log fails the sync.
 *
 * Certificate numbers: an entry that creates certificates names their
 * numbers, and the registry accepts only the next free ones.  The client
 * numbers from its freshly synced mirror; if another desk's entry took
 * the number first the service answers 409, the client syncs again and,
 * when the numbers it would claim now differ, signs again with them (as
 * qp_registry_submit does locally, up to 20 times).  A 409 whose
 * numbering has not changed is a real conflict (exit 5).  Household
 * numbers are claimed the same way (household.add names the next one).
 *
 * Personal data: the mirror holds none (the log carries commitments, not
 * ID numbers or names).  So a household named by its head's ID number is
 * looked up on the service (GET /v1/households/ID), and a household.add's
 * ID number and name (or a person investor's) are split off before the
 * entry is signed (qp_personal_split) and POSTed beside the note as
 * "personal" for the service to keep in its personal-data table.  The
 * same data and salt go with every attempt; every copy is zeroed after.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include <quanpiao/mirror.h>
#include <quanpiao/quanpiao.h>

#include "client.h"

#define MAX_RESPONSE (256u << 20) /* a page of entries is at most ~1000 notes */
#define PAGE	     1000
#define ATTEMPTS     20

/* ---- errors -------------------------------------------------------------------------------- */

/* "quanpiao: <message>" and, with --json, the error document (as cli.c's report does). */
static int report(const cli_ctx *ctx, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int report(const cli_ctx *ctx, int code, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "quanpiao: %s\n", msg);
	int status = cli_exit_code(code);
	if (ctx->json) {
		cJSON *doc = cJSON_CreateObject();
		cJSON *err = cJSON_AddObjectToObject(doc, "error");
		cli_json_add_text(err, "message", msg);
		cli_json_add_text(err, "reason", qp_strerror(code));
		cJSON_AddNumberToObject(err, "exit", status);
		cli_json_emit(doc);
	}
	return status;
}

/* The library code behind an HTTP status of the service (docs/service.md). */
static int code_for_status(long status)
{
	switch (status) {
	case 400:
	case 413:
	case 415:
	case 422: return QP_EINVALID;
	case 403: return QP_EPERM;
	case 404: return QP_ENOTFOUND;
	case 409: return QP_ECONFLICT;
	default: return QP_EIO;
	}
}

/* ---- HTTP ------------------------------------------------------------------------------------ */

typedef struct response {
	long status;
	char *body;
	size_t len, cap;
	int too_big;
} response;

static size_t on_data(char *data, size_t size, size_t nmemb, void *ctx)
{
	response *r = ctx;
	size_t n = size * nmemb;
	if (r->len + n + 1 > MAX_RESPONSE) {
		r->too_big = 1;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n + 1)
			cap *= 2;
		char *grown = realloc(r->body, cap);
		if (grown == NULL)
			return 0;
		r->body = grown;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static CURL *curl;

/*
 * The officer's key (--key or QUANPIAO_KEY), loaded once per run: it
 * signs the entries and the lookups of households by ID number, which the
 * service answers only to an enrolled officer or auditor.
 */
static qp_key *own_key;
/* The key the next request is signed with (RFC 9421), besides --reveal's. */
static const qp_key *sign_next;

static int client_key(const cli_ctx *ctx, const qp_key **out)
{
	int rc = own_key ? CLI_OK : cli_load_key(ctx, NULL, &own_key);
	*out = own_key;
	return rc;
}

static void curl_done(void)
{
	qp_key_free(own_key);
	own_key = NULL;
	curl_easy_cleanup(curl);
	curl_global_cleanup();
}

/*
 * GET (post_json NULL) or POST a JSON body to the server's path.  Returns
 * CLI_OK with r filled in (any HTTP status), or an exit status after
 * printing why the service could not be reached.
 */
static int http(const cli_ctx *ctx, const char *path, const char *post_json, response *r)
{
	char url[4096], errbuf[CURL_ERROR_SIZE] = "";
	size_t n = strlen(ctx->server);
	while (n > 0 && ctx->server[n - 1] == '/')
		n--;
	memset(r, 0, sizeof(*r));
	if (snprintf(url, sizeof(url), "%.*s%s", (int)n, ctx->server, path) >= (int)sizeof(url))
		return report(ctx, QP_EINVALID, "--server: the URL is too long");
	if (curl == NULL) {
		/* One handle for the whole run: the connection is kept alive across requests. */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (curl = curl_easy_init()) == NULL)
			return report(ctx, QP_EIO, "--server: cannot start libcurl");
		atexit(curl_done);
	}
	struct curl_slist *headers = NULL;
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	const qp_key *signer = cli_reveal_key() ? cli_reveal_key() : sign_next;
	if (signer != NULL && post_json == NULL) {
		/* A read with --reveal is signed with the officer's or auditor's key (RFC 9421, httpsig.h).
		 */
		char target[4096], *sig_input = NULL, *sig = NULL, line[1024];
		snprintf(target, sizeof(target), "%s", path);
		char *query = strchr(target, '?');
		if (query)
			*query++ = '\0';
		if (qp_httpsig_sign(&sig_input, &sig, signer, "GET", target, query, (int64_t)time(NULL),
				    NULL) != QP_OK)
			return cli_fail(ctx, qp_error_last()->code);
		snprintf(line, sizeof(line), "Signature-Input: %s", sig_input);
		headers = curl_slist_append(headers, line);
		snprintf(line, sizeof(line), "Signature: %s", sig);
		headers = curl_slist_append(headers, line);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		free(sig_input);
		free(sig);
	}
	if (post_json) {
		headers = curl_slist_append(headers, "Content-Type: application/json");
		/* The body is small: no round trip for "100 Continue". */
		headers = curl_slist_append(headers, "Expect:");
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_json);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(post_json));
	}
	CURLcode rc = curl_easy_perform(curl);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK) {
		free(r->body);
		r->body = NULL;
		if (r->too_big)
			return report(ctx, QP_EIO, "--server %s: the answer is larger than %u bytes",
				      ctx->server, MAX_RESPONSE);
		/* curl's words say what failed; say also what to do about it. */
		const char *hint = "";
		if (rc == CURLE_COULDNT_CONNECT)
			hint = "; is quanpiaod running and listening there? (it prints 'listening on URL' "
			       "when it starts; see 'man quanpiaod')";
		else if (rc == CURLE_COULDNT_RESOLVE_HOST)
			hint = "; check the host name in the URL";
		else if (rc == CURLE_OPERATION_TIMEDOUT)
			hint = "; the service did not answer in time: is the address right, and is it "
			       "reachable from here?";
		else if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
			hint = "; the URL must be http://HOST:PORT or https://HOST:PORT";
		return report(ctx, QP_EIO, "--server %s: %s%s", ctx->server,
			      errbuf[0] ? errbuf : curl_easy_strerror(rc), hint);
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->body == NULL && (r->body = calloc(1, 1)) == NULL)
		return report(ctx, QP_ENOMEM, "out of memory");
	return CLI_OK;
}

/* Report a non-200 answer: the problem's detail (the registry's reason) and its exit status. */
static int report_problem(const cli_ctx *ctx, const response *r)
{
	cJSON *doc = cJSON_Parse(r->body);
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(doc, "detail");
	int rc;
	if (cJSON_IsString(detail))
		rc = report(ctx, code_for_status(r->status), "%s", detail->valuestring);
	else
		rc = report(ctx, code_for_status(r->status), "--server %s: HTTP status %ld", ctx->server,
			    r->status);
	cJSON_Delete(doc);
	return rc;
}

/* ---- the mirror --------------------------------------------------------------------------------- */

static int mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* The mirror's file for ctx->server: <cache>/mirror-<16 hex of SHA-256(URL)>.db. */
int client_mirror_path(const cli_ctx *ctx, char *out, size_t len)
{
	const char *dir = getenv("QUANPIAO_CACHE"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char base[4096];
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];
	size_t n = strlen(ctx->server);
	while (n > 0 && ctx->server[n - 1] == '/')
		n--;
	if (dir && dir[0])
		snprintf(base, sizeof(base), "%s", dir);
	else if (xdg && xdg[0])
		snprintf(base, sizeof(base), "%s/quanpiao", xdg);
	else if (home && home[0])
		snprintf(base, sizeof(base), "%s/.cache/quanpiao", home);
	else
		return report(ctx, QP_EIO, "--server: no cache directory for the mirror; set QUANPIAO_CACHE");
	if (mkdirs(base) != 0)
		return report(ctx, QP_EIO, "%s: cannot create the cache directory: %s", base,
			      strerror(errno));
	crypto_hash_sha256(digest, (const unsigned char *)ctx->server, n);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	if (snprintf(out, len, "%s/mirror-%.16s.db", base, hex) >= (int)len)
		return report(ctx, QP_EIO, "%s: the cache path is too long", base);
	return CLI_OK;
}

/* Parse a page of /v1/entries into the mirror. */
static int apply_page(const cli_ctx *ctx, qp_registry *reg, uint64_t first, const response *r,
		      size_t *applied)
{
	cJSON *doc = cJSON_Parse(r->body);
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "entries"), *e;
	size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
	const char **notes = calloc(n ? n : 1, sizeof(*notes));
	size_t *lens = calloc(n ? n : 1, sizeof(*lens));
	int rc = CLI_OK;
	*applied = 0;
	if (!cJSON_IsArray(arr) || notes == NULL || lens == NULL) {
		rc = report(ctx, QP_EIO, "--server %s: a malformed page of entries", ctx->server);
		goto done;
	}
	cJSON_ArrayForEach(e, arr)
	{
		const cJSON *note = cJSON_GetObjectItemCaseSensitive(e, "note");
		const cJSON *index = cJSON_GetObjectItemCaseSensitive(e, "index");
		if (!cJSON_IsString(note) || !cJSON_IsNumber(index) ||
		    index->valuedouble != (double)(first + i)) {
			rc = report(ctx, QP_EIO,
				    "--server %s: entry %llu of a page is malformed or out of order",
				    ctx->server, (unsigned long long)(first + i));
			goto done;
		}
		notes[i] = note->valuestring;
		lens[i] = strlen(note->valuestring);
		i++;
	}
	int err = qp_mirror_apply(reg, first, notes, lens, n);
	if (err != QP_OK)
		rc = cli_fail(ctx, err);
	else
		*applied = n;
done:
	free(notes);
	free(lens);
	cJSON_Delete(doc);
	return rc;
}

/*
 * Bring the mirror up to the served checkpoint.  *out (may be NULL: then
 * it is closed) gets the mirror open read-write; path its file.
 */
static int sync_mirror(const cli_ctx *ctx, char *path, size_t path_len, qp_registry **out)
{
	response cp = {0}, page = {0};
	qp_registry *reg = NULL;
	qp_checkpoint parsed;
	uint64_t have = 0;
	int rc, err;
	if (out)
		*out = NULL;
	if ((rc = client_mirror_path(ctx, path, path_len)) != CLI_OK ||
	    (rc = http(ctx, "/checkpoint", NULL, &cp)) != CLI_OK)
		return rc;
	if (cp.status != 200) {
		rc = report_problem(ctx, &cp);
		goto done;
	}
	/* The note's text is its first three lines: origin, size, root. */
	const char *p = cp.body;
	for (int i = 0; i < 3 && p; i++) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (p == NULL || qp_checkpoint_parse(&parsed, cp.body, (size_t)(p - cp.body)) != QP_OK) {
		rc = report(ctx, QP_EIO, "--server %s: /checkpoint is not a checkpoint", ctx->server);
		goto done;
	}
	/* Created for the user alone: no moment at which others could open it. */
	mode_t old_mask = umask(077);
	err = qp_mirror_open(&reg, path);
	umask(old_mask);
	if (err != QP_OK || (err = qp_log_size(&have, reg)) != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	/* A mirror is for its user alone (it holds no personal data, but what it holds is theirs). */
	{
		static const char *const tails[] = {"", "-wal", "-shm"};
		char f[4200];
		for (size_t t = 0; t < 3; t++) {
			snprintf(f, sizeof(f), "%s%s", path, tails[t]);
			(void)chmod(f, 0600);
		}
	}
	while (have < parsed.size) {
		char q[128];
		size_t applied = 0;
		snprintf(q, sizeof(q), "/v1/entries?start=%llu&end=%llu&limit=%d", (unsigned long long)have,
			 (unsigned long long)parsed.size, PAGE);
		if ((rc = http(ctx, q, NULL, &page)) != CLI_OK)
			goto done;
		if (page.status != 200) {
			rc = report_problem(ctx, &page);
			goto done;
		}
		if ((rc = apply_page(ctx, reg, have, &page, &applied)) != CLI_OK)
			goto done;
		free(page.body);
		page.body = NULL;
		if (applied == 0) {
			rc = report(ctx, QP_EIO, "--server %s: no entries served from %llu", ctx->server,
				    (unsigned long long)have);
			goto done;
		}
		have += applied;
	}
	if ((err = qp_mirror_checkpoint(reg, cp.body, cp.len)) != QP_OK) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	rc = CLI_OK;
	if (out) {
		*out = reg;
		reg = NULL;
	}
done:
	qp_registry_free(reg);
	free(cp.body);
	free(page.body);
	return rc;
}

int client_open_registry(const cli_ctx *ctx, unsigned flags, qp_registry **out)
{
	char path[4096];
	int rc;
	*out = NULL;
	if (!(flags & QP_STORE_READONLY)) {
		fprintf(stderr, "quanpiao: this command changes the registry file itself and does not work "
				"with --server; "
				"run it where the registry is\n");
		return CLI_EXIT_USAGE;
	}
	if ((rc = sync_mirror(ctx, path, sizeof(path), NULL)) != CLI_OK)
		return rc;
	int err = qp_registry_open(out, path, QP_STORE_READONLY);
	return err == QP_OK ? CLI_OK : cli_fail(ctx, err);
}

/* ---- lookups ---------------------------------------------------------------------------------- */

/*
 * GET /v1/households/ID: into number, or the answer left in r (r->status
 * not 200) for the caller to report.  id is a checked, normalised resident
 * ID number (digits and X only, so safe in a path).
 */
static int ask_household(const cli_ctx *ctx, const char *id, char number[QP_HOUSEHOLD_NUMBER_LEN + 1],
			 response *r)
{
	char path[64];
	number[0] = '\0';
	snprintf(path, sizeof(path), "/v1/households/%s", id);
	/* An ID number is looked up only by an enrolled officer or auditor: signed with the key given. */
	const qp_key *key = NULL;
	int rc = ctx->key_path ? client_key(ctx, &key) : CLI_OK;
	if (rc != CLI_OK)
		return rc;
	sign_next = key;
	rc = http(ctx, path, NULL, r);
	sign_next = NULL;
	if (rc != CLI_OK || r->status != 200)
		return rc;
	cJSON *doc = cJSON_Parse(r->body);
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(doc, "household");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(h, "number");
	if (cJSON_IsString(n) && strlen(n->valuestring) == QP_HOUSEHOLD_NUMBER_LEN)
		snprintf(number, QP_HOUSEHOLD_NUMBER_LEN + 1, "%s", n->valuestring);
	else
		rc = report(ctx, QP_EIO, "--server %s: the answer names no household number", ctx->server);
	cJSON_Delete(doc);
	return rc;
}

int client_household_number(const cli_ctx *ctx, const char *id_number, char number[17])
{
	char norm[QP_RESIDENT_ID_LEN + 1];
	response r = {0};
	int err = qp_ids_check_resident(norm, id_number, "ID number");
	number[0] = '\0';
	if (err != QP_OK)
		return cli_fail(ctx, err);
	int rc = ask_household(ctx, norm, number, &r);
	if (rc == CLI_OK && r.status != 200)
		rc = report_problem(ctx, &r);
	free(r.body);
	return rc;
}

/* The service's answer for a lookup of qp_households_resolve; rc: what went wrong, reported. */
typedef struct lookup {
	const cli_ctx *ctx;
	int rc;
} lookup;

static int ask_service(void *ctx, const char *id_number, char number[QP_HOUSEHOLD_NUMBER_LEN + 1])
{
	lookup *l = ctx;
	response r = {0};
	int rc = ask_household(l->ctx, id_number, number, &r), err = QP_OK;
	if (rc == CLI_OK && r.status == 404)
		err = QP_ENOTFOUND;
	else if (rc == CLI_OK && r.status != 200)
		rc = report_problem(l->ctx, &r);
	free(r.body);
	if (rc != CLI_OK) {
		l->rc = rc; /* reported already; the caller exits with it */
		err = QP_EIO;
	}
	return err;
}

static void wipe_json(cJSON *item);

int client_household_reveal(const cli_ctx *ctx, qp_household *h)
{
	char path[64];
	response r = {0};
	snprintf(path, sizeof(path), "/v1/households/%s", h->number);
	int rc = http(ctx, path, NULL, &r);
	if (rc == CLI_OK && r.status != 200)
		rc = report_problem(ctx, &r);
	if (rc == CLI_OK) {
		cJSON *doc = cJSON_Parse(r.body);
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, "household");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id_number");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
		char norm[QP_RESIDENT_ID_LEN + 1];
		/* Only what is whole: a masked or missing value leaves the record "not held". */
		if (cJSON_IsString(id) && strchr(id->valuestring, '*') == NULL &&
		    qp_ids_check_resident(norm, id->valuestring, NULL) == QP_OK && cJSON_IsString(name)) {
			char *copy = strdup(name->valuestring);
			if (copy == NULL) {
				rc = report(ctx, QP_ENOMEM, "out of memory");
			} else {
				memcpy(h->id_number, norm, sizeof(h->id_number));
				free(h->name);
				h->name = copy;
			}
		}
		if (doc)
			wipe_json(doc->child);
		cJSON_Delete(doc);
	}
	if (r.body)
		sodium_memzero(r.body, strlen(r.body));
	free(r.body);
	return rc;
}

/* ---- writes ----------------------------------------------------------------------------------------- */

/* Number and sign the entry against a freshly synced mirror; *numbered is the body as numbered. */
static int sign_entry(cli_ctx *ctx, const qp_key *key, const char *type, const char *json, char **numbered,
		      char **note, size_t *note_len)
{
	char path[4096];
	qp_registry *reg = NULL;
	int rc = sync_mirror(ctx, path, sizeof(path), &reg), err;
	*numbered = NULL;
	*note = NULL;
	if (rc != CLI_OK)
		return rc;
	if ((err = qp_mirror_number(numbered, reg, type, json)) != QP_OK ||
	    (err = qp_registry_sign_entry(note, note_len, reg, key, type, *numbered)) != QP_OK)
		rc = cli_fail(ctx, err);
	qp_registry_free(reg);
	return rc;
}

/* After a 200: the mirror, synced past the checkpoint given, must hold our note at index. */
static int check_appended(cli_ctx *ctx, uint64_t index, const char *note, size_t note_len)
{
	char path[4096], *have = NULL;
	size_t have_len = 0;
	qp_registry *reg = NULL;
	int rc = sync_mirror(ctx, path, sizeof(path), &reg), err;
	if (rc != CLI_OK)
		return rc;
	if ((err = qp_log_entry(&have, &have_len, reg, index)) != QP_OK)
		rc = cli_fail(ctx, err);
	else if (have_len != note_len || memcmp(have, note, note_len) != 0)
		rc = report(
		    ctx, QP_EVERIFY,
		    "--server %s: the service answered entry %llu, but its signed log holds another entry "
		    "there",
		    ctx->server, (unsigned long long)index);
	free(have);
	qp_registry_free(reg);
	return rc;
}

/* Zero the strings of a JSON document before it is freed (it held personal data). */
static void wipe_json(cJSON *item)
{
	for (; item; item = item->next) {
		if (item->valuestring)
			sodium_memzero(item->valuestring, strlen(item->valuestring));
		wipe_json(item->child);
	}
}

/*
 * POST {"member": text} (and "size" unless QP_LOG_LATEST, and "personal"
 * {"id_number", "name", "salt"} when pd is not NULL) to path.  The request
 * text is zeroed once sent when it carries personal data.
 */
static int post(const cli_ctx *ctx, const char *path, const char *member, const char *text, uint64_t size,
		const qp_personal *pd, response *r)
{
	char salt[2 * QP_SALT_LEN + 1];
	cJSON *req = cJSON_CreateObject(), *p = NULL;
	int ok = req && cJSON_AddStringToObject(req, member, text) &&
		 (size == QP_LOG_LATEST || cJSON_AddNumberToObject(req, "size", (double)size));
	if (ok && pd) {
		qp_personal_salt_hex(salt, pd);
		ok = (p = cJSON_AddObjectToObject(req, "personal")) != NULL &&
		     cJSON_AddStringToObject(p, "id_number", pd->id_number) &&
		     cJSON_AddStringToObject(p, "name", pd->name) && cJSON_AddStringToObject(p, "salt", salt);
		sodium_memzero(salt, sizeof(salt));
	}
	char *json = ok ? cJSON_PrintUnformatted(req) : NULL;
	if (p)
		wipe_json(p->child);
	cJSON_Delete(req);
	int rc = json ? http(ctx, path, json, r) : report(ctx, QP_ENOMEM, "out of memory");
	if (json && pd)
		sodium_memzero(json, strlen(json));
	free(json);
	return rc;
}

/* A 200 to a POSTed note: its index, once the signed log is seen to hold the note there. */
static int appended(cli_ctx *ctx, const response *r, const char *note, size_t note_len, uint64_t *index)
{
	cJSON *doc = cJSON_Parse(r->body);
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(doc, "index");
	int rc;
	if (cJSON_IsNumber(idx) && idx->valuedouble >= 0) {
		uint64_t got = (uint64_t)idx->valuedouble;
		rc = check_appended(ctx, got, note, note_len);
		if (rc == CLI_OK && index)
			*index = got;
	} else {
		rc = report(ctx, QP_EIO, "--server %s: the answer has no entry index", ctx->server);
	}
	cJSON_Delete(doc);
	return rc;
}

int client_append(cli_ctx *ctx, const char *note, size_t note_len, uint64_t *index)
{
	response r = {0};
	int rc = post(ctx, "/v1/entries", "note", note, QP_LOG_LATEST, NULL, &r);
	if (rc == CLI_OK)
		rc = r.status == 200 ? appended(ctx, &r, note, note_len, index) : report_problem(ctx, &r);
	free(r.body);
	return rc;
}

int client_cosign(cli_ctx *ctx, const char *line, uint64_t size)
{
	response r = {0};
	int rc = post(ctx, "/v1/cosignatures", "cosignature", line, size, NULL, &r);
	if (rc == CLI_OK && r.status != 200)
		rc = report_problem(ctx, &r);
	free(r.body);
	return rc;
}

/*
 * The body as the entry is signed: households named by number (asked of
 * the service), and the personal data split out into *pd with a fresh salt
 * (*found 1) and the commitment in its place.  *out is malloc'd.
 */
static int prepare_body(cli_ctx *ctx, const char *type, cJSON *body, char **out, qp_personal *pd, int *found)
{
	char *json = NULL, *resolved = NULL;
	lookup l = {ctx, CLI_OK};
	int rc = CLI_OK, err;
	*out = NULL;
	*found = 0;
	if ((json = cJSON_PrintUnformatted(body)) == NULL)
		return report(ctx, QP_ENOMEM, "out of memory building the entry");
	/* Households by number: the mirror holds no ID numbers, so the service looks them up. */
	if ((err = qp_households_resolve(&resolved, type, json, ask_service, &l)) != QP_OK)
		rc = l.rc != CLI_OK ? l.rc : cli_fail(ctx, err);
	else if ((err = qp_personal_split(out, pd, found, type, resolved)) != QP_OK)
		rc = cli_fail(ctx, err);
	sodium_memzero(json, strlen(json));
	free(json);
	if (resolved)
		sodium_memzero(resolved, strlen(resolved));
	free(resolved);
	return rc;
}

int client_submit(cli_ctx *ctx, const char *type, cJSON *body, uint64_t *index)
{
	char *json = NULL, *prev = NULL;
	qp_personal pd = {0};
	int found = 0;
	const qp_key *key = NULL;
	response r = {0};
	int rc = prepare_body(ctx, type, body, &json, &pd, &found);
	/* The body held the officer's words: ID numbers and names too. */
	if (body)
		wipe_json(body->child);
	cJSON_Delete(body);
	if (rc != CLI_OK)
		return rc;
	if ((rc = client_key(ctx, &key)) != CLI_OK)
		goto done;
	/*
	 * Every attempt sends the same personal data with the same salt: only
	 * the numbers change between attempts, so the commitment stays.
	 */
	for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
		char *numbered = NULL, *note = NULL;
		size_t note_len = 0;
		if ((rc = sign_entry(ctx, key, type, json, &numbered, &note, &note_len)) != CLI_OK) {
			free(numbered);
			break;
		}
		/* A conflict last time, and the numbers we would claim are the same: it was a real one. */
		if (prev && strcmp(prev, numbered) == 0) {
			free(numbered);
			free(note);
			free(prev);
			prev = NULL;
			rc = report_problem(ctx, &r);
			break;
		}
		free(prev);
		prev = NULL;
		free(r.body);
		r.body = NULL;
		rc = post(ctx, "/v1/entries", "note", note, QP_LOG_LATEST, found ? &pd : NULL, &r);
		if (rc != CLI_OK) {
			free(numbered);
			free(note);
			break;
		}
		if (r.status == 200) {
			rc = appended(ctx, &r, note, note_len, index);
			free(numbered);
			free(note);
			break;
		}
		free(note);
		if (r.status == 409 && strcmp(numbered, json) != 0) {
			/* Perhaps a certificate or household number went to another desk: sync and look
			 * again. */
			prev = numbered;
			continue;
		}
		free(numbered);
		rc = report_problem(ctx, &r);
		break;
	}
	if (prev) /* every attempt lost the race for a number */
		rc = report_problem(ctx, &r);
done:
	qp_personal_clear(&pd);
	free(prev);
	free(r.body);
	free(json);
	return rc;
}
