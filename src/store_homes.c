/*
 * store_homes.c - SQL for villages, households, homes, their history,
 * activations and statistics.
 *
 * Lists and statistics pick one of a few fixed statements by which
 * filters are set, so that each can use its own index; no SQL is ever
 * assembled from input.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "quanpiao/ids.h"
#include "store_homes.h"
#include "store_internal.h"

/* ---- villages --------------------------------------------------------------- */

static int read_village(sqlite3_stmt *st, qp_village *v)
{
	memset(v, 0, sizeof(*v));
	qp_store_column_copy(st, 0, v->code, sizeof(v->code));
	v->added_at = (uint64_t)sqlite3_column_int64(st, 3);
	v->updated_at = (uint64_t)sqlite3_column_int64(st, 4);
	int err = qp_store_column_dup(st, 1, &v->name);
	if (err == QP_OK)
		err = qp_store_column_dup(st, 2, &v->uscc);
	if (err != QP_OK)
		qp_village_clear(v);
	return err;
}

/* Copy a village (NULL uscc stays NULL); on failure *to is cleared. */
static int village_copy(qp_village *to, const qp_village *from)
{
	*to = *from;
	to->name = qp_strdup(from->name);
	to->uscc = from->uscc ? qp_strdup(from->uscc) : NULL;
	if (to->name == NULL || (from->uscc && to->uscc == NULL)) {
		qp_village_clear(to);
		return qp_error_set(QP_ENOMEM, "out of memory");
	}
	return QP_OK;
}

/*
 * The villages this write transaction has read: every imported row reads
 * its village more than once.  Kept in store->tip, so begin, commit and
 * every rollback forget them; adding or correcting a village forgets it.
 */
static const qp_village *village_cached(const qp_store *store, const char *code)
{
	if (!qp_store_tip_usable(store))
		return NULL;
	for (int i = 0; i < store->tip.nvillages; i++)
		if (strcmp(store->tip.villages[i].code, code) == 0)
			return &store->tip.villages[i];
	return NULL;
}

static void village_remember(qp_store *store, const qp_village *v)
{
	if (!qp_store_tip_usable(store) || store->tip.nvillages >= QP_TIP_VILLAGES)
		return;
	if (village_copy(&store->tip.villages[store->tip.nvillages], v) == QP_OK)
		store->tip.nvillages++;
}

static void village_forget(qp_store *store, const char *code)
{
	for (int i = 0; i < store->tip.nvillages; i++)
		if (strcmp(store->tip.villages[i].code, code) == 0) {
			qp_village_clear(&store->tip.villages[i]);
			store->tip.villages[i] = store->tip.villages[--store->tip.nvillages];
			memset(&store->tip.villages[store->tip.nvillages], 0, sizeof(qp_village));
			return;
		}
}

int qp_store_village_get(qp_store *store, const char *code, qp_village *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	const qp_village *hit = village_cached(store, code);
	if (hit)
		return village_copy(out, hit);
	int err =
	    qp_store_prepare_cached(store, "SELECT code, name, uscc, added_idx, coalesce(updated_idx, added_idx) FROM villages WHERE code = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = read_village(st, out);
	else if (rc == SQLITE_DONE)
		err = qp_error_set(QP_ENOTFOUND, "no village %s in the registry", code);
	else
		err = qp_store_raise(store->db, rc, "reading villages");
	qp_store_finish(store, st);
	if (err == QP_OK)
		village_remember(store, out);
	return err;
}

int qp_store_village_put(qp_store *store, const char *code, const char *name, const char *uscc, uint64_t idx)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store,
				   "INSERT INTO villages (code, township, name, uscc, added_idx, updated_idx) "
				   "VALUES (?1, substr(?1, 1, 9), ?2, ?3, ?4, ?4)",
				   &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	qp_store_bind_opt_text(st, 3, uscc);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)idx);
	village_forget(store, code);
	err = qp_store_step_done(store, st, "adding the village");
	qp_store_finish(store, st);
	return err;
}

int qp_store_village_by_uscc(qp_store *store, const char *uscc, char code[13])
{
	sqlite3_stmt *st = NULL;
	code[0] = '\0';
	int err =
	    qp_store_prepare_cached(store, "SELECT code FROM villages WHERE uscc = ?1 ORDER BY code", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, uscc, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		qp_store_column_copy(st, 0, code, 13);
	else if (rc == SQLITE_DONE)
		err = qp_error_set(QP_ENOTFOUND, "no village's collective has credit code %s", uscc);
	else
		err = qp_store_raise(store->db, rc, "reading villages");
	qp_store_finish(store, st);
	return err;
}

int qp_store_village_correct(qp_store *store, const char *code, const char *name, const char *uscc,
			      uint64_t idx)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store,
					  "UPDATE villages SET name = ?2, uscc = ?3, updated_idx = ?4 WHERE code = ?1",
					  &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	qp_store_bind_opt_text(st, 3, uscc);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)idx);
	village_forget(store, code);
	err = qp_store_step_done(store, st, "correcting the village");
	if (err == QP_OK && sqlite3_changes(store->db) != 1)
		err = qp_error_set(QP_ENOTFOUND, "no village %s in the registry", code);
	qp_store_finish(store, st);
	return err;
}

