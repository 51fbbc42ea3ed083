"""What a compressed image stream declares, read from its own headers without decoding it.

Decoders allocate and work from what the *stream* says, not from what the container (the
DICOM Rows and Columns, say) says. So before anything is decoded, the stream's own
headers are read here, in a few milliseconds and without allocating pixels:

* JPEG (baseline, extended, progressive, lossless, hierarchical) and JPEG-LS: every marker
  segment is walked, the entropy-coded data between them skipped: the frame headers (SOF0-
  SOF15, JPEG-LS SOF55, hierarchical DHP) and the number of scans (a progressive stream of
  thousands of tiny scans makes a decoder pass over the whole image thousands of times);
* JPEG 2000 and HTJ2K: the SIZ marker segment of the codestream (image, tiles, components);
* RLE (DICOM): the segment table and how many bytes each segment decodes to, counted
  without decoding (each run of two bytes may stand for 128).
"""

from __future__ import annotations

import itertools
import re
import struct
from dataclasses import dataclass

# SOF markers: C0-C3, C5-C7, C9-CB, CD-CF (C4 DHT, C8 JPG, CC DAC are not frames), F7 SOF55
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7}
_DHP = 0xDE  # hierarchical mode: the size of the whole image, before its frames
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7: markers without a length
# The next marker after entropy-coded data. JPEG stuffs a 00 after every FF in the data
# (and RSTn markers stay inside a scan); JPEG-LS stuffs a 0 bit, so a marker there is FF
# followed by a byte of 80 or more.
_NEXT_MARKER = re.compile(rb"\xff[\x01-\xcf\xd8-\xfe]")
_NEXT_MARKER_LS = re.compile(rb"\xff[\x80-\xcf\xd8-\xfe]")
_J2K_SOC_SIZ = b"\xff\x4f\xff\x51"
_J2K_SEARCH = 1 << 16  # a JP2 file's boxes before the codestream are small


@dataclass(frozen=True)
class StreamHeader:
    """What a compressed image stream declares about itself.

    ``width``/``height`` are the image's (the DHP of a hierarchical JPEG, else its first
    frame); ``frame_sizes`` every JPEG frame's (width, height); ``scans`` and ``segments``
    the JPEG scans and marker segments (the walk stops past :data:`MAX_SEGMENTS`
    segments); ``tiles`` the JPEG 2000 tile count (0 when the tile size is 0, which no
    decoder accepts).
    """

    codec: str  # "JPEG", "JPEG-LS" or "JPEG 2000"
    width: int
    height: int
    components: int
    bits: int  # the widest component's
    scans: int = 1
    segments: int = 0
    tiles: int = 1
    frame_sizes: tuple[tuple[int, int], ...] = ()


# Sequential JPEG has one scan per component at most; progressive encoders write about
# ten. Each scan is a pass over the whole image, so thousands of tiny scans make a small
# file decode for minutes (a 700 kB progressive JPEG of 20 000 scans: 30 s).
MAX_SCANS = 100
# Files have tens of marker segments (APPn, DQT, DHT, SOF, SOS, a few per progressive
# scan); millions of empty comments make every JPEG reader, this one too, crawl (a 10 MB
# file of them: 4 s to open), so the walk stops here and the file is refused.
MAX_SEGMENTS = 5000


def too_much_work(header: StreamHeader) -> str | None:
    """Why a JPEG stream's scans or segments would take too long to read, or None."""
    stopped = header.segments > MAX_SEGMENTS  # the walk stopped there: counts are lower bounds
    if header.scans > MAX_SCANS:
        count = f"{'at least ' if stopped else ''}{header.scans:,}"
        return (
            f"the {header.codec} data hold {count} scans (images have a few): decoding them "
            "would take minutes, so the file is refused"
        )
    if stopped:
        return (
            f"the {header.codec} data hold more than {MAX_SEGMENTS:,} marker segments (images "
            "have tens): reading them would take minutes, so the file is refused"
        )
    return None


def png_chunks_before_data(data: bytes) -> int:
    """How many chunks a PNG has before its first IDAT (counting stops past
    :data:`MAX_SEGMENTS`): files have a handful; every PNG reader walks them one by one."""
    at, count = 8, 0
    while at + 8 <= len(data) and count <= MAX_SEGMENTS:
        (length,) = struct.unpack_from(">I", data, at)
        if data[at + 4 : at + 8] == b"IDAT":
            break
        count += 1
        at += 12 + length
    return count


def stream_header(data: bytes) -> StreamHeader | None:
    """The header of a JPEG, JPEG-LS or JPEG 2000 stream; None when none can be read."""
    if data[:2] == b"\xff\xd8":
        return jpeg_header(data)
    at = data.find(_J2K_SOC_SIZ, 0, _J2K_SEARCH)  # a bare codestream, or inside a JP2 box
    if at >= 0:
        return _j2k_header(data, at + 4)
    return None


