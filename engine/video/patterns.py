"""The frames of lkemu's capture sources (engine/media/capture.py), drawn straight into I420.

livekit-ffi's capture sources (livekit-capture's PatternVideoSource and ClockVideoSource)
render with a GPU shader and convert the result to I420 on the CPU. lkemu draws the same
kinds of picture with NumPy, into the planes directly:

- the gradient: an animated colour gradient, a pure function of position and time (as
  native's: the same configuration gives the same frames on every machine). Its top-left
  pixel at time zero is RGB (255, 68, 47), about (121, 91, 211) in limited-range BT.601,
  the value livekit-capture's own test checks;
- the logo: a bright mark bouncing on a black background (luma 16), its top-left pixel
  background at time zero, as native's;
- the clock: the local time as HH:MM:SS.mmm, light digits on black, with a row of ten
  cells below that fills with the hundreds of milliseconds.

What lkemu adds, so that a test can tell frames apart: the gradient and the logo carry the
frame's index (modulo 10^6) in a black box at their bottom-left corner, in seven-segment
digits that `read_counter` reads back from the luma plane.

Colours are BT.601 limited range, as libyuv's ARGBToI420 (what native's readback uses).
"""

from __future__ import annotations

import math

import numpy as np

from .layout import T, VideoImage

BLACK_Y, WHITE_Y, NEUTRAL_C = 16, 235, 128
COUNTER_DIGITS = 6

# Segments a..g of a seven-segment digit: (x, y, width, height) in units of the stroke, in a
# cell 5 wide and 9 tall (the cell's pitch is 6: one unit of space).
_SEGMENTS = {
    "a": (1, 0, 3, 1),
    "b": (4, 1, 1, 3),
    "c": (4, 5, 1, 3),
    "d": (1, 8, 3, 1),
    "e": (0, 5, 1, 3),
    "f": (0, 1, 1, 3),
    "g": (1, 4, 3, 1),
}
_DIGIT_SEGMENTS = {
    0: "abcdef",
    1: "bc",
    2: "abdeg",
    3: "abcdg",
    4: "bcfg",
    5: "acdfg",
    6: "acdefg",
    7: "abc",
    8: "abcdefg",
    9: "abcdfg",
}
_CELL_W, _CELL_H, _PITCH = 5, 9, 6

# The gradient's corner colours (RGB), cycled round the four corners, one step every 2 s.
_PALETTE = ((255, 68, 47), (255, 196, 0), (31, 151, 255), (146, 58, 255))
_STEP_S = 2.0


def rgb_to_yuv(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """BT.601 limited range, as libyuv's RGB to I420."""
    r, g, b = (c / 255.0 for c in rgb)
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    u = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    v = 128 + 112.0 * r - 93.786 * g - 18.214 * b
    return y, u, v


def blank(width: int, height: int) -> VideoImage:
    """A black I420 image."""
    cw, ch = (width + 1) // 2, (height + 1) // 2
    planes = [
        np.full((height, width), BLACK_Y, np.uint8),
        np.full((ch, cw), NEUTRAL_C, np.uint8),
        np.full((ch, cw), NEUTRAL_C, np.uint8),
    ]
    return VideoImage(T.I420, width, height, planes=planes)


def _bilinear(corners: np.ndarray, width: int, height: int) -> np.ndarray:
    """A plane interpolated between four corner values (tl, tr, bl, br)."""
    tl, tr, bl, br = (float(c) for c in corners)
    v = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None] if height > 1 else np.zeros((1, 1))
    u = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :] if width > 1 else np.zeros((1, 1))
    left = tl + (bl - tl) * v
    right = tr + (br - tr) * v
    plane = left + (right - left) * u
    return np.clip(np.rint(plane), 0, 255).astype(np.uint8)


def gradient(width: int, height: int, time_s: float) -> VideoImage:
    """The animated gradient at `time_s` seconds."""
    step = time_s / _STEP_S
    whole, part = math.floor(step), step - math.floor(step)
    colours = []
    for corner in (0, 1, 3, 2):  # tl, tr, bl, br: the palette goes round clockwise
        start = np.array(_PALETTE[(corner + whole) % 4], dtype=np.float64)
        end = np.array(_PALETTE[(corner + whole + 1) % 4], dtype=np.float64)
        colours.append(rgb_to_yuv(tuple(start + (end - start) * part)))
    yuv = np.array(colours)  # (4 corners, 3 components)
    cw, ch = (width + 1) // 2, (height + 1) // 2
    planes = [
        _bilinear(yuv[:, 0], width, height),
        _bilinear(yuv[:, 1], cw, ch),
        _bilinear(yuv[:, 2], cw, ch),
    ]
    return VideoImage(T.I420, width, height, planes=planes)


