#!/usr/bin/env bash
# Regenerates the CJK font shipped with zhiyuan-certificate (run once; the output is committed).
#
# Why: a certificate must render on a fresh machine with no fonts installed, so the crate carries
# its own font (include_bytes!). The full Noto Serif CJK SC is ~26 MB (a 4-font collection); this
# keeps only what Chinese certificates need:
#   - GB 2312 (all 7,445 code points: 6,763 hanzi plus punctuation, fullwidth forms, pinyin, ...)
#   - ASCII and Latin-1, general and CJK punctuation, fullwidth forms, circled numbers, ★☆ ℃ №
#   - a curated list of hanzi common in personal names that GB 2312 lacks (喆 堃 玥 珺 赟 ...)
# Anything else (rare characters, 生僻字) is drawn by the renderer as a boxed code point and named
# in the certificate's notes, never as a crash. Each PDF then embeds only the glyphs it uses.
#
# Source: Debian's fonts-noto-cjk (SIL Open Font License 1.1, see OFL.txt beside this script).
# Output: NotoSerifCJKsc-Regular-subset.otf (CFF-flavoured OpenType, ~2.2 MB).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src=/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc
if [ ! -f "$src" ]; then
  apt-get install -y fonts-noto-cjk
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet fonttools==4.60.1

"$work/venv/bin/python" - "$work/unicodes.txt" <<'PY'
import sys
cps = set()
for hi in range(0xA1, 0xF8):            # every GB 2312 code point, via Python's codec
    for lo in range(0xA1, 0xFF):
        try:
            cps.add(ord(bytes([hi, lo]).decode("gb2312")))
        except UnicodeDecodeError:
            pass
ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x2027), (0x2030, 0x203E), (0x2103, 0x2103),
          (0x2116, 0x2116), (0x2160, 0x216B), (0x2190, 0x2193), (0x2460, 0x2473),
          (0x2605, 0x2606), (0x3000, 0x303F), (0xFF01, 0xFF5E), (0xFFE0, 0xFFE5)]
for lo, hi in ranges:
    cps.update(range(lo, hi + 1))
# Hanzi frequent in given names but outside GB 2312 (curated; extend as needed and re-run).
names = ("喆堃玥珺祎彧赟昇晞翀曌犇镕烜暐暻琤瑢璟瑀頔燚垚琇琍珝玙珵琎瑨瑱璠璘镠钖禛禕焜旻昉浛沄洺"
         "淏溦濛涴妘姮婠嫚倢伃偲峣崟堉柟杺梽芃谞譞燊炘珅玠玓玘珹瑒瑆琀珣玹瑧璆姞媞嫄婼娖婳"
         "昕晢昳晅暎旸炤炳熤焯烨煕熙珉珖珦琡瑃瑷璁璿璹玏玚昶晧皞皛")
cps.update(ord(c) for c in names)
with open(sys.argv[1], "w") as f:
    f.write("\n".join("U+%04X" % c for c in sorted(cps)))
print("code points requested:", len(cps))
PY

# Font number 2 of the collection is Simplified Chinese (SC). Layout tables, hinting and the
# vertical-writing tables are dropped: certificates are set horizontally, glyph by glyph.
"$work/venv/bin/pyftsubset" "$src" --font-number=2 \
  --unicodes-file="$work/unicodes.txt" \
  --layout-features='' --no-hinting \
  --drop-tables+=BASE,VORG,vhea,vmtx,GSUB,GPOS \
  --name-IDs='*' --name-languages='*' \
  --output-file="$here/NotoSerifCJKsc-Regular-subset.otf"
ls -l "$here/NotoSerifCJKsc-Regular-subset.otf"
