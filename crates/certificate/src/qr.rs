//! QR codes (二维码): the verification link printed on a certificate, and inline SVG or PNG for
//! pages such as the rotating check-in code on an officer's phone.
//!
//! Level M error correction (15 %) survives a creased or slightly soiled printout while keeping
//! the modules large; a quiet zone of four modules is part of every image, as the standard asks.

use qrcode::{EcLevel, QrCode};

use crate::CertificateError;

/// Modules of white border on each side (ISO/IEC 18004 quiet zone).
pub(crate) const QUIET_ZONE: usize = 4;
/// Largest image side accepted, in pixels: a phone screen needs far less.
pub const MAX_QR_SIZE_PX: u32 = 4096;
/// Longest text accepted, in bytes; a version-40 code at level M holds 2,331 bytes, but such a
/// dense code no longer scans from a printout or a screen.
pub const MAX_QR_TEXT_BYTES: usize = 1024;

/// A square grid of modules, `true` for dark, without the quiet zone.
pub(crate) struct QrMatrix {
    pub(crate) width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    pub(crate) fn encode(text: &str) -> Result<Self, CertificateError> {
        if text.is_empty() {
            return Err(CertificateError::QrEncode("内容为空".into()));
        }
        if text.len() > MAX_QR_TEXT_BYTES {
            return Err(CertificateError::QrEncode(format!(
                "内容超过 {MAX_QR_TEXT_BYTES} 字节"
            )));
        }
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|e| CertificateError::QrEncode(e.to_string()))?;
        Ok(QrMatrix {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect(),
        })
    }

    /// Side in modules including the quiet zone on both sides.
    pub(crate) fn side_with_quiet_zone(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// Horizontal runs of dark modules as (x, y, length), in module units without quiet zone.
    /// Drawing runs instead of single modules keeps SVG and PDF paths several times smaller.
    pub(crate) fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((start, y, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }
}

fn check_size(size_px: u32) -> Result<(), CertificateError> {
    if size_px == 0 || size_px > MAX_QR_SIZE_PX {
        return Err(CertificateError::QrSize {
            size_px,
            min: 1,
            max: MAX_QR_SIZE_PX,
        });
    }
    Ok(())
}

/// An inline `<svg>` element of `size_px` × `size_px` showing `text` as a QR code.
///
/// The `viewBox` counts modules (quiet zone included), so the code stays sharp at any CSS
/// size; `shape-rendering="crispEdges"` stops browsers from blurring module edges.
pub fn qr_svg(text: &str, size_px: u32) -> Result<String, CertificateError> {
    check_size(size_px)?;
    let matrix = QrMatrix::encode(text)?;
    let side = matrix.side_with_quiet_zone();
    let runs = matrix.dark_runs();
    let mut path = String::with_capacity(runs.len() * 16);
    for (x, y, len) in runs {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = write!(
            path,
            "M{} {}h{}v1h-{}z",
            x + QUIET_ZONE,
            y + QUIET_ZONE,
            len,
            len
        );
    }
    Ok(format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" "#,
            r#"viewBox="0 0 {side} {side}" shape-rendering="crispEdges" role="img" aria-label="二维码">"#,
            r##"<rect width="{side}" height="{side}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{path}"/></svg>"##
        ),
        size = size_px,
        side = side,
        path = path
    ))
}

/// A greyscale PNG of exactly `size_px` × `size_px` showing `text` as a QR code.
///
/// Modules are a whole number of pixels each (no blurry edges); the rest of the side is extra
/// white border. Fails when `size_px` is smaller than one pixel per module.
pub fn qr_png(text: &str, size_px: u32) -> Result<Vec<u8>, CertificateError> {
    check_size(size_px)?;
    let matrix = QrMatrix::encode(text)?;
    let side = matrix.side_with_quiet_zone();
    let size = size_px as usize;
    let scale = size / side;
    if scale == 0 {
        return Err(CertificateError::QrSize {
            size_px,
            min: u32::try_from(side).unwrap_or(u32::MAX),
            max: MAX_QR_SIZE_PX,
        });
    }
    let offset = (size - side * scale) / 2 + QUIET_ZONE * scale;
    let mut pixels = vec![255u8; size * size];
    for (x, y, len) in matrix.dark_runs() {
        for row in 0..scale {
            let py = offset + y * scale + row;
            let px = offset + x * scale;
            let start = py * size + px;
            if let Some(slice) = pixels.get_mut(start..start + len * scale) {
                slice.fill(0);
            }
        }
    }
    let mut out = Vec::with_capacity(size * size / 8 + 128);
    let mut encoder = png::Encoder::new(&mut out, size_px, size_px);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let png_error = |e: png::EncodingError| CertificateError::Png(e.to_string());
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(&pixels).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let m = QrMatrix::encode("https://zhiyuan.example/verify/abc").expect("encodes");
        let from_runs: usize = m.dark_runs().iter().map(|r| r.2).sum();
        let direct = m.dark.iter().filter(|d| **d).count();
        assert_eq!(from_runs, direct);
        assert_eq!(m.dark.len(), m.width * m.width);
    }

    #[test]
    fn bad_sizes_and_texts_are_errors_not_panics() {
        assert!(matches!(
            qr_svg("x", 0),
            Err(CertificateError::QrSize { .. })
        ));
        assert!(matches!(
            qr_svg("x", MAX_QR_SIZE_PX + 1),
            Err(CertificateError::QrSize { .. })
        ));
        assert!(matches!(
            qr_svg("", 100),
            Err(CertificateError::QrEncode(_))
        ));
        let huge = "a".repeat(MAX_QR_TEXT_BYTES + 1);
        assert!(matches!(
            qr_png(&huge, 100),
            Err(CertificateError::QrEncode(_))
        ));
        // 21 modules + 8 quiet = 29: 28 px is less than a pixel per module.
        assert!(matches!(
            qr_png("x", 28),
            Err(CertificateError::QrSize { min: 29, .. })
        ));
    }
}
