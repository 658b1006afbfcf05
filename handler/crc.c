/* crc: CRC-32, bit for bit zlib's, folded with carry-less multiplication.
 *
 * The bulk of a buffer is folded with carry-less multiplication, after
 * Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ
 * Instruction" (Gopal et al., 2009), the method of Linux (arch/x86/crypto)
 * and zlib-ng, with constants for the reflected polynomial 0xEDB88320:
 * folding a 128-bit lane forward over D bits multiplies its low half by
 * x^(D+32) mod P and its high half by x^(D-32) mod P (bit-reflected, shifted
 * left by one). Three widths, chosen at run time for the CPU:
 *   vpclmul512  AVX-512F + VPCLMULQDQ: four 512-bit registers, 256 bytes a
 *               step (D = 2048);
 *   vpclmul256  AVX2 + VPCLMULQDQ: four 256-bit registers, 128 bytes a
 *               step (D = 1024);
 *   pclmul      PCLMULQDQ: four 128-bit registers, 64 bytes a step (D = 512).
 * Each ends in the same 128-bit tail (16-byte folds, then a Barrett
 * reduction to 32 bits). Short buffers and the last bytes, and every
 * buffer on a CPU without PCLMULQDQ, go to zlib's crc32_z().
 * tests/unit/test_crc32 compares every method with zlib on every length up
 * to 4 KiB at every alignment, and on large buffers.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "crc.h"

int crc_libarchive_off;

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

enum { M_ZLIB, M_PCLMUL, M_VPCLMUL256, M_VPCLMUL512, M_AUTO };

static const char *const method_names[] = { "zlib", "pclmul", "vpclmul256", "vpclmul512" };
static const size_t method_min[] = {	/* below this, the next narrower one */
	0, 256, 512, 1024
};

/* Fold 128 bits of x forward (k: the pair of constants) and add next. */
__attribute__((target("pclmul,sse2")))
static inline __m128i
fold(__m128i x, __m128i k, __m128i next)
{
	__m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
	__m128i hi = _mm_clmulepi64_si128(x, k, 0x11);

	return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

/* The common end: x0 is the folded state of everything before q; fold in
 * len bytes (a multiple of 16) of q, then reduce to the CRC register. */
__attribute__((target("pclmul,sse2")))
static inline uint32_t
fold_tail(__m128i x0, const __m128i *q, size_t len)
{
	const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);	/* D = 128 */
	const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124);
	const __m128i poly = _mm_set_epi64x(0x1f7011641, 0x1db710641);
	const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
	__m128i t;

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

/* The CRC register (not inverted) after len bytes of p; len >= 64 and a
 * multiple of 16. */
__attribute__((target("pclmul,sse2")))
static uint32_t
fold_pclmul(uint32_t crc, const unsigned char *p, size_t len)
{
	const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);	/* D = 512 */
	const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);	/* D = 128 */
	const __m128i *q = (const __m128i *)(const void *)p;
	__m128i x0, x1, x2, x3;

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
	return fold_tail(x0, q, len);
}

__attribute__((target("avx2,vpclmulqdq,pclmul")))
static inline __m256i
fold256(__m256i x, __m256i k, __m256i next)
{
	__m256i lo = _mm256_clmulepi64_epi128(x, k, 0x00);
	__m256i hi = _mm256_clmulepi64_epi128(x, k, 0x11);

	return _mm256_xor_si256(_mm256_xor_si256(lo, hi), next);
}

/* len >= 128 and a multiple of 16 */
__attribute__((target("avx2,vpclmulqdq,pclmul")))
static uint32_t
fold_vpclmul256(uint32_t crc, const unsigned char *p, size_t len)
{
	const __m256i k1024 = _mm256_set_epi64x(0x14a7fe880, 0x1e88ef372, 0x14a7fe880, 0x1e88ef372);
	const __m256i k256 = _mm256_set_epi64x(0x15a546366, 0x0f1da05aa, 0x15a546366, 0x0f1da05aa);
	const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
	__m256i x0, x1, x2, x3;
	__m128i r;

	x0 = _mm256_xor_si256(_mm256_loadu_si256((const void *)p),
	    _mm256_zextsi128_si256(_mm_cvtsi32_si128((int)crc)));
	x1 = _mm256_loadu_si256((const void *)(p + 32));
	x2 = _mm256_loadu_si256((const void *)(p + 64));
	x3 = _mm256_loadu_si256((const void *)(p + 96));
	p += 128;
	len -= 128;
	while (len >= 128) {	/* four registers of two lanes, 1024 bits */
		x0 = fold256(x0, k1024, _mm256_loadu_si256((const void *)p));
		x1 = fold256(x1, k1024, _mm256_loadu_si256((const void *)(p + 32)));
		x2 = fold256(x2, k1024, _mm256_loadu_si256((const void *)(p + 64)));
		x3 = fold256(x3, k1024, _mm256_loadu_si256((const void *)(p + 96)));
		p += 128;
		len -= 128;
	}
	x0 = fold256(x0, k256, x1);	/* the registers into one */
	x0 = fold256(x0, k256, x2);
	x0 = fold256(x0, k256, x3);
	while (len >= 32) {
		x0 = fold256(x0, k256, _mm256_loadu_si256((const void *)p));
		p += 32;
		len -= 32;
	}
	r = fold(_mm256_castsi256_si128(x0), k3k4, _mm256_extracti128_si256(x0, 1));
	return fold_tail(r, (const __m128i *)(const void *)p, len);
}

