"""`make run` on a machine without Odoo, as a new user meets it: a copy of the checkout, a
`python3` first on PATH that cannot import Odoo (a virtual environment of the interpreter
running these tests, without its site-packages: see checkout.python_without_odoo), and
ODOO_SOURCE pointing to a tarball of the Odoo source these tests run on. The bootstrap
(scripts/bootstrap.py) makes .venv once; bad or unreachable sources stop it with a clear
message and leave nothing behind."""

import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from checkout import (
    REPO,
    command_env,
    copy_checkout,
    load_bootstrap,
    odoo_tarball,
    python_without_odoo,
)

LEFT_BEHIND = {".venv", ".bootstrap", ".pgdata", ".run"}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(bin_dir, **extra):
    return command_env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **extra)


def _git_tree_id(folder, scratch):
    """The tree id git itself gives the folder as a work tree."""
    git = {**os.environ, "GIT_DIR": str(scratch / ".git"), "GIT_WORK_TREE": str(folder)}
    subprocess.run(["git", "init", "-q", str(scratch)], check=True)
    subprocess.run(["git", "add", "-f", "-A"], env=git, cwd=folder, check=True)
    return subprocess.run(
        ["git", "write-tree"], env=git, capture_output=True, text=True, check=True
    ).stdout.strip()


