/*
 * registry.c - opening registries and appending signed entries.
 *
 * An append is: parse the note strictly, resolve the signer to an enrolled
 * key, check role, revocation, expiry, origin and time, verify the
 * signature, then - inside one transaction - store the entry, extend the
 * Merkle tree and apply the entry type's rules to the state tables.  Any
 * refusal rolls the transaction (or the entry's savepoint) back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc.h"
#include "clock.h"
#include "error.h"
#include "policy.h"
#include "quanpiao/ids.h"
#include "quanpiao/merkle.h"
#include "quanpiao/personal.h"
#include "registry_internal.h"
#include "store_log.h"

/* ---- opening ------------------------------------------------------------ */

void qp_registry_forget_keys(qp_registry *reg)
{
	for (size_t i = 0; i < reg->nkeys; i++)
		qp_verifier_free(reg->keys[i].verifier);
	reg->nkeys = 0;
	cJSON_Delete(reg->policy);
	reg->policy = NULL;
}

void qp_registry_free(qp_registry *reg)
{
	if (reg == NULL)
		return;
	qp_registry_forget_keys(reg);
	qp_store_free(reg->store);
	qp_free(reg->origin);
	qp_free(reg->county);
	qp_free(reg->county_name);
	qp_free(reg->authority);
	qp_free(reg);
}

/* Read the genesis facts into reg. */
int qp_registry_load_meta(qp_registry *reg)
{
	int err;
	if ((err = qp_store_meta_get(reg->store, "origin", &reg->origin)) != QP_OK ||
	    (err = qp_store_meta_get(reg->store, "county", &reg->county)) != QP_OK ||
	    (err = qp_store_meta_get(reg->store, "county_name", &reg->county_name)) != QP_OK ||
	    (err = qp_store_meta_get(reg->store, "authority", &reg->authority)) != QP_OK) {
		if (err == QP_ENOTFOUND)
			err = qp_error_set(QP_ECORRUPT,
					   "%s: the registry was never initialised (no genesis entry)",
					   qp_store_path(reg->store));
		return err;
	}
	return QP_OK;
}

int qp_registry_open(qp_registry **out, const char *path, unsigned flags)
{
	qp_alloc_json_init();
	qp_registry *reg;
	int err;
	*out = NULL;
	if ((reg = qp_calloc(1, sizeof(*reg))) == NULL)
		return QP_ENOMEM;
	if ((err = qp_store_open(&reg->store, path, flags & QP_STORE_READONLY)) != QP_OK ||
	    (err = qp_registry_load_meta(reg)) != QP_OK) {
		qp_registry_free(reg);
		return err;
	}
	*out = reg;
	return QP_OK;
}

int qp_registry_create_empty(qp_registry **out, const char *path)
{
	qp_alloc_json_init();
	qp_registry *reg;
	int err;
	*out = NULL;
	if ((reg = qp_calloc(1, sizeof(*reg))) == NULL)
		return QP_ENOMEM;
	if ((err = qp_store_open(&reg->store, path, QP_STORE_CREATE)) != QP_OK) {
		qp_registry_free(reg);
		return err;
	}
	*out = reg;
	return QP_OK;
}

unsigned qp_registry_shared_mode(const qp_registry *reg, char *out, size_t len)
{
	unsigned bits = reg ? qp_store_shared_mode(reg->store) : 0;
	if (bits && out && len) {
		const char *p = qp_store_path(reg->store);
		snprintf(out, len,
			 "other users of this machine may read or write %s (permission bits %03o for group and "
			 "others), which holds personal data (names, ID numbers); make it private: chmod go-rwx "
			 "%s %s-wal %s-shm",
			 p, bits, p, p, p);
	}
	return bits;
}

const char *qp_registry_origin(const qp_registry *reg)
{
	return reg->origin;
}

const char *qp_registry_county(const qp_registry *reg)
{
	return reg->county;
}

const char *qp_registry_county_name(const qp_registry *reg)
{
	return reg->county_name;
}

const char *qp_registry_authority(const qp_registry *reg)
{
	return reg->authority;
}

/* ---- log states ----------------------------------------------------------- */