int qp_store_villages_list(qp_store *store, const char *township, qp_village **out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	qp_village *list = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*count = 0;
	int err = qp_store_prepare_cached(
	    store,
	    township ? "SELECT code, name, uscc, added_idx, coalesce(updated_idx, added_idx) FROM villages WHERE township = ?1 ORDER BY code"
		     : "SELECT code, name, uscc, added_idx, coalesce(updated_idx, added_idx) FROM villages ORDER BY code",
	    &st);
	if (err != QP_OK)
		return err;
	if (township)
		sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = qp_grow((void **)&list, &cap, n, sizeof(*list))) != QP_OK ||
		    (err = read_village(st, &list[n])) != QP_OK)
			goto fail;
		n++;
	}
	if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "listing villages");
		goto fail;
	}
	qp_store_finish(store, st);
	*out = list;
	*count = n;
	return QP_OK;
fail:
	qp_store_finish(store, st);
	qp_villages_free(list, n);
	return err;
}

/* ---- households ----------------------------------------------------------- */

/* A household's row, with its personal data when the file holds it (not erased, not a mirror). */
#define HOUSEHOLD_COLUMNS                                                                                    \
	"h.number, p.name, h.village, h.members, h.added_idx, p.id_number, h.commitment, h.erased_idx, "     \
	"h.updated_idx"
#define HOUSEHOLD_FROM "households h LEFT JOIN personal_data p ON p.household = h.number"

static int read_household(sqlite3_stmt *st, qp_household *h)
{
	memset(h, 0, sizeof(*h));
	qp_store_column_copy(st, 0, h->number, sizeof(h->number));
	qp_store_column_copy(st, 2, h->village, sizeof(h->village));
	h->members = sqlite3_column_int(st, 3);
	h->added_at = (uint64_t)sqlite3_column_int64(st, 4);
	qp_store_column_copy(st, 5, h->id_number, sizeof(h->id_number));
	qp_store_column_copy(st, 6, h->commitment, sizeof(h->commitment));
	h->erased = sqlite3_column_type(st, 7) != SQLITE_NULL;
	h->erased_at = h->erased ? (uint64_t)sqlite3_column_int64(st, 7) : 0;
	h->corrected_at = (uint64_t)sqlite3_column_int64(st, 8);
	return sqlite3_column_type(st, 1) == SQLITE_NULL ? QP_OK : qp_store_column_dup(st, 1, &h->name);
}

void qp_store_households_forget(qp_store *store)
{
	for (int i = 0; i < store->tip.nhouseholds; i++)
		qp_household_clear(&store->tip.households[i]);
	store->tip.nhouseholds = 0;
}

/* Copy a household (its name too); on failure *to is cleared. */
static int household_copy(qp_household *to, const qp_household *from)
{
	*to = *from;
	to->name = from->name ? qp_strdup(from->name) : NULL;
	if (from->name && to->name == NULL) {
		qp_household_clear(to);
		return qp_error_set(QP_ENOMEM, "out of memory");
	}
	return QP_OK;
}

/*
 * The households this write transaction has read (store->tip, as the
 * villages); every write of a household or its personal data here
 * forgets them all.
 */
static const qp_household *household_cached(const qp_store *store, const char *number)
{
	if (!qp_store_tip_usable(store))
		return NULL;
	for (int i = 0; i < store->tip.nhouseholds; i++)
		if (strcmp(store->tip.households[i].number, number) == 0)
			return &store->tip.households[i];
	return NULL;
}

