/*
 * quanpiao/query.h - reading the registry's state: villages, households,
 * homes, their history and activations, and statistics.
 *
 * Every change is made by appending a signed entry (registry.h); these
 * functions only read the state tables derived from the log.  Lists are
 * ordered by key and paginated: pass the last key of a page as `after` to
 * get the next one.  Areas and money are integer hundredths (m², fen).
 *
 * Entry bodies (the JSON objects that qp_registry_submit takes):
 *   village.add    {"code","name"[,"uscc"]}
 *   household.add  {"id_number","name","village","members"}: the ID number
 *                  and name become the household's personal data, outside
 *                  the log, and the signed body carries a commitment to
 *                  them (quanpiao/personal.h)
 *   household.erase {"household","reason"}
 *   home.add       {"unit","village","household","land_area","status"
 *                   [,"floor_area"][,"built"]}
 *   home.status    {"unit","status"[,"reason"]}
 *   home.activate  {"unit","investor","investor_id","start","years","rent",
 *                   "investment","use"[,"deal_no"]}
 *   home.correct   {"unit","field","value","reason"}
 * A household is named by its registry number (330681-H-0000001);
 * qp_registry_submit also takes the head's ID number and looks it up.
 */
#ifndef QUANPIAO_QUERY_H
#define QUANPIAO_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/registry.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Home statuses, in lifecycle order. */
typedef enum qp_home_status {
	QP_HOME_IN_USE,
	QP_HOME_IDLE,
	QP_HOME_ACTIVATED,
	QP_HOME_DILAPIDATED,
	QP_HOME_WITHDRAWN,
	QP_HOME_DEMOLISHED,
	QP_HOME_RECLAIMED,
	QP_HOME_STATUS_COUNT
} qp_home_status;

/* "in_use", "idle", ... (static strings); NULL for an out-of-range value. */
QP_API const char *qp_home_status_name(qp_home_status s);
/* Chinese label: 在用, 闲置, 已激活, 危旧, 已退出, 已拆除, 已复垦. */
QP_API const char *qp_home_status_label(qp_home_status s);
/* Parse a status name; QP_EINVALID listing the allowed names. */
QP_API int qp_home_status_parse(qp_home_status *out, const char *name);

/* Activation uses: homestay culture eldercare rental office other. */
QP_API int qp_activation_use_check(const char *use);
/* The i-th activation use (a static string), or NULL when i is past the last. */
QP_API const char *qp_activation_use_name(size_t i);

typedef struct qp_village {
	char code[13];
	char *name;
	char *uscc;	   /* NULL if none */
	uint64_t added_at;   /* entry index */
	uint64_t updated_at; /* the entry that last changed it (added_at unless corrected) */
} qp_village;

typedef struct qp_household {
	char number[17];    /* the registry number, 330681-H-0000001 */
	char id_number[19]; /* in full: mask it for display (qp_ids_mask_resident); "" if not held */
	char *name;	    /* NULL if not held */
	char village[13];
	int members;
	char
	    commitment[65]; /* to the personal data, as the last household.add or name correction signed it */
	uint64_t added_at;
	int erased;	    /* its personal data was erased (household.erase) */
	uint64_t erased_at; /* that entry */
	uint64_t corrected_at; /* the last household.correct, 0 if none */
} qp_household;

typedef struct qp_home {
	char unit[29];
	char village[13];
	char household[17]; /* its number */
	int64_t land_area;  /* hundredths of m² */
	int64_t floor_area; /* hundredths of m², -1 if not recorded */
	int built;	    /* year, 0 if not recorded */
	qp_home_status status;
	uint64_t added_at, updated_at; /* entry indexes */
} qp_home;

