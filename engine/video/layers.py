"""Video layers: which a publisher sends, which one a server forwards, and a frame's pixels
at a layer's size.

What a publisher sends (the Rust SDK, livekit/src/room/options.rs): without an explicit
video encoding, the encoding of the preset table (16:9, 4:3 or screen share) that first
exceeds the source's longer side, the VP9 bitrate at 85 % and AV1 at 70 % of it. With
simulcast and no scalability mode, the default simulcast presets (h180 and h360; one half
size, 3 fps preset for a screen share) add a lower layer from a longer side of 480 and two
from 960. Each encoding scales the source down by the ratio of the shorter sides (never
below 1) and carries a rid, q, h, f from the lowest; a single encoding is rid q. An
explicit scalability mode (e.g. L3T3_KEY) is one encoding whose spatial layers the SDK
announces as layers halving each axis below the source, the bitrate split evenly. The
layers it announces (AddTrackRequest.layers) are one per encoding: quality by rid (q LOW,
h MEDIUM, f HIGH), the source size divided by the scale and truncated, the max bitrate.
A publication is simulcasted when it has more than one layer (publication/mod.rs
is_simulcasted).

Which layer a server forwards (livekit-server, pkg/sfu/buffer/videolayerutils.go and
pkg/rtc/mediatrackreceiver.go): the layers sorted by quality, each with the spatial index
VideoQualityToSpatialLayer gives it; a requested quality maps to the layer of that quality,
else to the highest there is below it (GetSpatialLayerForVideoQuality); requested
dimensions map to a quality through the sorted layer heights (the height asked for, less
a 10 % tolerance, against each height: GetQualityForDimension).

Pixels at a layer's size: the encoder scales each frame by its encoding's factor (libwebrtc
truncates the size); lkemu averages boxes of pixels: rounded block means for integer
factors (as libyuv's 2x and 4x box rows), otherwise libyuv's ScaleBox arithmetic (box
edges in 16.16 fixed point, each sum times 65536 // its area, shifted back), with running
sums rather than loops (1280x720 to 640x360 in about 1 ms here). libyuv itself prefers
bilinear filtering above half size; what a subscriber decodes after a lossy codec is never
bit-exact anyway: sizes are what matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lkemu.proto import room_pb2, track_pb2, track_publication_pb2, video_frame_pb2

from .layout import T, VideoImage

LOW: int = track_publication_pb2.VIDEO_QUALITY_LOW
MEDIUM: int = track_publication_pb2.VIDEO_QUALITY_MEDIUM
HIGH: int = track_publication_pb2.VIDEO_QUALITY_HIGH

# The rids the SDK gives its encodings, lowest first, and the quality each stands for.
RIDS = ("q", "h", "f")
QUALITY_OF_RID: dict[str, int] = {"q": LOW, "h": MEDIUM, "f": HIGH}

# What a server calls each codec once media flows (pion's codec names), and what the SDK
# names it in AddTrackRequest.simulcast_codecs.
MIME_TYPES: dict[int, str] = {
    video_frame_pb2.VP8: "video/VP8",
    video_frame_pb2.H264: "video/H264",
    video_frame_pb2.VP9: "video/VP9",
    video_frame_pb2.AV1: "video/AV1",
    video_frame_pb2.H265: "video/H265",
}
# Codecs whose spatial layers travel in one stream (SVC-capable, livekit-protocol's mime).
SVC_CAPABLE = frozenset({video_frame_pb2.VP9, video_frame_pb2.AV1})

# GetQualityForDimension's tolerance, as the float32 Go multiplies by.
LAYER_SELECTION_TOLERANCE = np.float32(0.9)


@dataclass(frozen=True)
class Preset:
    width: int
    height: int
    max_bitrate: int
    max_framerate: float


# options.rs: video::PRESETS (16:9), video43::PRESETS (4:3), screenshare::PRESETS.
PRESETS_16_9 = (
    Preset(160, 90, 90_000, 15.0),
    Preset(320, 180, 160_000, 15.0),
    Preset(384, 216, 180_000, 15.0),
    Preset(640, 360, 450_000, 20.0),
    Preset(960, 540, 800_000, 25.0),
    Preset(1280, 720, 1_700_000, 30.0),
    Preset(1920, 1080, 3_000_000, 30.0),
    Preset(2560, 1440, 5_000_000, 30.0),
    Preset(3840, 2160, 8_000_000, 30.0),
)
PRESETS_4_3 = (
    Preset(160, 120, 80_000, 15.0),
    Preset(240, 180, 100_000, 15.0),
    Preset(320, 240, 150_000, 15.0),
    Preset(480, 360, 225_000, 20.0),
    Preset(640, 480, 300_000, 20.0),
    Preset(720, 540, 450_000, 25.0),
    Preset(960, 720, 1_500_000, 30.0),
    Preset(1440, 1080, 2_500_000, 30.0),
    Preset(1920, 1440, 3_500_000, 30.0),
)
SCREENSHARE_PRESETS = (
    Preset(640, 360, 200_000, 3.0),
    Preset(1280, 720, 400_000, 5.0),
    Preset(1280, 720, 1_000_000, 15.0),
    Preset(1920, 1080, 1_500_000, 15.0),
    Preset(1920, 1080, 3_000_000, 30.0),
)
# The default simulcast presets (h180, h360) of each aspect ratio.
SIMULCAST_16_9 = (PRESETS_16_9[1], PRESETS_16_9[3])
SIMULCAST_4_3 = (PRESETS_4_3[1], PRESETS_4_3[3])


@dataclass(frozen=True)
class Encoding:
    """One RTP encoding the SDK asks WebRTC for."""

    rid: str
    scale: float  # scale_resolution_down_by
    max_bitrate: int
    max_framerate: float
    scalability_mode: str | None = None


@dataclass(frozen=True)
class Layer:
    """One layer as the publisher announces it (livekit VideoLayer) and the server indexes
    it; `scale` is what divides a frame's size at this layer."""

    quality: int
    width: int
    height: int
    bitrate: int
    scale: float
    spatial: int = 0
    rid: str = ""

    def size_of(self, width: int, height: int) -> tuple[int, int]:
        """A frame of `width` x `height` at this layer (libwebrtc truncates)."""
        if self.scale == 1.0:
            return width, height
        return _truncate(width / self.scale), _truncate(height / self.scale)


