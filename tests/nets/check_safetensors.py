#!/usr/bin/python3
"""Reads a seqrl checkpoint with numpy alone, following the safetensors format spec, and checks
what the safetensors library checks: an 8-byte little-endian header length, a JSON object header
starting with '{', string-to-string __metadata__, known dtypes, shapes that match the byte spans,
and data offsets that cover the data section contiguously and exactly.
usage: check_safetensors.py FILE   (exit 0 and one line 'ok ...' when the file conforms)"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8"}
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
assert b[8:9] == b"{", "header must start with '{'"
h = json.loads(b[8:8 + n])
meta = h.pop("__metadata__", {})
assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()), "metadata not str->str"
data = b[8 + n:]
pos = 0
for start, end, name in sorted((v["data_offsets"][0], v["data_offsets"][1], k) for k, v in h.items()):
    assert start == pos, f"{name}: offsets leave a hole or overlap at {start} (expected {pos})"
    e = h[name]
    arr = np.frombuffer(data[start:end], dtype=DTYPES[e["dtype"]])
    assert arr.size == int(np.prod(e["shape"], dtype=np.int64)), f"{name}: shape {e['shape']} vs {arr.size} values"
    assert np.all(np.isfinite(arr)), f"{name}: non-finite values"
    pos = end
assert pos == len(data), f"data section has {len(data)} bytes, offsets cover {pos}"
print(f"ok {sys.argv[1]}: {len(h)} tensors, {len(data)} data bytes, {len(meta)} metadata entries")
