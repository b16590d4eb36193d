"""The executor seam: order, chunking, per-task seeds, shared objects, executor choice, clusters."""

from __future__ import annotations

import os
import pickle
from functools import partial

import numpy as np
import pytest

from policytopics.compute import (
    SCHEDULER_ENV,
    DaskExecutor,
    SerialExecutor,
    Shared,
    _jobqueue_cluster,
    build_executor,
    chunked,
    local_cluster,
    map_with_progress,
    scheduler_address,
    task_seed,
)
from policytopics.config import ClusterParams, ComputeParams, parse_params
from policytopics.errors import UserError


def _draws(seed: int, index: int) -> list[float]:
    """A task that needs randomness: three draws from its own seed."""
    draws: list[float] = np.random.default_rng(task_seed(seed, index)).random(3).tolist()
    return draws


def _scaled(factor: Shared[list[int]], value: int) -> int:
    return factor.get()[0] * value


def test_map_with_progress_returns_results_in_task_order_and_counts_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = map_with_progress(SerialExecutor(), partial(_draws, 7), [2, 0, 1], "draws")
    assert results == [_draws(7, 2), _draws(7, 0), _draws(7, 1)]
    bar = capsys.readouterr().err.split("\r")[-1]
    assert bar.startswith("draws: 100%") and "3/3" in bar
    assert map_with_progress(SerialExecutor(), str, [], "none", enabled=False) == []
    assert capsys.readouterr().err == ""


def test_chunked_cuts_fixed_sizes_in_order() -> None:
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []
    with pytest.raises(ValueError, match="at least 1"):
        list(chunked(range(3), 0))


def test_task_seed_depends_on_seed_and_index_only() -> None:
    assert task_seed(42, 0) == task_seed(42, 0)
    seeds = {task_seed(42, i) for i in range(100)} | {task_seed(43, i) for i in range(100)}
    assert len(seeds) == 200 and all(0 <= s < 2**32 for s in seeds)


def test_serial_executor_keeps_order_and_is_lazy_in_imap() -> None:
    executor = SerialExecutor()
    seen: list[int] = []

    def record(x: int) -> int:
        seen.append(x)
        return x * 10

    stream = executor.imap(record, [3, 1, 2])
    assert seen == []  # nothing ran before the first result is asked for
    assert next(stream) == 30 and seen == [3]
    assert executor.map(record, [5, 4]) == [50, 40] and executor.workers == 1


def test_shared_is_the_object_here_and_unpickled_once_per_process() -> None:
    value = [1, 2, 3]
    shared = Shared(value)
    assert shared.get() is value
    first = pickle.loads(pickle.dumps(shared))
    second = pickle.loads(pickle.dumps(partial(_scaled, shared)))
    assert first.get() == value and first.get() is not value
    assert second.args[0].get() is first.get()  # the same restored copy, not a new one


def test_local_processes_give_the_serial_results_in_task_order(
    two_processes: DaskExecutor,
) -> None:
    tasks = list(range(12))
    serial = SerialExecutor().map(partial(_draws, 7), tasks)
    assert two_processes.workers == 2
    assert two_processes.map(partial(_draws, 7), tasks) == serial
    assert list(two_processes.imap(partial(_scaled, Shared([3])), tasks)) == [3 * t for t in tasks]


class _CountsPickles:
    """A task function that counts how often this process pickles it."""

    pickled = 0

    def __call__(self, value: int) -> int:
        return value + 1

    def __reduce__(self) -> tuple[type[_CountsPickles], tuple[()]]:
        _CountsPickles.pickled += 1
        return _CountsPickles, ()


def test_the_function_goes_to_the_cluster_once_not_with_every_task(
    two_processes: DaskExecutor,
) -> None:
    _CountsPickles.pickled = 0
    assert two_processes.map(_CountsPickles(), list(range(12))) == list(range(1, 13))
    # distributed pickles a submitted task's arguments twice: 24 when it went with every task
    assert _CountsPickles.pickled == 2


def test_a_task_error_reaches_the_caller_unchanged(two_processes: DaskExecutor) -> None:
    with pytest.raises(ZeroDivisionError):
        two_processes.map(partial(divmod, 1), [1, 0])


def _environ(name: str) -> str | None:
    return os.environ.get(name)


