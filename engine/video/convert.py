"""video_convert between buffer types, vectorized, with libyuv's BT.601 limited-range math.

RGB to YUV uses libyuv's fixed-point rows (Y = (66R + 129G + 25B + 0x1080) >> 8, chroma from
2x2 averaged pixels); YUV to RGB uses libyuv's fixed-point pixel with nearest chroma (each
chroma sample covers its 2x2 block).
The pairs are those the native core supports; others answer its error text.
"""

from __future__ import annotations

import numpy as np

from .layout import CHANNEL_ORDER, PACKED_CHANNELS, T, VideoImage, native_type_name

# Source type -> destination types the native core converts to (colorcvt/cvtimpl.rs).
NATIVE_PAIRS: dict[int, set[int]] = {
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


def convert(image: VideoImage, dst: int, flip_y: bool = False) -> VideoImage:
    src = image.kind
    if dst not in NATIVE_PAIRS.get(src, set()):
        source_name = native_type_name(src).lower()
        raise UnsupportedConversion(f"{source_name} to {native_type_name(dst)} is not supported")
    if src not in IMPLEMENTED_SOURCES:
        raise ConversionNotImplemented(
            f"{native_type_name(src)} to {native_type_name(dst)} is not implemented in lkemu yet"
        )
    if src in PACKED_CHANNELS:
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
        planes = [_to_8bit(y), *(_chroma_to_420(_to_8bit(c), src) for c in (u, v))]
        if flip_y:
            planes = [p[::-1] for p in planes]
        return VideoImage(T.I420, image.width, image.height, planes=[p.copy() for p in planes])
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


def _chroma_to_420(plane: np.ndarray, kind: int) -> np.ndarray:
    """Chroma of a 4:2:2 or 4:4:4 image brought to 4:2:0 by box averaging."""
    if kind in (T.I420, T.I420A, T.I010, T.NV12):
        return plane
    wide = plane.astype(np.uint16)
    if wide.shape[0] % 2:
        wide = np.concatenate([wide, wide[-1:]])
    if kind == T.I422:
        return ((wide[0::2] + wide[1::2] + 1) >> 1).astype(np.uint8)
    if wide.shape[1] % 2:
        wide = np.concatenate([wide, wide[:, -1:]], axis=1)
    total = wide[0::2, 0::2] + wide[0::2, 1::2] + wide[1::2, 0::2] + wide[1::2, 1::2]
    return ((total + 2) >> 2).astype(np.uint8)


def _rgb_of(image: VideoImage) -> np.ndarray:
    """(h, w, 4) uint8 in R, G, B, A order (A = 255 where the type has none)."""
    assert image.pixels is not None
    order = CHANNEL_ORDER[image.kind]
    out = np.empty((image.height, image.width, 4), dtype=np.uint8)
    for target, source in enumerate(order):
        out[..., target] = image.pixels[..., source] if source is not None else 255
    return out


def _pack(rgba: np.ndarray, kind: int) -> np.ndarray:
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
        channels.append(
            (full[0::2, 0::2] + full[0::2, 1::2] + full[1::2, 0::2] + full[1::2, 1::2] + 2) >> 2
        )
    ar, ag, ab = channels
    u = ((112 * ab - 74 * ag - 38 * ar + 0x8080) >> 8).astype(np.uint8)
    v = ((112 * ar - 94 * ag - 18 * ab + 0x8080) >> 8).astype(np.uint8)
    return [y, u, v]


# libyuv's BT.601 limited-range constants: coefficients times 64, luma gain times 64*256*256/257.
_UB, _UG, _VG, _VR, _YG, _YB = 128, 25, 52, 102, 18997, -1160


def _upsample(plane: np.ndarray, kind: int, height: int, width: int) -> np.ndarray:
    """Nearest chroma: each sample covers the pixels of its block."""
    rows = 1 if kind in (T.I422, T.I444) else 2
    cols = 1 if kind == T.I444 else 2
    if rows > 1:
        plane = np.repeat(plane, rows, axis=0)
    if cols > 1:
        plane = np.repeat(plane, cols, axis=1)
    return plane[:height, :width].astype(np.int32)


def _yuv_to_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray, kind: int) -> np.ndarray:
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
