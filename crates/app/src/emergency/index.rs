//! The candidate index (候选人索引): every active volunteer with a consented home location, in
//! memory, for "who is nearest and has these skills" in a few milliseconds at a million
//! volunteers, in ≈ 90 bytes a volunteer.
//!
//! - One fixed-size record (`Slot`, 64 bytes) per volunteer: the id as 128 bits (the app's
//!   ids are uuid v7 in 32 hex digits; any other id text sits in a side table), the home in
//!   degrees (exact distances: the domain's haversine) and as a point on the unit sphere in
//!   `f32` (the straight-line (chord) distance grows with the great-circle distance, so a
//!   nearest-first walk by chord is great-circle order), the org as an index into the
//!   interned org paths, the first 64 skills of the interned vocabulary as bits (rarer ones in
//!   a side table), and the row's version.
//! - Slots are kept in Hilbert-curve order of their homes, so a packed R-tree
//!   (`packed.rs`) needs only one box per 16 slots; volunteers added or moved since the last
//!   rebuild live in a small `rstar` tree beside it, and the walk merges the two.
//! - Id → slot is one hash table of slot numbers hashed by the slot's own id bits (no second
//!   copy of the ids); per org and per skill a sorted `Vec<u32>` of slots, so a small scope or
//!   a rare skill is answered by scanning just those instead of walking the tree. Lists may
//!   keep stale slots after removals: every candidate is checked against its record anyway.
//! - The walk stops once `limit` matches are in hand and the next home is farther than every
//!   distance that could still tie with the last of them (0.1 km steps, see
//!   `domain::emergency::distance_bucket`); it returns every match up to that step so the
//!   caller can break ties (detachment, call-ups this year) exactly.
//!
//! Writing (start-up load, upserts, removals, rebuilds) is in `index_build.rs`.

use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::ops::Bound;

use hashbrown::HashTable;
use rstar::{PointDistance, RStarInsertionStrategy, RTree, RTreeObject, RTreeParams, AABB};
use zhiyuan_domain::emergency::{distance_bucket, TIE_KM};
use zhiyuan_domain::volunteer::EARTH_RADIUS_KM;
use zhiyuan_domain::GeoPoint;

use self::packed::Packed;

#[path = "index_build.rs"]
mod build;
#[path = "packed.rs"]
mod packed;

/// Below this many holders (or scope members), scan them instead of walking the tree.
const SCAN_MAX: usize = 2_000;
/// Homes the walk may visit before it gives up and scans the smaller of scope and skill.
const WALK_BUDGET: usize = 100_000;
/// A tree walk costs about this many scanned homes per home visited.
const WALK_COST: f64 = 1.0;
/// Largest error of the tree's single-precision distances, in km (generous: ~1 m in fact).
const WALK_SLACK_KM: f64 = 0.01;
/// Skills held as bits in the record; the vocabulary's later ones go to a side table.
pub(super) const SKILL_BITS: u32 = 64;
/// `Slot::org` of a slot not in use.
pub(super) const FREE: u32 = u32::MAX;

/// What the index keeps of a volunteer.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexedVolunteer {
    pub id: String,
    pub org_path: String,
    pub home: GeoPoint,
    pub skills: Vec<String>,
    pub version: i64,
}

/// One match: who and how far.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub volunteer_id: String,
    pub distance_km: f64,
}

/// A search: from where, within which org subtree, with which skills, leaving out whom.
pub struct Search<'a> {
    pub at: GeoPoint,
    pub scope_path: &'a str,
    pub skills: &'a [String],
    pub exclude: &'a HashSet<String>,
    pub limit: usize,
}

/// Wider nodes than rstar's default (6) for the tree of recent arrivals.
pub(super) struct Params;

impl RTreeParams for Params {
    const MIN_SIZE: usize = 8;
    const MAX_SIZE: usize = 20;
    const REINSERTION_COUNT: usize = 5;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

/// A recent arrival's point in the dynamic tree.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct TreePoint {
    pub p: [f32; 3],
    pub slot: u32,
}

impl RTreeObject for TreePoint {
    type Envelope = AABB<[f32; 3]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_point(self.p)
    }
}

impl PointDistance for TreePoint {
    fn distance_2(&self, q: &[f32; 3]) -> f32 {
        packed::point_d2(self.p, *q)
    }
}

/// One volunteer's record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Slot {
    /// The id's 128 bits (high, low) when it is 32 lowercase hex digits; else see `odd_ids`.
    pub key: [u64; 2],
    pub lat: f64,
    pub lon: f64,
    /// Skills with interned number below `SKILL_BITS`, as bits.
    pub skills: u64,
    pub version: i64,
    pub xyz: [f32; 3],
    /// Index into the interned org paths; `FREE` when the slot is not in use.
    pub org: u32,
}

