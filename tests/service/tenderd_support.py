"""Support for the tenderd tests: start a tenderd on an ephemeral port,
talk to it with urllib, and check every answer against the service's own
OpenAPI document (a small checker for the subset of JSON Schema it uses).

Standard library only. Paths come from the environment meson sets:
TENDERD, TENDER (the command), FIXTURE_DIR (the core fixture plugins),
TENDER_SOURCE_ROOT. Under `meson test --setup postgres`
(tests/support/with-postgres) TENDER_TEST_LEDGER names a PostgreSQL
server and TENDER_TEST_POSTGRES_BIN its programs: ledger_location then
gives every ledger a schema of that server instead of a file."""

import contextlib
import csv
import hashlib
import hmac
import http.server
import io
import itertools
import json
import os
import re
import resource
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

TENDERD = os.environ["TENDERD"]
TENDER = os.environ["TENDER"]
FIXTURE_DIR = os.environ["FIXTURE_DIR"]
SOURCE_ROOT = os.environ["TENDER_SOURCE_ROOT"]


# ---- the ledger: a file, or a schema of the test server ------------------

_PG_LEDGERS = {}  # path -> the schema URI it got in this process
_PG_SCHEMAS = itertools.count(1)


def is_postgres(ledger):
    """True when the location names a PostgreSQL server, not a file."""
    return ledger.startswith(("postgresql://", "postgres://"))


def psql():
    """The psql of the test server's installation (with-postgres names its
    bin directory), else the one on PATH."""
    bindir = os.environ.get("TENDER_TEST_POSTGRES_BIN")
    return os.path.join(bindir, "psql") if bindir else "psql"


