"""Several tenderd processes on one ledger (issue 18): "many hosts" for the
invariants, whatever the ledger is. They race one idempotency key (the
plugin is reached once), one account's daily limit (never exceeded), one
payment's capture (captured once); a host is SIGKILLed in the middle of
operations, the others carry on, and `tender reconcile` (another host)
settles what it left. Afterwards every money invariant and every limit
counter is rechecked from the rows, with SQL: on SQLite in a copy made with
`tender ledger copy` (which checks the copy as well), on PostgreSQL in the
tables read with psql.

The ledger is an SQLite file in the test's directory, unless
TENDER_TEST_LEDGER names a PostgreSQL server (tests/support/with-postgres
sets it): then every test gets a new, empty schema of it, as
tests/support/test-ledger.c does for the C tests. On SQLite, several
processes on one file on one machine are the many hosts.

Run by meson (tests/service/meson.build); `python3 test_many_hosts.py
[TestCase[.test]]` runs a part."""

import csv
import io
import json
import os
import shutil
import sqlite3
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
    Tenderd,
    ledger_location as test_ledger,
    psql,
    request,
    wait_until,
)

HOSTS = 3
LIMIT = 100  # USD a day, per account, on both methods


def shared_config(tmp):
    """fx_count and fx_slow count their calls; both hold every account to a
    daily limit; fx_slow answers slowly enough to be killed mid-call."""
    limits = [{"window": "day", "currency": "USD", "max": f"{LIMIT}.00"}]
    conf = {
        "exchange": {"base": "USD", "as_of": "2026-01-01", "rates": {"EUR": "0.9"}},
        "methods": {
            "fx_count": {
                "deadline_ms": 10000,
                "limits": limits,
                "settings": {"sleep_ms": 150, "counter_file": os.path.join(tmp, "count-calls")},
            },
            "fx_slow": {
                "deadline_ms": 10000,
                "limits": limits,
                "settings": {"sleep_ms": 2000, "counter_file": os.path.join(tmp, "slow-calls")},
            },
        },
        "service": {"max_in_flight": 256},
    }
    path = os.path.join(tmp, "config.json")
    with open(path, "w") as f:
        json.dump(conf, f)
    return path


def run_tender(ledger, config, *args):
    proc = subprocess.run(
        [TENDER, "--plugin-dir", FIXTURE_DIR, "--config", config, "--ledger", ledger, "--json",
         *args],
        capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError(f"tender {args} exited {proc.returncode}: {proc.stderr}")
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def calls(path, op):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line for line in f.read().splitlines() if line.startswith(op + " ")]