int qp_registry_root(void *ctx, uint64_t size, unsigned char out[QP_HASH_LEN])
{
	qp_store *store = ctx;
	uint64_t now = 0;
	if (qp_store_root_cache_get(store, size, out) == QP_OK)
		return QP_OK;
	if (size == 0) {
		qp_logstate_empty_root(out);
		return QP_OK;
	}
	int err = qp_store_log_size(store, &now);
	if (err == QP_OK && size != now) {
		/* An older state: a checkpoint's (one indexed read) if one was signed at that size. */
		err = qp_store_checkpoint_root(store, size, out);
		if (err == QP_OK) {
			qp_store_root_cache_put(store, size, out);
			return QP_OK;
		}
		if (err == QP_ENOTFOUND)
			err = QP_OK;
	}
	if (err == QP_OK && (err = qp_merkle_root(out, size, qp_store_node_get, store)) == QP_OK)
		qp_store_root_cache_put(store, size, out);
	return err;
}

int qp_registry_log_state(qp_log_state *out, const qp_registry *reg)
{
	memset(out, 0, sizeof(*out));
	int err = qp_store_log_size(reg->store, &out->size);
	if (err == QP_OK)
		err = qp_registry_root(reg->store, out->size, out->root);
	return err;
}

/* The policy's allowed skew below the log's time; the default before the first policy.set. */
static int time_skew(qp_registry *reg, int64_t *out)
{
	const cJSON *params = NULL;
	*out = QP_CLOCK_SKEW_SECONDS;
	int err = qp_registry_policy_params(reg, &params);
	if (err == QP_ENOTFOUND)
		return QP_OK;
	if (err != QP_OK)
		return err;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, "time_skew_seconds");
	if (!cJSON_IsNumber(v))
		return qp_error_set(QP_ECORRUPT, "the policy in force has no time_skew_seconds");
	*out = (int64_t)v->valuedouble;
	return QP_OK;
}

/* The log's time before this entry: *have 0 before the first entry. */
static int log_time(qp_registry *reg, int *have, int64_t *out)
{
	char text[QP_TIME_LEN + 1];
	*have = 0;
	*out = 0;
	int err = qp_store_log_time_get(reg->store, text, sizeof(text));
	if (err == QP_ENOTFOUND)
		return QP_OK;
	if (err == QP_OK && qp_time_parse(out, text, "log_time") != QP_OK)
		err = qp_error_set(QP_ECORRUPT, "the log's time is damaged in the store: %s", text);
	*have = err == QP_OK;
	return err;
}

/* The log's time before an entry, as check_entry read it. */
typedef struct log_clock {
	int have;
	int64_t time;
} log_clock;

/* Keep the log's time as the latest entry time so far (once the entry is accepted). */
static int advance_log_time(qp_registry *reg, const qp_entry *e, const log_clock *before)
{
	if (before->have && e->unix_time <= before->time)
		return QP_OK;
	return qp_store_log_time_set(reg->store, e->time);
}

/* ---- signing -------------------------------------------------------------- */

/* Sign an entry with explicit origin and log state, at the current time (create, sign_entry, submit). */
static int sign_with(char **note, size_t *note_len, const char *origin, const qp_log_state *log,
		     const qp_key *key, const char *type, const cJSON *body)
{
	char when[QP_TIME_LEN + 1];
	char *text = NULL;
	size_t text_len = 0;
	qp_time_format(when, qp_clock_now());
	int err = qp_entry_text(&text, &text_len, origin, type, qp_key_name(key), when, log, body);
	if (err == QP_OK)
		err = qp_note_sign(note, note_len, text, text_len, &key, 1);
	qp_free(text);
	return err;
}

int qp_registry_sign_entry(char **note, size_t *note_len, const qp_registry *reg, const qp_key *key,
			   const char *type, const char *body_json)
{
	*note = NULL;
	if (!qp_entry_type_known(type))
		return qp_error_set(QP_EINVALID, "unknown entry type \"%s\"", type ? type : "");
	cJSON *body = NULL;
	qp_log_state log;
	int err = qp_entry_body_parse(&body, body_json);
	if (err != QP_OK)
		return err;
	err = qp_registry_log_state(&log, reg);
	if (err == QP_OK)
		err = sign_with(note, note_len, reg->origin, &log, key, type, body);
	cJSON_Delete(body);
	return err;
}

/* ---- appending ------------------------------------------------------------ */

