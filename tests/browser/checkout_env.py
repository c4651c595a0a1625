"""What the checkout tests share: a tender-sandbox and a tenderd with the
bundled plugins pointed at it, both on ephemeral loopback ports and both
stopped at the end, plus a checkout session to pay.

Standard library only (the browser tests add selenium). Paths come from
the environment meson sets: TENDERD, TENDER, TENDER_SANDBOX, PLUGIN_DIR.
The ledger is tests/service/tenderd_support.py's ledger_location: a file,
or a schema of the test server under `meson test --setup postgres`."""

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "service"))
from tenderd_support import ledger_holds, ledger_location  # noqa: E402

TENDERD = os.environ["TENDERD"]
TENDER = os.environ["TENDER"]
SANDBOX = os.environ["TENDER_SANDBOX"]
PLUGIN_DIR = os.environ["PLUGIN_DIR"]


def _first_line(proc, what):
    ready, _, _ = select.select([proc.stdout], [], [], 20)
    if not ready:
        proc.kill()
        raise AssertionError(f"{what} printed no URL within 20 s")
    line = proc.stdout.readline().strip()
    if not line.startswith("http://127.0.0.1:"):
        proc.kill()
        raise AssertionError(f"{what}'s first line is not its URL: {line!r}")
    return line


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name)


class Checkout:
    """A sandbox and a tenderd on one ledger in tmp; use as a context
    manager so both are stopped whatever happens."""

    def __init__(self, tmp, fixtures=False):
        """fixtures: load the core fixture plugins too (fx_notify answers
        pending, and its sync settles it as captured)."""
        self.tmp = tmp
        self.fixtures = fixtures
        self.ledger = ledger_location(tmp)
        self.config = os.path.join(tmp, "config.json")
        self.sandbox_log = os.path.join(tmp, "sandbox.log")
        self.tenderd_log = os.path.join(tmp, "tenderd.log")
        self.procs = []

    def __enter__(self):
        with open(self.sandbox_log, "w") as log:
            sb = subprocess.Popen([SANDBOX, "--listen", "127.0.0.1:0", "--config-out", self.config],
                                  stdout=subprocess.PIPE, stderr=log, text=True)
        self.procs.append(sb)
        self.sandbox_url = _first_line(sb, "tender-sandbox")
        # tenderd's port, chosen now so that Alipay's notify_url can name
        # it: the sandbox delivers a paid trade's notification there.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with open(self.config) as f:
            conf = json.load(f)
        methods = conf.setdefault("methods", {})
        alipay = methods.setdefault("alipay", {}).setdefault("settings", {})
        alipay["notify_url"] = f"http://127.0.0.1:{port}/v1/webhooks/alipay"
        # WebMoney posts its pre-request and signed result there (LMI_RESULT_URL).
        webmoney = methods.setdefault("webmoney", {}).setdefault("settings", {})
        webmoney["result_url"] = f"http://127.0.0.1:{port}/v1/webhooks/webmoney"
        if self.fixtures:
            methods["fx_notify"] = {"settings": {"sync_event": "captured"}}
        with open(self.config, "w") as f:
            json.dump(conf, f)
        self.write_key = self.cli("api-key", "create", "shop")["secret"]
        self.read_key = self.cli("api-key", "create", "reader", "--scope", "read")["secret"]
        with open(self.tenderd_log, "w") as log:
            td = subprocess.Popen([TENDERD, *self.plugin_args(), "--config", self.config,
                                   "--ledger", self.ledger, "--listen", f"127.0.0.1:{port}"],
                                  stdout=subprocess.PIPE, stderr=log, text=True)
        self.procs.append(td)
        self.url = _first_line(td, "tenderd")
        return self

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            proc.stdout.close()
        return False

    def plugin_args(self):
        dirs = [PLUGIN_DIR] + ([os.environ["FIXTURE_DIR"]] if self.fixtures else [])
        return [arg for d in dirs for arg in ("--plugin-dir", d)]

    def cli(self, *args):
        out = subprocess.run([TENDER, *self.plugin_args(), "--config", self.config,
                              "--ledger", self.ledger, "--json", *args],
                             capture_output=True, text=True, timeout=30, check=True)
        return json.loads(out.stdout)

    def request(self, path, method="GET", body=None, form=None, key=None, headers=None,
                follow=False, raw=None):
        data = raw
        req_headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            req_headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            req_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if key:
            req_headers["Authorization"] = "Bearer " + key
        url = path if path.startswith("http") else self.url + path
        req = urllib.request.Request(url, data=data, method=method, headers=req_headers)
        opener = (urllib.request.build_opener() if follow
                  else urllib.request.build_opener(NoRedirect))
        try:
            with opener.open(req, timeout=30) as resp:
                return Response(resp.status, resp.headers, resp.read().decode())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read().decode())

    def session(self, amount="25.00", currency="USD", region="US", key=None, **extra):
        body = {"amount": amount, "currency": currency, "region": region,
                "return_url": "https://shop.example/orders/42"}
        body.update(extra)
        r = self.request("/v1/checkout-sessions", "POST", body=body, key=self.write_key,
                         headers={"Idempotency-Key": key} if key else None)
        assert r.status == 200, (r.status, r.body)
        return r.json()

    def alipay_buyer_pays(self, payment_id):
        """A tender-sandbox test buyer pays the payment's trade at the
        cashier its QR code opens; the sandbox then posts its signed
        notification to tenderd (the config's notify_url). Returns the
        cashier's answer once tenderd has the payment paid (10 s at most)."""
        payment = self.request(f"/v1/payments/{payment_id}", key=self.read_key).json()
        cashier = (payment.get("action") or {}).get("data") or payment.get("action_data")
        assert cashier, payment
        paid = self.request(cashier, "POST", form={"logon_id": "buyer-iii@sandbox.alipay.test",
                                                  "password": "111111"})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            now = self.request(f"/v1/payments/{payment_id}", key=self.read_key).json()
            if now.get("status") != "requires_action":
                break
            time.sleep(0.1)
        return paid

    def deliver_sandbox_notification(self, method, payment_id, event):
        """The provider's notification of event about payment_id, as the
        sandbox would send it (`tender sandbox-notification`), posted to
        tenderd's webhook route; the answer. Alipay's plugin is a gateway
        client with no simulation: its buyer pays at tender-sandbox's
        cashier, and the sandbox notifies tenderd itself."""
        if method == "alipay" and event == "paid":
            return self.alipay_buyer_pays(payment_id)
        message = subprocess.run(
            [TENDER, *self.plugin_args(), "--config", self.config, "--ledger",
             self.ledger, "sandbox-notification", payment_id, event],
            capture_output=True, timeout=30, check=True).stdout
        head, _, body = message.partition(b"\r\n\r\n")
        if not body:
            head, _, body = message.partition(b"\n\n")
        headers = {}
        for line in head.decode().splitlines():
            name, _, value = line.partition(":")
            if value and name.lower() not in ("content-length", "host"):
                headers[name.strip()] = value.strip()
        return self.request(f"/v1/webhooks/{method}", "POST", headers=headers, raw=body)

    def ledger_holds(self, secret):
        """Where the ledger keeps secret in full ([] when nowhere)."""
        return ledger_holds(self.ledger, secret)

    def logs(self):
        with open(self.tenderd_log) as f:
            return f.read()

