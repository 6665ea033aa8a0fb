"""`make lab`: JupyterLab on the reader's working copies, with the kernel "crossent book".

What a reader does, in order, on this clone:

1. `make lab-setup` (what `make lab` runs first) creates .venv-lab from requirements-lab.txt and
   registers the kernel;
2. tools/lab.py (what `make lab` runs next) copies the chapters into a workbook and starts
   JupyterLab; the test asks its REST API for the kernels and finds "crossent book" only, the
   default kernel, and the workbook's notebooks;
3. Ctrl-C, sent as a terminal sends it (the server's stdin is a pseudo-terminal), stops the
   server within seconds and with exit code 0;
4. a chapter copied into the workbook, run top to bottom with the registered kernel (by nbval,
   in strict mode), reproduces every output stored in the book;
5. a reader's edits in the workbook leave `git status` clean, and `make workbook-reset`
   restores the chapter.

The workbooks of this test are temporary directories; the real `workbook/` is only checked to
be ignored by git.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import lab  # noqa: E402

FIRST_CHAPTER = sorted(lab.CHAPTERS.glob("*.ipynb"))[0]
TOKEN = "crossent-lab-test"
START_TIMEOUT = 120  # seconds: a cold start on a busy 2-core machine
STOP_TIMEOUT = 20


@pytest.fixture(scope="session")
def lab_ready():
    """The lab environment and kernel, set up exactly as `make lab` does it."""
    result = subprocess.run(
        ["make", "--no-print-directory", "lab-setup"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"make lab-setup failed:\n{result.stdout}\n{result.stderr}"
    assert (lab.kernel_dir() / "kernel.json").exists()
    return lab.venv_python(lab.LAB_VENV)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port: int, path: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/{path}", headers={"Authorization": f"token {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_the_kernel_names_the_book_python_and_come_from_one_place(lab_ready):
    spec = json.loads((lab.kernel_dir() / "kernel.json").read_text(encoding="utf-8"))
    assert spec["display_name"] == lab.KERNEL_DISPLAY_NAME == "crossent book"
    assert lab.kernel_dir().name == lab.KERNEL_NAME
    python = Path(spec["argv"][0])
    assert python == lab.venv_python(lab.BOOK_VENV).absolute()
    probe = "import crossent, ipykernel; print(crossent.__version__)"
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    import crossent

    assert out.stdout.strip() == crossent.__version__


def test_make_lab_serves_the_workbook_with_the_book_kernel_and_stops_on_ctrl_c(lab_ready, tmp_path):
    workbook = tmp_path / "workbook"
    port = free_port()
    leader, follower = pty.openpty()  # a terminal, as a reader's: Ctrl-C handling needs one
    log = tmp_path / "lab.log"
    command = [sys.executable, str(ROOT / "tools" / "lab.py"), "open", "--no-browser"]
    command += ["--port", str(port), "--workbook", str(workbook)]
    command += [f"--IdentityProvider.token={TOKEN}", "--ServerApp.ip=127.0.0.1"]
    with log.open("w") as out:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=follower,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    os.close(follower)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        specs = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                specs = api(port, "kernelspecs")
                break
            except OSError:
                time.sleep(0.5)
        assert specs is not None, f"JupyterLab did not answer:\n{log.read_text()[-3000:]}"
        assert set(specs["kernelspecs"]) == {lab.KERNEL_NAME}, specs["kernelspecs"].keys()
        assert specs["default"] == lab.KERNEL_NAME
        shown = specs["kernelspecs"][lab.KERNEL_NAME]["spec"]["display_name"]
        assert shown == lab.KERNEL_DISPLAY_NAME
        listed = {item["name"] for item in api(port, "contents")["content"]}
        assert {p.name for p in lab.CHAPTERS.glob("*.ipynb")} <= listed
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={TOKEN}", timeout=5)
        assert page.status == 200 and b"JupyterLab" in page.read()

        server.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends
        code = server.wait(timeout=STOP_TIMEOUT)
        assert code == 0, f"JupyterLab exited with {code}:\n{log.read_text()[-2000:]}"
    finally:
        if server.poll() is None:
            server.kill()
        os.close(leader)


def test_the_workbook_copies_are_the_chapters_with_the_book_kernel(tmp_path):
    workbook = tmp_path / "workbook"
    copied = lab.prepare_workbook(workbook)
    assert [p.name for p in copied] == sorted(p.name for p in lab.CHAPTERS.glob("*.ipynb"))
    for source in lab.CHAPTERS.glob("*.ipynb"):
        book = json.loads(source.read_text(encoding="utf-8"))
        mine = json.loads((workbook / source.name).read_text(encoding="utf-8"))
        assert mine["cells"] == book["cells"]
        assert mine["metadata"]["kernelspec"]["name"] == lab.KERNEL_NAME
    # A second start keeps the reader's work.
    (workbook / FIRST_CHAPTER.name).write_text("{}", encoding="utf-8")
    assert lab.prepare_workbook(workbook) == []
    assert (workbook / FIRST_CHAPTER.name).read_text(encoding="utf-8") == "{}"


def test_a_working_copy_run_with_the_book_kernel_reproduces_the_stored_outputs(lab_ready, tmp_path):
    workbook = tmp_path / "workbook"
    lab.prepare_workbook(workbook)
    copy = workbook / FIRST_CHAPTER.name
    env = dict(os.environ, JUPYTER_PATH=str(lab.LAB_VENV / "share" / "jupyter"))
    nbval = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval"]
    nbval += ["--nbval-kernel-name", lab.KERNEL_NAME, "--nbval-cell-timeout", "600"]
    nbval += ["--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), str(copy)]
    result = subprocess.run(nbval, cwd=workbook, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_the_workbook_is_ignored_by_git_and_a_readers_edits_leave_the_book_clean():
    workbook = lab.WORKBOOK
    existed = workbook.exists()
    probe = workbook / "_probe_by_test_lab.ipynb"
    workbook.mkdir(exist_ok=True)
    try:
        probe.write_text("{}", encoding="utf-8")
        ignored = subprocess.run(["git", "check-ignore", "-q", str(probe)], cwd=ROOT)
        assert ignored.returncode == 0, "workbook/ is not ignored by git"
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "workbook"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert status.stdout == ""
    finally:
        probe.unlink(missing_ok=True)
        if not existed:
            workbook.rmdir()


def test_workbook_reset_restores_one_chapter(tmp_path):
    workbook = tmp_path / "workbook"
    lab.prepare_workbook(workbook)
    target = workbook / FIRST_CHAPTER.name
    other = sorted(workbook.glob("*.ipynb"))[1]
    target.write_text("{}", encoding="utf-8")
    other.write_text("{}", encoding="utf-8")
    number = FIRST_CHAPTER.name[:2]
    command = [sys.executable, str(ROOT / "tools" / "lab.py"), "reset", number]
    subprocess.run([*command, "--workbook", str(workbook)], check=True, capture_output=True)
    restored = json.loads(target.read_text(encoding="utf-8"))
    assert restored["cells"] == json.loads(FIRST_CHAPTER.read_text(encoding="utf-8"))["cells"]
    assert other.read_text(encoding="utf-8") == "{}", "reset touched another chapter"


def test_workbook_reset_without_a_chapter_says_how_to_call_it():
    result = subprocess.run(
        ["make", "--no-print-directory", "workbook-reset", "CHAPTER=99"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "CHAPTER='99' is not a chapter" in result.stderr
    assert "make workbook-reset CHAPTER=05" in result.stderr
