#ifndef CTCARCHIVE_SHIM_H
#define CTCARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

/* AE_IFREG is a cast macro Swift cannot import. */
static const unsigned int tc_ae_ifreg = AE_IFREG;

/* archive_set_error is variadic, which Swift cannot call. */
static inline void tc_archive_set_error_message(struct archive *a, const char *message) {
    archive_set_error(a, -1, "%s", message);
}
#endif
