"""Four processes append at once, to one shared stream and to streams of their own, on each backend."""

import multiprocessing
from collections import Counter

from events.envelope import NewEvent
from events.store import EventStore

ROUNDS = 25


def _writer(path: str, worker: int) -> None:
    with EventStore(path) as store:
        store.append([NewEvent(stream=f"case:own-{worker}", type="CaseOpened",
                               data={"origin": "MA", "motive": "labour"})])
        for round_ in range(ROUNDS):
            for case in ("shared", f"own-{worker}"):
                store.append([NewEvent(stream=f"case:{case}", type="StateObserved",
                                       data={"variable": "effort", "direction": "up"},
                                       meta={"worker": worker, "round": round_})])


def test_concurrent_writers_lose_and_duplicate_nothing(target):
    with EventStore(target) as store:
        store.append([NewEvent(stream="case:shared", type="CaseOpened", data={"origin": "MA", "motive": "labour"})])
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(target), worker)) for worker in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0

    with EventStore(target) as store:
        events = list(store.read())
        report = store.verify()
    assert report.ok and report.checked == 1 + 4 * (1 + 2 * ROUNDS)
    assert [e.position for e in events] == list(range(1, len(events) + 1))  # contiguous
    written = Counter((e.case, e.meta.get("worker"), e.meta.get("round")) for e in events if e.meta)
    assert len(written) == 4 * 2 * ROUNDS and set(written.values()) == {1}
    versions: dict[str, list[int]] = {}
    for event in events:
        versions.setdefault(event.case, []).append(event.version)
    assert versions["shared"] == list(range(1, 2 + 4 * ROUNDS))
    assert all(versions[f"own-{w}"] == list(range(1, 2 + ROUNDS)) for w in range(4))
