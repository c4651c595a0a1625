"""The checkout pages in a real browser: headless Chromium driven by
WebDriver (selenium), against a tender-sandbox and a tenderd started for
the test. A buyer pays by card through a 3-D Secure challenge (typing the
code on the sandbox's page); a buyer is declined for insufficient funds
and reads the advice; the page's script refuses a mistyped number before
anything is sent; a buyer approves with PayPal, and another cancels there
and reads the advice; a buyer pays with WebMoney from a purse on
WebMoney's page (the sandbox's). Each test saves a screenshot in
SCREENSHOT_DIR.

Skipped (exit 77, with the reason printed) only when Chromium or its
driver is not installed; scripts/setup.sh installs them."""

import os
import shutil
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from checkout_env import Checkout  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
SCREENSHOTS = os.environ["SCREENSHOT_DIR"]
WAIT_S = 15

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import (NoSuchElementException,
                                            StaleElementReferenceException,
                                            WebDriverException)
    SELENIUM = True
except ImportError:
    SELENIUM = False


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=900,1300", "--lang=en-US", "--no-first-run",
                "--disable-extensions", "--disable-background-networking"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(WAIT_S)
    return driver


class CheckoutBrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        cls.tmp = tempfile.TemporaryDirectory(prefix="checkout-browser-")
        cls.env = Checkout(cls.tmp.name).__enter__()
        try:
            cls.driver = browser()
        except Exception:
            cls.env.__exit__(None, None, None)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.env.__exit__(None, None, None)
        cls.tmp.cleanup()

    def tearDown(self):
        # A failure in a browser is hard to read from the traceback alone
        # (a wait that timed out says nothing of the page): print where the
        # browser was and what it showed, so a rare failure in CI can be
        # understood from its log.
        result = getattr(self._outcome, "result", None)
        failed = result is not None and any(
            test is self for test, _ in list(result.errors) + list(result.failures))
        if not failed:
            return
        try:
            d = self.driver
            body = d.find_element(By.TAG_NAME, "body").text
            print(f"\n--- {self.id()} failed on {d.current_url} (title {d.title!r});"
                  f" the page's text:\n{body[:3000]}\n---", file=sys.stderr)
            d.save_screenshot(os.path.join(SCREENSHOTS, "failed-" + self._testMethodName + ".png"))
        except Exception as e:  # the browser itself may be what failed
            print(f"\n--- {self.id()} failed; the browser could not be read: {e}",
                  file=sys.stderr)

    def wait(self, condition):
        return WebDriverWait(self.driver, WAIT_S).until(condition)

    def click_until(self, locator, arrived):
        # Find and click in one step, again if the page was replaced in
        # between: under the sanitizer build a navigation can still be
        # swapping the document when the element is found, and Chromium
        # then reports the node as gone (a stale element, or an inspector
        # error "Node with given id does not belong to the document").
        # Done once the page the click leads to shows `arrived`, which
        # also covers a click that went through but reported an error.
        def click(driver):
            try:
                return driver.find_element(*arrived)
            except NoSuchElementException:
                pass
            try:
                driver.find_element(*locator).click()
            except (NoSuchElementException, StaleElementReferenceException, WebDriverException):
                pass
            return False
        return self.wait(click)

    def shot(self, name):
        path = os.path.join(SCREENSHOTS, name + ".png")
        self.assertTrue(self.driver.save_screenshot(path), path)

    def fill_card(self, number, cvc="123"):
        d = self.driver
        d.find_element(By.ID, "card-number").send_keys(number)
        d.find_element(By.ID, "card-exp_month").send_keys("12")
        d.find_element(By.ID, "card-exp_year").send_keys("2034")
        d.find_element(By.ID, "card-cvc").send_keys(cvc)
        d.find_element(By.ID, "card-holder").send_keys("Ada Lovelace")

    def expect_advice(self, advice, forward):
        """The decline's advice and the way forward, with the card form
        right under them to try again."""
        shown = self.wait(EC.presence_of_element_located((By.CLASS_NAME, "advice")))
        self.assertEqual(shown.text, advice)
        self.assertEqual(self.driver.find_element(By.CLASS_NAME, "forward").text, forward)
        self.assertTrue(self.driver.find_element(By.ID, "card-form").is_displayed())

    def test_card_with_three_d_secure_challenge(self):
        number = "4000000000003220"
        s = self.env.session(amount="42.00")
        d = self.driver
        d.get(s["url"])
        self.assertEqual(d.find_element(By.TAG_NAME, "html").get_attribute("lang"), "en")
        d.find_element(By.ID, "card-number").send_keys(number[:4])
        # The brand appears as the number is typed (the page's script).
        self.wait(EC.text_to_be_present_in_element((By.ID, "card-brand"), "Visa"))
        d.find_element(By.ID, "card-number").send_keys(number[4:])
        d.find_element(By.ID, "card-exp_month").send_keys("12")
        d.find_element(By.ID, "card-exp_year").send_keys("2034")
        d.find_element(By.ID, "card-cvc").send_keys("123")
        d.find_element(By.ID, "card-holder").send_keys("Ada Lovelace")
        self.shot("checkout-card-form")
        d.find_element(By.ID, "pay").click()
        # The sandbox gateway's 3-D Secure page: the payer types the code.
        code = self.wait(EC.presence_of_element_located((By.NAME, "code")))
        self.assertTrue(d.current_url.startswith(self.env.sandbox_url + "/card/3ds/"))
        self.shot("checkout-3ds-challenge")
        code.send_keys("123456")
        code.submit()
        paid = self.wait(EC.presence_of_element_located((By.ID, "paid")))
        self.assertEqual(paid.text, "42.00 USD")
        self.assertIn("Payment successful", d.find_element(By.TAG_NAME, "h1").text)
        self.assertTrue(urllib.parse.urlparse(d.current_url).path.endswith(s["id"]))
        self.shot("checkout-success")
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual((read["attempts"], read["payment"]["status"]), (1, "captured"))
        # After a browser payment the number is in neither the request log
        # nor the ledger.
        self.assertNotIn(number, self.env.logs())
        self.assertEqual(self.env.ledger_holds(number), [])

    def test_insufficient_funds_decline_shows_the_advice(self):
        s = self.env.session(amount="31.00")
        d = self.driver
        d.get(s["url"])
        self.fill_card("4000000000009995")
        d.find_element(By.ID, "pay").click()
        self.expect_advice("There are not enough funds: add funds or use another method.",
                           "Use another card or another payment method below.")
        self.shot("checkout-declined")

    def test_script_refuses_a_mistyped_number_before_sending(self):
        s = self.env.session(amount="9.00")
        d = self.driver
        d.get(s["url"] + "?lang=zh")
        self.assertEqual(d.find_element(By.TAG_NAME, "html").get_attribute("lang"), "zh-CN")
        self.fill_card("4242424242424241")
        d.find_element(By.ID, "pay").click()
        error = self.wait(EC.visibility_of_element_located((By.ID, "card-number-error")))
        self.assertEqual(error.text, "卡号无效，请检查后重新输入。")
        number = d.find_element(By.ID, "card-number")
        self.assertEqual(number.get_attribute("aria-invalid"), "true")
        self.assertEqual(d.switch_to.active_element, number)  # focus on the field to fix
        self.assertTrue(d.current_url.endswith("?lang=zh"))  # nothing was posted
        self.shot("checkout-field-error-zh")
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual(read["attempts"], 0)

    def test_operator_finds_a_payment_and_refunds_part_of_it(self):
        # A paid session for one account, found in the console by it.
        s = self.env.session(amount="60.00", account="acct_operator")
        d = self.driver
        d.get(s["url"])
        self.fill_card("4242424242424242")
        d.find_element(By.ID, "pay").click()
        self.wait(EC.presence_of_element_located((By.ID, "paid")))
        payment_id = d.find_element(By.ID, "payment-id").text
        d.get(self.env.url + "/console")
        d.find_element(By.ID, "api-key").send_keys(self.env.write_key)
        d.find_element(By.ID, "sign-in").click()
        account = self.wait(EC.presence_of_element_located((By.ID, "f-account")))
        account.send_keys("acct_operator")
        # The unfiltered list already links the payment: wait for the
        # filtered page's address (not for the old button to go stale:
        # Chromium may report a replaced node as an inspector error that
        # staleness_of does not take for staleness); click_until below
        # copes with a document still being swapped.
        d.find_element(By.ID, "filter").click()
        self.wait(EC.url_contains("account=acct_operator"))
        amount = self.click_until((By.LINK_TEXT, payment_id), (By.ID, "refund-amount"))
        amount.send_keys("15.00")
        # Without the confirmation the browser does not send the form.
        d.find_element(By.ID, "refund-submit").click()
        self.assertEqual(d.find_element(By.ID, "refunded").text, "0.00")
        d.find_element(By.ID, "refund-confirm").click()
        self.shot("console-refund")
        d.find_element(By.ID, "refund-submit").click()
        self.wait(EC.presence_of_element_located((By.CLASS_NAME, "done")))
        self.assertEqual(d.find_element(By.ID, "refunded").text, "15.00")
        self.assertEqual(d.find_element(By.ID, "status").text, "partially_refunded")
        self.shot("console-refunded")
        got = self.env.request(f"/v1/payments/{payment_id}", key=self.env.read_key).json()
        self.assertEqual(got["refunded"], "15.00")
        # The account's limit usage: the refund gave its share back.
        d.find_element(By.LINK_TEXT, "Limit usage").click()
        account = self.wait(EC.presence_of_element_located((By.ID, "l-account")))
        account.send_keys("acct_operator")
        d.find_element(By.ID, "show-limits").click()
        table = self.wait(EC.presence_of_element_located((By.CLASS_NAME, "limits")))
        used = [row.find_element(By.CLASS_NAME, "used").text
                for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")
                if row.find_elements(By.TAG_NAME, "td")[0].text == "card"]
        self.assertEqual(used, ["45.00 USD", "45.00 USD"])  # day and month: 60.00 - 15.00
        self.shot("console-limits")

    def test_alipay_qr_page_updates_itself_when_the_notification_lands(self):
        s = self.env.session(amount="88.00", currency="CNY", region="CN")
        d = self.driver
        d.get(s["url"])
        d.find_element(By.ID, "pay-alipay").click()
        self.wait(EC.presence_of_element_located((By.ID, "qr")))
        self.assertIn("Scan to pay", d.find_element(By.TAG_NAME, "h1").text)
        self.shot("checkout-alipay-qr")
        # The same page for a buyer who reads Chinese (a CJK font is installed:
        # fonts-wqy-zenhei).
        d.get(s["url"] + "?lang=zh")
        self.wait(EC.presence_of_element_located((By.ID, "qr")))
        self.assertEqual(d.find_element(By.TAG_NAME, "h1").text, "扫码支付")
        self.shot("checkout-alipay-qr-zh")
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        r = self.env.deliver_sandbox_notification("alipay", read["payment"]["id"], "paid")
        self.assertEqual(r.status, 200, r.body)
        # No reload by the test: the page's script sees the new status.
        paid = self.wait(EC.presence_of_element_located((By.ID, "paid")))
        self.assertEqual(paid.text, "88.00 CNY")
        self.shot("checkout-alipay-paid")


    # ---- PayPal ------------------------------------------------------------------------

    def paypal_page(self, amount):
        s = self.env.session(amount=amount)
        d = self.driver
        d.get(s["url"])
        d.find_element(By.ID, "pay-paypal").click()
        email = self.wait(EC.presence_of_element_located((By.ID, "email")))
        self.assertTrue(d.current_url.startswith(self.env.sandbox_url + "/paypal/checkoutnow"))
        return s, email

    def test_paypal_approval_by_redirect_and_back(self):
        s, email = self.paypal_page("35.00")
        d = self.driver
        self.assertIn("35.00 USD", d.find_element(By.TAG_NAME, "body").text)
        self.shot("checkout-paypal-approve")
        d.find_element(By.CSS_SELECTOR, 'button[value="approve"]').click()
        paid = self.wait(EC.presence_of_element_located((By.ID, "paid")))
        self.assertEqual(paid.text, "35.00 USD")
        self.assertIn("Payment successful", d.find_element(By.TAG_NAME, "h1").text)
        self.assertTrue(urllib.parse.urlparse(d.current_url).path.endswith(s["id"]))
        self.shot("checkout-paypal-paid")
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual((read["payment"]["method"], read["payment"]["status"]),
                         ("paypal", "captured"))

    def test_paypal_cancel_shows_the_advice_and_the_methods_again(self):
        s, _ = self.paypal_page("36.00")
        d = self.driver
        d.find_element(By.CSS_SELECTOR, 'button[value="cancel"]').click()
        self.expect_advice("The payment was cancelled: start again if you still want to pay.",
                           "Start the payment again below.")
        self.assertTrue(d.find_element(By.ID, "pay-paypal").is_displayed())
        self.shot("checkout-paypal-cancelled")
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual(read["payment"]["status"], "declined")

    # ---- WebMoney ----------------------------------------------------------------------

    def test_webmoney_purse_checked_in_the_page_then_paid_on_webmoneys_page(self):
        s = self.env.session(amount="14.50")
        d = self.driver
        d.get(s["url"])
        purse = d.find_element(By.ID, "webmoney-purse")
        wmid = d.find_element(By.ID, "webmoney-wmid")
        # A purse of another currency: the script says so at the field and
        # sends nothing.
        purse.send_keys("E000000000044")
        wmid.send_keys("000000000044")
        d.find_element(By.ID, "pay-webmoney").click()
        error = self.wait(EC.visibility_of_element_located((By.ID, "webmoney-purse-error")))
        self.assertIn("Enter a purse of this order's currency", error.text)
        self.assertEqual(purse.get_attribute("aria-invalid"), "true")
        self.assertEqual(d.switch_to.active_element, purse)
        self.shot("checkout-webmoney-purse-error")
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual(read["attempts"], 0)
        purse.clear()
        purse.send_keys("Z000000000044")
        self.shot("checkout-webmoney-form")
        d.find_element(By.ID, "pay-webmoney").click()
        # WebMoney's payment page (the sandbox's): the payer pays from the purse.
        payer = self.wait(EC.presence_of_element_located((By.ID, "payer_wmid")))
        self.assertTrue(d.current_url.startswith(self.env.sandbox_url + "/webmoney/"))
        payer.send_keys("000000000044")
        d.find_element(By.ID, "payer_purse").send_keys("Z000000000044")
        self.shot("checkout-webmoney-page")
        d.find_element(By.CSS_SELECTOR, 'button[value="pay"]').click()
        paid = self.wait(EC.presence_of_element_located((By.ID, "paid")))
        self.assertEqual(paid.text, "14.50 USD")
        self.shot("checkout-webmoney-paid")
        read = self.env.request(f"/v1/checkout-sessions/{s['id']}", key=self.env.read_key).json()
        self.assertEqual((read["payment"]["method"], read["payment"]["status"]),
                         ("webmoney", "captured"))


def main():
    missing = [name for name, found in (("chromium", CHROMIUM), ("chromedriver", DRIVER),
                                        ("python3-selenium", SELENIUM)) if not found]
    if missing:
        print("SKIP: the browser tests need " + ", ".join(missing) +
              " (scripts/setup.sh installs chromium, chromium-driver, python3-selenium)")
        sys.exit(77)
    result = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
