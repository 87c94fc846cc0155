//! A packed R-tree (紧凑 R 树) over the candidate index's slots: the slots are sorted along a
//! Hilbert curve of their homes when the index is (re)built, so slot `i` is the `i`-th point of
//! the tree and a leaf is simply the run of `NODE` consecutive slots. The tree stores nothing
//! per point — only one box per node (≈ 1.6 bytes a point for 16-wide nodes) — where rstar's
//! node enum costs ≈ 50 bytes a point. It is built in one pass and never changes: a removed
//! slot stays inside its leaf's box (the walk skips it) and later arrivals go to a small
//! dynamic tree beside it until the next rebuild.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Children per node (and slots per leaf).
pub const NODE: usize = 16;

/// An axis-aligned box in unit-sphere space: min x, y, z then max x, y, z.
type Bounds = [f32; 6];

const EMPTY: Bounds = [
    f32::INFINITY,
    f32::INFINITY,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NEG_INFINITY,
    f32::NEG_INFINITY,
];

fn grow(b: &mut Bounds, p: [f32; 3]) {
    for k in 0..3 {
        b[k] = b[k].min(p[k]);
        b[k + 3] = b[k + 3].max(p[k]);
    }
}

fn merge(b: &mut Bounds, o: &Bounds) {
    for k in 0..3 {
        b[k] = b[k].min(o[k]);
        b[k + 3] = b[k + 3].max(o[k + 3]);
    }
}

/// Squared distance from `q` to a point, summed in the same order as `box_d2` so that a
/// box's distance never exceeds the distance of a point inside it, even after rounding.
pub fn point_d2(p: [f32; 3], q: [f32; 3]) -> f32 {
    let d = [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

fn box_d2(b: &Bounds, q: [f32; 3]) -> f32 {
    let mut d = [0.0f32; 3];
    for k in 0..3 {
        if q[k] < b[k] {
            d[k] = b[k] - q[k];
        } else if q[k] > b[k + 3] {
            d[k] = q[k] - b[k + 3];
        }
    }
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

/// Position along a Hilbert curve of order 16 over a 65,536 × 65,536 grid: near positions are
/// near places, so runs of consecutive slots make small boxes.
pub fn hilbert(mut x: u32, mut y: u32) -> u32 {
    const N: u32 = 1 << 16;
    let mut d: u32 = 0;
    let mut s = N / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d = d.wrapping_add(s.wrapping_mul(s).wrapping_mul((3 * rx) ^ ry));
        if ry == 0 {
            if rx == 1 {
                x = N - 1 - x;
                y = N - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

/// The tree over slots `0..len`.
#[derive(Debug, Default)]
pub struct Packed {
    len: usize,
    /// Node boxes, level by level from the leaves up; the root is the last.
    boxes: Vec<Bounds>,
    /// Where each level starts in `boxes` (one more entry than levels).
    levels: Vec<usize>,
}

impl Packed {
    /// Builds the tree over `points` (slot `i` at `points(i)`), in the order given.
    pub fn build(len: usize, points: impl Fn(usize) -> [f32; 3]) -> Packed {
        let mut boxes = Vec::with_capacity(len / NODE + len / (NODE * NODE) + 8);
        let mut levels = vec![0];
        for start in (0..len).step_by(NODE) {
            let mut b = EMPTY;
            for i in start..(start + NODE).min(len) {
                grow(&mut b, points(i));
            }
            boxes.push(b);
        }
        levels.push(boxes.len());
        while levels[levels.len() - 1] - levels[levels.len() - 2] > 1 {
            let (from, to) = (levels[levels.len() - 2], levels[levels.len() - 1]);
            for start in (from..to).step_by(NODE) {
                let mut b = EMPTY;
                for child in &boxes[start..(start + NODE).min(to)] {
                    merge(&mut b, child);
                }
                boxes.push(b);
            }
            levels.push(boxes.len());
        }
        boxes.shrink_to_fit();
        Packed { len, boxes, levels }
    }

    /// How many slots the tree covers (live or not).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn heap_bytes(&self) -> usize {
        self.boxes.capacity() * std::mem::size_of::<Bounds>()
            + self.levels.capacity() * std::mem::size_of::<usize>()
    }

    /// Slots in order of distance from `q`, nearest first, with their squared chord length;
    /// `point` gives a slot's point, or None for a slot no longer in use (skipped).
    pub fn nearest<F>(&self, q: [f32; 3], point: F) -> Nearest<'_, F>
    where
        F: Fn(u32) -> Option<[f32; 3]>,
    {
        let mut heap = BinaryHeap::new();
        if let Some(root) = self.boxes.last() {
            heap.push(Reverse(item(
                box_d2(root, q),
                self.boxes.len() as u32 - 1,
                false,
            )));
        }
        Nearest {
            tree: self,
            q,
            point,
            heap,
        }
    }

    /// (level, index within the level) of a node.
    fn locate(&self, node: usize) -> (usize, usize) {
        let level = self.levels.partition_point(|start| *start <= node) - 1;
        (level, node - self.levels[level])
    }
}

/// A heap item: the squared distance's bits (non-negative floats order as their bits), then
/// what it is (top bit set: a slot; else a node).
fn item(d2: f32, what: u32, is_slot: bool) -> u64 {
    (u64::from(d2.to_bits()) << 32) | u64::from(what) | if is_slot { 1 << 31 } else { 0 }
}

/// The best-first walk of `Packed::nearest`.
pub struct Nearest<'a, F> {
    tree: &'a Packed,
    q: [f32; 3],
    point: F,
    heap: BinaryHeap<Reverse<u64>>,
}

impl<F: Fn(u32) -> Option<[f32; 3]>> Iterator for Nearest<'_, F> {
    type Item = (u32, f32);

    fn next(&mut self) -> Option<(u32, f32)> {
        while let Some(Reverse(top)) = self.heap.pop() {
            let d2 = f32::from_bits((top >> 32) as u32);
            let what = (top & 0x7fff_ffff) as u32;
            if top & (1 << 31) != 0 {
                return Some((what, d2));
            }
            let (level, j) = self.tree.locate(what as usize);
            if level == 0 {
                let end = ((j + 1) * NODE).min(self.tree.len);
                for slot in (j * NODE) as u32..end as u32 {
                    if let Some(p) = (self.point)(slot) {
                        self.heap
                            .push(Reverse(item(point_d2(p, self.q), slot, true)));
                    }
                }
            } else {
                let (from, to) = (self.tree.levels[level - 1], self.tree.levels[level]);
                let end = (from + (j + 1) * NODE).min(to);
                for child in from + j * NODE..end {
                    let d = box_d2(&self.tree.boxes[child], self.q);
                    self.heap.push(Reverse(item(d, child as u32, false)));
                }
            }
        }
        None
    }
}
