#ifndef CTCARCHIVE_SHIM_H
#define CTCARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

/* AE_IFREG is a cast macro Swift cannot import. */
static const unsigned int tc_ae_ifreg = AE_IFREG;
#endif
