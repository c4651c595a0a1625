/* The checkout pages' HTML: escaping, the page frame and its security
 * headers, and the translation table (English and Chinese: Alipay's
 * buyers read Chinese).
 *
 * Pages carry no inline script or style, so the Content-Security-Policy
 * can forbid both: a value that slipped past escaping still could not run. */
#include <stdarg.h>
#include <string.h>

#include <libsoup/soup.h>
#include <tender/decline.h>

#include "checkout.h"

typedef struct {
    const char *key;
    const char *en;
    const char *zh;
} Text;

/* Every sentence a page shows. A key missing its Chinese falls back to
 * the English (checkout_text). */
static const Text texts[] = {
    {"title_checkout", "Checkout", "结账"},
    {"title_not_found", "Payment page not found", "找不到付款页面"},
    {"not_found",
     "This payment page does not exist or has expired. Go back to the shop to start again.",
     "此付款页面不存在或已过期。请返回商店重新开始。"},
    {"title_tampered", "Payment details changed", "付款信息被更改"},
    {"tampered",
     "The payment details sent do not match this order. Nothing was charged. Reload the page and "
     "try again.",
     "提交的付款信息与订单不符，未扣款。请刷新页面后重试。"},
    {"title_busy", "Payment in progress", "付款处理中"},
    {"busy", "A payment for this order is already being processed. Nothing was charged twice.",
     "此订单的付款正在处理中，不会重复扣款。"},
    {"title_error", "Something went wrong", "出现问题"},
    {"error",
     "The payment could not be handled just now. Nothing was charged twice. Try again in a moment.",
     "暂时无法处理付款，不会重复扣款。请稍后再试。"},
    {"order_total", "Order total", "订单金额"},
    {"methods_offered", "Choose how to pay", "选择付款方式"},
    {"methods_not_offered", "Not available for this order", "此订单不可用"},
    {"fee", "Fee", "手续费"},
    {"fee_none", "none", "无"},
    {"total", "Total", "合计"},
    {"exchange", "Exchange rate", "汇率"},
    {"method_not_on_page", "Not payable on this page yet.", "暂不支持在此页面付款。"},
    {"card_heading", "Pay by card", "银行卡付款"},
    {"card_number", "Card number", "卡号"},
    {"card_exp_month", "Expiry month (MM)", "有效期月份 (MM)"},
    {"card_exp_year", "Expiry year (YYYY)", "有效期年份 (YYYY)"},
    {"card_cvc", "Security code", "安全码"},
    {"card_holder", "Name on card", "持卡人姓名"},
    {"card_brand", "Card brand", "卡组织"},
    {"pay", "Pay", "支付"},
    {"errors_heading", "Please check the highlighted fields.", "请检查标出的字段。"},
    {"err_number_missing", "Enter the card number.", "请输入卡号。"},
    {"err_number_chars", "The card number may contain only digits and spaces.",
     "卡号只能包含数字和空格。"},
    {"err_number_length", "The card number has too few or too many digits.", "卡号位数不正确。"},
    {"err_number_luhn", "This card number is not valid: check it and enter it again.",
     "卡号无效，请检查后重新输入。"},
    {"err_expiry_missing", "Enter the expiry month and year.", "请输入有效期月份和年份。"},
    {"err_expiry_invalid", "The expiry date is not valid (month 01–12, year YYYY).",
     "有效期无效（月份 01–12，年份 YYYY）。"},
    {"err_expiry_past", "This card has expired: check the date or use another card.",
     "此卡已过期，请检查日期或换一张卡。"},
    {"err_cvc_missing", "Enter the security code from the back of the card.",
     "请输入卡背面的安全码。"},
    {"err_cvc_length", "The security code is 3 digits (4 on American Express).",
     "安全码为 3 位数字（美国运通卡为 4 位）。"},
    {"err_holder", "The name is too long or has characters that are not allowed.",
     "姓名过长或包含不允许的字符。"},
    {"title_success", "Payment successful", "支付成功"},
    {"success_paid", "You paid", "您已支付"},
    {"success_card", "Card", "银行卡"},
    {"success_reference", "Payment reference", "付款编号"},
    {"return_to_shop", "Return to the shop", "返回商店"},
    {"title_declined", "Payment declined", "支付被拒绝"},
    {"declined_intro", "The payment was not accepted.", "付款未被接受。"},
    {"forward_heading", "What you can do", "您可以"},
    {"forward_retry", "Check the details and try again below.", "检查信息后在下方重试。"},
    {"forward_retry_later", "Try again in a few minutes: you will not be charged twice.",
     "请几分钟后重试，不会重复扣款。"},
    {"forward_other_method", "Use another card or another payment method below.",
     "在下方使用其他银行卡或付款方式。"},
    {"forward_contact_bank", "Contact your bank, or use another card or payment method below.",
     "请联系您的银行，或在下方使用其他银行卡或付款方式。"},
    {"forward_start_again", "Start the payment again below.", "请在下方重新付款。"},
    {"title_pending", "Payment being processed", "付款处理中"},
    {"pending",
     "Your payment has been sent and is waiting for the provider's answer. You do not need to pay "
     "again: the shop is told as soon as it is settled.",
     "您的付款已提交，正在等待支付机构确认。无需重复付款，确认后商店会收到通知。"},
    {"title_action", "Confirm with your bank", "向银行确认"},
    {"action", "Your bank asks you to confirm this payment on its page.",
     "您的银行要求您在其页面上确认此付款。"},
    {"action_continue", "Continue to your bank", "前往银行确认"},
    {"title_action_provider", "Confirm the payment", "确认付款"},
    {"action_provider", "Confirm this payment on the payment provider's page.",
     "请在支付机构的页面上确认此付款。"},
    {"action_continue_provider", "Continue to the payment provider", "前往支付机构"},
    {"too_many_attempts", "Too many attempts for this order. Go back to the shop to start again.",
     "此订单尝试次数过多，请返回商店重新开始。"},
    {"pay_with", "Pay with", "使用"},
    {"wm_purse", "WebMoney purse", "WebMoney 钱包"},
    {"wm_purse_hint", "The purse you pay from: its letter and 12 digits, e.g. Z123456789012.",
     "付款钱包：类型字母加 12 位数字，例如 Z123456789012。"},
    {"wm_wmid", "WMID", "WMID"},
    {"wm_wmid_hint", "Your WebMoney ID: 12 digits.", "您的 WebMoney 账号（WMID）：12 位数字。"},
    {"err_purse_missing", "Enter the purse you pay from.", "请输入付款钱包。"},
    {"err_purse_format",
     "Enter a purse of this order's currency: its letter (Z for USD, E for EUR, K for KZT, B for "
     "BYN, V for VND, Y for UZS) and 12 digits.",
     "请输入与订单币种相符的钱包：类型字母（USD 为 Z，EUR 为 E，KZT 为 K，BYN 为 B，VND 为 V，UZS "
     "为 Y）加 12 位数字。"},
    {"err_wmid_missing", "Enter your WMID.", "请输入您的 WMID。"},
    {"err_wmid_format", "A WMID is 12 digits.", "WMID 为 12 位数字。"},
    {"title_qr", "Scan to pay", "扫码支付"},
    {"qr",
     "Scan the code with the app on your phone. This page updates itself once the payment arrives.",
     "请用手机上的应用扫描二维码。付款到账后本页面会自动更新。"},
    {"qr_label", "QR code to pay", "付款二维码"},
    {"qr_open", "Or open the payment page", "或打开付款页面"},
    {"check_again", "Check whether the payment has arrived", "查看付款是否到账"},
    {"language", "中文", "English"},
    {NULL, NULL, NULL},
};

