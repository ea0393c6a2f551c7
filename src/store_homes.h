/*
 * store_homes.h - the store's tables for villages, households, homes,
 * home history and activations (private).  Rows are read into the public
 * structs of quanpiao/query.h.
 */
#ifndef QP_SRC_STORE_HOMES_H
#define QP_SRC_STORE_HOMES_H

#include <stdint.h>

#include "quanpiao/personal.h"
#include "quanpiao/query.h"
#include "quanpiao/store.h"

/* Villages.  get: QP_ENOTFOUND if absent. */
int qp_store_village_get(qp_store *store, const char *code, qp_village *out);
int qp_store_village_put(qp_store *store, const char *code, const char *name, const char *uscc, uint64_t idx);
/* Set a village's name and credit code (NULL: none), as corrected by entry idx. */
int qp_store_village_correct(qp_store *store, const char *code, const char *name, const char *uscc,
			      uint64_t idx);
/* The village whose collective has this credit code (the first by code): QP_ENOTFOUND if none. */
int qp_store_village_by_uscc(qp_store *store, const char *uscc, char code[13]);
int qp_store_villages_list(qp_store *store, const char *township, qp_village **out, size_t *count);

/*
 * Households, by registry number, with their personal data where the file
 * holds it.  put: number is the next one (the rules checked it),
 * commitment the one household.add signed.
 */
int qp_store_household_get(qp_store *store, const char *number, qp_household *out);
int qp_store_household_put(qp_store *store, const char *number, const char *village, int members,
			   const char *commitment, uint64_t idx);
/* The number of the household whose head has this ID number: QP_ENOTFOUND (masked in the message). */
int qp_store_household_find(qp_store *store, const char *id_number, char number[QP_HOUSEHOLD_NUMBER_LEN + 1]);
/* Personal data (outside the log).  get: QP_ENOTFOUND when the file holds none for the household. */
int qp_store_personal_get(qp_store *store, const char *number, qp_personal *out);
int qp_store_personal_put(qp_store *store, const char *number, const qp_personal *p);
/*
 * household.correct: members (when > 0) and the commitment (when not NULL)
 * replaced, updated_idx set; the personal data of a name correction: the
 * same head (ID number), the new name and salt.
 */
int qp_store_household_correct(qp_store *store, const char *number, int members, const char *commitment,
			       uint64_t idx);
int qp_store_personal_replace(qp_store *store, const char *number, const qp_personal *p);
/* A person investor's data, beside the activation (entry index) whose commitment it matches. */
int qp_store_investor_put(qp_store *store, uint64_t activation, const qp_personal *p);
/* Mark the household erased by entry idx and delete its personal data. */
int qp_store_household_erase(qp_store *store, const char *number, uint64_t idx);
/* The sequence of the next household number: one more than the highest so far (1 in a new registry). */
int qp_store_household_next_seq(qp_store *store, int64_t *out);
int qp_store_households_list(qp_store *store, const char *village, const char *after, size_t limit,
			     qp_household **out, size_t *count);

/* Homes. */
/*
 * The homes on a parcel (19 characters of a unit code): the first unit, and
 * how many there are (0, 1, or 2 for more than one).
 */
int qp_store_parcel_homes(qp_store *store, const char *parcel, char unit[QP_UNIT_CODE_LEN + 1], int *count);

/* Reclaimed land: a parcel with no registered home on it (parcel.add, docs/format.md). */
typedef struct qp_store_parcel {
	char parcel[QP_PARCEL_CODE_LEN + 1];
	char village[13];
	int64_t land_area; /* hundredths of m² */
	uint64_t added_at; /* the parcel.add entry */
} qp_store_parcel;
/* get: QP_ENOTFOUND if the parcel is not registered as reclaimed land. */
int qp_store_parcel_get(qp_store *store, const char *parcel, qp_store_parcel *out);
/* put: the parcel registered as reclaimed land by entry idx (the rules checked it). */
int qp_store_parcel_put(qp_store *store, const qp_store_parcel *p);
int qp_store_home_get(qp_store *store, const char *unit, qp_home *out);
int qp_store_home_put(qp_store *store, const qp_home *home);
/* exit_path: the way the home left use, recorded with the status ("withdrawn", "demolished"), or NULL. */
int qp_store_home_set_status(qp_store *store, const char *unit, qp_home_status status, uint64_t idx,
			     const char *exit_path);
/* field is "land_area", "floor_area" or "built"; value < 0 stores NULL. */
int qp_store_home_set_field(qp_store *store, const char *unit, const char *field, int64_t value,
			    uint64_t idx);
/* How many of the household's homes are in_use, idle or activated. */
int qp_store_household_live_homes(qp_store *store, const char *number, uint64_t *out);
int qp_store_homes_list(qp_store *store, const qp_home_filter *filter, qp_home **out, size_t *count);
/*
 * The query plan SQLite chooses for qp_store_homes_list with this filter,
 * one step per line (for tests that check an index is used).  *out is
 * qp_malloc'd.
 */
int qp_store_homes_list_plan(qp_store *store, const qp_home_filter *filter, char **out);

/* History and activations. */
int qp_store_home_event_put(qp_store *store, const char *unit, uint64_t idx, const char *summary);
int qp_store_home_events(qp_store *store, const char *unit, qp_home_event **out, size_t *count);
int qp_store_activation_put(qp_store *store, const qp_activation *a, const char *village,
			    const char *township);
int qp_store_activations(qp_store *store, const char *unit, qp_activation **out, size_t *count);

/* Statistics: see qp_stats_get. */
int qp_store_stats(qp_store *store, int year, const char *village, const char *township, qp_stats *out);

#endif
