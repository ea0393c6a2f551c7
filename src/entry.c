/*
 * entry.c - the text form of log entries and their strict parsing.
 *
 * Parsing is the first gate of an append: whatever passes here has the
 * exact shape every later reader (audit, verify, other implementations)
 * relies on, so it is strict and says which rule failed.
 */
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "canon.h"
#include "clock.h"
#include "entry.h"
#include "error.h"
#include "quanpiao/schema.h"

/* Entry types and the role whose keys may sign them: the schema (quanpiao/schema.h). */
const char *qp_entry_role(const char *type)
{
	const qp_schema_entry *s = qp_schema_entry_get(type);
	return s ? s->role : NULL;
}

int qp_entry_type_known(const char *type)
{
	return qp_entry_role(type) != NULL;
}

int qp_entry_body_parse(cJSON **out, const char *body_json)
{
	int perr = QP_OK;
	cJSON *body = body_json ? qp_json_parse(body_json, strlen(body_json), NULL, &perr) : NULL;
	*out = NULL;
	if (!cJSON_IsObject(body)) {
		cJSON_Delete(body);
		if (body == NULL && perr == QP_ENOMEM)
			return qp_error_set(QP_ENOMEM, "out of memory parsing the entry body");
		return qp_error_set(QP_EINVALID, "entry body must be a JSON object");
	}
	*out = body;
	return QP_OK;
}

void qp_entry_free(qp_entry *entry)
{
	if (entry == NULL)
		return;
	qp_note_free(entry->note);
	cJSON_Delete(entry->json);
	qp_free(entry);
}