class ManyHosts(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tender-many-hosts-")
        self.ledger = test_ledger(self.tmp)
        self.config = shared_config(self.tmp)
        self.key = run_tender(self.ledger, self.config, "api-key", "create", "shop")["secret"]
        self.hosts = [Tenderd(self.tmp, self.ledger, self.config, time_scale=1.0).start()
                      for _ in range(HOSTS)]

    def tearDown(self):
        for h in self.hosts:
            h.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- requests ----------------------------------------------------------

    def post(self, host, path, body, idempotency_key=None, timeout=60):
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return request(host.url + path, "POST", body, self.key, headers, timeout=timeout)

    def pay(self, host, method="fx_count", amount="10.00", account="acct", key=None):
        return self.post(host, "/v1/payments",
                         {"method": method, "amount": amount, "currency": "USD", "region": "US",
                          "account": account}, key)

    def race(self, work, n):
        """Run work(i) on n threads released together; the results in order."""
        results = [None] * n
        start = threading.Barrier(n)

        def one(i):
            start.wait()
            try:
                results[i] = work(i)
            except Exception as e:  # a connection cut by a kill
                results[i] = e

        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        self.assertFalse(any(t.is_alive() for t in threads), "a request never finished")
        return results

    # ---- the rows ----------------------------------------------------------

    def rows(self):
        """The shared ledger's rows, open for SQL in SQLite: a copy made
        with `tender ledger copy` (so every run checks the copy too), or,
        on a server, its tables read with psql (COPY … CSV) into an SQLite
        database in memory."""
        if "://" not in self.ledger:
            copy = os.path.join(self.tmp, f"check-{time.monotonic_ns()}.db")
            subprocess.run([TENDER, "--json", "ledger", "copy", "--from", self.ledger, "--to",
                            copy], check=True, capture_output=True, timeout=60)
            db = sqlite3.connect(copy)
            self.addCleanup(db.close)
            return db
        db = sqlite3.connect(":memory:")
        self.addCleanup(db.close)
        for table in ("payments", "operations", "usage", "payment_usage"):
            out = subprocess.run(
                [psql(), "-q", "-v", "ON_ERROR_STOP=1", "-c",
                 f"COPY {table} TO STDOUT WITH (FORMAT csv, HEADER, NULL '\\N')", self.ledger],
                check=True, capture_output=True, text=True, timeout=30).stdout
            reader = csv.reader(io.StringIO(out))
            header = next(reader)
            # NUMERIC affinity: numbers come back as numbers, words as text.
            db.execute(f"CREATE TABLE {table} ({', '.join(c + ' NUMERIC' for c in header)})")
            db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in header)})",
                           [[None if v == "\\N" else v for v in row] for row in reader])
        return db

    def check_invariants(self, db):
        """Every money invariant and limit counter, from the rows."""
        q = lambda sql, *a: db.execute(sql, a).fetchall()  # noqa: E731
        # Amounts: nothing captured beyond the authorization (the fixtures
        # allow no over-capture), refunded beyond the capture, or negative.
        self.assertEqual(q("SELECT id FROM payments WHERE captured > amount OR refunded > captured"
                           " OR captured < 0 OR refunded < 0"), [])
        # A payment's captured and refunded amounts are the sums of its
        # approved operations.
        for pid, captured, refunded in q("SELECT id, captured, refunded FROM payments"):
            ops = dict(q("SELECT kind, coalesce(sum(amount), 0) FROM operations WHERE payment_id = ?"
                         " AND outcome = 'approved' AND kind IN ('capture', 'refund')"
                         " GROUP BY kind", pid))
            if q("SELECT 1 FROM operations WHERE payment_id = ? AND kind = 'sync'", pid):
                continue  # a sync may set amounts the processor reported
            self.assertEqual(ops.get("capture", 0), captured, pid)
            self.assertEqual(ops.get("refund", 0), refunded, pid)
        # No lease is left: every operation finished or was settled.
        self.assertEqual(q("SELECT id FROM payments WHERE busy_until_ms <> 0"), [])
        # Each counter is the sum of what its payments count in it, and none
        # is over the limit (minor units).
        for key, amount in q("SELECT key, amount FROM usage"):
            counted = q("SELECT coalesce(sum(counted), 0) FROM payment_usage WHERE key = ?", key)
            self.assertEqual(amount, counted[0][0], key)
            self.assertLessEqual(amount, LIMIT * 100, key)
        # What a payment counts is what it holds: its amount while
        # authorized, nothing once declined, voided or failed.
        self.assertEqual(q("SELECT p.id FROM payments p JOIN payment_usage u ON u.payment_id = p.id"
                           " WHERE p.status IN ('declined', 'voided', 'failed', 'expired')"
                           " AND u.counted <> 0"), [])
        # One payment per idempotency key, one operation per payment, kind
        # and key.
        self.assertEqual(q("SELECT idempotency_key FROM payments WHERE idempotency_key IS NOT NULL"
                           " GROUP BY idempotency_key HAVING count(*) > 1"), [])
        self.assertEqual(q("SELECT payment_id FROM operations WHERE idempotency_key IS NOT NULL"
                           " GROUP BY payment_id, kind, idempotency_key HAVING count(*) > 1"), [])

    # ---- the races ---------------------------------------------------------

    def test_one_idempotency_key_reaches_the_plugin_once(self):
        n = 4 * HOSTS
        results = self.race(lambda i: self.pay(self.hosts[i % HOSTS], key="order-42"), n)
        for r in results:
            self.assertNotIsInstance(r, Exception, r)
        ok = [r for r in results if r.status == 200]
        # Every request is answered with the one payment: at once, or once
        # the winner's answer is there.
        self.assertEqual(len(ok), n, [(r.status, r.body) for r in results])
        self.assertEqual({r.json()["id"] for r in ok}, {ok[0].json()["id"]})
        self.assertEqual(len(calls(os.path.join(self.tmp, "count-calls"), "authorize")), 1)
        db = self.rows()
        self.assertEqual(db.execute("SELECT count(*) FROM payments").fetchone()[0], 1)
        self.check_invariants(db)

    def test_one_accounts_daily_limit_is_never_exceeded(self):
        n = 30  # 30 × 10.00 against a limit of 100.00
        results = self.race(lambda i: self.pay(self.hosts[i % HOSTS], account="acct-limit"), n)
        for r in results:
            self.assertNotIsInstance(r, Exception, r)
        approved = [r for r in results if r.status == 200 and r.json()["status"] == "authorized"]
        self.assertEqual(len(approved), LIMIT // 10, [(r.status, r.body[:120]) for r in results])
        # The refusals never reached the plugin.
        self.assertEqual(len(calls(os.path.join(self.tmp, "count-calls"), "authorize")),
                         LIMIT // 10)
        db = self.rows()
        held = db.execute("SELECT coalesce(sum(amount), 0) FROM payments WHERE account = ?"
                          " AND status = 'authorized'", ("acct-limit",)).fetchone()[0]
        self.assertEqual(held, LIMIT * 100)
        counters = db.execute("SELECT amount FROM usage WHERE key LIKE '%acct-limit%'").fetchall()
        self.assertTrue(counters, "the account has a counter")
        self.assertEqual(max(c[0] for c in counters), LIMIT * 100)
        self.check_invariants(db)

    def test_one_payments_capture_is_captured_once(self):
        p = self.pay(self.hosts[0], account="acct-capture").json()
        self.assertEqual(p["status"], "authorized")
        n = 3 * HOSTS
        results = self.race(
            lambda i: self.post(self.hosts[i % HOSTS], f"/v1/payments/{p['id']}/capture", {}), n)
        for r in results:
            self.assertNotIsInstance(r, Exception, r)
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [200] + [409] * (n - 1), [r.body[:160] for r in results])
        self.assertEqual(len(calls(os.path.join(self.tmp, "count-calls"), "capture")), 1)
        db = self.rows()
        self.assertEqual(db.execute("SELECT status, captured FROM payments WHERE id = ?",
                                    (p["id"],)).fetchall(), [("captured", 1000)])
        self.assertEqual(db.execute("SELECT count(*) FROM operations WHERE payment_id = ? AND"
                                    " kind = 'capture' AND outcome = 'approved'",
                                    (p["id"],)).fetchone()[0], 1)
        self.check_invariants(db)

    def test_a_killed_hosts_payments_are_settled_by_another(self):
        victim, survivor = self.hosts[0], self.hosts[1]
        slow_calls = os.path.join(self.tmp, "slow-calls")
        inflight = 4
        threads_done = []

        def doomed(i):
            try:
                self.pay(victim, method="fx_slow", amount="20.00", account="acct-kill")
            except Exception:
                pass
            threads_done.append(i)

        threads = [threading.Thread(target=doomed, args=(i,)) for i in range(inflight)]
        for t in threads:
            t.start()
        self.assertTrue(wait_until(lambda: len(calls(slow_calls, "authorize")) == inflight,
                                   timeout=20), "the plugin never got every payment")
        victim.kill()  # SIGKILL, mid-call: intents committed, outcomes never recorded
        for t in threads:
            t.join(30)
        # The others carry on, on the same account: the orphans still hold
        # 80.00 of its 100.00, so one more 20.00 passes and the next does not.
        # (The limit is fx_slow's: each method counts its own.)
        r = self.pay(survivor, method="fx_slow", amount="20.00", account="acct-kill")
        self.assertEqual((r.status, r.json()["status"]), (200, "authorized"), r.body)
        r = self.pay(self.hosts[2], method="fx_slow", amount="20.00", account="acct-kill")
        self.assertEqual(r.status, 402, r.body)
        other = self.pay(self.hosts[2], amount="5.00", account="someone-else")
        self.assertEqual(other.status, 200, other.body)
        # The victim's leases run 30 s past its deadline; let them lapse
        # rather than wait (as tests/core/test-core-crash.cpp does).
        self.expire_leases()
        report = run_tender(self.ledger, self.config, "reconcile")
        self.assertEqual(report["errors"], 0, report)
        self.assertGreaterEqual(report["resolved"], inflight, report)
        db = self.rows()
        orphans = db.execute("SELECT status FROM payments WHERE method = 'fx_slow'"
                             " AND status <> 'authorized' AND coalesce(decline_raw, '') <> 'policy'").fetchall()
        # The processor never answered them: sync finds nothing there, they
        # are declined, and what they held on the account is released.
        self.assertEqual(orphans, [("declined",)] * inflight)
        self.check_invariants(db)
        counter = db.execute("SELECT max(amount) FROM usage WHERE key LIKE '%acct-kill%'")
        self.assertEqual(counter.fetchone()[0], 2000)
        # And the account has its room back, on any host.
        r = self.pay(survivor, method="fx_slow", amount="20.00", account="acct-kill")
        self.assertEqual((r.status, r.json()["status"]), (200, "authorized"), r.body)

    def expire_leases(self):
        sql = "UPDATE payments SET busy_until_ms = 1 WHERE busy_until_ms > 0"
        if "://" in self.ledger:
            subprocess.run([psql(), "-q", "-v", "ON_ERROR_STOP=1", "-c", sql, self.ledger],
                           check=True, timeout=30)
            return
        db = sqlite3.connect(self.ledger, timeout=10)
        with db:
            changed = db.execute(sql).rowcount
        db.close()
        self.assertGreater(changed, 0, "the killed host left leases")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