__attribute__((target("avx512f,vpclmulqdq,pclmul")))
static inline __m512i
fold512(__m512i x, __m512i k, __m512i next)
{
	__m512i lo = _mm512_clmulepi64_epi128(x, k, 0x00);
	__m512i hi = _mm512_clmulepi64_epi128(x, k, 0x11);

	return _mm512_ternarylogic_epi64(lo, hi, next, 0x96);	/* lo ^ hi ^ next */
}

/* len >= 256 and a multiple of 16 */
__attribute__((target("avx512f,vpclmulqdq,pclmul")))
static uint32_t
fold_vpclmul512(uint32_t crc, const unsigned char *p, size_t len)
{
	const __m512i k2048 = _mm512_set_epi64(0x1322d1430, 0x11542778a, 0x1322d1430, 0x11542778a,
	    0x1322d1430, 0x11542778a, 0x1322d1430, 0x11542778a);
	const __m512i k512 = _mm512_set_epi64(0x1c6e41596, 0x154442bd4, 0x1c6e41596, 0x154442bd4,
	    0x1c6e41596, 0x154442bd4, 0x1c6e41596, 0x154442bd4);
	const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
	__m512i x0, x1, x2, x3;
	__m128i r;

	x0 = _mm512_xor_si512(_mm512_loadu_si512(p),
	    _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)crc)));
	x1 = _mm512_loadu_si512(p + 64);
	x2 = _mm512_loadu_si512(p + 128);
	x3 = _mm512_loadu_si512(p + 192);
	p += 256;
	len -= 256;
	while (len >= 256) {	/* four registers of four lanes, 2048 bits */
		x0 = fold512(x0, k2048, _mm512_loadu_si512(p));
		x1 = fold512(x1, k2048, _mm512_loadu_si512(p + 64));
		x2 = fold512(x2, k2048, _mm512_loadu_si512(p + 128));
		x3 = fold512(x3, k2048, _mm512_loadu_si512(p + 192));
		p += 256;
		len -= 256;
	}
	x0 = fold512(x0, k512, x1);	/* the registers into one */
	x0 = fold512(x0, k512, x2);
	x0 = fold512(x0, k512, x3);
	while (len >= 64) {
		x0 = fold512(x0, k512, _mm512_loadu_si512(p));
		p += 64;
		len -= 64;
	}
	r = fold(_mm512_extracti32x4_epi32(x0, 0), k3k4, _mm512_extracti32x4_epi32(x0, 1));
	r = fold(r, k3k4, _mm512_extracti32x4_epi32(x0, 2));
	r = fold(r, k3k4, _mm512_extracti32x4_epi32(x0, 3));
	return fold_tail(r, (const __m128i *)(const void *)p, len);
}

static int
best(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq"))
		return M_VPCLMUL512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("vpclmulqdq"))
		return M_VPCLMUL256;
	if (__builtin_cpu_supports("pclmul"))	/* SSE2: every x86-64 */
		return M_PCLMUL;
	return M_ZLIB;
}

static int method = M_AUTO;

static int
current(void)
{
	if (method == M_AUTO)
		method = best();
	return method;
}

uint32_t
crc_update(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int m = current();

	if (p == NULL)
		return 0;	/* as zlib */
	while (m > M_ZLIB && len < method_min[m])
		m--;
	if (m > M_ZLIB) {
		size_t bulk = len & ~(size_t)15;

		crc = ~crc;
		if (m == M_VPCLMUL512)
			crc = fold_vpclmul512(crc, p, bulk);
		else if (m == M_VPCLMUL256)
			crc = fold_vpclmul256(crc, p, bulk);
		else
			crc = fold_pclmul(crc, p, bulk);
		crc = ~crc;
		p += bulk;
		len -= bulk;
	}
	return (uint32_t)crc32_z(crc, p, len);
}

const char *
crc_method(void)
{
	return method_names[current()];
}

int
crc_use(const char *name)
{
	int m;

	for (m = M_ZLIB; m < M_AUTO; m++)
		if (strcmp(name, method_names[m]) == 0)
			break;
	if (m == M_AUTO)
		return -EINVAL;
	if (m > best())
		return -ENOTSUP;
	method = m;
	return 0;
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

int
crc_use(const char *name)
{
	return strcmp(name, "zlib") == 0 ? 0 : -ENOTSUP;
}

#endif
