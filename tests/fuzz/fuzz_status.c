/*
 * fuzz_status.c - verifying a certificate's status proof (quanpiao/status/v1,
 * `quanpiao verify FILE --log-vkey KEY`): the checkpoint, the status map
 * proof against its map line, the record and its entry with an inclusion
 * proof.  The input is the file, checked against the fixture's log key
 * with the auditor as a required witness on odd lengths.  A proof that
 * verifies must name a certificate number of the fixture's form, at a
 * size no larger than the fixture's log; the map proof and the record are
 * also parsed on their own (every line of the input in turn).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static char *log_vkey, *auditor_vkey;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (log_vkey == NULL) {
		const fz_keys *k = fz_init();
		log_vkey = fz_vkey(k->log);
		auditor_vkey = fz_vkey(k->auditor);
	}
	const char *text = (const char *)data;
	const char *const witnesses[] = {auditor_vkey};
	qp_status_result r;
	int rc = qp_statusmap_status_verify(&r, text, size, log_vkey, witnesses, size % 2);
	if (rc == QP_OK) {
		if (strlen(r.id) != QP_CERT_ID_LEN || strncmp(r.id, "330681-", 7) != 0 || r.size == 0)
			abort();
		if (r.present && strcmp(r.record.id, r.id) != 0)
			abort();
	} else if (rc > 0 || rc == QP_EINTERNAL) {
		abort();
	}
	/* The parts alone: a map proof and a record, from anywhere in the input. */
	qp_statusmap_proof *proof = malloc(sizeof(*proof));
	if (proof == NULL)
		return 0;
	rc = qp_statusmap_proof_parse(proof, text, size);
	if (rc > 0 || rc == QP_EINTERNAL)
		abort();
	free(proof);
	qp_statusmap_record rec;
	rc = qp_statusmap_record_parse(&rec, text, size);
	if (rc == QP_OK) {
		char again[QP_STATUSMAP_RECORD_MAX];
		size_t len = 0;
		/* A record that parses encodes back to the same bytes: one form only. */
		if (qp_statusmap_record_encode(again, &len, &rec) != QP_OK || len != size || memcmp(again, text, size) != 0)
			abort();
	} else if (rc > 0 || rc == QP_EINTERNAL) {
		abort();
	}
	return 0;
}
