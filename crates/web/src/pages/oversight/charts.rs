//! Charts as inline SVG, drawn on the server: no script, no CDN, nothing to download. Each
//! chart carries an accessible name (`<title>`) and a one-line summary (`<desc>`), is scaled
//! by its `viewBox` to the width of a phone or a desk, and comes with the same figures as a
//! table for those who would rather read numbers.

use std::fmt::Write;

/// One chart and its data table.
#[derive(Clone, Debug)]
pub struct Chart {
    pub id: String,
    pub title: String,
    /// The SVG markup (already escaped; templates insert it with `|safe`).
    pub svg: String,
    /// Column heads of the data table: the label's and the value's.
    pub heads: (String, String),
    /// (label, value as shown, link) of each row.
    pub rows: Vec<(String, String, Option<String>)>,
}

/// One bar or point: label, value, where the label links to (drill-down).
#[derive(Clone, Debug)]
pub struct Datum {
    pub label: String,
    pub value: f64,
    pub link: Option<String>,
}

impl Datum {
    pub fn new(label: impl Into<String>, value: f64) -> Datum {
        Datum {
            label: label.into(),
            value,
            link: None,
        }
    }
}

const BAR: &str = "#b71c1c";
const LINE: &str = "#0b57d0";
const GRID: &str = "#e1e4e8";
const INK: &str = "#1f2328";
const MUTED: &str = "#6a737d";

/// Escapes text for SVG/HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A value as shown: whole numbers without decimals, others with up to two.
pub fn show(v: f64) -> String {
    if !v.is_finite() {
        return "—".to_owned();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A "nice" axis maximum and step (1, 2 or 5 times a power of ten) for values up to `max`.
fn axis(max: f64) -> (f64, f64) {
    if !max.is_finite() || max <= 0.0 {
        return (4.0, 1.0);
    }
    let rough = max / 4.0;
    let mag = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * mag);
    let step = if max <= 4.0 && step < 1.0 { 1.0 } else { step };
    ((max / step).ceil().max(1.0) * step, step)
}

/// Cuts a label to `n` characters (with …) so it fits beside its bar.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut c: String = s.chars().take(n.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}

fn open(out: &mut String, id: &str, w: u32, h: u32, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg class=\"chart\" id=\"{id}\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-labelledby=\"{id}-t {id}-d\" xmlns=\"http://www.w3.org/2000/svg\" \
         font-family=\"system-ui, sans-serif\" font-size=\"14\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>",
        esc(title),
        esc(desc)
    );
}

fn summary(data: &[Datum], unit: &str) -> String {
    if data.is_empty() {
        return "暂无数据".to_owned();
    }
    let parts: Vec<String> = data
        .iter()
        .take(40)
        .map(|d| format!("{} {}{unit}", d.label, show(d.value)))
        .collect();
    parts.join("；")
}

fn empty(out: &mut String, w: u32, h: u32) {
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{MUTED}\" font-size=\"14\">暂无数据</text>",
        w / 2,
        h / 2
    );
}

fn table(data: &[Datum], unit: &str) -> Vec<(String, String, Option<String>)> {
    data.iter()
        .map(|d| {
            (
                d.label.clone(),
                format!("{}{unit}", show(d.value)),
                d.link.clone(),
            )
        })
        .collect()
}

/// Gridlines and value labels of a vertical axis from `top` to `bottom` (pixels).
fn y_grid(out: &mut String, left: f64, right: f64, top: f64, bottom: f64, max: f64, step: f64) {
    let mut v = 0.0;
    while v <= max + step / 2.0 {
        let y = bottom - (bottom - top) * v / max;
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{right}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{MUTED}\">{}</text>",
            left - 6.0,
            y + 4.0,
            show(v)
        );
        v += step;
    }
}

/// Vertical bars (months, age bands): short labels under each bar.
pub fn bars(id: &str, title: &str, unit: &str, heads: (&str, &str), data: &[Datum]) -> Chart {
    let (w, h) = (480u32, 250u32);
    let (left, right, top, bottom) = (46.0, 472.0, 18.0, 214.0);
    let mut out = String::new();
    open(&mut out, id, w, h, title, &summary(data, unit));
    if data.is_empty() {
        empty(&mut out, w, h);
    } else {
        let (max, step) = axis(data.iter().map(|d| d.value).fold(0.0, f64::max));
        y_grid(&mut out, left, right, top, bottom, max, step);
        let slot = (right - left) / data.len() as f64;
        let bw = (slot * 0.62).max(2.0);
        for (i, d) in data.iter().enumerate() {
            let x = left + slot * i as f64 + (slot - bw) / 2.0;
            let bh = ((bottom - top) * d.value.max(0.0) / max).max(0.0);
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\" fill=\"{BAR}\">\
                 <title>{}：{}{}</title></rect>",
                bottom - bh,
                esc(&d.label),
                show(d.value),
                esc(unit)
            );
            if data.len() <= 16 && d.value > 0.0 {
                let _ = write!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\" font-size=\"11\">{}</text>",
                    x + bw / 2.0,
                    bottom - bh - 4.0,
                    show(d.value)
                );
            }
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
                x + bw / 2.0,
                bottom + 20.0,
                esc(&clip(&d.label, if data.len() > 8 { 3 } else { 6 }))
            );
        }
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{right}\" y1=\"{bottom}\" y2=\"{bottom}\" stroke=\"{INK}\"/>"
        );
    }
    out.push_str("</svg>");
    Chart {
        id: id.to_owned(),
        title: title.to_owned(),
        svg: out,
        heads: (heads.0.to_owned(), heads.1.to_owned()),
        rows: table(data, unit),
    }
}

