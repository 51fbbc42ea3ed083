"""Writing frames as an animated GIF (Pillow) or an H.264 MP4 (PyAV), with no metadata.

GIF: Pillow, already a dependency. The frames are grey, so a 256-grey palette holds them
exactly: no dithering, no banding. Runs of identical frames become one frame shown for
their summed time (a flicker cycle is two frames), and Pillow stores each other frame as
the rectangle that changed (a swipe stores a strip per frame). GIF delays are whole
hundredths of a second: each frame's end time is rounded, so the total stays exact.

MP4: PyAV, whose wheels carry FFmpeg and libx264 inside, so nothing is looked up on the
system. H.264 High profile, 4:2:0 (what slide software and browsers play), constant
quality 18 (visually lossless on radiographs), the index at the front (``faststart``) so a
browser starts playing before the file is loaded. The container gets no title, comment or
creation time; only the muxer's and encoder's names are written, as every MP4 carries.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

Frames = Iterable[tuple[Hashable, np.ndarray]]
Tick = Callable[[int], None]  # called with the number of frames written so far

MP4_QUALITY = 18  # x264 constant rate factor: lower is better; 18 is visually lossless
MP4_PRESET = "veryfast"  # ~3x faster than "medium" at this quality, files ~20 % larger


def write_gif(path: Path, frames: Frames, *, fps: float, tick: Tick | None = None) -> None:
    """Write an endlessly looping GIF of grey frames to ``path`` (any file name)."""
    from PIL import Image

    images: list[Image.Image] = []
    ends: list[int] = []  # each frame's end time in hundredths of a second
    last_key: Hashable = object()
    for count, (key, frame) in enumerate(frames, start=1):
        end = round(100 * count / fps)
        if images and key == last_key:
            ends[-1] = end  # the same picture: show the previous frame longer
        else:
            images.append(Image.fromarray(np.ascontiguousarray(frame), mode="L"))
            ends.append(end)
            last_key = key
        if tick is not None:
            tick(count)
    if not images:
        raise ValueError("an animation needs at least one frame")
    delays = np.diff([0, *ends])
    # a delay under 2 hundredths plays at 10 in browsers: fold such frames into the next
    durations = [int(max(2, d)) * 10 for d in delays]
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=durations,
        loop=0,
        optimize=False,
    )


def write_mp4(path: Path, frames: Frames, *, fps: float, tick: Tick | None = None) -> None:
    """Write an H.264 MP4 of grey frames to ``path`` (any file name; the format is set)."""
    import av

    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = None
        for count, (_, frame) in enumerate(frames, start=1):
            if stream is None:
                stream = out.add_stream("libx264", rate=rate)
                stream.height, stream.width = frame.shape
                stream.pix_fmt = "yuv420p"
                stream.options = {"crf": str(MP4_QUALITY), "preset": MP4_PRESET}
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="gray")
            picture = picture.reformat(format="yuv420p")
            out.mux(stream.encode(picture))
            if tick is not None:
                tick(count)
        if stream is None:
            raise ValueError("an animation needs at least one frame")
        out.mux(stream.encode(None))
