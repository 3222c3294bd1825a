"""Work shared with forked children gives the serial answers, whatever becomes of a child."""

from __future__ import annotations

import datetime as dt
import os
import select
import signal
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from mtls_lint import forked
from tests.pki import NOW, NOW_ISO, PKI, Issued

pytestmark = pytest.mark.skipif(not forked.can_fork(), reason="forks on Linux only")

T = TypeVar("T")


def _square(n: int) -> tuple[int, int]:
    return n, n * n


def test_the_answers_are_the_serial_answers_in_order(forks: list[int]) -> None:
    items = list(range(37))
    assert forked.share_out(items, _square, 3) == [_square(n) for n in items]
    assert len(forks) == 2  # the parent does the third share


def test_a_process_held_up_does_fewer_items(forks: list[int]) -> None:
    """Items are claimed as each process is free, not split up front: a child held up on
    its first item until the parent reaches the last does only that one. (Split up front,
    the child would do every second item, and the parent only half.)"""
    parent = os.getpid()
    held, release = os.pipe()
    items = list(range(25))
    waited: list[int] = []  # by the child, in the child

    def held_up_in_a_child(n: int) -> tuple[int, bool]:
        if n == items[-1]:
            os.write(release, b"x")
        elif os.getpid() != parent and not waited:
            waited.append(n)
            # the parent releases it at the last item (a minute at most, where it never does)
            select.select([held], [], [], 60)
        return n, os.getpid() == parent

    try:
        answers = forked.share_out(items, held_up_in_a_child, 2)
    finally:
        os.close(held)
        os.close(release)
    assert [n for n, _ in answers] == items
    assert sum(not by_parent for _, by_parent in answers) <= 1
    assert len(forks) == 1


def test_more_items_than_claims_are_claimed_a_few_at_a_time(forks: list[int]) -> None:
    items = list(range(3 * forked.MAX_CLAIMS + 7))
    assert forked.share_out(items, _square, 2) == [_square(n) for n in items]
    assert len(forks) == 1


def test_without_a_pipe_to_claim_from_the_parent_does_every_item(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_descriptor_left() -> tuple[int, int]:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(forked.os, "pipe", no_descriptor_left)
    assert forked.share_out(list(range(20)), _square, 2) == [_square(n) for n in range(20)]
    assert forks == []


def _counting(to: int) -> Iterator[int]:
    yield from range(to)


def _unfed(frames: Callable[[], Iterator[T]]) -> forked.Background[T] | None:
    """A child sending what ``frames()`` yields, reading none of its input."""
    return forked.Background.fed(lambda received: frames())


def _until_wait(frames: forked.Background[int], count: int) -> list[int]:
    """Every frame, reading until the child's pipe ends: ``count`` polls at most after the
    child is done (its frames all wait in the pipe by then)."""
    got: list[int] = []
    for _ in range(count):
        got += frames.poll()
    return got


def test_a_background_child_sends_each_frame_in_order(forks: list[int]) -> None:
    child = _unfed(partial(_counting, 500))
    assert child is not None
    os.waitpid(forks[0], 0)  # done: every frame waits in the pipe
    assert _until_wait(child, 3) == list(range(500))
    assert child.poll() == []  # the pipe ended: the child was let go


def _large(count: int) -> Iterator[bytes]:
    for n in range(count):
        yield bytes([n]) * 200_000  # three times what a pipe holds


def test_a_frame_larger_than_the_pipe_comes_whole(forks: list[int]) -> None:
    child = _unfed(partial(_large, 3))
    assert child is not None
    got: list[bytes] = []
    while child._child is not None:  # until the pipe ends
        select.select([child._child[1]], [], [])  # readable: more of a frame, or the end
        got += child.poll()
    assert got == [bytes([n]) * 200_000 for n in range(3)]


def _fails_after(count: int) -> Iterator[int]:
    yield from range(count)
    raise RuntimeError("a child's bug")


def test_the_frames_a_background_child_sent_before_it_failed_hold(forks: list[int]) -> None:
    child = _unfed(partial(_fails_after, 3))
    assert child is not None
    _, status = os.waitpid(forks[0], 0)
    assert status != 0
    assert _until_wait(child, 3) == [0, 1, 2]


def test_a_background_child_cancelled_is_reaped(forks: list[int]) -> None:
    release = os.pipe()  # the child blocks reading this until it is killed
    child = _unfed(partial(os.read, release[0], 1))  # type: ignore[arg-type]
    assert child is not None
    child.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], os.WNOHANG)
    assert child.poll() == []
    os.close(release[0])
    os.close(release[1])


