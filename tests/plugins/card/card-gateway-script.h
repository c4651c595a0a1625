// A scripted card gateway for the card plugin's tests: a libsoup 3 server
// on 127.0.0.1 (ephemeral port) that answers each request with the next
// queued answer — documented gateway JSON written by the test — and
// records what the plugin sent. It knows nothing of the protocol: the test
// decides every answer, so each mapping can be checked on its own. Runs in
// its own thread; every method may be called from the test's thread.
#ifndef CARD_GATEWAY_SCRIPT_H
#define CARD_GATEWAY_SCRIPT_H

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <glib.h>

struct ScriptedRequest {
    std::string method;
    std::string path;  // without the query
    std::string query; // "" when none
    std::map<std::string, std::string> headers; // names lower-cased
    std::string body;
    std::map<std::string, std::string> form; // the body, decoded
};

class ScriptedGateway {
public:
    ScriptedGateway();
    ~ScriptedGateway();
    ScriptedGateway(const ScriptedGateway &) = delete;
    ScriptedGateway &operator=(const ScriptedGateway &) = delete;

    // "http://127.0.0.1:PORT".
    const std::string &base() const { return base_; }

    // Queue an answer: status and JSON body (extra headers optional).
    void answer(int status, const std::string &json,
                const std::map<std::string, std::string> &headers = {});
    // Queue a dropped request: the connection is closed unanswered.
    void drop();

    // Every request received so far, oldest first.
    std::vector<ScriptedRequest> requests();
    // Answers still queued.
    size_t pending();

private:
    struct Answer {
        bool drop = false;
        int status = 200;
        std::string body;
        std::map<std::string, std::string> headers;
    };
    static void handle(void *server, void *msg, const char *path, GHashTable *query,
                       gpointer self);
    static gpointer run(gpointer self);

    std::mutex lock_;
    std::vector<Answer> queue_;
    std::vector<ScriptedRequest> seen_;
    std::string base_;
    GMainContext *context_ = nullptr;
    GMainLoop *loop_ = nullptr;
    GThread *thread_ = nullptr;
    void *server_ = nullptr;
};

#endif
