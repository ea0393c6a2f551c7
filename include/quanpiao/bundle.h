/*
 * quanpiao/bundle.h - certificate bundles: everything a certificate's
 * history depends on, in one file that verifies offline with nothing but
 * the authority's public key (docs/design.md §3), and single tlog-proofs.
 *
 * A bundle is text, in sections whose lengths are given up front, so that
 * nothing in the signed bytes can be mistaken for structure:
 *
 *     quanpiao/bundle/v1
 *     certificate <certificate number>
 *     checkpoint <n>
 *     <n bytes: the checkpoint note, with its cosignatures>
 *     entry <index> <n>
 *     <n bytes: the entry's exact note, whose leaf hash is in the tree>
 *     proof <n>
 *     <n bytes: a c2sp.org/tlog-proof@v1 of the entry against the checkpoint>
 *     ...                    (one entry and proof per entry, ascending index)
 *     status <id> <n>        (the certificate and each child: its record in the
 *     <n bytes: the record>   status map of the checkpoint, quanpiao/statusmap.h)
 *     map <n>
 *     <n bytes: its map proof against the checkpoint's status-map line>
 *     ...
 *     sha256 <64 hex digits: SHA-256 of every byte before this line>
 *
 * Numbers are decimal without leading zeros.  The proof's checkpoint is
 * the checkpoint section byte for byte.  The final digest only catches
 * accidental damage (anyone can recompute it); what makes a bundle
 * trustworthy is the checks of qp_bundle_verify, which it runs first.
 *
 * A bundle holds the genesis entry (index 0, naming the authority's key),
 * every key.enroll, key.revoke and policy.set entry below the checkpoint's
 * size, and every cert.* entry of the certificate's lineage: the issue of
 * its root, the transfer or redemption that created each certificate on
 * the path to it, and every entry that names it or one of its ancestors;
 * and the household.add entry of each household those entries name (as
 * holder or recipient), which gives its village.  No entry holds personal
 * data (households are named by registry number, household.add carries a
 * commitment), so neither does a bundle: it can be handed to a buyer.
 * Completeness of the entries cannot be proven offline, but their
 * outcome can: the checkpoint commits to every certificate's state (its
 * status map), and verification checks that the entries lead to the
 * state the map holds, so a bundle with an entry left out, added or
 * altered fails naming the certificate.
 */
#ifndef QUANPIAO_BUNDLE_H
#define QUANPIAO_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "quanpiao/certs.h"
#include "quanpiao/log.h"
#include "quanpiao/merkle.h"
#include "quanpiao/registry.h"

#include "quanpiao/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QP_BUNDLE_HEADER   "quanpiao/bundle/v1"
#define QP_BUNDLE_MAX_SIZE (64u << 20) /* bytes a bundle may have */

/* One entry of a bundle, as qp_bundle_write takes it. */
typedef struct qp_bundle_entry {
	uint64_t index;
	const char *note; /* the exact note bytes */
	size_t note_len;
	const qp_merkle_proof *proof; /* its inclusion proof against the checkpoint */
} qp_bundle_entry;

/*
 * Assemble a bundle for certificate cert_id from a checkpoint note and n
 * entries in ascending index order (each proof is written as a
 * c2sp.org/tlog-proof@v1 ending in the checkpoint note).  Nothing is
 * verified.  *out (malloc'd, NUL-terminated; free with free()).
 * QP_EUSAGE for entries out of order or a missing part.
 */
QP_API int qp_bundle_write(char **out, size_t *out_len, const char *cert_id, const char *checkpoint,
			   size_t checkpoint_len, const qp_bundle_entry *entries, size_t n);

/*
 * The bundle of certificate cert_id, against the registry's latest
 * checkpoint (with its cosignatures).  *entries (may be NULL) gets the
 * number of entries in it and *size (may be NULL) the checkpoint's size.
 * Errors: QP_ENOTFOUND (no such certificate), QP_EINVALID (no checkpoint,
 * or the latest one does not cover the certificate's last entry: the
 * message says to sign a newer one with 'quanpiao log sign'), QP_EIO.
 * *out is malloc'd; free with free().
 */
QP_API int qp_bundle_export(char **out, size_t *out_len, size_t *entries, uint64_t *size, qp_registry *reg,
			    const char *cert_id);

/* What qp_bundle_verify found. */
typedef struct qp_bundle_info {
	qp_cert cert;		  /* the certificate as of the checkpoint (reason malloc'd) */
	qp_checkpoint checkpoint; /* origin, size and root                                */
	char county[7];		  /* from the genesis entry                               */
	char county_name[65];
	size_t entries;	     /* entries verified                                     */
	size_t cosignatures; /* auditors' cosignatures of the checkpoint verified     */
	char **lineage;	     /* certificate numbers from the root's issue to cert    */
	size_t lineage_len;
	char **cosigners; /* names of the auditors who cosigned                  */
} qp_bundle_info;

/* Free what qp_bundle_verify put in info (NULL is fine); info is zeroed. */
QP_API void qp_bundle_info_clear(qp_bundle_info *info);

/*
 * Verify a bundle offline (no registry): the genesis entry is signed by
 * authority_vkey and names it; key enrolments and revocations and policy
 * entries are signed by the authority; the checkpoint is signed by the
 * enrolled log key (named as the origin) and every other signature on it
 * is a valid cosignature by an enrolled auditor; every entry's inclusion
 * proof leads to the checkpoint's root and its signature is by a key
 * enrolled with the role its type needs, not revoked or expired at that
 * entry; every certificate entry has a policy in force, and follows it
 * where the bundle can tell (area limits, transfer rule, redemption
 * purposes, conservation of area); the lineage is unbroken from an issue
 * to the certificate and every certificate entry belongs to it; every
 * household a certificate entry names is added by a household.add in the
 * bundle, and every household.add is of such a household.  Then
 * info gets the certificate's state as of the checkpoint; "expired" is
 * judged at now (seconds since the epoch; 0 means the current time).
 * Errors: QP_EVERIFY naming the entry and the check that failed (any
 * damaged or altered byte gives this), QP_EINVALID (authority_vkey is not
 * a verifier key), QP_ENOMEM.
 */
QP_API int qp_bundle_verify(qp_bundle_info *info, const char *bundle, size_t bundle_len,
			    const char *authority_vkey, int64_t now);

/*
 * Verify a single c2sp.org/tlog-proof@v1 with its entry's note: the
 * checkpoint in it is signed by log_vkey (named as its origin) and the
 * inclusion proof leads from the entry's leaf hash to its root.  *index
 * and *checkpoint get the entry's index and the checkpoint.  Errors:
 * QP_EVERIFY saying what failed, QP_EINVALID (log_vkey is not a verifier
 * key).
 */
QP_API int qp_bundle_verify_proof(uint64_t *index, qp_checkpoint *checkpoint, const char *proof,
				  size_t proof_len, const char *entry, size_t entry_len,
				  const char *log_vkey);

#ifdef __cplusplus
}
#endif

#endif
