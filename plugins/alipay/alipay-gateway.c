/* Sending one signed request to gateway.do and reading its answer.
 *
 * Alipay signs an answer over the exact text of its `<method>_response`
 * member as sent (which escapes '/' as "\/"), so the member's text is cut
 * out of the received body (alipay_json_to_params keeps a nested object as
 * its exact text) and verified before anything in it is believed; only then
 * is it read as fields. Re-serialising a parsed object would lose the escapes
 * and refuse genuine answers. */
#include "alipay-gateway.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include <tender/sdk-glib.h>
#include <tender/sdk.h>

#include "alipay-json.h"
#include "alipay-rsa2.h"
#include "alipay-time.h"

/* The browser methods: the gateway answers them with a 302 to the cashier. */
static int is_browser_method(const char *method)
{
    return strcmp(method, "alipay.trade.page.pay") == 0 ||
           strcmp(method, "alipay.trade.wap.pay") == 0;
}

void alipay_reply_clear(AlipayReply *reply)
{
    alipay_params_free(reply->fields);
    memset(reply, 0, sizeof *reply);
}

int alipay_reply_ok(const AlipayReply *reply)
{
    return reply->kind == ALIPAY_REPLY_ANSWER && strcmp(reply->code, "10000") == 0;
}

const char *alipay_reply_field(const AlipayReply *reply, const char *name)
{
    return reply->fields ? alipay_params_get(reply->fields, name) : NULL;
}

AlipayParams *alipay_gateway_request(const AlipayInstance *inst, const char *method,
                                     const AlipayParams *biz, const char *return_url)
{
    AlipayParams *req = alipay_params_new();
    char when[24];
    alipay_beijing_time(tender_now_ms(inst->host), when, sizeof when);
    char *json = alipay_json_from_params(biz);
    alipay_params_set(req, "app_id", inst->app_id);
    alipay_params_set(req, "method", method);
    alipay_params_set(req, "format", "JSON");
    alipay_params_set(req, "charset", "utf-8");
    alipay_params_set(req, "timestamp", when);
    alipay_params_set(req, "version", "1.0");
    /* Empty when not configured: then it is left out of the signature. */
    alipay_params_set(req, "notify_url", inst->notify_url);
    if (return_url)
        alipay_params_set(req, "return_url", return_url);
    alipay_params_set(req, "biz_content", json);
    g_free(json);
    if (!alipay_rsa2_sign_request(inst->app_private, req)) {
        alipay_params_free(req);
        return NULL;
    }
    return req;
}

