//! Wrapped paragraphs (段落): the unit the certificate layout measures and draws.

use std::ops::Range;

use krilla::surface::Surface;

use crate::draw::{self, Rgb};
use crate::text::{self, clusters, wrap, Cluster, Face, Span};

/// CJK glyphs rise about 0.88 em above the baseline.
const ASCENT: f32 = 0.88;

/// A wrapped paragraph.
pub(crate) struct Para {
    pub(crate) clusters: Vec<Cluster>,
    pub(crate) lines: Vec<Range<usize>>,
    pub(crate) size: f32,
    pub(crate) leading: f32,
    pub(crate) indent: f32,
    pub(crate) tracking: f32,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Align {
    Left,
    Centre,
    Right,
}

impl Para {
    pub(crate) fn new(
        face: &Face,
        spans: &[Span<'_>],
        size: f32,
        leading: f32,
        width: f32,
        indent: f32,
    ) -> Self {
        let clusters = clusters(face, spans);
        let lines = wrap(&clusters, size, width, indent);
        Para {
            clusters,
            lines,
            size,
            leading,
            indent,
            tracking: 0.0,
        }
    }

    pub(crate) fn height(&self) -> f32 {
        self.lines.len() as f32 * self.leading
    }

    /// Draws the paragraph in the box starting at (`x`, `top`) of `width`; returns its height.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn draw(
        &self,
        s: &mut Surface,
        face: &Face,
        x: f32,
        top: f32,
        width: f32,
        align: Align,
        color: Rgb,
    ) -> f32 {
        for (i, range) in self.lines.iter().enumerate() {
            let line = &self.clusters[range.clone()];
            let baseline = top
                + i as f32 * self.leading
                + (self.leading - self.size) / 2.0
                + ASCENT * self.size;
            // Tracking follows every character, the last one too: leave it out when centring.
            let w = text::width(line, self.size, self.tracking) - self.tracking * self.size;
            let start = match align {
                Align::Left if i == 0 => x + self.indent,
                Align::Left => x,
                Align::Centre => x + (width - w) / 2.0,
                Align::Right => x + width - w,
            };
            draw::text_line(
                s,
                face,
                line,
                start,
                baseline,
                self.size,
                self.tracking,
                color,
            );
        }
        self.height()
    }
}
