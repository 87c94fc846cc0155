//! The candidate index (候选人索引): every active volunteer with a consented home location, in
//! memory, for "who is nearest and has these skills" in a few milliseconds at a million
//! volunteers.
//!
//! - An R-tree (`rstar`) of homes as points on the unit sphere (x, y, z): the straight-line
//!   (chord) distance grows with the great-circle distance, so the tree's nearest-neighbour
//!   walk visits homes in great-circle order. Exact distances are the domain's haversine.
//! - Skills as a bit set over an interned vocabulary (the first 128 tags in bits, rarer ones in
//!   a short list), the commanding org's subtree as an interned org path (prefix test), and
//!   per skill and per org the set of holders/members, so a rare skill or a small scope is
//!   answered by scanning just those instead of walking the tree.
//! - The walk stops once `limit` matches are in hand and the next home is farther than every
//!   distance that could still tie with the last of them (0.1 km steps, see
//!   `domain::emergency::distance_bucket`); it returns every match up to that step so the
//!   caller can break ties (detachment, call-ups this year) exactly.

use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use std::ops::Bound;

use rstar::{PointDistance, RStarInsertionStrategy, RTree, RTreeObject, RTreeParams, AABB};
use zhiyuan_domain::emergency::{distance_bucket, TIE_KM};
use zhiyuan_domain::volunteer::EARTH_RADIUS_KM;
use zhiyuan_domain::GeoPoint;

/// Below this many holders (or scope members), scan them instead of walking the tree.
const SCAN_MAX: usize = 2_000;
/// Homes the walk may visit before it gives up and scans the smaller of scope and skill.
const WALK_BUDGET: usize = 100_000;
/// A tree walk costs about this many scanned homes per home visited.
const WALK_COST: f64 = 1.0;
/// Largest error of the tree's single-precision distances, in km (generous: ~1 m in fact).
const WALK_SLACK_KM: f64 = 0.01;

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

/// Wider nodes than rstar's default (6): a shallower tree, fewer nodes to allocate and to
/// visit for a million points.
struct Params;

impl RTreeParams for Params {
    const MIN_SIZE: usize = 8;
    const MAX_SIZE: usize = 20;
    const REINSERTION_COUNT: usize = 5;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct TreePoint {
    p: [f32; 3],
    slot: u32,
}

impl RTreeObject for TreePoint {
    type Envelope = AABB<[f32; 3]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_point(self.p)
    }
}