int qp_store_household_get(qp_store *store, const char *number, qp_household *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	const qp_household *hit = household_cached(store, number);
	if (hit)
		return household_copy(out, hit);
	int err = qp_store_prepare_cached(
	    store, "SELECT " HOUSEHOLD_COLUMNS " FROM " HOUSEHOLD_FROM " WHERE h.number = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = read_household(st, out);
	else if (rc == SQLITE_DONE)
		err = qp_error_set(QP_ENOTFOUND, "no household %s in the registry", number);
	else
		err = qp_store_raise(store->db, rc, "reading households");
	qp_store_finish(store, st);
	if (err == QP_OK && qp_store_tip_usable(store)) {
		if (store->tip.nhouseholds == QP_TIP_HOUSEHOLDS)
			qp_store_households_forget(store);
		if (household_copy(&store->tip.households[store->tip.nhouseholds], out) == QP_OK)
			store->tip.nhouseholds++;
	}
	return err;
}

int qp_store_household_find(qp_store *store, const char *id_number, char number[QP_HOUSEHOLD_NUMBER_LEN + 1])
{
	sqlite3_stmt *st = NULL;
	number[0] = '\0';
	int err =
	    qp_store_prepare_cached(store, "SELECT household FROM personal_data WHERE id_number = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, id_number, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		qp_store_column_copy(st, 0, number, QP_HOUSEHOLD_NUMBER_LEN + 1);
	else if (rc == SQLITE_DONE) {
		char masked[QP_RESIDENT_ID_LEN + 1];
		qp_ids_mask_resident(masked, id_number);
		err = qp_error_set(QP_ENOTFOUND, "no household with ID number %s in the registry", masked);
	} else
		err = qp_store_raise(store->db, rc, "reading personal data");
	qp_store_finish(store, st);
	return err;
}

int qp_store_personal_get(qp_store *store, const char *number, qp_personal *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	int err = qp_store_prepare_cached(
	    store, "SELECT id_number, name, salt FROM personal_data WHERE household = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *salt = sqlite3_column_blob(st, 2);
		qp_store_column_copy(st, 0, out->id_number, sizeof(out->id_number));
		qp_store_column_copy(st, 1, out->name, sizeof(out->name));
		if (salt && sqlite3_column_bytes(st, 2) == QP_SALT_LEN)
			memcpy(out->salt, salt, QP_SALT_LEN);
		else
			err =
			    qp_error_set(QP_ECORRUPT, "the personal data of household %s has no %d-byte salt",
					 number, QP_SALT_LEN);
	} else if (rc == SQLITE_DONE)
		err = qp_error_set(QP_ENOTFOUND, "no personal data of household %s in the registry", number);
	else
		err = qp_store_raise(store->db, rc, "reading personal data");
	qp_store_finish(store, st);
	return err;
}

/* A household's personal data written by sql (?1 the household, ?2..?4 the data); *changed the rows. */
static int personal_write(qp_store *store, const char *sql, const char *number, const qp_personal *p,
			  const char *what, int *changed)
{
	qp_store_households_forget(store);
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store, sql, &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->id_number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, p->salt, QP_SALT_LEN, SQLITE_STATIC);
	err = qp_store_step_done(store, st, what);
	*changed = sqlite3_changes(store->db);
	qp_store_finish(store, st);
	return err;
}

int qp_store_personal_put(qp_store *store, const char *number, const qp_personal *p)
{
	int changed;
	return personal_write(
	    store, "INSERT INTO personal_data (household, id_number, name, salt) VALUES (?1, ?2, ?3, ?4)",
	    number, p, "storing the personal data", &changed);
}

int qp_store_investor_put(qp_store *store, uint64_t activation, const qp_personal *p)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(
	    store, "INSERT INTO investor_data (activation, id_number, name, salt) VALUES (?1, ?2, ?3, ?4)",
	    &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)activation);
	sqlite3_bind_text(st, 2, p->id_number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, p->salt, QP_SALT_LEN, SQLITE_STATIC);
	err = qp_store_step_done(store, st, "storing the investor's personal data");
	qp_store_finish(store, st);
	return err;
}

int qp_store_household_erase(qp_store *store, const char *number, uint64_t idx)
{
	qp_store_households_forget(store);
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store, "DELETE FROM personal_data WHERE household = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	err = qp_store_step_done(store, st, "erasing the personal data");
	qp_store_finish(store, st);
	if (err != QP_OK ||
	    (err = qp_store_prepare_cached(store, "UPDATE households SET erased_idx = ?2 WHERE number = ?1",
					   &st)) != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
	err = qp_store_step_done(store, st, "erasing the household");
	if (err == QP_OK && sqlite3_changes(store->db) != 1)
		err = qp_error_set(QP_ENOTFOUND, "no household %s in the registry", number);
	qp_store_finish(store, st);
	return err;
}

int qp_store_household_next_seq(qp_store *store, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	*out = 0;
	/*
	 * The number is <county>-H-<7 digits>: its sequence starts at the 10th
	 * character.  Every number of a registry has its one county and the
	 * same width, so the greatest number has the greatest sequence, and
	 * max(number) is one step down the primary key's index (a max over the
	 * sequence read every row: an import's household.add cost O(n)).
	 */
	int err = qp_store_prepare_cached(
	    store, "SELECT coalesce(CAST(substr(max(number), 10) AS INTEGER), 0) + 1 FROM households", &st);
	if (err != QP_OK)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		err = qp_store_raise(store->db, rc, "reading households");
	qp_store_finish(store, st);
	if (err == QP_OK && *out > 9999999)
		err = qp_error_set(QP_ECONFLICT, "household numbers are exhausted");
	return err;
}

int qp_store_household_put(qp_store *store, const char *number, const char *village, int members,
			   const char *commitment, uint64_t idx)
{
	qp_store_households_forget(store);
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(
	    store,
	    "INSERT INTO households (number, village, members, commitment, added_idx) VALUES (?1, ?2, ?3, "
	    "?4, ?5)",
	    &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, village, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, members);
	sqlite3_bind_text(st, 4, commitment, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)idx);
	err = qp_store_step_done(store, st, "adding the household");
	qp_store_finish(store, st);
	return err;
}

