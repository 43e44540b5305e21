// Linked into the release binaries only (scripts/package), beside Debian's static libpq.a.
//
// libpq.a calls the Kerberos (GSSAPI) and LDAP libraries directly, and Debian ships neither as
// a static library; linked as they are, every binary would need libgssapi_krb5 and libldap
// to start, and a bare machine (the old one, which only exports) has neither. These
// definitions stand in for the functions libpq uses: each opens the real library the first
// time it is called and calls through to it. Where the library is missing, the call fails the
// way the library itself fails when it cannot help (GSS_S_UNAVAILABLE, a NULL handle), and
// libpq goes on without it: GSSAPI encryption, tried first by default, is skipped; a server
// that demands Kerberos authentication, or a service file that points at LDAP, gets libpq's
// own error with the message below. No library does this (it is the job of a dynamic linker
// that could load a dependency lazily), hence hand-written.
//
// Compiled with -fvisibility=hidden: nothing here is exported, so a library loaded later never
// binds to these stand-ins in place of its own functions.
#define LDAP_DEPRECATED 1
#include <dlfcn.h>
#include <gssapi/gssapi.h>
#include <ldap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { KERBEROS, LDAP_LIBRARY, LIBRARY_COUNT };

// The sonames tried, newest first (OpenLDAP 2.6 is libldap.so.2; 2.5 had its own soname).
static const char *const library_names[LIBRARY_COUNT][3] = {
    [KERBEROS] = {"libgssapi_krb5.so.2", NULL, NULL},
    [LDAP_LIBRARY] = {"libldap.so.2", "libldap-2.5.so.0", NULL},
};
static const char *const missing_messages[LIBRARY_COUNT] = {
    [KERBEROS] = "the Kerberos library libgssapi_krb5.so.2 is not installed (Debian: apt-get install libgssapi-krb5-2)",
    [LDAP_LIBRARY] = "the LDAP library libldap is not installed (Debian: apt-get install libldap-2.5-0)",
};
static void *handles[LIBRARY_COUNT];
static pthread_once_t opened[LIBRARY_COUNT] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};

static void open_library(int library) {
    for (const char *const *name = library_names[library]; *name != NULL && handles[library] == NULL; name++)
        handles[library] = dlopen(*name, RTLD_NOW | RTLD_LOCAL);
}
static void open_kerberos(void) { open_library(KERBEROS); }
static void open_ldap(void) { open_library(LDAP_LIBRARY); }

/// The real function NAME of the library, or NULL when the library is not installed.
static void *real_symbol(int library, const char *name) {
    pthread_once(&opened[library], library == KERBEROS ? open_kerberos : open_ldap);
    return handles[library] == NULL ? NULL : dlsym(handles[library], name);
}
#define REAL(library, name) ((__typeof__(&name))real_symbol(library, #name))

// MARK: - GSSAPI

// RFC 2744's name type for "service@host" (1.2.840.113554.1.2.1.4). libpq reads the variable
// before its first call into the library, so it cannot be looked up there: the library
// compares name types by value, and these are the bytes.
static gss_OID_desc hostbased_service = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"};
gss_OID GSS_C_NT_HOSTBASED_SERVICE = &hostbased_service;

static OM_uint32 kerberos_missing(OM_uint32 *minor) {
    if (minor != NULL) *minor = 0;
    return GSS_S_UNAVAILABLE;
}

OM_uint32 gss_acquire_cred(OM_uint32 *minor, gss_name_t name, OM_uint32 time, gss_OID_set mechanisms,
                           gss_cred_usage_t usage, gss_cred_id_t *credentials, gss_OID_set *actual,
                           OM_uint32 *time_received) {
    __typeof__(&gss_acquire_cred) real = REAL(KERBEROS, gss_acquire_cred);
    if (real == NULL) return kerberos_missing(minor);
    return real(minor, name, time, mechanisms, usage, credentials, actual, time_received);
}

OM_uint32 gss_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *context, gss_buffer_t token) {
    __typeof__(&gss_delete_sec_context) real = REAL(KERBEROS, gss_delete_sec_context);
    if (real == NULL) return kerberos_missing(minor);
    return real(minor, context, token);
}

