"""What `make run` and `make test` need and this machine lacks, installed once, in the checkout.

    python3 scripts/bootstrap.py odoo --for run|test    prints the interpreter to use
    python3 scripts/bootstrap.py system --for run|test  PostgreSQL server binaries, Chromium
    python3 scripts/bootstrap.py packages --for run|test  pip packages an existing Odoo lacks
    python3 scripts/bootstrap.py tree-id FOLDER         git tree id of a folder

`odoo` makes (or finds up to date) the virtual environment `.venv/` of the checkout, built on
the interpreter running this script: Odoo 18 from ODOO_SOURCE on its path, the packages of
requirements-odoo.txt and requirements.txt, and requirements-dev.txt for `--for test`.
ODOO_SOURCE is one of
  * the URL of a source archive (.tar, .tar.gz, ...); by default Odoo's own 18.0 source archive
    pinned to one commit (DEFAULT_SOURCE), whose content is verified by its git tree id;
  * a local folder holding Odoo's source (used in place: the folder is not copied);
  * a local tarball (.tar, .tar.gz, .tgz, .tar.xz, .tar.bz2).
ODOO_SOURCE_TREE_ID: the git tree id the source must have (`git rev-parse <commit>^{tree}` of
Odoo's repository); by default the pinned one for the default source, none for other sources;
set it empty to skip the check. ODOO_SOURCE_SHA256: the sha256 of the archive, checked too.

Everything is built beside its final place and put there by one rename, so an interrupted or
failed run (an unreachable source, a failed pip install) leaves nothing half-made:
  .bootstrap/odoo-<id>/   an extracted and verified archive (kept across rebuilds of the venv)
  .bootstrap/venv-<id>/   a complete virtual environment with its stamp, bootstrap.json
  .venv                   a symbolic link to the current venv-<id>, switched atomically
The stamp records the interpreter, the source and the hashes of the requirement files: when
they have not changed, running again does nothing.

`packages` is for an Odoo 18 that is already importable (used as is, no .venv): it installs
into the interpreter running this script what requirements.txt (and requirements-dev.txt for
`--for test`) pin and it lacks; when everything is there it does nothing and needs no network.

`system` installs the PostgreSQL server binaries (unless PGHOST names a server) and, for
`--for test`, Chromium with apt-get when running as root on Debian or Ubuntu, and otherwise
names the command to run. Standard library only; Python 3.10 or later.
"""

import argparse
import fcntl
import glob
import hashlib
import http.client
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP_DIR = REPO_ROOT / ".bootstrap"
VENV_LINK = REPO_ROOT / ".venv"
STAMP_NAME = "bootstrap.json"

# Odoo 18.0 as of commit 52acb3c (November 2024). GitHub serves the archive of a commit under
# its short id too; what is checked is the content: the git tree id of the extracted folder,
# which is that commit's tree (`git rev-parse 52acb3c^{tree}` in a clone of Odoo's repository).
DEFAULT_COMMIT = "52acb3c"
DEFAULT_SOURCE = f"https://github.com/odoo/odoo/archive/{DEFAULT_COMMIT}.tar.gz"
DEFAULT_TREE_ID = "8e3e80237971ba06cdb8edf7c3e3f9efe26de22f"

PYTHON_MIN, PYTHON_MAX = (3, 10), (3, 12)  # what Odoo 18 supports
DOWNLOAD_TIMEOUT = 60  # seconds without a byte before a download is given up
REQUIREMENTS = {
    "run": ("requirements-odoo.txt", "requirements.txt"),
    "test": ("requirements-odoo.txt", "requirements.txt", "requirements-dev.txt"),
}


class BootstrapError(Exception):
    """A reason to stop, worded for the user."""


def log(message):
    print(message, file=sys.stderr, flush=True)


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def short_hash(text):
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- git tree id ---------------------------------------------------------------------------------


def _git_object_id(kind, data):
    return hashlib.sha1(b"%s %d\0" % (kind, len(data)) + data).digest()


