"""The size a compressed DICOM frame says it has, read from its own header before decoding.

A decoder allocates what the *frame's* header says, not what the DICOM Rows and Columns
say: a JPEG-LS frame claiming 60000 × 60000 inside a 1760² film makes libjpeg allocate
gigabytes and decode for a minute before pydicom notices the mismatch. So the frame's own
header is read first (a few bytes) and must agree with Rows and Columns:

* JPEG (baseline, extended, lossless) and JPEG-LS: the SOF marker segment (SOF0–SOF15
  except DHT/JPG/DAC, and JPEG-LS SOF55): precision, height, width, components;
* JPEG 2000 and HTJ2K: the SIZ marker segment of the codestream (also inside a JP2 box).

RLE and native pixel data are decoded into Rows × Columns by pydicom itself.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# SOF markers: C0-C3, C5-C7, C9-CB, CD-CF (C4 DHT, C8 JPG, CC DAC are not frames), F7 SOF55
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7}
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7: markers without a length
_J2K_SOC_SIZ = b"\xff\x4f\xff\x51"


@dataclass(frozen=True)
class FrameHeader:
    """What a compressed frame's header declares."""

    codec: str  # "JPEG", "JPEG-LS" or "JPEG 2000"
    width: int
    height: int
    components: int
    bits: int


def frame_header(frame: bytes) -> FrameHeader | None:
    """The header of a JPEG, JPEG-LS or JPEG 2000 frame; None when none can be found."""
    if frame[:2] == b"\xff\xd8":
        return _jpeg_header(frame)
    at = frame.find(_J2K_SOC_SIZ, 0, 1 << 16)  # a bare codestream, or inside a JP2 box
    if at >= 0:
        return _j2k_header(frame, at + 4)
    return None


def _jpeg_header(data: bytes) -> FrameHeader | None:
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None  # not at a marker: a corrupt stream
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _STANDALONE:
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or start of scan before any frame
            return None
        (length,) = struct.unpack_from(">H", data, i + 2)
        if marker in _SOF:
            if i + 10 > n or length < 8:
                return None
            bits, height, width, components = struct.unpack_from(">BHHB", data, i + 4)
            codec = "JPEG-LS" if marker == 0xF7 else "JPEG"
            return FrameHeader(codec, width, height, components, bits)
        i += 2 + length
    return None


def _j2k_header(data: bytes, at: int) -> FrameHeader | None:
    # Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz, then Ssiz per component
    if at + 40 > len(data):
        return None
    _, _, xsiz, ysiz, xo, yo, _, _, _, _, components = struct.unpack_from(">HHIIIIIIIIH", data, at)
    bits = (data[at + 38] & 0x7F) + 1 if components else 0
    return FrameHeader("JPEG 2000", xsiz - xo, ysiz - yo, components, bits)


def check_frame(header: FrameHeader | None, *, rows: int, columns: int, samples: int) -> str | None:
    """Why a frame must not be decoded (its header disagrees with the DICOM), or None."""
    if header is None:
        return "the compressed frame has no readable image header (corrupt pixel data)"
    what = f"the {header.codec} frame"
    if (header.height, header.width) != (rows, columns) and not (
        header.codec == "JPEG" and header.height == 0 and header.width == columns
    ):  # a JPEG height of 0 is set later by a DNL marker, bounded by Rows when decoded
        return (
            f"{what} says it is {header.width}×{header.height} pixels but the file says "
            f"{columns}×{rows}: the pixel data are corrupt or forged"
        )
    if header.components != samples:
        return f"{what} has {header.components} colour components but the file says {samples}"
    if not 1 <= header.bits <= 16:
        return f"{what} declares {header.bits} bits per sample (radiographs have 1 to 16)"
    return None
