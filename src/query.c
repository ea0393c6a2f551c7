/*
 * query.c - reading villages, households, homes, history, activations and
 * statistics: arguments are checked here, the SQL is in store_homes.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "quanpiao/ids.h"
#include "quanpiao/query.h"
#include "registry_internal.h"
#include "clock.h"
#include "store_certs.h"
#include "store_homes.h"

static const char *const status_names[] = {"in_use",	"idle",	      "activated", "dilapidated",
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
			    "status: \"%s\" is not one of in_use, idle, activated, dilapidated, withdrawn, "
			    "demolished, reclaimed",
			    name ? name : "");
}

static const char *const uses[] = {"homestay", "culture", "eldercare", "rental", "office", "other"};

const char *qp_activation_use_name(size_t i)
{
	return i < sizeof(uses) / sizeof(uses[0]) ? uses[i] : NULL;
}

int qp_activation_use_check(const char *use)
{
	for (size_t i = 0; use && i < sizeof(uses) / sizeof(uses[0]); i++)
		if (strcmp(use, uses[i]) == 0)
			return QP_OK;
	return qp_error_set(QP_EINVALID,
			    "use: \"%s\" is not one of homestay, culture, eldercare, rental, office, other",
			    use ? use : "");
}

static int check_code(const char *code, qp_division_level level, const char *field)
{
	return qp_ids_check_division(code, level, field);
}

void qp_village_clear(qp_village *v)
{
	if (v == NULL)
		return;
	qp_free(v->name);
	qp_free(v->uscc);
	memset(v, 0, sizeof(*v));
}

void qp_villages_free(qp_village *list, size_t count)
{
	for (size_t i = 0; list && i < count; i++)
		qp_village_clear(&list[i]);
	qp_free(list);
}

int qp_village_get(qp_village *out, qp_registry *reg, const char *code)
{
	memset(out, 0, sizeof(*out));
	int err = check_code(code, QP_DIVISION_VILLAGE, "village");
	return err == QP_OK ? qp_store_village_get(reg->store, code, out) : err;
}

int qp_villages_list(qp_village **out, size_t *count, qp_registry *reg, const char *township)
{
	*out = NULL;
	*count = 0;
	int err = township ? check_code(township, QP_DIVISION_TOWNSHIP, "township") : QP_OK;
	return err == QP_OK ? qp_store_villages_list(reg->store, township, out, count) : err;
}

void qp_household_clear(qp_household *h)
{
	if (h == NULL)
		return;
	qp_free(h->name);
	memset(h, 0, sizeof(*h));
}

void qp_households_free(qp_household *list, size_t count)
{
	for (size_t i = 0; list && i < count; i++)
		qp_household_clear(&list[i]);
	qp_free(list);
}

int qp_household_find(char number[QP_HOUSEHOLD_NUMBER_LEN + 1], qp_registry *reg, const char *id_number)
{
	char norm[QP_RESIDENT_ID_LEN + 1];
	number[0] = '\0';
	int err = qp_ids_check_resident(norm, id_number, "ID number");
	return err == QP_OK ? qp_store_household_find(reg->store, norm, number) : err;
}

int qp_household_get(qp_household *out, qp_registry *reg, const char *number_or_id)
{
	char number[QP_HOUSEHOLD_NUMBER_LEN + 1];
	memset(out, 0, sizeof(*out));
	int err = number_or_id && strlen(number_or_id) == QP_HOUSEHOLD_NUMBER_LEN
		      ? qp_ids_check_household(number_or_id, reg->county, "household number")
		      : qp_household_find(number, reg, number_or_id);
	if (err == QP_OK)
		err = qp_store_household_get(
		    reg->store, strlen(number_or_id) == QP_HOUSEHOLD_NUMBER_LEN ? number_or_id : number, out);
	return err;
}

int qp_households_list(qp_household **out, size_t *count, qp_registry *reg, const char *village,
		       const char *after, size_t limit)
{
	*out = NULL;
	*count = 0;
	int err = village ? check_code(village, QP_DIVISION_VILLAGE, "village") : QP_OK;
	return err == QP_OK ? qp_store_households_list(reg->store, village, after, limit, out, count) : err;
}

int qp_home_get(qp_home *out, qp_registry *reg, const char *unit)
{
	memset(out, 0, sizeof(*out));
	int err = qp_ids_check_unit(unit, reg->county, "unit");
	return err == QP_OK ? qp_store_home_get(reg->store, unit, out) : err;
}

void qp_homes_free(qp_home *list)
{
	qp_free(list);
}

/* Check a filter: codes well formed, at most one scope. */
static int check_filter(qp_registry *reg, const qp_home_filter *f)
{
	int err = QP_OK;
	int scopes = (f->village != NULL) + (f->township != NULL) + (f->household != NULL);
	if (scopes > 1)
		return qp_error_set(QP_EUSAGE, "filter homes by one of village, township or household");
	if (f->village)
		err = check_code(f->village, QP_DIVISION_VILLAGE, "village");
	else if (f->township)
		err = check_code(f->township, QP_DIVISION_TOWNSHIP, "township");
	else if (f->household)
		err = qp_ids_check_household(f->household, NULL, "household");
	if (err == QP_OK && f->status >= QP_HOME_STATUS_COUNT)
		err = qp_error_set(QP_EINVALID, "status %d is not a home status", f->status);
	(void)reg;
	return err;
}

