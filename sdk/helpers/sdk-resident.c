/* Keeping a library loaded for the life of the process (see
 * tender_keep_library_resident in <tender/sdk-glib.h>). */
#include <tender/sdk-glib.h>

#include <dlfcn.h>

int tender_keep_library_resident(const void *symbol)
{
    Dl_info info;
    if (symbol == NULL || dladdr(symbol, &info) == 0 || info.dli_fname == NULL)
        return 0;
    /* RTLD_NOLOAD: only if it is loaded already; RTLD_NODELETE: for good. */
    void *handle = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    if (handle == NULL)
        return 0;
    dlclose(handle);
    return 1;
}
