/*
 * qp_mkstats DBPATH - build the registry behind the county's 2021 report:
 * 516 idle homes activated in 2021 with 472,000,000.00 yuan of investment,
 * plus activations in 2020 and 2022 that the 2021 figures must leave out.
 * Entries are signed by fixed test keys and appended in batches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "quanpiao/quanpiao.h"

#define ORIGIN	   "zhuji.example/quanpiao"
#define TOTAL_2021 47200000000LL /* fen */
#define N_2021	   516

static qp_key *key(const char *name, unsigned char fill)
{
	unsigned char seed[QP_SEED_LEN];
	qp_key *k = NULL;
	memset(seed, fill, sizeof(seed));
	if (qp_key_from_seed(&k, name, seed) != QP_OK)
		exit(10);
	return k;
}

static char *vkey(const qp_key *k)
{
	qp_verifier *v = NULL;
	char *s = NULL;
	if (qp_key_verifier(&v, k) != QP_OK || qp_verifier_string(&s, v) != QP_OK)
		exit(10);
	qp_verifier_free(v);
	return s;
}

static void fail(const char *what)
{
	fprintf(stderr, "qp_mkstats: %s: %s\n", what, qp_error_last()->message);
	exit(1);
}

/* Resident ID number n of a village, with its check character. */
static void resident(char out[19], int n)
{
	char d[24]; /* 17 digits; room for what -O2 with sanitizers thinks a negative n could print */
	snprintf(d, sizeof(d), "3306811970%02d%02d%03d", 1 + n / 28 % 12, 1 + n % 28, n % 1000);
	memcpy(out, d, 17);
	out[17] = qp_ids_resident_check_char(d);
	out[18] = '\0';
}

/* A batch of pending entries, appended together. */
typedef struct batch {
	qp_registry *reg;
	const qp_key *officer;
	char *notes[256];
	size_t lens[256];
	qp_personal pd[256]; /* the personal data of household.add entries */
	const qp_personal *pds[256];
	size_t n;
} batch;

static void flush(batch *b)
{
	uint64_t idx[256];
	int res[256];
	if (b->n == 0)
		return;
	if (qp_registry_append_batch_personal(b->reg, (const char *const *)b->notes, b->lens, b->pds, b->n,
					      idx, res) != QP_OK)
		fail("append");
	for (size_t i = 0; i < b->n; i++) {
		if (res[i] != QP_OK) {
			qp_registry_append_personal(b->reg, b->notes[i], b->lens[i], b->pds[i], NULL);
			fail("entry refused");
		}
		free(b->notes[i]);
		qp_personal_clear(&b->pd[i]);
	}
	b->n = 0;
}

