//! Drawing primitives on a krilla page: text lines from [`Cluster`]s (with faux bold and boxed
//! missing characters), rules, rectangles, the dashed seal circle and the QR code.
//!
//! Coordinates are PDF points with the origin at the top left and y growing downwards; text is
//! placed by its baseline.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, FillRule, LineCap, LineJoin, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};

use crate::qr::{QrMatrix, QUIET_ZONE};
use crate::text::{Cluster, Face, Glyphish, Style};

/// An sRGB colour; krilla's own colour type has no `const` constructor.
pub(crate) type Rgb = (u8, u8, u8);

pub(crate) const BLACK: Rgb = (0x11, 0x11, 0x11);
pub(crate) const GREY: Rgb = (0x59, 0x59, 0x59);
pub(crate) const RULE: Rgb = (0x80, 0x80, 0x80);
pub(crate) const SHADE: Rgb = (0xF1, 0xEE, 0xEA);
/// Seal red (印章红), also used for the frame.
pub(crate) const RED: Rgb = (0xB8, 0x1C, 0x1C);

/// Stroke width of faux bold, relative to the font size: the bundled font has one weight.
const BOLD_STROKE: f32 = 0.035;

fn fill(color: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn stroke(color: Rgb, width: f32, dash: Option<Vec<f32>>) -> Stroke {
    Stroke {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        width,
        miter_limit: 4.0,
        line_cap: LineCap::Butt,
        line_join: LineJoin::Round,
        opacity: NormalizedF32::ONE,
        dash: dash.map(|array| StrokeDash { array, offset: 0.0 }),
    }
}

/// Draws one line of text with its baseline at `y`; returns its width. `tracking` is extra
/// letter spacing in em (the title is spaced out, 字距).
#[allow(clippy::too_many_arguments)]
pub(crate) fn text_line(
    surface: &mut Surface,
    face: &Face,
    clusters: &[Cluster],
    x: f32,
    y: f32,
    size: f32,
    tracking: f32,
    color: Rgb,
) -> f32 {
    let mut pen = x;
    let mut i = 0;
    while i < clusters.len() {
        let first = clusters[i];
        if first.kind == Glyphish::Tofu {
            tofu(surface, face, first.ch, pen, y, size, color);
            pen += first.advance(tracking) * size;
            i += 1;
            continue;
        }
        // A run of drawable characters with one style becomes one text object, so the text
        // stays extractable as a whole word.
        let mut text = String::new();
        let mut glyphs = Vec::new();
        let mut run_width = 0.0;
        while i < clusters.len() && clusters[i].style == first.style {
            let c = clusters[i];
            let Glyphish::Glyph { id, advance } = c.kind else {
                break;
            };
            let start = text.len();
            text.push(c.ch);
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(id),
                advance + tracking,
                0.0,
                0.0,
                0.0,
                start..text.len(),
                None,
            ));
            run_width += (advance + tracking) * size;
            i += 1;
        }
        glyph_run(
            surface,
            face,
            &glyphs,
            &text,
            pen,
            y,
            size,
            first.style,
            color,
            false,
        );
        pen += run_width;
    }
    pen - x
}

#[allow(clippy::too_many_arguments)]
fn glyph_run(
    surface: &mut Surface,
    face: &Face,
    glyphs: &[KrillaGlyph],
    text: &str,
    x: f32,
    y: f32,
    size: f32,
    style: Style,
    color: Rgb,
    outlined: bool,
) {
    surface.set_fill(Some(fill(color)));
    if style.bold {
        surface.set_stroke(Some(stroke(color, size * BOLD_STROKE, None)));
    }
    surface.draw_glyphs(
        Point::from_xy(x, y),
        glyphs,
        face.font.clone(),
        text,
        size,
        outlined,
    );
    surface.set_stroke(None);
}

/// A missing character (豆腐块): a box with its hexadecimal code point in two rows, drawn as
/// outlines so that neither `.notdef` nor stray digits end up in the extracted text.
fn tofu(surface: &mut Surface, face: &Face, ch: char, x: f32, y: f32, size: f32, color: Rgb) {
    let (left, top, side) = (x + 0.08 * size, y - 0.84 * size, 0.84 * size);
    stroke_rect(surface, left, top, side, side * 1.1, size * 0.05, color);
    let hex = format!("{:04X}", ch as u32);
    let split = hex.len() / 2;
    let label_size = 0.34 * size;
    for (row, part) in [&hex[..split], &hex[split..]].into_iter().enumerate() {
        let mut glyphs = Vec::new();
        let mut w = 0.0;
        for (i, digit) in part.char_indices() {
            if let Glyphish::Glyph { id, advance } = face.lookup(digit) {
                glyphs.push(KrillaGlyph::new(
                    GlyphId::new(id),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    i..i + 1,
                    None,
                ));
                w += advance * label_size;
            }
        }
        let baseline = top + side * 0.5 + row as f32 * label_size * 1.05;
        let start = left + (side - w) / 2.0;
        glyph_run(
            surface,
            face,
            &glyphs,
            part,
            start,
            baseline,
            label_size,
            Style::default(),
            color,
            true,
        );
    }
}

pub(crate) fn stroke_rect(
    surface: &mut Surface,
    x: f32,
    y: f32,
    w: f32,
    h: f32,
    width: f32,
    color: Rgb,
) {
    let mut pb = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
        pb.push_rect(rect);
    }
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(stroke(color, width, None)));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

pub(crate) fn fill_rect(surface: &mut Surface, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
    let mut pb = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
        pb.push_rect(rect);
    }
    if let Some(path) = pb.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(fill(color)));
        surface.draw_path(&path);
    }
}

/// A straight rule from (x1, y1) to (x2, y2).
pub(crate) fn rule(
    surface: &mut Surface,
    (x1, y1): (f32, f32),
    (x2, y2): (f32, f32),
    width: f32,
    color: Rgb,
) {
    let mut pb = PathBuilder::new();
    pb.move_to(x1, y1);
    pb.line_to(x2, y2);
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(stroke(color, width, None)));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

/// A dashed circle: where the issuer's seal (公章) is stamped.
pub(crate) fn dashed_circle(
    surface: &mut Surface,
    cx: f32,
    cy: f32,
    r: f32,
    width: f32,
    color: Rgb,
) {
    // Four cubic Béziers; 0.5523 is the usual control-point factor for a quarter circle.
    let k = 0.552_285 * r;
    let mut pb = PathBuilder::new();
    pb.move_to(cx + r, cy);
    pb.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
    pb.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
    pb.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
    pb.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
    pb.close();
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(stroke(color, width, Some(vec![5.0, 3.5]))));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

/// The QR code as vector rectangles, `side` points square including the quiet zone, so it
/// prints sharp at any resolution.
pub(crate) fn qr(surface: &mut Surface, matrix: &QrMatrix, x: f32, y: f32, side: f32) {
    let module = side / matrix.side_with_quiet_zone() as f32;
    let origin = QUIET_ZONE as f32 * module;
    let mut pb = PathBuilder::new();
    for (mx, my, len) in matrix.dark_runs() {
        if let Some(rect) = Rect::from_xywh(
            x + origin + mx as f32 * module,
            y + origin + my as f32 * module,
            len as f32 * module,
            module,
        ) {
            pb.push_rect(rect);
        }
    }
    if let Some(path) = pb.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(fill((0, 0, 0))));
        surface.draw_path(&path);
    }
}
