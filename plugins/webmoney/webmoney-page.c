/* The payer on tender-sandbox's payment page, in sandbox mode only.
 *
 * A payment-page payment is finished by the payer at WebMoney, out of the
 * merchant's reach. To drive it from Tender (`tender complete ID --param
 * payer_action=pay`, the conformance fixtures), sandbox mode lets
 * complete_action do what the payer's browser would: open the page the
 * purchase redirected to and submit its form from the purse and WMID the
 * purchase named. Then sync asks X18, as after any payer's return. Live, the
 * payer pays on WebMoney's own page and this is refused. */
#include <string.h>

#include "webmoney.h"

/* One request through the host's http service; the answer's status (0
 * when none) and, when body is given, its text (g_free it). */
static int page_request(const wm_instance *wm, const char *method, const char *url,
                        const char *form, char **body)
{
    const tender_host_services *host = wm->host;
    tender_http_header headers[] = {{"Content-Type", "application/x-www-form-urlencoded"},
                                    {"Accept", "text/html"}};
    tender_http_response res;
    int status = 0;
    if (tender_http_exchange(host, wm->method_id, method, url, form ? headers : headers + 1,
                             form ? 2 : 1, form, form ? strlen(form) : 0,
                             &res) == TENDER_HTTP_RESPONSE) {
        status = res.status;
        if (body)
            *body = g_strndup(res.body ? res.body : "", res.body_len);
    }
    tender_http_release(host, &res);
    return status;
}

int wm_page_pay_as_payer(const wm_instance *wm, const char *page_url, const char *wmid,
                         const char *purse, char *why, size_t why_size)
{
    if (!wm->has_http) {
        tender_copy_string(why, why_size, "the host lends no http service");
        return 0;
    }
    char *page = NULL;
    int status = page_request(wm, "GET", page_url, NULL, &page);
    /* The page's form names the invoice WebMoney opened for the payment. */
    const char *marker = "name=\"invoice\" value=\"";
    const char *at = page ? strstr(page, marker) : NULL;
    if (status != 200 || at == NULL) {
        g_snprintf(why, why_size, "the payment page did not open (HTTP %d)", status);
        g_free(page);
        return 0;
    }
    at += strlen(marker);
    char *invoice = g_strndup(at, strcspn(at, "\""));
    g_free(page);
    GString *form = g_string_new(NULL);
    tender_form_append_pair(form, "invoice", invoice, 0);
    tender_form_append_pair(form, "payer_wmid", wmid, 0);
    tender_form_append_pair(form, "payer_purse", purse, 0);
    tender_form_append_pair(form, "action", "pay", 0);
    char *url = g_strconcat(wm->endpoint, "/pay/confirm", NULL);
    char *answer = NULL;
    status = page_request(wm, "POST", url, form->str, &answer);
    /* Paid: a redirect back, or WebMoney's "complete" page. */
    int paid = status / 100 == 3 || (status == 200 && answer && strstr(answer, "payment complete"));
    if (!paid)
        g_snprintf(why, why_size, "WebMoney did not take the payment (HTTP %d)", status);
    g_free(answer);
    g_free(url);
    g_string_free(form, TRUE);
    g_free(invoice);
    return paid;
}
