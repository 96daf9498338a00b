"""`hal.nvm` behaviour over a real SQLite file (and the same code in memory): keys, logs, queues,
nested transactions, after-commit callbacks, refusals."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal import clock
from hal.nvm import Durability, Nvm, NvmClosed, NvmFull, NvmStore, NvmTransactionError, NvmValueError
from tests.hal.nvm.strategies import VALUES, same


@pytest.fixture(params=["file", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NvmStore]:
    opened = NvmStore.open(tmp_path / "state.db") if request.param == "file" else NvmStore.memory()
    yield opened
    opened.close()


def test_values_survive_closing_and_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with NvmStore.open(path) as store:
        chf = store.partition("chf")
        chf.put("counter", 2**64 - 1)
        chf.put("device_log", [{"eui": bytes.fromhex("00db1234567890a0"), "status": 1}])
        chf.append("security", "replayed counter", keep=10)
        chf.push("alerts", b"\x01\x02", limit=5)
        store.partition("device/00db1234567890a1").put("mirror", -5)
    with NvmStore.open(path) as store:
        chf = store.partition("chf")
        assert chf.get("counter") == 2**64 - 1
        assert chf.get("device_log") == [{"eui": bytes.fromhex("00db1234567890a0"), "status": 1}]
        assert chf.log("security") == [(1, "replayed counter")]
        assert chf.queue("alerts") == [(1, b"\x01\x02")]
        assert store.partitions() == ["chf", "device/00db1234567890a1"]
        assert store.partitions("device/") == ["device/00db1234567890a1"]


@settings(max_examples=40)  # each example opens a real file twice; the codec property test runs the full count
@given(st.dictionaries(st.text(max_size=8), VALUES, max_size=8))
def test_any_values_round_trip_through_a_real_file(entries: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.db"
        with NvmStore.open(path, durability=Durability.NORMAL) as store:
            nvm = store.partition("p")
            with nvm.transaction() as tx:
                for key, value in entries.items():
                    tx.put(key, value)
        with NvmStore.open(path) as store:
            stored = store.partition("p").items()
    assert sorted(stored) == sorted(entries)
    assert all(same(entries[key], stored[key]) for key in entries)


def test_get_default_put_replace_delete(store: NvmStore) -> None:
    nvm = store.partition("gpf")
    assert nvm.get("missing") is None and nvm.get("missing", 7) == 7
    nvm.put("a", 1)
    nvm.put("a", "two")
    assert nvm.get("a") == "two"
    assert nvm.delete("a") is True and nvm.delete("a") is False
    assert nvm.get("a", "gone") == "gone"


def test_partitions_are_separate_namespaces(store: NvmStore) -> None:
    store.partition("chf").put("k", 1)
    store.partition("gpf").put("k", 2)
    assert store.partition("chf").get("k") == 1 and store.partition("gpf").get("k") == 2


def test_items_by_prefix_in_key_order(store: NvmStore) -> None:
    nvm = store.partition("chf")
    for key in ("counter/b", "counter/a", "counterx", "count", "zz"):
        nvm.put(key, key.upper())
    assert list(nvm.items("counter/")) == ["counter/a", "counter/b"]
    assert nvm.items("counter/")["counter/a"] == "COUNTER/A"
    assert list(nvm.items()) == ["count", "counter/a", "counter/b", "counterx", "zz"]


def test_a_log_keeps_the_newest_entries(store: NvmStore) -> None:
    nvm = store.partition("chf")
    seqs = [nvm.append("events", f"event {n}", keep=3) for n in range(1, 6)]
    assert seqs == [1, 2, 3, 4, 5]
    assert nvm.log("events") == [(3, "event 3"), (4, "event 4"), (5, "event 5")]
    nvm.append("events", "event 6", keep=2)  # a smaller bound trims to it
    assert nvm.log("events") == [(5, "event 5"), (6, "event 6")]
    assert nvm.log("other") == []


def test_a_queue_is_fifo_bounded_and_never_reuses_a_number(store: NvmStore) -> None:
    nvm = store.partition("device/00db1234567890a1")
    first = nvm.push("commands", "read", limit=2)
    second = nvm.push("commands", "write", limit=2)
    with pytest.raises(NvmFull) as caught:
        nvm.push("commands", "third", limit=2)
    assert (caught.value.partition, caught.value.queue, caught.value.limit) == (nvm.name, "commands", 2)
    assert nvm.queue("commands") == [(first, "read"), (second, "write")]  # nothing of the refused push
    assert nvm.queue("commands", first=1) == [(first, "read")]
    assert nvm.remove("commands", first) is True and nvm.remove("commands", first) is False
    nvm.remove("commands", second)
    assert nvm.queue("commands") == []
    again = nvm.push("commands", "later", limit=2)
    assert again == 3  # an emptied queue does not hand out 1 again: a stale remove(…, 1) stays harmless
    assert nvm.remove("commands", first) is False and nvm.queue("commands") == [(3, "later")]


def test_the_caller_drops_the_oldest_when_a_queue_is_full(store: NvmStore) -> None:
    nvm = store.partition("chf")
    for n in range(3):
        nvm.push("alerts", n, limit=3)
    with nvm.transaction() as tx:
        try:
            tx.push("alerts", 3, limit=3)
        except NvmFull:
            oldest, _ = tx.queue("alerts")[0]
            tx.remove("alerts", oldest)
            tx.push("alerts", 3, limit=3)
    assert [value for _, value in nvm.queue("alerts")] == [1, 2, 3]


def test_logs_and_queues_of_the_same_name_are_separate(store: NvmStore) -> None:
    nvm = store.partition("chf")
    nvm.append("x", "log entry", keep=5)
    nvm.push("x", "queue entry", limit=5)
    assert nvm.log("x") == [(1, "log entry")] and nvm.queue("x") == [(1, "queue entry")]


def test_clear_empties_one_partition(store: NvmStore) -> None:
    device, other = store.partition("device/a"), store.partition("device/b")
    device.put("k", 1)
    device.append("log", 1, keep=5)
    device.push("q", 1, limit=5)
    other.put("k", 2)
    device.clear()
    assert device.items() == {} and device.log("log") == [] and device.queue("q") == []
    assert other.get("k") == 2 and store.partitions() == ["device/b"]
    assert device.push("q", 2, limit=1) == 2  # emptied (a limit of 1 admits it), numbers not reused


def test_a_transaction_commits_everything_or_nothing(store: NvmStore) -> None:
    chf, gpf = store.partition("chf"), store.partition("gpf")
    chf.put("counter", 1)
    with pytest.raises(RuntimeError, match="handler failed"), chf.transaction() as tx:
        tx.put("counter", 2)
        tx.append("events", "accepted", keep=5)
        tx.push("responses", b"resp", limit=5)
        gpf.put("mirror", 99)  # another partition joins the same transaction
        raise RuntimeError("handler failed")
    assert chf.get("counter") == 1 and chf.log("events") == [] and chf.queue("responses") == []
    assert gpf.get("mirror") is None
    with chf.transaction() as tx:
        tx.put("counter", 2)
        gpf.put("mirror", 99)
    assert chf.get("counter") == 2 and gpf.get("mirror") == 99


def test_reads_inside_a_transaction_see_its_writes(store: NvmStore) -> None:
    nvm = store.partition("chf")
    with nvm.transaction() as tx:
        tx.put("k", "new")
        tx.push("q", 1, limit=5)
        assert tx.get("k") == "new" and tx.queue("q") == [(1, 1)]


def test_an_inner_block_that_fails_undoes_only_its_own_writes(store: NvmStore) -> None:
    chf, device = store.partition("chf"), store.partition("device/esme")
    with chf.transaction() as outer:
        outer.put("counter", 7)  # the envelope accepts the counter
        with pytest.raises(ValueError, match="bad payload"), device.transaction() as inner:
            inner.put("tariff", "new")  # the handler's writes ...
            inner.append("events", "half done", keep=5)
            raise ValueError("bad payload")  # ... are undone, and the error still propagates
        assert device.get("tariff") is None and outer.get("counter") == 7
        outer.push("responses", b"error response", limit=5)
    assert chf.get("counter") == 7 and chf.queue("responses") == [(1, b"error response")]
    assert device.get("tariff") is None and device.log("events") == []


def test_inner_blocks_become_durable_only_with_the_outermost(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with NvmStore.open(path) as store:
        chf = store.partition("chf")
        with pytest.raises(KeyError), chf.transaction():
            with chf.transaction() as inner:
                inner.put("inner", "committed to the outer block")
                with chf.transaction() as innermost:
                    innermost.put("innermost", 1)
            assert chf.get("inner") == "committed to the outer block"
            raise KeyError("outer fails")
        assert chf.items() == {}
    with NvmStore.open(path) as store:
        assert store.partition("chf").items() == {}


def test_after_commit_runs_once_the_outermost_block_commits(store: NvmStore) -> None:
    nvm = store.partition("chf")
    calls: list[str] = []
    nvm.after_commit(lambda: calls.append("outside: at once"))
    assert calls == ["outside: at once"]
    with nvm.transaction():
        nvm.after_commit(lambda: calls.append("outer"))
        with nvm.transaction():
            nvm.after_commit(lambda: calls.append("inner kept"))
        with pytest.raises(LookupError), nvm.transaction():
            nvm.after_commit(lambda: calls.append("inner rolled back"))
            raise LookupError
        assert calls == ["outside: at once"]  # nothing before the commit
    assert calls == ["outside: at once", "outer", "inner kept"]
    with pytest.raises(LookupError), nvm.transaction():
        nvm.after_commit(lambda: calls.append("outer rolled back"))
        raise LookupError
    assert calls == ["outside: at once", "outer", "inner kept"]


def test_a_failing_after_commit_callback_is_logged_and_the_others_run(
    store: NvmStore, caplog: pytest.LogCaptureFixture
) -> None:
    nvm = store.partition("chf")
    calls: list[int] = []
    with nvm.transaction():
        nvm.put("k", 1)
        nvm.after_commit(lambda: [][0])
        nvm.after_commit(lambda: calls.append(2))
    assert calls == [2] and nvm.get("k") == 1
    assert "after-commit callback failed" in caplog.text


def test_unstorable_values_are_refused_naming_the_key_and_nothing_is_written(store: NvmStore) -> None:
    nvm = store.partition("chf")
    with pytest.raises(NvmValueError) as caught, nvm.transaction() as tx:
        tx.put("good", 1)
        tx.put("bad", {"list": [1, (2, 3)]})
    assert "partition 'chf', key 'bad'" in str(caught.value) and "['list'][1]" in str(caught.value)
    assert caught.value.path == store.path
    assert nvm.items() == {}
    with pytest.raises(NvmValueError, match="a key must be a str, not int"):
        nvm.put(5, "x")  # type: ignore[arg-type]  # what the test is about
    with pytest.raises(NvmValueError, match="not valid Unicode"):
        nvm.put("\udc80", 1)
    with pytest.raises(NvmValueError, match="non-empty str"):
        store.partition("")


@pytest.mark.parametrize("bound", [0, -1, True, 1.5])
def test_bounds_must_be_positive_ints(store: NvmStore, bound: object) -> None:
    nvm = store.partition("chf")
    with pytest.raises(ValueError, match="keep must be a positive int"):
        nvm.append("log", 1, keep=bound)  # type: ignore[arg-type]  # what the test is about
    with pytest.raises(ValueError, match="limit must be a positive int"):
        nvm.push("q", 1, limit=bound)  # type: ignore[arg-type]
    assert nvm.log("log") == [] and nvm.queue("q") == []


def test_another_task_cannot_write_into_an_open_transaction(store: NvmStore) -> None:
    nvm = store.partition("chf")

    async def intruder() -> None:
        with pytest.raises(NvmTransactionError, match="another asyncio task"):
            nvm.put("intruder", 1)
        with pytest.raises(NvmTransactionError, match="another asyncio task"), nvm.transaction():
            pass

    async def main() -> None:
        with nvm.transaction() as tx:
            tx.put("mine", 1)
            await asyncio.create_task(intruder())  # awaiting inside a block: exactly what is refused
        nvm.put("after", 2)  # the intruder's refusal left the store usable

    clock.run(main())
    assert nvm.items() == {"after": 2, "mine": 1}


def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = NvmStore.open(tmp_path / "state.db")
    nvm = store.partition("chf")
    store.close()
    store.close()  # idempotent
    with pytest.raises(NvmClosed, match="the store is closed"):
        nvm.get("k")


def test_closing_inside_a_transaction_rolls_it_back_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = NvmStore.open(path)
    with pytest.raises(NvmClosed, match="closed inside a transaction"), store.transaction():
        store.partition("chf").put("k", 1)
        store.close()
    with NvmStore.open(path) as reopened:
        assert reopened.partition("chf").items() == {}


def test_memory_stores_are_independent() -> None:
    first, second = NvmStore.memory(), NvmStore.memory()
    first.partition("chf").put("k", 1)
    assert second.partition("chf").get("k") is None
    assert first.path == ":memory:" and first.durability is None and first.schema_version == 2


def test_a_partition_object_is_reused(store: NvmStore) -> None:
    assert store.partition("chf") is store.partition("chf")
    assert isinstance(store.partition("chf"), Nvm)
