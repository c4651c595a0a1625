/* The payer's pages: plain HTML documents with no script, so that a person
 * with a keyboard or a screen reader, a headless browser and a test that
 * reads the form with a parser all get the same page. */
#include <string.h>

#include "sandbox-private.h"

char *sandbox_html_escape(const char *text)
{
    return g_markup_escape_text(text ? text : "", -1);
}

void sandbox_page_respond(SoupServerMessage *msg, guint status, const char *title,
                          const char *body_html)
{
    g_autofree char *escaped_title = sandbox_html_escape(title);
    g_autofree char *page = g_strdup_printf(
        "<!DOCTYPE html>\n"
        "<html lang=\"en\">\n"
        "<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>%s</title>\n"
        "<style>body{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;"
        "line-height:1.5}label{display:block;margin-top:1rem}input,button{font-size:1rem;"
        "padding:.4rem}button{margin-top:1rem}</style>\n"
        "</head>\n"
        "<body>\n"
        "<main>\n"
        "<h1>%s</h1>\n"
        "%s\n"
        "<p><small>tender-sandbox: a simulated provider for tests; no real money "
        "moves.</small></p>\n"
        "</main>\n"
        "</body>\n"
        "</html>\n",
        escaped_title, escaped_title, body_html ? body_html : "");
    sandbox_respond(msg, status, "text/html; charset=utf-8", page, strlen(page));
    SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
    /* No script may run, whatever a caller's body_html holds; forms may
     * still post anywhere, since a page ends by sending the payer back to
     * the merchant. */
    soup_message_headers_replace(h, "Content-Security-Policy",
                                 "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    soup_message_headers_replace(h, "Cache-Control", "no-store");
}
