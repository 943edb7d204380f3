"""The runner keeps the memory a run frees for the next allocation (``keep_freed_memory``)."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest

TOUCH_TWICE = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    from numpy._core.multiarray import _set_madvise_hugepage
    _set_madvise_hugepage(False)  # count 4 KB pages, whatever the machine's huge page setting
    if sys.argv[1] == "kept":
        from sim.runner import keep_freed_memory
        assert keep_freed_memory()
    def faults():
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a = np.ones(64 * 2**20 // 8)
    del a
    before = faults()
    b = np.ones(64 * 2**20 // 8)
    print(faults() - before)
    """
)


def faults_of_second_array(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", TOUCH_TWICE, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_a_freed_array_is_reused_without_faulting_its_pages_in_again():
    """64 MB is 16,384 pages of 4 KB. By default glibc serves an array that large with a fresh
    mapping and unmaps it when freed, so writing the next one faults every page in again;
    once ``keep_freed_memory`` has run, the freed block stays in the heap and the next array
    of that size reuses its pages: a few faults (the allocator's own), not thousands."""
    pages = 64 * 2**20 // 4096
    assert faults_of_second_array("default") > 0.9 * pages
    assert faults_of_second_array("kept") < 0.05 * pages


def test_keeping_freed_memory_twice_is_harmless():
    from sim.runner import keep_freed_memory

    first = keep_freed_memory()
    assert keep_freed_memory() == first


def test_a_run_leaves_the_cyclic_collector_as_it_found_it():
    """``run_one`` turns automatic collections off while it runs (it collects at its own
    phase boundaries) and back on only if they were on."""
    import gc

    from sim.config import scenario_from_dict
    from sim.runner import WARM_UP_SCENARIO, run_one

    scenario = scenario_from_dict(WARM_UP_SCENARIO | {"architecture": {"kind": "centralized"}})
    assert gc.isenabled()
    run_one(scenario, 1)
    assert gc.isenabled()
    gc.disable()
    try:
        run_one(scenario, 1)
        assert not gc.isenabled()
    finally:
        gc.enable()
