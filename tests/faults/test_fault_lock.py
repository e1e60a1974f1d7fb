"""Defect 9 (issue 12): the one-daemon-per-SQLite lock was taken on the link's name, so a second
daemon reaching the same database through a symlink was not refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import StoreError
from monitor.scheduler import ProcessLock, lock_path_for


def test_a_symlink_to_the_database_meets_the_same_lock(tmp_path: Path) -> None:
    real = tmp_path / "data" / "claimwatch.db"
    real.parent.mkdir()
    real.touch()
    link = tmp_path / "elsewhere.db"
    link.symlink_to(real)
    assert (
        lock_path_for(f"sqlite:///{link}")
        == lock_path_for(f"sqlite:///{real}")
        == real.with_name("claimwatch.db.lock")
    )
    with (
        ProcessLock(lock_path_for(f"sqlite:///{real}"), str(real)),  # type: ignore[arg-type]
        pytest.raises(StoreError, match="another claimwatch daemon"),
    ):
        ProcessLock(lock_path_for(f"sqlite:///{link}"), str(link)).acquire()  # type: ignore[arg-type]