impl Slot {
    pub fn home(&self) -> GeoPoint {
        GeoPoint {
            lat: self.lat,
            lon: self.lon,
        }
    }

    pub fn live(&self) -> bool {
        self.org != FREE
    }
}

/// Required skills: bits, and the side-table ones (sorted).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct SkillNeed {
    pub bits: u64,
    pub extra: Vec<u32>,
}

pub(super) fn hex_key(id: &str) -> Option<[u64; 2]> {
    if id.len() != 32 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let hi = u64::from_str_radix(id.get(..16)?, 16).ok()?;
    let lo = u64::from_str_radix(id.get(16..)?, 16).ok()?;
    Some([hi, lo])
}

/// The id table's hash of a key (ids' low bits are random in uuid v7, not in test ids).
pub(super) fn key_hash(k: [u64; 2]) -> u64 {
    let m = u128::from(k[0].rotate_left(29) ^ k[1])
        .wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
    (m >> 64) as u64 ^ m as u64
}

/// A point on the unit sphere.
pub(super) fn unit_xyz(p: &GeoPoint) -> [f32; 3] {
    let (la, lo) = (p.lat.to_radians(), p.lon.to_radians());
    [
        (la.cos() * lo.cos()) as f32,
        (la.cos() * lo.sin()) as f32,
        la.sin() as f32,
    ]
}

/// Great-circle km of a chord of the unit sphere.
fn chord_km(chord: f64) -> f64 {
    2.0 * (chord / 2.0).clamp(0.0, 1.0).asin() * EARTH_RADIUS_KM
}

/// Which way a search goes: chosen by cost (`Auto`), or forced (tests, benchmark).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Auto,
    Walk,
    Scan,
}

pub struct SpatialIndex {
    pub route: Route,
    /// Below this many holders (or scope members), scan them instead of walking the tree.
    pub scan_max: usize,
    /// Homes the walk may visit before it gives up and scans.
    pub walk_budget: usize,
    pub(super) slots: Vec<Slot>,
    /// The packed tree over slots `0..packed.len()`.
    pub(super) packed: Packed,
    /// Slots at or past `packed.len()` (arrivals since the last rebuild).
    pub(super) recent: RTree<TreePoint, Params>,
    /// Unused slots past `packed.len()`, for reuse.
    pub(super) free: Vec<u32>,
    /// Unused slots inside the packed tree (reclaimed at the next rebuild).
    pub(super) dead: usize,
    pub(super) live: usize,
    pub(super) by_key: HashTable<u32>,
    pub(super) odd_ids: HashMap<String, u32>,
    pub(super) odd_of_slot: HashMap<u32, String>,
    pub(super) extra_skills: HashMap<u32, Box<[u32]>>,
    /// Org paths in byte order, so a subtree is one range.
    pub(super) path_idx: BTreeMap<String, u32>,
    /// Per org and per skill: sorted slots (a superset: stale slots are checked away).
    pub(super) members: Vec<Vec<u32>>,
    pub(super) skill_idx: HashMap<String, u32>,
    pub(super) holders: Vec<Vec<u32>>,
    /// Stale entries the lists may hold (an upper bound), for deciding to rebuild.
    pub(super) stale: usize,
}

impl Default for SpatialIndex {
    fn default() -> Self {
        SpatialIndex {
            route: Route::Auto,
            scan_max: SCAN_MAX,
            walk_budget: WALK_BUDGET,
            slots: Vec::new(),
            packed: Packed::default(),
            recent: RTree::new_with_params(),
            free: Vec::new(),
            dead: 0,
            live: 0,
            by_key: HashTable::new(),
            odd_ids: HashMap::new(),
            odd_of_slot: HashMap::new(),
            extra_skills: HashMap::new(),
            path_idx: BTreeMap::new(),
            members: Vec::new(),
            skill_idx: HashMap::new(),
            holders: Vec::new(),
            stale: 0,
        }
    }
}

impl SpatialIndex {
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn slot_of(&self, id: &str) -> Option<u32> {
        match hex_key(id) {
            Some(k) => self
                .by_key
                .find(key_hash(k), |s| self.slots[*s as usize].key == k)
                .copied(),
            None => self.odd_ids.get(id).copied(),
        }
    }

