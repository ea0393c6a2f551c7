/*
 * json.c - the registry's records as JSON, in the shapes the CLI's --json
 * prints (docs/json.md), so one parser reads both.  The service answers
 * anyone who can reach it, so resident ID numbers and personal names are
 * masked (330681********123X, 王*) unless the request is signed by an
 * officer or auditor (auth.c), whose reads of them are recorded.  Codes
 * of collectives and enterprises are public,
 * and households are named by their registry number (330681-H-0000001).
 */
#include <stdio.h>
#include <string.h>

#include "service.h"

static void add_amount(cJSON *o, const char *key, int64_t hundredths)
{
	char buf[32];
	if (qp_ids_format_hundredths(buf, sizeof(buf), hundredths) != QP_OK)
		buf[0] = '\0';
	cJSON_AddStringToObject(o, key, buf);
}

static void add_text_or_null(cJSON *o, const char *key, const char *text)
{
	if (text && text[0])
		cJSON_AddStringToObject(o, key, text);
	else
		cJSON_AddNullToObject(o, key);
}

static void add_index(cJSON *o, const char *key, uint64_t index)
{
	cJSON_AddNumberToObject(o, key, (double)index);
}

/* A resident ID masked; anything else (a credit code) as it is. */
static void masked(char out[QP_RESIDENT_ID_LEN + 1], const char *id)
{
	if (strlen(id) == QP_RESIDENT_ID_LEN && !qp_ids_looks_like_uscc(id))
		qp_ids_mask_resident(out, id);
	else
		snprintf(out, QP_RESIDENT_ID_LEN + 1, "%s", id);
}

cJSON *qpd_json_village(const qp_village *v)
{
	char township[10];
	cJSON *o = cJSON_CreateObject();
	snprintf(township, sizeof(township), "%.9s", v->code);
	cJSON_AddStringToObject(o, "code", v->code);
	cJSON_AddStringToObject(o, "name", v->name ? v->name : "");
	cJSON_AddStringToObject(o, "township", township);
	add_text_or_null(o, "uscc", v->uscc);
	add_index(o, "added_at", v->added_at);
	return o;
}

cJSON *qpd_json_household(const qp_household *h)
{
	char id[QP_RESIDENT_ID_LEN + 1], name[16];
	const int reveal = qpd_view_reader() != NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "number", h->number);
	if (h->id_number[0]) {
		/* In full only to an authenticated officer or auditor, and then recorded. */
		if (reveal)
			qpd_view_subject(h->number);
		else
			qp_ids_mask_resident(id, h->id_number);
		cJSON_AddStringToObject(o, "id_number", reveal ? h->id_number : id);
	} else {
		cJSON_AddNullToObject(o, "id_number");
	}
	if (h->name && h->name[0] && !reveal) {
		qp_access_mask_name(name, sizeof(name), h->name);
		cJSON_AddStringToObject(o, "name", name);
	} else {
		add_text_or_null(o, "name", h->name);
	}
	cJSON_AddStringToObject(o, "village", h->village);
	cJSON_AddNumberToObject(o, "members", h->members);
	add_index(o, "added_at", h->added_at);
	return o;
}

cJSON *qpd_json_home(const qp_home *h)
{
	char parcel[QP_PARCEL_CODE_LEN + 1], township[10];
	cJSON *o = cJSON_CreateObject();
	snprintf(parcel, sizeof(parcel), "%.19s", h->unit);
	snprintf(township, sizeof(township), "%.9s", h->village);
	cJSON_AddStringToObject(o, "unit", h->unit);
	cJSON_AddStringToObject(o, "parcel", parcel);
	cJSON_AddStringToObject(o, "village", h->village);
	cJSON_AddStringToObject(o, "township", township);
	cJSON_AddStringToObject(o, "household", h->household); /* its registry number */
	add_amount(o, "land_area", h->land_area);
	if (h->floor_area >= 0)
		add_amount(o, "floor_area", h->floor_area);
	else
		cJSON_AddNullToObject(o, "floor_area");
	if (h->built > 0)
		cJSON_AddNumberToObject(o, "built", h->built);
	else
		cJSON_AddNullToObject(o, "built");
	add_text_or_null(o, "status", qp_home_status_name(h->status));
	add_text_or_null(o, "status_label", qp_home_status_label(h->status));
	add_index(o, "added_at", h->added_at);
	add_index(o, "updated_at", h->updated_at);
	return o;
}

cJSON *qpd_json_activation(const qp_activation *a)
{
	char id[QP_RESIDENT_ID_LEN + 1], name[16], subject[32];
	/* A person investor's name and ID number are personal data: masked but for an officer or auditor. */
	const int person = a->investor_person != 0, reveal = person && qpd_view_reader() != NULL;
	cJSON *o = cJSON_CreateObject();
	add_index(o, "index", a->index);
	cJSON_AddStringToObject(o, "unit", a->unit);
	if (reveal && (a->investor || a->investor_id[0])) {
		snprintf(subject, sizeof(subject), "entry %llu", (unsigned long long)a->index);
		qpd_view_subject(subject);
	}
	if (person && !reveal && a->investor && a->investor[0]) {
		qp_access_mask_name(name, sizeof(name), a->investor);
		cJSON_AddStringToObject(o, "investor", name);
	} else {
		add_text_or_null(o, "investor", a->investor);
	}
	if (a->investor_id[0]) {
		if (reveal)
			snprintf(id, sizeof(id), "%s", a->investor_id);
		else
			masked(id, a->investor_id);
		cJSON_AddStringToObject(o, "investor_id", id);
	} else {
		cJSON_AddNullToObject(o, "investor_id");
	}
	cJSON_AddBoolToObject(o, "investor_person", a->investor_person != 0);
	cJSON_AddStringToObject(o, "start", a->start);
	cJSON_AddNumberToObject(o, "years", a->years);
	add_amount(o, "rent", a->rent);
	add_amount(o, "investment", a->investment);
	cJSON_AddStringToObject(o, "use", a->use);
	add_text_or_null(o, "deal_no", a->deal_no);
	return o;
}

