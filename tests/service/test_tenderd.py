"""tenderd driven over HTTP with a real client (urllib): every route, every
error, idempotent replay and conflict, concurrent same-key requests,
provider webhooks in, signed merchant webhooks out (the signature checked
here), delivery after kill -9 and a restart, SIGTERM's drain, slow clients,
limits, request logs; every answer checked against GET /v1/openapi.json.

Run by meson (tests/service/meson.build); `python3 test_tenderd.py
GROUP` runs one group (a TestCase class)."""

import hashlib
import hmac
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tenderd_support import (  # noqa: E402
    FIXTURE_DIR,
    TENDER,
    TENDERD,
    Receiver,
    Tenderd,
    check_response,
    cli,
    ignore_sigxfsz,
    is_postgres,
    ledger_holds,
    ledger_location,
    ledger_sql,
    ledger_takes_no_write,
    request,
    test_config,
    wait_until,
)

CARD = "4111111111111111"


class ServiceTest(unittest.TestCase):
    """A tenderd on a fresh ledger with a write and a read key."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tenderd-test-")
        self.ledger = ledger_location(self.tmp)
        self.write_key = cli(self.ledger, "api-key", "create", "shop")["secret"]
        self.read_key = cli(self.ledger, "api-key", "create", "reports", "--scope", "read")["secret"]
        self.svc = Tenderd(self.tmp, self.ledger).start()
        self.doc = json.loads(request(self.svc.url + "/v1/openapi.json").body)

    def tearDown(self):
        self.svc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def call(self, method, template, path=None, body=None, key="write", headers=None, raw=None,
             status=None):
        """One request, checked against the document (and status when given)."""
        k = {"write": self.write_key, "read": self.read_key, None: None}.get(key, key)
        resp = request(self.svc.url + (path or template), method, body, k, headers, raw)
        check_response(self.doc, method, template, resp)
        if status is not None:
            self.assertEqual(resp.status, status, resp.body)
        self.assertTrue(resp.header("Request-Id"), "every answer carries a Request-Id")
        return resp

    def pay(self, method="fx_action", amount="10.00", params=None, key_header=None,
            headers_key="write", **extra):
        body = {"method": method, "amount": amount, "currency": "USD", "region": "US",
                "params": params if params is not None else {"flow": "direct"}}
        body.update(extra)
        headers = {"Idempotency-Key": key_header} if key_header else None
        return self.call("POST", "/v1/payments", body=body, headers=headers, key=headers_key)

    def error_of(self, resp):
        err = resp.json()["error"]
        for field in ("type", "code", "message", "param"):
            self.assertIn(field, err)
        return err


class Routes(ServiceTest):
    def test_health_ready_metrics_and_document(self):
        self.assertEqual(self.call("GET", "/healthz", key=None, status=200).json(), {"status": "ok"})
        ready = self.call("GET", "/readyz", key=None, status=200).json()
        self.assertEqual(ready["status"], "ready")
        self.assertGreater(ready["plugins"], 0)
        self.assertEqual(self.doc["openapi"], "3.1.0")
        # Every route of the table is documented.
        for path in ("/v1/quotes", "/v1/methods", "/v1/plugins", "/v1/limits", "/v1/payments",
                     "/v1/payments/{id}", "/v1/payments/{id}/capture", "/v1/payments/{id}/void",
                     "/v1/payments/{id}/refund", "/v1/payments/{id}/complete",
                     "/v1/payments/{id}/reauthorize",
                     "/v1/payments/{id}/sync", "/v1/webhooks/{method}", "/healthz", "/readyz",
                     "/metrics", "/v1/openapi.json"):
            self.assertIn(path, self.doc["paths"])
        self.pay()
        # A request is counted once its answer is written, after the client
        # may already have read it; a scrape on another connection can come
        # first. So scrape until the payment's request is in.
        paid_line = 'tenderd_requests_total{route="/v1/payments",status="200"} 1'

        def scrape_with_the_payment():
            scrape = self.call("GET", "/metrics", key=None, status=200)
            return scrape if paid_line in scrape.body else None

        metrics = wait_until(scrape_with_the_payment)
        self.assertIsNotNone(metrics, "the payment's request was never counted")
        self.assertTrue(metrics.header("Content-Type").startswith("text/plain"))
        text = metrics.body
        for family in ("tenderd_requests_total", "tenderd_payments_total",
                       "tenderd_plugin_call_duration_seconds", "tenderd_transport_failures_total",
                       "tenderd_idempotent_replays_total", "tenderd_webhook_deliveries_total",
                       "tenderd_outbox_depth"):
            self.assertIn("# TYPE " + family, text)
        self.assertIn('tenderd_payments_total{method="fx_action",outcome="authorized"} 1', text)
        self.assertIn(paid_line, text)
        self.assertIn('tenderd_plugin_call_duration_seconds_count{method="fx_action",'
                      'operation="authorize"} 1', text)

    def test_transport_failures_are_counted_by_method_and_class(self):
        # One request the allow-list refuses (a host outside the endpoint's),
        # one the provider refuses to connect: neither reaches anyone.
        self.pay(method="fx_http", params={"url": "http://198.51.100.7/pay"})
        self.pay(method="fx_http", params={"path": "/pay"})
        text = self.call("GET", "/metrics", key=None, status=200).body
        self.assertIn('tenderd_transport_failures_total{method="fx_http",class="refused"} 1', text)
        self.assertIn('tenderd_transport_failures_total{method="fx_http",class="not_sent"} 1', text)
        self.assertIn('tenderd_transport_failures_total{method="fx_http",class="unknown"} 0', text)
        self.assertIn('tenderd_transport_failures_total{method="fx_action",class="not_sent"} 0',
                      text)

    def test_catalog(self):
        quotes = self.call("POST", "/v1/quotes", body={"region": "US", "currency": "USD",
                                                        "amount": "10.00"}, key="read",
                           status=200).json()
        offered = [q["method"] for q in quotes["methods"] if q["offered"]]
        self.assertIn("fx_action", offered)
        methods = self.call("GET", "/v1/methods", key="read", status=200).json()["methods"]
        self.assertIn("fx_notify", [m["id"] for m in methods])
        plugins = self.call("GET", "/v1/plugins", key="read", status=200).json()
        self.assertIn("fx-action", [p["id"] for p in plugins["plugins"]])
        # The same JSON as `tender --json methods`: one encoder.
        via_cli = cli(self.ledger, "--config", self.svc.config, "methods", "--region", "US",
                      "--currency", "USD", "--amount", "10.00", check=False)
        self.assertEqual(quotes["methods"], via_cli["methods"])

    def test_reauthorize_route(self):
        # fx_action predates ABI 1.2's reauthorize: a clear refusal, nothing
        # changed (tests/plugins/paypal covers a reauthorization that succeeds).
        p = self.pay(amount="10.00").json()
        path = f"/v1/payments/{p['id']}/reauthorize"
        resp = self.call("POST", "/v1/payments/{id}/reauthorize", path, body={"amount": "5.00"},
                         status=400)
        err = self.error_of(resp)
        self.assertEqual(err["code"], "not_supported")
        self.assertIn("reauthorize", err["message"])
        self.call("POST", "/v1/payments/{id}/reauthorize", path, body={"amount": "5.00"},
                  key="read", status=403)
        self.call("POST", "/v1/payments/{id}/reauthorize", path, body={"amount": 5},
                  status=400)
        self.call("POST", "/v1/payments/{id}/reauthorize", "/v1/payments/pay_nope/reauthorize",
                  body={}, status=404)
        got = self.call("GET", "/v1/payments/{id}", f"/v1/payments/{p['id']}", key="read",
                        status=200).json()
        self.assertEqual(got["status"], "authorized")
        self.assertEqual(got["amount"], "10.00")

    def test_payment_lifecycle(self):
        p = self.pay(amount="10.00").json()
        self.assertEqual(p["status"], "authorized")
        got = self.call("GET", "/v1/payments/{id}", f"/v1/payments/{p['id']}", key="read",
                        status=200).json()
        self.assertEqual(got["id"], p["id"])
        self.assertTrue(got["operations_included"])
        cap = self.call("POST", "/v1/payments/{id}/capture", f"/v1/payments/{p['id']}/capture",
                        body={"amount": "4.00"}, status=200).json()
        # fx_action captures once: a partial capture releases the rest.
        self.assertEqual(cap["status"], "captured")
        self.assertEqual(cap["captured"], "4.00")
        ref = self.call("POST", "/v1/payments/{id}/refund", f"/v1/payments/{p['id']}/refund",
                        body={"amount": "1.50"}, status=200).json()
        self.assertEqual(ref["refunded"], "1.50")
        self.assertEqual(ref["status"], "partially_refunded")
        synced = self.call("POST", "/v1/payments/{id}/sync", f"/v1/payments/{p['id']}/sync",
                           status=200).json()
        self.assertEqual(synced["id"], p["id"])
        # Void another; then a capture on it is a state conflict.
        q = self.pay().json()
        voided = self.call("POST", "/v1/payments/{id}/void", f"/v1/payments/{q['id']}/void",
                           body={}, status=200).json()
        self.assertEqual(voided["status"], "voided")
        conflict = self.call("POST", "/v1/payments/{id}/capture",
                             f"/v1/payments/{q['id']}/capture", status=409)
        self.assertEqual(self.error_of(conflict)["code"], "invalid_state")
        # Over-capture names the amount.
        r = self.pay(amount="5.00").json()
        over = self.call("POST", "/v1/payments/{id}/capture", f"/v1/payments/{r['id']}/capture",
                         body={"amount": "50.00"}, status=400)
        self.assertEqual(self.error_of(over)["param"], "amount")

    def test_complete_an_action(self):
        p = self.pay(params={}).json()
        self.assertEqual(p["status"], "requires_action")
        self.assertEqual(p["action"]["kind"], "one_time_code")
        done = self.call("POST", "/v1/payments/{id}/complete", f"/v1/payments/{p['id']}/complete",
                         body={"params": {"otp": "9999"}}, status=200).json()
        self.assertEqual(done["status"], "authorized")
        # A wrong code declines: 402 with the decline.
        q = self.pay(params={}).json()
        wrong = self.call("POST", "/v1/payments/{id}/complete",
                          f"/v1/payments/{q['id']}/complete", body={"params": {"otp": "1"}},
                          status=402)
        err = self.error_of(wrong)
        self.assertEqual(err["decline_code"], "authentication_failed")
        self.assertNotIn('"1"', json.dumps(err.get("payment", {}).get("operations", [])))

    def test_decline_is_402_with_code_retry_and_advice(self):
        resp = self.pay(method="fx_echo", params={"number": CARD, "outcome": "decline",
                                                   "where": "message"})
        self.assertEqual(resp.status, 402)
        err = self.error_of(resp)
        self.assertEqual(err["type"], "payment_error")
        self.assertEqual(err["code"], "payment_declined")
        self.assertEqual(err["decline_code"], "invalid_security_code")
        self.assertIn("retryable", err)
        self.assertTrue(err["advice"])
        self.assertEqual(err["payment"]["status"], "declined")
        # The careless plugin echoed the card number: it reaches no answer
        # and no log line.
        self.assertNotIn(CARD, resp.body)
        self.assertNotIn(CARD, self.svc.logs())

    def test_list_with_cursor_pagination(self):
        made = [self.pay(account="acct-list").json()["id"] for _ in range(5)]
        seen = []
        path = "/v1/payments?account=acct-list&limit=2"
        while True:
            page = self.call("GET", "/v1/payments", path, key="read", status=200).json()
            seen += [p["id"] for p in page["payments"]]
            for p in page["payments"]:
                self.assertFalse(p["operations_included"])
            if not page["has_more"]:
                self.assertIsNone(page["next_starting_after"])
                break
            self.assertEqual(len(page["payments"]), 2)
            path = ("/v1/payments?account=acct-list&limit=2&starting_after="
                    + page["next_starting_after"])
        self.assertEqual(sorted(seen), sorted(made))
        self.assertEqual(len(seen), len(set(seen)))
        only = self.call("GET", "/v1/payments", "/v1/payments?status=authorized&method=fx_action"
                         "&from=2000-01-01T00:00:00Z", key="read", status=200).json()
        self.assertGreaterEqual(len(only["payments"]), 5)


class Errors(ServiceTest):
    def test_auth(self):
        none = self.call("GET", "/v1/payments", key=None, status=401)
        self.assertEqual(self.error_of(none)["type"], "authentication_error")
        self.assertEqual(none.header("WWW-Authenticate")[:6], "Bearer")
        bad = self.call("GET", "/v1/payments", key="tsk_" + "0" * 64, status=401)
        self.assertEqual(self.error_of(bad)["code"], "invalid_api_key")
        # A read key reads and quotes, but moves no money.
        self.call("GET", "/v1/payments", key="read", status=200)
        for template, path in (("/v1/payments", "/v1/payments"),
                               ("/v1/payments/{id}/capture", "/v1/payments/x/capture"),
                               ("/v1/payments/{id}/refund", "/v1/payments/x/refund")):
            denied = self.call("POST", template, path, body={}, key="read", status=403)
            self.assertEqual(self.error_of(denied)["type"], "permission_error")
        # Revoked: 401 within the second tenderd may keep a verified key,
        # without a restart. (The read key was verified just above.)
        keys = cli(self.ledger, "api-key", "list")["api_keys"]
        read_id = [k["id"] for k in keys if k["name"] == "reports"][0]
        cli(self.ledger, "api-key", "revoke", read_id)
        revoked_at = time.monotonic()
        self.assertTrue(wait_until(lambda: request(self.svc.url + "/v1/payments",
                                                   key=self.read_key).status == 401,
                                   timeout=5, step=0.05))
        self.assertLess(time.monotonic() - revoked_at, 2.5, "revocation took effect in time")
        self.call("GET", "/v1/payments", key="read", status=401)
        listed = cli(self.ledger, "api-key", "list")["api_keys"]
        self.assertTrue([k for k in listed if k["id"] == read_id][0]["revoked_at"])
        # Only a hash is stored: the secrets are in no file (SQLite) or row
        # (PostgreSQL) of the ledger.
        self.assertEqual(ledger_holds(self.ledger, self.write_key), [])
        self.assertEqual(ledger_holds(self.ledger, self.read_key), [])
        self.assertNotEqual(ledger_holds(self.ledger, read_id), [], "the scan sees the rows")
        # Webhooks and health need no key.
        self.call("GET", "/healthz", key=None, status=200)

    def test_bad_input_names_the_field(self):
        cases = [
            (b"{not json", None, "invalid_json"),
            (b"[1, 2]", None, "invalid_json"),
            (json.dumps({"method": "fx_action", "amount": "1", "currency": "USD",
                         "region": "US", "colour": "red"}).encode(), "colour", "parameter_unknown"),
            (json.dumps({"method": "fx_action", "amount": 1, "currency": "USD",
                         "region": "US"}).encode(), "amount", "parameter_invalid_type"),
            (json.dumps({"method": "fx_action", "amount": "1", "region": "US"}).encode(),
             "currency", "parameter_missing"),
            (json.dumps({"method": "fx_action", "amount": "1", "currency": "USD", "region": "US",
                         "params": {"flow": 3}}).encode(), "params.flow",
             "parameter_invalid_type"),
            (json.dumps({"method": "fx_action", "amount": "1", "currency": "USD", "region": "US",
                         "capture": "yes"}).encode(), "capture", "parameter_invalid_type"),
        ]
        for raw, param, code in cases:
            resp = self.call("POST", "/v1/payments", raw=raw,
                             headers={"Content-Type": "application/json"}, status=400)
            err = self.error_of(resp)
            self.assertEqual((err["param"], err["code"]), (param, code), raw)
        unknown_method = self.pay(method="nope")
        self.assertEqual(unknown_method.status, 400)
        self.assertEqual(self.error_of(unknown_method)["param"], "method")
        bad_amount = self.pay(amount="ten")
        self.assertEqual(bad_amount.status, 400)
        self.assertEqual(self.error_of(bad_amount)["type"], "invalid_request_error")
        missing = self.call("GET", "/v1/payments/{id}", "/v1/payments/pay_nope", status=404)
        self.assertEqual(self.error_of(missing)["param"], "id")
        self.call("POST", "/v1/payments/{id}/capture", "/v1/payments/pay_nope/capture",
                  status=404)
        limit = self.call("GET", "/v1/payments", "/v1/payments?limit=0", status=400)
        self.assertEqual(self.error_of(limit)["param"], "limit")
        stray = self.call("GET", "/v1/payments", "/v1/payments?colour=red", status=400)
        self.assertEqual(self.error_of(stray)["param"], "colour")
        cursor = self.call("GET", "/v1/payments", "/v1/payments?starting_after=pay_nope",
                           status=404)
        self.assertEqual(self.error_of(cursor)["param"], "starting_after")
        extra = self.call("POST", "/v1/payments/{id}/void", "/v1/payments/x/void",
                          body={"amount": "1"}, status=400)
        self.assertEqual(self.error_of(extra)["param"], "amount")

    def test_unknown_route_method_and_limits(self):
        resp = request(self.svc.url + "/v2/nothing", key=self.write_key)
        self.assertEqual(resp.status, 404)
        self.assertEqual(resp.json()["error"]["code"], "route_unknown")
        resp = request(self.svc.url + "/v1/payments", "DELETE", key=self.write_key)
        self.assertEqual(resp.status, 405)
        # Over the body cap (4096 in the test config): 413 before the body
        # is read.
        big = json.dumps({"method": "fx_action", "amount": "1", "currency": "USD",
                          "region": "US", "params": {"x": "y" * 5000}}).encode()
        resp = self.call("POST", "/v1/payments", raw=big,
                         headers={"Content-Type": "application/json"}, status=413)
        self.assertEqual(self.error_of(resp)["code"], "body_too_large")
        # A chunked body (no Content-Length) is cut off as it passes the cap.
        host, port = self.svc.url[len("http://"):].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(b"POST /v1/payments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                      + self.write_key.encode()
                      + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
            answer = b""
            try:
                for _ in range(20):
                    s.sendall(b"400\r\n" + b"x" * 0x400 + b"\r\n")
                    time.sleep(0.01)
                s.sendall(b"0\r\n\r\n")
                answer = s.recv(4096)
            except OSError:
                pass  # closed under us: what a too-long body gets
            self.assertNotIn(b"200 OK", answer)
        self.assertTrue(wait_until(lambda: "over the cap" in self.svc.logs()))
        # More header lines than the cap (40): 431.
        many = {f"X-Extra-{i}": "1" for i in range(50)}
        resp = request(self.svc.url + "/healthz", headers=many)
        self.assertEqual(resp.status, 431)
        self.assertEqual(resp.json()["error"]["code"], "too_many_headers")

    def test_a_plugin_fault_is_500(self):
        # fx_bad's sync claims twice the authorization captured: the host
        # refuses a number that breaks the payment's invariants (a plugin
        # fault), leaves the payment for an operator, and tenderd says 500.
        p = self.pay(method="fx_bad", params={"mode": "overcapture"}).json()
        self.assertEqual(p["status"], "authorized")
        resp = self.call("POST", "/v1/payments/{id}/sync", f"/v1/payments/{p['id']}/sync",
                         headers={"Idempotency-Key": "sync-500"}, status=500)
        err = self.error_of(resp)
        self.assertEqual((err["type"], err["code"], err["param"]),
                         ("api_error", "plugin_error", None))
        self.assertIn("invariants", err["message"])
        after = self.call("GET", "/v1/payments/{id}", f"/v1/payments/{p['id']}",
                          status=200).json()
        self.assertEqual(after["captured"], "0.00", "nothing the plugin claimed was counted")
        # A 5xx is not kept under its idempotency key: a retry runs again.
        again = self.call("POST", "/v1/payments/{id}/sync", f"/v1/payments/{p['id']}/sync",
                          headers={"Idempotency-Key": "sync-500"})
        self.assertNotEqual(again.header("Idempotent-Replayed"), "true")

    def test_a_ledger_that_cannot_be_written_is_503(self):
        if is_postgres(self.ledger):
            refused, accepted = self.pay_until_the_schema_refuses()
        else:
            refused, accepted = self.pay_until_the_files_are_full()
        self.assertIsNotNone(refused, "the ledger never filled up")
        self.assertEqual(refused.status, 503, refused.body)
        err = self.error_of(refused)
        self.assertEqual((err["type"], err["code"]), ("api_error", "ledger_error"))
        self.assertEqual(refused.header("Retry-After"), "1")
        self.assertEqual(self.svc.proc.poll(), None, "tenderd is still running")
        # Every payment acknowledged before is in the ledger, as `tender`
        # reads it with no limit.
        self.svc.kill()
        self.assertTrue(accepted)
        for pid in accepted[-3:]:
            self.assertEqual(cli(self.ledger, "show", pid)["status"], "authorized")

    def pay_until_the_files_are_full(self):
        """SQLite: the ledger's files may not grow past a few hundred
        kilobytes (as on a full disk): once the WAL reaches that, SQLite's
        writes fail with EFBIG and a payment is refused. The refusal and the
        ids of the payments accepted before it."""
        self.svc.kill()
        limit = os.path.getsize(self.ledger) + 256 * 1024

        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a kill
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        self.svc = Tenderd(self.tmp, self.ledger, preexec_fn=small_files).start()
        accepted = []
        for i in range(400):
            resp = self.pay(key_header=f"full-{i}")
            if resp.status != 200:
                return resp, accepted
            accepted.append(resp.json()["id"])
        return None, accepted

    def pay_until_the_schema_refuses(self):
        """PostgreSQL: the ledger is on the server's disk, not in files of
        tenderd's, so a few payments go through and then the ledger's
        schema refuses every write as a full disk does (SQLSTATE 53100).
        The refusal and the ids of the payments accepted before it."""
        accepted = []
        for i in range(5):
            resp = self.pay(key_header=f"full-{i}")
            self.assertEqual(resp.status, 200, resp.body)
            accepted.append(resp.json()["id"])
        with ledger_takes_no_write(self.ledger, self.svc.proc.pid):
            refused = self.pay(key_header="full-refused")
        # Nothing of the refused payment was kept.
        self.assertEqual(ledger_sql(self.ledger, "SELECT count(*) FROM payments"),
                         [[str(len(accepted))]])
        return refused, accepted

    def test_not_ready_while_the_ledger_takes_no_write_then_ready_again(self):
        self.svc.kill()
        self.svc = Tenderd(self.tmp, self.ledger, preexec_fn=ignore_sigxfsz).start()
        ready = self.call("GET", "/readyz", key=None, status=200).json()
        self.assertEqual((ready["status"], ready["ledger"], ready["reasons"]),
                         ("ready", True, []))
        with ledger_takes_no_write(self.ledger, self.svc.proc.pid):
            resp = self.call("GET", "/readyz", key=None, status=503)
            body = resp.json()
            self.assertEqual((body["status"], body["ledger"]), ("not_ready", False))
            self.assertGreater(body["plugins"], 0)
            self.assertEqual(len(body["reasons"]), 1, body)
            self.assertTrue(body["reasons"][0].startswith("the ledger does not take a write: "),
                            body)
            # What readiness says is what a payment meets: refused, to be
            # retried, nothing acknowledged. The process stays alive.
            refused = self.pay(key_header="while-full")
            self.assertEqual(refused.status, 503, refused.body)
            self.call("GET", "/healthz", key=None, status=200)
        # Space is back: ready again, and the same request now goes through.
        ready = self.call("GET", "/readyz", key=None, status=200).json()
        self.assertEqual((ready["status"], ready["ledger"], ready["reasons"]),
                         ("ready", True, []))
        paid = self.pay(key_header="while-full")
        self.assertEqual(paid.status, 200, paid.body)
        self.assertEqual(cli(self.ledger, "show", paid.json()["id"])["status"], "authorized")

    def test_slow_client_is_dropped(self):
        host, port = self.svc.url[len("http://"):].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
            start = time.monotonic()
            s.settimeout(8)
            data = s.recv(1024)
            elapsed = time.monotonic() - start
        self.assertEqual(data, b"", "the connection is closed, nothing answered")
        self.assertLess(elapsed, 6)
        self.assertGreater(elapsed, 0.5)
        # The service still answers others.
        self.call("GET", "/healthz", key=None, status=200)

    def test_request_logs_are_json_lines_with_the_request_id(self):
        resp = self.call("GET", "/v1/payments", key="read", status=200)
        rid = resp.header("Request-Id")
        line = wait_until(lambda: [l for l in self.svc.log_lines() if l.get("request_id") == rid])
        self.assertTrue(line, self.svc.logs())
        entry = line[0]
        self.assertEqual(entry["msg"], "request")
        self.assertEqual(entry["status"], 200)
        self.assertEqual(entry["route"], "/v1/payments")
        self.assertEqual(entry["method"], "GET")
        self.assertIn("duration_ms", entry)
        self.assertTrue(entry["api_key"].startswith("key_"))
        self.assertNotIn(self.read_key, self.svc.logs())


class Idempotency(ServiceTest):
    def test_replay_and_conflict(self):
        first = self.pay(key_header="order-1")
        self.assertEqual(first.status, 200)
        again = self.pay(key_header="order-1")
        self.assertEqual(again.status, 200)
        self.assertEqual(again.body, first.body)
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        other = self.pay(amount="99.00", key_header="order-1")
        self.assertEqual(other.status, 409)
        self.assertEqual(self.error_of(other)["type"], "idempotency_error")
        pid = first.json()["id"]
        cap1 = self.call("POST", "/v1/payments/{id}/capture", f"/v1/payments/{pid}/capture",
                         body={"amount": "2.00"}, headers={"Idempotency-Key": "cap-1"}, status=200)
        cap2 = self.call("POST", "/v1/payments/{id}/capture", f"/v1/payments/{pid}/capture",
                         body={"amount": "2.00"}, headers={"Idempotency-Key": "cap-1"}, status=200)
        self.assertEqual(cap1.body, cap2.body)
        self.assertEqual(cap2.json()["captured"], "2.00")
        # A declined first answer is replayed too (status and body).
        d1 = self.pay(method="fx_echo", params={"number": CARD, "outcome": "decline"},
                      key_header="decl-1")
        d2 = self.pay(method="fx_echo", params={"number": CARD, "outcome": "decline"},
                      key_header="decl-1")
        self.assertEqual((d1.status, d2.status), (402, 402))
        self.assertEqual(d1.body, d2.body)
        replays = request(self.svc.url + "/metrics").body
        self.assertIn("tenderd_idempotent_replays_total 3", replays)

    def test_concurrent_operations_on_one_payment_run_one_after_the_other(self):
        # Two captures of one payment at once (no idempotency key): the
        # second waits while the first holds the payment (fx_slow takes
        # 700 ms), then finds it captured: 409, and the processor was asked
        # to capture once.
        p = self.pay(method="fx_slow").json()
        self.assertEqual(p["status"], "authorized")
        results = []

        def capture():
            results.append(self.call("POST", "/v1/payments/{id}/capture",
                                     f"/v1/payments/{p['id']}/capture", body={}))

        first = threading.Thread(target=capture)
        first.start()
        calls = os.path.join(self.tmp, "slow-calls")
        self.assertTrue(wait_until(lambda: "capture" in open(calls).read()))
        capture()
        first.join(30)
        self.assertEqual(sorted(r.status for r in results), [200, 409],
                         [r.body for r in results])
        late = [r for r in results if r.status == 409][0]
        self.assertEqual(self.error_of(late)["code"], "invalid_state")
        captures = [c for c in open(calls).read().splitlines() if c.startswith("capture")]
        self.assertEqual(len(captures), 1, captures)

    def test_replay_after_a_restart_is_the_first_response(self):
        first = self.pay(key_header="order-restart")
        self.assertEqual(first.status, 200)
        pid = first.json()["id"]
        # The payment moves on; then the service restarts (kill -9).
        self.call("POST", "/v1/payments/{id}/capture", f"/v1/payments/{pid}/capture",
                  status=200)
        self.svc.kill()
        self.svc = Tenderd(self.tmp, self.ledger).start()
        again = self.pay(key_header="order-restart")
        self.assertEqual(again.status, 200)
        self.assertEqual(again.body, first.body, "the first response, not the payment as it is now")
        self.assertEqual(again.json()["status"], "authorized")
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        other = self.pay(amount="3.00", key_header="order-restart")
        self.assertEqual(other.status, 409)
        self.assertEqual(self.error_of(other)["type"], "idempotency_error")
        # One namespace per ledger (one merchant), as the host's keys: another
        # API key of the shop retrying the request gets the same answer.
        other_key = cli(self.ledger, "api-key", "create", "second till")["secret"]
        same = self.pay(key_header="order-restart", headers_key=other_key)
        self.assertEqual(same.body, first.body)

    def test_concurrent_requests_with_one_key_reach_the_plugin_once(self):
        results = []

        def one():
            results.append(self.pay(method="fx_slow", key_header="same-key"))

        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(len(results), 6)
        self.assertEqual({r.status for r in results}, {200}, [r.body for r in results])
        self.assertEqual(len({r.body for r in results}), 1)
        calls = open(os.path.join(self.tmp, "slow-calls")).read().splitlines()
        self.assertEqual(len([c for c in calls if c.startswith("authorize")]), 1, calls)


class WebhooksIn(ServiceTest):
    def test_provider_notification_answered_as_the_plugin_says(self):
        p = self.pay(method="fx_notify", capture=True, params={}).json()
        self.assertEqual(p["status"], "pending")
        url = "/v1/webhooks/fx_notify"
        forged = self.call("POST", "/v1/webhooks/{method}", url, key=None,
                           raw=f"notify_id=n1&payment={p['id']}&event=paid&sig=forged".encode(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((forged.status, forged.body), (400, "fail"))
        unchanged = self.call("GET", "/v1/payments/{id}", f"/v1/payments/{p['id']}").json()
        self.assertEqual(unchanged["status"], "pending")
        ok = self.call("POST", "/v1/webhooks/{method}", url, key=None,
                       raw=f"notify_id=n1&payment={p['id']}&event=paid&sig=valid".encode(),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((ok.status, ok.body), (200, "success"))
        self.assertTrue(ok.header("Content-Type").startswith("text/plain"))
        paid = self.call("GET", "/v1/payments/{id}", f"/v1/payments/{p['id']}").json()
        self.assertEqual(paid["status"], "captured")
        # A repeat is acknowledged the same way and changes nothing.
        again = self.call("POST", "/v1/webhooks/{method}", url, key=None,
                          raw=f"notify_id=n1&payment={p['id']}&event=paid&sig=valid".encode())
        self.assertEqual((again.status, again.body), (200, "success"))
        nobody = self.call("POST", "/v1/webhooks/{method}", "/v1/webhooks/no_such_method",
                           key=None, raw=b"x", status=404)
        self.assertEqual(self.error_of(nobody)["param"], "method")


class WebhooksOut(ServiceTest):
    def setUp(self):
        super().setUp()
        self.receiver = Receiver()

    def tearDown(self):
        self.receiver.close()
        super().tearDown()

    def test_signed_delivery_with_retries(self):
        endpoint = cli(self.ledger, "webhook-endpoint", "add", self.receiver.url, "--events",
                       "payment.authorized,payment.captured")
        secret = endpoint["secret"]
        self.assertTrue(secret.startswith("whsec_"))
        self.receiver.fail_first = 2  # two 503s, then accepted
        p = self.pay().json()
        self.call("POST", "/v1/payments/{id}/capture", f"/v1/payments/{p['id']}/capture",
                  status=200)
        got = wait_until(lambda: len(self.receiver.delivered_ok(secret)) == 2
                         and len(self.receiver.received) >= 4, timeout=15)
        self.assertTrue(got, self.receiver.received)
        events = self.receiver.delivered_ok(secret)
        bodies = [json.loads(b[0]) for b in events.values()]
        self.assertEqual(sorted(b["type"] for b in bodies),
                         ["payment.authorized", "payment.captured"])
        for b in bodies:
            self.assertEqual(b["data"]["payment"]["id"], p["id"])
        # A retried event keeps its id and its bytes.
        for copies in events.values():
            self.assertEqual(len(set(copies)), 1)
        self.assertGreater(max(len(c) for c in events.values()), 1)
        # A tampered body does not verify with the secret.
        headers, body = self.receiver.received[-1]
        sig = dict(part.split("=", 1) for part in headers["Tender-Signature"].split(","))
        tampered = body.replace("payment", "pay")
        forged = hmac.new(secret.encode(), f"{sig['t']}.{tampered}".encode(),
                          hashlib.sha256).hexdigest()
        self.assertNotEqual(forged, sig["v1"])
        self.assertLess(abs(int(sig["t"]) - time.time()), 300)
        listed = wait_until(lambda: all(
            e["deliveries"]["delivered"] == 1 for e in cli(self.ledger, "events", "list")["events"]))
        self.assertTrue(listed, cli(self.ledger, "events", "list"))
        # resend: delivered again, same id.
        eid = bodies[0]["id"]
        before = len(self.receiver.received)
        cli(self.ledger, "events", "resend", eid)
        self.assertTrue(wait_until(lambda: len(self.receiver.received) > before))
        self.assertEqual(json.loads(self.receiver.received[-1][1])["id"], eid)
        metrics = request(self.svc.url + "/metrics").body
        self.assertIn('tenderd_webhook_deliveries_total{outcome="retry"} 2', metrics)

    def test_undelivered_events_go_out_after_kill_and_restart(self):
        secret = cli(self.ledger, "webhook-endpoint", "add", self.receiver.url)["secret"]
        self.receiver.failing = True
        p = self.pay().json()
        self.assertTrue(wait_until(lambda: self.receiver.received))
        # The event waits in the outbox, and /metrics says so.
        metrics = request(self.svc.url + "/metrics").body
        self.assertIn("tenderd_outbox_depth 1\n", metrics)
        self.svc.kill()  # kill -9: nothing flushed, nothing said
        self.receiver.failing = False
        self.receiver.received.clear()
        self.svc = Tenderd(self.tmp, self.ledger).start()
        got = wait_until(lambda: self.receiver.delivered_ok(secret), timeout=15)
        self.assertTrue(got)
        body = json.loads(list(got.values())[0][0])
        self.assertEqual(body["data"]["payment"]["id"], p["id"])
        self.assertEqual(body["type"], "payment.authorized")


class Lifecycle(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tenderd-test-")
        self.ledger = ledger_location(self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_sigterm_drains_in_flight_requests_and_exits_0(self):
        key = cli(self.ledger, "api-key", "create", "shop")["secret"]
        # A slow method that stays in flight for 3 s, and keep-alive
        # connections that outlive the test's steps.
        config = test_config(self.tmp)
        with open(config) as f:
            conf = json.load(f)
        conf["methods"]["fx_slow"]["settings"]["sleep_ms"] = 3000
        conf["service"]["client_timeout_ms"] = 10000
        with open(config, "w") as f:
            json.dump(conf, f)
        svc = Tenderd(self.tmp, self.ledger, config=config).start()
        host, port = svc.url[len("http://"):].split(":")
        try:
            result = {}

            def slow():
                result["resp"] = request(svc.url + "/v1/payments", "POST",
                                         {"method": "fx_slow", "amount": "1.00", "currency": "USD",
                                          "region": "US"}, key)

            t = threading.Thread(target=slow)
            t.start()
            calls = os.path.join(self.tmp, "slow-calls")
            self.assertTrue(wait_until(lambda: os.path.exists(calls)))
            # A client with a connection open before the signal.
            kept = http.client.HTTPConnection(host, int(port), timeout=10)
            kept.request("GET", "/healthz")
            self.assertEqual(kept.getresponse().read(), b'{\n  "status" : "ok"\n}')
            svc.proc.send_signal(15)
            # The listening socket is closed first: a new connection is
            # refused while the slow request is still in flight.
            def refused():
                try:
                    socket.create_connection((host, int(port)), timeout=2).close()
                    return False
                except ConnectionRefusedError:
                    return True
                except ConnectionResetError:
                    # Queued for accept just as the socket closed: the
                    # kernel resets it. Not served either; ask again.
                    return False

            self.assertTrue(wait_until(refused, timeout=2.5))
            self.assertTrue(t.is_alive(), "the slow request is still in flight")
            # A request on a connection already open: refused, and told why.
            kept.request("GET", "/healthz")
            late = kept.getresponse()
            self.assertEqual(late.status, 503)
            self.assertEqual(json.loads(late.read())["error"]["code"], "shutting_down")
            self.assertEqual(late.getheader("Connection"), "close")
            kept.close()
            t.join(30)
            # The request in flight completed, and its payment is recorded.
            self.assertEqual(result["resp"].status, 200, result["resp"].body)
            self.assertEqual(svc.proc.wait(timeout=30), 0)
            paid = result["resp"].json()
            self.assertEqual(paid["status"], "authorized")
            shown = cli(self.ledger, "show", paid["id"])
            self.assertEqual(shown["status"], "authorized")
        finally:
            svc.kill()

    def test_service_config_errors_exit_78_naming_the_path(self):
        config = test_config(self.tmp, {"service": {"listen": "nowhere"}})
        proc = subprocess.run([TENDERD, "--plugin-dir", FIXTURE_DIR, "--config", config,
                               "--ledger", self.ledger], capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(proc.returncode, 78)
        self.assertIn("$.service.listen", proc.stderr)
        config = test_config(self.tmp, {"service": {"max_body_bytes": "big"}})
        proc = subprocess.run([TENDERD, "--plugin-dir", FIXTURE_DIR, "--config", config,
                               "--ledger", self.ledger], capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(proc.returncode, 78)
        self.assertIn("$.service.max_body_bytes", proc.stderr)
        config = test_config(self.tmp, {"service": {"colour": 1}})
        proc = subprocess.run([TENDERD, "--config", config, "--ledger", self.ledger],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 78)
        self.assertIn("$.service", proc.stderr)

    def test_too_many_in_flight_is_429(self):
        config = test_config(self.tmp, {"service": {"max_in_flight": 1}})
        key = cli(self.ledger, "api-key", "create", "shop")["secret"]
        svc = Tenderd(self.tmp, self.ledger, config=config).start()
        try:
            results = []

            def slow():
                results.append(request(svc.url + "/v1/payments", "POST",
                                       {"method": "fx_slow", "amount": "1.00",
                                        "currency": "USD", "region": "US"}, key))

            t = threading.Thread(target=slow)
            t.start()
            calls = os.path.join(self.tmp, "slow-calls")
            self.assertTrue(wait_until(lambda: os.path.exists(calls)))
            busy = request(svc.url + "/v1/payments", key=key)
            self.assertEqual(busy.status, 429, busy.body)
            self.assertEqual(busy.json()["error"]["type"], "rate_limit_error")
            self.assertEqual(busy.header("Retry-After"), "1")
            t.join(30)
            self.assertEqual(results[0].status, 200)
            self.assertEqual(request(svc.url + "/v1/payments", key=key).status, 200)
        finally:
            svc.kill()

    def test_not_ready_without_plugins(self):
        empty = os.path.join(self.tmp, "no-plugins")
        os.mkdir(empty)
        proc = subprocess.Popen([TENDERD, "--plugin-dir", empty, "--ledger", self.ledger,
                                 "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        try:
            url = proc.stdout.readline().strip()
            ready = request(url + "/readyz")
            self.assertEqual(ready.status, 503)
            self.assertEqual(ready.json(), {"status": "not_ready", "ledger": True, "plugins": 0,
                                            "reasons": ["no plugin is loaded"]})
            self.assertEqual(request(url + "/healthz").status, 200)
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(timeout=30), 0)
            proc.stdout.close()

    def test_listen_from_the_config(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        config = test_config(self.tmp, {"service": {"listen": f"127.0.0.1:{port}"}})
        proc = subprocess.Popen([TENDERD, "--plugin-dir", FIXTURE_DIR, "--config", config,
                                 "--ledger", self.ledger], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        try:
            self.assertEqual(proc.stdout.readline().strip(), f"http://127.0.0.1:{port}")
            # A second tenderd on that port is refused (71), although each
            # listens with SO_REUSEPORT for its own I/O threads.
            other = ledger_location(self.tmp, "other.db")
            second = subprocess.run([TENDERD, "--plugin-dir", FIXTURE_DIR, "--config", config,
                                     "--ledger", other], capture_output=True, text=True,
                                    timeout=30)
            self.assertEqual(second.returncode, 71, second.stderr)
            self.assertIn("already in use", second.stderr)
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(timeout=30), 0)
            proc.stdout.close()


class Commands(unittest.TestCase):
    """The `tender` commands that manage what tenderd serves with."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tenderd-cli-")
        self.ledger = ledger_location(self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_cli(self, *args):
        return subprocess.run([TENDER, "--plugin-dir", FIXTURE_DIR, "--ledger", self.ledger,
                               *args], capture_output=True, text=True, timeout=30)

    def test_usage_and_data_errors(self):
        for args in (["api-key"], ["api-key", "create"], ["api-key", "list", "extra"],
                     ["api-key", "create", "x", "--scope", "admin"],
                     ["api-key", "revoke", "k", "--scope", "read"],
                     ["webhook-endpoint"], ["webhook-endpoint", "add"], ["events", "resend"],
                     ["events", "delete", "x"]):
            proc = self.run_cli(*args)
            self.assertEqual(proc.returncode, 64, (args, proc.stderr))
        for args in (["api-key", "revoke", "key_nope"], ["events", "resend", "evt_nope"],
                     ["webhook-endpoint", "remove", "we_nope"],
                     ["webhook-endpoint", "add", "ftp://example.com/x"],
                     ["webhook-endpoint", "add", "http://example.com/x", "--events", "nope"]):
            proc = self.run_cli(*args)
            self.assertEqual(proc.returncode, 65, (args, proc.stderr))

    def test_human_output_and_the_secret_shown_once(self):
        created = self.run_cli("api-key", "create", "shop", "--scope", "read")
        self.assertEqual(created.returncode, 0, created.stderr)
        secret = [line.split(": ", 1)[1] for line in created.stdout.splitlines()
                  if line.startswith("secret: ")][0]
        listed = self.run_cli("api-key", "list")
        self.assertIn("read", listed.stdout)
        self.assertIn("shop", listed.stdout)
        self.assertNotIn(secret, listed.stdout)
        added = self.run_cli("webhook-endpoint", "add", "https://shop.example/hooks")
        self.assertEqual(added.returncode, 0, added.stderr)
        self.assertIn("signing secret: whsec_", added.stdout)
        listed = self.run_cli("--json", "webhook-endpoint", "list")
        endpoints = json.loads(listed.stdout)["webhook_endpoints"]
        self.assertEqual([e["url"] for e in endpoints], ["https://shop.example/hooks"])
        self.assertNotIn("secret", endpoints[0])
        self.assertEqual(self.run_cli("events", "list").stdout.strip(), "0 events")
        help_text = subprocess.run([TENDER, "help"], capture_output=True, text=True).stdout
        for command in ("api-key", "webhook-endpoint", "events"):
            self.assertIn(command, help_text)
        # A read-only command on a missing ledger creates nothing. A file on
        # either setup: a host never creates a PostgreSQL database (it
        # exists, or the connection fails), so there the property is moot.
        other = os.path.join(self.tmp, "none.db")
        proc = subprocess.run([TENDER, "--ledger", other, "api-key", "list"],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0)
        self.assertFalse(os.path.exists(other))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
