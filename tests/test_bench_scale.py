"""The bench's synthetic knowledge (real entries cloned with unique names) validates.

Its own file so that, with the suite on several workers (one file per worker at a time), it runs
beside the bench smoke run instead of after it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench import scale

ROOT = Path(__file__).resolve().parent.parent


def test_three_times_knowledge_validates_split_into_bounded_files(tmp_path: Path) -> None:
    """Three times (two clone sets, so clone names must be unique across sets, not only against
    the real names), with a small file bound so the clones are split across several files as
    they are at 10x and 100x with the real bound (validating 10x here cost 5 s)."""
    bound = 200_000
    generated = scale.generate(3, tmp_path / "knowledge-3x", max_file_bytes=bound, reuse=False)
    clone_files = list(generated.path.glob("zz-clones-*.yaml"))
    assert len(clone_files) > 2
    assert all(f.stat().st_size <= bound for f in clone_files)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate", str(generated.path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"{generated.entries} entries" in result.stdout + result.stderr
