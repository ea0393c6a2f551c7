/*
 * mkseeds - write the seed corpora of the fuzz targets.
 *
 * usage: mkseeds OUTDIR
 * Builds the fixture registry (fuzz.h) in a scratch directory and writes,
 * under OUTDIR/<target>/, small valid and near-valid inputs: every entry
 * of the fixture and new entries of every type signed by the right key
 * (and some by the wrong one, or damaged), their JSON, checkpoints and
 * cosignatures, witness requests, bundles of every certificate, single
 * tlog-proofs, and identifiers.  The output is deterministic (fixed seeds,
 * clock and salts), so running it again rewrites the same files; the
 * corpora in tests/fuzz/corpus/ were made with it and grow with what
 * fuzzing finds.  Signed entries are as the registry signs them: households
 * by registry number, personal data only as commitments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "entry.h"
#include "fuzz.h"
#include "quanpiao/mirror.h"
#include "quanpiao/personal.h"

/* The fixture's households (fixture.c), by registry number in the order added. */
#define N1 "330681-H-0000001" /* FZ_H1 */
#define N2 "330681-H-0000002" /* FZ_H2 */
#define N3 "330681-H-0000003" /* FZ_H3 */
#define N4 "330681-H-0000004" /* FZ_H4 */
#define N5 "330681-H-0000005" /* FZ_H5, no home, its certificate revoked: erasable */
#define N7 "330681-H-0000007" /* erased */

static const char *outdir;
static qp_registry *reg;
static const fz_keys *keys;

static void mkdir_p(const char *p)
{
	if (mkdir(p, 0755) != 0 && errno != EEXIST) {
		perror(p);
		exit(1);
	}
}

static void put_file(const char *target, const char *name, const void *data, size_t len)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", outdir, target);
	mkdir_p(p);
	snprintf(p, sizeof(p), "%s/%s/%s", outdir, target, name);
	FILE *f = fopen(p, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
}

static void put_str(const char *target, const char *name, const char *s)
{
	put_file(target, name, s, strlen(s));
}

/* The JSON line of an entry note (between the header line and the blank line). */
static void put_json_of(const char *name, const char *note)
{
	const char *json = strchr(note, '\n');
	const char *end = json ? strchr(json + 1, '\n') : NULL;
	if (end)
		put_file("canon", name, json + 1, (size_t)(end - json - 1));
}

/*
 * Sign a new entry (its personal data committed to and numbered, as submit
 * would) and write it to the entry corpus.
 */
static char *new_entry(const char *name, const qp_key *key, const char *type, const char *body)
{
	char *numbered = NULL, *note = NULL, *committed = NULL;
	size_t len = 0;
	qp_personal pd;
	int found = 0;
	fz_check(qp_personal_split(&committed, &pd, &found, type, body), name);
	qp_personal_clear(&pd);
	fz_check(qp_mirror_number(&numbered, reg, type, committed), name);
	free(committed);
	fz_check(qp_registry_sign_entry(&note, &len, reg, key, type, numbered), name);
	free(numbered);
	put_file("entry", name, note, len);
	return note;
}

/* Sign a body exactly as given (no commitment, no numbering): an entry the rules refuse. */
static void as_given(const char *name, const qp_key *key, const char *type, const char *body)
{
	char *note = NULL;
	size_t len = 0;
	fz_check(qp_registry_sign_entry(&note, &len, reg, key, type, body), name);
	put_file("entry", name, note, len);
	free(note);
}

