"""Helpers of the tests and benchmarks that run Odoo servers of their own (``python -m odoo``
with this run's configuration, on a database of their own or on a read replica) and talk to
them over HTTP JSON-RPC as the web client does.

* ``OdooServer``: a server process on a free loopback port serving one database, logging to a
  file of its own with Odoo's access log: every request line carries Odoo's own count of the
  SQL queries the request ran (``threading.current_thread().query_count``, the figure of
  Odoo's ``--log-level`` perf info) and, with a replica configured, the cursor it used
  (``ro``: the replica; ``rw``: the primary; ``ro->rw``: a write on the replica refused, retried
  on the primary).
* ``WebClient``: a logged-in session on such a server; each call returns its result, its time
  as the client saw it and the access-log figures of its request.
* ``field_spec``: the ``specification`` the web client sends for a view, from the view's
  architecture (so it follows the fields the addons add to the view).
* ``start_replica``/``stop_replica``: a streaming replica of the embedded cluster
  (``scripts/lib.sh``)."""

import ast
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from lxml import etree

import odoo

REPO = Path(__file__).resolve().parent.parent
LIB_SH = REPO / "scripts" / "lib.sh"
TIMEOUT = 600


def suite_addons():
    """The repository's addons: every installable manifest under addons/, by name."""
    names = []
    for manifest in sorted((REPO / "addons").glob("*/__manifest__.py")):
        if ast.literal_eval(manifest.read_text()).get("installable", True):
            names.append(manifest.parent.name)
    return names


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------- embedded PostgreSQL


def embedded_cluster():
    """(data directory, port) of the embedded PostgreSQL this run uses; fails saying why when
    the run uses a database server of its own (PGHOST): a replica needs the cluster's files."""
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr.execute("SELECT current_setting('data_directory'), current_setting('port')")
        data_dir, port = cr.fetchone()
    if not os.path.isfile(os.path.join(data_dir, "PG_VERSION")):
        raise AssertionError(
            f"the database server's data directory {data_dir} is not on this machine: the "
            "read-replica harness needs the embedded PostgreSQL of scripts/lib.sh (unset PGHOST)"
        )
    return data_dir, int(port)


def _lib_sh(script, *args):
    result = subprocess.run(
        ["bash", "-c", f'source "{LIB_SH}" && {script}', "lib.sh", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "PYTHON": sys.executable},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def start_replica(primary_dir, primary_port):
    """A hot standby of the embedded cluster (``start_replica`` of scripts/lib.sh): returns
    (replica data directory, replica port)."""
    out = _lib_sh(
        'start_replica "$1" "$2" && echo "REPLICA=$REPLICA_PORT $REPLICA_DIR"',
        primary_dir,
        str(primary_port),
    )
    port, directory = re.search(r"^REPLICA=(\d+) (.*)$", out, re.M).groups()
    return directory, int(port)


def stop_replica(primary_dir, primary_port):
    _lib_sh('stop_replica "$1" "$2"', primary_dir, str(primary_port))


class LogTail:
    """What a log file gains from now on (``read()``: the text written since the last read)."""

    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path) if os.path.exists(path) else 0

    def read(self):
        if not os.path.exists(self.path):
            return ""
        with open(self.path, encoding="utf-8", errors="replace") as handle:
            handle.seek(self.offset)
            text = handle.read()
        self.offset += len(text.encode("utf-8", errors="replace"))
        return text


# ---------------------------------------------------------------------- Odoo servers

# werkzeug's access line and Odoo's perf info: "POST /path HTTP/1.1" 200 - 25 0.012 0.030 ro
ACCESS_LINE = re.compile(
    r'"(?P<verb>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) \S+ '
    r"(?P<queries>\d+|-) (?P<sql_time>[\d.]+|-) (?P<other_time>[\d.]+|-)(?: (?P<cursor>\S+))?"
)
LOG_LEVEL = re.compile(r"^\S+ \S+ \d+ (?P<level>[A-Z]+) ")


