"""The bench's synthetic knowledge (real entries cloned with unique names) validates.

Its own file so that, with the suite on two workers (one file per worker at a time), it runs
beside the bench smoke run instead of after it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench import scale

ROOT = Path(__file__).resolve().parent.parent


def test_ten_times_knowledge_validates(tmp_path: Path) -> None:
    generated = scale.generate(10, tmp_path / "knowledge-10x", reuse=False)
    assert generated.files > 7  # the real files plus clone files
    assert all(f.stat().st_size < 4_000_000 for f in generated.path.glob("*.yaml"))
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
