//! The bundled CJK font and a small text engine: glyph lookup, widths and line breaking
//! (折行) for Chinese, which needs no shaping beyond one glyph per character.
//!
//! Characters the font lacks (生僻字, emoji) become [`Glyphish::Tofu`]: the renderer draws a box
//! with the code point instead of the `.notdef` glyph, which PDF/A forbids and which would hide
//! the problem from the reader.

use std::ops::Range;
use std::sync::OnceLock;

use krilla::text::Font;
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::CertificateError;

/// Noto Serif CJK SC (宋体-style, as formal certificates use) subset to GB 2312 plus name
/// characters; regenerate with `assets/make-font.sh`. SIL OFL 1.1, see `assets/OFL.txt`.
static FONT_BYTES: &[u8] = include_bytes!("../assets/NotoSerifCJKsc-Regular-subset.otf");

/// Width of a missing character's box, in em.
pub(crate) const TOFU_ADVANCE: f32 = 1.0;

/// The parsed font, shared by every render: parsing and hashing 2 MB once, not per PDF.
pub(crate) struct Face {
    pub(crate) font: Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

static FACE: OnceLock<Option<Face>> = OnceLock::new();

/// The bundled face, parsed on first use.
pub(crate) fn face() -> Result<&'static Face, CertificateError> {
    FACE.get_or_init(Face::load)
        .as_ref()
        .ok_or(CertificateError::Font)
}

impl Face {
    fn load() -> Option<Face> {
        let font_ref = FontRef::new(FONT_BYTES).ok()?;
        let metrics = font_ref.glyph_metrics(Size::unscaled(), LocationRef::default());
        let units_per_em = f32::from(
            font_ref
                .metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        let font = Font::new(FONT_BYTES.into(), 0)?;
        Some(Face {
            font,
            charmap: font_ref.charmap(),
            metrics,
            units_per_em,
        })
    }

    /// Whether the bundled font can draw `ch`.
    pub(crate) fn has_char(&self, ch: char) -> bool {
        self.charmap.map(ch).is_some()
    }

    pub(crate) fn lookup(&self, ch: char) -> Glyphish {
        match self.charmap.map(ch) {
            Some(gid) if gid.to_u32() != 0 => Glyphish::Glyph {
                id: gid.to_u32(),
                advance: self.metrics.advance_width(gid).unwrap_or(self.units_per_em)
                    / self.units_per_em,
            },
            _ => Glyphish::Tofu,
        }
    }
}

/// What one character is drawn as.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Glyphish {
    /// A glyph of the font; `advance` in em.
    Glyph { id: u32, advance: f32 },
    /// Not in the font: a box with the code point.
    Tofu,
}

/// Emphasis: faux bold (fill and stroke) for values such as the name and the hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Style {
    pub(crate) bold: bool,
}

/// One character ready to set.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cluster {
    pub(crate) ch: char,
    pub(crate) kind: Glyphish,
    pub(crate) style: Style,
    /// Set inside a span that should not be broken (a name, a number).
    pub(crate) glue_to_prev: bool,
}

impl Cluster {
    /// Advance in em, including `tracking` (letter spacing).
    pub(crate) fn advance(&self, tracking: f32) -> f32 {
        match self.kind {
            Glyphish::Glyph { advance, .. } => advance + tracking,
            Glyphish::Tofu => TOFU_ADVANCE + tracking,
        }
    }
}

/// Replaces line breaks and tabs with spaces and drops other control and invisible format
/// characters, so that outside text can't corrupt the layout.
pub(crate) fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' => None,
            c => Some(c),
        })
        .collect()
}

/// A piece of text with one style; `keep` asks not to break inside it when it fits on a line.
pub(crate) struct Span<'a> {
    pub(crate) text: &'a str,
    pub(crate) style: Style,
    pub(crate) keep: bool,
}

impl<'a> Span<'a> {
    pub(crate) fn plain(text: &'a str) -> Self {
        Span {
            text,
            style: Style::default(),
            keep: false,
        }
    }
    pub(crate) fn value(text: &'a str) -> Self {
        Span {
            text,
            style: Style { bold: true },
            keep: true,
        }
    }
}

