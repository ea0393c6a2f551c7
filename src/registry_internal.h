/*
 * registry_internal.h - the registry object and the rules of each entry
 * type (private).  registry.c appends; rules_*.c check and apply one
 * entry type each against the store inside the append transaction.
 */
#ifndef QP_SRC_REGISTRY_INTERNAL_H
#define QP_SRC_REGISTRY_INTERNAL_H

#include <stdint.h>

#include "entry.h"
#include "logstate.h"
#include "schema_internal.h"
#include "quanpiao/certs.h"
#include "quanpiao/personal.h"
#include "quanpiao/registry.h"
#include "quanpiao/schema.h"
#include "quanpiao/store.h"

#define QP_KEY_CACHE 8

typedef struct qp_cached_key {
	char name[QP_KEY_NAME_MAX + 1];
	uint32_t key_id;
	char role[16];
	char valid_until[11]; /* "" if none */
	int revoked;
	uint64_t revoked_idx;
	qp_verifier *verifier;
} qp_cached_key;

struct qp_registry {
	qp_store *store;
	char *origin, *county, *county_name, *authority;
	qp_cached_key keys[QP_KEY_CACHE];
	size_t nkeys;
	cJSON *policy;		/* parameters in force, cached; NULL until read */
	int numbering_conflict; /* the last refusal was a stale certificate or household number */
	/*
	 * The public key the caller verified the entry being appended with, on
	 * another thread (qp_registry_verify_note), or NULL: check_signer then
	 * skips the Ed25519 verification when the enrolled key is that key.
	 */
	const unsigned char *verified_key;
};

/*
 * Put the numbers of the certificates an entry will create into its body
 * ("id" for cert.issue; "new_id" and, when partial, "remainder_id" for
 * cert.transfer; "remainder_id" for a partial cert.redeem), as the next
 * free numbers in the year of now, and the household's "number" into a
 * household.add.  Bodies of other types are untouched.
 */
int qp_registry_number_certs(qp_registry *reg, const char *type, cJSON *body, int64_t now);

/*
 * The number the next household.add must name: <county>-H-<seq, 7 digits>,
 * one more than the highest so far.  The rules and the numbering for
 * signers (qp_registry_number_certs) both use it.
 */
int qp_registry_next_household_number(char out[QP_HOUSEHOLD_NUMBER_LEN + 1], qp_registry *reg);

/*
 * Personal data (registry_personal.c).  take: move the person's ID number
 * and name out of body into out (a fresh salt) and put the commitment in
 * their place; *found is 0 when body holds none (not about a person, an
 * enterprise investor, already committed).  resolve: replace each resident
 * ID number given for a household (home.add household, cert.issue holder,
 * cert.transfer to, household.erase household) by the household's number.
 * apply: store pd beside entry idx once it matches the entry's commitment
 * (inside the append's transaction); an entry that commits to personal
 * data is refused without it when required, else stored without (a
 * replay, a mirror: the data is not theirs to have).
 */
/* qp_personal_init, with the values' field names for messages ("household.add: body.name"). */
int qp_personal_init_as(struct qp_personal *out, const char *id_number, const char *name,
			const char *id_field, const char *name_field);
int qp_personal_take(struct qp_personal *out, int *found, const char *type, cJSON *body);
int qp_registry_resolve_households(qp_registry *reg, const char *type, cJSON *body);
/* qp_households_resolve on a parsed body. */
int qp_households_resolve_json(const char *type, cJSON *body, qp_household_lookup lookup, void *ctx);
int qp_registry_personal_apply(qp_registry *reg, const qp_entry *e, uint64_t idx,
			       const struct qp_personal *pd, int required);
/*
 * The appends of qp_registry_append_batch_verified inside the caller's
 * write transaction, each in a savepoint; a refused note is undone alone.
 * Returns the error that stops the batch (I/O, memory, corruption): then
 * the caller rolls the transaction back.
 */
int qp_registry_batch_in_txn(qp_registry *reg, const char *const *notes, const size_t *note_lens,
			     const struct qp_personal *const *pds, const unsigned char *const *verified,
			     size_t n, uint64_t *indexes, int *results);
/*
 * The end of a batch's transaction: err QP_OK commits it; otherwise, or if
 * the commit fails, it is rolled back and every results[i] set to the error.
 */
int qp_registry_batch_finish(qp_registry *reg, int err, int *results, size_t n);

/* How qp_registry_apply treats an entry. */
#define QP_APPLY_DEFER_SIGNATURE 0x1  /* check the signer but let the caller verify the signature */
#define QP_APPLY_NO_CLOCK	 0x2  /* no future-time check (replaying entries accepted before) */
#define QP_APPLY_META		 0x4  /* copy the entry's type, signer and time out (the audit) */
#define QP_APPLY_NO_TREE	 0x8  /* leave the Merkle tree to the caller (the audit computes it) */
#define QP_APPLY_AT		 0x10 /* the entry's index is `at`: the caller counts the log */
#define QP_APPLY_NO_SAVEPOINT	 0x20 /* the caller undoes a refused entry (by rolling back) */
#define QP_APPLY_NO_LOG		 0x40 /* leave the note out of log_entries (a replay the audit throws away) */