const char *checkout_text(const char *lang, const char *key)
{
    for (const Text *t = texts; t->key; t++)
        if (strcmp(t->key, key) == 0)
            return strcmp(lang, "zh") == 0 && t->zh ? t->zh : t->en;
    return key;
}

/* The advice in Chinese, by what the buyer should do; English reads the
 * decline table's own sentence, per code. */
const char *checkout_advice_text(const char *lang, guint32 decline_code)
{
    const tender_decline_info *d = tender_decline_lookup(decline_code);
    if (strcmp(lang, "zh") != 0)
        return d->advice_text;
    switch (d->advice) {
    case TENDER_ADVICE_CHECK_DETAILS:
        return "付款信息有误：请检查后重新输入。";
    case TENDER_ADVICE_ADD_FUNDS:
        return "余额不足：请充值或使用其他付款方式。";
    case TENDER_ADVICE_CONTACT_ISSUER:
        return "发卡机构拒绝了付款：请联系您的银行或使用其他付款方式。";
    case TENDER_ADVICE_USE_OTHER_METHOD:
        return "此付款方式不可用于本次付款：请使用其他付款方式。";
    case TENDER_ADVICE_TRY_LATER:
        return "支付服务暂时不可用：请稍后重试，不会重复扣款。";
    case TENDER_ADVICE_UPDATE_METHOD:
        return "此付款方式已过期：请更新或使用其他付款方式。";
    case TENDER_ADVICE_AUTHENTICATE:
        return "此付款需要验证：请完成验证后重试。";
    case TENDER_ADVICE_START_AGAIN:
        return "付款未完成：请重新开始付款。";
    case TENDER_ADVICE_NONE:
        break;
    }
    return d->advice_text;
}

const char *checkout_forward_key(guint32 decline_code)
{
    switch (tender_decline_lookup(decline_code)->advice) {
    case TENDER_ADVICE_CHECK_DETAILS:
    case TENDER_ADVICE_AUTHENTICATE:
        return "forward_retry";
    case TENDER_ADVICE_TRY_LATER:
        return "forward_retry_later";
    case TENDER_ADVICE_ADD_FUNDS:
    case TENDER_ADVICE_USE_OTHER_METHOD:
    case TENDER_ADVICE_UPDATE_METHOD:
        return "forward_other_method";
    case TENDER_ADVICE_CONTACT_ISSUER:
        return "forward_contact_bank";
    case TENDER_ADVICE_START_AGAIN:
    case TENDER_ADVICE_NONE:
        break;
    }
    return "forward_start_again";
}

