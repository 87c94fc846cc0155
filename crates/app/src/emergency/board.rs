//! The live board (指挥看板, R-EMG-2): who was called, who answered, who is on site, counts
//! against the headcount, and a plot of the incident and the called volunteers' homes drawn
//! as inline SVG from lat/lon (a local flat projection around the incident; no map tiles, so
//! it works offline and leaks nothing to a map provider). Homes appear only for volunteers
//! who consented to their location being used (R-LAW-5).

use std::fmt::Write;

use zhiyuan_domain::emergency::CallupStatus;
use zhiyuan_store::emergency::{CallupRow, IncidentRow};

use super::views::{BoardCounts, BoardView, CallupView, IncidentView};
use crate::error::AppResult;
use crate::{clock, Actor, App};

/// Side of the plot, in SVG units (it scales to the screen).
const SIDE: f64 = 360.0;
const KM_PER_DEG_LAT: f64 = 110.574;
const KM_PER_DEG_LON: f64 = 111.320;

impl App {
    /// The board of an incident and its plot (SVG markup).
    pub async fn incident_board(&self, actor: &Actor, id: &str) -> AppResult<(BoardView, String)> {
        let i = self.commanded_incident(actor, id).await?;
        let rows = self.store.callups_of(&i.id).await?;
        let now = clock::now_ms();
        let callups: Vec<CallupView> = rows.iter().map(|c| CallupView::build(c, now)).collect();
        let counts = count(i.needed, &callups);
        let svg = plot(&i, &rows, &callups);
        Ok((
            BoardView {
                incident: IncidentView::from(&i),
                counts,
                callups,
            },
            svg,
        ))
    }
}

pub(crate) fn count(needed: i64, callups: &[CallupView]) -> BoardCounts {
    let mut c = BoardCounts {
        needed,
        ..Default::default()
    };
    for v in callups {
        match CallupStatus::parse(&v.status) {
            Ok(CallupStatus::Called) => c.waiting += 1,
            Ok(CallupStatus::Accepted) => c.accepted += 1,
            Ok(CallupStatus::Declined) => c.declined += 1,
            Ok(CallupStatus::Expired) => c.expired += 1,
            Ok(CallupStatus::Cancelled) | Err(_) => c.cancelled += 1,
        }
        if v.on_site {
            c.on_site += 1;
        }
    }
    c.short = (needed - c.accepted).max(0);
    c
}

fn colour(v: &CallupView) -> &'static str {
    if v.on_site {
        return "#0b57d0";
    }
    match v.status.as_str() {
        "accepted" => "#1b7f3b",
        "called" => "#e08a00",
        _ => "#9aa0a6",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The plot: the incident at the centre, each called volunteer's home as a dot coloured by
/// their answer (on site: blue, with a line to the scene), a scale bar and a legend.
pub(crate) fn plot(i: &IncidentRow, rows: &[CallupRow], views: &[CallupView]) -> String {
    let cos = i.lat.to_radians().cos().max(0.01);
    let xy = |lat: f64, lon: f64| {
        (
            (lon - i.lon) * KM_PER_DEG_LON * cos,
            (lat - i.lat) * KM_PER_DEG_LAT,
        )
    };
    let homes: Vec<((f64, f64), &CallupView)> = rows
        .iter()
        .zip(views)
        .filter_map(|(r, v)| Some((xy(r.home_lat?, r.home_lon?), v)))
        .collect();
    // Half the side in km: the farthest home, at least 1 km, with a margin.
    let reach = homes
        .iter()
        .map(|((x, y), _)| x.abs().max(y.abs()))
        .fold(1.0f64, f64::max)
        * 1.15;
    let scale = (SIDE / 2.0) / reach;
    let px = |(x, y): (f64, f64)| (SIDE / 2.0 + x * scale, SIDE / 2.0 - y * scale);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {SIDE} {h}\" class=\"board-plot\" role=\"img\" aria-label=\"事件与志愿者位置示意图\">\
         <rect width=\"{SIDE}\" height=\"{SIDE}\" fill=\"#f8fafc\" stroke=\"#e1e4e8\"/>",
        h = SIDE + 56.0
    );
    // Rings every "nice" distance around the scene.
    let step = nice_step(reach / 2.0);
    let mut r = step;
    while r <= reach * 1.5 {
        let _ = write!(
            s,
            "<circle cx=\"{c}\" cy=\"{c}\" r=\"{rr:.1}\" fill=\"none\" stroke=\"#e1e4e8\" stroke-dasharray=\"3 3\"/>",
            c = SIDE / 2.0,
            rr = r * scale
        );
        r += step;
    }
    for ((x, y), v) in &homes {
        let (hx, hy) = px((*x, *y));
        if v.on_site {
            let _ = write!(
                s,
                "<line x1=\"{hx:.1}\" y1=\"{hy:.1}\" x2=\"{c}\" y2=\"{c}\" stroke=\"#0b57d0\" stroke-width=\"1\" opacity=\".5\"/>",
                c = SIDE / 2.0
            );
        }
        let _ = write!(
            s,
            "<circle class=\"plot-volunteer\" data-status=\"{st}\" cx=\"{hx:.1}\" cy=\"{hy:.1}\" r=\"5\" fill=\"{col}\" stroke=\"#fff\"><title>{name}（{label}）</title></circle>",
            st = esc(&v.status),
            col = colour(v),
            name = esc(&v.name),
            label = esc(&v.status_label),
        );
    }
    let c = SIDE / 2.0;
    let _ = write!(
        s,
        "<g class=\"plot-incident\"><circle cx=\"{c}\" cy=\"{c}\" r=\"9\" fill=\"#b71c1c\" opacity=\".25\"/>\
         <path d=\"M{a} {a}L{b} {b}M{a} {b}L{b} {a}\" stroke=\"#b71c1c\" stroke-width=\"3\"/><title>{t}</title></g>",
        a = c - 6.0,
        b = c + 6.0,
        t = esc(&i.title)
    );
    // Scale bar and legend under the plot.
    let bar = step * scale;
    let _ = write!(
        s,
        "<g font-size=\"11\" fill=\"#424a53\"><path d=\"M10 {y}h{bar:.1}\" stroke=\"#424a53\" stroke-width=\"2\"/>\
         <text x=\"10\" y=\"{ty}\">{label}</text>",
        y = SIDE + 12.0,
        ty = SIDE + 28.0,
        label = if step >= 1.0 { format!("{step} 公里") } else { format!("{} 米", (step * 1000.0).round()) }
    );
    let legend = [
        ("#b71c1c", "事件"),
        ("#e08a00", "待响应"),
        ("#1b7f3b", "已接受"),
        ("#0b57d0", "已到场"),
        ("#9aa0a6", "婉拒/超时"),
    ];
    for (n, (col, text)) in legend.iter().enumerate() {
        let x = 14.0 + n as f64 * 70.0;
        let _ = write!(
            s,
            "<circle cx=\"{x}\" cy=\"{y}\" r=\"4\" fill=\"{col}\"/><text x=\"{tx}\" y=\"{ty}\">{text}</text>",
            y = SIDE + 44.0,
            tx = x + 7.0,
            ty = SIDE + 48.0
        );
    }
    s.push_str("</g></svg>");
    s
}

/// 1, 2 or 5 times a power of ten, at least `x` (km).
fn nice_step(x: f64) -> f64 {
    let x = x.max(0.05);
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= x)
        .unwrap_or(10.0 * p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(3.2), 5.0);
        assert_eq!(nice_step(12.0), 20.0);
    }
}
