"""Input image checks and the simulated edit.

probe() reads the headers (JPEG SOF, PNG IHDR) and then decodes the whole
picture (djpeg at 1/8 scale; the PNG's zlib stream and CRCs), so a corrupt or
truncated payload is refused at create with 3007003 as the service's
"Invalid image format", not later as a failed task. edit() makes the result: decode with djpeg (PNG through a small
zlib decoder and cjpeg), resample to the model's output size, tint by the
prompt, encode with cjpeg. Pixel work uses bytes.translate and itemgetter so
a 2048x1536 input takes well under a second.
"""
import operator
import re
import struct
import subprocess
import zlib

# The vendor's page says "File size: Maximum 5 MB". Read as the smaller,
# decimal megabyte (5,000,000 bytes, not 5 MiB = 5,242,880): the client caps
# at the same figure (image::kApiMaxBytes), and a simulator that is at least
# as strict as either reading lets no client through that the service might
# refuse.
MAX_BYTES = 5_000_000
MAX_SIDE = 4096
MAX_RATIO = 3.0
OUT_MIN, OUT_MAX = 512, 1536

PNG_SIG = b"\x89PNG\r\n\x1a\n"
# SOF0..SOF15 minus DHT (C4), JPG (C8) and DAC (CC)
SOF_MARKERS = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