int qp_store_household_correct(qp_store *store, const char *number, int members, const char *commitment,
			       uint64_t idx)
{
	qp_store_households_forget(store);
	sqlite3_stmt *st = NULL;
	int err =
	    qp_store_prepare_cached(store,
				    "UPDATE households SET members = coalesce(?2, members), commitment = "
				    "coalesce(?3, commitment), updated_idx = ?4 WHERE number = ?1",
				    &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	if (members > 0)
		sqlite3_bind_int(st, 2, members);
	qp_store_bind_opt_text(st, 3, commitment);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)idx);
	err = qp_store_step_done(store, st, "correcting the household");
	if (err == QP_OK && sqlite3_changes(store->db) != 1)
		err = qp_error_set(QP_ENOTFOUND, "no household %s in the registry", number);
	qp_store_finish(store, st);
	return err;
}

int qp_store_personal_replace(qp_store *store, const char *number, const qp_personal *p)
{
	int changed = 0;
	int err = personal_write(
	    store, "UPDATE personal_data SET name = ?3, salt = ?4 WHERE household = ?1 AND id_number = ?2",
	    number, p, "correcting the personal data", &changed);
	if (err == QP_OK && changed != 1)
		err = qp_error_set(
		    QP_EINVALID,
		    "household.correct: the ID number given is not that of the head of household "
		    "%s (a name correction keeps the head)",
		    number);
	return err;
}

int qp_store_households_list(qp_store *store, const char *village, const char *after, size_t limit,
			     qp_household **out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	qp_household *list = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*count = 0;
	int err = qp_store_prepare_cached(
	    store,
	    village ? "SELECT " HOUSEHOLD_COLUMNS " FROM " HOUSEHOLD_FROM
		      " WHERE h.village = ?1 AND h.number > ?2 ORDER BY h.number LIMIT ?3"
		    : "SELECT " HOUSEHOLD_COLUMNS " FROM " HOUSEHOLD_FROM " WHERE h.number > ?2"
		      " ORDER BY h.number LIMIT ?3",
	    &st);
	if (err != QP_OK)
		return err;
	if (village)
		sqlite3_bind_text(st, 1, village, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, after ? after : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, limit ? (sqlite3_int64)limit : -1);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = qp_grow((void **)&list, &cap, n, sizeof(*list))) != QP_OK)
			goto fail;
		if ((err = read_household(st, &list[n])) != QP_OK)
			goto fail;
		n++;
	}
	if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "listing households");
		goto fail;
	}
	qp_store_finish(store, st);
	*out = list;
	*count = n;
	return QP_OK;
fail:
	qp_store_finish(store, st);
	qp_households_free(list, n);
	return err;
}

/* ---- homes ------------------------------------------------------------------ */

#define HOME_COLUMNS "unit, village, household, land_area, floor_area, built, status, added_idx, updated_idx"

static int read_home(sqlite3_stmt *st, qp_home *h)
{
	memset(h, 0, sizeof(*h));
	qp_store_column_copy(st, 0, h->unit, sizeof(h->unit));
	qp_store_column_copy(st, 1, h->village, sizeof(h->village));
	qp_store_column_copy(st, 2, h->household, sizeof(h->household));
	h->land_area = sqlite3_column_int64(st, 3);
	h->floor_area = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4);
	h->built = sqlite3_column_type(st, 5) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 5);
	qp_home_status s;
	const char *name = (const char *)sqlite3_column_text(st, 6);
	if (qp_home_status_parse(&s, name) != QP_OK)
		return qp_error_set(QP_ECORRUPT, "home %s has an unknown status in the store", h->unit);
	h->status = s;
	h->added_at = (uint64_t)sqlite3_column_int64(st, 7);
	h->updated_at = (uint64_t)sqlite3_column_int64(st, 8);
	return QP_OK;
}

/*
 * The homes this write transaction has read or written (store->tip, as
 * the villages): an imported row's entries read the home each adds or
 * changes.  Every write of a home here updates or forgets its copy.
 */
static qp_home *home_cached(qp_store *store, const char *unit)
{
	if (!qp_store_tip_usable(store))
		return NULL;
	for (int i = 0; i < store->tip.nhomes; i++)
		if (strcmp(store->tip.homes[i].unit, unit) == 0)
			return &store->tip.homes[i];
	return NULL;
}

static void home_remember(qp_store *store, const qp_home *h)
{
	qp_home *slot = home_cached(store, h->unit);
	if (slot == NULL && qp_store_tip_usable(store)) {
		slot = &store->tip.homes[store->tip.next_home];
		store->tip.next_home = (store->tip.next_home + 1) % QP_TIP_HOMES;
		if (store->tip.nhomes < QP_TIP_HOMES)
			store->tip.nhomes++;
	}
	if (slot)
		*slot = *h;
}

static void home_forget(qp_store *store, const char *unit)
{
	qp_home *h = home_cached(store, unit);
	if (h)
		h->unit[0] = '\0';
}

