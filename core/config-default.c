/* The embedded default policy config: data/default-config.json, compiled into
 * the library as a GResource (data/meson.build). The core names no payment
 * method; the file does, and an operator reads the installed copy
 * (share/tender/default-config.json). */
#include <gio/gio.h>

#include <tender/tender.h>

#include "default-config-resource.h"

#define CONFIG_DEFAULT_RESOURCE_PATH "/org/tender/config/default-config.json"

/* Held for the life of the process: the text it points to is the library's
 * read-only data, and tender_config_default_json() promises a static string. */
static GBytes *config_default_bytes;

const char *tender_config_default_json(void)
{
    static gsize looked_up = 0;
    if (g_once_init_enter(&looked_up)) {
        /* Registered on first use rather than by a constructor, so loading
         * the library does no work. A resource compiled into this library
         * cannot be missing; if it were, nothing could run, so fail loudly.
         * The data is always NUL-terminated (GResource adds one past the
         * end). */
        config_default_resource_register_resource();
        config_default_bytes = g_resource_lookup_data(config_default_resource_get_resource(),
                                                      CONFIG_DEFAULT_RESOURCE_PATH,
                                                      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
        g_assert(config_default_bytes != NULL);
        g_once_init_leave(&looked_up, 1);
    }
    return g_bytes_get_data(config_default_bytes, NULL);
}
