/*
 * fixture.c - the fixed registry and keys the fuzz targets and mkseeds
 * share (fuzz.h).  Everything here is deterministic except the scratch
 * directory's name: the same seeds, the same clock, the same salts of
 * personal data (a counter's ChaCha20 stream stands in for the system's
 * random bytes), so the same entries.  Households go in with their heads'
 * ID numbers through qp_registry_submit, which commits to them and keeps
 * the data beside the log, as the CLI does.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "fuzz.h"

void fz_check(int err, const char *what)
{
	if (err != QP_OK) {
		fprintf(stderr, "fuzz fixture: %s: %d %s\n", what, err, qp_error_last()->message);
		abort();
	}
}

int fz_known(const char *bug)
{
	const char *list = getenv("QP_FUZZ_KNOWN");
	size_t n = strlen(bug);
	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, bug, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/*
 * Random bytes for the salts: ChaCha20 of a fixed key with a counter as the
 * nonce.  Never outside the fuzz targets and mkseeds: a salt must be secret.
 */
static uint64_t fz_counter;

static void fz_random_buf(void *const buf, const size_t size)
{
	static const unsigned char key[crypto_stream_chacha20_KEYBYTES] = {'q', 'p', '-', 'f', 'u', 'z', 'z'};
	unsigned char nonce[crypto_stream_chacha20_NONCEBYTES] = {0};
	memcpy(nonce, &fz_counter, sizeof(fz_counter) < sizeof(nonce) ? sizeof(fz_counter) : sizeof(nonce));
	fz_counter++;
	crypto_stream_chacha20((unsigned char *)buf, size, nonce, key);
}

static uint32_t fz_random(void)
{
	uint32_t v;
	fz_random_buf(&v, sizeof(v));
	return v;
}

static const char *fz_random_name(void)
{
	return "qp-fuzz-chacha20";
}

static randombytes_implementation fz_randombytes = {fz_random_name, fz_random,	   NULL,
						    NULL,	    fz_random_buf, NULL};

static qp_key *seeded(const char *name, unsigned char fill)
{
	unsigned char seed[QP_SEED_LEN];
	qp_key *key = NULL;
	memset(seed, fill, sizeof(seed));
	fz_check(qp_key_from_seed(&key, name, seed), name);
	return key;
}

const fz_keys *fz_init(void)
{
	static fz_keys keys;
	static int done;
	if (!done) {
		if (randombytes_set_implementation(&fz_randombytes) != 0 || sodium_init() < 0)
			abort();
		keys.authority = seeded("330681.authority", 1);
		keys.log = seeded(FZ_ORIGIN, 2);
		keys.officer = seeded("330681.officer.li", 3);
		keys.auditor = seeded("330681.auditor.wang", 4);
		done = 1;
	}
	qp_clock_set(FZ_T0);
	return &keys;
}

char *fz_vkey(const qp_key *key)
{
	qp_verifier *v = NULL;
	char *s = NULL;
	fz_check(qp_key_verifier(&v, key), "verifier");
	fz_check(qp_verifier_string(&s, v), "verifier string");
	qp_verifier_free(v);
	return s;
}

static void put(qp_registry *reg, const qp_key *key, const char *type, const char *body)
{
	fz_check(qp_registry_submit(reg, key, type, body, NULL), body);
}

