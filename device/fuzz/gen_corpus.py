#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the libFuzzer targets.

    gen_corpus.py CORPUS_DIR      (make -C device fuzz-corpus)

CORPUS_DIR/vfu/seed-*     inputs of fuzz_vfu.c: every vfio-user command, good
                          and bad VERSION capabilities, and sessions that
                          program heads and planes through BAR0, fill VRAM
                          through BAR2, turn CRC, gamma and writeback on and
                          advance the clock so that frames are composed;
CORPUS_DIR/engine/seed-*  inputs of fuzz_engine.c: register programs for
                          every plane format, blend mode, gamma curve,
                          writeback, refused commit, hotplug, reset and the
                          shared pages (commit records, doorbells).

The input layouts are those documented at the top of fuzz_vfu.c and
fuzz_engine.c; keep them in step. Register numbers come from
include/fakegpu_abi.h. Files named seed-* are rewritten (stale ones
removed); other files (regression inputs of crashes found) are left alone.
"""
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ABI_H = os.path.join(HERE, "..", "..", "include", "fakegpu_abi.h")


def load_abi(path):
    """The plain integer #defines of fakegpu_abi.h as a dict."""
    abi = {}
    pat = re.compile(r"^#define\s+(FAKEGPU_\w+)\s+(.+?)\s*(?:/\*.*)?$")
    with open(path) as f:
        for line in f:
            m = pat.match(line)
            if not m or "(" in m.group(1):
                continue
            expr = re.sub(r"(\b0x[0-9a-fA-F]+|\b\d+)u\b", r"\1", m.group(2))
            if not re.fullmatch(r"[\w\s()<>|+*-]+", expr):
                continue
            try:
                abi[m.group(1)] = int(eval(expr, {"__builtins__": {}}, dict(abi)))
            except (NameError, SyntaxError, TypeError):
                pass
    return abi


A = load_abi(ABI_H)


def head_base(h):
    return 0x1000 + h * 0x400


def plane_base(p):
    return 0x100 + p * 0x40


def shm_st_head(h):
    return 0x040 + h * 0x40


def head_reg(h, name):
    return head_base(h) + A["FAKEGPU_HEAD_" + name]


def plane_reg(h, p, name):
    return head_base(h) + plane_base(p) + A["FAKEGPU_PLANE_" + name]


XRGB, ARGB, RGB565, ARGB1555 = (A["FAKEGPU_FMT_" + n]
                               for n in ("XRGB8888", "ARGB8888", "RGB565", "ARGB1555"))
ENABLE, CRC = A["FAKEGPU_HEAD_CTRL_ENABLE"], A["FAKEGPU_HEAD_CTRL_CRC"]
PREMULTI, COVERAGE, NONE = (A["FAKEGPU_BLEND_" + n] for n in ("PREMULTI", "COVERAGE", "NONE"))


