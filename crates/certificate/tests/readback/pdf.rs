//! The certificate PDF read back as a verifier would: it parses, its text (via ToUnicode)
//! holds the R-LAW-4 content, the font is an embedded subset and the file stays small.

use crate::common::{read_back, squeezed, text_origins, typical};
use lopdf::Object;
use zhiyuan_certificate::{render_pdf, unsupported_chars, CertificateError, MAX_PAGES};

#[test]
fn typical_certificate_reads_back_its_content() {
    let data = typical();
    let pdf = render_pdf(&data).expect("renders");
    assert!(pdf.starts_with(b"%PDF-"));
    let back = read_back(&pdf);
    assert_eq!(back.pages, 1);
    let text = squeezed(&back.text);
    for needle in [
        "志愿服务证明",
        "张建国",
        "36.5",
        "ZYZM-2026-150502-000042",
        "1505**********123X",
        "NM150502-000123",
        "居民身份证",
        "2026年1月1日至2026年11月23日",
        "牵手夕阳·探望空巢老人，2026年8月5日，6小时",
        "科尔沁区退役军人服务中心志愿服务队",
        "负责人：李卫东",
        "经办人：王晓梅",
        "联系方式：0475-8212345",
        "出具日期：2026年11月23日",
        "备注：时长为实际服务时间，不含往返路程。",
        "扫码验证",
        "特此证明",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }
}

#[test]
fn typical_certificate_is_small_with_a_subset_font() {
    let pdf = render_pdf(&typical()).expect("renders");
    assert!(pdf.len() < 300 * 1024, "{} bytes", pdf.len());
    let back = read_back(&pdf);
    let mut fonts = 0;
    for object in back.doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        if dict.get(b"Type").and_then(Object::as_name).ok() != Some(b"FontDescriptor") {
            continue;
        }
        fonts += 1;
        // A subset carries a six-letter tag before its name (ABCDEF+Name).
        let name = dict
            .get(b"FontName")
            .and_then(Object::as_name)
            .expect("font name");
        assert_eq!(
            name.get(6),
            Some(&b'+'),
            "{}",
            String::from_utf8_lossy(name)
        );
        let file = dict
            .get(b"FontFile3")
            .or_else(|_| dict.get(b"FontFile2"))
            .and_then(Object::as_reference)
            .expect("the font is embedded");
        let stream = back
            .doc
            .get_object(file)
            .and_then(Object::as_stream)
            .expect("font stream");
        // The bundled font is ~2.2 MB; the embedded subset of ~120 glyphs is a few dozen KB.
        assert!(
            stream.content.len() < 100 * 1024,
            "{} bytes",
            stream.content.len()
        );
    }
    assert_eq!(fonts, 1, "one CJK font, embedded once");
    // Text is extractable because the composite font maps its glyphs back to Unicode.
    let type0 = back
        .doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .find(|d| d.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0"))
        .expect("a Type0 (CID) font");
    assert!(type0.get(b"ToUnicode").is_ok(), "ToUnicode map present");
}

#[test]
fn output_is_pdf_a_and_deterministic() {
    let a = render_pdf(&typical()).expect("renders");
    let b = render_pdf(&typical()).expect("renders");
    assert_eq!(a, b, "same certificate, same bytes");
    let xmp = String::from_utf8_lossy(&a);
    assert!(
        xmp.contains("pdfaid:part") || xmp.contains("<pdfaid:part>"),
        "PDF/A identification"
    );
}

#[test]
fn two_hundred_service_lines_continue_on_further_pages_within_bounds() {
    let mut data = typical();
    data.content_lines = (1..=200)
        .map(|i| {
            format!(
                "第{i}次活动：老兵不老·青少年国防教育讲座，2026年3月{}日，2小时",
                i % 28 + 1
            )
        })
        .collect();
    let pdf = render_pdf(&data).expect("renders");
    assert!(pdf.len() < 300 * 1024, "{} bytes", pdf.len());
    let back = read_back(&pdf);
    assert!(
        back.pages > 1 && back.pages <= MAX_PAGES,
        "{} pages",
        back.pages
    );
    let text = squeezed(&back.text);
    let shown = (1..=200)
        .filter(|i| text.contains(&format!("第{i}次活动")))
        .count();
    let omitted = (0..=200)
        .find(|n| text.contains(&format!("另有{n}条服务记录")))
        .unwrap_or(0);
    assert_eq!(shown + omitted, 200, "every line is shown or counted");
    assert!(
        text.contains(&format!("共{}页", back.pages)),
        "page numbers"
    );
    assert!(text.contains("志愿服务证明（续页）"));
    // The closing block comes once, after the table.
    assert_eq!(text.matches("扫码验证").count(), 1);
    assert!(text.find("第200次活动").or(text.find("另有")) < text.find("特此证明"));
}

#[test]
fn thousands_of_lines_are_summarised_not_dropped() {
    let mut data = typical();
    data.content_lines = (1..=5000).map(|i| format!("第{i}次活动，2小时")).collect();
    let pdf = render_pdf(&data).expect("renders");
    assert!(pdf.len() < 300 * 1024, "{} bytes", pdf.len());
    let back = read_back(&pdf);
    assert_eq!(back.pages, MAX_PAGES);
    let text = squeezed(&back.text);
    let shown = (1..=5000)
        .filter(|i| text.contains(&format!("第{i}次活动，")))
        .count();
    assert!(
        text.contains(&format!("另有{}条服务记录未在此列出", 5000 - shown)),
        "{shown} shown"
    );
}

