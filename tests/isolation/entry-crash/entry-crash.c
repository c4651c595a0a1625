/* Fixture plugin "fx-entry-crash" (TEST ONLY): crashes in its entry point,
 * before it has a descriptor. Loaded in-process it would take the host
 * down; discovered in a worker it is refused with the reason. */
#include <signal.h>

#include <tender/plugin.h>

TENDER_PLUGIN_EXPORT const tender_plugin_descriptor *
tender_plugin_entry(uint32_t host_abi_major, uint32_t host_abi_minor,
                    const tender_host_services *services)
{
    (void)host_abi_major;
    (void)host_abi_minor;
    (void)services;
    raise(SIGSEGV);
    return NULL;
}
