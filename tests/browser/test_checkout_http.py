"""The checkout pages over plain HTTP, as a browser without JavaScript
uses them: sessions, the methods page, the card form's checks, tampered
fields, one charge per submission, 3-D Secure by redirect, the outcome
pages, and that the card number reaches neither a log nor the ledger.
Every JSON answer is checked against the OpenAPI document.

Runs against a tender-sandbox and a tenderd it starts (checkout_env)."""

import json
import os
import re
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.environ["TENDER_SOURCE_ROOT"], "tests", "service"))
from checkout_env import Checkout  # noqa: E402
from tenderd_support import check_response  # noqa: E402

GOOD_CARD = "4242424242424242"
NO_FUNDS_CARD = "4000000000009995"
THREE_DS_CARD = "4000000000003220"


def card_form(session, number=GOOD_CARD, exp_month="12", exp_year="2034", cvc="123",
              holder="Ada Lovelace", **override):
    form = {"method": "card", "amount": session["amount"], "currency": session["currency"],
            "number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc,
            "holder": holder}
    form.update(override)
    return form


def page_path(session):
    return urllib.parse.urlparse(session["url"]).path


class CheckoutHttp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="checkout-http-")
        cls.env = Checkout(cls.tmp.name).__enter__()
        cls.doc = json.loads(cls.env.request("/v1/openapi.json").body)

    @classmethod
    def tearDownClass(cls):
        cls.env.__exit__(None, None, None)
        cls.tmp.cleanup()

    def api(self, method, path, template, body=None, key=None, headers=None):
        r = self.env.request(path, method, body=body, key=key or self.env.write_key,
                             headers=headers)
        check_response(self.doc, method, template, r)
        return r

    def pay(self, session, **fields):
        return self.env.request(page_path(session) + "/card", "POST",
                                form=card_form(session, **fields))

    def sandbox_intents(self):
        """How many payment intents the gateway was asked to create."""
        with open(self.env.sandbox_log) as f:
            return len(re.findall(r"POST /card/v1/payment_intents\b(?!/)", f.read()))

    def returns_paid(self, session, back, paid):
        """The provider sent the buyer back to `back`: tenderd finishes the
        payment (303 to the page, so a reload asks nothing twice) and the
        page says what was paid, the session's one attempt captured."""
        self.assertTrue(back.startswith(f"{self.env.url}/checkout/{session['id']}/return"), back)
        r = self.env.request(back)
        self.assertEqual(r.status, 303)
        page = self.env.request(r.headers["Location"])
        self.assertIn("Payment successful", page.body)
        self.assertIn(f'id="paid">{paid}<', page.body)
        read = self.env.request(f"/v1/checkout-sessions/{session['id']}",
                                key=self.env.read_key).json()
        self.assertEqual((read["attempts"], read["payment"]["status"]), (1, "captured"))

    # ---- sessions -------------------------------------------------------------------

    def test_session_is_created_replayed_and_read(self):
        r = self.api("POST", "/v1/checkout-sessions", "/v1/checkout-sessions",
                     body={"amount": "25.00", "currency": "USD", "region": "US",
                           "return_url": "https://shop.example/done"},
                     headers={"Idempotency-Key": "order-7"})
        self.assertEqual(r.status, 200, r.body)
        s = r.json()
        self.assertRegex(s["id"], r"^cs_[0-9a-f]{32}$")
        self.assertEqual(s["url"], self.env.url + "/checkout/" + s["id"])
        self.assertEqual((s["status"], s["payment"], s["attempts"]), ("open", None, 0))
        again = self.api("POST", "/v1/checkout-sessions", "/v1/checkout-sessions",
                         body={"amount": "25.00", "currency": "USD", "region": "US",
                               "return_url": "https://shop.example/done"},
                         headers={"Idempotency-Key": "order-7"})
        self.assertEqual(again.json()["id"], s["id"])
        read = self.api("GET", "/v1/checkout-sessions/" + s["id"], "/v1/checkout-sessions/{id}",
                        key=self.env.read_key)
        self.assertEqual(read.json()["amount"], "25.00")
        missing = self.api("GET", "/v1/checkout-sessions/cs_" + "0" * 32,
                           "/v1/checkout-sessions/{id}")
        self.assertEqual(missing.status, 404)

    def test_bad_sessions_are_refused(self):
        base = {"amount": "25.00", "currency": "USD", "region": "US",
                "return_url": "https://shop.example/done"}
        for change, param in (({"return_url": "javascript:alert(1)"}, "return_url"),
                              ({"return_url": "/relative"}, "return_url"),
                              ({"locale": "fr"}, "locale"),
                              ({"amount": 25}, "amount")):
            r = self.api("POST", "/v1/checkout-sessions", "/v1/checkout-sessions",
                         body={**base, **change})
            self.assertEqual(r.status, 400, (change, r.body))
            self.assertEqual(r.json()["error"]["param"], param)
        r = self.api("POST", "/v1/checkout-sessions", "/v1/checkout-sessions",
                     body={**base, "currency": "XYZ"})
        self.assertEqual(r.status, 400, r.body)
        r = self.api("POST", "/v1/checkout-sessions", "/v1/checkout-sessions", body=base,
                     key=self.env.read_key)
        self.assertEqual(r.status, 403)

    # ---- the page -------------------------------------------------------------------

    def test_page_lists_methods_cheapest_first_and_why_others_are_not_offered(self):
        s = self.env.session()
        r = self.env.request(page_path(s))
        self.assertEqual(r.status, 200)
        self.assertIn('<html lang="en">', r.body)
        csp = r.headers["Content-Security-Policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("<script>", r.body)  # no inline script
        offered = r.body.split('class="methods"')[1].split("</ol>")[0]
        totals = [float(t) for t in re.findall(r'class="total">([0-9.]+) ', offered)]
        self.assertTrue(totals, offered)
        self.assertEqual(totals, sorted(totals))
        self.assertIn('data-method="card"', offered)
        # Alipay takes no USD from a US buyer: listed with the reason.
        self.assertIn("not-offered", r.body)
        quote = self.env.request("/v1/quotes", "POST", key=self.env.read_key,
                                 body={"region": "US", "currency": "USD", "amount": "25.00"})
        for q in quote.json()["methods"]:
            if not q["offered"]:
                self.assertIn(q["reason"].replace("'", "&#39;").replace('"', "&quot;"), r.body)
        for token in ("cc-number", "cc-exp-month", "cc-exp-year", "cc-csc", "cc-name"):
            self.assertIn(f'autocomplete="{token}"', r.body)
        self.assertIn('<label for="card-number">', r.body)
        self.assertIn('aria-describedby="card-number-error"', r.body)

    def test_page_in_chinese(self):
        s = self.env.session(locale="zh")
        r = self.env.request(page_path(s))
        self.assertIn('<html lang="zh-CN">', r.body)
        self.assertIn("选择付款方式", r.body)
        en = self.env.request(page_path(s) + "?lang=en")
        self.assertIn("Choose how to pay", en.body)

    def test_unknown_or_malformed_session_is_a_404_page(self):
        for path in ("/checkout/cs_" + "a" * 32, "/checkout/nothing", "/checkout/cs_%3Cb%3E"):
            r = self.env.request(path)
            self.assertEqual(r.status, 404, path)
            self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
            self.assertIn("does not exist or has expired", r.body)
            self.assertNotIn("<b>", r.body)

    def test_assets_are_served_and_nothing_else(self):
        js = self.env.request("/checkout-assets/checkout.js")
        self.assertEqual(js.status, 200)
        self.assertTrue(js.headers["Content-Type"].startswith("text/javascript"))
        self.assertIn("luhnOk", js.body)
        self.assertEqual(self.env.request("/checkout-assets/openapi.json").status, 404)

    # ---- the card form ----------------------------------------------------------------

    def test_bad_fields_get_their_error_and_no_gateway_request(self):
        s = self.env.session()
        before = self.sandbox_intents()
        cases = (({"number": "4242424242424241"}, "number", "not valid"),
                 ({"number": "4242"}, "number", "too few or too many digits"),
                 ({"exp_year": "2020"}, "exp_month", "has expired"),
                 ({"exp_month": "13"}, "exp_month", "not valid"),
                 ({"cvc": "12"}, "cvc", "3 digits"))
        for change, name, words in cases:
            r = self.pay(s, **change)
            self.assertEqual(r.status, 400, change)
            err = re.search(rf'<p class="error" id="card-{name}-error">([^<]*)</p>', r.body)
            self.assertIsNotNone(err, r.body)
            self.assertIn(words, err.group(1), change)
            self.assertRegex(r.body, rf'id="card-{name}"[^>]*aria-invalid="true"')
            # The number and the code are never sent back into the page.
            self.assertNotIn(change.get("number", GOOD_CARD), r.body)
        self.assertEqual(self.sandbox_intents(), before)
        self.assertEqual(self.env.request(f"/v1/checkout-sessions/{s['id']}",
                                          key=self.env.read_key).json()["attempts"], 0)

    def test_tampered_hidden_fields_are_refused(self):
        s = self.env.session()
        before = self.sandbox_intents()
        for change in ({"amount": "0.01"}, {"currency": "EUR"}, {"method": "alipay"}):
            r = self.pay(s, **change)
            self.assertEqual(r.status, 400)
            self.assertIn("do not match this order", r.body)
        self.assertEqual(self.sandbox_intents(), before)

    def test_card_payment_charges_once_however_often_the_form_is_sent(self):
        s = self.env.session(amount="19.99")
        first = self.pay(s)
        self.assertEqual(first.status, 303)
        second = self.pay(s)
        self.assertEqual(second.status, 303)
        page = self.env.request(first.headers["Location"])
        self.assertIn("Payment successful", page.body)
        self.assertRegex(page.body, r'id="paid">19\.99 USD<')
        self.assertIn(f"https://shop.example/orders/42?checkout_session={s['id']}", page.body)
        read = self.api("GET", f"/v1/checkout-sessions/{s['id']}", "/v1/checkout-sessions/{id}",
                        key=self.env.read_key).json()
        self.assertEqual((read["status"], read["attempts"]), ("complete", 1))
        self.assertEqual(read["payment"]["status"], "captured")
        payments = self.env.request("/v1/payments?limit=100", key=self.env.read_key).json()
        self.assertEqual(sum(1 for p in payments["payments"]
                             if p["id"] == read["payment"]["id"]), 1)
        self.assertEqual(sum(1 for p in payments["payments"]
                             if p["amount"] == "19.99"), 1)

    def test_decline_shows_advice_then_another_card_pays(self):
        s = self.env.session(amount="31.00")
        r = self.pay(s, number=NO_FUNDS_CARD)
        self.assertEqual(r.status, 303)
        page = self.env.request(r.headers["Location"])
        self.assertIn("Payment declined", page.body)
        self.assertIn('data-code="insufficient_funds"', page.body)
        self.assertIn("There are not enough funds: add funds or use another method.", page.body)
        self.assertIn("Use another card or another payment method below.", page.body)
        self.assertIn('id="card-form"', page.body)  # the way forward is on the page
        zh = self.env.request(page_path(s) + "?lang=zh")
        self.assertIn("余额不足", zh.body)
        r = self.pay(s)
        page = self.env.request(r.headers["Location"])
        self.assertIn("Payment successful", page.body)
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual(read["attempts"], 2)

    def test_three_d_secure_by_redirect_and_back(self):
        s = self.env.session(amount="42.00")
        r = self.pay(s, number=THREE_DS_CARD)
        self.assertEqual(r.status, 303)
        challenge = r.headers["Location"]
        self.assertTrue(challenge.startswith(self.env.sandbox_url + "/card/3ds/"), challenge)
        # While the bank waits, the page says so and links to it; a second
        # form does not pay again.
        waiting = self.env.request(page_path(s))
        self.assertIn("Confirm with your bank", waiting.body)
        self.assertEqual(self.pay(s).status, 303)
        # The payer types the code on the gateway's page.
        done = self.env.request(challenge, "POST", form={"code": "123456"})
        self.assertEqual(done.status, 303, done.body)
        self.returns_paid(s, done.headers["Location"], "42.00 USD")

    def test_qr_action_is_drawn_and_the_page_follows_the_notification(self):
        # Alipay (a CN buyer paying CNY) answers with a QR action: the page
        # draws it as SVG with the link alternative, and the status route
        # reports the payment once the provider's notification lands.
        s = self.env.session(amount="88.00", currency="CNY", region="CN", locale="zh")
        page = self.env.request(page_path(s))
        self.assertIn('id="pay-alipay"', page.body)
        # The buyer cannot pick a method the page does not offer this way.
        r = self.env.request(page_path(s) + "/pay", "POST",
                             form={"method": "card", "amount": "88.00", "currency": "CNY"})
        self.assertEqual(r.status, 400)
        r = self.env.request(page_path(s) + "/pay", "POST",
                             form={"method": "alipay", "amount": "88.00", "currency": "CNY"})
        self.assertEqual(r.status, 303, r.body)
        page = self.env.request(r.headers["Location"])
        self.assertIn('<svg class="qr" id="qr"', page.body)
        self.assertRegex(page.body, r'<path fill="#000" d="(M\d+ \d+h1v1h-1z)+"')
        self.assertIn("扫码支付", page.body)
        self.assertIn('id="poll" data-status-url=', page.body)
        self.assertRegex(page.body, r'id="continue" href="https?://')  # the link alternative
        status = self.env.request(page_path(s) + "/status")
        check_response(self.doc, "GET", "/checkout/{id}/status", status)
        self.assertEqual(status.json()["status"], "requires_action")
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        delivered = self.env.deliver_sandbox_notification("alipay", read["payment"]["id"], "paid")
        self.assertEqual(delivered.status, 200, delivered.body)
        status = self.env.request(page_path(s) + "/status").json()["status"]
        self.assertIn(status, ("captured", "authorized"))
        page = self.env.request(page_path(s))
        self.assertIn("支付成功", page.body)

    # ---- PayPal: approval by redirect and back -----------------------------------------

    def start_paypal(self, session):
        r = self.env.request(page_path(session) + "/pay", "POST",
                             form={"method": "paypal", "amount": session["amount"],
                                   "currency": session["currency"]})
        self.assertEqual(r.status, 303, r.body)
        approve = r.headers["Location"]
        self.assertTrue(approve.startswith(self.env.sandbox_url + "/paypal/checkoutnow?token="),
                        approve)
        return approve

    def paypal_answer(self, approve, action, email="buyer@sandbox.example"):
        """The payer's answer on the sandbox's PayPal page; then the return
        to tenderd (which finishes the payment) and the page it shows."""
        token = urllib.parse.parse_qs(urllib.parse.urlparse(approve).query)["token"][0]
        self.assertEqual(self.env.request(approve).status, 200)
        back = self.env.request(self.env.sandbox_url + "/paypal/checkoutnow", "POST",
                                form={"token": token, "action": action, "email": email})
        self.assertEqual(back.status, 303, back.body)
        location = back.headers["Location"]
        self.assertTrue(location.startswith(self.env.url + "/checkout/"), location)
        r = self.env.request(location)
        self.assertEqual(r.status, 303, r.body)
        return location, self.env.request(r.headers["Location"])

    def test_paypal_approval_by_redirect_and_back(self):
        s = self.env.session(amount="30.00")
        approve = self.start_paypal(s)
        location, page = self.paypal_answer(approve, "approve")
        self.assertIn("PayerID=", location)  # what the plugin completes with
        self.assertIn("Payment successful", page.body)
        self.assertRegex(page.body, r'id="paid">30\.00 USD<')
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual((read["attempts"], read["payment"]["method"], read["payment"]["status"]),
                         (1, "paypal", "captured"))

    def test_paypal_return_takes_no_payer_stand_in_from_the_address(self):
        # In sandbox mode payer_action=approve would make the plugin approve
        # as the payer: the return must not take it from the address.
        s = self.env.session(amount="32.00")
        self.start_paypal(s)
        r = self.env.request(page_path(s) + "/return?payer_action=approve")
        self.assertEqual(r.status, 303)
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertNotEqual(read["payment"]["status"], "captured")

    def test_paypal_cancel_and_decline_give_the_buyer_advice_and_the_way_forward(self):
        s = self.env.session(amount="31.00")
        location, page = self.paypal_answer(self.start_paypal(s), "cancel")
        self.assertIn("cancelled=1", location)
        self.assertIn("Payment declined", page.body)
        self.assertIn('data-code="cancelled_by_payer"', page.body)
        self.assertIn("The payment was cancelled: start again if you still want to pay.", page.body)
        self.assertIn('id="pay-paypal"', page.body)  # the methods again, to start again
        # The payer approves, but PayPal refuses the payer's funding source.
        location, page = self.paypal_answer(self.start_paypal(s), "approve",
                                            email="declined@sandbox.example")
        self.assertIn('data-code="do_not_honor"', page.body)
        self.assertIn("contact your issuer or use another method", page.body)
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual((read["attempts"], read["payment"]["status"]), (2, "declined"))
        # A forged return (a payment that is over, a stand-in for the payer
        # in the address) changes nothing.
        again = self.env.request(page_path(s) + "/return?cancelled=1&payer_action=approve")
        self.assertEqual(again.status, 303)
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual((read["attempts"], read["payment"]["status"]), (2, "declined"))

    # ---- WebMoney: the buyer's purse and WMID, WebMoney's page and back --------------------

    def wm_form(self, session, **fields):
        form = {"method": "webmoney", "amount": session["amount"],
                "currency": session["currency"], "purse": "Z000000000044",
                "wmid": "000000000044"}
        form.update(fields)
        return self.env.request(page_path(session) + "/pay", "POST", form=form)

    def test_webmoney_fields_are_checked_before_anything_is_paid(self):
        s = self.env.session(amount="12.00")
        page = self.env.request(page_path(s)).body
        self.assertIn('<form class="pay-method wallet" id="form-webmoney"', page)
        self.assertIn('<label for="webmoney-purse">WebMoney purse</label>', page)
        self.assertIn('<label for="webmoney-wmid">WMID</label>', page)
        self.assertIn('data-pattern="^Z[0-9]{12}$"', page)  # USD: a Z purse
        self.assertIn('aria-describedby="webmoney-purse-hint webmoney-purse-error"', page)
        cases = [({"purse": "E000000000044"}, "purse", "Enter a purse of this order&#39;s currency"),
                 ({"purse": ""}, "purse", "Enter the purse you pay from."),
                 ({"wmid": "12345"}, "wmid", "A WMID is 12 digits."),
                 ({"wmid": ""}, "wmid", "Enter your WMID.")]
        for fields, name, message in cases:
            r = self.wm_form(s, **fields)
            self.assertEqual(r.status, 400, (fields, r.body))
            self.assertRegex(r.body, f'id="webmoney-{name}"[^>]*aria-invalid="true"')
            self.assertIn(f'<p class="error" id="webmoney-{name}-error">{message}', r.body)
        # In Chinese too.
        r = self.env.request(page_path(s) + "/pay?lang=zh", "POST",
                             form={"method": "webmoney", "amount": "12.00", "currency": "USD",
                                   "purse": "Z1", "wmid": "000000000044"})
        self.assertIn("请输入与订单币种相符的钱包", r.body)
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual((read["attempts"], read["payment"]), (0, None))  # nothing reached the plugin

    def test_webmoney_payment_page_and_back(self):
        s = self.env.session(amount="12.00")
        r = self.wm_form(s, purse=" z000000000044 ")  # a pasted purse, lower-case letter
        self.assertEqual(r.status, 303, r.body)
        pay_page = r.headers["Location"]
        self.assertTrue(pay_page.startswith(self.env.sandbox_url + "/webmoney/lmi/payment_utf.asp?"),
                        pay_page)
        query = urllib.parse.parse_qs(urllib.parse.urlparse(pay_page).query)
        self.assertEqual(query["LMI_PAYMENT_AMOUNT"], ["12"])
        self.assertEqual(query["LMI_SUCCESS_URL"], [f"{self.env.url}/checkout/{s['id']}/return"])
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual(read["payment"]["status"], "requires_action")
        self.assertEqual(read["payment"]["display"]["account"], "Z000000000044")
        # While WebMoney waits, the page links to its payment page.
        waiting = self.env.request(page_path(s))
        self.assertIn("Confirm the payment", waiting.body)
        # The payer pays on WebMoney's page (the sandbox's).
        page = self.env.request(pay_page)
        self.assertEqual(page.status, 200, page.body)
        invoice = re.search(r'name="invoice" value="(\d+)"', page.body).group(1)
        done = self.env.request(self.env.sandbox_url + "/webmoney/pay/confirm", "POST",
                                form={"invoice": invoice, "payer_wmid": "000000000044",
                                      "payer_purse": "Z000000000044", "action": "pay"})
        self.assertEqual(done.status, 302, done.body)
        self.returns_paid(s, done.headers["Location"], "12.00 USD")

    def test_webmoney_cancel_leaves_the_payment_waiting_on_webmoney(self):
        # WebMoney has no call to cancel a page payment, and its page can be
        # opened again until it times out: the buyer who cancels there comes
        # back to the page that links to WebMoney's page, not to a decline
        # that would let another method charge the order twice.
        s = self.env.session(amount="13.00")
        r = self.wm_form(s)
        self.assertEqual(r.status, 303, r.body)
        page = self.env.request(r.headers["Location"])
        invoice = re.search(r'name="invoice" value="(\d+)"', page.body).group(1)
        done = self.env.request(self.env.sandbox_url + "/webmoney/pay/confirm", "POST",
                                form={"invoice": invoice, "action": "cancel"})
        self.assertEqual(done.status, 302, done.body)
        back = done.headers["Location"]
        self.assertIn(f"/checkout/{s['id']}/return?cancelled=1&", back)
        r = self.env.request(back)
        self.assertEqual(r.status, 303)
        waiting = self.env.request(r.headers["Location"])
        self.assertIn("Confirm the payment", waiting.body)
        self.assertIn(self.env.sandbox_url + "/webmoney/lmi/payment_utf.asp?", waiting.body)
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual((read["attempts"], read["payment"]["status"]), (1, "requires_action"))

    # ---- what is shown is what is charged -------------------------------------------------

    def shown_total(self, body, method):
        item = body.split(f'data-method="{method}"')[1].split("</li>")[0]
        total = re.search(r'class="total">([0-9.]+) ([A-Z]{3})<', item)
        self.assertIsNotNone(total, item)
        return total.group(1), total.group(2)

    def test_the_total_shown_is_what_is_charged(self):
        # The card has a policy fee (2.90% + 0.30 USD): the shop's cost,
        # not added to the charge, so the page's total is the order amount.
        s = self.env.session(amount="25.00")
        page = self.env.request(page_path(s)).body
        self.assertEqual(self.shown_total(page, "card"), ("25.00", "USD"))
        self.assertEqual(self.pay(s).status, 303)
        payment = self.env.request(f"/v1/checkout-sessions/{s['id']}",
                                   key=self.env.read_key).json()["payment"]
        self.assertEqual((payment["amount"], payment["currency"]), ("25.00", "USD"))
        self.assertNotEqual(payment["fee"], "0.00")  # there is a fee, and it was not charged
        success = self.env.request(page_path(s)).body
        self.assertRegex(success, r'id="paid">25\.00 USD<')
        # Converted: a CN buyer's USD order paid with Alipay in CNY.
        s = self.env.session(amount="10.00", currency="USD", region="CN")
        page = self.env.request(page_path(s)).body
        shown = self.shown_total(page, "alipay")
        self.assertEqual(shown[1], "CNY")
        r = self.env.request(page_path(s) + "/pay", "POST",
                             form={"method": "alipay", "amount": "10.00", "currency": "USD"})
        self.assertEqual(r.status, 303, r.body)
        payment = self.env.request(f"/v1/checkout-sessions/{s['id']}",
                                   key=self.env.read_key).json()["payment"]
        self.assertEqual((payment["amount"], payment["currency"]), shown)
        self.assertNotEqual(payment["fee"], "0.00")

    def test_zz_card_number_reaches_no_log_and_not_the_ledger(self):
        # Runs last (zz): after every payment above.
        s = self.env.session(amount="5.00")
        self.pay(s, number="5555 5555 5555 4444")
        self.env.cli("list")  # the ledger is readable: every write is in it
        text = self.env.logs()
        for number in (GOOD_CARD, NO_FUNDS_CARD, THREE_DS_CARD, "5555555555554444"):
            self.assertNotIn(number, text)
            self.assertEqual(self.env.ledger_holds(number), [])
        # The scan does see what the ledger keeps: the session's id.
        self.assertNotEqual(self.env.ledger_holds(s["id"]), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
