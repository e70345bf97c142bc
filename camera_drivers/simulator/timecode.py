"""A machine-readable capture time burned into a simulated camera's picture, for latency benchmarks.

The top of the frame gets a row of 40 square blocks, each `width / 40` pixels: a white and a black
sync block, 36 bits of the capture time (milliseconds since the epoch modulo 2**36, about 795
days, most significant first; white = 1), an even-parity bit, and a black end block. The code is
relative to the picture's width, so the same frame scaled down for a sub stream still reads; a
player reads it off the frame it shows (bench/live.py does this in the browser, in JavaScript,
with the same layout) and compares it with its clock.
"""

from __future__ import annotations

import numpy as np

BLOCKS = 40
DATA_BITS = 36
MODULUS = 1 << DATA_BITS


def bits_of(ms: int) -> list[int]:
    value = int(ms) % MODULUS
    data = [(value >> (DATA_BITS - 1 - i)) & 1 for i in range(DATA_BITS)]
    return [1, 0, *data, sum(data) % 2, 0]


def burn(image: np.ndarray, ms: int) -> None:
    """Draw the code for `ms` into the top rows of `image` (H, W, 3) uint8, in place."""
    width = image.shape[1]
    side = max(1, width // BLOCKS)
    for i, bit in enumerate(bits_of(ms)):
        image[:side, i * side:(i + 1) * side] = 255 if bit else 0


def read(gray: np.ndarray, now_ms: int) -> int | None:
    """The capture time coded in `gray` (H, W) uint8, unwrapped to be nearest `now_ms`; None if no valid code."""
    width = gray.shape[1]
    side = width / BLOCKS
    y = int(side / 2)
    bits = [1 if gray[y, int((i + 0.5) * side)] > 127 else 0 for i in range(BLOCKS)]
    data = bits[2:2 + DATA_BITS]
    if bits[:2] != [1, 0] or bits[-1] != 0 or sum(data) % 2 != bits[2 + DATA_BITS]:
        return None
    value = int("".join(map(str, data)), 2)
    base = now_ms - now_ms % MODULUS
    candidates = (base - MODULUS + value, base + value, base + MODULUS + value)
    return min(candidates, key=lambda c: abs(c - now_ms))