/// Turns spans into clusters (text is cleaned first).
pub(crate) fn clusters(face: &Face, spans: &[Span<'_>]) -> Vec<Cluster> {
    let mut out = Vec::new();
    for span in spans {
        for (i, ch) in clean(span.text).chars().enumerate() {
            out.push(Cluster {
                ch,
                kind: face.lookup(ch),
                style: span.style,
                glue_to_prev: span.keep && i > 0,
            });
        }
    }
    out
}

/// Width in points of clusters at `size`.
pub(crate) fn width(clusters: &[Cluster], size: f32, tracking: f32) -> f32 {
    clusters.iter().map(|c| c.advance(tracking)).sum::<f32>() * size
}

/// No line may start with these (避头点): closing punctuation.
fn is_closing(ch: char) -> bool {
    "，。、；：？！）》」』】〕〉”’…—％,.;:?!)]}%·".contains(ch)
}

/// No line may end with these (避尾点): opening punctuation.
fn is_opening(ch: char) -> bool {
    "（《「『【〔〈“‘([{".contains(ch)
}

/// Latin letters, digits and the characters of URLs and numbers stay together as one word.
fn is_word(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || "-_./:@#*+=&?~".contains(ch)
}

fn break_allowed_before(clusters: &[Cluster], i: usize) -> bool {
    if i == 0 || i >= clusters.len() {
        return false;
    }
    let (prev, cur) = (clusters[i - 1], clusters[i]);
    if cur.ch == ' ' || prev.ch == ' ' {
        return !cur.glue_to_prev;
    }
    let inside_word = is_word(prev.ch) && is_word(cur.ch);
    !(cur.glue_to_prev || is_closing(cur.ch) || is_opening(prev.ch) || inside_word)
}

/// Greedy line breaking. Returns the cluster range of each line; the first line is
/// `first_indent` points narrower (首行缩进). A word or kept span longer than a line is
/// broken anywhere rather than overflowing. Spaces at line ends are dropped.
pub(crate) fn wrap(
    clusters: &[Cluster],
    size: f32,
    max_width: f32,
    first_indent: f32,
) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < clusters.len() && clusters[start].ch == ' ' {
        start += 1;
    }
    let mut avail = (max_width - first_indent).max(size);
    let mut used = 0.0;
    let mut last_break = None;
    let mut i = start;
    while i < clusters.len() {
        let w = clusters[i].advance(0.0) * size;
        if i > start && break_allowed_before(clusters, i) {
            last_break = Some(i);
        }
        if used + w > avail + 0.01 && i > start && clusters[i].ch != ' ' {
            let end = match last_break {
                Some(b) if b > start => b,
                _ => i,
            };
            lines.push(trim_end(clusters, start..end));
            start = end;
            while start < clusters.len() && clusters[start].ch == ' ' {
                start += 1;
            }
            i = start;
            used = 0.0;
            last_break = None;
            avail = max_width.max(size);
            continue;
        }
        used += w;
        i += 1;
    }
    if start < clusters.len() {
        lines.push(trim_end(clusters, start..clusters.len()));
    }
    lines
}

fn trim_end(clusters: &[Cluster], mut range: Range<usize>) -> Range<usize> {
    while range.end > range.start && clusters[range.end - 1].ch == ' ' {
        range.end -= 1;
    }
    range
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cl(text: &str) -> Vec<Cluster> {
        clusters(face().expect("bundled font"), &[Span::plain(text)])
    }

    fn lines_of(text: &str, size: f32, width: f32) -> Vec<String> {
        let cs = cl(text);
        wrap(&cs, size, width, 0.0)
            .into_iter()
            .map(|r| cs[r].iter().map(|c| c.ch).collect())
            .collect()
    }

    #[test]
    fn bundled_font_covers_gb2312_and_names_but_not_rare_characters() {
        let f = face().expect("bundled font");
        for ch in "志愿服务证明兹累计小时扫码验证（）：，。0123456789ABCxyz★".chars()
        {
            assert!(f.has_char(ch), "{ch} should be in the bundled font");
        }
        for ch in "喆堃赟".chars() {
            assert!(f.has_char(ch), "name character {ch} should be bundled");
        }
        // 𠀀 (Ext. B) and 䶮 (Ext. A) are not shipped.
        assert!(!f.has_char('𠀀'));
        assert!(!f.has_char('䶮'));
        assert_eq!(cl("𠀀")[0].kind, Glyphish::Tofu);
    }

    #[test]
    fn cjk_text_breaks_between_any_characters_and_respects_width() {
        let lines = lines_of("志愿服务证明志愿服务证明", 10.0, 50.0);
        assert_eq!(lines, vec!["志愿服务证", "明志愿服务", "证明"]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // Five characters fit; the comma must not open line 2, so "明" moves down with it.
        let lines = lines_of("志愿服务证明，好", 10.0, 50.0);
        assert_eq!(lines[0], "志愿服务证");
        assert!(lines[1].starts_with("明，"));
    }

    #[test]
    fn latin_words_stay_whole_and_overlong_words_are_cut() {
        let lines = lines_of("服务 abc123 服务", 10.0, 40.0);
        assert!(lines.iter().any(|l| l.contains("abc123")), "{lines:?}");
        let long = "x".repeat(200);
        let lines = lines_of(&long, 10.0, 50.0);
        assert!(lines.len() > 1);
        let total: usize = lines.iter().map(|l| l.len()).sum();
        assert_eq!(total, 200, "nothing lost when a word is cut");
    }

    #[test]
    fn kept_span_moves_to_the_next_line_whole() {
        let f = face().expect("bundled font");
        let cs = clusters(f, &[Span::plain("兹证明志愿者"), Span::value("欧阳娜娜")]);
        let lines = wrap(&cs, 10.0, 80.0, 0.0);
        let texts: Vec<String> = lines
            .iter()
            .map(|r| cs[r.clone()].iter().map(|c| c.ch).collect())
            .collect();
        assert_eq!(texts, vec!["兹证明志愿者", "欧阳娜娜"]);
    }

    #[test]
    fn control_characters_are_cleaned() {
        assert_eq!(clean("张\n三\u{0007}\u{200B}"), "张 三");
    }
}