@dataclass(frozen=True)
class VideoPlan:
    """What publishing a video track announces and sends: the codec, the encodings and the
    layers (sorted by quality, with the server's spatial indexes)."""

    codec: int
    encodings: tuple[Encoding, ...]
    layers: tuple[Layer, ...]
    svc: bool  # one encoding carrying several spatial layers
    scalability_mode: str | None

    @property
    def simulcasted(self) -> bool:
        return len(self.layers) > 1

    @property
    def mime_type(self) -> str:
        return MIME_TYPES.get(self.codec, MIME_TYPES[video_frame_pb2.VP8])

    @property
    def top(self) -> Encoding:
        """The full-size encoding (its bitrate and frame rate are the track's)."""
        return min(self.encodings, key=lambda e: e.scale)


def _f32(value: float) -> np.float32:
    return np.float32(value)


def _truncate(value: float) -> int:
    """`value as u32` in Rust: truncation, NaN to 0, saturating."""
    if math.isnan(value) or value <= 0:
        return 0
    if math.isinf(value):
        return 2**32 - 1
    return min(int(value), 2**32 - 1)


def landscape_aspect_ratio(width: int, height: int) -> np.float32:
    with np.errstate(divide="ignore", invalid="ignore"):
        if width > height:
            return _f32(width) / _f32(height)
        return _f32(height) / _f32(width)


def _is_16_9(width: int, height: int) -> bool:
    ratio = landscape_aspect_ratio(width, height)
    with np.errstate(invalid="ignore"):
        return bool(abs(ratio - _f32(16.0 / 9.0)) < abs(ratio - _f32(4.0 / 3.0)))