/* Sign body (its personal data taken out, as qp_registry_submit does) into the batch. */
static void add(batch *b, const char *type, const char *body)
{
	char *committed = NULL;
	int found = 0;
	if (qp_personal_split(&committed, &b->pd[b->n], &found, type, body) != QP_OK)
		fail(type);
	b->pds[b->n] = found ? &b->pd[b->n] : NULL;
	int err =
	    qp_registry_sign_entry(&b->notes[b->n], &b->lens[b->n], b->reg, b->officer, type, committed);
	free(committed);
	if (err != QP_OK)
		fail(type);
	if (++b->n == 256)
		flush(b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: qp_mkstats DBPATH\n", stderr);
		return 2;
	}
	if (sodium_init() < 0)
		return 10;
	qp_key *authority = key("330681.authority", 1), *log = key(ORIGIN, 2),
	       *officer = key("330681.officer.li", 3);
	char *lv = vkey(log), *ov = vkey(officer), body[1024];
	qp_genesis g = {ORIGIN, "330681", "诸暨市", lv};
	batch b = {0};
	if (qp_registry_create(&b.reg, argv[1], &g, authority) != QP_OK)
		fail("create");
	snprintf(body, sizeof(body), "{\"role\":\"officer\",\"vkey\":\"%s\"}", ov);
	if (qp_registry_submit(b.reg, authority, "key.enroll", body, NULL) != QP_OK)
		fail("enroll");
	b.officer = officer;

	const int villages = 6, n = N_2021 + 40;
	for (int v = 0; v < villages; v++) {
		snprintf(body, sizeof(body), "{\"code\":\"33068110%d2%02d\",\"name\":\"村%d\"}", 1 + v % 3, v,
			 v);
		add(&b, "village.add", body);
	}
	flush(&b);
	for (int i = 0; i < n; i++) {
		char id[19], village[13];
		resident(id, i);
		snprintf(village, sizeof(village), "33068110%d2%02d", 1 + i % villages % 3, i % villages);
		snprintf(body, sizeof(body),
			 "{\"id_number\":\"%s\",\"members\":3,\"name\":\"户%d\",\"number\":\"330681-H-%07d\","
			 "\"village\":\"%s\"}",
			 id, i, i + 1, village);
		add(&b, "household.add", body);
		snprintf(body, sizeof(body),
			 "{\"household\":\"330681-H-%07d\",\"land_area\":%d,\"status\":\"idle\",\"unit\":"
			 "\"330681001002JC%05dF00010001\","
			 "\"village\":\"%s\"}",
			 i + 1, 10000 + i, i + 1, village);
		add(&b, "home.add", body);
	}
	flush(&b);
	/* 516 in 2021 whose investments sum to exactly 472,000,000.00 yuan; 40 in other years. */
	long long each = TOTAL_2021 / N_2021, sum = 0;
	for (int i = 0; i < n; i++) {
		int in_2021 = i < N_2021;
		long long inv = in_2021 ? (i == N_2021 - 1 ? TOTAL_2021 - sum : each) : 5000000000LL;
		if (in_2021)
			sum += inv;
		snprintf(body, sizeof(body),
			 "{\"investment\":%lld,\"investor\":\"投资方%d\",\"investor_id\":"
			 "\"91350100M000100Y43\",\"rent\":%d,"
			 "\"start\":\"%s-%02d-01\",\"unit\":\"330681001002JC%05dF00010001\",\"use\":"
			 "\"homestay\",\"years\":10}",
			 inv, i, 2000000 + i, in_2021 ? "2021" : (i % 2 ? "2020" : "2022"), 1 + i % 12,
			 i + 1);
		add(&b, "home.activate", body);
	}
	flush(&b);

	/* With QP_MKSTATS_KEYS=DIR: also the keys (unencrypted) and a few certificates. */
	const char *dir = getenv("QP_MKSTATS_KEYS");
	if (dir && dir[0]) {
		char path[4096];
		const struct {
			const char *file;
			const qp_key *key;
		} keys[] = {{"authority.key", authority}, {"log.key", log}, {"officer.key", officer}};
		for (size_t i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, keys[i].file);
			if (qp_key_save(keys[i].key, path, NULL) != QP_OK)
				fail(path);
		}
		for (int i = 0; i < 3; i++) {
			char id[19], unit[29];
			resident(id, n + i);
			snprintf(unit, sizeof(unit), "330681001003JC%05dF00010001", i + 1);
			snprintf(body, sizeof(body), "{\"id_number\":\"%s\",\"members\":3,\"name\":\"户\",\"village\":\"330681101200\"}", id);
			if (qp_registry_submit(b.reg, officer, "household.add", body, NULL) != QP_OK)
				fail("household");
			snprintf(body, sizeof(body),
				 "{\"household\":\"%s\",\"land_area\":12000,\"status\":\"idle\",\"unit\":\"%s\","
				 "\"village\":\"330681101200\"}",
				 id, unit);
			if (qp_registry_submit(b.reg, officer, "home.add", body, NULL) != QP_OK)
				fail("home");
			snprintf(body, sizeof(body), "{\"status\":\"withdrawn\",\"unit\":\"%s\"}", unit);
			if (qp_registry_submit(b.reg, officer, "home.status", body, NULL) != QP_OK)
				fail("status");
			snprintf(body, sizeof(body),
				 "{\"area\":12000,\"basis\":\"withdrawal\",\"holder\":\"%s\",\"home\":\"%s\",\"kind\":\"guarantee\"}",
				 id, unit);
			if (qp_registry_submit(b.reg, officer, "cert.issue", body, NULL) != QP_OK)
				fail("issue");
		}
	}
	qp_registry_free(b.reg);
	free(lv);
	free(ov);
	qp_key_free(authority);
	qp_key_free(log);
	qp_key_free(officer);
	return 0;
}