static void entries(void)
{
	uint64_t n = 0;
	fz_check(qp_log_size(&n, reg), "size");
	for (uint64_t i = 0; i < n; i++) {
		char *note = NULL, name[64];
		size_t len = 0;
		fz_check(qp_log_entry(&note, &len, reg, i), "entry");
		snprintf(name, sizeof(name), "log-%02llu", (unsigned long long)i);
		put_file("entry", name, note, len);
		put_json_of(name, note);
		free(note);
	}
	const qp_key *o = keys->officer, *a = keys->authority;
	char *vk = fz_vkey(keys->log), body[1024];
	char uscc[19] = "N2330681MA2B3C4D5";
	uscc[17] = qp_ids_uscc_check_char(uscc);
	uscc[18] = '\0';
	snprintf(body, sizeof(body), "{\"code\":\"330681101203\",\"name\":\"新村\",\"uscc\":\"%s\"}", uscc);
	free(new_entry("new-village", o, "village.add", body));
	free(new_entry(
	    "new-household", o, "household.add",
	    "{\"id_number\":\"330681198001010010\",\"members\":3,\"name\":\"王\",\"village\":\"" FZ_V2
	    "\"}"));
	free(new_entry("household-erase", o, "household.erase",
		       "{\"household\":\"" N5 "\",\"reason\":\"PIPL art. 47, request 2026-002\"}"));
	free(new_entry("household-erase-live", o, "household.erase",
		       "{\"household\":\"" N1 "\",\"reason\":\"holds a live certificate\"}"));
	free(new_entry("household-erase-again", o, "household.erase",
		       "{\"household\":\"" N7 "\",\"reason\":\"erased before\"}"));
	free(new_entry(
	    "home-activate-person", o, "home.activate",
	    "{\"investment\":100,\"investor\":\"张三\",\"investor_id\":\"330681198001010010\",\"rent\":100,"
	    "\"start\":\"2026-11-18\",\"unit\":\"" FZ_U_IU "\",\"use\":\"rental\",\"years\":2}"));
	/* Format v1's bodies, now refused: personal data in the clear, households by ID number. */
	as_given("v1-household", o, "household.add",
		 "{\"id_number\":\"330681198001010010\",\"members\":3,\"name\":\"王\",\"number\":"
		 "\"330681-H-0000008\",\"village\":\"" FZ_V2 "\"}");
	as_given("v1-holder", o, "cert.transfer",
		 "{\"basis\":\"sale\",\"cert\":\"330681-2026-G-000004\",\"new_id\":\"330681-2026-G-000005\","
		 "\"to\":\"" FZ_H2 "\"}");
	as_given(
	    "v1-investor", o, "home.activate",
	    "{\"investment\":100,\"investor\":\"张三\",\"investor_id\":\"330681198001010010\",\"rent\":100,"
	    "\"start\":\"2026-11-18\",\"unit\":\"" FZ_U_IU "\",\"use\":\"rental\",\"years\":2}");
	as_given("household-no-commitment", o, "household.add",
		 "{\"members\":3,\"number\":\"330681-H-0000008\",\"village\":\"" FZ_V2 "\"}");
	free(new_entry(
	    "new-home", o, "home.add",
	    "{\"built\":1988,\"floor_area\":18000,\"household\":\"" N4
	    "\",\"land_area\":11000,\"status\":\"dilapidated\",\"unit\":\"330681001002JC00009F00010001\","
	    "\"village\":\"" FZ_V1 "\"}"));
	free(new_entry("home-status", o, "home.status",
		       "{\"reason\":\"empty\",\"status\":\"idle\",\"unit\":\"" FZ_U_IU "\"}"));
	free(new_entry("home-lease-end", o, "home.status", "{\"status\":\"idle\",\"unit\":\"" FZ_U_ID "\"}"));
	free(new_entry("home-correct", o, "home.correct",
		       "{\"field\":\"built\",\"reason\":\"deed\",\"unit\":\"" FZ_U_IU "\",\"value\":1979}"));
	free(new_entry("cert-issue", o, "cert.issue",
		       "{\"area\":3000,\"basis\":\"withdrawal\",\"holder\":\"" N1 "\",\"home\":\"" FZ_U_WD
		       "\",\"kind\":\"guarantee\"}"));
	free(new_entry(
	    "cert-issue-legacy", o, "cert.issue",
	    "{\"area\":100,\"basis\":\"legacy\",\"holder\":\"" N3 "\",\"home\":\"" FZ_U_IU
	    "\",\"kind\":\"retention\",\"legacy_no\":\"DP-2019-001\",\"valid_until\":\"2030-01-01\"}"));
	free(new_entry("cert-transfer", o, "cert.transfer",
		       "{\"basis\":\"sale\",\"cert\":\"330681-2026-G-000004\",\"to\":\"" N2 "\"}"));
	free(new_entry(
	    "cert-transfer-part", o, "cert.transfer",
	    "{\"area\":10000,\"basis\":\"sale\",\"cert\":\"330681-2026-C-000002\",\"to\":\"" FZ_ENTERPRISE
	    "\"}"));
	free(new_entry("cert-inherit", o, "cert.transfer",
		       "{\"basis\":\"inheritance\",\"cert\":\"330681-2026-R-000001\",\"to\":\"" N1 "\"}"));
	free(new_entry("cert-redeem", o, "cert.redeem",
		       "{\"area\":500,\"cert\":\"330681-2026-G-000003\",\"note\":\"安置房\",\"purpose\":"
		       "\"resettlement\"}"));
	free(new_entry("cert-freeze", o, "cert.freeze",
		       "{\"cert\":\"330681-2026-G-000004\",\"reason\":\"court\"}"));
	free(new_entry("cert-unfreeze", o, "cert.unfreeze", "{\"cert\":\"330681-2026-G-000004\"}"));
	free(new_entry("cert-revoke", o, "cert.revoke",
		       "{\"cert\":\"330681-2026-G-000003\",\"reason\":\"fraud\"}"));
	free(new_entry("key-revoke", a, "key.revoke",
		       "{\"name\":\"330681.auditor.wang\",\"reason\":\"left\"}"));
	snprintf(body, sizeof(body), "{\"role\":\"auditor\",\"valid_until\":\"2030-12-31\",\"vkey\":\"%s\"}",
		 vk);
	free(new_entry("key-enroll-conflict", a, "key.enroll", body));
	free(vk);
	char *params = NULL;
	fz_check(qp_registry_policy(&params, NULL, reg), "policy");
	snprintf(body, sizeof(body), "{\"params\":%s}", params);
	free(params);
	free(new_entry("policy-set", a, "policy.set", body));
	/* Wrong role, wrong key, damaged. */
	free(new_entry("role-officer-enrolls", o, "key.enroll", "{\"role\":\"officer\",\"vkey\":\"x\"}"));
	free(new_entry("role-authority-village", a, "village.add",
		       "{\"code\":\"330681101204\",\"name\":\"x\"}"));
	free(new_entry("role-auditor-cert", keys->auditor, "cert.freeze",
		       "{\"cert\":\"330681-2026-G-000004\",\"reason\":\"x\"}"));
	free(new_entry("role-log-home", keys->log, "home.status",
		       "{\"status\":\"idle\",\"unit\":\"" FZ_U_IU "\"}"));
	char *note =
	    new_entry("bad-signature", o, "home.status", "{\"status\":\"idle\",\"unit\":\"" FZ_U_IU "\"}");
	size_t len = strlen(note);
	note[len - 10] ^= 1; /* a bit of the signature */
	put_file("entry", "bad-signature", note, len);
	free(note);
	put_str("entry", "not-canonical",
		"quanpiao/entry/v2\n{\"body\": "
		"{},\"log\":{\"root\":\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\","
		"\"size\":0},\"origin\":\"" FZ_ORIGIN
		"\",\"signer\":\"330681.officer.li\",\"time\":\"2026-11-18T11:06:40Z\",\"type\":\"village."
		"add\"}\n\n"
		"\xE2\x80\x94 330681.officer.li AAAAAA==\n");
	/* The format before v2, and a log state whose root is not 32 bytes. */
	put_str("entry", "format-v1",
		"quanpiao/entry/v1\n{\"body\":{},\"origin\":\"" FZ_ORIGIN
		"\",\"signer\":\"330681.officer.li\",\"time\":\"2026-11-18T11:06:40Z\",\"type\":\"village."
		"add\"}\n\n"
		"\xE2\x80\x94 330681.officer.li AAAAAA==\n");
	put_str(
	    "entry", "log-root-short",
	    "quanpiao/entry/v2\n{\"body\":{},\"log\":{\"root\":\"AAAA\",\"size\":0},\"origin\":\"" FZ_ORIGIN
	    "\",\"signer\":\"330681.officer.li\",\"time\":\"2026-11-18T11:06:40Z\",\"type\":\"village."
	    "add\"}\n\n"
	    "\xE2\x80\x94 330681.officer.li AAAAAA==\n");
}