def jpeg_header(data: bytes) -> StreamHeader | None:
    """Walk a JPEG or JPEG-LS stream's markers up to its end of image (or its end).

    Returns None when the stream has no frame header before its first scan.
    """
    i, n = 2, len(data)
    frames: list[tuple[int, int, int, int]] = []  # (width, height, components, bits)
    whole: tuple[int, int] | None = None  # DHP
    scans, segments, ls = 0, 0, False
    while i + 4 <= n and segments <= MAX_SEGMENTS:
        if data[i] != 0xFF:  # junk between segments: decoders skip to the next marker
            found = (_NEXT_MARKER_LS if ls else _NEXT_MARKER).search(data, i)
            if found is None:
                break
            i = found.start()
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _STANDALONE:
            i += 2
            continue
        if marker == 0xD9:  # end of image
            break
        (length,) = struct.unpack_from(">H", data, i + 2)
        segments += 1
        if marker in _SOF or marker == _DHP:
            if i + 10 > n or length < 8:
                return None
            bits, height, width, components = struct.unpack_from(">BHHB", data, i + 4)
            if marker == _DHP:
                whole = (width, height)
            else:
                frames.append((width, height, components, bits))
                ls = ls or marker == 0xF7
        elif marker == 0xDA:  # start of scan: its header, then entropy-coded data
            if not frames:
                return None
            scans += 1
            found = (_NEXT_MARKER_LS if ls else _NEXT_MARKER).search(data, i + 2 + length)
            if found is None:
                break
            i = found.start()
            continue
        i += 2 + length
    if not frames:
        return None if segments <= MAX_SEGMENTS else StreamHeader("JPEG", 0, 0, 0, 0, 0, segments)
    width, height, components, _ = frames[0]
    if whole is not None:
        width, height = whole
    return StreamHeader(
        "JPEG-LS" if ls else "JPEG",
        width,
        height,
        components,
        max(f[3] for f in frames),
        scans=scans,
        segments=segments,
        frame_sizes=tuple((f[0], f[1]) for f in frames),
    )


def _j2k_header(data: bytes, at: int) -> StreamHeader | None:
    # Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz, then per component
    # Ssiz XRsiz YRsiz (depth - 1, with the sign in the top bit; subsampling)
    if at + 38 > len(data):
        return None
    _, _, xsiz, ysiz, xo, yo, xt, yt, xto, yto, components = struct.unpack_from(
        ">HHIIIIIIIIH", data, at
    )
    if components == 0 or at + 38 + 3 * components > len(data):
        return None
    bits = max((data[at + 38 + 3 * c] & 0x7F) + 1 for c in range(components))
    tiles = 0
    if xt and yt and xsiz > xto and ysiz > yto:
        tiles = -(-(xsiz - xto) // xt) * -(-(ysiz - yto) // yt)
    return StreamHeader(
        "JPEG 2000", max(0, xsiz - xo), max(0, ysiz - yo), components, bits, tiles=tiles
    )


def rle_problem(frame: bytes, *, rows: int, columns: int, segments: int) -> str | None:
    """Why a DICOM RLE frame must not be decoded, or None.

    Each of the ``segments`` segments (samples × bytes per sample) decodes to one byte
    plane of ``rows`` × ``columns`` bytes. A decoder appends whatever the runs say (a
    run of two bytes stands for up to 128), so a small frame can decode to gigabytes: the
    runs are counted here first, stopping as soon as a segment says more than twice its
    plane (encoders that pad rows stay well inside that).
    """
    if len(frame) < 64:
        return "the RLE frame is shorter than its 64-byte header"
    count, *offsets = struct.unpack_from("<16I", frame, 0)
    if count != segments:
        return f"the RLE frame has {count} segments but the DICOM header implies {segments}"
    starts = [*offsets[:count], len(frame)]
    if starts[0] != 64 or any(b <= a for a, b in itertools.pairwise(starts)):
        return "the RLE frame's segment table is corrupt (offsets out of order or outside it)"
    plane = rows * columns
    limit = 2 * plane + 256
    for k in range(count):
        segment = memoryview(frame)[starts[k] : starts[k + 1]]
        # without no-op bytes (which no encoder writes) a plane never takes more than two
        # bytes per pixel: refusing longer segments also bounds the counting below
        if len(segment) > 2 * limit:
            return f"RLE segment {k + 1} is longer than any encoding of a {columns}×{rows} plane"
        size = _rle_decoded_size(segment, limit)
        if size > limit:
            return (
                f"RLE segment {k + 1} decodes to more than {limit:,} bytes, but the DICOM "
                f"header says {columns}×{rows} pixels ({plane:,} bytes a plane)"
            )
    return None


def _rle_decoded_size(segment: memoryview, limit: int) -> int:
    """Bytes a PackBits segment decodes to, counted up to just past ``limit``."""
    size = pos = 0
    end = len(segment)
    while pos < end and size <= limit:
        header = segment[pos]
        if header < 128:  # literal: header + 1 bytes follow
            size += header + 1
            pos += header + 2
        elif header > 128:  # replicate the next byte 257 - header times
            size += 257 - header
            pos += 2
        else:  # 128: no operation
            pos += 1
    return size
