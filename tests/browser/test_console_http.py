"""The operator console over plain HTTP: sign-in with an API key kept as an
HttpOnly, SameSite=Strict cookie; the payments list and its filters; a
payment's timeline; a partial refund that needs a write key, the
confirmation and the CSRF token, and moves money once however often the
form is sent; the reconcile queue.

Runs against a tender-sandbox and a tenderd it starts (checkout_env)."""

import http.cookiejar
import os
import re
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from checkout_env import Checkout, NoRedirect, Response  # noqa: E402


class Browser:
    """A cookie-keeping client that does not follow redirects."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  NoRedirect)

    def go(self, path, form=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data)
        try:
            with self.opener.open(req, timeout=30) as resp:
                return Response(resp.status, resp.headers, resp.read().decode())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read().decode())


def hidden(body, form_id, name):
    form = body.split(f'id="{form_id}"')[1].split("</form>")[0]
    return re.search(rf'name="{name}" value="([^"]*)"', form).group(1)


class ConsoleHttp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="console-http-")
        cls.env = Checkout(cls.tmp.name, fixtures=True).__enter__()
        # A captured card payment of 50.00 for account acct_9.
        s = cls.env.session(amount="50.00", account="acct_9")
        form = {"method": "card", "amount": "50.00", "currency": "USD",
                "number": "4242424242424242", "exp_month": "12", "exp_year": "2034",
                "cvc": "123", "holder": ""}
        r = cls.env.request(urllib.parse.urlparse(s["url"]).path + "/card", "POST", form=form)
        assert r.status == 303, r.body
        cls.payment = cls.env.request(f"/v1/checkout-sessions/{s['id']}",
                                      key=cls.env.read_key).json()["payment"]

    @classmethod
    def tearDownClass(cls):
        cls.env.__exit__(None, None, None)
        cls.tmp.cleanup()

    def signed_in(self, key):
        b = Browser(self.env.url)
        r = b.go("/console/login", {"api_key": key})
        self.assertEqual(r.status, 303)
        cookie = r.headers["Set-Cookie"]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        self.assertNotIn(key, cookie)  # the browser holds a token, not the key
        return b

    def test_sign_in_is_required_and_a_bad_key_refused(self):
        b = Browser(self.env.url)
        self.assertIn('name="api_key"', b.go("/console").body)
        self.assertEqual(b.go(f"/console/payments/{self.payment['id']}").status, 303)
        r = b.go("/console/login", {"api_key": "tsk_" + "0" * 64})
        self.assertEqual(r.status, 401)
        self.assertIn("not a valid API key", r.body)
        self.assertIsNone(r.headers["Set-Cookie"])

    def test_secure_cookie_behind_tls(self):
        req = urllib.request.Request(self.env.url + "/console/login",
                                     data=urllib.parse.urlencode(
                                         {"api_key": self.env.read_key}).encode(),
                                     headers={"X-Forwarded-Proto": "https"})
        try:
            urllib.request.build_opener(NoRedirect).open(req, timeout=30)
            self.fail("expected a 303")
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 303)
            self.assertIn("; Secure", e.headers["Set-Cookie"])

    def test_limit_usage_per_account_in_the_api_and_the_console(self):
        s = self.env.session(amount="40.00", account="acct_limits")
        form = {"method": "card", "amount": "40.00", "currency": "USD",
                "number": "4242424242424242", "exp_month": "12", "exp_year": "2034",
                "cvc": "123", "holder": ""}
        r = self.env.request(urllib.parse.urlparse(s["url"]).path + "/card", "POST", form=form)
        self.assertEqual(r.status, 303, r.body)
        api = self.env.request("/v1/limits?account=acct_limits", key=self.env.read_key)
        self.assertEqual(api.status, 200, api.body)
        body = api.json()
        self.assertEqual(body["account"], "acct_limits")
        card = [u for u in body["limits"] if u["method"] == "card" and u["tier"] is None]
        self.assertEqual([u["window"] for u in card], ["day", "month"])  # the default policy's
        for u in card:
            self.assertEqual((u["currency"], u["used"]), ("USD", "40.00"))
            self.assertEqual(float(u["remaining"]), round(float(u["limit"]) - 40.0, 2))
        # Tiers show as tiers (Alipay's classes, WebMoney's passports).
        self.assertIn("class_i", {u["tier"] for u in body["limits"] if u["method"] == "alipay"})
        # Another account has used nothing; no account is a 400; no key a 401.
        other = self.env.request("/v1/limits?account=acct_nobody", key=self.env.read_key).json()
        self.assertTrue(all(u["used"] in ("0.00", "0") for u in other["limits"]), other)
        missing = self.env.request("/v1/limits", key=self.env.read_key)
        self.assertEqual((missing.status, missing.json()["error"]["param"]), (400, "account"))
        self.assertEqual(self.env.request("/v1/limits?account=acct_limits").status, 401)

        b = self.signed_in(self.env.read_key)
        self.assertIn('href="/console/limits"', b.go("/console").body)
        empty = b.go("/console/limits")
        self.assertEqual(empty.status, 200)
        self.assertIn('id="l-account"', empty.body)
        page = b.go("/console/limits?account=acct_limits")
        self.assertEqual(page.status, 200)
        rows = page.body.split('class="limits"')[1].split("</table>")[0]
        day = [row for row in rows.split("<tr") if "<td>card</td>" in row and "<td>day</td>" in row]
        self.assertEqual(len(day), 1, rows)
        self.assertIn('<td class="used">40.00 USD</td>', day[0])
        self.assertIn("<td>every buyer</td>", day[0])
        self.assertIn("<td>tier class_i</td>", rows)
        # Signed out: back to the sign-in.
        self.assertEqual(Browser(self.env.url).go("/console/limits?account=acct_limits").status,
                         303)

    def test_list_filters_and_timeline(self):
        b = self.signed_in(self.env.read_key)
        home = b.go("/console")
        self.assertIn(self.payment["id"], home.body)
        self.assertIn(self.payment["id"], b.go("/console?account=acct_9&status=captured").body)
        self.assertNotIn(self.payment["id"], b.go("/console?account=acct_other").body)
        self.assertNotIn(self.payment["id"], b.go("/console?status=refunded").body)
        self.assertEqual(b.go("/console?status=nonsense").status, 400)
        page = b.go(f"/console/payments/{self.payment['id']}")
        self.assertEqual(page.status, 200)
        timeline = page.body.split('class="timeline"')[1]
        self.assertIn("purchase", timeline)
        self.assertIn("event payment.captured", timeline)
        self.assertIn("webhooks:", timeline)

    def test_reconcile_queue_syncs_a_pending_payment(self):
        r = self.env.request("/v1/payments", "POST", key=self.env.write_key,
                             body={"method": "fx_notify", "amount": "7.00", "currency": "USD",
                                   "region": "US", "capture": True})
        pending = r.json()
        self.assertEqual(pending["status"], "pending", r.body)
        b = self.signed_in(self.env.read_key)
        queue = b.go("/console/reconcile")
        self.assertIn(f'id="sync-{pending["id"]}"', queue.body)
        form_html = queue.body.split(f'/console/payments/{pending["id"]}/operate"')[1]
        form = dict(re.findall(r'name="(csrf|op|op_key)" value="([^"]*)"',
                               form_html.split("</form>")[0]))
        target = f"/console/payments/{pending['id']}/operate"
        self.assertEqual(b.go(target, form).status, 403)  # a read key alone may not sync
        r = b.go(target, {**form, "write_key": self.env.write_key})
        self.assertEqual(r.status, 303, r.body)
        got = self.env.request(f"/v1/payments/{pending['id']}", key=self.env.read_key).json()
        self.assertEqual(got["status"], "captured")
        self.assertNotIn(f'id="sync-{pending["id"]}"', b.go("/console/reconcile").body)

    def test_partial_refund_needs_write_key_confirmation_and_csrf_and_runs_once(self):
        b = self.signed_in(self.env.read_key)
        path = f"/console/payments/{self.payment['id']}"
        page = b.go(path)
        self.assertIn('name="write_key"', page.body)  # a read key cannot refund alone
        form = {"csrf": hidden(page.body, "op-refund", "csrf"), "op": "refund",
                "op_key": hidden(page.body, "op-refund", "op_key"), "amount": "12.00",
                "confirm": "yes", "write_key": self.env.write_key}
        target = path + "/operate"
        self.assertEqual(b.go(target, {**form, "csrf": "0" * 64}).status, 403)
        self.assertEqual(b.go(target, {k: v for k, v in form.items() if k != "csrf"}).status,
                         403)
        self.assertEqual(b.go(target, {**form, "confirm": ""}).status, 400)
        self.assertEqual(b.go(target, {**form, "write_key": self.env.read_key}).status, 403)
        # Another client without the cookie: sent back to sign in.
        self.assertEqual(Browser(self.env.url).go(target, form).status, 303)
        got = self.env.request(f"/v1/payments/{self.payment['id']}", key=self.env.read_key)
        self.assertEqual(got.json()["refunded"], "0.00")
        r = b.go(target, form)
        self.assertEqual(r.status, 303, r.body)
        self.assertEqual(b.go(target, form).status, 303)  # the same form again
        got = self.env.request(f"/v1/payments/{self.payment['id']}", key=self.env.read_key)
        self.assertEqual((got.json()["refunded"], got.json()["status"]),
                         ("12.00", "partially_refunded"))
        self.assertIn('id="refunded">12.00<', b.go(path).body)


if __name__ == "__main__":
    unittest.main(verbosity=2)