def test_a_local_cluster_gives_back_this_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """distributed sets OMP_NUM_THREADS=1 (and PYTHONHASHSEED) in the parent's own environment
    to spawn its workers and leaves them there; they are put back once the workers run, so an
    OpenMP library loaded later in this process (the embedding engine) still uses every core."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    with local_cluster(1) as executor:
        assert executor.map(_environ, ["OMP_NUM_THREADS"]) == ["1"]  # the workers' setting
        assert "OMP_NUM_THREADS" not in os.environ  # distributed set it here to spawn them
        assert "PYTHONHASHSEED" not in os.environ
    assert "OMP_NUM_THREADS" not in os.environ
    assert "PYTHONHASHSEED" not in os.environ


def test_build_executor_stays_in_process_when_a_cluster_cannot_pay_off() -> None:
    assert isinstance(build_executor(ComputeParams(workers=1)), SerialExecutor)
    assert isinstance(build_executor(ComputeParams(workers=2), multithreaded=True), SerialExecutor)
    few = build_executor(ComputeParams(workers=2, min_local_tasks=4), n_tasks=3)
    assert isinstance(few, SerialExecutor)
    # light tasks: 16 x min_local_tasks tasks and at least 4 workers, else in-process
    light = ComputeParams(workers=4, min_local_tasks=4)
    assert isinstance(build_executor(light, n_tasks=63, light=True), SerialExecutor)
    two = ComputeParams(workers=2, min_local_tasks=4)
    assert isinstance(build_executor(two, n_tasks=10_000, light=True), SerialExecutor)
    # model fits: in process below min_workers local workers
    assert isinstance(build_executor(two, n_tasks=20, min_workers=4), SerialExecutor)
    assert isinstance(build_executor(ComputeParams(workers=3), min_workers=4), SerialExecutor)


def test_scheduler_comes_from_params_then_environment() -> None:
    env = {SCHEDULER_ENV: "tcp://envhost:8786"}
    assert scheduler_address(ComputeParams(), env) == "tcp://envhost:8786"
    assert scheduler_address(ComputeParams(scheduler="tcp://a:1"), env) == "tcp://a:1"
    assert scheduler_address(ComputeParams(), {}) == ""


def test_unreachable_scheduler_and_conflicting_settings_are_one_line_errors() -> None:
    unreachable = ComputeParams(connect_timeout="1s")
    with pytest.raises(UserError, match=r"compute\.scheduler: cannot reach tcp://127\.0\.0\.1:9"):
        build_executor(unreachable, environ={SCHEDULER_ENV: "tcp://127.0.0.1:9"})
    both = ComputeParams(
        scheduler="tcp://a:1", cluster=ClusterParams(kind="slurm", cores=2, memory="4GB")
    )
    with pytest.raises(UserError, match="either scheduler"):
        build_executor(both)


def test_slurm_cluster_from_params_yaml_writes_the_expected_job_script() -> None:
    params = parse_params(
        {
            "compute": {
                "cluster": {
                    "kind": "slurm",
                    "cores": 8,
                    "memory": "16GB",
                    "walltime": "02:00:00",
                    "queue": "short",
                    "account": "soc-policy",
                    "jobs": 10,
                    "job_extra": ["--qos=normal"],
                    "prologue": ["module load python/3.11"],
                }
            }
        }
    )
    assert params.compute.cluster is not None
    cluster = _jobqueue_cluster(params.compute.cluster)  # nothing submitted: no scale()
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in (
        "#SBATCH -p short",
        "#SBATCH -A soc-policy",
        "#SBATCH --cpus-per-task=8",
        "#SBATCH --mem=15G",
        "#SBATCH -t 02:00:00",
        "#SBATCH --qos=normal",
        "module load python/3.11",
    ):
        assert line in script
    assert "--nthreads 1 " in script and "--nworkers 8 " in script  # 0: a worker per core
    # the workers get this process's CPU target (policytopics/cpu.py), after the user's lines
    pins = [f"export {line}" for line in pinned_exports_expected()]
    assert pins and script.index("module load python/3.11") < script.index(pins[0])
    assert all(pin in script for pin in pins)


def pinned_exports_expected() -> list[str]:
    """The pins `import policytopics` set in this test process (an AVX2 machine)."""
    assert os.environ.get("NUMBA_CPU_NAME") == "haswell"
    return [
        "NUMBA_CPU_NAME=haswell",
        "NUMBA_CPU_FEATURES=''",
        "NPY_DISABLE_CPU_FEATURES='X86_V4 AVX512_ICL AVX512_SPR'",
        "OPENBLAS_CORETYPE=Haswell",
    ]


def test_pbs_cluster_job_script() -> None:
    cluster = _jobqueue_cluster(
        ClusterParams(kind="pbs", cores=4, memory="8GB", walltime="00:30:00", processes=2)
    )
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#PBS -l select=1:ncpus=4:mem=7630MB" in script  # 8 GB in MiB
    assert "#PBS -l walltime=00:30:00" in script
    assert "--nthreads 2 " in script and "--nworkers 2 " in script


def test_cluster_settings_are_checked_in_params_yaml() -> None:
    with pytest.raises(UserError, match=r"compute\.cluster\.kind"):
        parse_params({"compute": {"cluster": {"kind": "lsf", "cores": 2, "memory": "4GB"}}})
    with pytest.raises(UserError, match=r"compute\.cluster\.cores"):
        parse_params({"compute": {"cluster": {"kind": "slurm", "cores": 0, "memory": "4GB"}}})
    with pytest.raises(UserError, match=r"compute\.worker"):
        parse_params({"compute": {"worker": 2}})