cJSON *qpd_json_home_event(const qp_home_event *e)
{
	cJSON *o = cJSON_CreateObject();
	add_index(o, "index", e->index);
	cJSON_AddStringToObject(o, "time", e->time);
	cJSON_AddStringToObject(o, "signer", e->signer ? e->signer : "");
	cJSON_AddStringToObject(o, "type", e->type);
	cJSON_AddStringToObject(o, "summary", e->summary ? e->summary : "");
	return o;
}

cJSON *qpd_json_cert(qp_registry *reg, const qp_cert *c)
{
	char holder[QP_RESIDENT_ID_LEN + 1], display[128] = "";
	int state = c->expired ? QP_CERT_EXPIRED : (int)c->state;
	cJSON *o = cJSON_CreateObject();
	if (qp_cert_display_number(display, sizeof(display), reg, c) != QP_OK)
		display[0] = '\0';
	/* A household by its registry number, a collective or an enterprise by its public code. */
	snprintf(holder, sizeof(holder), "%s", c->holder);
	cJSON_AddStringToObject(o, "id", c->id);
	cJSON_AddStringToObject(o, "display_number", display);
	add_text_or_null(o, "kind", qp_cert_kind_name(c->kind));
	add_text_or_null(o, "kind_label", qp_cert_kind_label(c->kind));
	cJSON_AddStringToObject(o, "holder", holder);
	cJSON_AddStringToObject(o, "holder_type", c->holder_type);
	add_amount(o, "area", c->area);
	add_text_or_null(o, "home", c->home);
	cJSON_AddStringToObject(o, "basis", c->basis);
	add_text_or_null(o, "state", qp_cert_state_name((qp_cert_state)state));
	add_text_or_null(o, "state_label", qp_cert_state_label((qp_cert_state)state));
	add_text_or_null(o, "parent", c->parent);
	cJSON_AddStringToObject(o, "root", c->root);
	cJSON_AddStringToObject(o, "issued_on", c->issued_on);
	add_text_or_null(o, "valid_until", c->valid_until);
	add_text_or_null(o, "legacy_no", c->legacy_no);
	add_index(o, "created_at", c->created_at);
	if (c->ended_by[0])
		add_index(o, "ended_at", c->ended_at);
	else
		cJSON_AddNullToObject(o, "ended_at");
	add_text_or_null(o, "ended_by", c->ended_by);
	add_text_or_null(o, "reason", c->reason);
	return o;
}

cJSON *qpd_json_cert_event(const qp_cert_event *e)
{
	cJSON *o = cJSON_CreateObject();
	add_index(o, "index", e->index);
	cJSON_AddStringToObject(o, "time", e->time);
	cJSON_AddStringToObject(o, "signer", e->signer ? e->signer : "");
	cJSON_AddStringToObject(o, "type", e->type);
	cJSON_AddStringToObject(o, "cert", e->cert);
	cJSON_AddStringToObject(o, "summary", e->summary ? e->summary : "");
	return o;
}

cJSON *qpd_json_stats(const qp_stats *s, int year)
{
	static const char *const states[5] = {"live", "spent", "frozen", "revoked", "expired"};
	cJSON *o = cJSON_CreateObject();
	if (year)
		cJSON_AddNumberToObject(o, "year", year);
	else
		cJSON_AddNullToObject(o, "year");
	cJSON_AddNumberToObject(o, "villages", (double)s->villages);
	cJSON_AddNumberToObject(o, "households", (double)s->households);
	cJSON *homes = cJSON_AddObjectToObject(o, "homes");
	for (int i = 0; i < QP_HOME_STATUS_COUNT; i++) {
		cJSON *h = cJSON_AddObjectToObject(homes, qp_home_status_name((qp_home_status)i));
		cJSON_AddNumberToObject(h, "count", (double)s->homes[i]);
		add_amount(h, "land_area", s->land_area[i]);
	}
	cJSON_AddNumberToObject(o, "activations", (double)s->activations);
	add_amount(o, "investment", s->investment);
	add_amount(o, "first_year_rent", s->first_year_rent);
	cJSON *certs = cJSON_AddObjectToObject(o, "certificates");
	for (int k = 0; k < QP_CERT_KIND_COUNT; k++) {
		cJSON *kind = cJSON_AddObjectToObject(certs, qp_cert_kind_name((qp_cert_kind)k));
		for (int st = 0; st < 5; st++) {
			cJSON *c = cJSON_AddObjectToObject(kind, states[st]);
			cJSON_AddNumberToObject(c, "count", (double)s->certs[k][st]);
			add_amount(c, "area", s->cert_area[k][st]);
		}
	}
	return o;
}
