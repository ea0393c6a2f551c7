/*
 * access.c - who may read personal data, and the access record
 * (quanpiao/access.h; migration 0013).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "access_internal.h"
#include "alloc.h"
#include "checkpoint.h"
#include "clock.h"
#include "error.h"
#include "quanpiao/access.h"
#include "quanpiao/ids.h"
#include "registry_internal.h"
#include "store_access.h"
#include "store_internal.h"
#include "store_log.h"

int qp_access_reader_find(qp_access_reader *out, qp_registry *reg, const char *name, uint32_t key_id,
			  int64_t now)
{
	qp_store_key_row row;
	char today[QP_TIME_LEN + 1];
	memset(out, 0, sizeof(*out));
	int err = qp_store_key_get(reg->store, name, key_id, &row);
	if (err == QP_ENOTFOUND)
		return qp_error_set(QP_EPERM, "key %.128s (key ID %08x) is not an enrolled key", name,
				    key_id);
	if (err != QP_OK)
		return err;
	qp_time_format(today, now);
	if (row.revoked)
		err = qp_error_set(QP_EPERM, "key %s was revoked by entry %llu and reads no personal data",
				   row.name, (unsigned long long)row.revoked_idx);
	else if (row.valid_until && row.valid_until[0] && strncmp(today, row.valid_until, 10) > 0)
		err = qp_error_set(QP_EPERM, "key %s expired on %s and reads no personal data", row.name,
				   row.valid_until);
	else if (strcmp(row.role, "officer") != 0 && strcmp(row.role, "auditor") != 0)
		err = qp_error_set(QP_EPERM,
				   "key %s has role %s; only officer and auditor keys read personal data",
				   row.name, row.role);
	if (err == QP_OK) {
		qp_verifier *v = NULL;
		if ((err = qp_verifier_parse(&v, row.vkey)) == QP_OK) {
			snprintf(out->name, sizeof(out->name), "%s", row.name);
			snprintf(out->role, sizeof(out->role), "%s", row.role);
			out->key_id = key_id;
			memcpy(out->public_key, qp_verifier_public(v), QP_PUBLIC_KEY_LEN);
			qp_verifier_free(v);
		} else if (err != QP_ENOMEM) {
			err = qp_error_set(QP_ECORRUPT, "enrolled key %s is damaged in the store", row.name);
		}
	}
	qp_store_key_row_clear(&row);
	return err;
}

int qp_access_reader_of_key(qp_access_reader *out, qp_registry *reg, const qp_key *key, int64_t now)
{
	int err = qp_access_reader_find(out, reg, qp_key_name(key), qp_key_id(key), now);
	if (err == QP_OK && sodium_memcmp(out->public_key, qp_key_public(key), QP_PUBLIC_KEY_LEN) != 0)
		err = qp_error_set(QP_EPERM, "key %s is not the key enrolled under that name and key ID",
				   qp_key_name(key));
	return err;
}

int qp_access_record(qp_registry *reg, const qp_access_reader *reader, const char *request,
		     const char *const *subjects, size_t n, int64_t now)
{
	char when[QP_TIME_LEN + 1];
	int err;
	if (n == 0)
		return QP_OK;
	qp_time_format(when, now);
	if ((err = qp_store_begin(reg->store)) != QP_OK)
		return err;
	/* Each row chained to the one before (store_access.c): a checkpoint commits to the chain. */
	qp_access_fields f = {0, when, reader->name, reader->role, request, NULL};
	err = qp_store_access_put(reg->store, &f, subjects, n);
	if (err == QP_OK && (err = qp_store_commit(reg->store)) == QP_OK)
		return QP_OK;
	qp_store_rollback(reg->store);
	return err;
}

int qp_access_list(qp_access_row **out, size_t *count, qp_registry *reg, const char *subject, uint64_t after,
		   size_t limit)
{
	sqlite3_stmt *st = NULL;
	qp_access_row *rows = NULL;
	size_t n = 0, cap = 0;
	int err, rc;
	*out = NULL;
	*count = 0;
	if ((err = qp_store_prepare(reg->store,
				    "SELECT id, time, reader, role, request, subject FROM access_records"
				    " WHERE id > ?1 AND (?2 IS NULL OR subject = ?2) ORDER BY id LIMIT ?3",
				    &st)) != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(after > INT64_MAX ? INT64_MAX : after));
	qp_store_bind_opt_text(st, 2, subject);
	sqlite3_bind_int64(st, 3, limit ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = qp_grow((void **)&rows, &cap, n, sizeof(*rows))) != QP_OK)
			goto fail;
		qp_access_row *r = &rows[n];
		memset(r, 0, sizeof(*r));
		n++;
		r->id = (uint64_t)sqlite3_column_int64(st, 0);
		qp_store_column_copy(st, 1, r->time, sizeof(r->time));
		if ((err = qp_store_column_dup(st, 2, &r->reader)) != QP_OK ||
		    (err = qp_store_column_dup(st, 3, &r->role)) != QP_OK ||
		    (err = qp_store_column_dup(st, 4, &r->request)) != QP_OK ||
		    (err = qp_store_column_dup(st, 5, &r->subject)) != QP_OK)
			goto fail;
	}
	if (rc != SQLITE_DONE) {
		err = qp_store_raise(reg->store->db, rc, "reading the access record");
		goto fail;
	}
	sqlite3_finalize(st);
	*out = rows;
	*count = n;
	return QP_OK;
