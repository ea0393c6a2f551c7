/*
 * certs.c - reading certificates: names, lookups, lists, history, the
 * display number, and the invariant check.  The SQL is in store_certs.c;
 * the rules that change certificates are in certrules.c (the rulebook) and
 * rules_certs.c (the registry's append path).
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "error.h"
#include "quanpiao/certs.h"
#include "quanpiao/ids.h"
#include "registry_internal.h"
#include "store_certs.h"

static const char *const kind_names[] = {"guarantee", "retention", "collective"};
static const char *const kind_labels[] = {"保障权票", "保留权票", "集体权票"};
static const char kind_letters[] = "GRC";
/* The fifth name is the shown state QP_CERT_EXPIRED. */
static const char *const state_names[] = {"live", "spent", "frozen", "revoked", "expired"};
static const char *const state_labels[] = {"有效", "已使用", "冻结", "已注销", "已过期"};

const char *qp_cert_kind_name(qp_cert_kind k)
{
	return (unsigned)k < QP_CERT_KIND_COUNT ? kind_names[k] : NULL;
}

const char *qp_cert_kind_label(qp_cert_kind k)
{
	return (unsigned)k < QP_CERT_KIND_COUNT ? kind_labels[k] : NULL;
}

char qp_cert_kind_letter(qp_cert_kind k)
{
	return (unsigned)k < QP_CERT_KIND_COUNT ? kind_letters[k] : '?';
}

int qp_cert_kind_parse(qp_cert_kind *out, const char *name)
{
	for (int i = 0; name && i < QP_CERT_KIND_COUNT; i++)
		if (strcmp(name, kind_names[i]) == 0) {
			*out = (qp_cert_kind)i;
			return QP_OK;
		}
	return qp_error_set(QP_EINVALID, "kind: \"%s\" is not one of guarantee, retention, collective",
			    name ? name : "");
}

const char *qp_cert_state_name(qp_cert_state s)
{
	return (unsigned)s <= QP_CERT_STATE_COUNT ? state_names[s] : NULL;
}

const char *qp_cert_state_label(qp_cert_state s)
{
	return (unsigned)s <= QP_CERT_STATE_COUNT ? state_labels[s] : NULL;
}

int qp_cert_state_parse(qp_cert_state *out, const char *name)
{
	for (int i = 0; name && i <= QP_CERT_STATE_COUNT; i++)
		if (strcmp(name, state_names[i]) == 0) {
			*out = (qp_cert_state)i;
			return QP_OK;
		}
	return qp_error_set(QP_EINVALID, "state: \"%s\" is not one of live, spent, frozen, revoked, expired",
			    name ? name : "");
}

void qp_cert_clear(qp_cert *c)
{
	if (c == NULL)
		return;
	qp_free(c->reason);
	memset(c, 0, sizeof(*c));
}

void qp_certs_free(qp_cert *list, size_t count)
{
	for (size_t i = 0; list && i < count; i++)
		qp_free(list[i].reason);
	qp_free(list);
}

void qp_cert_events_free(qp_cert_event *list, size_t count)
{
	for (size_t i = 0; list && i < count; i++) {
		qp_free(list[i].signer);
		qp_free(list[i].summary);
	}
	qp_free(list);
}

static void today(char out[11])
{
	char now[QP_TIME_LEN + 1];
	qp_time_format(now, qp_clock_now());
	snprintf(out, 11, "%.10s", now);
}

int qp_cert_check_id(const char *id)
{
	static const char shape[] = "dddddd-dddd-k-dddddd";
	size_t n = id ? strlen(id) : 0;
	int ok = n == QP_CERT_ID_LEN;
	for (size_t i = 0; ok && i < n; i++)
		ok = shape[i] == 'd'   ? (id[i] >= '0' && id[i] <= '9')
		     : shape[i] == 'k' ? (id[i] == 'G' || id[i] == 'R' || id[i] == 'C')
				       : id[i] == shape[i];
	return ok ? QP_OK
		  : qp_error_set(QP_EINVALID,
				 "certificate: \"%s\" is not a certificate number like 330681-2026-G-000123",
				 id ? id : "");
}