/// Horizontal bars (child nodes, projects): long Chinese names fit on the left.
pub fn hbars(id: &str, title: &str, unit: &str, heads: (&str, &str), data: &[Datum]) -> Chart {
    let row = 28u32;
    let w = 480u32;
    let h = (data.len() as u32 * row + 28).max(80);
    let (left, right) = (124.0, 420.0);
    let mut out = String::new();
    open(&mut out, id, w, h, title, &summary(data, unit));
    if data.is_empty() {
        empty(&mut out, w, h);
    } else {
        let (max, _) = axis(data.iter().map(|d| d.value).fold(0.0, f64::max));
        for (i, d) in data.iter().enumerate() {
            let y = 12.0 + (row * i as u32) as f64;
            let bw = ((right - left) * d.value.max(0.0) / max).max(0.0);
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{INK}\">{}</text>\
                 <rect x=\"{left}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{}\" fill=\"{BAR}\">\
                 <title>{}：{}{}</title></rect>\
                 <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{INK}\">{}</text>",
                left - 8.0,
                y + 13.0,
                esc(&clip(&d.label, 8)),
                row - 8,
                esc(&d.label),
                show(d.value),
                esc(unit),
                left + bw + 6.0,
                y + 13.0,
                show(d.value)
            );
        }
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{left}\" y1=\"8\" y2=\"{}\" stroke=\"{INK}\"/>",
            h - 12
        );
    }
    out.push_str("</svg>");
    Chart {
        id: id.to_owned(),
        title: title.to_owned(),
        svg: out,
        heads: (heads.0.to_owned(), heads.1.to_owned()),
        rows: table(data, unit),
    }
}

/// A line over time (activities per month), with a dot per point.
pub fn line(id: &str, title: &str, unit: &str, heads: (&str, &str), data: &[Datum]) -> Chart {
    let (w, h) = (480u32, 240u32);
    let (left, right, top, bottom) = (46.0, 464.0, 18.0, 204.0);
    let mut out = String::new();
    open(&mut out, id, w, h, title, &summary(data, unit));
    if data.is_empty() {
        empty(&mut out, w, h);
    } else {
        let (max, step) = axis(data.iter().map(|d| d.value).fold(0.0, f64::max));
        y_grid(&mut out, left, right, top, bottom, max, step);
        let n = data.len().max(2) - 1;
        let at = |i: usize, v: f64| {
            (
                left + (right - left) * i as f64 / n as f64,
                bottom - (bottom - top) * v.max(0.0) / max,
            )
        };
        let points: Vec<String> = (data.iter().enumerate())
            .map(|(i, d)| {
                let (x, y) = at(i, d.value);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = write!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{LINE}\" stroke-width=\"2.5\"/>",
            points.join(" ")
        );
        for (i, d) in data.iter().enumerate() {
            let (x, y) = at(i, d.value);
            let _ = write!(
                out,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{LINE}\"><title>{}：{}{}</title></circle>\
                 <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
                esc(&d.label),
                show(d.value),
                esc(unit),
                bottom + 18.0,
                esc(&clip(&d.label, 6))
            );
        }
    }
    out.push_str("</svg>");
    Chart {
        id: id.to_owned(),
        title: title.to_owned(),
        svg: out,
        heads: (heads.0.to_owned(), heads.1.to_owned()),
        rows: table(data, unit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_nice() {
        assert_eq!(axis(0.0), (4.0, 1.0));
        assert_eq!(axis(3.0), (3.0, 1.0));
        assert_eq!(axis(17.0), (20.0, 5.0));
        assert_eq!(axis(101.0), (150.0, 50.0));
        assert_eq!(axis(0.3), (1.0, 1.0));
    }

    #[test]
    fn labels_are_escaped_and_charts_are_titled() {
        let data = vec![Datum::new("<script>&\"", 3.0), Datum::new("二月", 1.5)];
        for c in [
            bars("c1", "标题<b>", "小时", ("月份", "时长"), &data),
            hbars("c2", "标题", "人", ("地区", "人数"), &data),
            line("c3", "标题", "次", ("月份", "次数"), &data),
        ] {
            assert!(!c.svg.contains("<script>"), "{}", c.svg);
            assert!(c.svg.contains("&lt;script&gt;&amp;&quot;"));
            assert!(c.svg.contains("role=\"img\""));
            assert!(c.svg.contains(&format!("<title id=\"{}-t\">", c.id)));
            assert!(c.svg.ends_with("</svg>"));
            assert_eq!(c.rows.len(), 2);
        }
        assert_eq!(show(1.5), "1.5");
        assert_eq!(show(2.0), "2");
        assert_eq!(show(1.25), "1.25");
    }

    #[test]
    fn an_empty_chart_says_so() {
        let c = bars("e", "空", "", ("a", "b"), &[]);
        assert!(c.svg.contains("暂无数据"));
        assert!(c.rows.is_empty());
    }
}