#[test]
fn a_name_outside_the_bundled_font_is_boxed_and_explained() {
    let mut data = typical();
    // 𠀀 (U+20000, CJK Ext. B) and 䶮 (U+4DAE, Ext. A) are not in the bundled font.
    data.volunteer_name = "王𠀀䶮".into();
    data.notes = String::new();
    assert_eq!(
        unsupported_chars(&data.volunteer_name),
        Ok(vec!['𠀀', '䶮'])
    );
    assert_eq!(
        unsupported_chars("张喆堃"),
        Ok(vec![]),
        "common name characters are shipped"
    );
    let pdf = render_pdf(&data).expect("a rare character must not fail the certificate");
    let back = read_back(&pdf);
    let text = squeezed(&back.text);
    assert!(text.contains("兹证明王"), "{text}");
    assert!(
        text.contains("U+4DAE") && text.contains("U+20000"),
        "{text}"
    );
    assert!(text.contains("超出内置字库"));
    assert!(text.contains("36.5"));
}

#[test]
fn empty_service_list_and_all_records_period_read_naturally() {
    let mut data = typical();
    data.content_lines.clear();
    data.period = "全部".into();
    data.notes.clear();
    let text = squeezed(&read_back(&render_pdf(&data).expect("renders")).text);
    assert!(
        text.contains("截至2026年11月23日累计志愿服务时长36.5小时"),
        "{text}"
    );
    assert!(text.contains("本期间无服务记录"));
    assert!(text.contains("备注：无"));
}

#[test]
fn hostile_text_does_not_break_the_layout() {
    let mut data = typical();
    data.volunteer_name = "阿依古丽·买买提\n\t\u{0}\u{202E}😀".into();
    data.issuer = "某".repeat(100);
    data.title = "关于某某同志参加退役军人志愿服务队志愿服务活动情况的证明".into();
    data.content_lines = vec!["x".repeat(300), "服".repeat(300)];
    data.notes = "备".repeat(1000);
    let pdf = render_pdf(&data).expect("renders");
    let text = squeezed(&read_back(&pdf).text);
    assert!(text.contains("阿依古丽·买买提"));
    assert!(text.contains("U+1F600"), "emoji boxed and named");
}

#[test]
fn invalid_certificates_are_refused_with_the_field() {
    let mut data = typical();
    data.id_number_masked = "15050219900101123X".into();
    let err = render_pdf(&data).expect_err("unmasked ID");
    assert_eq!(err, CertificateError::UnmaskedIdNumber);
    let mut data = typical();
    data.certificate_no = "  ".into();
    let err = render_pdf(&data).expect_err("no number");
    assert_eq!(err.field(), Some("certificate_no"));
    assert_eq!(err.to_string(), "缺少必填项：certificate_no");
}

/// A4 is 595 × 842 pt; the text block runs 72 pt from each side and ends 80 pt above the bottom,
/// where the footer line (certificate number, page n of N) sits alone.
fn assert_text_inside_the_frame(pdf: &[u8]) {
    let back = read_back(pdf);
    let origins = text_origins(&back.doc);
    assert!(!origins.is_empty());
    for (page, x, y) in origins {
        assert!(
            (71.0..=523.0).contains(&x),
            "page {page}: text starts at x = {x}"
        );
        let in_block = (76.0..=762.0).contains(&y);
        let footer = (780.0..=795.0).contains(&y);
        assert!(in_block || footer, "page {page}: baseline at y = {y}");
    }
}

#[test]
fn text_stays_inside_the_frame_whatever_the_content() {
    let mut cases = vec![typical()];
    let mut long = typical();
    long.content_lines = (1..=200).map(|i| format!("第{i}次活动，2小时")).collect();
    cases.push(long);
    let mut wordy = typical();
    wordy.notes = "备注内容较长。".repeat(140);
    wordy.issuer = "某".repeat(100);
    wordy.content_lines = (1..=23)
        .map(|i| format!("{i}：{}", "服务".repeat(40)))
        .collect();
    cases.push(wordy);
    let mut maximal = typical();
    for field in [
        &mut maximal.volunteer_name,
        &mut maximal.id_type,
        &mut maximal.volunteer_no,
        &mut maximal.period,
        &mut maximal.total_hours,
    ] {
        *field = "长".repeat(zhiyuan_certificate::MAX_FIELD_CHARS);
    }
    maximal.id_number_masked = format!("1505{}", "*".repeat(96));
    cases.push(maximal);
    for data in cases {
        assert_text_inside_the_frame(&render_pdf(&data).expect("renders"));
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Any text at all (controls, emoji, rare characters, right-to-left marks) in any field
    /// yields a PDF that parses: never a panic, never a validation failure.
    #[test]
    fn any_text_renders_to_a_parsable_pdf(
        name in proptest::collection::vec(proptest::prelude::any::<char>(), 0..30),
        issuer in proptest::collection::vec(proptest::prelude::any::<char>(), 0..60),
        lines in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<char>(), 0..80), 0..40),
    ) {
        let mut data = typical();
        data.volunteer_name = format!("张{}", name.iter().collect::<String>());
        data.issuer = format!("队{}", issuer.iter().collect::<String>());
        data.content_lines = lines.iter().map(|l| l.iter().collect()).collect();
        let pdf = render_pdf(&data).expect("renders");
        let back = read_back(&pdf);
        proptest::prop_assert!(back.pages >= 1);
        proptest::prop_assert!(squeezed(&back.text).contains("36.5"));
    }
}
