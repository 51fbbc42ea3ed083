"""Whether a compressed DICOM frame may be decoded: its own header against the DICOM's.

A decoder allocates and works from what the *frame's* header says, not from the DICOM
Rows and Columns: a JPEG-LS frame claiming 60000 × 60000 inside a 1760² film makes
libjpeg allocate gigabytes and decode for a minute before pydicom notices the mismatch,
and a JPEG frame whose height is 0 (left to a DNL marker) makes it grow its buffer for
ever. So the frame's header is read first (:mod:`.codestream`) and must agree with
Rows, Columns and Samples per Pixel, within limits no radiograph comes near:

* JPEG and JPEG-LS: the frame header (SOF, or DHP for a hierarchical stream) and at most
  :data:`.codestream.MAX_SCANS` scans and
  :data:`.codestream.MAX_SEGMENTS` marker segments;
* JPEG 2000 and HTJ2K: the SIZ marker segment, at most :data:`MAX_TILES` tiles;
* RLE: the segment table, and no segment decoding to more than its byte plane.

Native (uncompressed) pixel data are read into Rows × Columns by pydicom itself.
"""

from __future__ import annotations

from xraycompare.core.io.codestream import StreamHeader, rle_problem, too_much_work

# Encoders write one tile, or tiles of 256 px and up; a decoder keeps a structure per
# tile (tens of kB), so 1-pixel tiles over a film would take gigabytes.
MAX_TILES = 4096


def check_frame(
    header: StreamHeader | None, *, rows: int, columns: int, samples: int
) -> str | None:
    """Why a JPEG-family frame must not be decoded (its header disagrees with the DICOM
    header, or asks for work no film needs), or None."""
    if header is None:
        return "the compressed frame has no readable image header (corrupt pixel data)"
    what = f"the {header.codec} frame"
    if header.codec != "JPEG 2000" and (problem := too_much_work(header)):
        return problem
    if header.height == 0 and header.codec == "JPEG":
        return (
            f"{what} leaves its height to a DNL marker, which DICOM decoders do not support "
            "(a decoder would grow the image without bound): the pixel data are corrupt or forged"
        )
    if (header.height, header.width) != (rows, columns):
        return (
            f"{what} says it is {header.width}×{header.height} pixels but the DICOM header "
            f"says {columns}×{rows}: the pixel data are corrupt or forged"
        )
    for width, height in header.frame_sizes:
        if width > columns or height > rows:
            return (
                f"{what} holds a further frame of {width}×{height} pixels, larger than the "
                f"{columns}×{rows} the DICOM header says: the pixel data are corrupt or forged"
            )
    if header.components != samples:
        return f"{what} has {header.components} colour components but the file says {samples}"
    if not 1 <= header.bits <= 16:
        return f"{what} declares {header.bits} bits per sample (radiographs have 1 to 16)"
    if header.codec != "JPEG 2000":
        return None
    if header.tiles == 0:
        return f"{what} declares an empty tile size (corrupt pixel data)"
    if header.tiles > MAX_TILES:
        return (
            f"{what} is cut into {header.tiles:,} tiles (encoders use one, or a few hundred): "
            "decoding that many would need far more memory than the image, so it is refused"
        )
    return None


def check_rle_frame(
    frame: bytes, *, rows: int, columns: int, samples: int, bits_allocated: int
) -> str | None:
    """Why an RLE frame must not be decoded, or None (see :func:`.codestream.rle_problem`)."""
    if bits_allocated % 8:
        return None  # pydicom refuses these itself, before decoding
    segments = samples * bits_allocated // 8
    return rle_problem(frame, rows=rows, columns=columns, segments=segments)
