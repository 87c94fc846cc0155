//! Shared by the integration tests: a typical certificate and a PDF text reader.

use zhiyuan_certificate::CertificateData;

/// A typical certificate: one volunteer, a year, a handful of services.
pub fn typical() -> CertificateData {
    CertificateData {
        title: "志愿服务证明".into(),
        volunteer_name: "张建国".into(),
        id_type: "居民身份证".into(),
        id_number_masked: "1505**********123X".into(),
        volunteer_no: "NM150502-000123".into(),
        period: "2026年1月1日至2026年11月23日".into(),
        total_hours: "36.5".into(),
        content_lines: (1..=8)
            .map(|i| {
                format!(
                    "牵手夕阳·探望空巢老人，2026年{i}月5日，{}小时",
                    2.0 + i as f32 * 0.5
                )
            })
            .collect(),
        issuer: "科尔沁区退役军人服务中心志愿服务队".into(),
        person_in_charge: "李卫东".into(),
        handler: "王晓梅".into(),
        contact: "0475-8212345".into(),
        certificate_no: "ZYZM-2026-150502-000042".into(),
        issue_date: "2026年11月23日".into(),
        notes: "时长为实际服务时间，不含往返路程。".into(),
        verify_url: "https://zhiyuan.example.cn/verify/Q2VydC0wMDA0Mi5zaWduYXR1cmU".into(),
    }
}

/// The PDF's pages and their text, read through the fonts' ToUnicode maps.
pub struct ReadBack {
    pub pages: usize,
    pub text: String,
    pub doc: lopdf::Document,
}

pub fn read_back(pdf: &[u8]) -> ReadBack {
    let doc = lopdf::Document::load_mem(pdf).expect("the PDF parses");
    let numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&numbers).expect("text extracts");
    ReadBack {
        pages: numbers.len(),
        text,
        doc,
    }
}

/// The text with all whitespace removed: extractors insert spaces and breaks between runs.
pub fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Decodes a QR code given as a grid of modules (`dark(x, y)`, `side` modules, no quiet zone):
/// drawn at 4 px per module with a 4-module white border and read by `rqrr`.
pub fn decode_modules(side: usize, dark: impl Fn(usize, usize) -> bool) -> Vec<String> {
    const PX: usize = 4;
    const QUIET: usize = 4;
    let w = (side + 2 * QUIET) * PX;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, w, |x, y| {
        let (mx, my) = (x / PX, y / PX);
        let inside = (QUIET..QUIET + side).contains(&mx) && (QUIET..QUIET + side).contains(&my);
        if inside && dark(mx - QUIET, my - QUIET) {
            0
        } else {
            255
        }
    });
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

/// Decodes a greyscale PNG's QR codes.
pub fn decode_png(png_bytes: &[u8]) -> (u32, u32, Vec<String>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    let (w, h) = (info.width as usize, info.height as usize);
    let step = info.line_size / w;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        buf[y * info.line_size + x * step]
    });
    let texts = img
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect();
    (info.width, info.height, texts)
}

/// Where each text object starts, as (page number, x, baseline y) in points from the top left
/// (the pages' content is drawn under a y-flipping transform, so `Tm` holds top-down values).
pub fn text_origins(doc: &lopdf::Document) -> Vec<(u32, f32, f32)> {
    let mut out = Vec::new();
    for (number, id) in doc.get_pages() {
        let Ok(content) = lopdf::content::Content::decode(&doc.get_page_content(id)) else {
            continue;
        };
        for op in content.operations.iter().filter(|op| op.operator == "Tm") {
            let num = |i: usize| op.operands.get(i).and_then(|o| o.as_float().ok());
            if let (Some(x), Some(y)) = (num(4), num(5)) {
                out.push((number, x, y));
            }
        }
    }
    out
}
