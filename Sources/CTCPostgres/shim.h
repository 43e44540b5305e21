#ifndef CTCPOSTGRES_SHIM_H
#define CTCPOSTGRES_SHIM_H
#include <libpq-fe.h>
#endif
