"""Provider notifications from a real tender-sandbox into tenderd.

The sandbox is started with --webhook-base pointing at tenderd's address,
and tenderd with the config the sandbox wrote: a payment whose provider
moves on its own (the payer answers the card's 3-D Secure page on the
gateway) is settled by the signed event the sandbox posts to
POST /v1/webhooks/<method>, and tenderd emits its own signed merchant
webhook for the change. Also: a forged notification gets the plugin's
failure reply and changes nothing; a duplicate delivery is acknowledged and
applied once; a delivery tenderd could not take (stopped) is retried by the
sandbox and arrives after tenderd restarts on the same ledger and port; a
delivery tenderd answered 503 (its ledger took no write) is retried by the
sandbox until it is taken.

A method joins by adding a Flow to FLOWS (how to pay, what the provider
does, how its forged notification looks). Run by meson
(tests/service/meson.build); `python3 test_provider_notifications.py` runs
every method present in the build."""

import hashlib
import hmac
import json
import os
import re
import shutil
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tenderd_support import (  # noqa: E402
    Receiver,
    Sandbox,
    Tenderd,
    check_response,
    cli,
    free_port,
    ignore_sigxfsz,
    ledger_location,
    ledger_takes_no_write,
    request,
    wait_until,
)

PLUGINS_DIR = os.environ["TENDER_PLUGINS_DIR"]  # the build's plugins/, one folder each


