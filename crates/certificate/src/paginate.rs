//! Which service rows go on which page (分页), kept apart from drawing so it can be tested.
//!
//! Rows flow down page 1 under the proof sentence, then onto continuation pages, each with the
//! table head repeated; the closing block (特此证明, notes, QR, issuer, seal) follows the last row,
//! on a page of its own if it doesn't fit. If that would take more than `max_pages`, as many rows
//! as fit are kept and one summary row says how many more there are (以扫码核验为准).

use std::ops::Range;

/// One page: the rows it shows, whether the summary row ends its table, whether it closes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PagePlan {
    pub(crate) rows: Range<usize>,
    pub(crate) summary: bool,
    pub(crate) closing: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Plan {
    pub(crate) pages: Vec<PagePlan>,
    /// Rows not shown (counted by the summary row).
    pub(crate) omitted: usize,
}

/// Space available below the page headers, and the heights of the fixed parts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Space {
    pub(crate) first_page: f32,
    pub(crate) other_pages: f32,
    pub(crate) table_head: f32,
    pub(crate) closing: f32,
    pub(crate) summary_row: f32,
}

/// `heights` are the measured rows, a prefix of `total` rows (rows beyond what could ever be
/// shown are not measured). `max_pages` is at least 2 in practice; with less, the plan may
/// exceed it rather than lose the closing block.
pub(crate) fn paginate(heights: &[f32], total: usize, space: Space, max_pages: usize) -> Plan {
    let total = total.max(heights.len());
    if total == heights.len() {
        let pages = flow(heights, false, space);
        if pages.len() <= max_pages {
            return Plan { pages, omitted: 0 };
        }
    }
    // Fewer rows never need more pages, so search for the most that fit with a summary row.
    let (mut lo, mut hi) = (0, heights.len().min(total.saturating_sub(1)));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if flow(&heights[..mid], true, space).len() <= max_pages {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Plan {
        pages: flow(&heights[..lo], true, space),
        omitted: total - lo,
    }
}

fn flow(heights: &[f32], with_summary: bool, space: Space) -> Vec<PagePlan> {
    let mut pages = Vec::new();
    let mut cap = space.first_page;
    let mut used = 0.0;
    let mut start = 0;
    let mut table_open = false;
    let items = heights.len() + usize::from(with_summary);
    for i in 0..items {
        let h = heights.get(i).copied().unwrap_or(space.summary_row);
        let mut need = h + if table_open { 0.0 } else { space.table_head };
        // A page always takes at least one row, so an oversized row can't loop forever.
        if table_open && used + need > cap {
            pages.push(PagePlan {
                rows: start..i.min(heights.len()),
                summary: false,
                closing: false,
            });
            cap = space.other_pages;
            used = 0.0;
            start = i.min(heights.len());
            need = h + space.table_head;
        }
        used += need;
        table_open = true;
    }
    let rows = start..heights.len();
    if used + space.closing <= cap || !table_open {
        pages.push(PagePlan {
            rows,
            summary: with_summary,
            closing: true,
        });
    } else {
        pages.push(PagePlan {
            rows,
            summary: with_summary,
            closing: false,
        });
        pages.push(PagePlan {
            rows: heights.len()..heights.len(),
            summary: false,
            closing: true,
        });
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPACE: Space = Space {
        first_page: 300.0,
        other_pages: 600.0,
        table_head: 20.0,
        closing: 200.0,
        summary_row: 26.0,
    };

    fn check_fits(plan: &Plan, heights: &[f32]) {
        for (i, page) in plan.pages.iter().enumerate() {
            let cap = if i == 0 {
                SPACE.first_page
            } else {
                SPACE.other_pages
            };
            let mut used: f32 = heights[page.rows.clone()].iter().sum();
            if page.summary {
                used += SPACE.summary_row;
            }
            if !page.rows.is_empty() || page.summary {
                used += SPACE.table_head;
            }
            if page.closing {
                used += SPACE.closing;
            }
            assert!(used <= cap + 0.01, "page {i} overflows: {used} > {cap}");
        }
        assert!(plan.pages.last().is_some_and(|p| p.closing));
        assert_eq!(plan.pages.iter().filter(|p| p.closing).count(), 1);
    }

    #[test]
    fn a_short_list_fits_on_one_page() {
        let heights = [26.0; 2];
        let plan = paginate(&heights, 2, SPACE, 12);
        assert_eq!(plan.pages.len(), 1);
        assert_eq!(plan.pages[0].rows, 0..2);
        assert_eq!(plan.omitted, 0);
        check_fits(&plan, &heights);
    }

    #[test]
    fn rows_flow_onto_continuation_pages_in_order() {
        let heights = vec![26.0; 60];
        let plan = paginate(&heights, 60, SPACE, 12);
        assert!(plan.pages.len() >= 3, "{plan:?}");
        let mut next = 0;
        for page in &plan.pages {
            assert_eq!(page.rows.start, next, "rows contiguous and in order");
            next = page.rows.end;
        }
        assert_eq!(next, 60);
        check_fits(&plan, &heights);
    }

    #[test]
    fn the_closing_block_gets_its_own_page_when_the_last_one_is_full() {
        // 10 rows fill page 1 so the closing block (200) can't follow.
        let heights = vec![26.0; 10];
        let plan = paginate(&heights, 10, SPACE, 12);
        assert_eq!(plan.pages.len(), 2);
        assert!(!plan.pages[0].closing);
        assert_eq!(plan.pages[1].rows, 10..10);
        assert!(plan.pages[1].closing);
        check_fits(&plan, &heights);
    }

    #[test]
    fn too_many_rows_are_summarised_within_the_page_limit() {
        let heights = vec![26.0; 500];
        let plan = paginate(&heights, 500, SPACE, 4);
        assert_eq!(plan.pages.len(), 4);
        assert!(plan.omitted > 0);
        let shown: usize = plan.pages.iter().map(|p| p.rows.len()).sum();
        assert_eq!(shown + plan.omitted, 500);
        let summary_pages: Vec<_> = plan.pages.iter().filter(|p| p.summary).collect();
        assert_eq!(summary_pages.len(), 1, "exactly one summary row");
        check_fits(&plan, &heights);
        // One more row would not have fitted: the limit is used fully.
        let more = flow(&heights[..shown + 1], true, SPACE);
        assert!(more.len() > 4);
    }

    #[test]
    fn unmeasured_rows_count_as_omitted() {
        let heights = vec![26.0; 5];
        let plan = paginate(&heights, 1000, SPACE, 12);
        assert_eq!(plan.omitted, 995);
        assert!(plan.pages.iter().any(|p| p.summary));
    }

    #[test]
    fn oversized_rows_and_negative_space_do_not_loop_or_panic() {
        let space = Space {
            first_page: -50.0,
            ..SPACE
        };
        let plan = paginate(&[900.0, 900.0], 2, space, 12);
        assert!(plan.pages.len() >= 2);
        assert!(plan.pages.last().is_some_and(|p| p.closing));
    }
}