def _fill(image: VideoImage, x: int, y: int, w: int, h: int, luma: int) -> None:
    """A rectangle of grey `luma` (chroma neutral), clipped to the image."""
    assert image.planes is not None
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(image.width, x + w), min(image.height, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    image.planes[0][y0:y1, x0:x1] = luma
    cx0, cy0, cx1, cy1 = x0 // 2, y0 // 2, (x1 + 1) // 2, (y1 + 1) // 2
    image.planes[1][cy0:cy1, cx0:cx1] = NEUTRAL_C
    image.planes[2][cy0:cy1, cx0:cx1] = NEUTRAL_C


def _digit(image: VideoImage, value: int, x: int, y: int, unit: int) -> None:
    for name in _DIGIT_SEGMENTS[value]:
        sx, sy, sw, sh = _SEGMENTS[name]
        _fill(image, x + sx * unit, y + sy * unit, sw * unit, sh * unit, WHITE_Y)


def _unit(width: int, height: int) -> int:
    return max(1, min(width, height) // 120)


def _counter_box(width: int, height: int) -> tuple[int, int, int, int, int]:
    """Where the counter goes: its box (x, y, w, h) and the stroke unit."""
    unit = _unit(width, height)
    w = (COUNTER_DIGITS * _PITCH + 1) * unit
    h = (_CELL_H + 2) * unit
    return 0, height - h, w, h, unit


def draw_counter(image: VideoImage, index: int) -> None:
    """The frame index (modulo 10^6) in a black box at the bottom-left corner, if it fits."""
    x, y, w, h, unit = _counter_box(image.width, image.height)
    if w > image.width or y < 0:
        return
    _fill(image, x, y, w, h, BLACK_Y)
    text = f"{index % 10**COUNTER_DIGITS:0{COUNTER_DIGITS}d}"
    for position, char in enumerate(text):
        _digit(image, int(char), x + (1 + position * _PITCH) * unit, y + unit, unit)


def read_counter(luma: np.ndarray) -> int | None:
    """The index `draw_counter` drew into this luma plane (height, width), or None when no
    counter is there (too small a frame, or not one of these patterns)."""
    height, width = luma.shape
    x, y, w, _h, unit = _counter_box(width, height)
    if w > width or y < 0:
        return None
    value = 0
    for position in range(COUNTER_DIGITS):
        left, top = x + (1 + position * _PITCH) * unit, y + unit
        lit = ""
        for name, (sx, sy, sw, sh) in _SEGMENTS.items():
            cx = left + sx * unit + (sw * unit) // 2
            cy = top + sy * unit + (sh * unit) // 2
            if luma[cy, cx] > (BLACK_Y + WHITE_Y) // 2:
                lit += name
        digit = next((d for d, segments in _DIGIT_SEGMENTS.items() if segments == lit), None)
        if digit is None:
            return None
        value = value * 10 + digit
    return value


def logo(width: int, height: int, time_s: float) -> VideoImage:
    """A bright mark bouncing on black: it starts away from the corners and moves diagonally
    at a fifth of the frame's size a second, reflecting at the edges."""
    image = blank(width, height)
    size = max(2, min(width, height) // 4)

    def bounce(span: int, speed: float, start: float) -> int:
        room = max(span - size, 0)
        if room == 0:
            return 0
        travelled = start * room + speed * time_s
        phase = travelled % (2 * room)
        return int(phase if phase <= room else 2 * room - phase)

    x = bounce(width, width / 5, 0.5)
    y = bounce(height, height / 5, 0.3)
    _fill(image, x, y, size, size, WHITE_Y)
    notch = max(1, size // 3)
    _fill(image, x + notch, y + notch, size - 2 * notch, size - 2 * notch, 90)
    return image


def clock(width: int, height: int, hour: int, minute: int, second: int, millis: int) -> VideoImage:
    """HH:MM:SS.mmm centred on black, and ten cells below it, filled with the hundreds of
    milliseconds (one lit cell from .000, ten from .900)."""
    image = blank(width, height)
    text = f"{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}"
    # 9 digits at the pitch, 3 separators of 2 units
    units_wide = 9 * _PITCH + 3 * 2 + 1
    unit = max(1, min(width // units_wide, height // (_CELL_H * 2)))
    x = (width - units_wide * unit) // 2
    y = (height - (_CELL_H + 4) * unit) // 2
    for char in text:
        if char.isdigit():
            _digit(image, int(char), x + unit, y, unit)
            x += _PITCH * unit
        else:
            dot_y = [y + 2 * unit, y + 6 * unit] if char == ":" else [y + 8 * unit]
            for top in dot_y:
                _fill(image, x, top, unit, unit, WHITE_Y)
            x += 2 * unit
    cells_y = y + (_CELL_H + 2) * unit
    cell = max(1, units_wide * unit // 10)
    left = (width - 10 * cell) // 2
    for index in range(millis // 100 + 1):
        _fill(image, left + index * cell + 1, cells_y, max(1, cell - 2), unit, WHITE_Y)
    return image
