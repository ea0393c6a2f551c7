/*
 * fuzz_bundle.c - offline verification of certificate bundles.
 *
 * The input is a bundle (bundle.h), verified against the fixture's
 * authority key as 'quanpiao verify' does, with no registry.  Besides
 * never crashing or leaking: a bundle that verifies names a certificate
 * whose lineage ends with it, and the info is cleared to zero.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static char *authority;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (authority == NULL)
		authority = fz_vkey(fz_init()->authority);
	qp_bundle_info info;
	memset(&info, 0xA5, sizeof(info)); /* the verifier must set what it returns */
	int rc = qp_bundle_verify(&info, (const char *)data, size, authority, FZ_T0);
	if (rc == QP_OK) {
		if (info.lineage_len == 0 || info.entries == 0 ||
		    strcmp(info.lineage[info.lineage_len - 1], info.cert.id) != 0 ||
		    strcmp(info.checkpoint.origin, FZ_ORIGIN) != 0)
			abort();
	} else if (rc > 0 || rc == QP_EINTERNAL) {
		abort();
	}
	qp_bundle_info_clear(&info);
	return 0;
}