    fn id_of(&self, slot: u32, e: &Slot) -> String {
        match self.odd_of_slot.get(&slot) {
            Some(id) => id.clone(),
            None => format!("{:016x}{:016x}", e.key[0], e.key[1]),
        }
    }

    fn live_slot(&self, slot: u32) -> Option<&Slot> {
        self.slots.get(slot as usize).filter(|e| e.live())
    }

    /// The stored version of a volunteer, if indexed (to skip re-reads of unchanged rows).
    pub fn version_of(&self, id: &str) -> Option<i64> {
        let slot = self.slot_of(id)?;
        self.live_slot(slot).map(|e| e.version)
    }

    /// The required skills, or None when one is held by no indexed volunteer.
    fn required(&self, tags: &[String]) -> Option<(SkillNeed, Vec<u32>)> {
        let mut need = SkillNeed::default();
        let mut ids = Vec::new();
        for t in tags {
            let id = *self.skill_idx.get(t)?;
            ids.push(id);
            if id < SKILL_BITS {
                need.bits |= 1u64 << id;
            } else {
                need.extra.push(id);
            }
        }
        need.extra.sort_unstable();
        need.extra.dedup();
        Some((need, ids))
    }

    fn has_skills(&self, slot: u32, e: &Slot, need: &SkillNeed) -> bool {
        e.skills & need.bits == need.bits
            && (need.extra.is_empty()
                || self
                    .extra_skills
                    .get(&slot)
                    .is_some_and(|mine| need.extra.iter().all(|s| mine.binary_search(s).is_ok())))
    }

    /// Every match up to the distance step of the `limit`-th, nearest first.
    ///
    /// The cheaper of two ways: walk the tree outward from the incident (about
    /// `limit / share of matching homes` visits), or scan the scope's members or the holders of
    /// the rarest required skill, whichever are fewer. A walk that runs longer than the scan
    /// would have taken stops and scans instead.
    pub fn search(&self, q: &Search<'_>) -> Vec<Hit> {
        let Some(plan) = self.plan(q) else {
            return Vec::new();
        };
        let scope_size: usize = plan
            .scope
            .iter()
            .map(|o| self.members[*o as usize].len())
            .sum();
        let total = self.len().max(1) as f64;
        let rarest = plan
            .skill_ids
            .iter()
            .map(|s| (self.holders[*s as usize].len(), *s))
            .min();
        // The share of homes holding every required skill, as if skills were independent.
        let share: f64 = plan
            .skill_ids
            .iter()
            .map(|s| (self.holders[*s as usize].len() as f64 / total).min(1.0))
            .product();
        let (scan_size, scan_skill) = match rarest {
            Some((n, s)) if n < scope_size => (n, Some(s)),
            _ => (scope_size, None),
        };
        let walk_estimate = WALK_COST * q.limit as f64 / share.max(1e-9);
        let scan = match self.route {
            Route::Auto => scan_size <= self.scan_max || walk_estimate > scan_size as f64,
            Route::Walk => false,
            Route::Scan => true,
        };
        let hits = if scan {
            self.scan(&plan, scan_skill)
        } else {
            let budget = match self.route {
                Route::Walk => self.walk_budget,
                _ => self
                    .walk_budget
                    .min((scan_size as f64 / WALK_COST) as usize),
            };
            self.walk(q, &plan, budget)
                .unwrap_or_else(|| self.scan(&plan, scan_skill))
        };
        self.finish(hits, q.limit)
    }

    fn plan(&self, q: &Search<'_>) -> Option<Plan> {
        if q.limit == 0 {
            return None;
        }
        let (need, skill_ids) = self.required(q.skills)?;
        // The subtree is the range [scope, scope with its last '/' turned into '0').
        let mut in_scope = vec![false; self.members.len()];
        let mut scope = Vec::new();
        if zhiyuan_domain::is_within(q.scope_path, q.scope_path) {
            let upper = format!("{}0", q.scope_path.trim_end_matches('/'));
            for (_, i) in self.path_idx.range::<str, _>((
                Bound::Included(q.scope_path),
                Bound::Excluded(upper.as_str()),
            )) {
                in_scope[*i as usize] = true;
                scope.push(*i);
            }
        }
        let exclude = q.exclude.iter().filter_map(|id| self.slot_of(id)).collect();
        Some(Plan {
            at: q.at,
            need,
            skill_ids,
            in_scope,
            scope,
            exclude,
        })
    }

    /// The distance to a matching home, or None.
    fn matches(&self, plan: &Plan, slot: u32) -> Option<f64> {
        let e = self.live_slot(slot)?;
        if !plan.in_scope[e.org as usize]
            || !self.has_skills(slot, e, &plan.need)
            || plan.exclude.contains(&slot)
        {
            return None;
        }
        Some(plan.at.distance_km(&e.home()))
    }