/* Find the signer's key (cached for the transaction). */
static int lookup_key(qp_registry *reg, const char *name, uint32_t key_id, qp_cached_key **out)
{
	for (size_t i = 0; i < reg->nkeys; i++)
		if (reg->keys[i].key_id == key_id && strcmp(reg->keys[i].name, name) == 0) {
			*out = &reg->keys[i];
			return QP_OK;
		}
	qp_store_key_row row;
	int err = qp_store_key_get(reg->store, name, key_id, &row);
	if (err == QP_ENOTFOUND)
		return qp_error_set(QP_EPERM, "signer %s (key ID %08x) is not an enrolled key", name, key_id);
	if (err != QP_OK)
		return err;
	if (reg->nkeys == QP_KEY_CACHE)
		qp_registry_forget_keys(reg);
	qp_cached_key *k = &reg->keys[reg->nkeys];
	memset(k, 0, sizeof(*k));
	err = qp_verifier_parse(&k->verifier, row.vkey);
	if (err == QP_OK) {
		snprintf(k->name, sizeof(k->name), "%s", row.name);
		k->key_id = key_id;
		snprintf(k->role, sizeof(k->role), "%s", row.role);
		snprintf(k->valid_until, sizeof(k->valid_until), "%s",
			 row.valid_until ? row.valid_until : "");
		k->revoked = row.revoked;
		k->revoked_idx = row.revoked_idx;
		reg->nkeys++;
		*out = k;
	} else if (err != QP_ENOMEM) {
		err = qp_error_set(QP_ECORRUPT, "enrolled key %s is damaged in the store", name);
	}
	qp_store_key_row_clear(&row);
	return err;
}

/* Check the signer's right to append this entry, and its signature. */
static int check_signer(qp_registry *reg, const qp_entry *e, qp_apply *apply)
{
	qp_cached_key *k = NULL;
	int err = lookup_key(reg, e->signer, e->key_id, &k);
	if (err != QP_OK)
		return err;
	const char *need = qp_entry_role(e->type);
	if (strcmp(k->role, need) != 0)
		return qp_error_set(QP_EPERM, "key %s has role %s; %s entries must be signed by %s %s key",
				    k->name, k->role, e->type, need[0] == 'a' || need[0] == 'o' ? "an" : "a",
				    need);
	if (k->revoked)
		return qp_error_set(QP_EPERM, "key %s was revoked by entry %llu and signs nothing after it",
				    k->name, (unsigned long long)k->revoked_idx);
	if (k->valid_until[0] && strncmp(e->time, k->valid_until, 10) > 0)
		return qp_error_set(QP_EPERM, "key %s expired on %s; the entry is dated %.10s", k->name,
				    k->valid_until, e->time);
	if (e->note == NULL) {
		/* Built by the caller, who signs it (qp_registry_apply_built): hand over the enrolled key. */
		if (apply == NULL)
			return qp_error_set(QP_EINTERNAL,
					    "an entry without a note needs its caller to sign it");
		memcpy(apply->public_key, qp_verifier_public(k->verifier), QP_PUBLIC_KEY_LEN);
		return QP_OK;
	}
	const qp_note_sig *sig = &e->note->sigs[0];
	if (sig->sig_len != QP_SIGNATURE_LEN)
		return qp_error_set(QP_EPERM, "the signature by %s has the wrong length", k->name);
	if (apply && (apply->flags & QP_APPLY_DEFER_SIGNATURE)) {
		/* The caller verifies it (on another thread): hand over what it needs. */
		memcpy(apply->public_key, qp_verifier_public(k->verifier), QP_PUBLIC_KEY_LEN);
		memcpy(apply->signature, sig->sig, QP_SIGNATURE_LEN);
		apply->signed_len = e->note->text_len;
		return QP_OK;
	}
	/* Verified already, on another thread, with the very key enrolled (the role and state are checked
	 * above). */
	if (reg->verified_key &&
	    sodium_memcmp(reg->verified_key, qp_verifier_public(k->verifier), QP_PUBLIC_KEY_LEN) == 0)
		return QP_OK;
	if (qp_verifier_verify(k->verifier, sig->sig, e->note->text, e->note->text_len) != QP_OK)
		return qp_error_set(
		    QP_EPERM, "the signature by %s does not verify (altered entry or wrong key)", k->name);
	return QP_OK;
}