static void unknown(AlipayReply *reply, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void unknown(AlipayReply *reply, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply->kind = ALIPAY_REPLY_UNKNOWN;
    g_vsnprintf(reply->message, sizeof reply->message, fmt, ap);
    va_end(ap);
}

/* Copy the status members of a verified response member. */
static void read_status(AlipayReply *reply)
{
    const char *v;
    if ((v = alipay_params_get(reply->fields, "code")))
        tender_copy_string(reply->code, sizeof reply->code, v);
    if ((v = alipay_params_get(reply->fields, "msg")))
        tender_copy_string(reply->msg, sizeof reply->msg, v);
    if ((v = alipay_params_get(reply->fields, "sub_code")))
        tender_copy_string(reply->sub_code, sizeof reply->sub_code, v);
    if ((v = alipay_params_get(reply->fields, "sub_msg")))
        tender_copy_string(reply->sub_msg, sizeof reply->sub_msg, v);
}

/* An unsigned refusal that may be believed: the app is unknown to the
 * gateway, which then has no key to sign with and acted on nothing. */
static int unsigned_app_refusal(const AlipayReply *reply)
{
    return strcmp(reply->code, "10000") != 0 &&
           (strcmp(reply->sub_code, "isv.invalid-app-id") == 0 ||
            strcmp(reply->sub_code, "isv.missing-app-id") == 0);
}

void alipay_gateway_read_answer(const char *method, const char *body, size_t body_len,
                                EVP_PKEY *key, AlipayReply *reply)
{
    if (body == NULL || body_len == 0 || memchr(body, '\0', body_len) != NULL) {
        unknown(reply, "the gateway's answer to %s is empty or not text", method);
        return;
    }
    AlipayParams *top = alipay_json_to_params(body);
    if (top == NULL) {
        unknown(reply, "the gateway's answer to %s is not a JSON object", method);
        return;
    }
    char *name = g_strdelimit(g_strconcat(method, "_response", NULL), ".", '_');
    const char *member = alipay_params_get(top, name);
    if (member == NULL)
        member = alipay_params_get(top, "error_response");
    const char *sign = alipay_params_get(top, "sign");
    AlipayParams *fields = member && member[0] == '{' ? alipay_json_to_params(member) : NULL;
    if (fields == NULL) {
        unknown(reply, "the gateway's answer to %s has no %s object", method, name);
    } else {
        reply->fields = fields;
        read_status(reply);
        if (sign && sign[0] && alipay_rsa2_verify(key, member, sign)) {
            reply->kind = ALIPAY_REPLY_ANSWER;
        } else if ((sign == NULL || sign[0] == '\0') && unsigned_app_refusal(reply)) {
            reply->kind = ALIPAY_REPLY_ANSWER;
        } else {
            unknown(reply, "the gateway's answer to %s %s (code %s): not believed", method,
                    sign && sign[0] ? "does not verify with alipay_public_key" : "is not signed",
                    reply->code[0] ? reply->code : "none");
            alipay_params_free(reply->fields);
            reply->fields = NULL;
            reply->code[0] = reply->msg[0] = reply->sub_code[0] = reply->sub_msg[0] = '\0';
        }
    }
    g_free(name);
    alipay_params_free(top);
}

static const char *header_value(const tender_http_response *res, const char *name)
{
    for (size_t i = 0; i < res->n_headers; i++)
        if (res->headers[i].name && g_ascii_strcasecmp(res->headers[i].name, name) == 0)
            return res->headers[i].value;
    return NULL;
}

/* An HTML body cut short (a dropped connection the transport could not
 * tell) does not end its document. An empty body is whole. */
static int html_is_whole(const tender_http_response *res)
{
    size_t n = res->body ? res->body_len : 0;
    while (n > 0 && g_ascii_isspace(res->body[n - 1]))
        n--;
    if (n == 0)
        return 1;
    return n >= 7 && g_ascii_strncasecmp(res->body + n - 7, "</html>", 7) == 0;
}

/* The answer to a page/wap pay: the 302 to the cashier, with its page
 * whole. Any other answer could have created the trade or not: a browser
 * page is not signed. */
static void read_redirect(const AlipayInstance *inst, const char *method,
                          const tender_http_response *res, AlipayReply *reply)
{
    const char *location = header_value(res, "Location");
    if (res->status >= 300 && res->status < 400 && location != NULL && html_is_whole(res) &&
        (g_str_has_prefix(location, "https://") ||
         (!inst->live && g_str_has_prefix(location, "http://"))) &&
        strlen(location) < sizeof reply->location) {
        reply->kind = ALIPAY_REPLY_REDIRECT;
        tender_copy_string(reply->location, sizeof reply->location, location);
        return;
    }
    unknown(reply, "%s was answered HTTP %d without a cashier to redirect to", method, res->status);
}

/* POST a form body to url through the host's http service, accepting
 * `accept`; res is the host's answer (release it). */
static uint32_t post_form(const AlipayInstance *inst, const char *url, const char *form,
                          const char *accept, tender_http_response *res)
{
    tender_http_header headers[] = {
        {"Content-Type", "application/x-www-form-urlencoded;charset=utf-8"},
        {"Accept", accept},
    };
    return tender_http_exchange(inst->host, inst->method_id, "POST", url, headers,
                                TENDER_N_ELEMENTS(headers), form, strlen(form), res);
}

void alipay_gateway_call(const AlipayInstance *inst, const char *method, const AlipayParams *biz,
                         const char *return_url, AlipayReply *reply)
{
    memset(reply, 0, sizeof *reply);
    const tender_host_services *host = inst->host;
    if (!inst->has_http) {
        reply->kind = ALIPAY_REPLY_NOT_SENT;
        tender_copy_string(reply->message, sizeof reply->message,
                           "not sent: the host lends no http service (ABI 1.1)");
        return;
    }
    AlipayParams *params = alipay_gateway_request(inst, method, biz, return_url);
    if (params == NULL) {
        reply->kind = ALIPAY_REPLY_NOT_SENT;
        tender_copy_string(reply->message, sizeof reply->message,
                           "not sent: the request could not be signed with app_private_key");
        return;
    }
    char *form = alipay_params_to_form(params);
    alipay_params_free(params);
    tender_http_response res;
    uint32_t outcome =
        post_form(inst, inst->endpoint, form,
                  is_browser_method(method) ? "text/html" : "application/json", &res);
    g_free(form);

    reply->status = res.status;
    if (outcome == TENDER_HTTP_NOT_SENT) {
        reply->kind = ALIPAY_REPLY_NOT_SENT;
        tender_format_string(reply->message, sizeof reply->message, "not sent: %s", res.message);
    } else if (outcome != TENDER_HTTP_RESPONSE) {
        unknown(reply, "no answer from the gateway to %s: %s", method, res.message);
    } else if (is_browser_method(method)) {
        read_redirect(inst, method, &res, reply);
    } else if (res.status != 200) {
        unknown(reply, "the gateway answered %s with HTTP %d", method, res.status);
    } else {
        alipay_gateway_read_answer(method, res.body, res.body_len, inst->alipay_public, reply);
    }
    tender_http_release(host, &res);
    if (reply->kind == ALIPAY_REPLY_NOT_SENT || reply->kind == ALIPAY_REPLY_UNKNOWN)
        tender_log(host, TENDER_LOG_WARNING, inst->method_id, "%s", reply->message);
}

int alipay_gateway_submit_page(const AlipayInstance *inst, const char *url, const char *form,
                               char *message, size_t message_size)
{
    const tender_host_services *host = inst->host;
    if (!inst->has_http) {
        tender_copy_string(message, message_size, "the host lends no http service");
        return 0;
    }
    tender_http_response res;
    uint32_t outcome = post_form(inst, url, form, "text/html", &res);
    int status = 0;
    if (outcome == TENDER_HTTP_RESPONSE)
        status = res.status;
    else
        tender_copy_string(message, message_size, res.message);
    tender_http_release(host, &res);
    return status;
}