impl PointDistance for TreePoint {
    fn distance_2(&self, q: &[f32; 3]) -> f32 {
        let d = [self.p[0] - q[0], self.p[1] - q[1], self.p[2] - q[2]];
        d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct SkillSet {
    bits: u128,
    extra: Option<Box<[u32]>>,
}

impl SkillSet {
    fn has_all(&self, need: &SkillSet) -> bool {
        self.bits & need.bits == need.bits
            && need.extra.as_deref().unwrap_or(&[]).iter().all(|s| {
                self.extra
                    .as_deref()
                    .is_some_and(|mine| mine.binary_search(s).is_ok())
            })
    }
}

#[derive(Clone, Debug)]
struct Entry {
    /// The id as a number when it is 32 lowercase hex digits (the app's ids); else the text
    /// lives in `odd_ids`.
    key: u128,
    lat: f64,
    lon: f64,
    org: u32,
    skills: SkillSet,
    version: i64,
}

impl Entry {
    fn home(&self) -> GeoPoint {
        GeoPoint {
            lat: self.lat,
            lon: self.lon,
        }
    }
}

fn hex_key(id: &str) -> Option<u128> {
    (id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| u128::from_str_radix(id, 16).ok())
        .flatten()
}

/// A point on the unit sphere.
fn unit_xyz(p: &GeoPoint) -> [f32; 3] {
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
    tree: RTree<TreePoint, Params>,
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
    by_key: HashMap<u128, u32>,
    odd_ids: HashMap<String, u32>,
    odd_of_slot: HashMap<u32, String>,
    paths: Vec<String>,
    /// Org paths in byte order, so a subtree is one range.
    path_idx: BTreeMap<String, u32>,
    members: Vec<HashSet<u32>>,
    skill_idx: HashMap<String, u32>,
    holders: Vec<HashSet<u32>>,
}

impl Default for SpatialIndex {
    fn default() -> Self {
        SpatialIndex {
            route: Route::Auto,
            scan_max: SCAN_MAX,
            walk_budget: WALK_BUDGET,
            tree: RTree::new_with_params(),
            entries: Vec::new(),
            free: Vec::new(),
            by_key: HashMap::new(),
            odd_ids: HashMap::new(),
            odd_of_slot: HashMap::new(),
            paths: Vec::new(),
            path_idx: BTreeMap::new(),
            members: Vec::new(),
            skill_idx: HashMap::new(),
            holders: Vec::new(),
        }
    }
}

impl SpatialIndex {
    /// Builds the index in one go (bulk-loaded tree): the start-up load.
    pub fn build(volunteers: impl IntoIterator<Item = IndexedVolunteer>) -> SpatialIndex {
        let mut ix = SpatialIndex::default();
        let mut points = Vec::new();
        for v in volunteers {
            if let Some(slot) = ix.add_entry(&v) {
                points.push(ix.point_of(slot));
            }
        }
        ix.tree = RTree::bulk_load_with_params(points);
        ix
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tree point of a slot, from the stored home, so that removal finds exactly what
    /// insertion put there.
    fn point_of(&self, slot: u32) -> TreePoint {
        let p = match self.entries.get(slot as usize) {
            Some(Some(e)) => unit_xyz(&e.home()),
            _ => [0.0; 3],
        };
        TreePoint { p, slot }
    }

    fn slot_of(&self, id: &str) -> Option<u32> {
        match hex_key(id) {
            Some(k) => self.by_key.get(&k).copied(),
            None => self.odd_ids.get(id).copied(),
        }
    }

    fn id_of(&self, slot: u32, e: &Entry) -> String {
        match self.odd_of_slot.get(&slot) {
            Some(id) => id.clone(),
            None => format!("{:032x}", e.key),
        }
    }

    /// The stored version of a volunteer, if indexed (to skip re-reads of unchanged rows).
    pub fn version_of(&self, id: &str) -> Option<i64> {
        let slot = self.slot_of(id)?;
        self.entries.get(slot as usize)?.as_ref().map(|e| e.version)
    }

    fn intern_path(&mut self, path: &str) -> u32 {
        if let Some(i) = self.path_idx.get(path) {
            return *i;
        }
        let i = self.paths.len() as u32;
        self.paths.push(path.to_owned());
        self.path_idx.insert(path.to_owned(), i);
        self.members.push(HashSet::new());
        i
    }

    fn skill_set(&mut self, tags: &[String]) -> SkillSet {
        let mut set = SkillSet::default();
        let mut extra = Vec::new();
        for t in tags {
            let next = self.skill_idx.len() as u32;
            let id = *self.skill_idx.entry(t.clone()).or_insert(next);
            if id == next {
                self.holders.push(HashSet::new());
            }
            if id < 128 {
                set.bits |= 1u128 << id;
            } else {
                extra.push(id);
            }
        }
        if !extra.is_empty() {
            extra.sort_unstable();
            extra.dedup();
            set.extra = Some(extra.into_boxed_slice());
        }
        set
    }

    /// The required skills as a set, or None when one is held by no indexed volunteer.
    fn required(&self, tags: &[String]) -> Option<(SkillSet, Vec<u32>)> {
        let mut set = SkillSet::default();
        let mut ids = Vec::new();
        let mut extra = Vec::new();
        for t in tags {
            let id = *self.skill_idx.get(t)?;
            ids.push(id);
            if id < 128 {
                set.bits |= 1u128 << id;
            } else {
                extra.push(id);
            }
        }
        extra.sort_unstable();
        extra.dedup();
        if !extra.is_empty() {
            set.extra = Some(extra.into_boxed_slice());
        }
        Some((set, ids))
    }

    fn skill_ids(&self, s: &SkillSet) -> Vec<u32> {
        let mut out: Vec<u32> = (0..128).filter(|i| s.bits & (1u128 << i) != 0).collect();
        out.extend(s.extra.as_deref().unwrap_or(&[]));
        out
    }

    /// Files the entry (everything but the tree); returns its slot.
    fn add_entry(&mut self, v: &IndexedVolunteer) -> Option<u32> {
        if self.slot_of(&v.id).is_some() {
            return None;
        }
        let org = self.intern_path(&v.org_path);
        let skills = self.skill_set(&v.skills);
        let key = hex_key(&v.id).unwrap_or(0);
        let entry = Entry {
            key,
            lat: v.home.lat,
            lon: v.home.lon,
            org,
            skills,
            version: v.version,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.entries[s as usize] = Some(entry);
                s
            }
            None => {
                self.entries.push(Some(entry));
                (self.entries.len() - 1) as u32
            }
        };
        match hex_key(&v.id) {
            Some(k) => {
                self.by_key.insert(k, slot);
            }
            None => {
                self.odd_ids.insert(v.id.clone(), slot);
                self.odd_of_slot.insert(slot, v.id.clone());
            }
        }
        self.members[org as usize].insert(slot);
        if let Some(e) = &self.entries[slot as usize] {
            for s in self.skill_ids(&e.skills) {
                self.holders[s as usize].insert(slot);
            }
        }
        Some(slot)
    }

    /// Adds or replaces a volunteer.
    pub fn upsert(&mut self, v: &IndexedVolunteer) {
        self.remove(&v.id);
        if let Some(slot) = self.add_entry(v) {
            let p = self.point_of(slot);
            self.tree.insert(p);
        }
    }

    /// Takes a volunteer out (gone, suspended, no home or no consent any more).
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(slot) = self.slot_of(id) else {
            return false;
        };
        let point = self.point_of(slot);
        let Some(e) = self.entries.get_mut(slot as usize).and_then(Option::take) else {
            return false;
        };
        self.tree.remove(&point);
        self.members[e.org as usize].remove(&slot);
        for s in self.skill_ids(&e.skills) {
            self.holders[s as usize].remove(&slot);
        }
        match self.odd_of_slot.remove(&slot) {
            Some(odd) => {
                self.odd_ids.remove(&odd);
            }
            None => {
                self.by_key.remove(&e.key);
            }
        }
        self.free.push(slot);
        true
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
            .map(|s| self.holders[*s as usize].len() as f64 / total)
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
        let mut in_scope = vec![false; self.paths.len()];
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
        let e = self.entries.get(slot as usize)?.as_ref()?;
        if !plan.in_scope[e.org as usize]
            || !e.skills.has_all(&plan.need)
            || plan.exclude.contains(&slot)
        {
            return None;
        }
        Some(plan.at.distance_km(&e.home()))
    }

    /// Scans the holders of the rarest required skill, or the scope's members.
    fn scan(&self, plan: &Plan, skill: Option<u32>) -> Vec<(f64, u32)> {
        let test = |slot: &u32| self.matches(plan, *slot).map(|d| (d, *slot));
        match skill {
            Some(s) => self.holders[s as usize].iter().filter_map(test).collect(),
            None => plan
                .scope
                .iter()
                .flat_map(|o| self.members[*o as usize].iter())
                .filter_map(test)
                .collect(),
        }
    }

    /// The nearest-neighbour walk; None when it ran out of budget.
    fn walk(&self, q: &Search<'_>, plan: &Plan, budget: usize) -> Option<Vec<(f64, u32)>> {
        let at = unit_xyz(&q.at);
        let mut hits = Vec::new();
        // The `limit` smallest steps seen so far (a max-heap: the top is the limit-th).
        let mut steps: BinaryHeap<i64> = BinaryHeap::new();
        for (visited, (p, d2)) in self
            .tree
            .nearest_neighbor_iter_with_distance_2(&at)
            .enumerate()
        {
            if visited >= budget {
                return None;
            }
            if steps.len() == q.limit {
                let last = *steps.peek()? as f64;
                if chord_km((d2 as f64).sqrt()) - WALK_SLACK_KM > (last + 0.5) * TIE_KM {
                    break;
                }
            }
            if let Some(d) = self.matches(plan, p.slot) {
                let step = distance_bucket(d);
                if steps.len() < q.limit {
                    steps.push(step);
                } else if steps.peek().is_some_and(|top| step < *top) {
                    steps.pop();
                    steps.push(step);
                }
                hits.push((d, p.slot));
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
                let e = self.entries.get(slot as usize)?.as_ref()?;
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
        let hits = (0..self.entries.len() as u32)
            .filter_map(|slot| self.matches(&plan, slot).map(|d| (d, slot)))
            .collect();
        self.finish(hits, q.limit)
    }
}

struct Plan {
    at: GeoPoint,
    need: SkillSet,
    skill_ids: Vec<u32>,
    in_scope: Vec<bool>,
    scope: Vec<u32>,
    exclude: HashSet<u32>,
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
