/* The WebMoney payer in `tender demo` (see demo-webmoney.h). The payer's
 * side is not the merchant's: Tender's plugin never sends a payer's
 * transfer, so the demo does it here, as the payer's own WebMoney client
 * would, with tender-sandbox's public test payer. */
#include "demo-webmoney.h"

#include <string.h>

#include <libsoup/soup.h>

/* The test payer's key (public, tender-sandbox only). */
#define PAYER_SECRET "tender-sandbox-payer-44"

/* The CA a sandbox speaking TLS is trusted through (demo_webmoney_trust),
 * or NULL: the system's. */
static char *trusted_ca;

void demo_webmoney_trust(const char *ca_file)
{
    g_free(trusted_ca);
    trusted_ca = g_strdup(ca_file);
}

/* One exchange; redirects are not followed. Returns the status and, when
 * body_out is given, the body (g_free it). */
static guint exchange(const char *method, const char *url, const char *type, const char *body,
                      char **body_out)
{
    SoupSession *session = soup_session_new_with_options("timeout", 10, NULL);
    if (trusted_ca != NULL) {
        GTlsDatabase *db = g_tls_file_database_new(trusted_ca, NULL);
        if (db == NULL) {
            g_object_unref(session);
            return 0;
        }
        soup_session_set_tls_database(session, db);
        g_object_unref(db);
    }
    SoupMessage *msg = soup_message_new(method, url);
    if (msg == NULL) {
        g_object_unref(session);
        return 0;
    }
    soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
    if (type) {
        GBytes *bytes = g_bytes_new(body, strlen(body));
        soup_message_set_request_body_from_bytes(msg, type, bytes);
        g_bytes_unref(bytes);
    }
    GBytes *reply = soup_session_send_and_read(session, msg, NULL, NULL);
    guint status = soup_message_get_status(msg);
    if (body_out)
        *body_out = reply ? g_strndup(g_bytes_get_data(reply, NULL), g_bytes_get_size(reply))
                          : g_strdup("");
    if (reply)
        g_bytes_unref(reply);
    g_object_unref(msg);
    g_object_unref(session);
    return status;
}

char *demo_webmoney_endpoint(const char *page_url)
{
    const char *at = page_url ? strstr(page_url, "/lmi/") : NULL;
    return at ? g_strndup(page_url, (gsize)(at - page_url)) : NULL;
}

gboolean demo_webmoney_pay_on_page(const char *page_url, const char *wmid, const char *purse,
                                   char **answer_out)
{
    g_autofree char *endpoint = demo_webmoney_endpoint(page_url);
    g_autofree char *page = NULL;
    if (answer_out)
        *answer_out = NULL;
    if (endpoint == NULL || exchange("GET", page_url, NULL, NULL, &page) != 200)
        return FALSE;
    /* The page's form carries the invoice number WebMoney opened. */
    const char *marker = "name=\"invoice\" value=\"";
    const char *at = strstr(page, marker);
    if (at == NULL)
        return FALSE;
    at += strlen(marker);
    g_autofree char *invoice = g_strndup(at, strcspn(at, "\""));
    g_autofree char *form = soup_form_encode("invoice", invoice, "payer_wmid", wmid, "payer_purse",
                                             purse, "action", "pay", NULL);
    g_autofree char *url = g_strconcat(endpoint, "/pay/confirm", NULL);
    char *answer = NULL;
    guint status = exchange("POST", url, "application/x-www-form-urlencoded", form, &answer);
    /* Paid: a redirect back to the shop, or WebMoney's own "complete" page. */
    gboolean paid =
        status / 100 == 3 || (status == 200 && strstr(answer, "payment complete") != NULL);
    if (answer_out)
        *answer_out = answer;
    else
        g_free(answer);
    return paid;
}

/* The next of a number that must grow for every request the payer signs:
 * the wall clock in tenths of a millisecond, or one more than the last. */
static gint64 next_number(gint64 *last)
{
    gint64 now = g_get_real_time() / 100, seen, next;
    do {
        seen = __atomic_load_n(last, __ATOMIC_SEQ_CST);
        next = now > seen ? now : seen + 1;
    } while (!__atomic_compare_exchange_n(last, &seen, next, FALSE, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    return next;
}

gboolean demo_webmoney_send_protected(const char *endpoint, const char *payee_purse,
                                      const char *amount, int days, const char *code,
                                      const char *description)
{
    static gint64 last_reqn = 0;
    if (endpoint == NULL)
        return FALSE;
    g_autofree char *url = g_strconcat(endpoint, "/asp/XMLTrans.asp", NULL);
    g_autofree char *period = g_strdup_printf("%d", days);
    g_autofree char *desc = g_markup_escape_text(description, -1);
    g_autofree char *pcode = g_markup_escape_text(code, -1);
    /* 102 (reqn not above the last: another thread's request came first)
     * did nothing: sign again with a fresh number. */
    for (int attempt = 0; attempt < 5; attempt++) {
        /* reqn grows per WMID; tranid is the payer's own unique 32-bit
         * number (the same clock, folded). */
        gint64 number = next_number(&last_reqn);
        g_autofree char *reqn = g_strdup_printf("%" G_GINT64_FORMAT, number);
        g_autofree char *tranid = g_strdup_printf("%u", (unsigned)(number % 2000000000) + 1);
        g_autofree char *source = g_strconcat(reqn, tranid, DEMO_WM_PAYER_PURSE, payee_purse,
                                              amount, period, code, description, PAYER_SECRET,
                                              NULL);
        g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, source, -1);
        g_autofree char *xml = g_strdup_printf(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><w3s.request><reqn>%s</reqn>"
            "<wmid>%s</wmid><sha256>%s</sha256><trans><tranid>%s</tranid>"
            "<pursesrc>%s</pursesrc><pursedest>%s</pursedest><amount>%s</amount>"
            "<period>%s</period><pcode>%s</pcode><desc>%s</desc><wminvid></wminvid></trans>"
            "</w3s.request>",
            reqn, DEMO_WM_PAYER_WMID, hash, tranid, DEMO_WM_PAYER_PURSE, payee_purse, amount,
            period, pcode, desc);
        g_autofree char *answer = NULL;
        if (exchange("POST", url, "text/xml", xml, &answer) != 200)
            return FALSE;
        if (strstr(answer, "<retval>102</retval>") == NULL)
            return strstr(answer, "<retval>0</retval>") != NULL;
    }
    return FALSE;
}