// Without the library, the status text is the message saying so (libpq appends it to its own
// error); the buffer is ours, and gss_release_buffer below frees it.
OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status, int type, gss_OID mechanism,
                             OM_uint32 *context, gss_buffer_t text) {
    __typeof__(&gss_display_status) real = REAL(KERBEROS, gss_display_status);
    if (real != NULL) return real(minor, status, type, mechanism, context, text);
    if (context != NULL) *context = 0;
    if (text != NULL) {
        text->value = strdup(missing_messages[KERBEROS]);
        text->length = text->value == NULL ? 0 : strlen(text->value);
    }
    if (minor != NULL) *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 gss_import_name(OM_uint32 *minor, gss_buffer_t name, gss_OID type, gss_name_t *output) {
    __typeof__(&gss_import_name) real = REAL(KERBEROS, gss_import_name);
    if (real == NULL) return kerberos_missing(minor);
    return real(minor, name, type, output);
}

OM_uint32 gss_init_sec_context(OM_uint32 *minor, gss_cred_id_t credentials, gss_ctx_id_t *context,
                               gss_name_t target, gss_OID mechanism, OM_uint32 flags, OM_uint32 time,
                               gss_channel_bindings_t bindings, gss_buffer_t input, gss_OID *actual,
                               gss_buffer_t output, OM_uint32 *returned_flags, OM_uint32 *time_received) {
    __typeof__(&gss_init_sec_context) real = REAL(KERBEROS, gss_init_sec_context);
    if (real == NULL) return kerberos_missing(minor);
    return real(minor, credentials, context, target, mechanism, flags, time, bindings, input, actual,
                output, returned_flags, time_received);
}

OM_uint32 gss_release_buffer(OM_uint32 *minor, gss_buffer_t buffer) {
    __typeof__(&gss_release_buffer) real = REAL(KERBEROS, gss_release_buffer);
    if (real != NULL) return real(minor, buffer);
    // Only gss_display_status above hands out buffers when the library is missing.
    if (buffer != NULL) {
        free(buffer->value);
        buffer->value = NULL;
        buffer->length = 0;
    }
    if (minor != NULL) *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 gss_release_cred(OM_uint32 *minor, gss_cred_id_t *credentials) {
    __typeof__(&gss_release_cred) real = REAL(KERBEROS, gss_release_cred);
    if (real == NULL) return kerberos_missing(minor);
    return real(minor, credentials);
}

OM_uint32 gss_release_name(OM_uint32 *minor, gss_name_t *name) {
    __typeof__(&gss_release_name) real = REAL(KERBEROS, gss_release_name);
    if (real == NULL) return kerberos_missing(minor);
    return real(minor, name);
}

OM_uint32 gss_unwrap(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t input, gss_buffer_t output,
                     int *confidential, gss_qop_t *quality) {
    __typeof__(&gss_unwrap) real = REAL(KERBEROS, gss_unwrap);
    if (real == NULL) return kerberos_missing(minor);
    return real(minor, context, input, output, confidential, quality);
}

OM_uint32 gss_wrap(OM_uint32 *minor, gss_ctx_id_t context, int encrypt, gss_qop_t quality,
                   gss_buffer_t input, int *confidential, gss_buffer_t output) {
    __typeof__(&gss_wrap) real = REAL(KERBEROS, gss_wrap);
    if (real == NULL) return kerberos_missing(minor);
    return real(minor, context, encrypt, quality, input, confidential, output);
}

OM_uint32 gss_wrap_size_limit(OM_uint32 *minor, gss_ctx_id_t context, int encrypt, gss_qop_t quality,
                              OM_uint32 output_size, OM_uint32 *input_size) {
    __typeof__(&gss_wrap_size_limit) real = REAL(KERBEROS, gss_wrap_size_limit);
    if (real == NULL) return kerberos_missing(minor);
    return real(minor, context, encrypt, quality, output_size, input_size);
}

// MARK: - LDAP (libpq uses it only for ldap:// lines of a connection service file)

LDAP *ldap_init(const char *host, int port) {
    __typeof__(&ldap_init) real = REAL(LDAP_LIBRARY, ldap_init);
    return real == NULL ? NULL : real(host, port);
}

int ldap_set_option(LDAP *connection, int option, const void *value) {
    __typeof__(&ldap_set_option) real = REAL(LDAP_LIBRARY, ldap_set_option);
    return real == NULL ? LDAP_OPT_ERROR : real(connection, option, value);
}

int ldap_simple_bind(LDAP *connection, const char *who, const char *password) {
    __typeof__(&ldap_simple_bind) real = REAL(LDAP_LIBRARY, ldap_simple_bind);
    return real == NULL ? -1 : real(connection, who, password);
}

int ldap_result(LDAP *connection, int message, int all, struct timeval *timeout, LDAPMessage **result) {
    __typeof__(&ldap_result) real = REAL(LDAP_LIBRARY, ldap_result);
    return real == NULL ? -1 : real(connection, message, all, timeout, result);
}

int ldap_search_st(LDAP *connection, const char *base, int scope, const char *filter, char **attributes,
                   int names_only, struct timeval *timeout, LDAPMessage **result) {
    __typeof__(&ldap_search_st) real = REAL(LDAP_LIBRARY, ldap_search_st);
    return real == NULL ? LDAP_OTHER : real(connection, base, scope, filter, attributes, names_only, timeout, result);
}

LDAPMessage *ldap_first_entry(LDAP *connection, LDAPMessage *chain) {
    __typeof__(&ldap_first_entry) real = REAL(LDAP_LIBRARY, ldap_first_entry);
    return real == NULL ? NULL : real(connection, chain);
}

int ldap_count_entries(LDAP *connection, LDAPMessage *chain) {
    __typeof__(&ldap_count_entries) real = REAL(LDAP_LIBRARY, ldap_count_entries);
    return real == NULL ? -1 : real(connection, chain);
}

struct berval **ldap_get_values_len(LDAP *connection, LDAPMessage *entry, const char *attribute) {
    __typeof__(&ldap_get_values_len) real = REAL(LDAP_LIBRARY, ldap_get_values_len);
    return real == NULL ? NULL : real(connection, entry, attribute);
}

void ldap_value_free_len(struct berval **values) {
    __typeof__(&ldap_value_free_len) real = REAL(LDAP_LIBRARY, ldap_value_free_len);
    if (real != NULL) real(values);
}

int ldap_msgfree(LDAPMessage *message) {
    __typeof__(&ldap_msgfree) real = REAL(LDAP_LIBRARY, ldap_msgfree);
    return real == NULL ? -1 : real(message);
}

int ldap_unbind(LDAP *connection) {
    __typeof__(&ldap_unbind) real = REAL(LDAP_LIBRARY, ldap_unbind);
    return real == NULL ? LDAP_OTHER : real(connection);
}

char *ldap_err2string(int error) {
    __typeof__(&ldap_err2string) real = REAL(LDAP_LIBRARY, ldap_err2string);
    return real == NULL ? (char *)missing_messages[LDAP_LIBRARY] : real(error);
}
