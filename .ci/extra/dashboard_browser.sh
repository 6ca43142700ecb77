#!/usr/bin/env bash
# Checks `dashboard` in a real browser (Debian's chromium, headless): fills a throw-away history
# with a small benchmark, a short monitor and a small profile, renders the page with
# `--mode dashboard`, then asserts from the browser's own output that the charts' SVG elements
# are in the DOM, that the page made no request (its CSP forbids every load, and chromium logs
# none blocked or failed), and that the screenshot is not blank. Every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${CUSTOMER_SNAPSHOT_BIN:-$PWD/target/release/customer-snapshot}
if [ ! -x "$BIN" ]; then
  echo "dashboard_browser.sh: $BIN is missing; run the release build first" >&2
  exit 1
fi
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq
  timeout 900 apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
chromium --version 2>/dev/null | head -1

work=$(mktemp -d "${TMPDIR:-/tmp}/customer-snapshot-dashboard-check.XXXXXX")
profile=$(mktemp -d "${TMPDIR:-/tmp}/customer-snapshot-chromium.XXXXXX")
trap 'rm -rf "$work" "$profile"' EXIT
cd "$work"

fail() { echo "dashboard_browser.sh: FAIL: $*" >&2; exit 1; }

# A history with something in every section. A transcript with a hostile file name checks that
# text from data stays text in the browser.
hostile='<img src=x onerror=alert(1)>.vtt'
timeout 60 "$BIN" benchmark generate --size 0.2 -o "$hostile"
timeout 120 "$BIN" benchmark --sizes 0.05 --runs 2 --warmup 0 --history h.sqlite -q -o bench.md --export-json bench.json
timeout 120 "$BIN" benchmark --sizes 0.05 --runs 2 --warmup 0 --history h.sqlite -q -o bench.md --export-json bench.json
timeout 60 "$BIN" monitor --duration 3s --interval 500ms --history h.sqlite >monitor.out 2>&1
timeout 120 "$BIN" optimize --input "$hostile" --min-seconds 0.2 --overhead-pairs 1 --history h.sqlite -q --out-dir . >optimize.out
timeout 60 "$BIN" dashboard --mode dashboard --history h.sqlite -o dashboard.html -q >dashboard.out
page="file://$work/dashboard.html"

chrome=(timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking
  --no-first-run --disable-component-update --disable-sync --user-data-dir="$profile"
  --enable-logging=stderr --v=0)
"${chrome[@]}" --dump-dom "$page" >dom.html 2>dom.log || fail "chromium --dump-dom did not finish"
"${chrome[@]}" --window-size=1280,3000 --screenshot="$work/shot.png" "$page" >shot.out 2>shot.log \
  || fail "chromium --screenshot did not finish"

# The charts are in the DOM the browser built (not just in the file).
svgs=$(grep -o '<svg class="chart' dom.html | wc -l)
[ "$svgs" -ge 8 ] || fail "expected at least 8 chart SVGs in the DOM, found $svgs"
grep -q '<circle class="dot' dom.html || fail "no data points in the DOM"
grep -q 'class="ref target"' dom.html || fail "no target lines in the DOM"
grep -q 'class="flame"' dom.html || fail "no flamegraph in the DOM"
if grep -q '<img' dom.html; then fail "data text became an element (escaping)"; fi
grep -q '&lt;img src=x' dom.html || fail "the hostile file name is not shown as text"
# No request left the page: the policy forbids everything, and the browser reports no load that
# was blocked or failed.
grep -q "default-src 'none'" dom.html || fail "the Content-Security-Policy meta tag is missing"
if grep -Ei "Content.Security.Policy|violates|has been blocked|Refused to|net::ERR_|Failed to load" dom.log shot.log; then
  fail "the browser blocked or failed a load (see above)"
fi

# The screenshot is a real picture: a PNG of the asked size with many distinct colours.
python3 - "$work/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    (length,) = struct.unpack(">I", data[pos:pos + 4])
    kind = data[pos + 4:pos + 8]
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8, f"unexpected bit depth {depth}"
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
bpp = {2: 3, 6: 4}[ctype]
raw = zlib.decompress(idat)
stride = width * bpp
colours = set()
prev = bytearray(stride)
i = 0
for _ in range(height):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp * 7):
        colours.add(bytes(line[x:x + 3]))
    prev = line
print(f"screenshot {width}x{height}, {len(colours)} distinct colours (sampled)")
assert width == 1280, width
assert len(colours) >= 50, f"the screenshot looks blank: {len(colours)} colours"
PY
echo "dashboard_browser.sh: ok ($svgs chart SVGs in the DOM, no blocked or failed loads)"
