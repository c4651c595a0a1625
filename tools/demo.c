/* `tender demo`: a buyer walks through every bundled method, end to end,
 * on the embedded default config (written out in full once the bundled
 * plugins land). */
#include <stdio.h>

#include "cli.h"

int cli_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    int code = 0;
    TenderHost *host = cli_host_new(":memory:", &code);
    if (host == NULL)
        return code;
    cli_print_plugins(host);
    tender_host_free(host);
    return EXIT_OK;
}
