/*
 * query.c - reading villages, households, homes, history, activations and
 * statistics (placeholder bodies until the store queries land).
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "quanpiao/query.h"

static const char *const status_names[] = {"in_use",    "idle",       "activated", "dilapidated",
					   "withdrawn", "demolished", "reclaimed"};
static const char *const status_labels[] = {"在用", "闲置", "已激活", "危旧", "已退出", "已拆除", "已复垦"};

const char *qp_home_status_name(qp_home_status s)
{
	return (unsigned)s < QP_HOME_STATUS_COUNT ? status_names[s] : NULL;
}

const char *qp_home_status_label(qp_home_status s)
{
	return (unsigned)s < QP_HOME_STATUS_COUNT ? status_labels[s] : NULL;
}

int qp_home_status_parse(qp_home_status *out, const char *name)
{
	for (int i = 0; name && i < QP_HOME_STATUS_COUNT; i++)
		if (strcmp(name, status_names[i]) == 0) {
			*out = (qp_home_status)i;
			return QP_OK;
		}
	return qp_error_set(QP_EINVALID,
			    "status: \"%s\" is not one of in_use, idle, activated, dilapidated, withdrawn, demolished, reclaimed",
			    name ? name : "");
}

int qp_activation_use_check(const char *use)
{
	static const char *const uses[] = {"homestay", "culture", "eldercare", "rental", "office", "other"};
	for (size_t i = 0; use && i < sizeof(uses) / sizeof(uses[0]); i++)
		if (strcmp(use, uses[i]) == 0)
			return QP_OK;
	return qp_error_set(QP_EINVALID, "use: \"%s\" is not one of homestay, culture, eldercare, rental, office, other",
			    use ? use : "");
}

#define TODO return qp_error_set(QP_EINTERNAL, "not implemented yet")

int qp_village_get(qp_village *out, qp_registry *reg, const char *code) { TODO; }
int qp_villages_list(qp_village **out, size_t *count, qp_registry *reg, const char *township) { TODO; }
void qp_village_clear(qp_village *v) { (void)v; }
void qp_villages_free(qp_village *list, size_t count) { (void)list; (void)count; }
int qp_household_get(qp_household *out, qp_registry *reg, const char *id_number) { TODO; }
int qp_households_list(qp_household **out, size_t *count, qp_registry *reg, const char *village, const char *after, size_t limit) { TODO; }
void qp_household_clear(qp_household *h) { (void)h; }
void qp_households_free(qp_household *list, size_t count) { (void)list; (void)count; }
int qp_home_get(qp_home *out, qp_registry *reg, const char *unit) { TODO; }
int qp_homes_list(qp_home **out, size_t *count, qp_registry *reg, const qp_home_filter *filter) { TODO; }
void qp_homes_free(qp_home *list) { (void)list; }
int qp_home_history(qp_home_event **out, size_t *count, qp_registry *reg, const char *unit) { TODO; }
void qp_home_events_free(qp_home_event *list, size_t count) { (void)list; (void)count; }
int qp_home_activations(qp_activation **out, size_t *count, qp_registry *reg, const char *unit) { TODO; }
void qp_activations_free(qp_activation *list, size_t count) { (void)list; (void)count; }
int qp_stats_get(qp_stats *out, qp_registry *reg, int year, const char *village, const char *township) { TODO; }
