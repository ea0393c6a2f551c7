/*
 * bundle.c - writing certificate bundles, and exporting one from a
 * registry: the certificate's lineage, the household.add entry of every
 * household its entries name, every authority entry below the checkpoint,
 * and an inclusion proof of each against the latest checkpoint.  A bundle
 * is handed to a buyer: it holds no personal data, since no entry does
 * (docs/format.md, "Personal data").  The format is described in quanpiao/bundle.h; verifying a
 * bundle is bundle_verify.c's job and needs no registry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "quanpiao/bundle.h"
#include "quanpiao/cosign.h"
#include "quanpiao/ids.h"
#include "quanpiao/note.h"
#include "quanpiao/statusmap.h"
#include "registry_internal.h"
#include "store_homes.h"
#include "store_log.h"
#include "store_witness.h"

#define B64 sodium_base64_VARIANT_ORIGINAL

/* ---- writing ----------------------------------------------------------------------- */

/* The bundle, with tail (the status sections, or NULL) after the entries and before the digest. */
static int write_bundle(char **out, size_t *out_len, const char *cert_id, const char *checkpoint,
			size_t checkpoint_len, const qp_bundle_entry *entries, size_t n, const qp_buf *tail)
{
	qp_buf b = {0};
	qp_buf proof = {0};
	*out = NULL;
	if (out_len)
		*out_len = 0;
	if (cert_id == NULL || cert_id[0] == '\0' || strchr(cert_id, '\n') || checkpoint == NULL ||
	    (entries == NULL && n > 0))
		return qp_error_set(QP_EUSAGE,
				    "qp_bundle_write: needs a certificate number and a checkpoint");
	for (size_t i = 0; i < n; i++)
		if (entries[i].note == NULL || entries[i].proof == NULL ||
		    (i > 0 && entries[i].index <= entries[i - 1].index))
			return qp_error_set(
			    QP_EUSAGE, "qp_bundle_write: entry %zu is missing a part or out of order", i);
	qp_buf_str(&b, QP_BUNDLE_HEADER "\ncertificate ");
	qp_buf_str(&b, cert_id);
	qp_buf_str(&b, "\ncheckpoint ");
	qp_buf_u64(&b, checkpoint_len);
	qp_buf_str(&b, "\n");
	qp_buf_add(&b, checkpoint, checkpoint_len);
	for (size_t i = 0; i < n; i++) {
		const qp_bundle_entry *e = &entries[i];
		proof.len = 0;
		qp_buf_str(&proof, "c2sp.org/tlog-proof@v1\nindex ");
		qp_buf_u64(&proof, e->index);
		qp_buf_str(&proof, "\n");
		for (size_t k = 0; k < e->proof->len; k++) {
			char h[sodium_base64_ENCODED_LEN(QP_HASH_LEN, B64)];
			sodium_bin2base64(h, sizeof(h), e->proof->hash[k], QP_HASH_LEN, B64);
			qp_buf_str(&proof, h);
			qp_buf_str(&proof, "\n");
		}
		qp_buf_str(&proof, "\n");
		qp_buf_add(&proof, checkpoint, checkpoint_len);
		qp_buf_str(&b, "entry ");
		qp_buf_u64(&b, e->index);
		qp_buf_str(&b, " ");
		qp_buf_u64(&b, e->note_len);
		qp_buf_str(&b, "\n");
		qp_buf_add(&b, e->note, e->note_len);
		qp_buf_str(&b, "proof ");
		qp_buf_u64(&b, proof.len);
		qp_buf_str(&b, "\n");
		if (proof.err)
			b.err = proof.err;
		else
			qp_buf_add(&b, proof.p, proof.len);
	}
	qp_free(proof.p);
	if (tail && tail->err)
		b.err = tail->err;
	else if (tail && tail->len)
		qp_buf_add(&b, tail->p, tail->len);
	if (!b.err) {
		unsigned char sum[crypto_hash_sha256_BYTES];
		char hex[2 * crypto_hash_sha256_BYTES + 1];
		crypto_hash_sha256(sum, (const unsigned char *)b.p, b.len);
		sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
		qp_buf_str(&b, "sha256 ");
		qp_buf_str(&b, hex);
		qp_buf_str(&b, "\n");
	}
	if (b.err) {
		qp_free(b.p);
		return qp_error_set(QP_ENOMEM, "out of memory writing the bundle");
	}
	if (b.len > QP_BUNDLE_MAX_SIZE) {
		qp_free(b.p);
		return qp_error_set(QP_EINVALID, "the bundle would be %zu bytes; at most %u are allowed",
				    b.len, QP_BUNDLE_MAX_SIZE);
	}
	*out = b.p;
	if (out_len)
		*out_len = b.len;
	return QP_OK;
}