int qp_registry_verify_note(qp_registry *reg, const char *note, size_t note_len,
			    unsigned char public_key[QP_PUBLIC_KEY_LEN])
{
	/* The note, not the entry: its one signature line names the signer and key ID (an entry's
	 * signer must be that name, which the append checks with the rest). */
	qp_note *n = NULL;
	qp_cached_key *k = NULL;
	int err = qp_note_parse(&n, note, note_len);
	if (err != QP_OK)
		return err;
	if (n->nsigs != 1)
		err = qp_error_set(QP_EINVALID, "entry: must carry exactly one signature, has %zu", n->nsigs);
	else if ((err = lookup_key(reg, n->sigs[0].name, n->sigs[0].id, &k)) == QP_OK) {
		const qp_note_sig *sig = &n->sigs[0];
		if (sig->sig_len != QP_SIGNATURE_LEN ||
		    qp_verifier_verify(k->verifier, sig->sig, n->text, n->text_len) != QP_OK)
			err = qp_error_set(QP_EPERM,
					   "the signature by %s does not verify (altered entry or wrong key)",
					   k->name);
		else
			memcpy(public_key, qp_verifier_public(k->verifier), QP_PUBLIC_KEY_LEN);
	}
	qp_note_free(n);
	return err;
}

/* Verify a genesis entry against the authority key it names. */
static int check_genesis_signer(const qp_entry *e, qp_apply *apply)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(e->body, "authority");
	qp_verifier *v = NULL;
	if (!cJSON_IsString(a))
		return qp_error_set(QP_EINVALID, "registry.genesis: body.authority must be a verifier key");
	int err = qp_verifier_parse(&v, a->valuestring);
	if (err != QP_OK)
		return qp_error_prefix("registry.genesis: body.authority");
	const qp_note_sig *sig = &e->note->sigs[0];
	if (strcmp(qp_verifier_name(v), e->signer) != 0 || qp_verifier_id(v) != e->key_id)
		err = qp_error_set(QP_EPERM,
				   "registry.genesis must be signed by the authority key it names (%s)",
				   qp_verifier_name(v));
	else if (qp_verifier_type(v) != QP_KEY_TYPE_ED25519 || sig->sig_len != QP_SIGNATURE_LEN)
		err = qp_error_set(QP_EPERM, "the signature by %s does not verify", e->signer);
	else if (apply && (apply->flags & QP_APPLY_DEFER_SIGNATURE)) {
		memcpy(apply->public_key, qp_verifier_public(v), QP_PUBLIC_KEY_LEN);
		memcpy(apply->signature, sig->sig, QP_SIGNATURE_LEN);
		apply->signed_len = e->note->text_len;
	} else if (qp_verifier_verify(v, sig->sig, e->note->text, e->note->text_len) != QP_OK)
		err = qp_error_set(QP_EPERM, "the signature by %s does not verify", e->signer);
	qp_verifier_free(v);
	return err;
}

/* What every entry must pass before its rules: genesis first and only first, origin, clock, signer. */
static int check_entry(qp_registry *reg, const qp_entry *e, uint64_t size, qp_apply *apply, log_clock *clock)
{
	int genesis = strcmp(e->type, "registry.genesis") == 0;
	if (genesis != (size == 0))
		return genesis ? qp_error_set(QP_ECONFLICT, "the registry already has its genesis entry")
			       : qp_error_set(QP_EINVALID, "the first entry must be registry.genesis");
	/* A replay whose genesis entry was refused (damaged) has no origin to compare with. */
	if (!genesis && reg->origin == NULL)
		return qp_error_set(QP_EINVALID,
				    "the log's genesis entry was not accepted, so no later entry can be");
	if (!genesis && strcmp(e->origin, reg->origin) != 0)
		return qp_error_set(QP_EPERM, "entry is for log %s, not this registry's %s", e->origin,
				    reg->origin);
	if (!(apply && (apply->flags & QP_APPLY_NO_CLOCK)) &&
	    e->unix_time > qp_clock_now() + QP_ENTRY_MAX_FUTURE_SECONDS)
		return qp_error_set(QP_EINVALID, "entry time %s is more than %d minutes in the future",
				    e->time, QP_ENTRY_MAX_FUTURE_SECONDS / 60);
	/* Bound to the log it extends, and not dated back (docs/format.md). */
	int err;
	int64_t skew = QP_CLOCK_SKEW_SECONDS;
	clock->have = 0;
	clock->time = 0;
	if (apply && apply->root_of)
		err = qp_logstate_check(e, size, apply->root_of, apply->root_ctx);
	else
		err = qp_logstate_check(e, size, qp_registry_root, reg->store);
	/* The skew (a policy read) matters only to an entry dated before the log's time. */
	if (err == QP_OK && !genesis && (err = log_time(reg, &clock->have, &clock->time)) == QP_OK &&
	    clock->have && e->unix_time < clock->time && (err = time_skew(reg, &skew)) == QP_OK)
		err = qp_logtime_check(e, clock->have, clock->time, skew);
	if (err != QP_OK)
		return err;
	return genesis ? check_genesis_signer(e, apply) : check_signer(reg, e, apply);
}

