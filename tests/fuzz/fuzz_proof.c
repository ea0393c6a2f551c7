/*
 * fuzz_proof.c - verifying a single c2sp.org/tlog-proof@v1 with its entry.
 *
 * The input is the proof, a NUL byte, then the entry's note (neither may
 * contain a NUL, so the split is unambiguous; without a NUL the entry is
 * empty).  It is verified against the fixture's log key as 'quanpiao
 * verify PROOF --entry ENTRY --log-vkey KEY' does.  A proof that verifies
 * must be for the fixture's origin and an index within its checkpoint.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static char *log_vkey;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (log_vkey == NULL)
		log_vkey = fz_vkey(fz_init()->log);
	const char *proof = (const char *)data;
	const char *nul = memchr(proof, '\0', size);
	size_t proof_len = nul ? (size_t)(nul - proof) : size;
	const char *entry = nul ? nul + 1 : proof + size;
	size_t entry_len = size - proof_len - (nul != NULL);
	uint64_t index = 0;
	qp_checkpoint cp;
	int rc = qp_bundle_verify_proof(&index, &cp, proof, proof_len, entry, entry_len, log_vkey);
	if (rc == QP_OK) {
		if (index >= cp.size || strcmp(cp.origin, FZ_ORIGIN) != 0)
			abort();
	} else if (rc > 0 || rc == QP_EINTERNAL) {
		abort();
	}
	return 0;
}