def appropriate_encoding(
    screenshare: bool, width: int, height: int, codec: int
) -> tuple[int, float]:
    """compute_appropriate_encoding: (max bitrate, max frame rate) for a source size."""
    presets: tuple[Preset, ...]
    if screenshare:
        presets = SCREENSHARE_PRESETS
    else:
        presets = PRESETS_16_9 if _is_16_9(width, height) else PRESETS_4_3
    size = max(width, height)
    chosen = presets[0]
    for preset in presets:
        chosen = preset
        if preset.width > size:
            break
    bitrate = chosen.max_bitrate
    if codec == video_frame_pb2.VP9:
        bitrate = int(_f32(bitrate) * _f32(0.85))
    elif codec == video_frame_pb2.AV1:
        bitrate = int(_f32(bitrate) * _f32(0.7))
    return bitrate, chosen.max_framerate


def _as_u64(value: float) -> int:
    """Rust's `as u64`: saturating, NaN 0 (int() raised on a framerate of infinity: INTERNAL
    OverflowError in publish_track, found by the fuzzer)."""
    if math.isnan(value) or value <= 0:
        return 0
    return min(int(value), 2**64 - 1) if math.isfinite(value) else 2**64 - 1


def _screenshare_simulcast_preset(initial: Preset) -> Preset:
    """screenshare::compute_default_simulcast_preset: half size at 3 fps."""
    per_fps = _as_u64(initial.max_framerate / 3.0)
    # Below 3 fps the SDK divides by zero (a panic); lkemu keeps the 150 kbps floor.
    bitrate = max(150_000, initial.max_bitrate // (4 * per_fps)) if per_fps else 150_000
    return Preset(initial.width // 2, initial.height // 2, bitrate, 3.0)


def _rtp_encodings(width: int, height: int, presets: list[Preset]) -> list[Encoding]:
    """into_rtp_encodings: rids from q up, scale by the ratio of shorter sides, highest
    first."""
    shorter = min(width, height)
    encodings = []
    for rid, preset in zip(RIDS, presets, strict=False):
        divisor = min(preset.width, preset.height)
        # f64 division by zero gives inf, or NaN for 0/0 (which f64::max then ignores)
        ratio = shorter / divisor if divisor else math.inf if shorter else math.nan
        scale = 1.0 if math.isnan(ratio) else max(1.0, ratio)
        encodings.append(Encoding(rid, scale, preset.max_bitrate, preset.max_framerate))
    encodings.reverse()
    return encodings


def spatial_layers_of(mode: str) -> int:
    """spatial_layers_from_scalability_mode: L<n>... gives n (at least 1), anything else 1."""
    if not mode.startswith("L"):
        return 1
    digits = ""
    for char in mode[1:]:
        if not char.isascii() or not char.isdigit():
            break
        digits += char
    if not digits or int(digits) >= 2**32:
        return 1
    return max(int(digits), 1)


def video_encodings(
    width: int,
    height: int,
    *,
    codec: int,
    simulcast: bool,
    screenshare: bool,
    encoding: tuple[int, float] | None,
    scalability_mode: str | None,
) -> list[Encoding]:
    """compute_video_encodings, for the options the FFI can express."""
    bitrate, framerate = encoding or appropriate_encoding(screenshare, width, height, codec)
    initial = Preset(width, height, bitrate, framerate)
    if scalability_mode is not None:
        (single,) = _rtp_encodings(width, height, [initial])
        return [Encoding(single.rid, single.scale, bitrate, framerate, scalability_mode)]
    if not simulcast:
        return _rtp_encodings(width, height, [initial])
    if screenshare:
        presets = [_screenshare_simulcast_preset(initial)]
    else:
        presets = list(SIMULCAST_16_9 if _is_16_9(width, height) else SIMULCAST_4_3)
    mid = presets.pop()
    low = presets.pop() if presets else None
    size = max(width, height)
    if size >= 960 and low is not None:
        return _rtp_encodings(width, height, [low, mid, initial])
    if size >= 480:
        return _rtp_encodings(width, height, [mid, initial])
    return _rtp_encodings(width, height, [initial])


def announced_layers(width: int, height: int, encodings: list[Encoding]) -> list[Layer]:
    """video_layers_from_encodings: the layers the SDK announces, in encoding order."""
    if len(encodings) == 1 and encodings[0].scalability_mode is not None:
        spatial = spatial_layers_of(encodings[0].scalability_mode)
        if spatial > 1:
            total = encodings[0].max_bitrate
            layers = []
            for index in range(spatial):
                below = spatial - 1 - index  # how many layers above this one
                quality = HIGH if below == 0 else MEDIUM if below == 1 else LOW
                factor = 1 << below
                layers.append(
                    Layer(quality, width // factor, height // factor,
                          (total // spatial) % 2**32, float(factor))
                )  # fmt: skip
            return layers
    return [
        Layer(
            QUALITY_OF_RID.get(e.rid, HIGH),
            _truncate(width / e.scale),
            _truncate(height / e.scale),
            e.max_bitrate % 2**32,
            e.scale,
            rid=e.rid,
        )
        for e in encodings
    ]


def layer_presence(layers: tuple[Layer, ...] | list[Layer]) -> dict[int, bool]:
    present: dict[int, bool] = {LOW: False, MEDIUM: False, HIGH: False}
    for layer in layers:
        if layer.quality in present:
            present[layer.quality] = True
    return present


def quality_to_spatial(quality: int, layers: tuple[Layer, ...] | list[Layer]) -> int:
    """VideoQualityToSpatialLayer: the spatial index a quality has among the layers there
    are (-1: none)."""
    if not layers:
        default: dict[int, int] = {LOW: 0, MEDIUM: 1, HIGH: 2}
        return default.get(quality, -1)
    lp = layer_presence(layers)
    pairs = sum(lp.values()) >= 2
    if quality == LOW:
        return 0
    if quality == MEDIUM:
        if lp[LOW] and (lp[MEDIUM] or lp[HIGH]):
            return 1
        return 0  # MEDIUM and HIGH only, or a single quality
    if quality == HIGH:
        if lp[LOW] and lp[MEDIUM] and lp[HIGH]:
            return 2
        return 1 if pairs else 0
    return -1


def server_layers(layers: list[Layer]) -> tuple[Layer, ...]:
    """The layers as a server keeps them: sorted by quality, each with its spatial index."""
    ordered = sorted(layers, key=lambda layer: layer.quality)
    return tuple(
        Layer(each.quality, each.width, each.height, each.bitrate, each.scale,
              quality_to_spatial(each.quality, ordered), each.rid)
        for each in ordered
    )  # fmt: skip


def spatial_for_quality(quality: int, layers: tuple[Layer, ...]) -> int:
    """GetSpatialLayerForVideoQuality: the layer of that quality, else the best below."""
    for layer in layers:
        if layer.quality == quality:
            return layer.spatial
    if not layers:
        return 0
    return quality_to_spatial(quality, layers)


def quality_for_dimension(
    track_width: int,
    track_height: int,
    layers: tuple[Layer, ...],
    media_sizes: list[tuple[int, int]],
    width: int,
    height: int,
) -> int:
    """GetQualityForDimension: the lowest layer (by sorted height) that still covers the
    height asked for, less a 10 % tolerance; `media_sizes` are the (width, height) per
    layer the server sees in the media itself (used where the publisher announced none)."""
    if track_height == 0 and not media_sizes:
        return HIGH
    original, requested = track_height, height
    if track_width < track_height:  # portrait
        original, requested = track_width, width
    if original == 0:
        for media_width, media_height in reversed(media_sizes):
            if media_height > 0:
                original = min(media_width, media_height)
                break
    sizes = [180, 360, original]
    provided = [layer.height for layer in layers]
    if (not provided or provided[0] == 0) and media_sizes:
        provided = [media_height for _, media_height in media_sizes]
    if provided:
        sizes = sorted(provided)
        requested = height
    requested = int(np.float32(requested) * LAYER_SELECTION_TOLERANCE)
    quality: int = HIGH
    for index, size in enumerate(sizes):
        quality = index
        if index == len(sizes) - 1:
            break
        if size >= requested and size != sizes[index + 1]:
            break
    return quality


def plan_video(width: int, height: int, options: room_pb2.TrackPublishOptions) -> VideoPlan:
    """What publishing a video track of a `width` x `height` source with these options
    announces (the Rust SDK's publish_track, then the server's view of it)."""
    has = options.HasField
    codec = options.video_codec if has("video_codec") else video_frame_pb2.VP8
    source = options.source if has("source") else track_pb2.SOURCE_UNKNOWN
    encoding = None
    if has("video_encoding"):
        encoding = (options.video_encoding.max_bitrate, options.video_encoding.max_framerate)
    mode = options.scalability_mode if has("scalability_mode") else None
    encodings = video_encodings(
        width,
        height,
        codec=codec,
        simulcast=options.simulcast if has("simulcast") else True,
        screenshare=source == track_pb2.SOURCE_SCREENSHARE,
        encoding=encoding,
        scalability_mode=mode,
    )
    announced = announced_layers(width, height, encodings)
    svc = len(encodings) == 1 and len(announced) > 1
    return VideoPlan(codec, tuple(encodings), server_layers(announced), svc, mode)


# Pixels.


def black_i420(width: int, height: int) -> VideoImage:
    """The black frame WebRTC's I420Buffer::SetBlack makes (Y 0, U and V 128)."""
    cw, ch = (width + 1) // 2, (height + 1) // 2
    data = bytearray(width * height) + bytearray(b"\x80" * (2 * cw * ch))
    flat = np.frombuffer(data, np.uint8)
    y = flat[: width * height].reshape(height, width)
    u = flat[width * height : width * height + cw * ch].reshape(ch, cw)
    v = flat[width * height + cw * ch :].reshape(ch, cw)
    return VideoImage(T.I420, width, height, planes=[y, u, v])


def _box_marks(source: int, target: int) -> np.ndarray:
    """Where each target sample's box starts in the source, and where the last one ends
    (libyuv's 16.16 fixed-point steps from 0): for a reduction, boxes at least 1 wide."""
    step = (source << 16) // target
    return (np.arange(target + 1, dtype=np.int64) * step) >> 16


def _block_means(plane: np.ndarray, fy: int, fx: int) -> np.ndarray:
    """Rounded means of `fy` x `fx` blocks, as sums of strided views (no 4-D reduction)."""
    wide = np.uint16 if fy * fx <= 256 else np.uint32
    total = np.zeros((plane.shape[0] // fy, plane.shape[1] // fx), wide)
    for dy in range(fy):
        for dx in range(fx):
            total += plane[dy::fy, dx::fx]
    area = fy * fx
    total += area // 2
    if area & (area - 1) == 0:  # a power of two: a shift
        return (total >> (area.bit_length() - 1)).astype(np.uint8)
    return (total // area).astype(np.uint8)


def scale_plane(plane: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """A uint8 plane averaged down to `rows` x `cols` (never up)."""
    src_rows, src_cols = plane.shape
    if (rows, cols) == (src_rows, src_cols):
        return plane
    if rows == 0 or cols == 0:
        return np.zeros((rows, cols), np.uint8)
    if src_rows % rows == 0 and src_cols % cols == 0:
        return _block_means(plane, src_rows // rows, src_cols // cols)
    row_marks, col_marks = _box_marks(src_rows, rows), _box_marks(src_cols, cols)
    heights, widths = np.diff(row_marks), np.diff(col_marks)
    # Box sums as differences of running sums: exact modulo 2^16 while a box's sum fits.
    wide = np.uint16 if int(heights.max()) * int(widths.max()) <= 256 else np.uint32
    running = np.zeros((src_rows + 1, src_cols), wide)
    np.cumsum(plane, axis=0, dtype=wide, out=running[1:])
    by_rows = running[row_marks[1:]] - running[row_marks[:-1]]
    running = np.zeros((rows, src_cols + 1), wide)
    np.cumsum(by_rows, axis=1, dtype=wide, out=running[:, 1:])
    sums = (running[:, col_marks[1:]] - running[:, col_marks[:-1]]).astype(np.uint32)
    area = heights[:, None] * widths[None, :]
    return ((sums * (65536 // area).astype(np.uint32)) >> 16).astype(np.uint8)


def scale_i420(image: VideoImage, width: int, height: int) -> VideoImage:
    """An I420 image at `width` x `height` (a smaller or equal size)."""
    if image.kind != T.I420 or image.planes is None:
        raise ValueError("scale_i420 takes an I420 image")
    if (width, height) == (image.width, image.height):
        return image
    cw, ch = (width + 1) // 2, (height + 1) // 2
    y, u, v = image.planes
    return VideoImage(
        T.I420,
        width,
        height,
        planes=[scale_plane(y, height, width), scale_plane(u, ch, cw), scale_plane(v, ch, cw)],
    )
