"""What local mode imports, checked in a fresh interpreter (a subprocess)."""

from __future__ import annotations


def test_local_mode_never_loads_the_tracer() -> None:
    import subprocess
    import sys

    code = ("import sys, shared.bootstrap.local, shared.observability as o; "
            "assert 'aws_xray_sdk' not in sys.modules, 'x-ray loaded'; "
            "t = o.get_tracer(); assert t is o.get_tracer(); assert 'aws_xray_sdk' in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