def _fake_odoo(folder, major=18):
    """A folder shaped like Odoo's source (enough for the bootstrap's checks, not to run)."""
    (folder / "odoo").mkdir(parents=True)
    (folder / "odoo" / "__init__.py").write_text("")
    (folder / "odoo" / "release.py").write_text(f"version_info = ({major}, 0, 0, 'final', 0, '')\n")
    (folder / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    (folder / "odoo-bin").chmod(0o755)
    (folder / "addons" / "web").mkdir(parents=True)
    (folder / "addons" / "web" / "__manifest__.py").write_text("{'name': 'Web'}\n")
    return folder


def _tar(folder, dest):
    with tarfile.open(dest, "w:gz") as tar:
        tar.add(folder, arcname="odoo-18.0")
    return dest


@pytest.fixture(scope="module")
def bin_without_odoo(tmp_path_factory):
    return python_without_odoo(tmp_path_factory.mktemp("python") / "venv")


def test_tree_id_is_gits(tmp_path):
    """The content check of ODOO_SOURCE computes what `git write-tree` does (no git needed)."""
    tree = _fake_odoo(tmp_path / "src")
    (tree / "addons" / "web" / "static").mkdir()  # empty: git keeps no empty folder
    (tree / "addons" / "web.js").write_text("x")  # "web.js" sorts before the folder "web/"
    (tree / "addons" / "web-x").write_text("y")  # ... and "web-x" before it too
    (tree / "link").symlink_to("odoo/release.py")
    (tree / ".git").mkdir()  # a clone's own repository is not content
    (tree / ".git" / "HEAD").write_text("ref: refs/heads/18.0\n")
    expected = _git_tree_id(tree, tmp_path / "scratch")
    found = subprocess.run(
        [sys.executable, REPO / "scripts" / "bootstrap.py", "tree-id", tree],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert found == expected
    bootstrap = load_bootstrap()
    source = bootstrap.Source({"ODOO_SOURCE": str(tree), "ODOO_SOURCE_TREE_ID": expected})
    bootstrap.check_odoo_root(tree, source)  # the right id is accepted


def test_missing_system_packages_are_named(monkeypatch):
    """Not root: the command stops naming the exact apt-get line (as root it runs it)."""
    bootstrap = load_bootstrap()
    monkeypatch.setattr(bootstrap, "find_pg_bindir", lambda: None)
    monkeypatch.setattr(bootstrap, "find_chrome", lambda: None)
    monkeypatch.setattr(bootstrap, "apt_candidate", lambda *names: names[0])
    monkeypatch.setattr(bootstrap.os, "geteuid", lambda: 1000)
    monkeypatch.delenv("PGHOST", raising=False)
    with pytest.raises(bootstrap.BootstrapError) as missing:
        bootstrap.ensure_system("test")
    assert "the PostgreSQL server" in str(missing.value)
    assert "Chromium (for the browser tours)" in str(missing.value)
    assert (
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends postgresql chromium"
    ) in str(missing.value)
    monkeypatch.setenv("PGHOST", "db.example")
    bootstrap.ensure_system("run")  # a database server of its own, no browser: nothing needed


def _serve_truncated(archive):
    """A server on 127.0.0.1 that has /odoo.tgz only, and sends half of it (announcing all)."""
    data = Path(archive).read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/odoo.tgz":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize(
    "case", ["unreachable", "truncated", "not found", "other content", "sha256", "odoo 17"]
)
def test_bad_source_stops_make_run_and_leaves_nothing(tmp_path, bin_without_odoo, case):
    source = _fake_odoo(tmp_path / "src", 17 if case == "odoo 17" else 18)
    archive = _tar(source, tmp_path / "odoo.tgz")
    env = {"ODOO_SOURCE": str(archive)}
    server = None
    if case == "unreachable":
        env["ODOO_SOURCE"] = "http://127.0.0.1:9/odoo-18.0.tar.gz"
        expected = "cannot download the Odoo 18 source from http://127.0.0.1:9/odoo-18.0.tar.gz"
    elif case in ("truncated", "not found"):
        server = _serve_truncated(archive)
        path = "/odoo.tgz" if case == "truncated" else "/missing.tgz"
        env["ODOO_SOURCE"] = f"http://127.0.0.1:{server.server_port}{path}"
        expected = f"cannot download the Odoo 18 source from {env['ODOO_SOURCE']}: " + (
            "the transfer stopped after" if case == "truncated" else "Not Found."
        )
    elif case == "other content":
        env["ODOO_SOURCE_TREE_ID"] = "0" * 40
        real = _git_tree_id(source, tmp_path / "scratch")
        expected = f"its git tree id is {real}, expected {'0' * 40} (ODOO_SOURCE_TREE_ID"
    elif case == "sha256":
        env["ODOO_SOURCE_SHA256"] = "f" * 64
        expected = f"expected {'f' * 64} (ODOO_SOURCE_SHA256)"
    else:
        expected = "ODOO_SOURCE holds Odoo 17, not Odoo 18.0."
    checkout = copy_checkout(tmp_path / "checkout")
    try:
        result = subprocess.run(
            ["make", "run"],
            cwd=checkout,
            env=_env(bin_without_odoo, **env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        if server:
            server.shutdown()
    assert result.returncode != 0
    assert "Odoo 18.0 is missing" in result.stderr
    assert expected in result.stderr
    assert "Embedded PostgreSQL started" not in result.stdout, "nothing runs without Odoo"
    left = {p.name for p in checkout.iterdir()} & LEFT_BEHIND
    assert not left, f"a failed bootstrap left {left}"


@pytest.fixture
def public_folder():
    """A folder the embedded cluster's unprivileged owner can enter (pytest's are private)."""
    folder = Path(tempfile.mkdtemp(prefix="crm-suite-bootstrap-"))
    folder.chmod(0o755)
    yield folder
    for pid_file in folder.glob("checkout/.pgdata/*/postmaster.pid"):  # a run killed hard
        try:
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
        except (OSError, ValueError):
            pass
    shutil.rmtree(folder, ignore_errors=True)


def _make_run(checkout, env, port, log):
    """`make run` in the background until it serves; its output."""
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["make", "run"],
            cwd=checkout,
            env={**env, "HTTP_PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 900
        while True:
            assert proc.poll() is None, f"make run stopped:\n{Path(log).read_text()[-3000:]}"
            assert time.monotonic() < deadline, "make run did not serve within 15 minutes"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/web/health", timeout=5) as r:
                    health = (r.status, json.load(r))
                break
            except OSError:
                time.sleep(2)
        assert health == (200, {"status": "pass"})
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/web/login", timeout=60) as r:
            status, page = r.status, r.read().decode()
        assert status == 200
        assert "oe_login_form" in page and 'name="login"' in page and 'name="password"' in page
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C, as the README says
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return Path(log).read_text()


def _venv_state(checkout):
    venv = checkout / ".venv"
    stamp = venv / "bootstrap.json"
    return os.readlink(venv), stamp.read_text(), stamp.stat().st_mtime_ns, venv.resolve()


def test_make_run_bootstraps_odoo_from_a_tarball(public_folder, bin_without_odoo):
    tarball = odoo_tarball(public_folder / "odoo-18.0.tar")
    checkout = copy_checkout(public_folder / "checkout")
    env = _env(bin_without_odoo, ODOO_SOURCE=str(tarball))
    port = _free_port()

    started = time.monotonic()
    first = _make_run(checkout, env, port, public_folder / "run1.log")
    print(f"first make run (bootstrap, database, serve): {time.monotonic() - started:.0f} s")
    assert "Making .venv with Odoo 18 from tarball" in first
    assert "Creating crm_suite with" in first
    venv = checkout / ".venv"
    assert venv.is_symlink() and (venv / "bin" / "python").exists()
    stamp = json.loads((venv / "bootstrap.json").read_text())
    assert stamp["odoo_version"] == "18.0"
    assert stamp["odoo_root"].startswith(str(checkout / ".bootstrap"))
    assert set(stamp["requirements"]) == {"requirements-odoo.txt", "requirements.txt"}
    before = _venv_state(checkout)

    # From here pip can reach no package: a bootstrap that called it would fail.
    offline = {**env, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(public_folder / "none")}

    # `make test` needs requirements-dev.txt too: a new venv, whose failed install leaves the
    # working one as it was.
    result = subprocess.run(
        [bin_without_odoo / "python3", "scripts/bootstrap.py", "odoo", "--for", "test"],
        cwd=checkout,
        env=offline,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 2
    assert "bootstrap: pip install failed" in result.stderr
    assert _venv_state(checkout) == before
    assert sorted(p.name for p in (checkout / ".bootstrap").iterdir()) == sorted(
        [before[3].name, Path(stamp["odoo_root"]).relative_to(checkout / ".bootstrap").parts[0]]
    ), "the failed build left a folder behind"

    # The second run changes nothing: no download, no pip, same venv, same database.
    second = _make_run(checkout, offline, port, public_folder / "run2.log")
    assert "Odoo 18 environment .venv is up to date" in second
    assert "Making .venv" not in second and "Creating crm_suite" not in second
    assert _venv_state(checkout) == before