int qp_homes_list(qp_home **out, size_t *count, qp_registry *reg, const qp_home_filter *filter)
{
	qp_home_filter all = {NULL, NULL, NULL, -1, NULL, 0};
	*out = NULL;
	*count = 0;
	if (filter == NULL)
		filter = &all;
	int err = check_filter(reg, filter);
	return err == QP_OK ? qp_store_homes_list(reg->store, filter, out, count) : err;
}

int qp_home_history(qp_home_event **out, size_t *count, qp_registry *reg, const char *unit)
{
	qp_home h;
	*out = NULL;
	*count = 0;
	int err = qp_home_get(&h, reg, unit);
	return err == QP_OK ? qp_store_home_events(reg->store, unit, out, count) : err;
}

void qp_home_events_free(qp_home_event *list, size_t count)
{
	for (size_t i = 0; list && i < count; i++) {
		qp_free(list[i].signer);
		qp_free(list[i].summary);
	}
	qp_free(list);
}

int qp_home_activations(qp_activation **out, size_t *count, qp_registry *reg, const char *unit)
{
	qp_home h;
	*out = NULL;
	*count = 0;
	int err = qp_home_get(&h, reg, unit);
	return err == QP_OK ? qp_store_activations(reg->store, unit, out, count) : err;
}

void qp_activations_free(qp_activation *list, size_t count)
{
	for (size_t i = 0; list && i < count; i++) {
		qp_free(list[i].investor);
		qp_free(list[i].deal_no);
	}
	qp_free(list);
}

int qp_stats_get(qp_stats *out, qp_registry *reg, int year, const char *village, const char *township)
{
	memset(out, 0, sizeof(*out));
	if (village && township)
		return qp_error_set(QP_EUSAGE, "statistics are for one village or one township, not both");
	if (year != 0 && (year < 1900 || year > 2999))
		return qp_error_set(QP_EINVALID, "year: %d is outside 1900-2999", year);
	int err = village    ? check_code(village, QP_DIVISION_VILLAGE, "village")
		  : township ? check_code(township, QP_DIVISION_TOWNSHIP, "township")
			     : QP_OK;
	if (err == QP_OK)
		err = qp_store_stats(reg->store, year, village, township, out);
	if (err == QP_OK) {
		char now[QP_TIME_LEN + 1], today[11];
		qp_time_format(now, qp_clock_now());
		snprintf(today, sizeof(today), "%.10s", now);
		err = qp_store_cert_stats(reg->store, village, township, today, out->certs, out->cert_area);
	}
	return err;
}
