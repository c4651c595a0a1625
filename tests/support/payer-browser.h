/* The payer's browser for tests, on a provider's pages served by a
 * tender-sandbox (a 3-D Secure page, a cashier, an approval page) and for
 * the sandbox's control endpoints: one synchronous HTTP exchange, redirects
 * not followed so that a test sees them. Thread-safe (a session per call). */
#ifndef TENDER_TEST_PAYER_BROWSER_H
#define TENDER_TEST_PAYER_BROWSER_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    guint status;   /* HTTP status; 0 when no answer came */
    char *body;     /* the answer's body (NUL-terminated; "" when none) */
    char *location; /* the Location header, NULL when absent */
} TestBrowserAnswer;

/* Send method to url, with body (content_type set) when content_type is not
 * NULL. Free the answer with test_browser_answer_clear. */
TestBrowserAnswer test_browser_send(const char *method, const char *url, const char *content_type,
                                    const char *body);
void test_browser_answer_clear(TestBrowserAnswer *answer);

G_END_DECLS

#ifdef __cplusplus
#include <string>

/* The same for C++ tests, with the answer copied out. */
struct TestExchange {
    int status = 0;
    std::string body;
    std::string location;
};

inline TestExchange test_http(const std::string &method, const std::string &url,
                              const std::string &type = "", const std::string &body = "")
{
    TestBrowserAnswer a = test_browser_send(method.c_str(), url.c_str(),
                                            type.empty() ? nullptr : type.c_str(), body.c_str());
    TestExchange out;
    out.status = (int)a.status;
    out.body = a.body;
    out.location = a.location ? a.location : "";
    test_browser_answer_clear(&a);
    return out;
}
#endif

#endif
