// The child-process mode of the policy-host test binaries: the process race
// runs several copies of the binary at once, each with its own host on one
// ledger file, so the limit is enforced across processes (separate SQLite
// connections and separate plugin instances), not just across threads.
//
//   <binary> --policy-host-child CONFIG LEDGER NOW_MS ACCOUNT AMOUNT ATTEMPTS DIR INDEX
//
// The child creates its host, writes DIR/ready-INDEX, waits for DIR/go (so
// that every child pays at the same moment), makes ATTEMPTS card payments of
// AMOUNT USD for ACCOUNT and writes DIR/result-INDEX:
// "<authorized> <limit_exceeded> <other>". Exit 0 unless something failed.
#include "policy-host-support.h"

#include <cstdio>
#include <cstring>

namespace ph {

namespace {

int child_main(char **argv)
{
    const char *config = argv[2], *ledger = argv[3], *account = argv[5], *amount = argv[6],
               *dir = argv[8], *index = argv[9];
    gint64 now = g_ascii_strtoll(argv[4], nullptr, 10);
    int attempts = (int)g_ascii_strtoll(argv[7], nullptr, 10);

    TenderHostOptions *options = tender_host_options_new();
    tender_host_options_add_plugin_dir(options, card_dir().c_str());
    tender_host_options_set_config_file(options, config);
    tender_host_options_set_ledger(options, ledger);
    tender_host_options_set_fixed_now(options, now);
    GError *error = nullptr;
    TenderHost *host = tender_host_new(options, &error);
    tender_host_options_free(options);
    if (host == nullptr) {
        fprintf(stderr, "child %s: no host: %s\n", index, error ? error->message : "?");
        g_clear_error(&error);
        return 2;
    }

    std::string d = dir;
    std::string ready = d + "/ready-" + index, go = d + "/go";
    if (!g_file_set_contents(ready.c_str(), "ready", -1, nullptr)) {
        tender_host_free(host);
        return 3;
    }
    // Wait for the parent's signal, at most 60 s (the parent gives up first).
    for (int i = 0; i < 60000 && !g_file_test(go.c_str(), G_FILE_TEST_EXISTS); i++)
        g_usleep(1000);

    int authorized = 0, limited = 0, other = 0, failed = 0;
    for (int i = 0; i < attempts; i++) {
        TenderPayment *p = pay_card(host, account, amount, FALSE, kGoodCard, "USD", &error);
        if (p == nullptr) {
            fprintf(stderr, "child %s: pay failed: %s\n", index, error ? error->message : "?");
            g_clear_error(&error);
            failed++;
            continue;
        }
        if (p->status == TENDER_STATUS_AUTHORIZED)
            authorized++;
        else if (p->status == TENDER_STATUS_DECLINED &&
                 p->decline_code == TENDER_DECLINE_LIMIT_EXCEEDED)
            limited++;
        else
            other++;
        tender_payment_free(p);
    }
    tender_host_free(host);

    char *line = g_strdup_printf("%d %d %d", authorized, limited, other);
    std::string result = d + "/result-" + index;
    gboolean written = g_file_set_contents(result.c_str(), line, -1, nullptr);
    g_free(line);
    return written && failed == 0 ? 0 : 4;
}

}  // namespace

bool run_child_if_asked(int argc, char **argv, int *exit_code)
{
    if (argc < 2 || strcmp(argv[1], "--policy-host-child") != 0)
        return false;
    if (argc != 10) {
        fprintf(stderr, "--policy-host-child needs 8 arguments\n");
        *exit_code = 64;
        return true;
    }
    *exit_code = child_main(argv);
    return true;
}

}  // namespace ph
