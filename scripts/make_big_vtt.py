#!/usr/bin/env python3
"""Builds a big WebVTT file by repeating real transcripts with shifted timestamps.

Usage: scripts/make_big_vtt.py SIZE OUT [SOURCE.vtt ...]
  SIZE     target size: bytes, or with a K/M/G suffix (powers of 1024), e.g. 10M, 1G
  OUT      output path (written whole; use /tmp for big files)
  SOURCE   transcripts to repeat, in turn (default: ../shared/testdata/transcripts/*.vtt)

Each repetition appends the source's cues after the previous end time, so the result is one
long, monotonic meeting. Cue identifiers are renumbered to stay unique. The output stops at the
first whole cue past SIZE, so it is a valid file slightly larger than SIZE.
"""
import glob
import os
import re
import sys

TS = re.compile(rb"(\d{2,}):(\d{2}):(\d{2})\.(\d{3})")


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper()
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def fmt(ms):
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return b"%02d:%02d:%02d.%03d" % (h, m, s, ms)


def load_blocks(path):
    """Cue blocks of one source: (lines, start_ms, end_ms), header and notes dropped."""
    data = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    blocks = []
    for block in data.split(b"\n\n"):
        lines = block.strip(b"\n").split(b"\n")
        timing = next((i for i, l in enumerate(lines) if b"-->" in l), None)
        if timing is None:
            continue
        times = [(int(h) * 3600 + int(m) * 60 + int(s)) * 1000 + int(f)
                 for h, m, s, f in TS.findall(lines[timing])[:2]]
        if len(times) != 2:
            continue
        settings = lines[timing].split(b"-->", 1)[1].strip().split(None, 1)
        blocks.append((lines[timing + 1:], times[0], times[1],
                       settings[1] if len(settings) > 1 else b""))
    return blocks


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    target = parse_size(sys.argv[1])
    out_path = sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    sources = sys.argv[3:] or sorted(
        glob.glob(os.path.join(here, "..", "..", "shared", "testdata", "transcripts", "*.vtt")))
    if not sources:
        sys.exit("no source transcripts found; pass them as arguments")
    all_blocks = [b for b in (load_blocks(p) for p in sources) if b]
    offset, cue_id, written = 0, 0, 0
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as out:
        out.write(b"WEBVTT\n\n")
        written = 8
        while written < target:
            for blocks in all_blocks:
                base = blocks[0][1]
                last_end = offset
                parts = []
                for text, start, end, settings in blocks:
                    cue_id += 1
                    s, e = start - base + offset, end - base + offset
                    last_end = max(last_end, e)
                    timing = fmt(s) + b" --> " + fmt(e)
                    if settings:
                        timing += b" " + settings
                    parts.append(b"%d\n%s\n%s\n\n" % (cue_id, timing, b"\n".join(text)))
                chunk = b"".join(parts)
                out.write(chunk)
                written += len(chunk)
                offset = last_end + 1000
                if written >= target:
                    break
    os.replace(tmp, out_path)
    print(f"{out_path}: {written} bytes, {cue_id} cue blocks, {offset / 3_600_000:.1f} hours")


if __name__ == "__main__":
    main()
