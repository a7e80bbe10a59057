"""video_convert between buffer types, vectorized, with libyuv's BT.601 limited-range math.

RGB to YUV uses libyuv's fixed-point rows (Y = (66R + 129G + 25B + 0x1080) >> 8, chroma from
2x2 averaged pixels); YUV to RGB uses libyuv's fixed-point pixel with nearest chroma (each
chroma sample covers its 2x2 block).
The pairs are those the native core supports; others answer its error text.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from lkemu.proto.video_frame_pb2 import VideoBufferType

from .layout import CHANNEL_ORDER, PACKED_CHANNELS, T, VideoImage, native_type_name

# Source type -> destination types the native core converts to (colorcvt/cvtimpl.rs).
NATIVE_PAIRS: dict[VideoBufferType, set[VideoBufferType]] = {
    T.RGBA: {T.I420, T.BGRA},
    T.ABGR: {T.I420},
    T.ARGB: {T.I420},
    T.BGRA: {T.I420, T.RGBA},
    T.RGB24: {T.I420},
    T.I420: {T.RGBA, T.ABGR, T.ARGB, T.BGRA, T.RGB24, T.I420},
    T.I420A: {T.I420, T.I420A},
    T.I422: {T.RGBA, T.ABGR, T.ARGB, T.I420, T.I422},
    T.I444: {T.RGBA, T.BGRA, T.I420, T.I444},
    T.I010: {T.RGBA, T.BGRA, T.I420},
    T.NV12: {T.RGBA, T.BGRA, T.I420, T.NV12},
}
IMPLEMENTED_SOURCES = set(NATIVE_PAIRS)


class UnsupportedConversion(ValueError):
    """A pair the native core refuses; the message is native's."""


class ConversionNotImplemented(ValueError):
    """A pair the native core supports and lkemu does not yet."""


def check_pair(src: VideoBufferType, dst: VideoBufferType) -> None:
    """UnsupportedConversion (or ConversionNotImplemented) for a pair convert() refuses. The
    native core refuses such a pair before it reads the source's memory."""
    if dst not in NATIVE_PAIRS.get(src, set()):
        source_name = native_type_name(src).lower()
        raise UnsupportedConversion(f"{source_name} to {native_type_name(dst)} is not supported")
    if src not in IMPLEMENTED_SOURCES:
        raise ConversionNotImplemented(
            f"{native_type_name(src)} to {native_type_name(dst)} is not implemented in lkemu yet"
        )


Output = Callable[[int], np.ndarray | None]


def convert(
    image: VideoImage, dst: VideoBufferType, flip_y: bool = False, output: Output | None = None
) -> VideoImage:
    """`image` as `dst`. `output(size)`: where the fast conversions may write the result
    (a writable uint8 array of `size` bytes, then the image's backing), or None for new
    memory."""
    src = image.kind
    check_pair(src, dst)
    if src in PACKED_CHANNELS:
        if dst == T.I420:
            fast = _packed_to_i420(image, flip_y, output)
            if fast is not None:
                planes, backing = fast
                return VideoImage(T.I420, image.width, image.height, planes=planes,
                                  backing=backing)  # fmt: skip
        rgb = _rgb_of(image)
        if flip_y:
            rgb = rgb[::-1]
        if dst == T.I420:
            return VideoImage(T.I420, image.width, image.height, planes=_rgb_to_i420(rgb))
        return VideoImage(dst, image.width, image.height, pixels=_pack(rgb, dst))
    assert image.planes is not None
    if dst == src:  # a copy; flipping a planar copy flips every plane
        planes = [p[::-1].copy() if flip_y else p.copy() for p in image.planes]
        return VideoImage(src, image.width, image.height, planes=planes)
    y, u, v = _yuv_planes(image)
    if dst == T.I420:
        if flip_y:  # native flips the source (a negative height), then scales its chroma
            y, u, v = y[::-1], u[::-1], v[::-1]
        planes = [_to_8bit(y), *(_chroma_to_420(_to_8bit(c), src) for c in (u, v))]
        return VideoImage(T.I420, image.width, image.height, planes=[p.copy() for p in planes])
    packed = _yuv420_to_packed(y, u, v, src, dst, flip_y, output)
    if packed is not None:
        pixels, backing = packed
        return VideoImage(dst, image.width, image.height, pixels=pixels, backing=backing)
    rgb = _yuv_to_rgb(y, u, v, src)
    if flip_y:  # native flips the converted image (which differs for odd heights)
        rgb = rgb[::-1]
    return VideoImage(dst, image.width, image.height, pixels=_pack(rgb, dst))