int qp_bundle_write(char **out, size_t *out_len, const char *cert_id, const char *checkpoint,
		    size_t checkpoint_len, const qp_bundle_entry *entries, size_t n)
{
	return write_bundle(out, out_len, cert_id, checkpoint, checkpoint_len, entries, n, NULL);
}

/*
 * The status sections of cert_id and its children: each one's record in
 * the status map of the checkpoint of cp_size and its map proof; none if
 * that checkpoint commits to no map (it was signed before there was one).
 */
static int status_sections(qp_buf *t, qp_registry *reg, const char *cert_id, const char *cp, size_t cp_len,
			   uint64_t cp_size)
{
	qp_note *n = NULL;
	qp_checkpoint c;
	qp_cert *children = NULL;
	size_t nchildren = 0;
	qp_statusmap_proof *proof = qp_malloc(sizeof(*proof));
	int err;
	if (proof == NULL)
		return qp_error_set(QP_ENOMEM, "out of memory exporting a bundle");
	if ((err = qp_note_parse(&n, cp, cp_len)) != QP_OK ||
	    (err = qp_checkpoint_parse(&c, n->text, n->text_len)) != QP_OK || !c.have_map ||
	    (err = qp_cert_children(&children, &nchildren, reg, cert_id)) != QP_OK)
		goto done;
	for (size_t i = 0; i <= nchildren && err == QP_OK; i++) {
		const char *id = i == 0 ? cert_id : children[i - 1].id;
		char *record = NULL, *map = NULL;
		size_t record_len = 0, map_len = 0;
		if (i > 0 && children[i - 1].created_at >= cp_size)
			continue; /* made after the checkpoint: not in its map */
		if ((err = qp_statusmap_prove(proof, &record, &record_len, reg, id, cp_size)) == QP_OK &&
		    record == NULL)
			err = qp_error_set(
			    QP_ECORRUPT, "certificate %s: the status map of checkpoint %llu holds no record",
			    id, (unsigned long long)cp_size);
		if (err == QP_OK)
			err = qp_statusmap_proof_text(&map, &map_len, proof);
		if (err == QP_OK) {
			qp_buf_str(t, "status ");
			qp_buf_str(t, id);
			qp_buf_str(t, " ");
			qp_buf_u64(t, record_len);
			qp_buf_str(t, "\n");
			qp_buf_add(t, record, record_len);
			qp_buf_str(t, "map ");
			qp_buf_u64(t, map_len);
			qp_buf_str(t, "\n");
			qp_buf_add(t, map, map_len);
		}
		qp_free(record);
		qp_free(map);
	}
done:
	qp_certs_free(children, nchildren);
	qp_note_free(n);
	qp_free(proof);
	return err;
}

/* ---- exporting ----------------------------------------------------------------------- */

/* A set of entry indexes. */
typedef struct idxset {
	uint64_t *v;
	size_t n, cap;
} idxset;

static int idx_add(idxset *s, uint64_t i)
{
	int err = qp_grow((void **)&s->v, &s->cap, s->n, sizeof(*s->v));
	if (err != QP_OK)
		return err;
	s->v[s->n++] = i;
	return QP_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sort and drop duplicates. */
static void idx_finish(idxset *s)
{
	size_t k = 0;
	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i] != s->v[k])
			s->v[++k] = s->v[i];
	s->n = k + 1;
}

/*
 * The household.add entry of every household that the certificate entries
 * at lin name (cert.issue's holder, cert.transfer's to): the verifier
 * needs each one's village for the transfer rule.
 */