int qp_store_home_get(qp_store *store, const char *unit, qp_home *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	const qp_home *hit = home_cached(store, unit);
	if (hit && unit[0]) {
		*out = *hit;
		return QP_OK;
	}
	int err = qp_store_prepare_cached(store, "SELECT " HOME_COLUMNS " FROM homes WHERE unit = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = read_home(st, out);
	else if (rc == SQLITE_DONE)
		err = qp_error_set(QP_ENOTFOUND, "no home %s in the registry", unit);
	else
		err = qp_store_raise(store->db, rc, "reading homes");
	qp_store_finish(store, st);
	if (err == QP_OK)
		home_remember(store, out);
	return err;
}

int qp_store_parcel_homes(qp_store *store, const char *parcel, char unit[QP_UNIT_CODE_LEN + 1], int *count)
{
	sqlite3_stmt *st = NULL;
	char lo[QP_UNIT_CODE_LEN + 1], hi[QP_UNIT_CODE_LEN + 1];
	unit[0] = '\0';
	*count = 0;
	/* A home's unit is its parcel, F and 8 digits: a range of the primary key. */
	snprintf(lo, sizeof(lo), "%.19sF00000000", parcel);
	snprintf(hi, sizeof(hi), "%.19sF99999999", parcel);
	int err = qp_store_prepare_cached(
	    store, "SELECT unit FROM homes WHERE unit BETWEEN ?1 AND ?2 ORDER BY unit LIMIT 2", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((*count)++ == 0)
			qp_store_column_copy(st, 0, unit, QP_UNIT_CODE_LEN + 1);
	if (rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading homes");
	qp_store_finish(store, st);
	return err;
}

int qp_store_parcel_get(qp_store *store, const char *parcel, qp_store_parcel *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	int err = qp_store_prepare_cached(
	    store, "SELECT parcel, village, land_area, added_idx FROM parcels WHERE parcel = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, parcel, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		qp_store_column_copy(st, 0, out->parcel, sizeof(out->parcel));
		qp_store_column_copy(st, 1, out->village, sizeof(out->village));
		out->land_area = sqlite3_column_int64(st, 2);
		out->added_at = (uint64_t)sqlite3_column_int64(st, 3);
	} else if (rc == SQLITE_DONE) {
		err = qp_error_set(QP_ENOTFOUND, "parcel %s is not registered as reclaimed land", parcel);
	} else {
		err = qp_store_raise(store->db, rc, "reading parcels");
	}
	qp_store_finish(store, st);
	return err;
}

int qp_store_parcel_put(qp_store *store, const qp_store_parcel *p)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(
	    store,
	    "INSERT INTO parcels (parcel, village, township, land_area, state, added_idx)"
	    " VALUES (?1, ?2, substr(?2, 1, 9), ?3, 'reclaimed', ?4)",
	    &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, p->parcel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->village, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, p->land_area);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)p->added_at);
	err = qp_store_step_done(store, st, "registering the reclaimed land");
	qp_store_finish(store, st);
	return err;
}

int qp_store_home_put(qp_store *store, const qp_home *h)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(
	    store,
	    "INSERT INTO homes (unit, parcel, village, township, household, land_area, floor_area, built,"
	    " status, added_idx, updated_idx)"
	    " VALUES (?1, substr(?1, 1, 19), ?2, substr(?2, 1, 9), ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
	    &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, h->unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, h->village, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, h->household, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, h->land_area);
	if (h->floor_area >= 0)
		sqlite3_bind_int64(st, 5, h->floor_area);
	if (h->built > 0)
		sqlite3_bind_int(st, 6, h->built);
	sqlite3_bind_text(st, 7, qp_home_status_name(h->status), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)h->added_at);
	err = qp_store_step_done(store, st, "adding the home");
	qp_store_finish(store, st);
	home_forget(store, h->unit);
	if (err == QP_OK) {
		/* As read_home would read it back. */
		qp_home stored = *h;
		stored.floor_area = h->floor_area >= 0 ? h->floor_area : -1;
		stored.built = h->built > 0 ? h->built : 0;
		stored.updated_at = h->added_at;
		home_remember(store, &stored);
	}
	return err;
}

int qp_store_home_set_status(qp_store *store, const char *unit, qp_home_status status, uint64_t idx,
			     const char *exit_path)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store,
					  "UPDATE homes SET status = ?2, updated_idx = ?3, exit_path = "
					  "coalesce(?4, exit_path) WHERE unit = ?1",
					  &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, qp_home_status_name(status), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)idx);
	qp_store_bind_opt_text(st, 4, exit_path);
	err = qp_store_step_done(store, st, "changing the home's status");
	if (err == QP_OK && sqlite3_changes(store->db) != 1)
		err = qp_error_set(QP_ENOTFOUND, "no home %s in the registry", unit);
	qp_store_finish(store, st);
	qp_home *h = home_cached(store, unit);
	if (h && err == QP_OK) {
		h->status = status;
		h->updated_at = idx;
	} else if (h) {
		h->unit[0] = '\0';
	}
	return err;
}

