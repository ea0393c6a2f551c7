/*
 * registry_internal.h - the registry object and the rules of each entry
 * type (private).  registry.c appends; rules_*.c check and apply one
 * entry type each against the store inside the append transaction.
 */
#ifndef QP_SRC_REGISTRY_INTERNAL_H
#define QP_SRC_REGISTRY_INTERNAL_H

#include <stdint.h>

#include "entry.h"
#include "quanpiao/registry.h"
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
};

/* Forget cached keys (at each transaction start and after key changes). */
void qp_registry_forget_keys(qp_registry *reg);

/*
 * Check and apply one entry's rules at index idx (already stored in the
 * log table).  Called inside the append transaction; raise and return
 * an error to refuse the entry.
 */
int qp_rules_apply(qp_registry *reg, const qp_entry *entry, uint64_t idx);

#endif