def _psql(location, *args):
    """psql's output of args on location; AssertionError when it fails."""
    proc = subprocess.run([psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", *args, location],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError(f"psql {args} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout


def ledger_location(tmp, name="ledger.db"):
    """The ledger a test gives tenderd and `tender` where it would give the
    file tmp/name: that path, or, when TENDER_TEST_LEDGER names a
    PostgreSQL server, the URI of a schema of it (search_path set through
    libpq's options), as tests/support/test-ledger.c does for the C tests.
    The same path asked twice in one process is the same ledger; a path
    asked for the first time gets a new, empty schema."""
    path = os.path.join(tmp, name)
    server = os.environ.get("TENDER_TEST_LEDGER", "")
    if not is_postgres(server):
        return path
    if path not in _PG_LEDGERS:
        # Unique across the test processes sharing one server: pid and a
        # count in this process.
        schema = f"py{os.getpid()}_{next(_PG_SCHEMAS)}"
        _psql(server, "-c", f"CREATE SCHEMA {schema}")
        _PG_LEDGERS[path] = f"{server}{'&' if '?' in server else '?'}options=-csearch_path%3D{schema}"
    return _PG_LEDGERS[path]


def ledger_sql(ledger, sql):
    """The rows of sql run on a PostgreSQL ledger (its schema first on the
    search path), each a list of the columns' text, None for NULL."""
    out = _psql(ledger, "-c", f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, NULL '\\N')")
    return [[None if v == "\\N" else v for v in row] for row in csv.reader(io.StringIO(out))]


def _ledger_tables(ledger):
    return [row[0] for row in ledger_sql(
        ledger, "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                "ORDER BY table_name")]


def ledger_holds(ledger, secret):
    """Where the ledger keeps secret in full: the files (the SQLite file
    and its WAL) or, on PostgreSQL, the tables of its schema whose rows
    hold it, as text or as the hex a bytea column shows. [] when nowhere."""
    needle = secret.encode()
    found = []
    if not is_postgres(ledger):
        for path in (ledger, ledger + "-wal"):
            if os.path.exists(path):
                with open(path, "rb") as f:
                    if needle in f.read():
                        found.append(path)
        return found
    hexed = needle.hex()
    for table in _ledger_tables(ledger):
        rows = _psql(ledger, "-c", f'COPY "{table}" TO STDOUT')
        if secret in rows or hexed in rows.lower():
            found.append(table)
    return found


def test_config(tmp, extra=None):
    """The config every test starts from: fixture methods with counter
    files, a slow method for concurrency and drains, small service limits."""
    conf = {
        "methods": {
            "fx_action": {"deadline_ms": 5000},
            "fx_echo": {"deadline_ms": 5000},
            "fx_notify": {"deadline_ms": 5000},
            # A protocol client whose provider refuses connections (port 9 on
            # loopback has no listener): its failures feed the transport
            # metrics.
            "fx_http": {"deadline_ms": 3000, "retries": {"max": 0},
                        "settings": {"endpoint": "http://127.0.0.1:9"}},
            "fx_slow": {
                "deadline_ms": 10000,
                "settings": {
                    "sleep_ms": 700,
                    "counter_file": os.path.join(tmp, "slow-calls"),
                },
            },
        },
        "service": {
            "max_body_bytes": 4096,
            "max_headers": 40,
            "client_timeout_ms": 1000,
        },
    }
    if extra:
        conf.update(extra)
    path = os.path.join(tmp, "config.json")
    with open(path, "w") as f:
        json.dump(conf, f)
    return path


def cli(ledger, *args, check=True):
    """Run `tender --json ARGS` on ledger; the parsed output."""
    proc = subprocess.run(
        [TENDER, "--plugin-dir", FIXTURE_DIR, "--ledger", ledger, "--json", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"tender {args} exited {proc.returncode}: {proc.stderr}")
    return json.loads(proc.stdout) if proc.stdout.strip() else None


class Tenderd:
    """One tenderd process."""

    def __init__(self, tmp, ledger=None, config=None, time_scale=1000.0, plugin_dirs=None,
                 listen="127.0.0.1:0", preexec_fn=None):
        self.tmp = tmp
        self.ledger = ledger or ledger_location(tmp)
        self.config = config or test_config(tmp)
        self.time_scale = time_scale
        self.plugin_dirs = plugin_dirs or [FIXTURE_DIR]
        self.listen = listen
        self.preexec_fn = preexec_fn  # run in the child before exec (limits)
        self.proc = None
        self.url = None
        self.log_path = None

    def start(self):
        fd, self.log_path = tempfile.mkstemp(prefix="tenderd-", suffix=".log", dir=self.tmp)
        self.log = os.fdopen(fd, "w")
        self.proc = subprocess.Popen(
            [TENDERD]
            + [arg for d in self.plugin_dirs for arg in ("--plugin-dir", d)]
            + ["--config", self.config, "--ledger", self.ledger, "--listen", self.listen,
               "--time-scale", str(self.time_scale)],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            preexec_fn=self.preexec_fn,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        if not ready:
            self.kill()
            raise AssertionError("tenderd printed no base URL within 20 s")
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.kill()
            raise AssertionError(f"tenderd's first line is not its URL: {line!r}; log: {self.logs()}")
        self.url = line
        return self

    def logs(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def log_lines(self):
        out = []
        for line in self.logs().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def stop(self):
        """SIGTERM and wait; the exit code."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.close()
        return self.proc.returncode if self.proc else None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.close()

    def close(self):
        if self.proc and self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()
        if self.log_path and not self.log.closed:
            self.log.close()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name)


def request(url, method="GET", body=None, key=None, headers=None, raw=None, timeout=30):
    """One HTTP exchange: a Response whatever the status."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None and raw is None:
        req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", "Bearer " + key)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Response(resp.status, resp.headers, resp.read().decode())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read().decode())


# ---- the OpenAPI checker ---------------------------------------------------


class SchemaError(AssertionError):
    pass


def _type_ok(value, name):
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise SchemaError(f"the checker does not know type {name}")


def validate(value, schema, doc, where="$"):
    """Raise SchemaError when value does not match schema. Supports what
    service/openapi.json uses: $ref, type (a name or a list), enum,
    pattern, minimum/maximum, properties, required, additionalProperties
    (false or a schema), items, oneOf."""
    if "$ref" in schema:
        target = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return validate(value, target, doc, where)
    known = {"type", "enum", "pattern", "minimum", "maximum", "properties", "required",
             "additionalProperties", "items", "oneOf", "description", "format", "default",
             "maxLength"}
    unknown = set(schema) - known
    if unknown:
        raise SchemaError(f"{where}: the checker does not support {sorted(unknown)}")
    if "oneOf" in schema:
        matches = 0
        for option in schema["oneOf"]:
            try:
                validate(value, option, doc, where)
                matches += 1
            except SchemaError:
                pass
        if matches != 1:
            raise SchemaError(f"{where}: {matches} of oneOf match {value!r}")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_type_ok(value, t) for t in types):
            raise SchemaError(f"{where}: {value!r} is not {types}")
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaError(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise SchemaError(f"{where}: {value!r} does not match {schema['pattern']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise SchemaError(f"{where}: longer than {schema['maxLength']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise SchemaError(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise SchemaError(f"{where}: {value} > {schema['maximum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                raise SchemaError(f"{where}: missing {name}")
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                validate(item, props[name], doc, f"{where}.{name}")
            elif extra is False:
                raise SchemaError(f"{where}: {name} is not in the schema")
            elif isinstance(extra, dict):
                validate(item, extra, doc, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            validate(item, schema["items"], doc, f"{where}[{i}]")


def check_response(doc, method, template, resp):
    """The documented answer for this route and status must exist, and a
    JSON body must match its schema."""
    path = doc["paths"].get(template)
    if path is None:
        raise SchemaError(f"{template} is not in the document")
    op = path.get(method.lower())
    if op is None:
        raise SchemaError(f"{method} {template} is not in the document")
    answer = op["responses"].get(str(resp.status)) or op["responses"].get("default")
    if answer is None:
        raise SchemaError(f"{method} {template} does not document status {resp.status}: {resp.body}")
    content = answer.get("content", {})
    ctype = (resp.header("Content-Type") or "").split(";")[0].strip()
    if ctype == "application/json" and "application/json" in content:
        validate(json.loads(resp.body), content["application/json"]["schema"], doc)
    elif content and ctype not in content and "*/*" not in content:
        raise SchemaError(f"{method} {template} {resp.status}: undocumented content type {ctype}")


def ignore_sigxfsz():
    """A preexec_fn: a write past RLIMIT_FSIZE fails (EFBIG) instead of
    killing the process, as a write on a full disk fails."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


@contextlib.contextmanager
def disk_full(pid):
    """While inside, process pid (started with ignore_sigxfsz) cannot grow
    any file past its first byte (its soft RLIMIT_FSIZE), as on a full
    disk: its ledger takes no write, reads still work. Restored on the
    way out, as when space is freed."""
    soft, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (1, hard))
    try:
        yield
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (soft, hard))


@contextlib.contextmanager
def ledger_takes_no_write(ledger, pid):
    """While inside, the ledger of tenderd process pid refuses every write,
    as on a full disk, and reads still work; on the way out writes work
    again, as when space is freed. On SQLite that is disk_full(pid) (pid
    started with ignore_sigxfsz). On PostgreSQL the server's disk is not
    the process's, so the schema refuses instead: a statement trigger on
    each of its tables raises disk_full (SQLSTATE 53100), the error a
    server out of space gives."""
    if not is_postgres(ledger):
        with disk_full(pid):
            yield
        return
    _psql(ledger, "-c", """
        CREATE FUNCTION tender_test_full() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'could not extend file: No space left on device (test)'
                USING ERRCODE = 'disk_full';
        END $$""")
    _psql(ledger, "-c", "; ".join(
        f'CREATE TRIGGER tender_test_full BEFORE INSERT OR UPDATE OR DELETE ON "{table}" '
        f'FOR EACH STATEMENT EXECUTE FUNCTION tender_test_full()'
        for table in _ledger_tables(ledger)))
    try:
        yield
    finally:
        _psql(ledger, "-c", "DROP FUNCTION tender_test_full() CASCADE")


def wait_until(predicate, timeout=10.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


class Receiver:
    """A merchant's webhook endpoint on loopback: records what it gets;
    answers 503 while `failing` (or for the first `fail_first` requests)."""

    def __init__(self):
        self.received = []
        self.failing = False
        self.fail_first = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                outer.received.append((dict(self.headers), body))
                fail = outer.failing or len(outer.received) <= outer.fail_first
                self.send_response(503 if fail else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def delivered_ok(self, secret):
        """Bodies whose signature verifies, by event id."""
        out = {}
        for headers, body in self.received:
            sig = dict(part.split("=", 1) for part in headers["Tender-Signature"].split(","))
            expected = hmac.new(secret.encode(), f"{sig['t']}.{body}".encode(),
                                hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, sig["v1"]):
                out.setdefault(json.loads(body)["id"], []).append(body)
        return out


class Sandbox:
    """A tender-sandbox process ($TENDER_SANDBOX) on an ephemeral loopback
    port, as tests/support/sandbox-process.h starts one for C tests: it
    writes a Tender config pointed at itself (config_path) and, with
    webhook_base, posts its providers' notifications to
    webhook_base/v1/webhooks/<method>. Its log (one line per notification
    attempt) is kept for the test to read."""

    def __init__(self, tmp, webhook_base=None, time_scale=1000.0):
        self.config_path = os.path.join(tmp, "sandbox-config.json")
        fd, self.log_path = tempfile.mkstemp(prefix="sandbox-", suffix=".log", dir=tmp)
        self.log = os.fdopen(fd, "w")
        args = [os.environ["TENDER_SANDBOX"], "--listen", "127.0.0.1:0", "--config-out",
                self.config_path, "--time-scale", str(time_scale)]
        if webhook_base:
            args += ["--webhook-base", webhook_base]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        line = self.proc.stdout.readline().strip() if ready else ""
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            raise AssertionError(f"tender-sandbox did not come up: {line!r}; {self.logs()}")
        self.url = line

    def logs(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def set_faults(self, faults):
        resp = request(self.url + "/_sandbox/faults", "POST", faults)
        if resp.status != 200:
            raise AssertionError(f"the sandbox refused faults {faults}: {resp.body}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()
        if not self.log.closed:
            self.log.close()


def free_port():
    """A loopback port nothing listens on now (a service started on it
    right after gets it, barring a race with another process)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