static void canon(void)
{
	const char *values[][2] = {
	    {"empty-object", "{}"},
	    {"empty-array", "[]"},
	    {"string", "\"a\\\"b\\\\c\\n\\u001f\""},
	    {"unicode", "\"东白湖村 \xF0\x9F\x98\x80\""},
	    {"max-int", "9007199254740991"},
	    {"min-int", "-9007199254740991"},
	    {"literals", "[true,false,null,0,-1]"},
	    {"sorted", "{\"\":1,\"a\":[{\"b\":{}}],\"\xE2\x82\xAC\":2,\"\xF0\x9F\x98\x80\":3}"},
	    {"nested", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"},
	    {"too-deep", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"},
	    {"space", "{\"a\": 1}"},
	    {"unsorted", "{\"b\":1,\"a\":2}"},
	    {"duplicate", "{\"a\":1,\"a\":1}"},
	    {"float", "1.0"},
	    {"exponent", "1e3"},
	    {"minus-zero", "-0"},
	    {"escape-A", "\"\\u0041\""},
	    {"escape-slash", "\"\\/\""},
	    {"escape-nul", "\"\\u0000\""},
	    {"surrogate", "\"\\ud83d\\ude00\""},
	    {"lone-surrogate", "\"\\ud83d\""},
	    {"bad-utf8", "\"\xC0\xAF\""},
	    {"too-big", "9007199254740992"},
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		put_str("canon", values[i][0], values[i][1]);
	put_file("canon", "nul-byte", "\"a\0b\"", 5);
}

static void notes_and_proofs(void)
{
	char *cp = NULL, *cosigned = NULL, *req = NULL, *line = NULL, *entry = NULL, *proof = NULL;
	size_t cp_len = 0, cosigned_len = 0, req_len = 0, line_len = 0, entry_len = 0, proof_len = 0;
	uint64_t size = 0;
	fz_check(qp_log_checkpoint(&cp, &cp_len, &size, reg, QP_LOG_LATEST), "checkpoint");
	put_file("note", "checkpoint", cp, cp_len);
	fz_check(qp_log_checkpoint_cosigned(&cosigned, &cosigned_len, NULL, NULL, reg, QP_LOG_LATEST),
		 "cosigned");
	put_file("note", "checkpoint-cosigned", cosigned, cosigned_len);
	fz_check(qp_cosign_sign(&line, &line_len, keys->auditor, cp, cp_len, FZ_T0 + 60), "cosign");
	char *both = malloc(cp_len + line_len);
	memcpy(both, cp, cp_len);
	memcpy(both + cp_len, line, line_len);
	put_file("note", "checkpoint-then-cosignature", both, cp_len + line_len);
	free(both);
	/* The text alone, and with an extension line. */
	const char *blank = strstr(cp, "\n\n");
	put_file("note", "checkpoint-text", cp, (size_t)(blank - cp) + 1);
	fz_check(qp_log_witness_request(&req, &req_len, reg, 5), "witness request");
	put_file("note", "witness-request", req, req_len);
	fz_check(qp_log_entry(&entry, &entry_len, reg, 3), "entry");
	put_file("note", "entry-note", entry, entry_len);
	put_str("note", "two-signatures", "text\n\n\xE2\x80\x94 a AAAAAAAA\n\xE2\x80\x94 b+x BBBBBBBB\n");
	put_str("note", "control-char", "te\x01xt\n\n\xE2\x80\x94 a AAAAAAAA\n");

	for (uint64_t i = 0; i < size; i += 7) {
		char name[64];
		free(entry);
		free(proof);
		fz_check(qp_log_entry(&entry, &entry_len, reg, i), "entry");
		fz_check(qp_log_tlog_proof(&proof, &proof_len, reg, i, QP_LOG_LATEST), "tlog proof");
		char *in = malloc(proof_len + 1 + entry_len);
		memcpy(in, proof, proof_len);
		in[proof_len] = '\0';
		memcpy(in + proof_len + 1, entry, entry_len);
		snprintf(name, sizeof(name), "proof-%02llu", (unsigned long long)i);
		put_file("proof", name, in, proof_len + 1 + entry_len);
		if (i == 0) {
			put_file("proof", "proof-only", proof, proof_len);
			put_file("note", "tlog-proof", proof, proof_len);
			/* The proof of entry 0 with entry 7's note. */
			char *other = NULL;
			size_t other_len = 0;
			fz_check(qp_log_entry(&other, &other_len, reg, 7), "entry");
			memcpy(in + proof_len + 1, other, other_len < entry_len ? other_len : entry_len);
			put_file("proof", "wrong-entry", in, proof_len + 1 + entry_len);
			free(other);
		}
		free(in);
	}
	free(cp);
	free(cosigned);
	free(req);
	free(line);
	free(entry);
	free(proof);
}

/* Status proofs: of a live, a spent and a transferred certificate, of a number the map lacks, and the parts. */
static void statuses(void)
{
	const char *certs[] = {"330681-2026-G-000001", "330681-2026-G-000002", "330681-2026-R-000001",
			       "330681-2026-C-000001", "330681-2026-G-999999"};
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		char *p = NULL, name[64];
		size_t len = 0;
		fz_check(qp_statusmap_status_proof(&p, &len, reg, certs[i]), certs[i]);
		snprintf(name, sizeof(name), "status-%s", certs[i] + 12);
		put_file("status", name, p, len);
		if (i == 0) {
			/* Its map proof and record alone. */
			const char *map = strstr(p, "\nmap ");
			const char *rec = strstr(p, "\nrecord ");
			if (map && rec) {
				const char *m = strchr(map + 1, '\n') + 1, *r = strchr(rec + 1, '\n') + 1;
				put_file("status", "map-proof", m, (size_t)strtoul(map + 5, NULL, 10));
				put_file("status", "record", r, (size_t)strtoul(rec + 8, NULL, 10));
			}
		}
		free(p);
	}
}

static void bundles(void)
{
	const char *certs[] = {"330681-2026-G-000001", "330681-2026-G-000002", "330681-2026-G-000003",
			       "330681-2026-G-000004", "330681-2026-R-000001", "330681-2026-C-000001",
			       "330681-2026-C-000002"};
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		char *b = NULL;
		size_t len = 0;
		fz_check(qp_bundle_export(&b, &len, NULL, NULL, reg, certs[i]), certs[i]);
		put_file("bundle", certs[i], b, len);
		if (i == 0) {
			/* Damaged: a byte of an entry, and the final digest. */
			char *p = strstr(b, "cert.issue");
			p[0] = 'C';
			put_file("bundle", "damaged-entry", b, len);
			p[0] = 'c';
			b[len - 3] ^= 1;
			put_file("bundle", "damaged-digest", b, len);
			put_file("bundle", "truncated", b, len / 2);
		}
		free(b);
	}
	put_str("bundle", "header-only", QP_BUNDLE_HEADER "\n");
}

static void ids(void)
{
	const char *values[][2] = {
	    {"resident", FZ_H1},
	    {"resident-x", "33068119881212007x"},
	    {"resident-bad", "330681197001010017"},
	    {"household", N1},
	    {"household-zero", "330681-H-0000000"},
	    {"household-county", "330682-H-0000001"},
	    {"commitment", "a6a6e6e5d72f225ccb47201941a3d0046d365c714f412cd3933a3eb98b5c971b"},
	    {"uscc", FZ_ENTERPRISE},
	    {"uscc-collective", "N2330681MA2B3C4D5X"},
	    {"county", "330681"},
	    {"township", "330681101"},
	    {"village", FZ_V1},
	    {"unit", FZ_U_WD},
	    {"unit-w", "330681001002JC00001W00000000"},
	    {"parcel", "330681001002JC00001"},
	    {"area", "120.50"},
	    {"area-int", "7"},
	    {"area-big", "92233720368547758.07"},
	    {"date", "2026-02-28"},
	    {"date-leap", "2024-02-29"},
	    {"time", "2026-11-18T11:06:40Z"},
	    {"key-name", "330681.officer.li"},
	    {"status", "reclaimed"},
	    {"kind", "collective"},
	    {"state", "expired"},
	    {"use", "homestay"},
	    {"sql", "'; DROP TABLE homes; --"},
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		put_str("ids", values[i][0], values[i][1]);
	char *vk = fz_vkey(keys->officer);
	put_str("ids", "vkey", vk);
	free(vk);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: mkseeds OUTDIR\n", stderr);
		return 2;
	}
	outdir = argv[1];
	mkdir_p(outdir);
	keys = fz_init();
	char *dir = fz_tmpdir(), path[4096];
	snprintf(path, sizeof(path), "%s/registry.db", dir);
	reg = fz_registry_create(path);
	entries();
	canon();
	notes_and_proofs();
	bundles();
	statuses();
	ids();
	qp_registry_free(reg);
	fz_rmdir(dir);
	free(dir);
	return 0;
}