/*
 * Check and store one entry; the caller holds the transaction.  pd: the
 * personal data the entry commits to, required by the appends of new
 * entries (not by replays: apply != NULL).
 */
static int append_one(qp_registry *reg, const char *note, size_t note_len, uint64_t *index, qp_apply *apply,
		      const qp_personal *pd)
{
	qp_entry *e = NULL;
	uint64_t size;
	unsigned char leaf[QP_HASH_LEN];
	int err;

	if ((err = qp_entry_parse(&e, note, note_len)) != QP_OK)
		return err;
	if (apply) {
		apply->named = e->log;
		apply->have_named = 1;
	}
	if (apply && (apply->flags & QP_APPLY_META)) {
		snprintf(apply->type, sizeof(apply->type), "%s", e->type);
		snprintf(apply->signer, sizeof(apply->signer), "%s", e->signer);
		snprintf(apply->time, sizeof(apply->time), "%s", e->time);
		apply->have_meta = 1;
	}
	if (apply && (apply->flags & QP_APPLY_AT))
		size = apply->at;
	else if ((err = qp_store_log_size(reg->store, &size)) != QP_OK)
		goto done;
	log_clock clock;
	if ((err = check_entry(reg, e, size, apply, &clock)) != QP_OK)
		goto done;

	qp_merkle_leaf_hash(leaf, note, note_len);
	if (apply) {
		memcpy(apply->leaf, leaf, QP_HASH_LEN);
		apply->have_leaf = 1;
	}
	if ((!(apply && (apply->flags & QP_APPLY_NO_LOG)) &&
	     (err = qp_store_entry_put(reg->store, size, note, note_len, leaf, e->type, e->signer,
				       e->time)) != QP_OK) ||
	    (!(apply && (apply->flags & QP_APPLY_NO_TREE)) &&
	     (err = qp_merkle_append(size, leaf, qp_store_node_get, qp_store_node_put, reg->store)) !=
		 QP_OK) ||
	    (err = qp_rules_apply(reg, e, size)) != QP_OK ||
	    (err = qp_registry_personal_apply(reg, e, size, pd, apply == NULL)) != QP_OK ||
	    (err = advance_log_time(reg, e, &clock)) != QP_OK)
		goto done;
	if (index)
		*index = size;
done:
	qp_entry_free(e);
	return err;
}

int qp_registry_apply(qp_registry *reg, const char *note, size_t note_len, uint64_t *index, qp_apply *apply)
{
	int err, own = !(apply && (apply->flags & QP_APPLY_NO_SAVEPOINT));
	if (own && (err = qp_store_savepoint(reg->store)) != QP_OK)
		return err;
	if ((err = append_one(reg, note, note_len, index, apply, NULL)) != QP_OK) {
		if (own)
			qp_store_rollback_to(reg->store);
		qp_registry_forget_keys(reg);
		return err;
	}
	if (own && (err = qp_store_release(reg->store)) != QP_OK)
		return err;
	if (reg->origin == NULL && (err = qp_registry_load_meta(reg)) != QP_OK)
		return err;
	return QP_OK;
}

int qp_registry_apply_built(qp_registry *reg, const qp_entry *e, uint64_t at, qp_apply *apply)
{
	if (e == NULL || e->note != NULL || apply == NULL || reg->origin == NULL ||
	    strcmp(e->type, "registry.genesis") == 0)
		return qp_error_set(QP_EUSAGE,
				    "qp_registry_apply_built: a built entry of a registry with a genesis");
	log_clock clock;
	int err = check_entry(reg, e, at, apply, &clock);
	if (err == QP_OK)
		err = qp_rules_apply(reg, e, at);
	if (err == QP_OK)
		err = advance_log_time(reg, e, &clock);
	if (err != QP_OK)
		qp_registry_forget_keys(reg);
	return err;
}