    /// Scans the holders of the rarest required skill, or the scope's members. A list may
    /// hold a stale slot now used by someone else: a member counts only under its own org
    /// (so nobody is found twice), a holder list has no duplicates and `matches` checks skills.
    fn scan(&self, plan: &Plan, skill: Option<u32>) -> Vec<(f64, u32)> {
        let test = |slot: &u32| self.matches(plan, *slot).map(|d| (d, *slot));
        match skill {
            Some(s) => self.holders[s as usize].iter().filter_map(test).collect(),
            None => plan
                .scope
                .iter()
                .flat_map(|o| {
                    self.members[*o as usize]
                        .iter()
                        .filter(move |slot| self.slots[**slot as usize].org == *o)
                })
                .filter_map(test)
                .collect(),
        }
    }

    /// Every slot nearest first with its squared chord: the packed tree and the recent
    /// arrivals' tree, merged.
    fn nearest(&self, at: [f32; 3]) -> impl Iterator<Item = (u32, f32)> + '_ {
        let slots = &self.slots;
        let mut old = self
            .packed
            .nearest(at, move |s| {
                slots.get(s as usize).filter(|e| e.live()).map(|e| e.xyz)
            })
            .peekable();
        let mut new = self
            .recent
            .nearest_neighbor_iter_with_distance_2(&at)
            .map(|(p, d2)| (p.slot, d2))
            .peekable();
        std::iter::from_fn(move || match (old.peek(), new.peek()) {
            (Some(a), Some(b)) if b.1 < a.1 => new.next(),
            (Some(_), _) => old.next(),
            (None, _) => new.next(),
        })
    }

    /// The nearest-neighbour walk; None when it ran out of budget.
    fn walk(&self, q: &Search<'_>, plan: &Plan, budget: usize) -> Option<Vec<(f64, u32)>> {
        let at = unit_xyz(&q.at);
        let mut hits = Vec::new();
        // The `limit` smallest steps seen so far (a max-heap: the top is the limit-th).
        let mut steps: BinaryHeap<i64> = BinaryHeap::new();
        for (visited, (slot, d2)) in self.nearest(at).enumerate() {
            if visited >= budget {
                return None;
            }
            if steps.len() == q.limit {
                let last = *steps.peek()? as f64;
                if chord_km((d2 as f64).sqrt()) - WALK_SLACK_KM > (last + 0.5) * TIE_KM {
                    break;
                }
            }
            if let Some(d) = self.matches(plan, slot) {
                let step = distance_bucket(d);
                if steps.len() < q.limit {
                    steps.push(step);
                } else if steps.peek().is_some_and(|top| step < *top) {
                    steps.pop();
                    steps.push(step);
                }
                hits.push((d, slot));
            }
        }
        Some(hits)
    }

    /// Keeps every hit whose distance step is no farther than the `limit`-th nearest's,
    /// sorted by distance then id, with the ids.
    fn finish(&self, mut hits: Vec<(f64, u32)>, limit: usize) -> Vec<Hit> {
        if hits.len() > limit {
            // The limit-th smallest distance, in linear time; then keep its whole step.
            let (_, nth, _) = hits.select_nth_unstable_by(limit - 1, |a, b| a.0.total_cmp(&b.0));
            let last = distance_bucket(nth.0);
            hits.retain(|(d, _)| distance_bucket(*d) <= last);
        }
        let mut out: Vec<Hit> = hits
            .into_iter()
            .filter_map(|(d, slot)| {
                let e = self.live_slot(slot)?;
                Some(Hit {
                    volunteer_id: self.id_of(slot, e),
                    distance_km: d,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            a.distance_km
                .total_cmp(&b.distance_km)
                .then_with(|| a.volunteer_id.cmp(&b.volunteer_id))
        });
        out
    }

    /// The answer by looking at everyone (for tests and the benchmark's check).
    pub fn brute_force(&self, q: &Search<'_>) -> Vec<Hit> {
        let Some(plan) = self.plan(q) else {
            return Vec::new();
        };
        let hits = (0..self.slots.len() as u32)
            .filter_map(|slot| self.matches(&plan, slot).map(|d| (d, slot)))
            .collect();
        self.finish(hits, q.limit)
    }
}

struct Plan {
    at: GeoPoint,
    need: SkillNeed,
    skill_ids: Vec<u32>,
    in_scope: Vec<bool>,
    scope: Vec<u32>,
    exclude: HashSet<u32>,
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