int qp_store_home_set_field(qp_store *store, const char *unit, const char *field, int64_t value, uint64_t idx)
{
	static const char *const sql[] = {
	    "UPDATE homes SET land_area = ?2, updated_idx = ?3 WHERE unit = ?1",
	    "UPDATE homes SET floor_area = ?2, updated_idx = ?3 WHERE unit = ?1",
	    "UPDATE homes SET built = ?2, updated_idx = ?3 WHERE unit = ?1",
	};
	int which = strcmp(field, "land_area") == 0    ? 0
		    : strcmp(field, "floor_area") == 0 ? 1
		    : strcmp(field, "built") == 0      ? 2
						       : -1;
	if (which < 0)
		return qp_error_set(QP_EUSAGE, "home field %s cannot be corrected", field);
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store, sql[which], &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	if (value >= 0)
		sqlite3_bind_int64(st, 2, value);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)idx);
	home_forget(store, unit);
	err = qp_store_step_done(store, st, "correcting the home");
	qp_store_finish(store, st);
	return err;
}

int qp_store_household_live_homes(qp_store *store, const char *number, uint64_t *out)
{
	sqlite3_stmt *st = NULL;
	*out = 0;
	int err = qp_store_prepare_cached(
	    store,
	    /* Not "status IN (...)": SQLite makes a temporary B-tree of a list of three each time it runs. */
	    "SELECT count(*) FROM homes WHERE household = ?1"
	    " AND (status = 'in_use' OR status = 'idle' OR status = 'activated')",
	    &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	else
		err = qp_store_raise(store->db, rc, "counting homes");
	qp_store_finish(store, st);
	return err;
}

/*
 * One statement per filter: scope (none, village, township, household)
 * times status (no, yes).  ?1 scope value, ?2 status, ?3 after, ?4 limit.
 * With a scope, the scope's index (village, township or household, then
 * unit) is read and the status checked on each home: "+status" keeps the
 * planner off homes_status, which would read every home of that status in
 * the county to find the scope's (migration 0007).
 */
#define HOME_LIST(where) "SELECT " HOME_COLUMNS " FROM homes WHERE " where " unit > ?3 ORDER BY unit LIMIT ?4"
static const char *const home_list_sql[8] = {
    HOME_LIST(""),
    HOME_LIST("status = ?2 AND"),
    HOME_LIST("village = ?1 AND"),
    HOME_LIST("village = ?1 AND +status = ?2 AND"),
    HOME_LIST("township = ?1 AND"),
    HOME_LIST("township = ?1 AND +status = ?2 AND"),
    HOME_LIST("household = ?1 AND"),
    HOME_LIST("household = ?1 AND +status = ?2 AND"),
};

static int prepare_home_list(qp_store *store, const qp_home_filter *f, const char *prefix, sqlite3_stmt **st)
{
	int scope = f->village ? 1 : f->township ? 2 : f->household ? 3 : 0;
	const char *scope_value = f->village ? f->village : f->township ? f->township : f->household;
	int has_status = f->status >= 0;
	if (has_status && qp_home_status_name((qp_home_status)f->status) == NULL)
		return qp_error_set(QP_EINVALID, "status %d is not a home status", f->status);
	char sql[512];
	snprintf(sql, sizeof(sql), "%s%s", prefix, home_list_sql[scope * 2 + has_status]);
	int err = qp_store_prepare_cached(store, sql, st);
	if (err != QP_OK)
		return err;
	if (scope)
		sqlite3_bind_text(*st, 1, scope_value, -1, SQLITE_STATIC);
	if (has_status)
		sqlite3_bind_text(*st, 2, qp_home_status_name((qp_home_status)f->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 3, f->after ? f->after : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(*st, 4, f->limit ? (sqlite3_int64)f->limit : -1);
	return QP_OK;
}

int qp_store_homes_list(qp_store *store, const qp_home_filter *f, qp_home **out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	qp_home *list = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*count = 0;
	int err = prepare_home_list(store, f, "", &st);
	if (err != QP_OK)
		return err;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = qp_grow((void **)&list, &cap, n, sizeof(*list))) != QP_OK ||
		    (err = read_home(st, &list[n])) != QP_OK)
			goto fail;
		n++;
	}
	if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "listing homes");
		goto fail;
	}
	qp_store_finish(store, st);
	*out = list;
	*count = n;
	return QP_OK;
fail:
	qp_store_finish(store, st);
	qp_free(list);
	return err;
}