def _yuv_planes(image: VideoImage) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    assert image.planes is not None
    if image.kind == T.NV12:
        y, uv = image.planes
        return y, uv[..., 0], uv[..., 1]
    y, u, v = image.planes[:3]
    return y, u, v


def _to_8bit(plane: np.ndarray) -> np.ndarray:
    # I010 to 8 bits as libyuv's Convert16To8Plane does for 10-bit input: (v * 16384) >> 16.
    return (plane >> 2).astype(np.uint8) if plane.dtype != np.uint8 else plane


def _chroma_to_420(plane: np.ndarray, kind: VideoBufferType) -> np.ndarray:
    """Chroma of a 4:2:2 or 4:4:4 image brought to 4:2:0's size, as libyuv's I4xxToI420
    does it: ScalePlane with its bilinear filter."""
    if kind in (T.I420, T.I420A, T.I010, T.NV12):
        return plane
    height, width = plane.shape
    if kind == T.I422:
        width *= 2  # 4:2:2 chroma is already half as wide as the picture
    return _scale_plane_down(plane, (height + 1) // 2, (width + 1) // 2)


def _scale_plane_down(plane: np.ndarray, dst_h: int, dst_w: int) -> np.ndarray:
    """libyuv's ScalePlane(kFilterBilinear) for the sizes chroma subsampling asks for (each
    side halved, rounded up): an exact halving is a 2x2 box; otherwise rows and columns are
    sampled on a 16.16 fixed-point grid centred on the destination pixels and blended with
    their next neighbour (ScalePlaneVertical when only the height changes, else
    ScalePlaneBilinearDown)."""
    src_h, src_w = plane.shape
    if (src_h, src_w) == (dst_h, dst_w):
        return plane
    if 2 * dst_h == src_h and 2 * dst_w == src_w:  # ScalePlaneDown2, box
        return _box_average(plane.astype(np.uint16)).astype(np.uint8)
    # ScaleFilterReduce: one source row or an unchanged height blend columns only, one
    # source column takes the nearest rows.
    blend_rows = src_h > 1 and dst_h != src_h and src_w > 1
    step_y = (src_h << 16) // dst_h
    ys = (step_y >> 1) - 32768 + step_y * np.arange(dst_h, dtype=np.int64)
    if dst_w == src_w:  # ScalePlaneVertical
        last = ((src_h - 1) << 16) - 1 if src_h > 1 else 0
        return _blend_rows(plane, np.minimum(ys, last), blend_rows)
    rows = _blend_rows(plane, np.minimum(ys, (src_h - 1) << 16), blend_rows).astype(np.int32)
    step_x = (src_w << 16) // dst_w
    xs = (step_x >> 1) - 32768 + step_x * np.arange(dst_w, dtype=np.int64)
    left = rows[:, xs >> 16]
    right = rows[:, np.minimum((xs >> 16) + 1, src_w - 1)]
    # ScaleFilterCols' BLENDER: a + (f * (b - a) + 0x8000) >> 16, f the 16-bit fraction.
    return (left + (((xs & 0xFFFF) * (right - left) + 0x8000) >> 16)).astype(np.uint8)


def _blend_rows(plane: np.ndarray, ys: np.ndarray, blend: bool) -> np.ndarray:
    """InterpolateRow: row y >> 16 blended with the next by the 8-bit fraction of y."""
    top = ys >> 16
    if not blend:
        return plane[top]
    fraction = ((ys >> 8) & 255)[:, None]
    rows = plane[top].astype(np.int32)
    below = plane[np.minimum(top + 1, plane.shape[0] - 1)]
    return ((rows * (256 - fraction) + below * fraction + 128) >> 8).astype(np.uint8)


def _box_average(plane: np.ndarray) -> np.ndarray:
    """Each 2x2 block's rounded mean, in the plane's (wide enough) integer type."""
    return (plane[0::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 0::2] + plane[1::2, 1::2] + 2) >> 2


def _rgb_of(image: VideoImage) -> np.ndarray:
    """(h, w, 4) uint8 in R, G, B, A order (A = 255 where the type has none)."""
    assert image.pixels is not None
    order = CHANNEL_ORDER[image.kind]
    out = np.empty((image.height, image.width, 4), dtype=np.uint8)
    for target, source in enumerate(order):
        out[..., target] = image.pixels[..., source] if source is not None else 255
    return out


def _pack(rgba: np.ndarray, kind: VideoBufferType) -> np.ndarray:
    order = CHANNEL_ORDER[kind]
    channels = PACKED_CHANNELS[kind]
    out = np.empty((*rgba.shape[:2], channels), dtype=np.uint8)
    for source, target in enumerate(order):
        if target is not None:
            out[..., target] = rgba[..., source]
    return out


def _rgb_to_i420(rgba: np.ndarray) -> list[np.ndarray]:
    r, g, b = (rgba[..., i].astype(np.int32) for i in range(3))
    y = ((66 * r + 129 * g + 25 * b + 0x1080) >> 8).astype(np.uint8)
    height, width = r.shape
    # Chroma from 2x2 averages, rounded (within one step of libyuv, which averages in stages).
    padded_h, padded_w = height + height % 2, width + width % 2
    channels = []
    for plane in (r, g, b):
        full = np.pad(plane, ((0, padded_h - height), (0, padded_w - width)), mode="edge")
        channels.append(_box_average(full))
    ar, ag, ab = channels
    u = ((112 * ab - 74 * ag - 38 * ar + 0x8080) >> 8).astype(np.uint8)
    v = ((112 * ar - 94 * ag - 18 * ab + 0x8080) >> 8).astype(np.uint8)
    return [y, u, v]


# libyuv's BT.601 limited-range constants: coefficients times 64, luma gain times 64*256*256/257.
_UB, _UG, _VG, _VR, _YG, _YB = 128, 25, 52, 102, 18997, -1160


def _upsample(plane: np.ndarray, kind: VideoBufferType, height: int, width: int) -> np.ndarray:
    """Nearest chroma: each sample covers the pixels of its block."""
    rows = 1 if kind in (T.I422, T.I444) else 2
    cols = 1 if kind == T.I444 else 2
    if rows > 1:
        plane = np.repeat(plane, rows, axis=0)
    if cols > 1:
        plane = np.repeat(plane, cols, axis=1)
    return plane[:height, :width].astype(np.int32)


def _yuv_to_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray, kind: VideoBufferType) -> np.ndarray:
    """libyuv's fixed-point YuvPixel (YuvPixel10 for I010), on whole planes."""
    height, width = y.shape
    if y.dtype != np.uint8:  # 10 bits: luma widened to 16, chroma clamped to 8 bits
        luma16 = (y.astype(np.int64) << 6) | (y.astype(np.int64) >> 4)
        u, v = np.minimum(u >> 2, 255), np.minimum(v >> 2, 255)
    else:
        luma16 = y.astype(np.int64) * 0x0101
    uu, vv = _upsample(u, kind, height, width), _upsample(v, kind, height, width)
    luma = (luma16 * _YG >> 16).astype(np.int32)
    out = np.empty((height, width, 4), dtype=np.uint8)
    out[..., 0] = np.clip((luma + vv * _VR - (_VR * 128 - _YB)) >> 6, 0, 255)
    out[..., 1] = np.clip(
        (luma - (uu * _UG + vv * _VG) + (_UG * 128 + _VG * 128 + _YB)) >> 6, 0, 255
    )
    out[..., 2] = np.clip((luma + uu * _UB - (_UB * 128 - _YB)) >> 6, 0, 255)
    out[..., 3] = 255
    return out