static int households(idxset *s, qp_registry *reg, const idxset *lin)
{
	static const char *const members[][2] = {{"cert.issue", "holder"}, {"cert.transfer", "to"}};
	int err = QP_OK;
	for (size_t i = 0; i < lin->n && err == QP_OK; i++) {
		char *note = NULL;
		size_t len = 0;
		qp_entry *e = NULL;
		if ((err = qp_store_entry_get(reg->store, lin->v[i], &note, &len)) == QP_OK &&
		    (err = qp_entry_parse(&e, note, len)) == QP_OK) {
			for (size_t k = 0; k < sizeof(members) / sizeof(members[0]) && err == QP_OK; k++) {
				const char *h = strcmp(e->type, members[k][0]) == 0
						    ? qp_body_str(e, members[k][1])
						    : NULL;
				qp_household hh;
				if (h == NULL || strlen(h) != QP_HOUSEHOLD_NUMBER_LEN ||
				    qp_ids_check_household(h, NULL, NULL) != QP_OK)
					continue;
				if ((err = qp_store_household_get(reg->store, h, &hh)) != QP_OK)
					break;
				err = idx_add(s, hh.added_at);
				qp_household_clear(&hh);
			}
		}
		qp_entry_free(e);
		qp_free(note);
	}
	return err;
}

/* The certificate numbers from cert_id up to its root (cert_id first). */
static int lineage(char (**out)[QP_CERT_ID_LEN + 1], size_t *count, qp_registry *reg, const char *cert_id,
		   idxset *s)
{
	char(*ids)[QP_CERT_ID_LEN + 1] = NULL;
	size_t n = 0, cap = 0;
	qp_cert c;
	int err;
	char next[QP_CERT_ID_LEN + 1];
	*out = NULL;
	*count = 0;
	if (strlen(cert_id) > QP_CERT_ID_LEN)
		return qp_error_set(QP_ENOTFOUND, "no certificate %s in the registry", cert_id);
	snprintf(next, sizeof(next), "%s", cert_id);
	while (next[0]) {
		if ((err = qp_cert_get(&c, reg, next)) != QP_OK)
			goto fail;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			void *grown = qp_realloc(ids, ncap * sizeof(*ids));
			if (grown == NULL) {
				qp_cert_clear(&c);
				err = QP_ENOMEM;
				goto fail;
			}
			ids = grown;
			cap = ncap;
		}
		snprintf(ids[n++], QP_CERT_ID_LEN + 1, "%s", c.id);
		err = idx_add(s, c.created_at);
		snprintf(next, sizeof(next), "%s", c.parent);
		qp_cert_clear(&c);
		if (err != QP_OK)
			goto fail;
		if (n > 100000) {
			err = qp_error_set(QP_ECORRUPT, "certificate %s has a looping ancestry", cert_id);
			goto fail;
		}
	}
	*out = ids;
	*count = n;
	return QP_OK;
fail:
	qp_free(ids);
	return err;
}