int qp_store_homes_list_plan(qp_store *store, const qp_home_filter *f, char **out)
{
	sqlite3_stmt *st = NULL;
	char *plan = NULL;
	size_t len = 0;
	*out = NULL;
	int err = prepare_home_list(store, f, "EXPLAIN QUERY PLAN ", &st);
	if (err != QP_OK)
		return err;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		size_t n = detail ? strlen(detail) : 0;
		char *grown = qp_realloc(plan, len + n + 2);
		if (grown == NULL) {
			err = QP_ENOMEM;
			break;
		}
		plan = grown;
		memcpy(plan + len, detail ? detail : "", n);
		len += n;
		plan[len++] = '\n';
		plan[len] = '\0';
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "explaining a query");
	qp_store_finish(store, st);
	if (err != QP_OK) {
		qp_free(plan);
		return err;
	}
	*out = plan ? plan : qp_strdup("");
	return *out ? QP_OK : QP_ENOMEM;
}

/* ---- history and activations ------------------------------------------------- */

int qp_store_home_event_put(qp_store *store, const char *unit, uint64_t idx, const char *summary)
{
	sqlite3_stmt *st = NULL;
	int err =
	    qp_store_prepare_cached(store, "INSERT INTO home_events (unit, idx, summary) VALUES (?1, ?2, ?3)", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
	sqlite3_bind_text(st, 3, summary, -1, SQLITE_STATIC);
	err = qp_store_step_done(store, st, "recording the home's history");
	qp_store_finish(store, st);
	return err;
}

int qp_store_home_events(qp_store *store, const char *unit, qp_home_event **out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	qp_home_event *list = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*count = 0;
	int err = qp_store_prepare_cached(store,
				   "SELECT e.idx, l.time, l.signer, l.type, e.summary FROM home_events e"
				   " JOIN log_entries l ON l.idx = e.idx WHERE e.unit = ?1 ORDER BY e.idx",
				   &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = qp_grow((void **)&list, &cap, n, sizeof(*list))) != QP_OK)
			goto fail;
		qp_home_event *e = &list[n];
		memset(e, 0, sizeof(*e));
		n++;
		e->index = (uint64_t)sqlite3_column_int64(st, 0);
		qp_store_column_copy(st, 1, e->time, sizeof(e->time));
		qp_store_column_copy(st, 3, e->type, sizeof(e->type));
		if ((err = qp_store_column_dup(st, 2, &e->signer)) != QP_OK ||
		    (err = qp_store_column_dup(st, 4, &e->summary)) != QP_OK)
			goto fail;
	}
	if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "reading the home's history");
		goto fail;
	}
	qp_store_finish(store, st);
	*out = list;
	*count = n;
	return QP_OK;
fail:
	qp_store_finish(store, st);
	qp_home_events_free(list, n);
	return err;
}

int qp_store_activation_put(qp_store *store, const qp_activation *a, const char *village,
			    const char *township)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(
	    store,
	    "INSERT INTO activations (idx, unit, village, township, investor, investor_id, start, start_year,"
	    " years, rent, investment, use, deal_no, investor_commitment)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CAST(substr(?7, 1, 4) AS INTEGER), ?8, ?9, ?10, ?11, ?12,"
	    " ?13)",
	    &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a->index);
	sqlite3_bind_text(st, 2, a->unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, village, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, township, -1, SQLITE_STATIC);
	if (a->investor_person) {
		sqlite3_bind_text(st, 13, a->investor_commitment, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(st, 5, a->investor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, a->investor_id, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 7, a->start, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, a->years);
	sqlite3_bind_int64(st, 9, a->rent);
	sqlite3_bind_int64(st, 10, a->investment);
	sqlite3_bind_text(st, 11, a->use, -1, SQLITE_STATIC);
	qp_store_bind_opt_text(st, 12, a->deal_no);
	err = qp_store_step_done(store, st, "recording the activation");
	qp_store_finish(store, st);
	return err;
}

int qp_store_activations(qp_store *store, const char *unit, qp_activation **out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	qp_activation *list = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*count = 0;
	int err =
	    qp_store_prepare_cached(store,
				    "SELECT a.idx, a.unit, coalesce(a.investor, d.name), "
				    "coalesce(a.investor_id, d.id_number), a.start,"
				    " a.years, a.rent, a.investment, a.use, a.deal_no, a.investor_commitment"
				    " FROM activations a LEFT JOIN investor_data d ON d.activation = a.idx"
				    " WHERE a.unit = ?1 ORDER BY a.idx",
				    &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = qp_grow((void **)&list, &cap, n, sizeof(*list))) != QP_OK)
			goto fail;
		qp_activation *a = &list[n];
		memset(a, 0, sizeof(*a));
		n++;
		a->index = (uint64_t)sqlite3_column_int64(st, 0);
		qp_store_column_copy(st, 1, a->unit, sizeof(a->unit));
		qp_store_column_copy(st, 3, a->investor_id, sizeof(a->investor_id));
		qp_store_column_copy(st, 4, a->start, sizeof(a->start));
		a->years = sqlite3_column_int(st, 5);
		a->rent = sqlite3_column_int64(st, 6);
		a->investment = sqlite3_column_int64(st, 7);
		qp_store_column_copy(st, 8, a->use, sizeof(a->use));
		a->investor_person = sqlite3_column_type(st, 10) != SQLITE_NULL;
		qp_store_column_copy(st, 10, a->investor_commitment, sizeof(a->investor_commitment));
		if ((sqlite3_column_type(st, 2) != SQLITE_NULL &&
		     (err = qp_store_column_dup(st, 2, &a->investor)) != QP_OK) ||
		    (err = qp_store_column_dup(st, 9, &a->deal_no)) != QP_OK)
			goto fail;
	}
	if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "reading activations");
		goto fail;
	}
	qp_store_finish(store, st);
	*out = list;
	*count = n;
	return QP_OK;