const char *checkout_page_lang(const ServiceRequest *req, const CheckoutSession *s)
{
    const char *asked = req->query ? g_hash_table_lookup(req->query, "lang") : NULL;
    if (asked && (strcmp(asked, "en") == 0 || strcmp(asked, "zh") == 0))
        return asked;
    if (s)
        return s->locale;
    /* Only the first (preferred) language of Accept-Language counts. */
    const char *accept = service_request_header(req, "Accept-Language");
    if (accept && g_ascii_strncasecmp(accept, "zh", 2) == 0)
        return "zh";
    return "en";
}

void checkout_html_escape(GString *out, const char *text)
{
    for (const char *c = text ? text : ""; *c; c++) {
        switch (*c) {
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '"':
            g_string_append(out, "&quot;");
            break;
        case '\'':
            g_string_append(out, "&#39;");
            break;
        default:
            g_string_append_c(out, *c);
        }
    }
}

/* printf where every %s argument is escaped: pages are built only
 * through this and checkout_html_escape, so nothing reaches the page
 * unescaped by accident. Literal markup goes in the format. */
void checkout_html_printf(GString *out, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    for (const char *c = format; *c; c++) {
        if (*c != '%') {
            g_string_append_c(out, *c);
            continue;
        }
        c++;
        if (*c == 's') {
            checkout_html_escape(out, va_arg(ap, const char *));
        } else if (*c == 'd') {
            g_string_append_printf(out, "%d", va_arg(ap, int));
        } else if (*c == '%') {
            g_string_append_c(out, '%');
        } else {
            g_warn_if_reached();
            break;
        }
    }
    va_end(ap);
}

void checkout_html_begin(GString *out, const char *lang, const char *title)
{
    checkout_html_printf(
        out,
        "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>%s</title>\n"
        "<link rel=\"stylesheet\" href=\"/checkout-assets/checkout.css\">\n"
        "<script src=\"/checkout-assets/checkout.js\" defer></script>\n"
        "</head>\n<body>\n<main>\n",
        strcmp(lang, "zh") == 0 ? "zh-CN" : "en", title);
}

void checkout_html_end(GString *out)
{
    g_string_append(out, "</main>\n</body>\n</html>\n");
}

static void security_headers(ServiceResponse *resp)
{
    /* No inline script or style, nothing from elsewhere, never framed
     * (clickjacking a pay button). form-action is left out: Chromium
     * applies it to the redirect after a submit, and the 3-D Secure page
     * is on the gateway's origin. */
    service_response_add_header(resp, "Content-Security-Policy",
                                "default-src 'none'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                                "frame-ancestors 'none'");
    service_response_add_header(resp, "X-Content-Type-Options", "nosniff");
    service_response_add_header(resp, "Referrer-Policy", "no-referrer");
    service_response_add_header(resp, "Cache-Control", "no-store");
}

void checkout_respond_html(ServiceResponse *resp, guint status, GString *html)
{
    g_clear_pointer(&resp->body, g_bytes_unref);
    g_free(resp->content_type);
    resp->status = status;
    resp->content_type = g_strdup("text/html; charset=utf-8");
    resp->body = g_string_free_to_bytes(html);
    security_headers(resp);
}

void checkout_respond_redirect(ServiceResponse *resp, const char *location)
{
    resp->status = 303;
    g_free(resp->content_type);
    resp->content_type = g_strdup("text/plain; charset=utf-8");
    resp->body = g_bytes_new_static("", 0);
    service_response_add_header(resp, "Location", location);
    service_response_add_header(resp, "Cache-Control", "no-store");
}

void checkout_respond_message(ServiceResponse *resp, guint status, const char *lang,
                              const char *title_key, const char *text_key)
{
    GString *html = g_string_new(NULL);
    const char *title = checkout_text(lang, title_key);
    checkout_html_begin(html, lang, title);
    checkout_html_printf(html, "<h1>%s</h1>\n<p class=\"message\">%s</p>\n", title,
                         checkout_text(lang, text_key));
    checkout_html_end(html);
    checkout_respond_html(resp, status, html);
}

GHashTable *checkout_form_decode(const ServiceRequest *req)
{
    gsize len = 0;
    const char *data = req->body ? g_bytes_get_data(req->body, &len) : "";
    g_autofree char *text = g_strndup(data, len);
    GHashTable *form = soup_form_decode(text);
    /* The body may hold a card number or an API key. */
    explicit_bzero(text, len);
    return form;
}

void checkout_form_free(GHashTable *form)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, form);
    while (g_hash_table_iter_next(&it, NULL, &value))
        if (value)
            explicit_bzero(value, strlen(value));
    g_hash_table_unref(form);
}