int qp_bundle_export(char **out, size_t *out_len, size_t *entries, uint64_t *size, qp_registry *reg,
		     const char *cert_id)
{
	char *cp = NULL;
	size_t cp_len = 0, nl = 0, nkeys = 0, nev = 0, npol = 0;
	uint64_t cp_size = 0, *pol = NULL, last = 0;
	char(*lin)[QP_CERT_ID_LEN + 1] = NULL;
	qp_cert_event *ev = NULL;
	qp_key_info *keys = NULL;
	idxset s = {0}, lin_idx = {0};
	qp_bundle_entry *parts = NULL;
	qp_merkle_proof *proofs = NULL;
	char **notes = NULL;
	qp_buf tail = {0};
	int err;

	*out = NULL;
	if (out_len)
		*out_len = 0;
	if (reg == NULL || cert_id == NULL)
		return qp_error_set(QP_EUSAGE, "qp_bundle_export: needs a registry and a certificate number");
	/*
	 * The checkpoint first: entries below it never change, so whatever is
	 * read after it is filtered by its size, and an entry of the lineage
	 * appended meanwhile is reported as not covered.
	 */
	int cp_err = qp_log_checkpoint_cosigned(&cp, &cp_len, &cp_size, NULL, reg, QP_LOG_LATEST);
	if (cp_err != QP_OK && cp_err != QP_ENOTFOUND) {
		err = cp_err;
		goto done;
	}
	if ((err = lineage(&lin, &nl, reg, cert_id, &lin_idx)) != QP_OK)
		goto done;
	if ((err = qp_cert_history(&ev, &nev, reg, lin[nl - 1])) != QP_OK)
		goto done;
	for (size_t i = 0; i < nev; i++)
		for (size_t k = 0; k < nl; k++)
			if (strcmp(ev[i].cert, lin[k]) == 0 &&
			    (err = idx_add(&lin_idx, ev[i].index)) != QP_OK)
				goto done;
	idx_finish(&lin_idx);
	last = lin_idx.v[lin_idx.n - 1];
	if (cp_err == QP_ENOTFOUND) {
		err = qp_error_set(
		    QP_EINVALID,
		    "no checkpoint has been signed yet; sign one with 'quanpiao log sign' and export again");
		goto done;
	}
	if (last >= cp_size) {
		err = qp_error_set(
		    QP_EINVALID,
		    "the latest checkpoint (size %llu) does not cover entry %llu of certificate %s's "
		    "history; sign a newer one with 'quanpiao log sign' and export again",
		    (unsigned long long)cp_size, (unsigned long long)last, cert_id);
		goto done;
	}
	/* The genesis, every key and policy entry below the checkpoint, the lineage and its households. */
	if ((err = idx_add(&s, 0)) != QP_OK || (err = qp_registry_keys(&keys, &nkeys, reg)) != QP_OK ||
	    (err = qp_store_policy_indexes(reg->store, cp_size, &pol, &npol)) != QP_OK)
		goto done;
	for (size_t i = 0; i < nkeys && err == QP_OK; i++) {
		if (keys[i].enrolled_at < cp_size)
			err = idx_add(&s, keys[i].enrolled_at);
		if (err == QP_OK && keys[i].revoked && keys[i].revoked_at < cp_size)
			err = idx_add(&s, keys[i].revoked_at);
	}
	for (size_t i = 0; i < npol && err == QP_OK; i++)
		err = idx_add(&s, pol[i]);
	for (size_t i = 0; i < lin_idx.n && err == QP_OK; i++)
		err = idx_add(&s, lin_idx.v[i]);
	if (err != QP_OK || (err = households(&s, reg, &lin_idx)) != QP_OK)
		goto done;
	idx_finish(&s);

	parts = qp_calloc(s.n, sizeof(*parts));
	proofs = qp_calloc(s.n, sizeof(*proofs));
	notes = qp_calloc(s.n, sizeof(*notes));
	if (parts == NULL || proofs == NULL || notes == NULL) {
		err = QP_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < s.n; i++) {
		size_t len = 0;
		if ((err = qp_store_entry_get(reg->store, s.v[i], &notes[i], &len)) != QP_OK ||
		    (err = qp_merkle_inclusion_proof(&proofs[i], s.v[i], cp_size, qp_store_node_get,
						     reg->store)) != QP_OK)
			goto done;
		parts[i].index = s.v[i];
		parts[i].note = notes[i];
		parts[i].note_len = len;
		parts[i].proof = &proofs[i];
	}
	if ((err = status_sections(&tail, reg, cert_id, cp, cp_len, cp_size)) != QP_OK ||
	    (err = write_bundle(out, out_len, cert_id, cp, cp_len, parts, s.n, &tail)) != QP_OK)
		goto done;
	if (entries)
		*entries = s.n;
	if (size)
		*size = cp_size;
done:
	for (size_t i = 0; notes && i < s.n; i++)
		qp_free(notes[i]);
	qp_free(notes);
	qp_free(tail.p);
	qp_free(proofs);
	qp_free(parts);
	qp_free(s.v);
	qp_free(lin_idx.v);
	qp_free(pol);
	qp_key_infos_free(keys, nkeys);
	qp_cert_events_free(ev, nev);
	qp_free(lin);
	qp_free(cp);
	return err;
}