class CardFlow:
    """The card gateway: a 3-D Secure challenge answered on the gateway's
    page; the gateway's signed event tells tenderd it was passed."""

    method = "card"
    number = "4000000000003220"  # challenge, then approved

    def pay_body(self):
        return {"method": "card", "amount": "10.00", "currency": "USD", "region": "US",
                "params": {"number": self.number, "exp_month": "12", "exp_year": "2031",
                           "cvc": "737"}}

    waiting_status = "requires_action"
    notifications_on_pay = 1  # payment_intent.requires_action
    settled_status = "authorized"
    settled_event = "payment.authorized"

    def provider_acts(self, test, payment):
        """The payer passes the challenge on the gateway's page."""
        url = payment["action"]["data"]
        test.assertTrue(url.startswith(test.sandbox.url), url)
        page = request(url)
        test.assertEqual(page.status, 200, page.body)
        posted = request(url, "POST", raw=b"code=123456",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        test.assertIn(posted.status, (200, 303), posted.body)

    def forged(self, payment):
        """An event about this payment, signed with a secret that is not the
        endpoint's: (headers, body)."""
        body = json.dumps({"id": "evt_forged", "object": "event",
                           "type": "payment_intent.amount_capturable_updated",
                           "data": {"object": {"id": "pi_forged", "object": "payment_intent",
                                               "status": "requires_capture",
                                               "metadata": {"tender_payment_id": payment["id"]}}}})
        t = str(int(time.time()))
        v1 = hmac.new(b"whsec_not_the_endpoint_secret", f"{t}.{body}".encode(),
                      hashlib.sha256).hexdigest()
        return ({"Content-Type": "application/json", "Stripe-Signature": f"t={t},v1={v1}"},
                body.encode())

    # What the plugin answers a notification it refuses.
    forged_reply = (400, "application/json", '{"received":false}')


FLOWS = [CardFlow()]


class ProviderNotifications(unittest.TestCase):
    flow = None

    def setUp(self):
        # Cleanups, not tearDown: they run when setUp fails half-way too,
        # so no sandbox outlives the test (last registered, first run).
        self.tmp = tempfile.mkdtemp(prefix="tenderd-provider-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.ledger = ledger_location(self.tmp)
        self.key = cli(self.ledger, "api-key", "create", "shop")["secret"]
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)
        self.secret = cli(self.ledger, "webhook-endpoint", "add", self.receiver.url)["secret"]
        # tenderd's address is chosen first: the sandbox needs it for its
        # notify URLs, and tenderd needs the sandbox's config.
        self.port = free_port()
        base = f"http://127.0.0.1:{self.port}"
        self.sandbox = Sandbox(self.tmp, webhook_base=base)
        self.addCleanup(self.sandbox.stop)
        self.svc = None
        self.addCleanup(lambda: self.svc and self.svc.kill())
        self.svc = self.start_tenderd()
        self.doc = json.loads(request(self.svc.url + "/v1/openapi.json").body)

    def start_tenderd(self):
        """tenderd on self.port, as self.svc (killed at cleanup)."""
        self.svc = Tenderd(self.tmp, self.ledger, config=self.sandbox.config_path,
                           plugin_dirs=[os.path.join(PLUGINS_DIR, self.flow.method)],
                           listen=f"127.0.0.1:{self.port}", preexec_fn=ignore_sigxfsz)
        self.svc.start()
        self.assertEqual(self.svc.url, f"http://127.0.0.1:{self.port}")
        return self.svc

    def get(self, pid):
        resp = request(f"{self.svc.url}/v1/payments/{pid}", key=self.key)
        check_response(self.doc, "GET", "/v1/payments/{id}", resp)
        self.assertEqual(resp.status, 200, resp.body)
        return resp.json()

    def pay(self):
        """A payment waiting for its provider, once the notifications its
        creation made have been delivered (so they do not arrive in the
        middle of a test's step)."""
        resp = request(self.svc.url + "/v1/payments", "POST", self.flow.pay_body(), self.key)
        check_response(self.doc, "POST", "/v1/payments", resp)
        self.assertEqual(resp.status, 200, resp.body)
        p = resp.json()
        self.assertEqual(p["status"], self.flow.waiting_status, p)
        self.assertTrue(wait_until(lambda: len(self.accepted_attempts())
                                   >= self.flow.notifications_on_pay, timeout=10),
                        self.sandbox.logs())
        return p

    def accepted_attempts(self):
        return [a for a in self.sandbox_attempts() if a[2].endswith(", accepted")]

    def settled(self, pid, timeout=20):
        return wait_until(lambda: self.get(pid)["status"] == self.flow.settled_status,
                          timeout=timeout, step=0.1)

    def merchant_events(self, pid, event_type):
        """The signed merchant webhooks of pid's event_type, deduplicated by
        event id (the outbox delivers at least once)."""
        out = {}
        for copies in self.receiver.delivered_ok(self.secret).values():
            body = json.loads(copies[0])
            if body["type"] == event_type and body["data"]["payment"]["id"] == pid:
                out[body["id"]] = body
        return list(out.values())

    def webhook_answers(self):
        """tenderd's request log lines for the provider's webhook route."""
        return [line for line in self.svc.log_lines()
                if line.get("route") == "/v1/webhooks/{method}"]

    def sandbox_attempts(self):
        """(attempt number, duplicate?, outcome text) of each notification
        attempt the sandbox made to tenderd."""
        url = re.escape(f"http://127.0.0.1:{self.port}/v1/webhooks/{self.flow.method}")
        pattern = re.compile(url + r", attempt (\d+)( \(duplicate\))?: (.*)$")
        out = []
        for line in self.sandbox.logs().splitlines():
            m = pattern.search(line)
            if m:
                out.append((int(m.group(1)), bool(m.group(2)), m.group(3)))
        return out

    def test_event_settles_the_payment_and_a_merchant_webhook_goes_out(self):
        p = self.pay()
        self.flow.provider_acts(self, p)
        self.assertTrue(self.settled(p["id"]), self.sandbox.logs())
        events = wait_until(lambda: self.merchant_events(p["id"], self.flow.settled_event),
                            timeout=15)
        self.assertEqual(len(events), 1, self.receiver.received)
        payment = events[0]["data"]["payment"]
        self.assertEqual(payment["status"], self.flow.settled_status)
        self.assertEqual(payment["previous_status"], self.flow.waiting_status)
        # The sandbox's deliveries were answered 2xx by tenderd, and it
        # sent each only once (accepted at the first attempt).
        answers = self.webhook_answers()
        self.assertTrue(answers, self.svc.logs())
        self.assertTrue(all(200 <= a["status"] < 300 for a in answers), answers)
        # (The sandbox logs an attempt once it has read tenderd's answer.)
        wait_until(lambda: len(self.accepted_attempts()) > self.flow.notifications_on_pay)
        attempts = self.sandbox_attempts()
        self.assertGreater(len(attempts), self.flow.notifications_on_pay, self.sandbox.logs())
        self.assertTrue(all(n == 1 and text.endswith(", accepted") for n, _, text in attempts),
                        attempts)

    def test_forged_notification_gets_the_plugin_failure_and_changes_nothing(self):
        p = self.pay()
        before = self.get(p["id"])
        headers, body = self.flow.forged(p)
        resp = request(f"{self.svc.url}/v1/webhooks/{self.flow.method}", "POST", raw=body,
                       headers=headers)
        check_response(self.doc, "POST", "/v1/webhooks/{method}", resp)
        status, ctype, reply = self.flow.forged_reply
        self.assertEqual((resp.status, resp.header("Content-Type").split(";")[0], resp.body),
                         (status, ctype, reply))
        after = self.get(p["id"])
        self.assertEqual(after["status"], before["status"])
        self.assertEqual(after["operations"], before["operations"])
        time.sleep(0.5)
        self.assertEqual([e for e in self.receiver.delivered_ok(self.secret).values()
                          if json.loads(e[0])["type"] == self.flow.settled_event], [])

    def test_duplicate_delivery_is_acknowledged_and_applied_once(self):
        p = self.pay()
        self.sandbox.set_faults({"provider": self.flow.method, "duplicate_notifications": True})
        self.flow.provider_acts(self, p)
        self.assertTrue(self.settled(p["id"]), self.sandbox.logs())
        # Every delivery, the duplicates too, is acknowledged 2xx.
        dup = wait_until(lambda: [a for a in self.sandbox_attempts() if a[1]], timeout=10)
        self.assertTrue(dup, self.sandbox.logs())
        self.assertTrue(wait_until(lambda: all("HTTP 2" in text
                                               for _, _, text in self.sandbox_attempts())),
                        self.sandbox_attempts())
        # Applied once: one state change, one merchant event.
        time.sleep(1.0)  # room for a wrong second event to go out
        events = self.merchant_events(p["id"], self.flow.settled_event)
        self.assertEqual(len(events), 1, self.receiver.received)
        # The host records a notification under its event id: each event
        # the sandbox sent twice is one operation.
        ops = [op for op in self.get(p["id"])["operations"] if op["kind"] == "notification"]
        ids = [op["idempotency_key"] for op in ops]
        self.assertTrue(ids, ops)
        self.assertEqual(len(ids), len(set(ids)), ops)
        self.assertEqual(len(self.webhook_answers()), len(self.sandbox_attempts()))

    def test_notification_tenderd_missed_is_retried_and_arrives_after_a_restart(self):
        p = self.pay()
        # tenderd goes away (SIGTERM: it stops listening, exits 0).
        self.assertEqual(self.svc.stop(), 0)
        self.flow.provider_acts(self, p)
        # The sandbox cannot deliver and schedules a retry.
        failed = wait_until(lambda: [a for a in self.sandbox_attempts()
                                     if "accepted" not in a[2] or "not accepted" in a[2]],
                            timeout=10)
        self.assertTrue(failed, self.sandbox.logs())
        self.svc = self.start_tenderd()
        self.assertTrue(self.settled(p["id"], timeout=30), self.sandbox.logs())
        retried = wait_until(lambda: [a for a in self.accepted_attempts() if a[0] > 1])
        self.assertTrue(retried, self.sandbox_attempts())
        events = wait_until(lambda: self.merchant_events(p["id"], self.flow.settled_event),
                            timeout=15)
        self.assertEqual(len(events), 1)

    def test_notification_answered_5xx_is_retried_until_it_is_taken(self):
        p = self.pay()
        pid = self.svc.proc.pid
        with ledger_takes_no_write(self.ledger, pid):
            # The provider's notification comes while tenderd's ledger takes
            # no write: tenderd cannot record it and says so (503), so the
            # sandbox keeps it and tries again.
            self.flow.provider_acts(self, p)
            refused = wait_until(lambda: [a for a in self.sandbox_attempts()
                                          if "HTTP 503, not accepted" in a[2]], timeout=15)
            self.assertTrue(refused, self.sandbox.logs())
            # Nothing was applied: the payment still waits for its provider.
            self.assertEqual(self.get(p["id"])["status"], self.flow.waiting_status)
            ready = request(self.svc.url + "/readyz")
            self.assertEqual(ready.status, 503, ready.body)
        # Space is back: a later attempt of the same notification is taken.
        self.assertTrue(self.settled(p["id"], timeout=30), self.sandbox.logs())
        taken = wait_until(lambda: [a for a in self.accepted_attempts() if a[0] > 1], timeout=15)
        self.assertTrue(taken, self.sandbox_attempts())
        self.assertLess(min(n for n, _, text in self.sandbox_attempts() if "HTTP 503" in text),
                        taken[0][0], "taken after the refusals")
        events = wait_until(lambda: self.merchant_events(p["id"], self.flow.settled_event),
                            timeout=15)
        self.assertEqual(len(events), 1, self.receiver.received)
        self.assertEqual(request(self.svc.url + "/readyz").status, 200)


def load_tests(loader, tests, pattern):
    """One TestCase class per method whose plugin the build has."""
    suite = unittest.TestSuite()
    for flow in FLOWS:
        if not os.path.isdir(os.path.join(PLUGINS_DIR, flow.method)):
            continue
        cls = type(f"ProviderNotifications_{flow.method}", (ProviderNotifications,),
                   {"flow": flow})
        suite.addTests(loader.loadTestsFromTestCase(cls))
    return suite


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