int qp_cert_get(qp_cert *out, qp_registry *reg, const char *id)
{
	char t[11];
	memset(out, 0, sizeof(*out));
	int err = qp_cert_check_id(id);
	if (err != QP_OK)
		return err;
	today(t);
	return qp_store_cert_get(reg->store, id, t, out);
}

int qp_cert_redemption(qp_redemption *out, qp_registry *reg, const char *id)
{
	memset(out, 0, sizeof(*out));
	int err = qp_cert_check_id(id);
	return err != QP_OK ? err : qp_store_redemption_get(reg->store, id, out);
}

void qp_redemption_clear(qp_redemption *r)
{
	if (r == NULL)
		return;
	qp_free(r->note);
	memset(r, 0, sizeof(*r));
}

/* GB/T 2260 province codes and their one-character abbreviations. */
static const struct {
	char code[3];
	const char *abbr;
} provinces[] = {
    {"11", "京"}, {"12", "津"}, {"13", "冀"}, {"14", "晋"}, {"15", "蒙"}, {"21", "辽"}, {"22", "吉"},
    {"23", "黑"}, {"31", "沪"}, {"32", "苏"}, {"33", "浙"}, {"34", "皖"}, {"35", "闽"}, {"36", "赣"},
    {"37", "鲁"}, {"41", "豫"}, {"42", "鄂"}, {"43", "湘"}, {"44", "粤"}, {"45", "桂"}, {"46", "琼"},
    {"50", "渝"}, {"51", "川"}, {"52", "黔"}, {"53", "滇"}, {"54", "藏"}, {"61", "陕"}, {"62", "甘"},
    {"63", "青"}, {"64", "宁"}, {"65", "新"}, {"71", "台"}, {"81", "港"}, {"82", "澳"},
};

int qp_cert_display_number(char *buf, size_t len, qp_registry *reg, const qp_cert *c)
{
	const char *abbr = "";
	for (size_t i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
		if (strncmp(provinces[i].code, c->id, 2) == 0)
			abbr = provinces[i].abbr;
	const char *label = qp_cert_kind_label(c->kind);
	int n = snprintf(buf, len, "%s(%.4s)%s%s第%.6s号", abbr, c->id + 7, reg->county_name,
			 label ? label : "", c->id + 14);
	if (n < 0 || (size_t)n >= len)
		return qp_error_set(QP_EINVALID, "buffer of %zu bytes is too small for a display number",
				    len);
	return QP_OK;
}

int qp_certs_list(qp_cert **out, size_t *count, qp_registry *reg, const qp_cert_filter *filter)
{
	qp_cert_filter all = {NULL, -1, -1, NULL, NULL, 0};
	char t[11];
	*out = NULL;
	*count = 0;
	if (filter == NULL)
		filter = &all;
	if (filter->kind >= QP_CERT_KIND_COUNT || filter->state > QP_CERT_STATE_COUNT)
		return qp_error_set(QP_EINVALID, "certificate filter: no such kind or state");
	if (filter->home && qp_ids_check_unit(filter->home, reg->county, "home") != QP_OK)
		return QP_EINVALID;
	today(t);
	return qp_store_certs_list(reg->store, filter, t, out, count);
}

int qp_certs_created_by(qp_cert **out, size_t *count, qp_registry *reg, uint64_t index)
{
	char t[11];
	today(t);
	return qp_store_certs_created_by(reg->store, index, t, out, count);
}

int qp_cert_children(qp_cert **out, size_t *count, qp_registry *reg, const char *id)
{
	char t[11];
	*out = NULL;
	*count = 0;
	int err = qp_cert_check_id(id);
	if (err != QP_OK)
		return err;
	today(t);
	return qp_store_cert_children(reg->store, id, t, out, count);
}

int qp_cert_history(qp_cert_event **out, size_t *count, qp_registry *reg, const char *id)
{
	qp_cert c;
	*out = NULL;
	*count = 0;
	int err = qp_cert_get(&c, reg, id);
	if (err != QP_OK)
		return err;
	err = qp_store_cert_history(reg->store, c.root, out, count);
	qp_cert_clear(&c);
	return err;
}

int qp_certs_check_invariants(qp_registry *reg)
{
	return qp_store_cert_invariants(reg->store);
}
