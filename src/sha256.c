/*
 * sha256.c - SHA-256 for the log's tree hashes (sha256.h).
 *
 * Every entry an import or the service appends costs a leaf hash of its
 * note (a kilobyte) and a few node hashes for the tree and the root it
 * names; libsodium's SHA-256 is portable C, about ten times slower than
 * the SHA extensions (SHA-NI) most x86-64 processors have.  Where the CPU
 * has them (CPUID, checked once) the blocks are compressed with them; the
 * padding is FIPS 180-4's.  Anywhere else, or when a test asks, libsodium
 * does the whole hash.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "sha256.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define QP_SHA256_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static atomic_int force_portable;

#ifdef QP_SHA256_NI
static atomic_int have_ni = -1; /* -1: not asked yet */

static const uint32_t k256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static int cpu_has_ni(void)
{
	int v = atomic_load(&have_ni);
	if (v < 0) {
		unsigned a, b, c, d;
		v = 0;
		/* SSSE3 and SSE4.1 (leaf 1, ECX bits 9 and 19) for the shuffles, SHA (leaf 7, EBX bit 29). */
		if (__get_cpuid(1, &a, &b, &c, &d) && (c >> 9 & 1) && (c >> 19 & 1) &&
		    __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 29 & 1))
			v = 1;
		atomic_store(&have_ni, v);
	}
	return v;
}

/* Compress n 64-byte blocks at p into state (a..h), four rounds per step, the schedule made on the way. */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t state[8], const unsigned char *p,
								  size_t n)
{
	const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i t = _mm_loadu_si128((const __m128i *)(const void *)&state[0]);	  /* a b c d */
	__m128i cdgh = _mm_loadu_si128((const __m128i *)(const void *)&state[4]); /* e f g h */
	t = _mm_shuffle_epi32(t, 0xB1);
	cdgh = _mm_shuffle_epi32(cdgh, 0x1B);
	__m128i abef = _mm_alignr_epi8(t, cdgh, 8);
	cdgh = _mm_blend_epi16(cdgh, t, 0xF0);
	for (; n > 0; n--, p += 64) {
		__m128i abef0 = abef, cdgh0 = cdgh, w[16];
		for (int i = 0; i < 16; i++) {
			if (i < 4)
				w[i] = _mm_shuffle_epi8(
				    _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)), swap);
			else
				w[i] = _mm_sha256msg2_epu32(
				    _mm_add_epi32(_mm_sha256msg1_epu32(w[i - 4], w[i - 3]),
						  _mm_alignr_epi8(w[i - 1], w[i - 2], 4)),
				    w[i - 1]);
			__m128i m =
			    _mm_add_epi32(w[i], _mm_loadu_si128((const __m128i *)(const void *)&k256[4 * i]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	t = _mm_shuffle_epi32(abef, 0x1B);
	cdgh = _mm_shuffle_epi32(cdgh, 0xB1);
	_mm_storeu_si128((__m128i *)(void *)&state[0], _mm_blend_epi16(t, cdgh, 0xF0));
	_mm_storeu_si128((__m128i *)(void *)&state[4], _mm_alignr_epi8(cdgh, t, 8));
}

static void sha256_ni(unsigned char out[32], const void *const *parts, const size_t *lens, size_t nparts)
{
	uint32_t st[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	unsigned char buf[64];
	size_t n = 0; /* bytes in buf */
	uint64_t total = 0;
	for (size_t k = 0; k < nparts; k++) {
		const unsigned char *p = parts[k];
		size_t len = lens[k];
		if (len == 0)
			continue; /* p may be NULL */
		total += len;
		if (n > 0) {
			size_t take = 64 - n < len ? 64 - n : len;
			memcpy(buf + n, p, take);
			n += take;
			p += take;
			len -= take;
			if (n < 64)
				continue; /* len is 0 */
			blocks_ni(st, buf, 1);
			n = 0;
		}
		if (len >= 64) {
			blocks_ni(st, p, len / 64);
			p += len / 64 * 64;
			len %= 64;
		}
		if (len > 0) {
			memcpy(buf, p, len);
			n = len;
		}
	}
	buf[n++] = 0x80;
	if (n > 56) {
		memset(buf + n, 0, 64 - n);
		blocks_ni(st, buf, 1);
		n = 0;
	}
	memset(buf + n, 0, 56 - n);
	uint64_t bits = total * 8;
	for (int i = 0; i < 8; i++)
		buf[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	blocks_ni(st, buf, 1);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(st[i] >> 24);
		out[4 * i + 1] = (unsigned char)(st[i] >> 16);
		out[4 * i + 2] = (unsigned char)(st[i] >> 8);
		out[4 * i + 3] = (unsigned char)st[i];
	}
}
#endif

int qp_sha256_accelerated(void)
{
#ifdef QP_SHA256_NI
	return !atomic_load(&force_portable) && cpu_has_ni();
#else
	return 0;
#endif
}

void qp_sha256_portable(int on)
{
	atomic_store(&force_portable, on != 0);
}

void qp_sha256_3(unsigned char out[32], const void *a, size_t a_len, const void *b, size_t b_len,
		 const void *c, size_t c_len)
{
	const void *parts[3] = {a, b, c};
	const size_t lens[3] = {a_len, b_len, c_len};
#ifdef QP_SHA256_NI
	if (qp_sha256_accelerated()) {
		sha256_ni(out, parts, lens, 3);
		return;
	}
#endif
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	for (size_t k = 0; k < 3; k++)
		if (lens[k] > 0)
			crypto_hash_sha256_update(&st, parts[k], lens[k]);
	crypto_hash_sha256_final(&st, out);
}