def _git_tree(folder):
    """The git tree object id of `folder` (raw bytes), or None when it holds no file."""
    entries = []
    with os.scandir(folder) as it:
        for entry in it:
            name = os.fsencode(entry.name)
            if name == b".git":
                continue
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                mode, oid = b"120000", _git_object_id(b"blob", os.fsencode(os.readlink(entry)))
            elif stat.S_ISDIR(st.st_mode):
                oid = _git_tree(entry.path)
                if oid is None:  # git keeps no empty folder
                    continue
                mode, name = b"40000", name + b"/"  # folders sort as if named "name/"
            elif stat.S_ISREG(st.st_mode):
                mode = b"100755" if st.st_mode & stat.S_IXUSR else b"100644"
                with open(entry.path, "rb") as f:
                    oid = _git_object_id(b"blob", f.read())
            else:
                continue
            entries.append((name, mode, oid))
    if not entries:
        return None
    entries.sort()
    body = b"".join(b"%s %s\0%s" % (mode, name.rstrip(b"/"), oid) for name, mode, oid in entries)
    return _git_object_id(b"tree", body)


def git_tree_id(folder):
    """What `git add -f -A && git write-tree` gives for `folder` as a work tree (no git needed)."""
    oid = _git_tree(folder)
    return oid.hex() if oid else "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # the empty tree


# -- system packages -------------------------------------------------------------------------------


def apt_install(packages, what):
    """Install Debian packages as root, or stop naming the command that would."""
    apt = shutil.which("apt-get")
    command = "apt-get install -y --no-install-recommends " + " ".join(packages)
    if apt and os.geteuid() == 0:
        log(f"Installing {what} with apt-get: {' '.join(packages)}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for args in (["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends"]):
            cmd = [apt, *args, *(packages if args[0] == "install" else [])]
            if subprocess.run(cmd, env=env, stdout=sys.stderr, check=False).returncode:
                raise BootstrapError(f"`{' '.join(cmd)}` failed: {what} could not be installed.")
        return
    if apt:
        raise BootstrapError(
            f"{what} missing. Install with:\n    sudo apt-get update && sudo {command}\n"
            "then run this command again."
        )
    raise BootstrapError(
        f"{what} missing: install it with your system's package manager "
        f"(on Debian or Ubuntu: {command}), then run this command again."
    )


def apt_candidate(*names):
    """The first of `names` that apt can install (the first one when apt cannot tell)."""
    for name in names:
        out = subprocess.run(
            ["apt-cache", "policy", name], capture_output=True, text=True, check=False
        ).stdout
        if re.search(r"Candidate: (?!\(none\))", out):
            return name
    return names[0]


def find_pg_bindir():
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(bindir, "initdb"), os.X_OK):
            return bindir
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def find_chrome():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def ensure_system(purpose):
    missing, what = [], []
    if not os.environ.get("PGHOST") and not find_pg_bindir():
        missing.append("postgresql")
        what.append("the PostgreSQL server (initdb, pg_ctl; or set PGHOST to a running server)")
    if purpose == "test" and not find_chrome():
        missing.append(
            apt_candidate("chromium", "chromium-browser")
            if shutil.which("apt-cache")
            else "chromium"
        )
        what.append("Chromium (for the browser tours)")
    if missing:
        apt_install(missing, " and ".join(what))
        if not (os.environ.get("PGHOST") or find_pg_bindir()) or not (
            purpose == "run" or find_chrome()
        ):
            raise BootstrapError(f"{' and '.join(what)}: still missing after apt-get install.")


def ensure_build_tools():
    """What pip needs to build psycopg2 (it has no wheel) and to make a venv."""
    missing, what = [], []
    version = "%d.%d" % sys.version_info[:2]
    debian_python = sys.base_prefix == "/usr"
    if not _has_module("ensurepip"):
        missing.append(f"python{version}-venv" if debian_python else "python3-venv")
        what.append(f"Python's venv module (ensurepip) for {sys.executable}")
    if not shutil.which("pg_config"):
        missing.append("libpq-dev")
        what.append("libpq's headers (pg_config) to build psycopg2")
    if not (shutil.which("cc") or shutil.which("gcc")):
        missing.append("gcc")
        what.append("a C compiler to build psycopg2")
    include = sysconfig.get_paths().get("include") or ""
    if not os.path.isfile(os.path.join(include, "Python.h")):
        missing.append(f"python{version}-dev" if debian_python else "python3-dev")
        what.append(f"Python's headers (Python.h) for {sys.executable}")
    if missing:
        apt_install(missing, "; ".join(what))


def _has_module(name):
    return importlib.util.find_spec(name) is not None


# -- the Odoo source ---------------------------------------------------------------------------


