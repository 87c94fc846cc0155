//! QR codes read back by a decoder: the inline SVG (rasterised from its own path data), the
//! PNG, and the code printed on the certificate PDF (rebuilt from the page's vector paths).

use crate::common::{decode_modules, decode_png, typical};
use lopdf::content::Content;
use zhiyuan_certificate::{qr_png, qr_svg, render_pdf, CertificateError};

const CHECK_IN: &str =
    "https://zhiyuan.example.cn/checkin/act-0193a1b2?t=1732350000&s=3q2-7w_Xk9aA";

/// Fills the modules of an SVG path made of `M x y h n v1 h-n z` runs.
fn svg_modules(d: &str, side: usize) -> Vec<bool> {
    let mut grid = vec![false; side * side];
    for run in d.split('M').filter(|r| !r.is_empty()) {
        let (head, _) = run.split_once("v1").expect("run shape");
        let (xy, len) = head.split_once('h').expect("run length");
        let (x, y) = xy.split_once(' ').expect("run origin");
        let (x, y, len): (usize, usize, usize) = (
            x.parse().expect("x"),
            y.parse().expect("y"),
            len.parse().expect("len"),
        );
        for dx in 0..len {
            grid[y * side + x + dx] = true;
        }
    }
    grid
}

#[test]
fn svg_is_well_formed_sized_by_modules_and_decodes() {
    let svg = qr_svg(CHECK_IN, 240).expect("svg");
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert_eq!(root.attribute("width"), Some("240"));
    assert_eq!(root.attribute("height"), Some("240"));
    let view_box: Vec<usize> = root
        .attribute("viewBox")
        .expect("viewBox")
        .split(' ')
        .map(|n| n.parse().expect("integer viewBox"))
        .collect();
    let side = view_box[2];
    assert_eq!(view_box, vec![0, 0, side, side]);
    // A QR symbol is 21 + 4(v - 1) modules; the view box adds a 4-module quiet zone each side.
    assert_eq!((side - 8 - 21) % 4, 0, "side {side}");
    let path = root
        .descendants()
        .find(|n| n.has_tag_name("path"))
        .and_then(|n| n.attribute("d"))
        .expect("module path");
    let grid = svg_modules(path, side);
    assert_eq!(
        decode_modules(side, |x, y| grid[y * side + x]),
        vec![CHECK_IN]
    );
}

#[test]
fn png_is_exactly_the_requested_size_and_decodes() {
    for size in [120, 333, 512] {
        let png = qr_png(CHECK_IN, size).expect("png");
        let (w, h, texts) = decode_png(&png);
        assert_eq!((w, h), (size, size));
        assert_eq!(texts, vec![CHECK_IN], "size {size}");
    }
    assert!(matches!(
        qr_png(CHECK_IN, 20),
        Err(CertificateError::QrSize { .. })
    ));
}

#[test]
fn qr_printed_on_the_certificate_decodes_to_the_verify_url() {
    let data = typical();
    let pdf = render_pdf(&data).expect("renders");
    let doc = lopdf::Document::load_mem(&pdf).expect("parses");
    let page = *doc.get_pages().values().next().expect("a page");
    let content = Content::decode(&doc.get_page_content(page)).expect("ops");
    // Collect every filled path's rectangles; the QR code is the path with the most of them.
    let mut best: Vec<[f32; 4]> = Vec::new();
    let (mut rects, mut points): (Vec<[f32; 4]>, Vec<(f32, f32)>) = (Vec::new(), Vec::new());
    for op in &content.operations {
        let num = |i: usize| {
            op.operands
                .get(i)
                .and_then(|o| o.as_float().ok())
                .unwrap_or(0.0)
        };
        match op.operator.as_str() {
            "m" | "l" => points.push((num(0), num(1))),
            "h" => {
                let xs = points.iter().map(|p| p.0);
                let ys = points.iter().map(|p| p.1);
                let (x0, x1) = (
                    xs.clone().fold(f32::MAX, f32::min),
                    xs.fold(f32::MIN, f32::max),
                );
                let (y0, y1) = (
                    ys.clone().fold(f32::MAX, f32::min),
                    ys.fold(f32::MIN, f32::max),
                );
                rects.push([x0, y0, x1, y1]);
                points.clear();
            }
            "f" | "f*" => {
                if rects.len() > best.len() {
                    best = std::mem::take(&mut rects);
                }
                rects.clear();
                points.clear();
            }
            "S" | "n" | "B" | "b" => {
                rects.clear();
                points.clear();
            }
            _ => {}
        }
    }
    assert!(best.len() > 50, "QR path found ({} runs)", best.len());
    let module = best.iter().map(|r| r[3] - r[1]).fold(f32::MAX, f32::min);
    let x0 = best.iter().map(|r| r[0]).fold(f32::MAX, f32::min);
    let y0 = best.iter().map(|r| r[1]).fold(f32::MAX, f32::min);
    let x1 = best.iter().map(|r| r[2]).fold(f32::MIN, f32::max);
    let side = ((x1 - x0) / module).round() as usize;
    let cell = |v: f32, o: f32| ((v - o) / module).round() as usize;
    let mut grid = vec![false; side * side];
    for r in &best {
        let y = cell(r[1], y0);
        for x in cell(r[0], x0)..cell(r[2], x0) {
            grid[y * side + x] = true;
        }
    }
    assert_eq!(
        decode_modules(side, |x, y| grid[y * side + x]),
        vec![data.verify_url]
    );
}