def _doubling(received: Iterator[bytes]) -> Iterator[bytes]:
    for item in received:
        yield item * 2


@pytest.mark.parametrize("pipe", [forked.INPUT_PIPE_BYTES, 4096], ids=["1 MiB", "4 KiB"])
def test_a_fed_child_answers_what_it_is_sent_until_its_input_ends(
    forks: list[int], monkeypatch: pytest.MonkeyPatch, pipe: int
) -> None:
    monkeypatch.setattr(forked, "INPUT_PIPE_BYTES", pipe)
    child = forked.Background.fed(_doubling)
    assert child is not None
    # more than the input pipe holds, and each more than the output pipe holds
    sent = [bytes([n]) * 600_000 for n in range(3)]
    for item in sent:
        child.send(item)  # returns at once: what the pipe cannot take waits in the parent
    assert child._unsent  # (so the parent did not wait for the child to read it)
    child.close()
    got: list[bytes] = []
    while child._child is not None:  # until the child's pipe ends: its input ended
        waiting = [child._input] if child._input is not None else []
        select.select([child._child[1]], waiting, [])  # an answer, or room for more input
        got += child.poll()  # each poll also sends more of what waits
    assert got == [item * 2 for item in sent]
    with pytest.raises(ChildProcessError):  # reaped when its pipe ended
        os.waitpid(forks[0], os.WNOHANG)


def test_a_fed_child_leaves_when_its_parent_does(forks: list[int]) -> None:
    """The parent's end of the input closed (as when it exits): the child reads the end."""
    child = forked.Background.fed(_doubling)
    assert child is not None
    child.send(b"x")
    assert child._input is not None
    os.close(child._input)  # what the parent's exit does
    child._input = None
    _, status = os.waitpid(forks[0], 0)  # returns: the child left
    assert os.waitstatus_to_exitcode(status) == 0
    assert _until_wait(child, 3) == [b"xx"]


def test_what_is_sent_to_a_fed_child_that_is_gone_is_dropped(forks: list[int]) -> None:
    child = forked.Background.fed(_doubling)
    assert child is not None
    os.kill(forks[0], signal.SIGKILL)
    os.waitpid(forks[0], 0)
    child._child = None  # reaped above
    child.send(b"y" * 300_000)  # a broken pipe: no error, nothing kept, nothing more sent
    assert not child._unsent
    assert child._input is None


def test_no_background_child_while_another_thread_runs(forks: list[int]) -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert forked.Background.fed(_doubling) is None
    finally:
        release.set()
        other.join()
    assert forks == []


def test_one_worker_or_one_item_forks_nothing(forks: list[int]) -> None:
    assert forked.share_out([1, 2, 3], _square, 1) == [(1, 1), (2, 4), (3, 9)]
    assert forked.share_out([4], _square, 4) == [(4, 16)]
    assert forks == []


def test_a_child_that_fails_has_its_share_done_by_the_parent(forks: list[int]) -> None:
    parent = os.getpid()

    def fails_in_a_child(n: int) -> tuple[int, int]:
        if os.getpid() != parent:
            raise RuntimeError("a bug that shows in the child only")
        return _square(n)

    assert forked.share_out(list(range(10)), fails_in_a_child, 2) == [_square(n) for n in range(10)]
    assert len(forks) == 1


def test_a_child_killed_has_its_share_done_by_the_parent(forks: list[int]) -> None:
    parent = os.getpid()

    def killed_in_a_child(n: int) -> tuple[int, int]:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return _square(n)

    assert forked.share_out(list(range(10)), killed_in_a_child, 2) == [
        _square(n) for n in range(10)
    ]


def test_an_answer_pickle_cannot_carry_is_made_by_the_parent(forks: list[int]) -> None:
    """A child's answers travel pickled; one that cannot (a lock, say) is made again."""
    parent = os.getpid()

    def unpicklable_in_a_child(n: int) -> object:
        return threading.Lock() if os.getpid() != parent else n

    assert forked.share_out([0, 1, 2, 3], unpicklable_in_a_child, 2) == [0, 1, 2, 3]
    assert len(forks) == 1