int qp_registry_log_put(qp_registry *reg, uint64_t at, const char *note, size_t note_len,
			const unsigned char leaf[QP_HASH_LEN], const char *type, const char *signer,
			const char *time)
{
	int err = qp_store_entry_put(reg->store, at, note, note_len, leaf, type, signer, time);
	if (err == QP_OK)
		err = qp_merkle_append(at, leaf, qp_store_node_get, qp_store_node_put, reg->store);
	return err;
}

int qp_registry_append(qp_registry *reg, const char *note, size_t note_len, uint64_t *index)
{
	return qp_registry_append_personal(reg, note, note_len, NULL, index);
}

int qp_registry_append_personal(qp_registry *reg, const char *note, size_t note_len, const qp_personal *pd,
				uint64_t *index)
{
	int err;
	qp_registry_forget_keys(reg);
	if ((err = qp_store_begin(reg->store)) != QP_OK)
		return err;
	if ((err = append_one(reg, note, note_len, index, NULL, pd)) != QP_OK) {
		qp_store_rollback(reg->store);
		qp_registry_forget_keys(reg);
		return err;
	}
	return qp_store_commit(reg->store);
}

int qp_registry_append_batch(qp_registry *reg, const char *const *notes, const size_t *note_lens, size_t n,
			     uint64_t *indexes, int *results)
{
	return qp_registry_append_batch_personal(reg, notes, note_lens, NULL, n, indexes, results);
}

int qp_registry_append_batch_personal(qp_registry *reg, const char *const *notes, const size_t *note_lens,
				      const qp_personal *const *pds, size_t n, uint64_t *indexes,
				      int *results)
{
	return qp_registry_append_batch_verified(reg, notes, note_lens, pds, NULL, n, indexes, results);
}

int qp_registry_batch_in_txn(qp_registry *reg, const char *const *notes, const size_t *note_lens,
			     const qp_personal *const *pds, const unsigned char *const *verified, size_t n,
			     uint64_t *indexes, int *results)
{
	int err;
	for (size_t i = 0; i < n; i++) {
		if ((err = qp_store_savepoint(reg->store)) != QP_OK)
			return err;
		reg->verified_key = verified ? verified[i] : NULL;
		results[i] = append_one(reg, notes[i], note_lens[i], &indexes[i], NULL, pds ? pds[i] : NULL);
		reg->verified_key = NULL;
		if (results[i] == QP_OK) {
			if ((err = qp_store_release(reg->store)) != QP_OK)
				return err;
		} else {
			qp_store_rollback_to(reg->store);
			qp_registry_forget_keys(reg);
			if (results[i] == QP_EIO || results[i] == QP_ENOMEM || results[i] == QP_ECORRUPT)
				return results[i];
		}
	}
	return QP_OK;
}

int qp_registry_append_batch_verified(qp_registry *reg, const char *const *notes, const size_t *note_lens,
				      const qp_personal *const *pds, const unsigned char *const *verified,
				      size_t n, uint64_t *indexes, int *results)
{
	int err;
	qp_registry_forget_keys(reg);
	if ((err = qp_store_begin(reg->store)) != QP_OK)
		return err;
	err = qp_registry_batch_in_txn(reg, notes, note_lens, pds, verified, n, indexes, results);
	return qp_registry_batch_finish(reg, err, results, n);
}

int qp_registry_batch_finish(qp_registry *reg, int err, int *results, size_t n)
{
	if (err == QP_OK && (err = qp_store_commit(reg->store)) == QP_OK)
		return QP_OK;
	qp_store_rollback(reg->store); /* nothing left to undo after a failed commit */
	qp_registry_forget_keys(reg);
	for (size_t i = 0; i < n; i++)
		results[i] = err;
	return err;
}