class Source:
    """ODOO_SOURCE as given, with what it must be checked against."""

    def __init__(self, environ):
        given = environ.get("ODOO_SOURCE", "").strip()
        self.location = given or DEFAULT_SOURCE
        is_default = self.location == DEFAULT_SOURCE
        if "ODOO_SOURCE_TREE_ID" in environ:
            self.tree_id = environ["ODOO_SOURCE_TREE_ID"].strip().lower()
        else:
            self.tree_id = DEFAULT_TREE_ID if is_default else ""
        self.sha256 = environ.get("ODOO_SOURCE_SHA256", "").strip().lower()
        if re.match(r"^[a-z][a-z0-9+.-]*://", self.location):
            self.kind = "url"
            ident = self.location
        else:
            path = Path(self.location).expanduser()
            if not path.exists():
                raise BootstrapError(f"ODOO_SOURCE={self.location}: no such file or folder.")
            path = path.resolve()
            self.location = str(path)
            if path.is_dir():
                if self.sha256:
                    raise BootstrapError(
                        "ODOO_SOURCE_SHA256 checks an archive; ODOO_SOURCE is a folder "
                        "(use ODOO_SOURCE_TREE_ID to check a folder)."
                    )
                self.kind = "folder"
                ident = str(path)
            else:
                self.kind = "tarball"
                st = path.stat()
                ident = f"{path} {st.st_size} {st.st_mtime_ns}"
        self.ident = f"{self.kind} {ident} tree={self.tree_id} sha256={self.sha256}"

    def describe(self):
        return f"{self.kind} {self.location}"


def find_odoo_root(folder):
    """The folder holding odoo/release.py: `folder` itself or its only subfolder."""
    folder = Path(folder)
    if (folder / "odoo" / "release.py").is_file():
        return folder
    subfolders = [p for p in folder.iterdir() if p.is_dir()]
    if len(subfolders) == 1 and (subfolders[0] / "odoo" / "release.py").is_file():
        return subfolders[0]
    raise BootstrapError(
        "ODOO_SOURCE does not hold Odoo's source: no odoo/release.py at its top "
        "(expected the folder with odoo/, addons/ and odoo-bin, or an archive of it)."
    )


def check_odoo_root(root, source):
    release = (root / "odoo" / "release.py").read_text(encoding="utf-8", errors="replace")
    match = re.search(r"^version_info\s*=\s*\(\s*(\d+)\s*,", release, re.M)
    if not match or int(match.group(1)) != 18:
        found = match.group(1) if match else "an unknown version"
        raise BootstrapError(f"ODOO_SOURCE holds Odoo {found}, not Odoo 18.0.")
    if source.tree_id:
        log(f"Checking the content of {root} (git tree id)…")
        found = git_tree_id(root)
        if found != source.tree_id:
            raise BootstrapError(
                f"the Odoo source from {source.location} is not the expected one: its git tree "
                f"id is {found}, expected {source.tree_id} (ODOO_SOURCE_TREE_ID; set it empty "
                "to use this source unchecked)."
            )


def download(url, dest):
    log(f"Downloading Odoo 18 from {url} …")
    request = urllib.request.Request(url, headers={"User-Agent": "crm-suite-bootstrap"})
    try:
        with (
            urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as resp,
            open(dest, "wb") as out,
        ):
            total = int(resp.headers.get("Content-Length") or 0)
            done, shown = 0, 0
            for chunk in iter(lambda: resp.read(1 << 20), b""):
                out.write(chunk)
                done += len(chunk)
                if done - shown >= 50 << 20:
                    shown = done
                    log(f"  {done >> 20} MB" + (f" of {total >> 20} MB" if total else ""))
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or repr(e)
        raise BootstrapError(f"cannot download the Odoo 18 source from {url}: {reason}.") from e
    if total and done != total:  # urllib takes a connection closed early for the end
        raise BootstrapError(
            f"cannot download the Odoo 18 source from {url}: the transfer stopped after "
            f"{done} of {total} bytes."
        )
    log(f"  {done >> 20} MB downloaded.")


def _check_member(member, dest):
    """For a Python without tarfile's extraction filters: nothing may land outside dest."""
    target = os.path.realpath(os.path.join(dest, member.name))
    outside = not target.startswith(os.path.realpath(dest) + os.sep)
    if outside or ((member.issym() or member.islnk()) and os.path.isabs(member.linkname)):
        raise BootstrapError(f"unsafe path in the Odoo source archive: {member.name}")


def extract(archive, dest):
    try:
        with tarfile.open(archive, "r:*") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(dest, filter="data")
            else:
                for member in tar.getmembers():
                    _check_member(member, dest)
                tar.extractall(dest)
    except (tarfile.TarError, OSError, EOFError) as e:
        raise BootstrapError(f"cannot extract the Odoo source archive: {e}.") from e