qp_registry *fz_registry_create(const char *path)
{
	const fz_keys *k = fz_init();
	qp_registry *reg = NULL;
	char *lv = fz_vkey(k->log), *ov = fz_vkey(k->officer), *av = fz_vkey(k->auditor), body[1024];
	qp_genesis g = {FZ_ORIGIN, "330681", "诸暨市", lv};
	fz_check(qp_registry_create(&reg, path, &g, k->authority), "create");
	snprintf(body, sizeof(body), "{\"role\":\"officer\",\"vkey\":\"%s\"}", ov);
	put(reg, k->authority, "key.enroll", body);
	snprintf(body, sizeof(body), "{\"role\":\"auditor\",\"vkey\":\"%s\"}", av);
	put(reg, k->authority, "key.enroll", body);
	free(lv);
	free(ov);
	free(av);

	const qp_key *o = k->officer;
	put(reg, o, "village.add", "{\"code\":\"" FZ_V1 "\",\"name\":\"东白湖村\"}");
	put(reg, o, "village.add", "{\"code\":\"" FZ_V2 "\",\"name\":\"斯宅村\"}");
	const char *hh[][2] = {
	    {FZ_H1, FZ_V1}, {FZ_H2, FZ_V1}, {FZ_H3, FZ_V2}, {FZ_H4, FZ_V1}, {FZ_H5, FZ_V2}};
	for (size_t i = 0; i < 5; i++) {
		snprintf(body, sizeof(body),
			 "{\"id_number\":\"%s\",\"members\":2,\"name\":\"户%zu\",\"village\":\"%s\"}",
			 hh[i][0], i + 1, hh[i][1]);
		put(reg, o, "household.add", body);
	}
#define FZ_H6	  "330681199203030022"		 /* V2, home FZ_U_PI leased to a person */
#define FZ_H7	  "330681198807070039"		 /* V1, erased */
#define FZ_U_PI	  "330681001002JC00006F00010001" /* H6, activated */
#define FZ_PERSON "11010519491231002X"		 /* a person investor */
#define HOME(unit, hh, village, area, status)                                                                \
	"{\"household\":\"" hh "\",\"land_area\":" area ",\"status\":\"" status "\",\"unit\":\"" unit        \
	"\",\"village\":\"" village "\"}"
	put(reg, o, "home.add", HOME(FZ_U_WD, FZ_H1, FZ_V1, "12000", "idle"));
	put(reg, o, "home.status",
	    "{\"reason\":\"moved to town\",\"status\":\"withdrawn\",\"unit\":\"" FZ_U_WD "\"}");
	put(reg, o, "home.add", HOME(FZ_U_DM, FZ_H2, FZ_V1, "10000", "dilapidated"));
	put(reg, o, "home.status", "{\"status\":\"demolished\",\"unit\":\"" FZ_U_DM "\"}");
	put(reg, o, "home.add", HOME(FZ_U_RC, FZ_H2, FZ_V1, "30000", "dilapidated"));
	put(reg, o, "home.status", "{\"status\":\"withdrawn\",\"unit\":\"" FZ_U_RC "\"}");
	put(reg, o, "home.status", "{\"status\":\"reclaimed\",\"unit\":\"" FZ_U_RC "\"}");
	put(reg, o, "home.add", HOME(FZ_U_IU, FZ_H3, FZ_V2, "9000", "in_use"));
	put(reg, o, "home.add", HOME(FZ_U_ID, FZ_H4, FZ_V1, "15000", "idle"));
	put(reg, o, "home.correct",
	    "{\"field\":\"floor_area\",\"reason\":\"resurvey\",\"unit\":\"" FZ_U_ID "\",\"value\":24000}");
	put(reg, o, "home.activate",
	    "{\"deal_no\":\"ZJ-2021-0007\",\"investment\":120000000,\"investor\":\"诸暨民宿发展有限公司\","
	    "\"investor_id\":\"" FZ_ENTERPRISE
	    "\",\"rent\":2490000,\"start\":\"2026-05-01\",\"unit\":\"" FZ_U_ID
	    "\",\"use\":\"homestay\",\"years\":15}");
#define ISSUE(kind, holder, area, home, basis)                                                               \
	"{\"area\":" area ",\"basis\":\"" basis "\",\"holder\":\"" holder "\",\"home\":\"" home              \
	"\",\"kind\":\"" kind "\"}"
	put(reg, o, "cert.issue", ISSUE("guarantee", FZ_H1, "5000", FZ_U_WD, "withdrawal"));	/* G-000001 */
	put(reg, o, "cert.issue", ISSUE("retention", FZ_H2, "10000", FZ_U_DM, "demolition"));	/* R-000001 */
	put(reg, o, "cert.issue", ISSUE("collective", FZ_V1, "30000", FZ_U_RC, "reclamation")); /* C-000001 */
	put(reg, o, "cert.issue",
	    "{\"area\":8000,\"basis\":\"entitlement\",\"holder\":\"" FZ_H5
	    "\",\"kind\":\"guarantee\"}"); /* G-2 */
	/* G-000001: 20.00 to H4 (G-000003), the rest stays with H1 (G-000004). */
	put(reg, o, "cert.transfer",
	    "{\"area\":2000,\"basis\":\"sale\",\"cert\":\"330681-2026-G-000001\",\"to\":\"" FZ_H4 "\"}");
	put(reg, o, "cert.freeze", "{\"cert\":\"330681-2026-R-000001\",\"reason\":\"objection\"}");
	put(reg, o, "cert.unfreeze", "{\"cert\":\"330681-2026-R-000001\",\"reason\":\"withdrawn\"}");
	put(reg, o, "cert.redeem",
	    "{\"area\":1000,\"cert\":\"330681-2026-C-000001\",\"note\":\"项目 A\",\"purpose\":\"quota\"}");
	put(reg, o, "cert.revoke", "{\"cert\":\"330681-2026-G-000002\",\"reason\":\"issued in error\"}");
	/* A person investor (a commitment in the entry), and a household whose personal data is erased. */
	put(reg, o, "household.add",
	    "{\"id_number\":\"" FZ_H6 "\",\"members\":3,\"name\":\"户6\",\"village\":\"" FZ_V2
	    "\"}"); /* 330681-H-0000006 */
	put(reg, o, "home.add", HOME(FZ_U_PI, FZ_H6, FZ_V2, "7000", "idle"));
	put(reg, o, "home.activate",
	    "{\"investment\":5000000,\"investor\":\"李明\",\"investor_id\":\"" FZ_PERSON
	    "\",\"rent\":960000,\"start\":\"2026-03-15\",\"unit\":\"" FZ_U_PI
	    "\",\"use\":\"rental\",\"years\":15}");
	put(reg, o, "household.add",
	    "{\"id_number\":\"" FZ_H7 "\",\"members\":1,\"name\":\"户7\",\"village\":\"" FZ_V1
	    "\"}"); /* 330681-H-0000007 */
	put(reg, o, "household.erase",
	    "{\"household\":\"330681-H-0000007\",\"reason\":\"PIPL art. 47, request 2026-001\"}");

	/* Two reads of personal data, in the access record beside the log, which the checkpoint commits to.
	 */
	qp_access_reader rd;
	const char *subjects[] = {"330681-H-0000001", "entry 30"};
	fz_check(qp_access_reader_of_key(&rd, reg, o, FZ_T0), "access reader");
	fz_check(qp_access_record(reg, &rd, "quanpiao household show 330681-H-0000001 --reveal", subjects, 2,
				  FZ_T0),
		 "access record");

	/* A checkpoint of everything, cosigned by the auditor. */
	char *cp = NULL, *line = NULL;
	size_t cp_len = 0, line_len = 0;
	fz_check(qp_log_sign(&cp, &cp_len, reg, k->log), "log sign");
	fz_check(qp_cosign_sign(&line, &line_len, k->auditor, cp, cp_len, FZ_T0), "cosign");
	fz_check(qp_log_add_cosignature(reg, line, line_len, QP_LOG_LATEST), "add cosignature");
	free(cp);
	free(line);
	return reg;
}