int qp_registry_submit(qp_registry *reg, const qp_key *key, const char *type, const char *body_json,
		       uint64_t *index)
{
	int err = QP_OK;
	if (!qp_entry_type_known(type))
		return qp_error_set(QP_EINVALID, "unknown entry type \"%s\"", type ? type : "");
	/* A certificate number taken by a concurrent append is retried with the next one. */
	for (int attempt = 0; attempt < 20; attempt++) {
		char *note = NULL;
		size_t len = 0;
		int have_pd = 0;
		qp_personal pd;
		cJSON *body = NULL;
		if ((err = qp_entry_body_parse(&body, body_json)) != QP_OK)
			return err;
		int64_t now = qp_clock_now();
		qp_log_state log;
		err = qp_registry_resolve_households(reg, type, body);
		if (err == QP_OK)
			err = qp_personal_take(&pd, &have_pd, type, body);
		if (err == QP_OK)
			err = qp_registry_number_certs(reg, type, body, now);
		if (err == QP_OK)
			err = qp_registry_log_state(&log, reg);
		if (err == QP_OK)
			err = sign_with(&note, &len, reg->origin, &log, key, type, body);
		cJSON_Delete(body);
		reg->numbering_conflict = 0;
		if (err == QP_OK)
			err = qp_registry_append_personal(reg, note, len, have_pd ? &pd : NULL, index);
		qp_personal_clear(&pd);
		qp_free(note);
		if (!(err == QP_ECONFLICT && reg->numbering_conflict))
			break;
	}
	return err;
}

/* ---- creating --------------------------------------------------------------- */

static int check_genesis_args(const qp_genesis *g, qp_verifier **log_v)
{
	int err;
	if (g == NULL || g->origin == NULL || g->county == NULL || g->county_name == NULL ||
	    g->log_vkey == NULL)
		return qp_error_set(QP_EUSAGE,
				    "registry creation needs origin, county, county name and log key");
	if (qp_key_check_name(g->origin) != QP_OK)
		return qp_error_set(
		    QP_EINVALID,
		    "origin: \"%s\" must be printable ASCII without spaces or '+' (it names the log key)",
		    g->origin);
	if ((err = qp_ids_check_division(g->county, QP_DIVISION_COUNTY, "county")) != QP_OK)
		return err;
	size_t n = strlen(g->county_name);
	if (n == 0 || n > 64)
		return qp_error_set(QP_EINVALID, "county name: must be 1 to 64 bytes");
	if ((err = qp_verifier_parse(log_v, g->log_vkey)) != QP_OK)
		return qp_error_prefix("log key");
	if (strcmp(qp_verifier_name(*log_v), g->origin) != 0) {
		err = qp_error_set(
		    QP_EINVALID,
		    "log key: its name %s must be the origin %s (witnesses find a log's key by origin)",
		    qp_verifier_name(*log_v), g->origin);
		qp_verifier_free(*log_v);
		*log_v = NULL;
	}
	return err;
}

/* Build, sign and append one entry during creation. */
static int create_entry(qp_registry *reg, const qp_key *authority, const char *type, cJSON *body)
{
	char *note = NULL;
	size_t len = 0;
	qp_log_state log;
	int err = body ? qp_registry_log_state(&log, reg)
		       : qp_error_set(QP_ENOMEM, "out of memory building %s", type);
	if (err == QP_OK)
		err = sign_with(&note, &len, reg->origin, &log, authority, type, body);
	if (err == QP_OK)
		err = append_one(reg, note, len, NULL, NULL, NULL);
	qp_free(note);
	cJSON_Delete(body);
	return err;
}

static void remove_files(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char name[4096];
	for (size_t i = 0; i < 4; i++)
		if (snprintf(name, sizeof(name), "%s%s", path, suffixes[i]) < (int)sizeof(name))
			unlink(name);
}