typedef struct qp_apply {
	unsigned flags;
	uint64_t at; /* in, with QP_APPLY_AT */
	/* Out, with QP_APPLY_DEFER_SIGNATURE: what verifying the signature takes. */
	unsigned char public_key[32];
	unsigned char signature[64];
	size_t signed_len; /* the note text: the first signed_len bytes of the note */
	/* Out: the entry's leaf hash, once computed (have_leaf), also when the rules refuse it. */
	unsigned char leaf[32];
	int have_leaf;
	/* Out, with QP_APPLY_META once the note parses (have_meta): type, signer, time (cut to fit). */
	char type[64], signer[128], time[40];
	int have_meta;
	/*
	 * In: how the log states entries name are read, when the registry's
	 * own store cannot say (the audit's replay leaves the tree to the
	 * audit); NULL: the registry's reader (qp_registry_root).
	 */
	qp_log_root_fn root_of;
	void *root_ctx;
	/* Out, once the note parses (have_named): the log state the entry names. */
	qp_log_state named;
	int have_named;
} qp_apply;

/*
 * Check and store one entry inside the caller's transaction, in its own
 * savepoint (rolled back on refusal).  After a genesis entry the
 * registry's facts are loaded.
 */
int qp_registry_apply(qp_registry *reg, const char *note, size_t note_len, uint64_t *index, qp_apply *apply);

/*
 * The import's way in, for entries it builds and signs itself.  e is the
 * entry as parsing its note would give it, but with no note (e->note
 * NULL, e->key_id the signing key's): the checks and rules of
 * qp_registry_apply run on it as entry `at`, without a savepoint, and it
 * is not stored in the log.  apply->public_key is set to the enrolled
 * key of e->signer: the caller must sign with that key.  The caller then
 * stores the signed note with qp_registry_log_put, in the same
 * transaction; until then, the rows the rules wrote name an entry the log
 * does not have yet (the caller's connection does not check foreign keys).
 */
int qp_registry_apply_built(qp_registry *reg, const qp_entry *e, uint64_t at, qp_apply *apply);

/* Store the signed note of entry `at` (leaf: its leaf hash) in the log and the tree. */
int qp_registry_log_put(qp_registry *reg, uint64_t at, const char *note, size_t note_len,
			const unsigned char leaf[32], const char *type, const char *signer, const char *time);

/*
 * The registry's reader of log states (a qp_log_root_fn; ctx is the
 * qp_store): the root of the first size entries from a root read before in
 * this transaction, the stored checkpoint of that size, or the stored
 * tree nodes (O(log n) reads; the current size's come from the store's tip).
 */
int qp_registry_root(void *store, uint64_t size, unsigned char out[32]);

/* The registry's current log state (its size and root): what entries signed now name. */
int qp_registry_log_state(qp_log_state *out, const qp_registry *reg);

/* A registry file with no entries yet, to replay a log into. */
int qp_registry_create_empty(qp_registry **out, const char *path);

/* Read the genesis facts (origin, county...) from the store. */
int qp_registry_load_meta(qp_registry *reg);

/* Forget cached keys and policy (at each transaction start and after changes). */
void qp_registry_forget_keys(qp_registry *reg);

/* The policy parameters in force (cached until the next policy.set or transaction). */
int qp_registry_policy_params(qp_registry *reg, const cJSON **out);

/*
 * Rules of each entry type: check against the state, then apply.  The body
 * has been checked against the schema (qp_schema_check_body) before: they
 * read it with the getters of schema_internal.h.
 */
int qp_rules_genesis(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_key_enroll(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_key_revoke(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_policy_set(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_village_add(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_village_correct(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_household_add(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_household_correct(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_parcel_add(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_household_erase(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_home_add(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_home_status(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_home_activate(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_home_correct(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_cert_issue(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_cert_transfer(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_cert_redeem(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_cert_revoke(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_cert_freeze(qp_registry *reg, const qp_entry *e, uint64_t idx);
int qp_rules_cert_unfreeze(qp_registry *reg, const qp_entry *e, uint64_t idx);

/*
 * Check and apply one entry's rules at index idx (already stored in the
 * log table).  Called inside the append transaction; raise and return
 * an error to refuse the entry.
 */
int qp_rules_apply(qp_registry *reg, const qp_entry *entry, uint64_t idx);

/* A well-formed certificate number, CCCCCC-YYYY-K-NNNNNN; QP_EINVALID saying so (certs.c). */
int qp_cert_check_id(const char *id);

#endif