# The fast path's lanes: every term carries 64 * _LOW, so each 16-bit lane sum (luma plus
# the channel's chroma term) stays in [0, 2**16) and (sum >> 6) clipped to [_LOW, _LOW + 255]
# is the channel plus _LOW. Sums span [1656, 53292] with R, G and B at _LOW = 300.
_LOW = 300
_LANE_BIAS = 64 * _LOW
_LUMA = 0x0101 * _YG  # (y * _LUMA) >> 16 is libyuv's luma, y * 0x0101 * YG >> 16
_WORD = 1 << 32


def _lane_term(channel: int) -> tuple[int, int, int]:
    """A lane's chroma term plus its bias, as (coefficient of u, of v, constant); channel
    0-3 is R, G, B, A (alpha: a constant that clips to the top whatever the luma)."""
    return (
        (0, _VR, _LANE_BIAS - (_VR * 128 - _YB)),
        (-_UG, -_VG, _LANE_BIAS + _UG * 128 + _VG * 128 + _YB),
        (_UB, 0, _LANE_BIAS - (_UB * 128 - _YB)),
        (0, 0, 64 * (_LOW + 255)),
    )[channel]


@functools.cache
def _packing(
    order: tuple[int, int, int, int | None],
) -> tuple[tuple[int, int, int], tuple[int, int, int], int]:
    """For a 4-byte type: the chroma terms of its even word (the channels at bytes 0 and 2,
    one per 16-bit lane) and of its odd word (bytes 1 and 3), as 32-bit (u, v, constant)
    coefficients (negative ones modulo 2**32: the words' sums are exact and positive), and
    the constant that makes `even + (odd << 8) + fix` the packed pixel, found at R = G = B
    = 0: every other pixel adds R, G and B at their bytes, exactly."""
    channel_at = {position: channel for channel, position in enumerate(order)}
    words, raw = [], 0
    for shift, (low, high) in ((0, (0, 2)), (8, (1, 3))):
        terms = [_lane_term(channel_at[low]), _lane_term(channel_at[high])]
        words.append(tuple((lo + (hi << 16)) % _WORD for lo, hi in zip(*terms, strict=True)))
        for lane, position in enumerate((low, high)):
            clipped = _LOW + 255 if channel_at[position] == 3 else _LOW
            raw += clipped << (16 * lane + shift)
    alpha = order[3]
    assert alpha is not None
    fix = ((0xFF << (8 * alpha)) - raw) % _WORD
    return words[0], words[1], fix