def prepare_source(source, work):
    """The root folder of Odoo's source, checked; extracted archives live in .bootstrap/."""
    if source.kind == "folder":
        root = find_odoo_root(source.location)
        check_odoo_root(root, source)
        return root
    final = BOOTSTRAP_DIR / f"odoo-{short_hash(source.ident)}"
    marker = final / "source.json"
    if marker.is_file():
        return final / json.loads(marker.read_text())["root"]
    tmp = Path(tempfile.mkdtemp(prefix="tmp-odoo-", dir=work))
    tmp.chmod(0o755)  # mkdtemp makes it private; the source is read by whoever runs Odoo
    archive = tmp / "archive"
    if source.kind == "url":
        download(source.location, archive)
    else:
        archive = Path(source.location)
        if not tarfile.is_tarfile(archive):
            raise BootstrapError(f"ODOO_SOURCE={archive} is neither a folder nor a tar archive.")
    if source.sha256:
        found = sha256_file(archive)
        if found != source.sha256:
            raise BootstrapError(
                f"the archive {source.location} has sha256 {found}, "
                f"expected {source.sha256} (ODOO_SOURCE_SHA256)."
            )
    log(f"Extracting {source.location} …")
    extract(archive, tmp / "src")
    if archive.parent == tmp:
        archive.unlink()
    root = find_odoo_root(tmp / "src")
    check_odoo_root(root, source)
    marker_data = {"source": source.ident, "root": str(root.relative_to(tmp))}
    (tmp / "source.json").write_text(json.dumps(marker_data, indent=1) + "\n")
    os.rename(tmp, final)
    return final / marker_data["root"]


# -- the virtual environment -----------------------------------------------------------------------


def interpreter_id():
    return f"{os.path.realpath(sys.executable)} {platform.python_version()}"


def wanted_stamp(source, purpose):
    return {
        "python": interpreter_id(),
        "source": source.ident,
        "requirements": {name: sha256_file(REPO_ROOT / name) for name in REQUIREMENTS[purpose]},
    }


