"""Helpers for the netCDF plugin tests: run the distribution's netCDF tools
with libzarr_netcdf preloaded, and read the data section of CDL text.

Expectations come from numpy / zarr-python / netCDF-C, never from the plugin.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
LIBDIR = Path(os.environ.get("ZARR_LIBDIR", ROOT / "target" / "release"))
PLUGIN = LIBDIR / "libzarr_netcdf.so"


def udf_url(path: Path, *words: str) -> str:
    mode = ",".join(("udf0",) + words)
    return f"file://{Path(path).resolve()}#mode={mode}"


def run(cmd, preload=True, check=True, env=None, **kw):
    env = dict(os.environ if env is None else env)
    if preload:
        env["LD_PRELOAD"] = str(PLUGIN)
    p = subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True, timeout=120, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def ncdump(target, *args, preload=True, check=True):
    """ncdump with full float precision (-p 9,17), so values round-trip."""
    return run(["ncdump", "-p", "9,17", *args, target], preload=preload, check=check)


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s,;]+')


def _value(tok: str):
    if tok == "_":
        return None  # ncdump's mark for the fill value
    t = tok.rstrip("fbsSlLuU") if not tok.lower().startswith(("nan", "inf", "-inf")) else tok
    low = tok.lower().rstrip("f")
    if low == "nan":
        return math.nan
    if low in ("infinity", "inf"):
        return math.inf
    if low in ("-infinity", "-inf"):
        return -math.inf
    try:
        return int(t)
    except ValueError:
        return float(t)


def cdl_data(text: str) -> dict:
    """{"group/var": [values...]} from the data sections of ncdump output
    (C order, flattened; None where ncdump printed the fill mark)."""
    out: dict = {}
    groups: list = []
    in_data = False
    cur = None
    for line in text.splitlines():
        s = line.strip()
        m = re.match(r"group: (\S+) \{", s)
        if m:
            groups.append(m.group(1))
            in_data = False
            continue
        if s.startswith("} // group"):
            groups.pop()
            in_data = False
            continue
        if s == "data:":
            in_data = True
            continue
        if not in_data or not s:
            continue
        if cur is None:
            m = re.match(r"(\S+) =(.*)", s)
            if not m:
                continue
            cur = "/".join(groups + [m.group(1)])
            out[cur] = []
            s = m.group(2)
        done = s.endswith(";")
        out[cur].extend(_value(t) for t in _TOKEN.findall(s.rstrip(";")))
        if done:
            cur = None
    return out


def same_values(got: list, expected: np.ndarray, fill=None, what: str = "") -> None:
    """Exact comparison of ncdump's values with numpy's (in the array's own
    type: a float32 printed with 9 digits reads back to the same float32)."""
    exp = np.asarray(expected).ravel()
    assert len(got) == exp.size, f"{what}: {len(got)} values, expected {exp.size}"
    for i, (g, e) in enumerate(zip(got, exp)):
        if g is None:
            g = fill
        if exp.dtype.kind == "f":
            g32 = np.asarray(g, dtype=exp.dtype)
            ok = (np.isnan(g32) and np.isnan(e)) or g32 == e
        else:
            ok = g == int(e)
        assert ok, f"{what}: value {i}: got {g}, expected {e}"