def _scratch(name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A work array kept per thread between calls: a fresh 8 MB array costs ~2 ms of page
    faults at first touch, more than the arithmetic done in it. One per name and shape."""
    arrays: dict[str, np.ndarray] = _SCRATCH.__dict__.setdefault("arrays", {})
    array = arrays.get(name)
    if array is None or array.shape != shape or array.dtype != dtype:
        array = arrays[name] = np.empty(shape, dtype)
    return array


_SCRATCH = threading.local()


def _output(size: int) -> bytearray:
    """A bytearray for a converted frame: one the last frames left behind when nothing else
    holds it any more (the owner handle dropped, the stream's copy made), else a new one.
    A new 8 MB bytearray costs 0.85 ms of zeroing even from a warm heap, and ~2k page
    faults from a cold one (a process without the benchmarks' mallopt); a reused one,
    still in cache, costs nothing. Every byte is overwritten by the conversion."""
    with _SPARE_LOCK:
        for buffer in _SPARE:
            # Referenced by the list, the loop and getrefcount only: no array, view,
            # ctypes buffer or handed-out image holds it.
            if len(buffer) == size and sys.getrefcount(buffer) <= 3:
                return buffer
        buffer = bytearray(size)
        if size <= _SPARE_BYTES:
            _SPARE.append(buffer)
            # The oldest make room (a frame size that changed leaves its buffers): the
            # spares never hold more than their count and bytes.
            while len(_SPARE) > _SPARE_COUNT or sum(map(len, _SPARE)) > _SPARE_BYTES:
                _SPARE.pop(0)
        return buffer


# Converted frames in flight at once (a stream's, a capture's, the caller's) and their bytes.
_SPARE: list[bytearray] = []
_SPARE_LOCK = threading.Lock()
_SPARE_COUNT = 8
# Five 1080p RGBA frames. Kept for the process's life: the engine's memory after a run
# counts them (the fuzzer's bound is 100 MB over its start).
_SPARE_BYTES = 48 << 20


def _yuv420_to_packed(
    y: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    src: VideoBufferType,
    dst: VideoBufferType,
    flip_y: bool,
    output: Output | None = None,
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """8-bit 4:2:0 with even sides to a 4-byte packed type: the same arithmetic as
    _yuv_to_rgb, in 16-bit lanes and whole-row passes NumPy vectorizes, strip by strip so
    the work arrays stay in cache; None where it does not apply."""
    height, width = y.shape
    if (
        y.dtype != np.uint8
        or sys.byteorder != "little"  # the lanes' order within words
        or src not in (T.I420, T.I420A, T.NV12)
        or PACKED_CHANNELS.get(dst) != 4
        or height % 2
        or width % 2
    ):
        return None
    if flip_y:  # with even heights, flipping the planes flips the picture
        y, u, v = y[::-1], u[::-1], v[::-1]
    given = output(height * width * 4) if output is not None else None
    made = given if given is not None else _output(height * width * 4)
    out = np.frombuffer(made, np.uint32).reshape(height, width)
    order = CHANNEL_ORDER[dst]
    rows = max(2, _STRIP_PIXELS // width // 2 * 2)

    def strip(top: int) -> None:
        bottom = min(height, top + rows)
        _strip_to_packed(
            y[top:bottom], u[top // 2 : bottom // 2], v[top // 2 : bottom // 2],
            out[top:bottom], order,
        )  # fmt: skip

    _each_strip(strip, range(0, height, rows))
    return out.view(np.uint8).reshape(height, width, 4), given


def _each_strip(work: Callable[[int], None], tops: range) -> None:
    """Strips on every core (NumPy lets go of the GIL inside each pass) when that is the
    faster way here and now. Measured at 1080p on this shared 2-core machine, two threads
    against one: 0.84x the time at load 4.6, 1.1-1.2x (and 1.6x the CPU) at load 14 or
    while another process keeps the other core busy. So each kind of work times both
    ways as it goes (per strip, a moving average for each frame size: a small frame's
    strips would mislead a large one's choice; every 16th call tries the way not taken)
    and takes the faster."""
    if len(tops) < 2 or _WORKERS < 2:
        for top in tops:
            work(top)
        return
    kind = (work.__qualname__, len(tops))  # each conversion and frame size on its own
    costs = _STRIP_COSTS.setdefault(kind, {False: 0.0, True: 0.0})
    calls = _STRIP_CALLS[kind] = _STRIP_CALLS.get(kind, 0) + 1
    threaded = costs[True] <= costs[False]  # untried (0.0) is tried first
    if calls % 16 == 0:
        threaded = not threaded
    global _pool
    if threaded and _pool is None:  # made (and its threads started) outside the timing
        _pool = ThreadPoolExecutor(_WORKERS, thread_name_prefix="lkemu-video")
        list(_pool.map(lambda _: None, range(_WORKERS)))
    started = time.perf_counter()
    if threaded:
        assert _pool is not None
        list(_pool.map(work, tops))
    else:
        for top in tops:
            work(top)
    per_strip = (time.perf_counter() - started) / len(tops)
    previous = costs[threaded]
    costs[threaded] = per_strip if not previous else 0.75 * previous + 0.25 * per_strip


# Seconds a strip took, by kind of work and strips a frame, one thread (False) or all
# (True); calls made.
_STRIP_COSTS: dict[tuple[str, int], dict[bool, float]] = {}
_STRIP_CALLS: dict[tuple[str, int], int] = {}
_WORKERS = min(4, os.cpu_count() or 1)
_pool: ThreadPoolExecutor | None = None


# Pixels per strip: measured at 1080p on this 2-core machine under load (other processes on
# both cores), one thread: 128K to 256K 10-15% faster than 512K, 64K slower again (NumPy's
# per-call cost); two threads on an idle machine: 128K to 1M within 20%.
_STRIP_PIXELS = 256 * 1024


def _strip_to_packed(
    y: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    out: np.ndarray,
    order: tuple[int, int, int, int | None],
) -> None:
    """One strip into `out` (32-bit words), two channels a word: the channels at bytes 0 and
    2 share the even word, one per 16-bit lane, those at bytes 1 and 3 the odd word (alpha
    a lane that clips to the top). Each lane is luma plus its chroma term (_packing), then
    shifted and clipped in place; the pixel is even + (odd << 8) + fix. Two work arrays of
    4 bytes a pixel in all, with `out`: they stay in cache for the strip's dozen passes."""
    height, width = y.shape
    half = (height // 2, width // 2)
    even, odd, fix = _packing(order)
    luma = _scratch("luma", (height, width), np.uint32)
    np.copyto(luma, y)
    luma *= _LUMA
    luma >>= 16
    luma *= 0x00010001  # the luma in both lanes
    wide_u, wide_v = _scratch("u", half, np.uint32), _scratch("v", half, np.uint32)
    np.copyto(wide_u, u)
    np.copyto(wide_v, v)
    term, other = _scratch("term", half, np.uint32), _scratch("other", half, np.uint32)
    doubled = _scratch("doubled", half, np.uint64)
    pairs = (height // 2, 2, width // 2)  # two rows of pixel pairs share a chroma sample
    for (by_u, by_v, constant), word in ((even, out), (odd, luma)):
        np.multiply(wide_u, by_u, out=term)
        np.multiply(wide_v, by_v, out=other)
        term += other
        term += constant
        np.copyto(doubled, term)
        doubled *= 0x0000_0001_0000_0001  # each word twice: the two pixels a sample covers
        if word is out:  # a broadcast copy then a plain add beat a broadcast add
            np.copyto(out.view(np.uint64).reshape(pairs), doubled[:, None, :])
            out += luma
        else:
            words = luma.view(np.uint64).reshape(pairs)
            np.add(words, doubled[:, None, :], out=words)
        lanes = word.view(np.uint16)
        lanes >>= 6
        np.clip(lanes, _LOW, _LOW + 255, out=lanes)
    luma <<= 8
    out += luma
    out += fix


def _packed_to_i420(
    image: VideoImage, flip_y: bool, output: Output | None = None
) -> tuple[list[np.ndarray], np.ndarray | None] | None:
    """A 4-byte packed image with even sides to I420: _rgb_to_i420's arithmetic on 32-bit
    pixels, strip by strip on every core; None where it does not apply."""
    assert image.pixels is not None
    height, width = image.height, image.width
    if PACKED_CHANNELS[image.kind] != 4 or height % 2 or width % 2 or sys.byteorder != "little":
        return None
    pixels = image.pixels[::-1] if flip_y else image.pixels
    if pixels.strides[1:] != (4, 1):
        return None
    words = pixels.view(np.uint32)[..., 0]  # one 32-bit word per pixel
    order = CHANNEL_ORDER[image.kind]
    # The three planes end to end in one bytearray: handed out as it is (layout.to_bytes).
    quarter = (height // 2) * (width // 2)
    given = output(height * width + 2 * quarter) if output is not None else None
    made = given if given is not None else _output(height * width + 2 * quarter)
    backing = np.frombuffer(made, np.uint8)
    y = backing[: height * width].reshape(height, width)
    u = backing[height * width : height * width + quarter].reshape(height // 2, width // 2)
    v = backing[height * width + quarter :].reshape(height // 2, width // 2)
    rows = max(2, _STRIP_PIXELS // width // 2 * 2)

    def strip(top: int) -> None:
        bottom = min(height, top + rows)
        half = slice(top // 2, bottom // 2)
        _strip_to_i420(words[top:bottom], order, y[top:bottom], u[half], v[half])

    _each_strip(strip, range(0, height, rows))
    return [y, u, v], given


def _strip_to_i420(
    words: np.ndarray,
    order: tuple[int, int, int, int | None],
    y: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
) -> None:
    """One strip of 32-bit pixels to I420 with _rgb_to_i420's arithmetic, two colours per
    word: R and B sit two bytes apart in every 4-byte type, so masking the word leaves each
    in a 16-bit lane, and one multiplication by (k_low + k_high << 16) leaves
    k_high * low + k_low * high in the upper lane. Every lane sum stays below 2**16."""
    height, width = words.shape
    r_at, g_at, b_at = order[:3]
    if g_at == 2:  # ARGB, ABGR: the colours one byte down, as in RGBA and BGRA
        shifted = _scratch("shifted", (height, width), np.uint32)
        np.right_shift(words, 8, out=shifted)
        words, r_at, b_at = shifted, r_at - 1, b_at - 1
    red_low = r_at == 0
    rb = _scratch("rb", (height, width), np.uint32)  # R and B in their lanes
    np.bitwise_and(words, 0x00FF00FF, out=rb)
    g = _scratch("g", (height, width), np.uint32)  # G << 8
    np.bitwise_and(words, 0x0000FF00, out=g)
    # 2x2 sums first, rows (whole rows add fastest) then neighbours; lanes stay < 1024.
    quarter = (height // 2, width // 2)
    rows = _scratch("rows", (height // 2, width), np.uint32)
    sums = []
    for name, colour in (("rb_sum", rb), ("g_sum", g)):
        np.add(colour[0::2], colour[1::2], out=rows)
        total = _scratch(name, quarter, np.uint32)
        np.add(rows[:, 0::2], rows[:, 1::2], out=total)
        sums.append(total)
    # Then Y = (66 R + 129 G + 25 B + 0x1080) >> 8 from the upper lane, in place: four
    # strip-sized arrays in all (the pixels, R and B, G, half a strip of row sums).
    rb *= (25 + (66 << 16)) if red_low else (66 + (25 << 16))
    g *= 129 << 8
    rb += g
    rb += 0x1080 << 16
    rb >>= 24
    np.copyto(y, rb, casting="unsafe")
    rb_avg, g_avg = sums
    rb_avg += 0x0002_0002  # (sum + 2) >> 2 in each lane
    rb_avg >>= 2
    rb_avg &= 0x00FF_00FF
    g_avg += 2 << 8
    g_avg >>= 10
    g_avg ^= 0xFF  # 255 - G: its coefficients are negative in both U and V
    # U = (112 B - 74 G - 38 R + 0x8080) >> 8 = (112 B + 38 (255 - R) + 74 (255 - G) + 4336) >> 8
    # V = (112 R - 94 G - 18 B + 0x8080) >> 8 = (112 R + 18 (255 - B) + 94 (255 - G) + 1786) >> 8
    chroma = _scratch("chroma", quarter, np.uint32)
    green = _scratch("green", quarter, np.uint32)
    for plane, kept_low, other_k, green_k in ((u, not red_low, 38, 74), (v, red_low, 18, 94)):
        # Complement the other colour; the kept one (coefficient 112) goes to the top lane.
        np.bitwise_xor(rb_avg, 0x00FF_0000 if kept_low else 0x0000_00FF, out=chroma)
        chroma *= (other_k + (112 << 16)) if kept_low else (112 + (other_k << 16))
        np.multiply(g_avg, green_k << 16, out=green)
        chroma += green
        chroma += (0x8080 - 255 * (other_k + green_k)) << 16
        chroma >>= 24
        np.copyto(plane, chroma, casting="unsafe")
