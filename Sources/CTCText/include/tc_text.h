#ifndef TC_TEXT_H
#define TC_TEXT_H
#include <stddef.h>
#include <stdint.h>

/* What tc_text_check found in a byte string. */
enum {
    TC_TEXT_INVALID = -1,      /* not valid UTF-8 (RFC 3629) */
    TC_TEXT_PLAIN = 0,         /* valid, and no byte JSON must escape */
    TC_TEXT_ESCAPES = 1,       /* valid, with a '"', '\\' or control character */
    TC_TEXT_NOT_CHECKED = 2,   /* this processor has no AVX2: check it another way */
};

/* Validates UTF-8 and looks for bytes to escape, 32 bytes at a time with AVX2. */
int tc_text_check(const uint8_t *bytes, size_t count);

/* Inside a JSON string: sets *run to the number of bytes before the first '"', '\' or
 * control character (count if there is none) and says whether those bytes are valid UTF-8
 * (TC_TEXT_PLAIN) or not (TC_TEXT_INVALID); TC_TEXT_NOT_CHECKED without AVX2. */
int tc_text_run(const uint8_t *bytes, size_t count, size_t *run);

#endif
