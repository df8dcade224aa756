#!/usr/bin/env python3
"""The two commands a newcomer needs.

    python3 dev.py start   # set up, load master + demo data, serve on http://127.0.0.1:8000
                           # with a background job worker beside the server
    python3 dev.py test    # set up the same way, run the whole test suite

Both are idempotent: the virtual environment, the install (keyed on a hash of
pyproject.toml), compiled translations and the demo data are skipped when done.
Only the standard library is used here, so this runs on a bare Python 3.11+.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("YOROZU_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args, **kwargs) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - a bare machine may have an older python3
        sys.exit("Python 3.11 or newer is required.")
    if PYTHON.exists():
        return
    say(f"creating the virtual environment in {VENV}")
    run(sys.executable, "-m", "venv", VENV)


def ensure_installed() -> None:
    pyproject = ROOT / "pyproject.toml"
    stamp = VENV / ".yorozu-install-hash"
    digest = hashlib.sha256(pyproject.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    import tomllib

    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    say("installing dependencies")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", *requirements)
    stamp.write_text(digest)


def compile_messages() -> None:
    """Compile .po to .mo with polib, so that GNU gettext is not needed."""
    code = (
        "import pathlib, polib\n"
        "for po in pathlib.Path('locale').glob('*/LC_MESSAGES/*.po'):\n"
        "    mo = po.with_suffix('.mo')\n"
        "    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:\n"
        "        polib.pofile(str(po)).save_as_mofile(str(mo))\n"
        "        print('==> compiled', po)\n"
    )
    run(PYTHON, "-c", code)


def setup() -> None:
    ensure_venv()
    ensure_installed()
    compile_messages()


def manage(*args) -> None:
    run(PYTHON, "manage.py", *args)


def start() -> None:
    setup()
    manage("migrate", "--no-input", "-v", "0")
    manage("demo")
    # Large imports and exports, survey e-mails and the daily work run as background
    # jobs (core/jobs.py): one worker runs beside the server, on the same database.
    say(
        "starting the background job worker (manage.py jobs_worker --daily): large "
        "imports and exports, survey e-mails and the daily work run there"
    )
    worker = subprocess.Popen(
        [str(PYTHON), "manage.py", "jobs_worker", "--daily", "--no-reload"], cwd=ROOT
    )
    say("starting the app on http://127.0.0.1:8000 (Ctrl+C stops both)")
    try:
        manage("runserver", "127.0.0.1:8000", *sys.argv[2:])
    except KeyboardInterrupt:
        pass
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


def test_workers(args: list[str]) -> list[str]:
    """pytest-xdist's ``-n``: one worker process per core, at most 4 (YOROZU_TEST_WORKERS
    sets the number; ``-n 0`` among the arguments runs in this one process).

    Its default distribution hands each worker tests in pytest-django's order (plain
    database tests first, then those that commit and leave the tables empty);
    ``--dist loadfile`` would not, and would run tests on emptied tables."""
    if any(a.startswith(("-n", "--numprocesses", "--dist")) or a == "no:xdist" for a in args):
        return []
    workers = os.environ.get("YOROZU_TEST_WORKERS") or str(min(os.cpu_count() or 1, 4))
    return [] if workers in ("0", "1") else ["-n", workers]


def test() -> None:
    setup()
    args = sys.argv[2:]
    workers = test_workers(args)
    if workers:
        say(f"running the tests in {workers[1]} processes (pytest-xdist; -n 0 for one)")
    result = subprocess.run([str(PYTHON), "-m", "pytest", *workers, *args], cwd=ROOT)
    sys.exit(result.returncode)


def main() -> None:
    commands = {"start": start, "test": test, "setup": setup}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