class OdooServer:
    """``python -m odoo`` with this run's configuration, serving ``db`` only, on a free port,
    without crons; its log (with the access log) in ``logfile``."""

    def __init__(self, db, logfile, *extra_args):
        self.db = db
        self.logfile = str(logfile)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            odoo.tools.config.rcfile,
            "-d",
            db,
            f"--db-filter=^{re.escape(db)}$",
            f"--http-port={self.port}",
            "--http-interface=127.0.0.1",
            "--max-cron-threads=0",
            "--workers=0",
            f"--logfile={self.logfile}",
            "--log-handler=werkzeug:INFO",
            *extra_args,
        ]
        self.process = None

    def __enter__(self):
        Path(self.logfile).parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            self.args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TZ": "UTC"},
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the Odoo server of {self.db} stopped:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/web/health", timeout=5).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.__exit__()
                raise AssertionError(f"the Odoo server of {self.db} did not answer in 180 s")
            time.sleep(0.3)

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=60)

    def log_text(self):
        with open(self.logfile, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_text().splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def problems(self, text=None):
        """Lines of the server's log at level WARNING or above (with what follows them)."""
        found, keep = [], False
        for line in (self.log_text() if text is None else text).splitlines():
            level = LOG_LEVEL.match(line)
            if level:
                keep = level["level"] in ("WARNING", "ERROR", "CRITICAL")
            if keep:
                found.append(line)
        return found


class RpcError(AssertionError):
    pass


class Call:
    """One request: its result, the time the client waited, and Odoo's figures of it."""

    def __init__(self, label, result, seconds, access):
        self.label = label
        self.result = result
        self.seconds = seconds
        self.status = int(access["status"])
        self.queries = int(access["queries"]) if access["queries"] != "-" else None
        self.cursor = access["cursor"]


class WebClient:
    """A browser's session on ``server``: logged in as ``login``, calling the JSON-RPC routes
    the web client calls. Every request carries a tag of its own in its URL, so that its line
    of the server's access log (queries, cursor) is found exactly."""

    _tags = itertools.count(1)

    def __init__(self, server, login, password):
        self.server = server
        self.http = requests.Session()
        self.log = LogTail(server.logfile)
        self._access = {}
        info = self.json("/web/session/authenticate", db=server.db, login=login, password=password)
        if not info.result.get("uid"):
            raise RpcError(f"{login} could not log in to {server.db}")
        # The server that answered is this test's: it serves this database and logged our call.
        if info.result.get("db") != server.db:
            raise RpcError(f"the server on {server.url} serves {info.result.get('db')!r}")
        self.uid = info.result["uid"]
        self.company_id = info.result["user_companies"]["current_company"]
        self.context = {
            "lang": "en_US",
            "tz": "UTC",
            "uid": self.uid,
            "allowed_company_ids": [self.company_id],
        }

    def _tag(self):
        return f"rq{next(self._tags):07d}"

    def _access_line(self, tag):
        deadline = time.monotonic() + 10
        while True:
            for match in ACCESS_LINE.finditer(self.log.read()):
                path = match["path"]
                self._access[path.rsplit("/", 1)[-1].rsplit("=", 1)[-1]] = match
            if tag in self._access:
                return self._access.pop(tag)
            if time.monotonic() > deadline:
                raise RpcError(f"request {tag} is not in the access log of {self.server.db}")
            time.sleep(0.05)

    def json(self, route, *, label=None, **params):
        tag = self._tag()
        start = time.perf_counter()
        response = self.http.post(
            f"{self.server.url}{route}?_rq={tag}",
            json={"jsonrpc": "2.0", "method": "call", "params": params, "id": 1},
            timeout=TIMEOUT,
        )
        seconds = time.perf_counter() - start
        access = self._access_line(tag)
        body = response.json()
        if response.status_code != 200 or "error" in body:
            error = body.get("error", {})
            raise RpcError(
                f"{label or route}: HTTP {response.status_code}, "
                f"{error.get('data', {}).get('message') or error.get('message') or body}"
            )
        return Call(label or route, body.get("result"), seconds, access)

    def call(self, model, method, *args, label=None, context=None, **kwargs):
        """``/web/dataset/call_kw/<model>/<method>`` with the web client's context (the
        buttons' route, ``call_button``, runs the same code)."""
        kwargs["context"] = {**self.context, **(context or {})}
        return self.json(
            f"/web/dataset/call_kw/{model}/{method}",
            label=label or f"{model}.{method}",
            model=model,
            method=method,
            args=list(args),
            kwargs=kwargs,
        )

    def get(self, route, *, label=None, **params):
        tag = self._tag()
        start = time.perf_counter()
        response = self.http.get(
            self.server.url + route, params={**params, "_rq": tag}, timeout=TIMEOUT
        )
        content = response.content
        seconds = time.perf_counter() - start
        access = self._access_line(tag)
        if response.status_code != 200:
            raise RpcError(f"{label or route}: HTTP {response.status_code} {content[:300]!r}")
        return Call(label or route, response, seconds, access)

    def views(self, model, views, action_id=None):
        """``get_views`` as the web client asks it: {view type: (arch, fields by model)}."""
        result = self.call(
            model,
            "get_views",
            views=views,
            options={"action_id": action_id, "load_filters": False, "toolbar": False},
        ).result
        fields = {name: data["fields"] for name, data in result["models"].items()}
        return {kind: (view["arch"], fields) for kind, view in result["views"].items()}


# ---------------------------------------------------------------------- view specifications


def _options(node):
    text = node.get("options") or "{}"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return {}


def _field_nodes(root):
    """The <field> nodes of a view that are not inside another field's sub-view."""
    for node in root.iter("field"):
        parent = node.getparent()
        inside = False
        while parent is not None and parent is not root:
            if parent.tag == "field":
                inside = True
                break
            parent = parent.getparent()
        if not inside:
            yield node


def field_spec(arch, fields, model):
    """The ``specification`` the web client sends to read the records of a view: every field
    of the architecture; relational ones with the fields the client shows of them (the
    display name, a tag's color, the columns of an embedded list)."""
    root = etree.fromstring(arch) if isinstance(arch, str) else arch
    descriptions = fields[model]
    spec = {}
    for node in _field_nodes(root):
        name = node.get("name")
        description = descriptions.get(name)
        if description is None:
            continue
        kind = description["type"]
        if kind == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        elif kind in ("one2many", "many2many"):
            sub = next((child for child in node if child.tag in ("list", "kanban")), None)
            if sub is not None and description["relation"] in fields:
                sub_spec = field_spec(sub, fields, description["relation"])
                spec[name] = {"fields": sub_spec, "limit": 40}
            else:
                sub_spec = {"display_name": {}}
                color = _options(node).get("color_field")
                if color:
                    sub_spec[color] = {}
                spec[name] = {"fields": sub_spec}
        else:
            spec[name] = {}
    return spec


def aggregates(arch, fields, model):
    """The ``field:aggregator`` list a grouped view asks ``web_read_group`` for."""
    root = etree.fromstring(arch)
    descriptions = fields[model]
    names = {node.get("name") for node in _field_nodes(root)}
    return [
        f"{name}:{descriptions[name]['aggregator']}"
        for name in sorted(names)
        if name in descriptions and descriptions[name].get("aggregator")
    ]


def kanban_progressbar(arch):
    node = etree.fromstring(arch).find(".//progressbar")
    if node is None:
        return None
    bar = {"field": node.get("field"), "colors": ast.literal_eval(node.get("colors") or "{}")}
    if node.get("sum_field"):
        bar["sum_field"] = node.get("sum_field")
    return bar


def pivot_read_group(arch, fields, model):
    """(groupby, fields) of the ``read_group`` a pivot view sends for its rows and columns."""
    root = etree.fromstring(arch)
    descriptions = fields[model]
    groupby, measures = [], []
    for node in root.iter("field"):
        name = node.get("name")
        if node.get("type") in ("row", "col"):
            groupby.append(f"{name}:{node.get('interval')}" if node.get("interval") else name)
        elif node.get("type") == "measure" and descriptions[name].get("aggregator"):
            measures.append(f"{name}:{descriptions[name]['aggregator']}")
    return groupby, ["__count", *measures]