class ImageError(Exception):
    """A rejected input; code is the vendor's 3007xxx code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _jpeg_dims(data):
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01,) or 0xD0 <= marker <= 0xD7:  # no length field
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # EOI or SOS before any SOF
            return None
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if marker in SOF_MARKERS:
            if i + 9 > len(data):
                return None
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None


def probe(data, decode=True):
    """Return (format, width, height) or raise ImageError(3007003/3007005)."""
    if data[:2] == b"\xff\xd8":
        fmt, dims = "jpeg", _jpeg_dims(data)
    elif data[:8] == PNG_SIG and data[12:16] == b"IHDR":
        fmt, dims = "png", struct.unpack(">II", data[16:24])
    else:
        raise ImageError(3007003, "invalid image format: not JPEG or PNG")
    if not dims or 0 in dims:
        raise ImageError(3007003, "invalid image format: no image size in the %s header" % fmt)
    w, h = dims
    if len(data) > MAX_BYTES:
        raise ImageError(3007005, "invalid image size: %d bytes (max %d)" % (len(data), MAX_BYTES))
    if max(w, h) > MAX_SIDE:
        raise ImageError(3007005, "invalid image size: %dx%d (max %d a side)" % (w, h, MAX_SIDE))
    if max(w, h) / min(w, h) > MAX_RATIO:
        raise ImageError(3007005, "invalid image size: %dx%d (ratio over 3)" % (w, h))
    if decode:
        _check_decodes(data, fmt, w, h)
    return fmt, w, h


def _check_decodes(data, fmt, w, h):
    """Raise ImageError(3007003) unless the whole picture decodes cleanly."""
    if fmt == "jpeg":
        # djpeg exits 2 on a warning (premature end, corrupt data), 1 on an error.
        r = subprocess.run(["djpeg", "-scale", "1/8", "-outfile", "/dev/null"], input=data,
                           capture_output=True)
        if r.returncode != 0:
            why = r.stderr.decode(errors="replace").strip().splitlines()
            raise ImageError(3007003, "invalid image format: the JPEG does not decode (%s)"
                             % (why[-1] if why else "djpeg failed"))
        return
    if not _png_decodes(data, w, h):
        raise ImageError(3007003, "invalid image format: the PNG does not decode")


def _png_decodes(data, w, h):
    """Every chunk's CRC, IEND present, and the IDAT stream inflates to the
    size the header promises (non-interlaced; interlaced: it inflates)."""
    depth, ctype, interlace = data[24], data[25], data[28]
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(ctype)
    if channels is None or depth not in (1, 2, 4, 8, 16):
        return False
    pos, idat, ended = 8, [], False
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4 or struct.unpack(">I", crc)[0] != zlib.crc32(kind + body):
            return False
        if kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
        if kind == b"IEND":
            ended = True
            break
    if not ended or not idat:
        return False
    try:
        d = zlib.decompressobj()
        raw = d.decompress(b"".join(idat))
        if not d.eof:
            return False
    except zlib.error:
        return False
    if interlace:
        return True
    return len(raw) == h * (1 + (w * channels * depth + 7) // 8)


def output_size(w, h):
    """The model's rule as the page states it: the output's aspect ratio is
    close to the input's, each side in 512..1536, and it depends on the
    ratio only, never on the input's own size. The long side is 1536; the
    short side follows the ratio (ratio <= 3, so it is at least 512)."""
    ratio = max(w, h) / min(w, h)
    short = max(OUT_MIN, min(OUT_MAX, round(OUT_MAX / ratio)))
    return (OUT_MAX, short) if w >= h else (short, OUT_MAX)


# --- decoding ---------------------------------------------------------------

def _parse_pnm(pnm):
    """(width, height, channels, pixel bytes) of a binary PPM (P6) or PGM (P5)."""
    m = re.match(rb"(P[56])\s+(\d+)\s+(\d+)\s+(\d+)\s", pnm)
    if not m or int(m.group(4)) != 255:
        raise ValueError("unexpected PNM from djpeg")
    channels = 3 if m.group(1) == b"P6" else 1
    return int(m.group(2)), int(m.group(3)), channels, pnm[m.end():]


def _png_to_rgb(data):
    """Decode an 8-bit, non-interlaced gray/RGB/gray+alpha/RGBA PNG to RGB bytes.

    Returns (w, h, rgb) or None for other kinds; the caller then falls back.
    """
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
    if depth != 8 or bpp is None or interlace:
        return None
    pos, idat = 8, []
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    out = bytearray()
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif ftype == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        out += line
        prev = line
    if bpp == 3:
        return w, h, bytes(out)
    # Drop alpha and spread gray to three channels.
    gray = ctype in (0, 4)
    rgb = bytearray(w * h * 3)
    for c in range(3):
        rgb[c::3] = out[(0 if gray else c)::bpp]
    return w, h, bytes(rgb)


def _run(cmd, data):
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout


def _encode(w, h, channels, pixels, quality=88):
    header = b"P%d\n%d %d\n255\n" % (6 if channels == 3 else 5, w, h)
    return _run(["cjpeg", "-quality", str(quality)], header + pixels)


def _as_jpeg(data, fmt, w, h):
    """JPEG bytes for the input; PNGs are decoded here or replaced by a gradient."""
    if fmt == "jpeg":
        return data
    decoded = _png_to_rgb(data)
    if decoded is None:  # 16-bit, palette or interlaced: a stand-in picture
        decoded = (w, h, _gradient(w, h))
    return _encode(*decoded[:2], 3, decoded[2], quality=95)


def _gradient(w, h):
    row = bytes(b for x in range(w) for b in (x * 255 // w, 128, 255 - x * 255 // w))
    return row * h


# --- the edit ---------------------------------------------------------------

COLOURS = {
    "red": (220, 30, 30), "green": (40, 180, 60), "blue": (40, 80, 220),
    "yellow": (240, 220, 40), "orange": (245, 140, 30), "pink": (240, 120, 180),
    "purple": (140, 50, 180), "violet": (140, 50, 180), "cyan": (40, 200, 220),
    "teal": (20, 150, 140), "gold": (212, 175, 55), "brown": (130, 80, 40),
}
WARM = (255, 170, 90)
GRAY_WORDS = ("black and white", "grayscale", "greyscale", "monochrome", "b&w")


def style_for(prompt):
    """('gray', None) or ('tint', rgb) for the first colour word in the prompt."""
    p = prompt.lower()
    if any(w in p for w in GRAY_WORDS):
        return "gray", None
    hits = [(m.start(), rgb) for word, rgb in COLOURS.items()
            for m in [re.search(r"\b%s\b" % word, p)] if m]
    return "tint", min(hits)[1] if hits else WARM


def _djpeg_scale(w, h, out_w, out_h):
    """The smallest djpeg -scale N/8 that still gives at least the output size."""
    for n in range(1, 9):
        if w * n >= out_w * 8 and h * n >= out_h * 8:
            return "%d/8" % n
    return "8/8"


def edit(data, prompt, scale=0.5):
    """Return the edited JPEG for validated input bytes."""
    fmt, w, h = probe(data, decode=False)  # checked at create
    out_w, out_h = output_size(w, h)
    mode, colour = style_for(prompt)
    cmd = ["djpeg", "-scale", _djpeg_scale(w, h, out_w, out_h)]
    cmd += ["-grayscale"] if mode == "gray" else ["-rgb"]
    src_w, src_h, channels, pixels = _parse_pnm(_run(cmd, _as_jpeg(data, fmt, w, h)))

    # Nearest-neighbour resample: one itemgetter per row picks the source bytes.
    cols = [min(src_w - 1, x * src_w // out_w) for x in range(out_w)]
    pick = operator.itemgetter(*[c * channels + k for c in cols for k in range(channels)])
    stride = src_w * channels
    rows = []
    for y in range(out_h):
        sy = min(src_h - 1, y * src_h // out_h)
        rows.append(bytes(pick(pixels[sy * stride:(sy + 1) * stride])))
    out = bytearray(b"".join(rows))

    if mode == "tint":
        # Blend each channel toward the colour; a higher scale follows the prompt more.
        alpha = 0.35 + 0.4 * max(0.0, min(1.0, scale))
        for c in range(3):
            table = bytes(round(v * (1 - alpha) + colour[c] * alpha) for v in range(256))
            out[c::3] = out[c::3].translate(table)
    return _encode(out_w, out_h, channels, bytes(out))



def to_png(jpeg):
    """The same picture as an RGB PNG (the result-png fault)."""
    w, h, channels, pixels = _parse_pnm(_run(["djpeg", "-rgb"], jpeg))
    stride = w * channels
    raw = b"".join(b"\0" + pixels[y * stride:(y + 1) * stride] for y in range(h))
    chunk = lambda kind, body: (struct.pack(">I", len(body)) + kind + body
                                + struct.pack(">I", zlib.crc32(kind + body)))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2 if channels == 3 else 0, 0, 0, 0)
    return PNG_SIG + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