fail:
	qp_store_finish(store, st);
	qp_activations_free(list, n);
	return err;
}

/* ---- statistics ---------------------------------------------------------------- */

/* Run a statement with ?1 = scope value (if any) and ?2 = year (if any); call row for each row. */
static int stats_query(qp_store *store, const char *sql, const char *scope, int year,
		       void (*row)(sqlite3_stmt *st, qp_stats *out), qp_stats *out)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store, sql, &st);
	if (err != QP_OK)
		return err;
	if (scope)
		sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	if (year)
		sqlite3_bind_int(st, 2, year);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row(st, out);
	if (rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "computing statistics");
	qp_store_finish(store, st);
	return err;
}

static void home_row(sqlite3_stmt *st, qp_stats *out)
{
	qp_home_status s;
	if (qp_home_status_parse(&s, (const char *)sqlite3_column_text(st, 0)) == QP_OK) {
		out->homes[s] = (uint64_t)sqlite3_column_int64(st, 1);
		out->land_area[s] = sqlite3_column_int64(st, 2);
	}
}

static void count_villages(sqlite3_stmt *st, qp_stats *out)
{
	out->villages = (uint64_t)sqlite3_column_int64(st, 0);
}

static void count_households(sqlite3_stmt *st, qp_stats *out)
{
	out->households = (uint64_t)sqlite3_column_int64(st, 0);
}

static void activation_row(sqlite3_stmt *st, qp_stats *out)
{
	out->activations = (uint64_t)sqlite3_column_int64(st, 0);
	out->investment = sqlite3_column_int64(st, 1);
	out->first_year_rent = sqlite3_column_int64(st, 2);
}

int qp_store_stats(qp_store *store, int year, const char *village, const char *township, qp_stats *out)
{
	/* [scope: 0 county, 1 village, 2 township] */
	static const char *const homes_sql[3] = {
	    "SELECT status, count(*), coalesce(sum(land_area), 0) FROM homes GROUP BY status",
	    "SELECT status, count(*), coalesce(sum(land_area), 0) FROM homes WHERE village = ?1 GROUP BY "
	    "status",
	    "SELECT status, count(*), coalesce(sum(land_area), 0) FROM homes WHERE township = ?1 GROUP BY "
	    "status",
	};
	static const char *const villages_sql[3] = {
	    "SELECT count(*) FROM villages",
	    "SELECT count(*) FROM villages WHERE code = ?1",
	    "SELECT count(*) FROM villages WHERE township = ?1",
	};
	static const char *const households_sql[3] = {
	    "SELECT count(*) FROM households",
	    "SELECT count(*) FROM households WHERE village = ?1",
	    "SELECT count(*) FROM households WHERE village IN (SELECT code FROM villages WHERE township = "
	    "?1)",
	};
	/* [scope][year given] */
	static const char *const activations_sql[3][2] = {
	    {"SELECT count(*), coalesce(sum(investment), 0), coalesce(sum(rent), 0) FROM activations",
	     "SELECT count(*), coalesce(sum(investment), 0), coalesce(sum(rent), 0) FROM activations WHERE "
	     "start_year = ?2"},
	    {"SELECT count(*), coalesce(sum(investment), 0), coalesce(sum(rent), 0) FROM activations WHERE "
	     "village = ?1",
	     "SELECT count(*), coalesce(sum(investment), 0), coalesce(sum(rent), 0) FROM activations WHERE "
	     "start_year = ?2 AND village = ?1"},
	    {"SELECT count(*), coalesce(sum(investment), 0), coalesce(sum(rent), 0) FROM activations WHERE "
	     "township = ?1",
	     "SELECT count(*), coalesce(sum(investment), 0), coalesce(sum(rent), 0) FROM activations"
	     " WHERE start_year = ?2 AND township = ?1"},
	};
	int scope = village ? 1 : township ? 2 : 0;
	const char *value = village ? village : township;
	int err;
	memset(out, 0, sizeof(*out));
	if ((err = qp_store_begin_read(store)) != QP_OK)
		return err;
	if ((err = stats_query(store, homes_sql[scope], value, 0, home_row, out)) == QP_OK &&
	    (err = stats_query(store, villages_sql[scope], value, 0, count_villages, out)) == QP_OK &&
	    (err = stats_query(store, households_sql[scope], value, 0, count_households, out)) == QP_OK)
		err = stats_query(store, activations_sql[scope][year != 0], value, year, activation_row, out);
	qp_store_end_read(store);
	return err;
}
