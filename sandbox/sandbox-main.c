/* tender-sandbox's main(): the list of providers this build has. Each
 * provider module present in the tree (sandbox/<name>/meson.build) defines
 * SANDBOX_HAVE_<NAME>; the frame itself is sandbox_cli_main. */
#include "sandbox-private.h"

static const SandboxProvider *const providers[] = {
#ifdef SANDBOX_HAVE_CARD
    &sandbox_card_provider,
#endif
#ifdef SANDBOX_HAVE_ALIPAY
    &sandbox_alipay_provider,
#endif
#ifdef SANDBOX_HAVE_PAYPAL
    &sandbox_paypal_provider,
#endif
#ifdef SANDBOX_HAVE_WEBMONEY
    &sandbox_webmoney_provider,
#endif
    NULL};

int main(int argc, char **argv)
{
    return sandbox_cli_main(argc, argv, providers, G_N_ELEMENTS(providers) - 1);
}