char *fz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	struct stat sb;
	char tmpl[4096];
	if (base == NULL || base[0] == '\0')
		base = stat("/dev/shm", &sb) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/qp-fuzz-XXXXXX", base);
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		abort();
	}
	return strdup(tmpl);
}

void fz_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- the shared registry of the targets that append -------------------------------------- */

static char *shared_dir, *shared_path;
static unsigned char *pristine; /* the fixture file as first made */
static size_t pristine_len;
static qp_registry *shared;

static void shared_cleanup(void)
{
	qp_registry_free(shared);
	shared = NULL;
	if (shared_dir)
		fz_rmdir(shared_dir);
}

static void write_file(const char *p, const void *data, size_t len)
{
	FILE *f = fopen(p, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
}

qp_registry *fz_registry_reset(void)
{
	char side[4200];
	if (shared_path == NULL) {
		shared_dir = fz_tmpdir();
		/* The audit's replay goes to $TMPDIR: beside the registry. */
		setenv("TMPDIR", shared_dir, 1);
		shared_path = malloc(strlen(shared_dir) + 16);
		sprintf(shared_path, "%s/registry.db", shared_dir);
		shared = fz_registry_create(shared_path);
		qp_registry_free(shared); /* the last close folds the WAL into the file */
		shared = NULL;
		FILE *f = fopen(shared_path, "rb");
		if (f == NULL || fseek(f, 0, SEEK_END) != 0)
			abort();
		pristine_len = (size_t)ftell(f);
		rewind(f);
		pristine = malloc(pristine_len);
		if (pristine == NULL || fread(pristine, 1, pristine_len, f) != pristine_len)
			abort();
		fclose(f);
		atexit(shared_cleanup);
	}
	qp_registry_free(shared);
	shared = NULL;
	write_file(shared_path, pristine, pristine_len);
	snprintf(side, sizeof(side), "%s-wal", shared_path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", shared_path);
	unlink(side);
	fz_check(qp_registry_open(&shared, shared_path, 0), "reopen the fixture");
	return shared;
}

const char *fz_scratch_dir(void)
{
	if (shared_dir == NULL)
		fz_registry_reset();
	return shared_dir;
}

const char *fz_registry_path(void)
{
	if (shared_path == NULL)
		fz_registry_reset();
	return shared_path;
}