static const char *member_string(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * The "log" member: exactly {"root": base64 of 32 bytes in its one
 * spelling, "size": an integer >= 0}.
 */
static int parse_log_state(qp_log_state *out, const cJSON *log)
{
	const cJSON *root = cJSON_GetObjectItemCaseSensitive(log, "root");
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(log, "size");
	int count = 0;
	for (const cJSON *m = cJSON_IsObject(log) ? log->child : NULL; m; m = m->next)
		count++;
	if (!cJSON_IsObject(log) || count != 2 || !cJSON_IsString(root) || !cJSON_IsNumber(size))
		return qp_error_set(
		    QP_EINVALID, "entry: log must be an object of exactly root (string) and size (integer)");
	/* Canonical JSON holds integers only, at most 2^53 - 1: exact in a double. */
	if (size->valuedouble < 0)
		return qp_error_set(QP_EINVALID, "entry: log.size must be an integer of at least 0");
	out->size = (uint64_t)size->valuedouble;
	size_t bin_len = 0;
	const char *end = NULL;
	char again[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	const char *b64 = root->valuestring;
	if (strlen(b64) != sizeof(again) - 1 ||
	    sodium_base642bin(out->root, sizeof(out->root), b64, strlen(b64), NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != sizeof(out->root) || *end != '\0' ||
	    strcmp(sodium_bin2base64(again, sizeof(again), out->root, sizeof(out->root),
				     sodium_base64_VARIANT_ORIGINAL),
		   b64) != 0)
		return qp_error_set(QP_EINVALID, "entry: log.root must be the base64 of exactly 32 bytes");
	return QP_OK;
}

int qp_entry_parse(qp_entry **out, const char *note, size_t note_len)
{
	qp_entry *e = NULL;
	int err;
	*out = NULL;
	if (note_len > QP_ENTRY_MAX_SIZE)
		return qp_error_set(QP_EINVALID, "entry: %zu bytes is more than the limit of %u", note_len,
				    QP_ENTRY_MAX_SIZE);
	if ((e = qp_calloc(1, sizeof(*e))) == NULL)
		return QP_ENOMEM;
	if ((err = qp_note_parse(&e->note, note, note_len)) != QP_OK) {
		qp_error_prefix("entry");
		goto fail;
	}
	const char *text = e->note->text;
	size_t hlen = strlen(QP_ENTRY_HEADER);
	if (e->note->text_len >= hlen + 1 && memcmp(text, QP_ENTRY_HEADER_V1 "\n", hlen + 1) == 0) {
		err = qp_error_set(QP_EINVALID,
				   "entry: first line %s: this is entry format v1, and this program reads %s "
				   "only (nothing is deployed: re-create the registry)",
				   QP_ENTRY_HEADER_V1, QP_ENTRY_HEADER);
		goto fail;
	}
	if (e->note->text_len < hlen + 1 || memcmp(text, QP_ENTRY_HEADER "\n", hlen + 1) != 0) {
		err = qp_error_set(QP_EINVALID, "entry: first line must be %s", QP_ENTRY_HEADER);
		goto fail;
	}
	const char *json = text + hlen + 1;
	size_t json_len = e->note->text_len - hlen - 1;
	const char *nl = memchr(json, '\n', json_len);
	if (nl == NULL || (size_t)(nl - json) + 1 != json_len) {
		err = qp_error_set(QP_EINVALID, "entry: text must be exactly two lines (header and JSON)");
		goto fail;
	}
	if ((err = qp_canon_parse(&e->json, json, (size_t)(nl - json))) != QP_OK) {
		qp_error_prefix("entry");
		goto fail;
	}
	if (!cJSON_IsObject(e->json)) {
		err = qp_error_set(QP_EINVALID, "entry: JSON must be an object");
		goto fail;
	}
	static const char *const members[] = {"body", "log", "origin", "signer", "time", "type"};
	const size_t nmembers = sizeof(members) / sizeof(members[0]);
	size_t count = 0;
	for (const cJSON *m = e->json->child; m; m = m->next) {
		int known = 0;
		for (size_t i = 0; i < nmembers; i++)
			known |= strcmp(m->string, members[i]) == 0;
		if (!known) {
			err = qp_error_set(QP_EINVALID, "entry: unknown member \"%s\"", m->string);
			goto fail;
		}
		count++;
	}
	e->type = member_string(e->json, "type");
	e->signer = member_string(e->json, "signer");
	e->origin = member_string(e->json, "origin");
	e->time = member_string(e->json, "time");
	e->body = cJSON_GetObjectItemCaseSensitive(e->json, "body");
	const cJSON *log = cJSON_GetObjectItemCaseSensitive(e->json, "log");
	if (count != nmembers || !e->type || !e->signer || !e->origin || !e->time ||
	    !cJSON_IsObject(e->body) || !cJSON_IsObject(log)) {
		err = qp_error_set(
		    QP_EINVALID,
		    "entry: needs body and log (objects), origin, signer, time and type (strings)");
		goto fail;
	}
	if ((err = parse_log_state(&e->log, log)) != QP_OK)
		goto fail;
	if (!qp_entry_type_known(e->type)) {
		err = qp_error_set(QP_EINVALID, "entry: unknown type \"%s\"", e->type);
		goto fail;
	}
	if ((err = qp_time_parse(&e->unix_time, e->time, "entry time")) != QP_OK)
		goto fail;
	if (e->note->nsigs != 1) {
		err = qp_error_set(QP_EINVALID, "entry: must carry exactly one signature, has %zu",
				   e->note->nsigs);
		goto fail;
	}
	if (strcmp(e->note->sigs[0].name, e->signer) != 0) {
		err = qp_error_set(QP_EINVALID, "entry: signed by %s but names %s as signer",
				   e->note->sigs[0].name, e->signer);
		goto fail;
	}
	e->key_id = e->note->sigs[0].id;
	*out = e;
	return QP_OK;
fail:
	qp_entry_free(e);
	return err;
}

/*
 * The fast path of qp_entry_text: the same bytes, written directly.  The
 * entry's members are in canonical order already (body, log, origin,
 * signer, time, type sort so as UTF-16 code units), and a string of
 * printable ASCII other than '"' and '\\' is written as it is; only the
 * body goes through the canonical encoder.  Returns SLOW_PATH, nothing
 * set, when the slow path must say what it says: a string that needs
 * escaping or checking, a body nested as deep as the wrapper would refuse
 * (it encodes the body one level down), or an encoder error (its message
 * names the path from the wrapper, "body.area: ...").
 */
#define SLOW_PATH 1

static int plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

/* Nonzero if v holds arrays or objects nested more than max levels (v itself counted). */
static int deeper(const cJSON *v, int max)
{
	if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
		return 0;
	if (max == 0)
		return 1;
	for (const cJSON *c = v->child; c; c = c->next)
		if (deeper(c, max - 1))
			return 1;
	return 0;
}

static int entry_text_direct(char **out, size_t *out_len, const char *origin, const char *type,
			     const char *signer, const char *time, const char *b64, uint64_t size,
			     const cJSON *body)
{
	if (!origin || !type || !signer || !time || !plain(origin) || !plain(type) || !plain(signer) ||
	    !plain(time) || deeper(body, QP_CANON_MAX_DEPTH - 1))
		return SLOW_PATH;
	char *json = NULL;
	size_t json_len = 0;
	if (qp_canon_encode(&json, &json_len, body) != QP_OK)
		return SLOW_PATH; /* it says what the encoder found, naming the path from the entry */
	char num[24];
	int num_len = snprintf(num, sizeof(num), "%llu", (unsigned long long)size);
	const char *parts[] = {QP_ENTRY_HEADER "\n{\"body\":",
			       json,
			       ",\"log\":{\"root\":\"",
			       b64,
			       "\",\"size\":",
			       num,
			       "},\"origin\":\"",
			       origin,
			       "\",\"signer\":\"",
			       signer,
			       "\",\"time\":\"",
			       time,
			       "\",\"type\":\"",
			       type,
			       "\"}\n"};
	size_t lens[sizeof(parts) / sizeof(parts[0])], n = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		n += lens[i] = i == 1 ? json_len : i == 5 ? (size_t)num_len : strlen(parts[i]);
	char *t = qp_malloc(n + 1);
	if (t == NULL) {
		qp_free(json);
		return qp_error_set(QP_ENOMEM, "out of memory building an entry");
	}
	size_t at = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		memcpy(t + at, parts[i], lens[i]);
		at += lens[i];
	}
	t[n] = '\0';
	qp_free(json);
	*out = t;
	*out_len = n;
	return QP_OK;
}

int qp_entry_text(char **out, size_t *out_len, const char *origin, const char *type, const char *signer,
		  const char *time, const qp_log_state *log, const cJSON *body)
{
	cJSON *root = NULL, *state = NULL;
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	char *json = NULL;
	size_t json_len = 0;
	int err = QP_ENOMEM;
	*out = NULL;
	if (!cJSON_IsObject(body))
		return qp_error_set(QP_EINVALID, "entry body must be a JSON object");
	if (log == NULL || log->size > ((uint64_t)1 << 53) - 1)
		return qp_error_set(QP_EINVALID, "entry: log.size must be an integer from 0 to 2^53 - 1");
	sodium_bin2base64(b64, sizeof(b64), log->root, sizeof(log->root), sodium_base64_VARIANT_ORIGINAL);
	if ((err = entry_text_direct(out, out_len, origin, type, signer, time, b64, log->size, body)) !=
	    SLOW_PATH)
		return err;
	err = QP_ENOMEM;
	/*
	 * A shallow wrapper: the body is referenced, not copied.  (Not with
	 * cJSON_AddItemReferenceToObject: it leaks its reference when adding
	 * it runs out of memory.)
	 */
	root = cJSON_CreateObject();
	cJSON *ref = cJSON_CreateObjectReference(body->child);
	state = cJSON_CreateObject();
	if (state == NULL || !cJSON_AddStringToObject(state, "root", b64) ||
	    !cJSON_AddNumberToObject(state, "size", (double)log->size) || root == NULL ||
	    !cJSON_AddItemToObject(root, "log", state)) {
		cJSON_Delete(ref);
		qp_error_set(QP_ENOMEM, "out of memory building an entry");
		goto done;
	}
	state = NULL; /* root's now */
	if (ref == NULL || !cJSON_AddStringToObject(root, "type", type) ||
	    !cJSON_AddStringToObject(root, "time", time) ||
	    !cJSON_AddStringToObject(root, "signer", signer) ||
	    !cJSON_AddStringToObject(root, "origin", origin) || !cJSON_AddItemToObject(root, "body", ref)) {
		cJSON_Delete(ref);
		qp_error_set(QP_ENOMEM, "out of memory building an entry");
		goto done;
	}
	if ((err = qp_canon_encode(&json, &json_len, root)) != QP_OK)
		goto done;
	size_t hlen = strlen(QP_ENTRY_HEADER);
	size_t n = hlen + 1 + json_len + 1;
	char *t = qp_malloc(n + 1);
	if (t == NULL) {
		err = QP_ENOMEM;
		goto done;
	}
	memcpy(t, QP_ENTRY_HEADER "\n", hlen + 1);
	memcpy(t + hlen + 1, json, json_len);
	t[n - 1] = '\n';
	t[n] = '\0';
	*out = t;
	*out_len = n;
	err = QP_OK;
done:
	cJSON_Delete(state);
	cJSON_Delete(root);
	qp_free(json);
	return err;
}
