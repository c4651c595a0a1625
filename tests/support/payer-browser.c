/* One HTTP exchange as the payer's browser makes it (payer-browser.h). */
#include "payer-browser.h"

#include <string.h>

#include <libsoup/soup.h>

TestBrowserAnswer test_browser_send(const char *method, const char *url, const char *content_type,
                                    const char *body)
{
    TestBrowserAnswer out = {0, NULL, NULL};
    SoupSession *session = soup_session_new_with_options("timeout", 10, NULL);
    SoupMessage *msg = soup_message_new(method, url);
    if (msg == NULL) {
        g_object_unref(session);
        out.body = g_strdup("");
        return out;
    }
    soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
    if (content_type != NULL) {
        GBytes *bytes = g_bytes_new(body ? body : "", body ? strlen(body) : 0);
        soup_message_set_request_body_from_bytes(msg, content_type, bytes);
        g_bytes_unref(bytes);
    }
    GBytes *reply = soup_session_send_and_read(session, msg, NULL, NULL);
    gsize len = 0;
    const char *data = reply ? g_bytes_get_data(reply, &len) : NULL;
    out.body = g_strndup(data ? data : "", len);
    if (reply)
        g_bytes_unref(reply);
    out.status = soup_message_get_status(msg);
    const char *location =
        soup_message_headers_get_one(soup_message_get_response_headers(msg), "Location");
    out.location = g_strdup(location);
    g_object_unref(msg);
    g_object_unref(session);
    return out;
}

void test_browser_answer_clear(TestBrowserAnswer *answer)
{
    g_free(answer->body);
    g_free(answer->location);
    memset(answer, 0, sizeof *answer);
}