int qp_registry_create(qp_registry **out, const char *path, const qp_genesis *g, const qp_key *authority)
{
	qp_registry *reg = NULL;
	qp_verifier *log_v = NULL, *auth_v = NULL;
	char *auth_vkey = NULL, *log_vkey = NULL;
	struct stat sb;
	int err, created = 0;

	*out = NULL;
	if (path == NULL || authority == NULL)
		return qp_error_set(QP_EUSAGE, "registry creation needs a path and the authority key");
	if ((err = check_genesis_args(g, &log_v)) != QP_OK)
		return err;
	if (strcmp(qp_key_name(authority), g->origin) == 0) {
		err = qp_error_set(QP_EINVALID, "authority key: must not be named like the log (%s)",
				   g->origin);
		goto done;
	}
	if (stat(path, &sb) == 0) {
		err = qp_error_set(QP_ECONFLICT, "%s already exists; refusing to overwrite a registry", path);
		goto done;
	}
	if ((err = qp_key_verifier(&auth_v, authority)) != QP_OK ||
	    (err = qp_verifier_string(&auth_vkey, auth_v)) != QP_OK ||
	    (err = qp_verifier_string(&log_vkey, log_v)) != QP_OK)
		goto done;
	if ((reg = qp_calloc(1, sizeof(*reg))) == NULL) {
		err = QP_ENOMEM;
		goto done;
	}
	if ((err = qp_store_open(&reg->store, path, QP_STORE_CREATE)) != QP_OK)
		goto done;
	created = 1;
	if ((reg->origin = qp_strdup(g->origin)) == NULL) {
		err = QP_ENOMEM;
		goto done;
	}
	if ((err = qp_store_begin(reg->store)) != QP_OK)
		goto done;

	cJSON *gb = cJSON_CreateObject();
	if (gb && (!cJSON_AddStringToObject(gb, "authority", auth_vkey) ||
		   !cJSON_AddStringToObject(gb, "county", g->county) ||
		   !cJSON_AddStringToObject(gb, "county_name", g->county_name))) {
		cJSON_Delete(gb);
		gb = NULL;
	}
	if ((err = create_entry(reg, authority, "registry.genesis", gb)) != QP_OK)
		goto rollback;

	cJSON *eb = cJSON_CreateObject();
	if (eb &&
	    (!cJSON_AddStringToObject(eb, "role", "log") || !cJSON_AddStringToObject(eb, "vkey", log_vkey))) {
		cJSON_Delete(eb);
		eb = NULL;
	}
	if ((err = create_entry(reg, authority, "key.enroll", eb)) != QP_OK)
		goto rollback;

	cJSON *pb = cJSON_CreateObject();
	cJSON *params = cJSON_Parse(qp_policy_default_json());
	if (pb && params && cJSON_AddItemToObject(pb, "params", params))
		params = NULL;
	else {
		cJSON_Delete(pb);
		cJSON_Delete(params);
		pb = NULL;
	}
	if ((err = create_entry(reg, authority, "policy.set", pb)) != QP_OK)
		goto rollback;
	if ((err = qp_store_commit(reg->store)) != QP_OK)
		goto done;
	qp_free(reg->origin);
	reg->origin = NULL;
	if ((err = qp_registry_load_meta(reg)) != QP_OK)
		goto done;
	*out = reg;
	reg = NULL;
	goto done;
rollback:
	qp_store_rollback(reg->store);
done:
	qp_registry_free(reg);
	if (err != QP_OK && created)
		remove_files(path);
	qp_verifier_free(log_v);
	qp_verifier_free(auth_v);
	free(auth_vkey);
	free(log_vkey);
	return err;
}

/* ---- keys and policy -------------------------------------------------------- */

void qp_key_infos_free(qp_key_info *infos, size_t count)
{
	for (size_t i = 0; infos && i < count; i++) {
		qp_free(infos[i].name);
		qp_free(infos[i].vkey);
		qp_free(infos[i].role);
		qp_free(infos[i].valid_until);
		qp_free(infos[i].revoke_reason);
	}
	qp_free(infos);
}

int qp_registry_keys(qp_key_info **out, size_t *count, qp_registry *reg)
{
	qp_store_key_row *rows = NULL;
	size_t n = 0;
	*out = NULL;
	*count = 0;
	int err = qp_store_keys_all(reg->store, &rows, &n);
	if (err != QP_OK)
		return err;
	qp_key_info *infos = qp_calloc(n ? n : 1, sizeof(*infos));
	if (infos == NULL) {
		qp_store_key_rows_free(rows, n);
		return QP_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		/* Ownership of the strings moves from the rows to the infos. */
		infos[i].name = rows[i].name;
		infos[i].key_id = rows[i].key_id;
		infos[i].vkey = rows[i].vkey;
		infos[i].role = rows[i].role;
		infos[i].valid_until = rows[i].valid_until;
		infos[i].enrolled_at = rows[i].enrolled_idx;
		infos[i].revoked = rows[i].revoked;
		infos[i].revoked_at = rows[i].revoked_idx;
		infos[i].revoke_reason = rows[i].revoke_reason;
	}
	qp_free(rows);
	*out = infos;
	*count = n;
	return QP_OK;
}

int qp_registry_policy(char **params_json, uint64_t *since, qp_registry *reg)
{
	return qp_store_policy_current(reg->store, since, params_json);
}