def current_stamp():
    try:
        return json.loads((VENV_LINK / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return None


def satisfies(stamp, wanted):
    if not stamp or stamp.get("python") != wanted["python"]:
        return False
    if stamp.get("source") != wanted["source"]:
        return False
    have = stamp.get("requirements", {})
    return all(have.get(name) == digest for name, digest in wanted["requirements"].items())


def check_venv_link_is_ours():
    if VENV_LINK.exists() or VENV_LINK.is_symlink():
        target = os.readlink(VENV_LINK) if VENV_LINK.is_symlink() else None
        if target is None or not target.startswith(".bootstrap/"):
            raise BootstrapError(
                f"{VENV_LINK} exists and was not made by this bootstrap: remove it, or give "
                "its interpreter with PYTHON=.venv/bin/python if it imports Odoo 18."
            )


def run(cmd, what):
    if subprocess.run(cmd, stdout=sys.stderr, check=False).returncode:
        raise BootstrapError(f"{what} failed (`{' '.join(map(str, cmd))}`).")


def purelib(python):
    """The site-packages folder of the interpreter `python` (of a venv, say)."""
    return subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def build_venv(venv, root, wanted, purpose):
    """A complete venv in `venv` (its final place: a venv cannot be moved), stamp written last."""
    log(
        f"Creating the virtual environment ({sys.executable}, Python {platform.python_version()}) …"
    )
    run([sys.executable, "-m", "venv", venv], "creating the virtual environment")
    python = venv / "bin" / "python"
    Path(purelib(python), "odoo-source.pth").write_text(f"{root}\n")
    files = REQUIREMENTS[purpose]
    log(f"Installing the Python packages of {', '.join(files)} …")
    cmd = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    for name in files:
        cmd += ["-r", REPO_ROOT / name]
    run(cmd, "pip install")
    probe = subprocess.run(
        [python, "-c", "import odoo.release as r; print(r.version)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode or not probe.stdout.startswith("18."):
        raise BootstrapError(
            f"the new environment does not import Odoo 18: {probe.stderr.strip()[-500:]}"
        )
    wanted = {**wanted, "odoo_root": str(root), "odoo_version": probe.stdout.strip()}
    (venv / STAMP_NAME).write_text(json.dumps(wanted, indent=1) + "\n")


def switch_venv(venv):
    """Point .venv at `venv` in one rename."""
    link = BOOTSTRAP_DIR / f"link-{os.getpid()}"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(venv.relative_to(REPO_ROOT))
    os.replace(link, VENV_LINK)


def prune(keep_venv, keep_source):
    for path in BOOTSTRAP_DIR.iterdir():
        if path in (keep_venv, keep_source):
            continue
        if path.is_symlink() and path.name.startswith("link-"):
            path.unlink()
        elif path.name.startswith(("venv-", "odoo-", "tmp-")):
            shutil.rmtree(path, ignore_errors=True)


def ensure_odoo(purpose):
    if not PYTHON_MIN <= sys.version_info[:2] <= PYTHON_MAX:
        raise BootstrapError(
            f"{sys.executable} is Python {platform.python_version()}; Odoo 18 runs on Python "
            "3.10 to 3.12: give one with PYTHON=python3.12 (or 3.11, 3.10)."
        )
    source = Source(os.environ)
    wanted = wanted_stamp(source, purpose)
    if satisfies(current_stamp(), wanted):
        log(f"Odoo 18 environment .venv is up to date ({source.describe()}).")
        return VENV_LINK / "bin" / "python"
    check_venv_link_is_ours()
    venv = work = None
    lock = os.open(REPO_ROOT, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one bootstrap at a time in this checkout
        if satisfies(current_stamp(), wanted):  # made meanwhile by another command
            return VENV_LINK / "bin" / "python"
        BOOTSTRAP_DIR.mkdir(exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="tmp-", dir=BOOTSTRAP_DIR))
        log(f"Making .venv with Odoo 18 from {source.describe()} (once) …")
        root = prepare_source(source, work)
        ensure_build_tools()
        venv = BOOTSTRAP_DIR / f"venv-{short_hash(json.dumps(wanted, sort_keys=True))}"
        if venv.exists():  # left by a run that was killed: never pointed to by .venv
            shutil.rmtree(venv)
        build_venv(venv, root, wanted, purpose)
        switch_venv(venv)
        venv = None
        source_dir = root if source.kind != "folder" else None
        while source_dir is not None and source_dir.parent != BOOTSTRAP_DIR:
            source_dir = source_dir.parent
        prune(VENV_LINK.resolve(), source_dir)
        log("Odoo 18 environment ready in .venv.")
        return VENV_LINK / "bin" / "python"
    finally:
        for path in (venv, work):
            if path is not None:
                shutil.rmtree(path, ignore_errors=True)
        if BOOTSTRAP_DIR.is_dir() and not any(BOOTSTRAP_DIR.iterdir()):
            BOOTSTRAP_DIR.rmdir()
        os.close(lock)


PACKAGES = {
    "run": ("requirements.txt",),
    "test": ("requirements.txt", "requirements-dev.txt"),
}


def _requirement_lines(name, seen=None):
    """(requirement, file) of a requirements file, following ``-r`` includes."""
    seen = set() if seen is None else seen
    path = REPO_ROOT / name
    if path in seen:
        return
    seen.add(path)
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            yield from _requirement_lines(line[2:].strip(), seen)
        elif line:
            yield line, name


def unmet_requirements(files):
    """The requirements of ``files`` the running interpreter does not satisfy: not installed,
    or another version than an ``==`` pin."""
    from importlib import metadata

    unmet = []
    for line, name in (item for file in files for item in _requirement_lines(file)):
        match = re.match(r"([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*(==)?\s*([^;,\s]*)", line)
        if not match:
            continue
        package, pinned, version = match.groups()
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            unmet.append(f"{line} ({name}: not installed)")
            continue
        if pinned and installed != version:
            unmet.append(f"{line} ({name}: {installed} installed)")
    return unmet


def ensure_packages(purpose):
    files = PACKAGES[purpose]
    unmet = unmet_requirements(files)
    if not unmet:
        return
    log(f"Installing into {sys.executable} what it lacks of {', '.join(files)}:")
    for line in unmet:
        log(f"  {line}")
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    for name in files:
        cmd += ["-r", REPO_ROOT / name]
    run(cmd, "pip install")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("odoo", "system", "packages"):
        p = sub.add_parser(name)
        p.add_argument("--for", dest="purpose", choices=("run", "test"), default="run")
    sub.add_parser("tree-id").add_argument("folder")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on `kill` too
    try:
        if args.command == "odoo":
            print(ensure_odoo(args.purpose))
        elif args.command == "system":
            ensure_system(args.purpose)
        elif args.command == "packages":
            ensure_packages(args.purpose)
        else:
            print(git_tree_id(args.folder))
    except BootstrapError as e:
        log(f"bootstrap: {e}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