def pattern(n, seed, alpha=None):
    """n bytes of 32-bit pixels: a colour ramp, alpha varied or fixed."""
    out = bytearray()
    for i in range(n // 4):
        a = alpha if alpha is not None else (0, 0x40, 0x80, 0xc0, 0xff)[(i // 5) % 5]
        out += struct.pack("<I", a << 24 | ((i * 3 + seed) & 0xff) << 16 |
                           ((i * 5) & 0xff) << 8 | ((i * 7 + seed * 3) & 0xff))
    return bytes(out)


def pattern16(n, seed):
    return bytes(((i * 13 + seed) ^ (i >> 3)) & 0xff for i in range(n))


# ---- fuzz_vfu ---------------------------------------------------------------

CMD = dict(VERSION=1, DMA_MAP=2, DMA_UNMAP=3, GET_INFO=4, GET_REGION_INFO=5,
           GET_REGION_IO_FDS=6, GET_IRQ_INFO=7, SET_IRQS=8, REGION_READ=9,
           REGION_WRITE=10, DMA_READ=11, DMA_WRITE=12, RESET=13,
           WRITE_MULTI=15, FEATURE=16)
NO_REPLY, FLAG_REPLY = 0x10, 0x1
BAR0, BAR2, CONFIG = 0, 2, 7
INTX, MSI, MSIX, ERR, REQ = range(5)
DATA_NONE, DATA_BOOL, DATA_EVENTFD = 1, 2, 4
ACT_MASK, ACT_UNMASK, ACT_TRIGGER = 8, 16, 32
MODE_NEGOTIATE, MODE_FDS, MODE_CLOCK = 1, 2, 4


class Msgs:
    """vfio-user requests, numbered."""

    def __init__(self):
        self.id = 0

    def msg(self, cmd, payload=b"", flags=0):
        self.id = (self.id + 1) & 0xffff
        return struct.pack("<HHIII", self.id, CMD[cmd] if isinstance(cmd, str) else cmd,
                           16 + len(payload), flags, 0) + payload

    def version(self, caps=None, major=0, minor=1):
        pl = struct.pack("<HH", major, minor)
        if caps is not None:
            pl += caps if isinstance(caps, bytes) else caps.encode() + b"\0"
        return self.msg("VERSION", pl)

    def dma_map(self, iova, size, flags=3, offset=0):
        return self.msg("DMA_MAP", struct.pack("<IIQQQ", 32, flags, offset, iova, size))

    def dma_unmap(self, iova, size, flags=0):
        return self.msg("DMA_UNMAP", struct.pack("<IIQQ", 24, flags, iova, size))

    def get_info(self):
        return self.msg("GET_INFO", struct.pack("<IIII", 16, 0, 0, 0))

    def region_info(self, index, argsz=32):
        return self.msg("GET_REGION_INFO", struct.pack("<IIIIQQ", argsz, 0, index, 0, 0, 0))

    def irq_info(self, index):
        return self.msg("GET_IRQ_INFO", struct.pack("<IIII", 16, 0, index, 0))

    def set_irqs(self, index, flags, start=0, count=1, bools=b""):
        return self.msg("SET_IRQS", struct.pack("<IIIII", 20 + len(bools), flags, index,
                                                start, count) + bools)

    def read(self, index, off, count):
        return self.msg("REGION_READ", struct.pack("<QII", off, index, count))

    def write(self, index, off, data, flags=0):
        return self.msg("REGION_WRITE", struct.pack("<QII", off, index, len(data)) + data,
                        flags)

    def reg(self, off, value, flags=0):
        return self.write(BAR0, off, struct.pack("<I", value), flags)

    def reg_read(self, off, count=4):
        return self.read(BAR0, off, count)

    def reset(self):
        return self.msg("RESET")


def vfu_input(mode, heads, chunks):
    """chunks: (bytes, nfds, step) tuples or plain bytes. A chunk longer than
    a u16 length is split (fds with the first piece, the step after the last)."""
    out = bytearray([mode | (heads - 1) << 4])
    for c in chunks:
        data, nfds, step = (c, 0, 0) if isinstance(c, (bytes, bytearray)) else c
        while True:
            piece, data = data[:0xffff], data[0xffff:]
            out += struct.pack("<H", len(piece))
            if mode & MODE_FDS:
                out.append(nfds)
            if mode & MODE_CLOCK:
                out.append(0 if data else step)
            out += piece
            nfds = 0
            if not data:
                break
    return bytes(out)


def head_program(m, h, w, hh, ctrl=ENABLE | CRC, mhz=60000, planes=(), commit=True):
    """Messages: planes (dicts of plane registers), mode, CTRL, COMMIT."""
    out = []
    for p, regs in planes:
        for name, v in regs.items():
            out.append(m.reg(plane_reg(h, p, name), v & 0xffffffff))
    out += [m.reg(head_reg(h, "WIDTH"), w), m.reg(head_reg(h, "HEIGHT"), hh),
            m.reg(head_reg(h, "REFRESH_MHZ"), mhz), m.reg(head_reg(h, "CTRL"), ctrl)]
    if commit:
        out.append(m.reg(head_reg(h, "COMMIT"), 1))
    return out


def plane(fmt, offset, pitch, w, h, x=0, y=0, sx=0, sy=0, alpha=0xffff, blend=PREMULTI,
          zpos=None):
    r = dict(CTRL=1, FORMAT=fmt, OFFSET_LO=offset, OFFSET_HI=0, PITCH=pitch, SRC_X=sx,
             SRC_Y=sy, SRC_W=w, SRC_H=h, DST_X=x, DST_Y=y, ALPHA=alpha, BLEND=blend)
    if zpos is not None:
        r["ZPOS"] = zpos
    return r


def status_reads(m, h):
    return [m.reg_read(head_reg(h, n)) for n in
            ("STATUS", "ERROR_CODE", "FRAME", "CRC", "CRC_FRAME", "VBLANK_AGE",
             "AGE_FRAME", "WB_STATUS", "COMMIT")]


def frames(m, h, n, step=17):
    """n clock steps, each with a read of the head's status registers."""
    return [(b"".join(status_reads(m, h)), 0, step) for _ in range(n)]


def vfu_seeds():
    s = {}
    W = 32      # the frames' size: small seeds, fast runs
    m = Msgs()
    N = MODE_NEGOTIATE

    # Each command on its own after the harness's negotiation.
    singles = {
        "get-info": [m.get_info()],
        "region-info": [m.region_info(i) for i in (0, 1, 2, 7, 8, 9)] +
                       [m.region_info(2, argsz=48), m.region_info(2, argsz=64)],
        "irq-info": [m.irq_info(i) for i in range(6)],
        "region-rw-config": [m.read(CONFIG, 0, 64), m.read(CONFIG, 0x40, 14),
                             m.write(CONFIG, 4, struct.pack("<H", 0x0406)),
                             m.write(CONFIG, 0x10, b"\xff" * 4),
                             m.read(CONFIG, 0x10, 4),
                             m.write(CONFIG, 0x18, b"\xff" * 8),
                             m.read(CONFIG, 0x18, 8),
                             m.write(CONFIG, 0x42, struct.pack("<H", 1)),
                             m.write(CONFIG, 0x44, b"\x00\x10\xe0\xfe\x00\x00\x00\x00\x21\x40"),
                             m.read(CONFIG, 255, 1), m.read(CONFIG, 250, 8)],
        "region-rw-bar0": [m.reg_read(0), m.reg_read(4), m.reg_read(8, 8),
                           m.reg_read(1, 1), m.reg_read(2, 2), m.reg_read(3, 2),
                           m.reg_read(0x1200, 4), m.reg_read(0x3ffc, 4),
                           m.reg_read(0x3ffc, 8), m.reg(0x44, 0x12345678),
                           m.write(BAR0, 0x40, b"\x01\x00"), m.reg(0x46, 1),
                           m.write(BAR0, 0x30, b"\xff" * 8)],
        "region-rw-bar2": [m.write(BAR2, 0, pattern(256, 1)), m.read(BAR2, 0, 256),
                           m.write(BAR2, (16 << 20) - 4, b"\x01\x02\x03\x04"),
                           m.read(BAR2, (16 << 20) - 2, 4),
                           m.write(BAR2, 1 << 40, b"\0" * 4), m.read(BAR2, 3, 1)],
        "region-bad": [m.read(1, 0, 4), m.read(8, 0, 4), m.read(99, 0, 4),
                       m.read(BAR0, 0, 0), m.read(BAR2, 0, (1 << 20) + 1),
                       m.msg("REGION_WRITE", struct.pack("<QII", 0, 0, 8) + b"\0" * 4)],
        "reset": [m.reset(), m.msg("RESET", b"\0")],
        "unsupported": [m.msg("GET_REGION_IO_FDS", b"\0" * 16),
                        m.msg("WRITE_MULTI", b"\0" * 32), m.msg("FEATURE", b"\0" * 16),
                        m.msg("DMA_READ", b"\0" * 24), m.msg("DMA_WRITE", b"\0" * 24),
                        m.msg(99), m.msg("VERSION", b"\0\0\1\0")],
        "dma": [m.dma_map(0x100000, 0x10000), m.dma_map(0x108000, 0x10000),
                m.dma_map(0x200000, 0x1000, flags=1), m.dma_map(0, 0),
                m.dma_map(0xfffffffffffff000, 0x2000), m.dma_map(0, 0x1000, flags=8),
                m.dma_unmap(0x100000, 0x10000), m.dma_unmap(0x100000, 0x10000),
                m.dma_unmap(0, 0, flags=2), m.dma_unmap(0, 0, flags=4),
                m.msg("DMA_MAP", b"\0" * 16)],
        "set-irqs": [m.set_irqs(INTX, DATA_BOOL | ACT_TRIGGER, bools=b"\1"),
                     m.set_irqs(INTX, DATA_NONE | ACT_MASK),
                     m.set_irqs(INTX, DATA_NONE | ACT_UNMASK),
                     m.set_irqs(INTX, DATA_EVENTFD | ACT_UNMASK),
                     m.set_irqs(MSI, DATA_NONE | ACT_TRIGGER, count=0),
                     m.set_irqs(MSI, DATA_BOOL | ACT_MASK, bools=b"\1"),
                     m.set_irqs(MSI, DATA_BOOL | ACT_UNMASK, bools=b"\0"),
                     m.set_irqs(MSIX, DATA_NONE | ACT_TRIGGER),
                     m.set_irqs(ERR, DATA_NONE | ACT_MASK),
                     m.set_irqs(MSI, DATA_BOOL | DATA_NONE | ACT_TRIGGER),
                     m.set_irqs(MSI, DATA_NONE | ACT_TRIGGER, start=1),
                     m.set_irqs(9, DATA_NONE | ACT_TRIGGER),
                     m.set_irqs(MSI, DATA_BOOL | ACT_TRIGGER, count=1)],
        "no-reply-and-replies": [m.reg(0x44, 1, flags=NO_REPLY),
                                 m.msg("GET_INFO", struct.pack("<IIII", 16, 0, 0, 0),
                                       flags=FLAG_REPLY),
                                 m.msg("GET_INFO", b"\0" * 16, flags=0x40)],
    }
    for name, msgs in singles.items():
        s["cmd-" + name] = vfu_input(N, 1, msgs)

    # Eventfds: MSI, INTx, ERR and REQ set up with an fd each, then fired.
    F = N | MODE_FDS
    s["cmd-set-irqs-eventfd"] = vfu_input(F, 1, [
        (m.set_irqs(MSI, DATA_EVENTFD | ACT_TRIGGER), 1, 0),
        (m.set_irqs(MSI, DATA_BOOL | ACT_TRIGGER, bools=b"\1"), 0, 0),
        (m.set_irqs(MSI, DATA_NONE | ACT_MASK), 0, 0),
        (m.set_irqs(MSI, DATA_NONE | ACT_TRIGGER), 0, 0),
        (m.set_irqs(MSI, DATA_NONE | ACT_UNMASK), 0, 0),
        (m.set_irqs(INTX, DATA_EVENTFD | ACT_TRIGGER), 1, 0),
        (m.set_irqs(ERR, DATA_EVENTFD | ACT_TRIGGER), 1, 0),
        (m.set_irqs(REQ, DATA_EVENTFD | ACT_TRIGGER), 1, 0),
        (m.set_irqs(REQ, DATA_EVENTFD | ACT_TRIGGER), 0, 0),
        (m.set_irqs(MSI, DATA_EVENTFD | ACT_TRIGGER), 2, 0),
        (m.dma_map(0x100000, 0x1000), 1, 0),
        (m.get_info(), 1, 0),
        (b"", 3, 0), (b"", 3, 0), (m.set_irqs(MSI, DATA_EVENTFD | ACT_TRIGGER), 3, 0),
        (m.region_info(2), 0, 0),
    ])

    # VERSION: no negotiation by the harness; valid and invalid capabilities.
    versions = {
        "none": None,
        "valid": '{"capabilities":{"max_msg_fds":8,"max_data_xfer_size":1048576}}',
        "max-dma": '{"capabilities":{"max_msg_fds":1,"max_dma_maps":65536,'
                   '"migration":{"pgsize":4096}}}',
        "no-fds": '{"capabilities":{"max_msg_fds":0}}',
        "whitespace": ' \t\n{ "capabilities" : { } , "x" : [ 1 , -2.5e+3 , true , false ,'
                      ' null , "a\\"b\\\\c\\u00e9\\n" , { "y" : [ ] } ] }\r\n',
        "deep": '{"a":' * 15 + "1" + "}" * 15,
        "too-deep": '{"a":' * 17 + "1" + "}" * 17,
        "deep-array": "{\"a\":" + "[" * 20 + "]" * 20 + "}",
        "bad-number": '{"capabilities":{"max_msg_fds":-1}}',
        "float": '{"capabilities":{"max_msg_fds":1.5}}',
        "huge": '{"capabilities":{"max_msg_fds":99999999999999999999999}}',
        "leading-zero": '{"capabilities":{"max_msg_fds":01}}',
        "string-value": '{"capabilities":{"max_msg_fds":"8"}}',
        "not-object": '["capabilities"]',
        "caps-not-object": '{"capabilities":7}',
        "trailing": '{"capabilities":{}} x',
        "unterminated": '{"capabilities":{"max_msg_fds":8',
        "bad-escape": '{"a":"\\q"}',
        "bad-unicode": '{"a":"\\u12g4"}',
        "control-char": '{"a":"\x01"}',
        "empty": "",
    }
    for name, caps in versions.items():
        s["version-" + name] = vfu_input(0, 1, [m.version(caps), m.get_info(),
                                                m.region_info(2)])
    s["version-no-nul"] = vfu_input(0, 1, [m.version(b'{"capabilities":{}}'), m.get_info()])
    s["version-inner-nul"] = vfu_input(0, 1, [m.version(b'{"a":1}\0{}\0')])
    s["version-long"] = vfu_input(0, 1, [m.version('{"a":"' + "x" * 4100 + '"}')])
    s["version-major"] = vfu_input(0, 1, [m.version(None, major=1), m.version(None),
                                          m.get_info()])
    s["version-short"] = vfu_input(0, 1, [m.msg("VERSION", b"\0\0"), m.version(None),
                                          m.version(None), m.get_info()])
    s["version-old-minor"] = vfu_input(0, 1, [m.version("{}", minor=0), m.get_info()])

    # Framing: split messages, several in one chunk, a bad size closes.
    msg = m.reg_read(0)
    s["frame-split"] = vfu_input(N, 1, [msg[:3], msg[3:17], msg[17:],
                                        m.get_info() + m.reg_read(4) + m.reg_read(8)])
    s["frame-bad-size"] = vfu_input(N, 1, [struct.pack("<HHIII", 1, 4, 8, 0, 0),
                                           m.get_info(),
                                           struct.pack("<HHIII", 2, 4, (1 << 20) + 64, 0, 0),
                                           m.get_info()])

    # Scanout: a WxW XRGB8888 frame with CRC on, MSI delivering vblanks.
    C = N | MODE_FDS | MODE_CLOCK
    setup = [(m.set_irqs(MSI, DATA_EVENTFD | ACT_TRIGGER), 1, 0),
             (m.reg(A["FAKEGPU_REG_IRQ_MASK"], 0xffffffff), 0, 0),
             (m.write(BAR2, 0, pattern(W * W * 4, 5, alpha=0xff)), 0, 0)]
    prim = (0, plane(XRGB, 0, 4 * W, W, W))
    s["scanout-crc"] = vfu_input(C, 1, setup + [
        (b"".join(head_program(m, 0, W, W, planes=[prim])), 0, 0)] +
        frames(m, 0, 4) + [
        (m.reg(A["FAKEGPU_REG_IRQ_STATUS"], 0xffffffff), 0, 1),
        (m.write(BAR2, 8 * 4 * W, pattern(64, 9, alpha=0xff)), 0, 17)] + frames(m, 0, 2))

    # Cursor (ARGB8888, alpha) and overlay over the primary, every format.
    for fmt, fname, cpp in ((RGB565, "rgb565", 2), (ARGB1555, "argb1555", 2),
                            (ARGB, "argb8888", 4), (XRGB, "xrgb8888", 4)):
        planes = [prim,
                  (1, plane(ARGB, 0x10000, 128, 32, 32, x=-8, y=16)),
                  (2, plane(fmt, 0x20000, 48 * cpp, 40, 24, x=10, y=-5, sx=4, sy=2,
                            alpha=0x8000, blend=COVERAGE if cpp == 2 else NONE, zpos=0))]
        s["planes-" + fname] = vfu_input(C, 1, setup + [
            (m.write(BAR2, 0x10000, pattern(128 * 32, 3)), 0, 0),
            (m.write(BAR2, 0x20000, pattern16(48 * cpp * 26, 7)), 0, 0),
            (b"".join(head_program(m, 0, W, W, planes=planes)), 0, 0)] + frames(m, 0, 3))

    # Gamma: a LUT loaded and enabled with the commit.
    lut = [m.reg(head_reg(0, "GAMMA_INDEX"), 0)] + \
          [m.reg(head_reg(0, "GAMMA_DATA"), (255 - i) * 0x010101) for i in range(256)] + \
          [m.reg(head_reg(0, "GAMMA_CTRL"), 1), m.reg_read(head_reg(0, "GAMMA_DATA"))]
    s["gamma"] = vfu_input(C, 1, setup + [(b"".join(lut), 0, 0), (b"".join(
        head_program(m, 0, W, W, planes=[prim])), 0, 0)] + frames(m, 0, 3))

    # Writeback: the frame written into VRAM, then a bad window (ERROR).
    def wb(off, pitch, fmt):
        return [m.reg(head_reg(0, "WB_OFFSET_LO"), off), m.reg(head_reg(0, "WB_OFFSET_HI"), 0),
                m.reg(head_reg(0, "WB_PITCH"), pitch), m.reg(head_reg(0, "WB_FORMAT"), fmt),
                m.reg(head_reg(0, "WB_CTRL"), 1), m.reg(head_reg(0, "COMMIT"), 1)]
    s["writeback"] = vfu_input(C, 1, setup + [
        (b"".join(head_program(m, 0, W, W, planes=[prim])), 0, 17),
        (b"".join(wb(0x100000, 256, XRGB)), 0, 17)] + frames(m, 0, 2) + [
        (m.read(BAR2, 0x100000, 256), 0, 0),
        (b"".join(wb(0x00fffff0, 256, ARGB)), 0, 17),
        (b"".join(wb(0, 100, XRGB)), 0, 17),
        (b"".join(wb(0x8000, 256, RGB565)), 0, 17),
        (b"".join(wb(0x8000, 256, XRGB) + [m.reg(head_reg(0, "CTRL"), 0),
                                           m.reg(head_reg(0, "COMMIT"), 1)]), 0, 17)] +
        frames(m, 0, 2))

    # Refused commits, one per error code, with the head off and on.
    bad = {
        "mode": (W, W, 500, [prim]),
        "format": (W, W, 60000, [(0, plane(9, 0, 4 * W, W, W))]),
        "cursor-format": (W, W, 60000, [(1, plane(XRGB, 0, 4 * W, W, W))]),
        "pitch": (W, W, 60000, [(0, plane(XRGB, 0, 4 * W - 2, W, W))]),
        "bounds": (W, W, 60000, [(0, plane(XRGB, (16 << 20) - 1024, 4 * W, W, W))]),
        "rect": (W, W, 60000, [(0, plane(XRGB, 0, 4 * W, 0, W))]),
        "src-x": (W, W, 60000, [(0, plane(XRGB, 0, 4 * W, W, W, sx=1))]),
        "too-big": (4096, 4096, 60000, [prim]),
    }
    for name, (w, h, mhz, planes) in bad.items():
        s["refused-" + name] = vfu_input(C, 1, setup + [
            (b"".join(head_program(m, 0, w, h, mhz=mhz, planes=planes)), 0, 0)] +
            frames(m, 0, 1) + [
            (b"".join(head_program(m, 0, W, W, planes=[prim])), 0, 17)] +
            frames(m, 0, 1) + [
            (b"".join(head_program(m, 0, w, h, mhz=mhz, planes=planes)), 0, 17)] +
            frames(m, 0, 2))

    # Timing: a refresh change while on, a clock jump, off and on again.
    s["timing"] = vfu_input(C, 1, setup + [
        (b"".join(head_program(m, 0, W, W, planes=[prim])), 0, 0)] + frames(m, 0, 3) + [
        (b"".join(head_program(m, 0, W, W, mhz=30000, planes=[prim])), 0, 40),
        (b"".join(status_reads(m, 0)), 0, 255)] + frames(m, 0, 2) + [
        (b"".join(head_program(m, 0, W, W, ctrl=0)), 0, 17),
        (b"".join(head_program(m, 0, W, W, mhz=240000, planes=[prim])), 0, 5)] +
        frames(m, 0, 3, step=1))

    # Resets: CTRL.RESET and DEVICE_RESET while scanning out; INTx route.
    s["resets-intx"] = vfu_input(C, 1, [
        (m.set_irqs(INTX, DATA_EVENTFD | ACT_TRIGGER), 1, 0),
        (m.reg(A["FAKEGPU_REG_IRQ_MASK"], 0xff), 0, 0),
        (m.write(BAR2, 0, pattern(W * W * 4, 2)), 0, 0),
        (b"".join(head_program(m, 0, W, W, planes=[prim])), 0, 17)] + frames(m, 0, 2) + [
        (m.set_irqs(INTX, DATA_NONE | ACT_UNMASK), 0, 17),
        (m.read(CONFIG, 6, 2), 0, 17),
        (m.write(CONFIG, 4, struct.pack("<H", 0x0400)), 0, 17),
        (m.reg(A["FAKEGPU_REG_CTRL"], 1), 0, 17),
        (b"".join(head_program(m, 0, W, W, planes=[prim])), 0, 17),
        (m.reset(), 0, 17)] + frames(m, 0, 2))

    # Four heads, each its own mode and planes; EDID windows read.
    heads = []
    for h in range(4):
        w = W + 8 * h
        heads.append(m.write(BAR2, 0x40000 * h, pattern(256 * 24, h)))
        heads += head_program(m, h, w, 24, mhz=(60000, 75000, 50000, 144000)[h],
                              ctrl=ENABLE | (CRC if h % 2 == 0 else 0),
                              planes=[(0, plane((XRGB, RGB565, ARGB1555, ARGB)[h],
                                                0x40000 * h, 256, w, 24))])
        heads += [m.reg_read(head_base(h) + 0x200 + 4 * i, 8) for i in range(0, 32, 2)]
    s["multihead"] = vfu_input(C, 4, [
        (m.set_irqs(MSI, DATA_EVENTFD | ACT_TRIGGER), 1, 0),
        (m.reg(A["FAKEGPU_REG_IRQ_MASK"], 0xffffffff), 0, 0),
        (b"".join(heads), 0, 0)] + frames(m, 3, 4, step=9) + [
        (m.reg_read(head_base(4)), 0, 7), (m.reg(head_reg(5, "CTRL"), 1), 0, 7)])

    # Shared pages through BAR4: a commit record taken at the vblank, a
    # doorbell commit, the status page read back.
    def record(no, flags, ctrl, w, h, planes, seq=2):
        r = bytearray(0x200)
        struct.pack_into("<III", r, 0, seq, no, flags)
        struct.pack_into("<IIII", r, 0x10, ctrl, w, h, 60000)
        for p, regs in planes:
            for name, v in regs.items():
                struct.pack_into("<I", r, 0x40 + p * 0x40 + A["FAKEGPU_PLANE_" + name],
                                 v & 0xffffffff)
        return bytes(r)
    shm_cm = A["FAKEGPU_SHM_COMMIT"]
    s["shm"] = vfu_input(C, 1, setup + [
        (m.region_info(4, argsz=64) + m.read(4, 0, 64), 0, 0),
        (b"".join(head_program(m, 0, W, W, planes=[prim])), 0, 17),
        (m.reg(A["FAKEGPU_REG_SHM_CTRL"], 1), 0, 17),
        (m.write(4, shm_cm, record(1, 0, ENABLE | CRC, W, W,
                                   [(0, plane(XRGB, 4 * W, 4 * W, W, W - 1))])), 0, 17),
        (m.read(4, shm_st_head(0), 0x40), 0, 17),
        (m.write(4, shm_cm, record(2, 1, ENABLE, W, W, [(0, plane(RGB565, 0, 2 * W, W, W))])),
         0, 0),
        (m.reg(head_reg(0, "COMMIT"), A["FAKEGPU_COMMIT_SHM"]), 0, 17),
        (m.write(4, shm_cm, record(3, 0, ENABLE, W, W, [(0, prim[1])], seq=3)), 0, 17),
        (m.write(4, shm_cm, struct.pack("<I", 4)), 0, 17),
        (m.read(4, 0, 0x100) + m.reg_read(A["FAKEGPU_REG_CLOCK_LO"], 8), 0, 17),
        (m.reg(A["FAKEGPU_REG_SHM_CTRL"], 0), 0, 17),
        (m.write(4, 0x1ffc, b"\1\2\3\4") + m.read(4, 0x1ffe, 4), 0, 0)] +
        frames(m, 0, 2))

    # A session closed in the middle (bad size) and negotiated again.
    s["session-reset"] = vfu_input(C, 1, setup + [
        (b"".join(head_program(m, 0, W, W, planes=[prim])), 0, 17),
        (struct.pack("<HHIII", 1, 4, 4, 0, 0), 0, 17)] + frames(m, 0, 2))
    return s


# ---- fuzz_engine ------------------------------------------------------------

(OP_WRITE, OP_WRITE_RAW, OP_READ, OP_HEAD, OP_MODE, OP_PLANE, OP_COMMIT, OP_GAMMA,
 OP_WB, OP_FILL, OP_RUN, OP_SCREENSHOT, OP_CONNECT, OP_RESET, OP_IRQ, OP_STATS,
 OP_SHM_WRITE, OP_SHM_RECORD) = range(18)
LIMIT_64, LIMIT_256, LIMIT_1024, LIMIT_DEFAULT = range(4)


def e_config(heads=1, limit=LIMIT_64, modes=None, shm=False):
    """modes: a list of (width, height, Hz), or the text of a --modes list."""
    text = isinstance(modes, str)
    out = bytes([(heads - 1) | limit << 2 | (0x10 if modes else 0) | (0x20 if shm else 0) |
                 (0x40 if text else 0)])
    if text:
        out += bytes([len(modes)]) + modes.encode()
    elif modes:
        out += bytes([len(modes) - 1])
        for w, h, hz in modes:
            # The target folds: width = 64 + v % (max - 63), refresh = 24 + v % 217.
            out += struct.pack("<HHB", w - 64, h - 64, hz - 24)
    return out


def e_write(off, v):
    return struct.pack("<BHI", OP_WRITE, off // 4, v & 0xffffffff)


def e_raw(off, v):
    return struct.pack("<BII", OP_WRITE_RAW, off, v)


def e_read(off):
    return struct.pack("<BH", OP_READ, off)


def e_head(h, off, v):
    return struct.pack("<BBBI", OP_HEAD, h, off // 4, v & 0xffffffff)


def e_mode(h, w, hh, hz=60, ctrl=ENABLE | CRC):
    return struct.pack("<BBHHBB", OP_MODE, h, w, hh, hz, ctrl)


def plane_fields(p, fmt, off, pitch, w, hh, x=0, y=0, sx=0, sy=0, alpha=0xffff,
                 blend=PREMULTI, zpos=None, ctrl=1):
    """A plane as fuzz_engine's OP_PLANE and OP_SHM_RECORD read it, from CTRL on."""
    return struct.pack("<BBIHHHHHhhHBB", ctrl, fmt, off, pitch, sx, sy, w, hh, x, y, alpha,
                       blend, p if zpos is None else zpos)


def e_plane(h, p, *args, **kw):
    return bytes([OP_PLANE, h, p]) + plane_fields(p, *args, **kw)


SHM_DOORBELL, SHM_TORN, SHM_SAME_NUMBER = 1, 2, 4


def e_shm_record(h, how, w, hh, p, *args, hz=60, ctrl=ENABLE | CRC, **kw):
    return struct.pack("<BBBBHHBB", OP_SHM_RECORD, h, how, ctrl, w, hh, hz, p) + \
        plane_fields(p, *args, **kw)


def e_shm_write(off, v):
    return struct.pack("<BHI", OP_SHM_WRITE, off // 4, v)


def e_commit(h):
    return bytes([OP_COMMIT, h])


def e_gamma(h, kind, param=0, enable=True):
    return bytes([OP_GAMMA, h, kind | (8 if enable else 0), param])


def e_wb(h, off, pitch, fmt=XRGB):
    return struct.pack("<BBIHB", OP_WB, h, off, pitch, fmt)


def e_fill(off, n, kind, seed):
    """Fill ops of at most 0xfffc bytes each (a fill's length is a u16)."""
    out = b""
    while n > 0:
        k = min(n, 0xfffc)
        out += struct.pack("<BIHBB", OP_FILL, off, k, kind, seed)
        off, n = off + k, n - k
    return out


def e_run(step=17, n=1):
    return bytes([OP_RUN, step]) * n


def e_shot(h):
    return bytes([OP_SCREENSHOT, h])


def e_connect(h, on):
    return bytes([OP_CONNECT, h, on])


def e_irq(mask):
    return struct.pack("<BI", OP_IRQ, mask)


def e_stats(h):
    return bytes([OP_STATS, h])


def e_status(h):
    return b"".join(e_read(head_reg(h, n)) for n in
                    ("STATUS", "ERROR_CODE", "FRAME", "CRC", "CRC_FRAME", "VBLANK_AGE",
                     "AGE_FRAME", "WB_STATUS")) + e_stats(h)


def engine_seeds():
    s = {}
    fill64 = e_fill(0, 64 * 64 * 4, 1, 7)
    prim = e_plane(0, 0, XRGB, 0, 256, 64, 64)
    s["basic-crc"] = (e_config() + fill64 + e_irq(0xffffffff) + prim + e_mode(0, 64, 64) +
                      e_run(17, 3) + e_shot(0) + e_status(0) + e_run(17) + e_status(0))

    # Each format as the primary, and as the overlay over it, each blend mode.
    for fmt, name, cpp in ((XRGB, "xrgb8888", 4), (ARGB, "argb8888", 4),
                           (RGB565, "rgb565", 2), (ARGB1555, "argb1555", 2)):
        for blend, bname in ((PREMULTI, "premulti"), (COVERAGE, "coverage"), (NONE, "none")):
            for alpha in (0xffff, 0x8000, 0):
                s["blend-%s-%s-%04x" % (name, bname, alpha)] = (
                    e_config(limit=LIMIT_256) + e_fill(0, 0x10000, 3, 1) +
                    e_fill(0x10000, 0x10000, 1, 9) +
                    e_plane(0, 0, fmt, 0, 128 * cpp, 100, 90, alpha=alpha, blend=blend) +
                    e_plane(0, 2, fmt, 0x10000, 64 * cpp, 60, 50, x=-10, y=30, sx=3, sy=1,
                            alpha=alpha, blend=blend) +
                    e_plane(0, 1, ARGB, 0x20000, 256, 32, 32, x=90, y=-4, alpha=alpha,
                            blend=blend) +
                    e_fill(0x20000, 32 * 256, 3, 5) +
                    e_mode(0, 120, 100) + e_run(17, 3) + e_status(0))

    # z order: overlay at the bottom, cursor on top, equal zpos.
    s["zpos"] = (e_config(limit=LIMIT_256) + e_fill(0, 0x30000, 3, 2) +
                 e_plane(0, 0, ARGB, 0, 256, 64, 64, zpos=2, blend=COVERAGE, alpha=0xc000) +
                 e_plane(0, 1, ARGB, 0x10000, 256, 64, 64, zpos=1) +
                 e_plane(0, 2, ARGB1555, 0x20000, 128, 64, 64, zpos=1, x=200, y=200) +
                 e_mode(0, 256, 256) + e_run(17, 2) +
                 e_plane(0, 2, RGB565, 0x20000, 128, 64, 64, zpos=0, x=-63, y=255) +
                 e_commit(0) + e_run(17, 2) + e_shot(0))

    # Gamma curves.
    for kind in range(8):
        s["gamma-%d" % kind] = (e_config() + fill64 + prim + e_gamma(0, kind, 0x5a) +
                                e_mode(0, 64, 64) + e_run(17, 2) + e_shot(0) +
                                e_gamma(0, kind, 3, enable=False) + e_commit(0) +
                                e_run(17, 2))

    # Writeback: good, overlapping the primary, and each refusal.
    wbs = {
        "xrgb": e_wb(0, 0x100000, 256),
        "argb-padded": e_wb(0, 0x100000, 300, ARGB),
        "overlap": e_wb(0, 128, 256),
        "end-of-vram": e_wb(0, (16 << 20) - 64 * 256, 256),
        "past-vram": e_wb(0, (16 << 20) - 64 * 256 + 4, 256),
        "bad-pitch": e_wb(0, 0x100000, 254),
        "small-pitch": e_wb(0, 0x100000, 252),
        "bad-format": e_wb(0, 0x100000, 256, RGB565),
    }
    for name, op in wbs.items():
        s["writeback-" + name] = (e_config() + fill64 + prim + e_irq(0xff000000) +
                                  e_mode(0, 64, 64) + e_run(17) + op + e_commit(0) +
                                  e_run(17, 3) + e_status(0) + e_shot(0))
    s["writeback-head-off"] = (e_config() + fill64 + prim + e_mode(0, 64, 64) + e_run(17) +
                               e_wb(0, 0x100000, 256) + e_mode(0, 64, 64, ctrl=0) +
                               e_run(17, 2) + e_status(0) + e_wb(0, 0, 256) + e_commit(0))

    # Refused commits.
    refusals = {
        "mode": e_mode(0, 65, 64),
        "refresh": e_mode(0, 64, 64, hz=241),
        "format": e_plane(0, 0, 7, 0, 256, 64, 64) + e_commit(0),
        "cursor-format": e_plane(0, 1, XRGB, 0, 256, 64, 64) + e_commit(0),
        "cursor-size": e_plane(0, 1, ARGB, 0, 4096, 257, 64) + e_commit(0),
        "pitch": e_plane(0, 0, RGB565, 0, 127, 63, 64) + e_commit(0),
        "pitch-small": e_plane(0, 0, XRGB, 0, 128, 64, 64) + e_commit(0),
        "rect": e_plane(0, 0, XRGB, 0, 256, 64, 0) + e_commit(0),
        "src-x": e_plane(0, 0, XRGB, 0, 256, 60, 64, sx=5) + e_commit(0),
        "bounds": e_plane(0, 0, XRGB, (16 << 20) - 256 * 63, 256, 64, 64, sy=1) + e_commit(0),
        "offset-hi": e_head(0, plane_base(0) + A["FAKEGPU_PLANE_OFFSET_HI"], 0xffffffff) +
                     e_commit(0),
        "plane3": e_plane(0, 3, XRGB, 0, 256, 64, 64) + e_commit(0),
    }
    for name, op in refusals.items():
        s["refused-" + name] = (e_config() + fill64 + prim + e_irq(0x00ff0000) +
                                e_mode(0, 64, 64) + e_run(17) + op + e_run(17, 2) +
                                e_status(0) + e_mode(0, 64, 64, ctrl=0) + op + e_status(0))

    # Register policy: reserved bits and values, read-only and unknown offsets.
    s["registers"] = (e_config(heads=2) + b"".join(e_read(o) for o in range(0, 0x50, 4)) +
                      e_write(A["FAKEGPU_REG_CTRL"], 2) + e_write(0x0, 1) +
                      e_write(A["FAKEGPU_REG_SCRATCH"], 0xdeadbeef) +
                      e_head(0, A["FAKEGPU_HEAD_CTRL"], 4) +
                      e_head(0, A["FAKEGPU_HEAD_COMMIT"], 4) +
                      e_head(0, A["FAKEGPU_HEAD_GAMMA_INDEX"], 256) +
                      e_head(0, A["FAKEGPU_HEAD_GAMMA_DATA"], 0x01000000) +
                      e_head(0, A["FAKEGPU_HEAD_GAMMA_CTRL"], 2) +
                      e_head(0, A["FAKEGPU_HEAD_WB_CTRL"], 2) +
                      e_head(0, A["FAKEGPU_HEAD_WB_STATUS"], 1) +
                      e_head(0, plane_base(0) + A["FAKEGPU_PLANE_CTRL"], 2) +
                      e_head(0, plane_base(1) + A["FAKEGPU_PLANE_ALPHA"], 0x10000) +
                      e_head(0, plane_base(2) + A["FAKEGPU_PLANE_BLEND"], 3) +
                      e_head(0, 0x200, 1) + e_head(1, 0x3fc, 1) + e_head(2, 0, 1) +
                      e_raw(0x4000, 1) + e_raw(0x45, 1) + e_raw(0xffffffff, 1) +
                      e_read(0x4000) + e_read(0x1201) + e_read(0x1800) +
                      e_head(0, A["FAKEGPU_HEAD_GAMMA_INDEX"], 255) +
                      e_read(head_reg(0, "GAMMA_DATA")) + e_read(head_reg(0, "GAMMA_DATA")) +
                      e_read(head_reg(0, "GAMMA_INDEX")) +
                      b"".join(e_read(head_base(1) + 0x200 + 4 * i) for i in range(32)) +
                      e_read(A["FAKEGPU_REG_ERROR_COUNT"]) + e_irq(0xffffffff) + e_stats(8))

    # Hotplug, EDIDs from custom mode lists, several heads at different rates.
    s["multihead-hotplug"] = (
        e_config(heads=4, limit=LIMIT_256, modes=[(256, 200, 75), (64, 64, 24)]) +
        e_fill(0, 0x100000, 2, 3) + e_irq(0xffffffff) +
        b"".join(e_plane(h, 0, (XRGB, RGB565, ARGB1555, ARGB)[h], 0x40000 * h, 1024,
                         100 + h, 80) + e_mode(h, 100 + h, 80, hz=(60, 75, 24, 240)[h],
                                                ctrl=ENABLE | CRC * (h & 1))
                 for h in range(4)) +
        e_run(9, 6) + e_connect(2, 0) + e_read(head_reg(2, "EDID_SIZE")) +
        e_read(head_base(2) + 0x200) + e_connect(2, 0) + e_connect(2, 1) + e_connect(8, 1) +
        e_run(9, 2) + e_shot(3) + e_shot(5) + e_shot(8) + e_stats(2) + e_status(1))
    s["modes-dmt"] = (e_config(limit=LIMIT_DEFAULT, modes=[(1920, 1080, 60), (1280, 1024, 60),
                                                           (1366, 768, 60), (1600, 900, 60)]) +
                      e_read(head_base(0) + 0x200))
    for name, text in (("text", "1024x768@75,800x600,640x480@60"),
                       ("text-bad", "1024x768@75,,x"), ("text-range", "63x64@60"),
                       ("text-trailing", "800x600,"), ("text-big", "4095x4095@240,64x64@24"),
                       ("text-hz", "800x600@")):
        s["modes-" + name] = (e_config(limit=LIMIT_1024, modes=text) +
                              e_read(head_base(0) + 0x200) + e_read(head_base(0) + 0x236))
    s["modes-cvt"] = (e_config(limit=LIMIT_1024, modes=[(1000, 700, 144), (64, 700, 24),
                                                        (800, 600, 60), (640, 480, 60)]) +
                      e_read(head_base(0) + 0x200) + e_read(head_base(0) + 0x23c))

    # Timing: refresh change while on, a 1000 s jump, off and on, VBLANK_AGE.
    s["timing"] = (e_config() + fill64 + prim + e_mode(0, 64, 64) + e_run(0) +
                   e_read(head_reg(0, "VBLANK_AGE")) + e_run(17, 3) + e_run(1, 3) +
                   e_read(head_reg(0, "VBLANK_AGE")) + e_mode(0, 64, 64, hz=30) +
                   e_run(40, 2) + e_run(255) + e_status(0) + e_mode(0, 64, 64, ctrl=0) +
                   e_run(17) + e_mode(0, 64, 64, hz=1) + e_mode(0, 64, 64, hz=240) +
                   e_run(5, 4) + e_status(0))

    # Resets while scanning out, with a commit and a writeback pending.
    s["reset"] = (e_config() + fill64 + prim + e_mode(0, 64, 64) + e_run(17, 2) +
                  e_wb(0, 0x100000, 256) + e_commit(0) + bytes([OP_RESET]) + e_run(17, 2) +
                  e_status(0) + prim + e_mode(0, 64, 64) + e_run(17) +
                  e_write(A["FAKEGPU_REG_CTRL"], 1) + e_run(17) + e_status(0))

    # The default size limit: a large frame (1024x768), partly off screen planes.
    s["large"] = (e_config(limit=LIMIT_DEFAULT) + e_fill(0, 0xffff, 1, 1) +
                  e_plane(0, 0, XRGB, 0, 4096, 1024, 768) +
                  e_plane(0, 2, ARGB, 0x400000, 2048, 512, 512, x=800, y=600, alpha=0x4000) +
                  e_plane(0, 1, ARGB, 0x800000, 1024, 256, 256, x=-200, y=700) +
                  e_mode(0, 1024, 768) + e_run(17, 3) + e_shot(0))

    # Shared pages: flips from the commit page at the vblank, a doorbell for
    # a head that is off, a record caught mid-write, reserved values, the
    # clock registers, switching the pages off and on, a reset.
    shm_on = e_write(A["FAKEGPU_REG_SHM_CTRL"], 1)
    commit_shm = e_head(0, A["FAKEGPU_HEAD_COMMIT"], A["FAKEGPU_COMMIT_SHM"])
    fill2 = e_fill(0, 2 * 64 * 64 * 4, 1, 3)
    s["shm-flips"] = (e_config(shm=True) + fill2 + prim + e_mode(0, 64, 64) + shm_on +
                      e_irq(0xffffffff) + e_run(17) +
                      e_shm_record(0, 0, 64, 64, 0, XRGB, 64 * 64 * 4, 256, 64, 64) +
                      e_run(17, 2) + e_shot(0) +
                      e_shm_record(0, 0, 64, 64, 0, RGB565, 0, 128, 64, 64) + e_run(17) +
                      e_shm_record(0, SHM_TORN, 64, 64, 0, XRGB, 0, 256, 64, 64) + e_run(17) +
                      e_shm_record(0, SHM_SAME_NUMBER, 64, 64, 0, XRGB, 0, 256, 64, 64) +
                      e_run(17) +
                      e_shm_record(0, 0, 64, 64, 1, ARGB, 0, 256, 32, 32, x=20, y=20) +
                      e_run(17) + e_read(A["FAKEGPU_REG_CLOCK_LO"]) +
                      e_read(A["FAKEGPU_REG_CLOCK_HI"]) + e_status(0))
    s["shm-doorbell"] = (e_config(heads=2, shm=True) + fill2 + shm_on +
                         e_shm_record(0, SHM_DOORBELL, 64, 64, 0, XRGB, 0, 256, 64, 64) +
                         e_run(17) + commit_shm + e_run(0) + e_run(17, 2) +
                         e_wb(0, 0x100000, 256) +
                         e_shm_record(0, SHM_DOORBELL, 64, 64, 0, XRGB, 256, 256, 63, 64) +
                         commit_shm + e_run(17, 2) +
                         e_shm_record(0, SHM_DOORBELL | SHM_TORN, 64, 64, 0, XRGB, 0, 256,
                                      64, 64) + commit_shm + e_run(17) +
                         e_shm_record(0, SHM_DOORBELL, 64, 64, 0, XRGB, 0, 256, 64, 64) +
                         e_run(17, 2) + e_connect(1, 0) + e_connect(1, 1) + e_status(0) +
                         e_shm_record(1, SHM_DOORBELL, 64, 64, 0, XRGB, 0, 256, 64, 64,
                                      ctrl=ENABLE) + e_head(1, A["FAKEGPU_HEAD_COMMIT"], 3) +
                         e_head(1, A["FAKEGPU_HEAD_COMMIT"], A["FAKEGPU_COMMIT_SHM"]) +
                         e_run(9, 3) + e_status(1))
    s["shm-refused"] = (e_config(shm=True) + fill2 + prim + e_mode(0, 64, 64) + shm_on +
                        e_run(17) +
                        e_shm_record(0, 0, 64, 64, 0, XRGB, 0, 256, 64, 64, ctrl=4) +
                        e_run(17) +
                        e_shm_record(0, 0, 64, 64, 2, XRGB, 0, 256, 64, 64, alpha=0xffff,
                                     blend=3) + e_run(17) +
                        e_shm_record(0, 0, 64, 64, 0, XRGB, (16 << 20) - 4, 256, 64, 64) +
                        e_run(17) + e_shm_write(0x10, 0xffffffff) +
                        e_shm_write(0x40 + A["FAKEGPU_PLANE_ALPHA"], 0x10000) +
                        e_shm_write(4, 77) + e_run(17) + e_status(0))
    s["shm-off-on-reset"] = (e_config(shm=True) + fill2 + prim + e_mode(0, 64, 64) +
                             e_shm_record(0, 0, 64, 64, 0, XRGB, 0, 256, 64, 64) + shm_on +
                             e_run(17, 2) + e_write(A["FAKEGPU_REG_SHM_CTRL"], 0) +
                             e_shm_record(0, 0, 64, 64, 0, XRGB, 0, 256, 64, 64) +
                             e_run(17) + shm_on + e_run(17) +
                             e_write(A["FAKEGPU_REG_SHM_CTRL"], 3) +
                             commit_shm + e_write(A["FAKEGPU_REG_CTRL"], 1) + commit_shm +
                             shm_on + e_run(17) + bytes([OP_RESET]) + e_run(17))
    s["shm-absent"] = (e_config() + shm_on + commit_shm + e_read(A["FAKEGPU_REG_CAPS"]) +
                       e_shm_record(0, 0, 64, 64, 0, XRGB, 0, 256, 64, 64) + e_run(17))
    return s


def write(dirname, seeds):
    os.makedirs(dirname, exist_ok=True)
    for f in os.listdir(dirname):
        if f.startswith("seed-"):
            os.remove(os.path.join(dirname, f))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(dirname, "seed-" + name), "wb") as f:
            f.write(data)
    print("%s: %d seed inputs, %d bytes" % (dirname, len(seeds),
                                            sum(len(d) for d in seeds.values())))


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: gen_corpus.py CORPUS_DIR (writes CORPUS_DIR/vfu, "
                         "CORPUS_DIR/engine)\n")
        return 2
    write(os.path.join(sys.argv[1], "vfu"), vfu_seeds())
    write(os.path.join(sys.argv[1], "engine"), engine_seeds())
    return 0


if __name__ == "__main__":
    sys.exit(main())
