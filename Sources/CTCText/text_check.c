/*
 * UTF-8 validation and JSON-escape detection with AVX2: for the exporter's TEXT values, and
 * for the runs of plain bytes inside the archive's JSON strings that readers parse.
 *
 * Hand-written (no C library Debian packages does this; simdutf is C++ and not packaged):
 * the validation is the "lookup" method of Keiser and Lemire, "Validating UTF-8 In Less
 * Than One Instruction Per Byte" (2021). Each pair of adjacent bytes is classified by three
 * 16-entry tables (the high nibble of the first byte, its low nibble, the high nibble of the
 * second); the AND of the three is the set of errors that pair shows. Continuations a
 * 3- or 4-byte lead requires two and three bytes on are checked by comparison with the
 * bytes two and three back. The string is followed by zero bytes (ASCII), so a sequence cut
 * off at its end shows as one followed by ASCII.
 *
 * The Swift side (JSONText) has the scalar path for processors without AVX2 and for the
 * escapes themselves; RowCodecTests checks both against the standard library.
 */
#include "tc_text.h"
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* Error classes, one bit each (two share bit 6: the first byte tells them apart). */
#define TOO_SHORT (1 << 0)      /* a lead byte not followed by a continuation */
#define TOO_LONG (1 << 1)       /* ASCII followed by a continuation */
#define OVERLONG_3 (1 << 2)     /* E0 80..9F */
#define TOO_LARGE (1 << 3)      /* F4 90..BF, F5..FF */
#define SURROGATE (1 << 4)      /* ED A0..BF */
#define OVERLONG_2 (1 << 5)     /* C0, C1 */
#define TOO_LARGE_1000 (1 << 6) /* F5..FF 80..8F */
#define OVERLONG_4 (1 << 6)     /* F0 80..8F */
#define TWO_CONTS (1 << 7)      /* a continuation after a continuation */
#define CARRY (TOO_SHORT | TOO_LONG | TWO_CONTS)

static int has_avx2(void) {
    static int known = -1; /* -1 not asked yet, then 0 or 1 */
    int value = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (value >= 0) return value;
    unsigned a, b, c, d;
    value = 0;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) && (c & bit_AVX)) {
        unsigned lo, hi;
        __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        /* The OS saves the SSE and AVX registers, and the processor has AVX2. */
        if ((lo & 6) == 6 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX2)) value = 1;
    }
    __atomic_store_n(&known, value, __ATOMIC_RELAXED);
    return value;
}

/* A 16-entry table in both 128-bit lanes, for _mm256_shuffle_epi8 to look nibbles up in. */
#define TABLE(name, ...) \
    static const uint8_t name##_bytes[32] = {__VA_ARGS__, __VA_ARGS__}; \
    const __m256i name = _mm256_loadu_si256((const __m256i *)name##_bytes)

/* `input`'s bytes shifted by `n` (1..3), the last `n` bytes of `previous` coming in first. */
#define PREVIOUS(input, previous, n) \
    _mm256_alignr_epi8((input), _mm256_permute2x128_si256((previous), (input), 0x21), 16 - (n))

__attribute__((target("avx2")))
static inline __m256i block_errors(__m256i input, __m256i previous) {
    TABLE(byte_1_high_table,
        /* 0xxx: ASCII */
        TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
        /* 10xx: continuation */
        TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
        /* 1100: C0..CF */
        TOO_SHORT | OVERLONG_2,
        /* 1101: D0..DF */
        TOO_SHORT,
        /* 1110: E0..EF */
        TOO_SHORT | OVERLONG_3 | SURROGATE,
        /* 1111: F0..FF */
        TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4);
    TABLE(byte_1_low_table,
        /* xxxx0000 */ CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
        /* xxxx0001 */ CARRY | OVERLONG_2,
        /* xxxx0010 */ CARRY,
        /* xxxx0011 */ CARRY,
        /* xxxx0100 */ CARRY | TOO_LARGE,
        /* xxxx0101 */ CARRY | TOO_LARGE | TOO_LARGE_1000,
        /* xxxx0110 */ CARRY | TOO_LARGE | TOO_LARGE_1000,
        /* xxxx0111 */ CARRY | TOO_LARGE | TOO_LARGE_1000,
        /* xxxx1000 */ CARRY | TOO_LARGE | TOO_LARGE_1000,
        /* xxxx1001 */ CARRY | TOO_LARGE | TOO_LARGE_1000,
        /* xxxx1010 */ CARRY | TOO_LARGE | TOO_LARGE_1000,
        /* xxxx1011 */ CARRY | TOO_LARGE | TOO_LARGE_1000,
        /* xxxx1100 */ CARRY | TOO_LARGE | TOO_LARGE_1000,
        /* xxxx1101 */ CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
        /* xxxx1110 */ CARRY | TOO_LARGE | TOO_LARGE_1000,
        /* xxxx1111 */ CARRY | TOO_LARGE | TOO_LARGE_1000);
    TABLE(byte_2_high_table,
        /* 0xxx: ASCII */
        TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
        /* 1000: 80..8F */
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
        /* 1001: 90..9F */
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
        /* 1010, 1011: A0..BF */
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        /* 11xx: a lead byte */
        TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT);
    const __m256i nibble = _mm256_set1_epi8(0x0F);

    __m256i prev1 = PREVIOUS(input, previous, 1);
    __m256i byte_1_high = _mm256_shuffle_epi8(byte_1_high_table, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble));
    __m256i byte_1_low = _mm256_shuffle_epi8(byte_1_low_table, _mm256_and_si256(prev1, nibble));
    __m256i byte_2_high = _mm256_shuffle_epi8(byte_2_high_table, _mm256_and_si256(_mm256_srli_epi16(input, 4), nibble));
    __m256i special = _mm256_and_si256(_mm256_and_si256(byte_1_high, byte_1_low), byte_2_high);

    /* A continuation two bytes after E0..FF, or three after F0..FF, is required. */
    __m256i prev2 = PREVIOUS(input, previous, 2);
    __m256i prev3 = PREVIOUS(input, previous, 3);
    __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i required = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(required, special);
}