fail:
	sqlite3_finalize(st);
	qp_access_rows_free(rows, n);
	return err;
}

void qp_access_rows_free(qp_access_row *rows, size_t count)
{
	for (size_t i = 0; rows && i < count; i++) {
		qp_free(rows[i].reader);
		qp_free(rows[i].role);
		qp_free(rows[i].request);
		qp_free(rows[i].subject);
	}
	qp_free(rows);
}

void qp_access_mask_name(char *out, size_t cap, const char *name)
{
	size_t first = 0;
	if (cap == 0)
		return;
	/* The first character (its UTF-8 bytes), then one '*' for the rest: 王五 -> 王*. */
	if (name && name[0]) {
		unsigned char c = (unsigned char)name[0];
		first = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		for (size_t i = 1; i < first; i++)
			if (name[i] == '\0')
				first = i;
	}
	snprintf(out, cap, "%.*s*", (int)first, name ? name : "");
}

void qp_access_mask_ids(char *text)
{
	for (char *p = text; *p;) {
		size_t run = strspn(p, "0123456789Xx");
		if (run == QP_RESIDENT_ID_LEN) {
			char id[QP_RESIDENT_ID_LEN + 1], masked[QP_RESIDENT_ID_LEN + 1];
			memcpy(id, p, QP_RESIDENT_ID_LEN);
			id[QP_RESIDENT_ID_LEN] = '\0';
			qp_ids_mask_resident(masked, id);
			memcpy(p, masked, QP_RESIDENT_ID_LEN);
			sodium_memzero(id, sizeof(id));
		}
		p += run ? run : 1;
	}
}

/* ---- the chain (access_internal.h) ------------------------------------------------------------- */

static void chain_field(crypto_hash_sha256_state *h, const char *s)
{
	size_t n = strlen(s);
	unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
				(unsigned char)n};
	crypto_hash_sha256_update(h, len, sizeof(len));
	crypto_hash_sha256_update(h, (const unsigned char *)s, n);
}

void qp_access_chain(unsigned char out[32], const unsigned char prev[32], const qp_access_fields *f)
{
	crypto_hash_sha256_state h;
	unsigned char id[8];
	for (int i = 0; i < 8; i++)
		id[i] = (unsigned char)(f->id >> (56 - 8 * i));
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)QP_ACCESS_LINE "\n", strlen(QP_ACCESS_LINE) + 1);
	crypto_hash_sha256_update(&h, prev, 32);
	crypto_hash_sha256_update(&h, id, sizeof(id));
	chain_field(&h, f->time);
	chain_field(&h, f->reader);
	chain_field(&h, f->role);
	chain_field(&h, f->request);
	chain_field(&h, f->subject);
	crypto_hash_sha256_final(&h, out);
}

int qp_access_checkpoint_line(uint64_t *n, unsigned char chain[32], const char *text, size_t text_len)
{
	const char *v, *sp;
	size_t vl, got = 0;
	int err = qp_checkpoint_extension(&v, &vl, text, text_len, QP_ACCESS_LINE);
	if (err != QP_OK)
		return err;
	*n = 0;
	sp = memchr(v, ' ', vl);
	size_t digits = sp ? (size_t)(sp - v) : 0;
	int ok = digits > 0 && digits <= 19 && v[0] != '0';
	for (size_t i = 0; ok && i < digits; i++) {
		ok = v[i] >= '0' && v[i] <= '9';
		*n = *n * 10 + (uint64_t)(v[i] - '0');
	}
	const char *b64 = sp ? sp + 1 : NULL, *b64_end = NULL;
	if (!ok ||
	    sodium_base642bin(chain, 32, b64, vl - digits - 1, NULL, &got, &b64_end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != 32 || b64_end != v + vl)
		return qp_error_set(
		    QP_EINVALID,
		    "checkpoint: the %s line must carry a count from 1 and the base64 of 32 bytes",
		    QP_ACCESS_LINE);
	return QP_OK;
}
