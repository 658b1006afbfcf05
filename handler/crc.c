/* crc: CRC-32, bit for bit zlib's, folded with carry-less multiplication.
 *
 * The bulk of a buffer is folded 64 bytes at a time with carry-less
 * multiplication (PCLMULQDQ), after Intel's "Fast CRC Computation for
 * Generic Polynomials Using PCLMULQDQ Instruction" (Gopal et al., 2009),
 * with the constants for the reflected polynomial 0xEDB88320 that Linux
 * (arch/x86/crypto) and zlib-ng use; the rest, and every buffer on a
 * CPU without PCLMULQDQ, goes to zlib's crc32_z(). tests/unit/test_crc32
 * compares the result with zlib's on every length up to 4 KiB and every
 * alignment.
 */
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "crc.h"

int crc_libarchive_off;

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define FOLD_MIN	256	/* below this, zlib's tables are as fast */

/* Fold 128 bits of x forward over 128 bits (k: the pair of constants) and
 * add the next 16 bytes. */
__attribute__((target("pclmul,sse2")))
static inline __m128i
fold(__m128i x, __m128i k, __m128i next)
{
	__m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
	__m128i hi = _mm_clmulepi64_si128(x, k, 0x11);

	return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

/* The CRC register (not inverted) after len bytes of p; len >= 64 and a
 * multiple of 16. */
__attribute__((target("pclmul,sse2")))
static uint32_t
crc_fold(uint32_t crc, const unsigned char *p, size_t len)
{
	const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);
	const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
	const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124);
	const __m128i poly = _mm_set_epi64x(0x1f7011641, 0x1db710641);
	const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
	const __m128i *q = (const __m128i *)(const void *)p;
	__m128i x0, x1, x2, x3, t;

	x0 = _mm_xor_si128(_mm_loadu_si128(q), _mm_cvtsi32_si128((int)crc));
	x1 = _mm_loadu_si128(q + 1);
	x2 = _mm_loadu_si128(q + 2);
	x3 = _mm_loadu_si128(q + 3);
	q += 4;
	len -= 64;
	while (len >= 64) {	/* four lanes, 512 bits at a time */
		x0 = fold(x0, k1k2, _mm_loadu_si128(q));
		x1 = fold(x1, k1k2, _mm_loadu_si128(q + 1));
		x2 = fold(x2, k1k2, _mm_loadu_si128(q + 2));
		x3 = fold(x3, k1k2, _mm_loadu_si128(q + 3));
		q += 4;
		len -= 64;
	}
	x0 = fold(x0, k3k4, x1);	/* the lanes into one */
	x0 = fold(x0, k3k4, x2);
	x0 = fold(x0, k3k4, x3);
	while (len >= 16) {
		x0 = fold(x0, k3k4, _mm_loadu_si128(q));
		q++;
		len -= 16;
	}
	/* 128 -> 64 bits, which also appends 32 zero bits */
	t = _mm_clmulepi64_si128(k3k4, x0, 0x01);
	x0 = _mm_xor_si128(_mm_srli_si128(x0, 8), t);
	/* 64 -> 32 bits */
	t = _mm_srli_si128(x0, 4);
	x0 = _mm_clmulepi64_si128(_mm_and_si128(x0, mask32), k5, 0x00);
	x0 = _mm_xor_si128(x0, t);
	/* Barrett reduction, bit-reflected */
	t = x0;
	x0 = _mm_clmulepi64_si128(_mm_and_si128(x0, mask32), poly, 0x10);
	x0 = _mm_clmulepi64_si128(_mm_and_si128(x0, mask32), poly, 0x00);
	x0 = _mm_xor_si128(x0, t);
	return (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(x0, 4));
}

static int
have_pclmul(void)
{
	static int have = -1;

	if (have < 0)
		have = __builtin_cpu_supports("pclmul");	/* SSE2: every x86-64 */
	return have;
}

uint32_t
crc_update(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (p == NULL)
		return 0;	/* as zlib */
	if (len >= FOLD_MIN && have_pclmul()) {
		size_t bulk = len & ~(size_t)15;

		crc = ~crc_fold(~crc, p, bulk);
		p += bulk;
		len -= bulk;
	}
	return (uint32_t)crc32_z(crc, p, len);
}

const char *
crc_method(void)
{
	return have_pclmul() ? "pclmul" : "zlib";
}

#else

uint32_t
crc_update(uint32_t crc, const void *buf, size_t len)
{
	return (uint32_t)crc32_z(crc, buf, len);
}

const char *
crc_method(void)
{
	return "zlib";
}

#endif