/* The bytes JSON must escape: '"', '\\' and everything below 0x20. */
__attribute__((target("avx2")))
static inline unsigned escape_mask(__m256i input) {
    __m256i quote = _mm256_cmpeq_epi8(input, _mm256_set1_epi8('"'));
    __m256i backslash = _mm256_cmpeq_epi8(input, _mm256_set1_epi8('\\'));
    __m256i control = _mm256_cmpeq_epi8(_mm256_max_epu8(input, _mm256_set1_epi8(0x1F)), _mm256_set1_epi8(0x1F));
    return (unsigned)_mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(quote, backslash), control));
}

__attribute__((target("avx2")))
static int check_avx2(const uint8_t *bytes, size_t count) {
    __m256i previous = _mm256_setzero_si256();
    __m256i errors = _mm256_setzero_si256();
    unsigned escapes = 0;
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        __m256i input = _mm256_loadu_si256((const __m256i *)(bytes + i));
        errors = _mm256_or_si256(errors, block_errors(input, previous));
        escapes |= escape_mask(input);
        previous = input;
    }
    /* The rest, then zeros (all zeros when nothing is left): a sequence cut off at the end
     * is followed by a zero byte where a continuation is required, which shows. */
    size_t rest = count - i;
    uint8_t tail[32] = {0};
    memcpy(tail, bytes + i, rest);
    __m256i input = _mm256_loadu_si256((const __m256i *)tail);
    errors = _mm256_or_si256(errors, block_errors(input, previous));
    escapes |= escape_mask(input) & ((1u << rest) - 1);
    if (!_mm256_testz_si256(errors, errors)) return TC_TEXT_INVALID;
    return escapes ? TC_TEXT_ESCAPES : TC_TEXT_PLAIN;
}

/* The first `keep` bytes of `input`, zeros after them. */
__attribute__((target("avx2")))
static inline __m256i first_bytes(__m256i input, unsigned keep) {
    const __m256i positions = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                               22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    return _mm256_and_si256(input, _mm256_cmpgt_epi8(_mm256_set1_epi8((char)keep), positions));
}

__attribute__((target("avx2")))
static int run_avx2(const uint8_t *bytes, size_t count, size_t *run) {
    __m256i previous = _mm256_setzero_si256();
    __m256i errors = _mm256_setzero_si256();
    size_t i = 0;
    for (;; i += 32) {
        __m256i input;
        unsigned stop;
        if (i + 32 <= count) {
            input = _mm256_loadu_si256((const __m256i *)(bytes + i));
            unsigned special = escape_mask(input);
            if (!special) {
                errors = _mm256_or_si256(errors, block_errors(input, previous));
                previous = input;
                continue;
            }
            stop = (unsigned)__builtin_ctz(special);
        } else {
            size_t rest = count - i;
            uint8_t tail[32] = {0};
            memcpy(tail, bytes + i, rest);
            input = _mm256_loadu_si256((const __m256i *)tail);
            unsigned special = escape_mask(input) & ((1u << rest) - 1);
            stop = special ? (unsigned)__builtin_ctz(special) : (unsigned)rest;
        }
        /* The run ends here: the bytes before the stop, then zeros, which show a sequence
         * the stop cuts off. */
        errors = _mm256_or_si256(errors, block_errors(first_bytes(input, stop), previous));
        *run = i + stop;
        return _mm256_testz_si256(errors, errors) ? TC_TEXT_PLAIN : TC_TEXT_INVALID;
    }
}

int tc_text_check(const uint8_t *bytes, size_t count) {
    return has_avx2() ? check_avx2(bytes, count) : TC_TEXT_NOT_CHECKED;
}

int tc_text_run(const uint8_t *bytes, size_t count, size_t *run) {
    return has_avx2() ? run_avx2(bytes, count, run) : TC_TEXT_NOT_CHECKED;
}

#else

int tc_text_check(const uint8_t *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return TC_TEXT_NOT_CHECKED;
}

int tc_text_run(const uint8_t *bytes, size_t count, size_t *run) {
    (void)bytes;
    (void)count;
    *run = 0;
    return TC_TEXT_NOT_CHECKED;
}

#endif