def test_when_the_parents_share_raises_no_child_is_left_behind(forks: list[int]) -> None:
    """The children wait on their first item (for a pipe nobody writes), so the parent
    claims the others, and raises at the first; it kills and reaps the waiting children."""
    parent = os.getpid()
    never, unused = os.pipe()

    def fails_in_the_parent(n: int) -> int:
        if os.getpid() == parent:
            raise ValueError("the parent's share")
        select.select([never], [], [], 60)
        return n

    try:
        with pytest.raises(ValueError, match="the parent's share"):
            forked.share_out(list(range(6)), fails_in_the_parent, 3)
    finally:
        os.close(never)
        os.close(unused)
    assert len(forks) == 2
    for pid in forks:  # reaped already: none is this process's child any more
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_no_fork_while_another_thread_runs(forks: list[int]) -> None:
    """A lock another thread holds at the fork would stay held in the child."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not forked.can_fork()
        assert forked.share_out(list(range(20)), _square, 2) == [_square(n) for n in range(20)]
    finally:
        release.set()
        other.join()
    assert forks == []


# --- check over many files: a run shared with children is the serial run, byte for byte ---


@pytest.fixture
def many_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pki: PKI, root: Issued) -> Path:
    """More files than a round forks from, of every outcome: clean, findings, a pasted key,
    broken armour, a directory with an ALB config of its own, a file refused (a link out of
    the repository), a revocation-list file and a file named --crl that holds none."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "alb").mkdir()
    (repo / "alb" / ".mtls-lint.yaml").write_text("profile: alb\n")
    (tmp_path / "outside.pem").write_bytes(root.pem)
    (repo / "outside.pem").symlink_to(tmp_path / "outside.pem")
    orphan = pki.cert("forked orphan", issuer=pki.cert("forked absent CA"))
    leaf = pki.cert("forked leaf", issuer=root, ca=False)
    kinds = [root.pem, orphan.pem, root.pem + leaf.pem, b"junk\n" + root.pem,
             root.pem[:-30], root.pem + leaf.key_pem()]  # fmt: skip
    count = forked.WORTH_SHARING_FROM + 8
    for number in range(count):
        where = repo / "alb" if number % 4 == 0 else repo
        (where / f"b{number:02}.pem").write_bytes(kinds[number % len(kinds)])
    absent = pki.cert("forked absent CRL issuer")
    revocations = (
        x509.CertificateRevocationListBuilder().issuer_name(absent.cert.subject)
        .last_update(NOW - dt.timedelta(days=1)).next_update(NOW + dt.timedelta(days=1))
        .sign(absent.key, hashes.SHA256())
    )  # fmt: skip
    (repo / "lists.pem").write_bytes(revocations.public_bytes(serialization.Encoding.PEM))
    monkeypatch.chdir(repo)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return repo


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from mtls_lint.cli import main

    code = main(["check", "--now", NOW_ISO, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_run_of_many_files_is_the_serial_run(
    many_files: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    forks: list[int],
    fmt: str,
) -> None:
    for thread in threading.enumerate():  # signature threads a test before left
        if thread is not threading.current_thread():
            thread.join()
    named = sorted(str(p.relative_to(many_files)) for p in many_files.rglob("b*.pem"))
    args = ["--format", fmt, ".", *named, "outside.pem", "--crl", "b01.pem"]
    monkeypatch.setattr(forked, "cpus", lambda: 1)
    serial = _run(args, capsys)
    assert forks == []
    monkeypatch.setattr(forked, "cpus", lambda: 3)
    shared = _run(args, capsys)
    assert len(forks) == 2
    assert shared == serial
    code, out, err = serial
    assert code == 2  # the refused link and the --crl file are I/O errors
    assert "outside.pem" in err
    assert "holds no X509 CRL blocks" in err
    if fmt == "text":
        for rule in ("missing-issuer", "private-key-in-bundle", "malformed-pem", "stray-text"):
            assert f"[{rule}]" in out
        assert "lists.pem" in out  # linted last, in the parent, against the run's CAs


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_files_linted_together_are_reported_as_each_linted_alone(
    many_files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Small bundles are linted together (``engine.lint_together``), in batches that cut
    across the two configs' scopes, beside I/O errors and a revocation-list file."""
    import mtls_lint.engine as engine

    named = sorted(str(p.relative_to(many_files)) for p in many_files.rglob("b*.pem"))
    args = ["--format", fmt, ".", *named, "outside.pem", "--crl", "b01.pem"]
    monkeypatch.setattr(forked, "cpus", lambda: 1)
    together = _run(args, capsys)
    monkeypatch.setattr(engine, "TOGETHER_UP_TO", 0)  # every bundle linted on its own
    assert _run(args, capsys) == together
    assert "alb/b04.pem" in together[1]  # findings in each config's scope
    assert "b02.pem" in together[1]


def test_files_are_shared_in_batches_of_at_least_four_a_process() -> None:
    from mtls_lint.cli.check import FILES_TOGETHER, _batches

    files = list(range(200))
    assert _batches(files, 1) == [
        files[n : n + FILES_TOGETHER] for n in range(0, 200, FILES_TOGETHER)
    ]
    assert {len(batch) for batch in _batches(files, 2)[:-1]} == {FILES_TOGETHER}
    assert [len(batch) for batch in _batches(files[:40], 2)] == [5] * 8
    assert [len(batch) for batch in _batches(files[:6], 2)] == [1] * 6
    assert [x for batch in _batches(files[:37], 3) for x in batch] == files[:37]


def test_a_broken_config_met_in_the_walk_stops_the_run_after_the_files_before_it(
    many_files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a run one file after another: what was found before the broken config is read
    (its I/O errors said, in order), then the run stops with exit 2."""
    (many_files / "zz").mkdir()
    (many_files / "zz" / ".mtls-lint.yaml").write_text("profile: [not, a, profile]\n")
    (many_files / "zz" / "late.pem").write_bytes(b"")
    outputs = []
    for workers in (1, 3):
        monkeypatch.setattr(forked, "cpus", lambda workers=workers: workers)
        outputs.append(_run(["outside.pem", "."], capsys))
    assert outputs[0] == outputs[1]
    code, out, err = outputs[0]
    assert code == 2
    assert out == ""
    *refused, broken = err.splitlines()
    assert len(refused) == 2  # named, then met in the walk, before zz/
    assert all("outside.pem" in line for line in refused)
    assert "zz/.mtls-lint.yaml:1" in broken


def test_the_step_summary_of_a_shared_run_is_the_serial_one(
    many_files: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    forks: list[int],
) -> None:
    """In the Action, each file's inventory (the certificates expiring soonest) comes back
    from the children with its findings."""
    summaries = []
    for workers in (1, 3):
        summary = tmp_path / f"summary-{workers}.md"
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
        monkeypatch.setattr(forked, "cpus", lambda workers=workers: workers)
        _run(["--format", "github", "."], capsys)
        summaries.append(summary.read_text())
    assert len(forks) == 2
    assert summaries[0] == summaries[1]
    table = summaries[0].split("### Certificates expiring soonest")[1]  # from the inventories
    assert "| CN=Root CA | " in table


def test_when_no_child_can_be_forked_the_parent_does_every_share(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A container's process or memory limit: fork fails, the run does not."""
    fork = os.fork
    made: list[int] = []

    def second_fails() -> int:
        if made:
            raise OSError(12, "Cannot allocate memory")
        pid = fork()
        if pid:
            made.append(pid)
        return pid

    monkeypatch.setattr(forked.os, "fork", second_fails)
    items = list(range(31))
    assert forked.share_out(items, _square, 4) == [_square(n) for n in items]
    assert len(made) == 1  # one child took its share; the parent did the other three


def test_when_no_fed_child_can_be_forked_none_is_and_no_pipe_is_left_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fails() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forked.os, "fork", fails)
    before = set(os.listdir("/proc/self/fd"))
    assert forked.Background.fed(_doubling) is None
    assert set(os.listdir("/proc/self/fd")) == before


def test_first_is_called_once_in_the_parent_before_it_claims(forks: list[int]) -> None:
    parent = os.getpid()
    called: list[int] = []
    claimed_before: list[int] = []

    def note(n: int) -> tuple[int, int]:
        if os.getpid() == parent and not called:
            claimed_before.append(n)
        return _square(n)

    items = list(range(20))
    assert forked.share_out(items, note, 2, first=lambda: called.append(os.getpid())) == [
        _square(n) for n in items
    ]
    assert called == [parent]
    assert claimed_before == []
    assert len(forks) == 1


def test_first_is_called_before_a_serial_share_too(forks: list[int]) -> None:
    order: list[object] = []
    assert forked.share_out(
        [3], lambda n: order.append(n) or n, 2, first=lambda: order.append("first")
    ) == [3]
    assert order == ["first", 3]
    assert forks == []


def _megabytes(n: int) -> bytes:
    return bytes([n]) * (4 << 20)


def test_a_child_is_not_held_by_answers_larger_than_a_pipe(forks: list[int]) -> None:
    """A child's answers go to a file in memory, not a pipe the parent reads only once its
    own share is done: a child with megabytes to send leaves while the parent is busy."""
    exited: list[bool] = []

    def wait_for_the_child() -> None:  # the parent's first step: the child claims everything
        pidfd = os.pidfd_open(forks[0])
        try:
            exited.append(bool(select.select([pidfd], [], [], 30)[0]))
        finally:
            os.close(pidfd)

    answers = forked.share_out([1, 2], _megabytes, 2, first=wait_for_the_child)
    assert answers == [_megabytes(1), _megabytes(2)]
    assert exited == [True]