typedef struct qp_activation {
	uint64_t index; /* the home.activate entry */
	char unit[29];
	char *investor;	      /* an enterprise's name, or a person's (NULL if not held) */
	char investor_id[19]; /* its credit code, or the person's ID number ("" if not held) */
	int investor_person;  /* a person: the entry carries investor_commitment instead */
	char investor_commitment[65];
	char start[11]; /* YYYY-MM-DD */
	int years;
	int64_t rent;	    /* annual, fen */
	int64_t investment; /* fen */
	char use[16];
	char *deal_no; /* NULL if none */
} qp_activation;

/* One change in a home's history. */
typedef struct qp_home_event {
	uint64_t index;
	char time[21];
	char *signer;
	char type[24];
	char *summary; /* what changed, e.g. "status idle -> activated" */
} qp_home_event;

/*
 * Filters for qp_homes_list; NULL, -1 or 0 members do not filter.  At most
 * one of village, township and household may be set (QP_EUSAGE).
 */
typedef struct qp_home_filter {
	const char *village;   /* 12-digit code          */
	const char *township;  /* 9-digit code           */
	const char *household; /* household number       */
	int status;	       /* qp_home_status, or -1  */
	const char *after;     /* unit code: page after  */
	size_t limit;	       /* 0: no limit            */
} qp_home_filter;

QP_API int qp_village_get(qp_village *out, qp_registry *reg, const char *code);
QP_API int qp_villages_list(qp_village **out, size_t *count, qp_registry *reg, const char *township);
QP_API void qp_village_clear(qp_village *v);
QP_API void qp_villages_free(qp_village *list, size_t count);

/*
 * A household by its number or its head's ID number.  Its id_number and
 * name are empty when the file holds no personal data for it: erased, or
 * a mirror of a served registry.
 */
QP_API int qp_household_get(qp_household *out, qp_registry *reg, const char *number_or_id);
/* The number of the household whose head has this ID number (QP_ENOTFOUND, QP_EINVALID). */
QP_API int qp_household_find(char number[17], qp_registry *reg, const char *id_number);
/* In order of number; after is the last number of the previous page. */
QP_API int qp_households_list(qp_household **out, size_t *count, qp_registry *reg, const char *village,
			      const char *after, size_t limit);
QP_API void qp_household_clear(qp_household *h);
QP_API void qp_households_free(qp_household *list, size_t count);

QP_API int qp_home_get(qp_home *out, qp_registry *reg, const char *unit);
QP_API int qp_homes_list(qp_home **out, size_t *count, qp_registry *reg, const qp_home_filter *filter);
QP_API void qp_homes_free(qp_home *list);

/* Every entry that changed the home, oldest first. */
QP_API int qp_home_history(qp_home_event **out, size_t *count, qp_registry *reg, const char *unit);
QP_API void qp_home_events_free(qp_home_event *list, size_t count);

/* The home's activations (lease contracts), oldest first. */
QP_API int qp_home_activations(qp_activation **out, size_t *count, qp_registry *reg, const char *unit);
QP_API void qp_activations_free(qp_activation *list, size_t count);

/* Statistics, for the whole county or one village or township. */
typedef struct qp_stats {
	uint64_t homes[QP_HOME_STATUS_COUNT];	 /* homes by status              */
	int64_t land_area[QP_HOME_STATUS_COUNT]; /* their land area, hundredths  */
	uint64_t villages, households;
	/* Activations started in the year (all years when year is 0). */
	uint64_t activations;
	int64_t investment;	 /* fen */
	int64_t first_year_rent; /* fen */
	/*
	 * Certificates by kind (qp_cert_kind) and shown state (qp_cert_state,
	 * and QP_CERT_EXPIRED for index 4), count and area; of homes in
	 * the village or township when one is given.  Every year.
	 */
	uint64_t certs[3][5];
	int64_t cert_area[3][5];
} qp_stats;

/*
 * Statistics; year 0 means all years.  village and township may be NULL
 * (at most one of them set).  QP_EINVALID for a malformed code.
 */
QP_API int qp_stats_get(qp_stats *out, qp_registry *reg, int year, const char *village, const char *township);

#ifdef __cplusplus
}
#endif

#endif
