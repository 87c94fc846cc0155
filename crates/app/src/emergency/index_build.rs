//! Writing the candidate index: the start-up load (records appended page by page, then sorted
//! along the Hilbert curve and packed in place), upserts and removals from the sync, and the
//! rebuild that folds recent arrivals and removals back into the packed tree.
//!
//! The load never holds the database rows and the index at once: each page of rows becomes
//! records and is dropped (`push`), and `finish_load` sorts those records in place — the only
//! extra memory is a few arrays of 4–8 bytes a volunteer while it runs.

use rstar::RTree;

use super::packed::{hilbert, Packed};
use super::{
    hex_key, key_hash, unit_xyz, IndexedVolunteer, Slot, SpatialIndex, TreePoint, FREE, SKILL_BITS,
};

/// Rebuild once removals and arrivals since the last one pass this share of the volunteers
/// (and at least `REBUILD_MIN`): the dynamic tree stays small and lists stay nearly exact.
const REBUILD_SHARE: usize = 8;
const REBUILD_MIN: usize = 4_096;

/// Inserts `slot` into a sorted list unless it is there.
fn insert_sorted(list: &mut Vec<u32>, slot: u32) {
    if let Err(at) = list.binary_search(&slot) {
        list.insert(at, slot);
    }
}

impl SpatialIndex {
    /// Builds the index in one go: the start-up load and the benchmark.
    pub fn build(volunteers: impl IntoIterator<Item = IndexedVolunteer>) -> SpatialIndex {
        let mut ix = SpatialIndex::default();
        for v in volunteers {
            ix.push(&v);
        }
        ix.finish_load();
        ix
    }

    /// Appends a volunteer's record during a load (before `finish_load`); a second record for an
    /// id already pushed replaces the first.
    pub fn push(&mut self, v: &IndexedVolunteer) {
        if self.slot_of(&v.id).is_some() {
            self.remove(&v.id);
        }
        let slot = self.slots.len() as u32;
        let record = self.record(v, slot);
        self.slots.push(record);
        self.file_id(&v.id, slot);
        self.live += 1;
    }

    /// Ends a load: sorts the records along the Hilbert curve, packs the tree and fills the
    /// per-org and per-skill lists.
    pub fn finish_load(&mut self) {
        self.repack();
    }

    /// A record for `v` (interning its org and skills; side-table skills filed under `slot`).
    fn record(&mut self, v: &IndexedVolunteer, slot: u32) -> Slot {
        let org = match self.path_idx.get(&v.org_path) {
            Some(i) => *i,
            None => {
                let i = self.members.len() as u32;
                self.path_idx.insert(v.org_path.clone(), i);
                self.members.push(Vec::new());
                i
            }
        };
        let mut bits = 0u64;
        let mut extra = Vec::new();
        for t in &v.skills {
            let id = match self.skill_idx.get(t) {
                Some(i) => *i,
                None => {
                    let i = self.holders.len() as u32;
                    self.skill_idx.insert(t.clone(), i);
                    self.holders.push(Vec::new());
                    i
                }
            };
            if id < SKILL_BITS {
                bits |= 1u64 << id;
            } else {
                extra.push(id);
            }
        }
        extra.sort_unstable();
        extra.dedup();
        if extra.is_empty() {
            self.extra_skills.remove(&slot);
        } else {
            self.extra_skills.insert(slot, extra.into_boxed_slice());
        }
        Slot {
            key: hex_key(&v.id).unwrap_or([0, 0]),
            lat: v.home.lat,
            lon: v.home.lon,
            skills: bits,
            version: v.version,
            xyz: unit_xyz(&v.home),
            org,
        }
    }

    /// Makes `id` find `slot` (its record is in place).
    fn file_id(&mut self, id: &str, slot: u32) {
        if hex_key(id).is_some() {
            let slots = &self.slots;
            let k = slots[slot as usize].key;
            self.by_key
                .insert_unique(key_hash(k), slot, |s| key_hash(slots[*s as usize].key));
        } else {
            self.odd_ids.insert(id.to_owned(), slot);
            self.odd_of_slot.insert(slot, id.to_owned());
        }
    }

    /// The skills of a slot by interned number.
    fn skill_ids(&self, slot: u32) -> impl Iterator<Item = u32> + '_ {
        let bits = self.slots[slot as usize].skills;
        (0..SKILL_BITS)
            .filter(move |i| bits & (1u64 << i) != 0)
            .chain(
                self.extra_skills
                    .get(&slot)
                    .map(|e| e.to_vec())
                    .unwrap_or_default(),
            )
    }

    /// Adds or replaces a volunteer (a replaced one moves to a new slot among the recent).
    pub fn upsert(&mut self, v: &IndexedVolunteer) {
        self.remove(&v.id);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(Slot {
                    key: [0, 0],
                    lat: 0.0,
                    lon: 0.0,
                    skills: 0,
                    version: 0,
                    xyz: [0.0; 3],
                    org: FREE,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let record = self.record(v, slot);
        self.slots[slot as usize] = record;
        self.file_id(&v.id, slot);
        self.live += 1;
        insert_sorted(&mut self.members[record.org as usize], slot);
        let skills: Vec<u32> = self.skill_ids(slot).collect();
        for s in skills {
            insert_sorted(&mut self.holders[s as usize], slot);
        }
        self.recent.insert(TreePoint {
            p: record.xyz,
            slot,
        });
    }

    /// Takes a volunteer out (gone, suspended, no home or no consent any more).
    pub fn remove(&mut self, id: &str) -> bool {
        match self.slot_of(id) {
            Some(slot) => {
                self.remove_slot(slot);
                true
            }
            None => false,
        }
    }

    fn remove_slot(&mut self, slot: u32) {
        let Some(e) = self.slots.get(slot as usize).copied().filter(Slot::live) else {
            return;
        };
        self.stale += 1 + self.skill_ids(slot).count();
        match self.odd_of_slot.remove(&slot) {
            Some(odd) => {
                self.odd_ids.remove(&odd);
            }
            None => {
                let slots = &self.slots;
                if let Ok(entry) = self
                    .by_key
                    .find_entry(key_hash(e.key), |s| slots[*s as usize].key == e.key)
                {
                    entry.remove();
                }
            }
        }
        self.extra_skills.remove(&slot);
        self.slots[slot as usize].org = FREE;
        self.live -= 1;
        if (slot as usize) < self.packed.len() {
            self.dead += 1;
        } else {
            self.recent.remove(&TreePoint { p: e.xyz, slot });
            self.free.push(slot);
        }
    }

    /// Slots in use or not (for marking during a reconciliation).
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// The slot of an indexed volunteer (valid until the next `tidy`).
    pub fn slot_of_id(&self, id: &str) -> Option<u32> {
        self.slot_of(id)
    }

    /// Removes every volunteer whose slot is not marked in `seen` (a reconciliation found no
    /// indexable row for them). Returns how many.
    pub fn remove_unmarked(&mut self, seen: &[bool]) -> usize {
        let gone: Vec<u32> = (0..self.slots.len() as u32)
            .filter(|s| {
                self.slots[*s as usize].live() && !seen.get(*s as usize).copied().unwrap_or(false)
            })
            .collect();
        for s in &gone {
            self.remove_slot(*s);
        }
        gone.len()
    }

    /// Rebuilds when enough has changed since the last rebuild. Slots change: call it only
    /// between batches of writes. Returns whether it rebuilt.
    pub fn tidy(&mut self) -> bool {
        let changed = self.dead + self.recent.size() + self.stale / 4;
        if changed > REBUILD_MIN.max(self.live / REBUILD_SHARE) {
            self.repack();
            return true;
        }
        false
    }

    /// Drops unused slots, sorts the rest along the Hilbert curve of their homes (in place),
    /// and rebuilds the packed tree, the id table and the lists.
    pub fn repack(&mut self) {
        // 1. Unused slots out; `moved[old] = new` so the side tables can follow.
        let mut moved = vec![FREE; self.slots.len()];
        let mut kept = 0usize;
        for (old, to) in moved.iter_mut().enumerate() {
            if self.slots[old].live() {
                self.slots[kept] = self.slots[old];
                *to = kept as u32;
                kept += 1;
            }
        }
        self.slots.truncate(kept);
        // 2. Hilbert order over the homes' bounding box of degrees.
        let (mut lat0, mut lat1, mut lon0, mut lon1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
        for e in &self.slots {
            lat0 = lat0.min(e.lat);
            lat1 = lat1.max(e.lat);
            lon0 = lon0.min(e.lon);
            lon1 = lon1.max(e.lon);
        }
        let cell = |v: f64, lo: f64, hi: f64| -> u32 {
            if hi > lo {
                (((v - lo) / (hi - lo)) * 65_535.0).clamp(0.0, 65_535.0) as u32
            } else {
                0
            }
        };
        let mut order: Vec<u64> = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let h = hilbert(cell(e.lon, lon0, lon1), cell(e.lat, lat0, lat1));
                (u64::from(h) << 32) | i as u64
            })
            .collect();
        order.sort_unstable();
        // `place[i]` = where the slot now at i goes; then permute the records in place.
        let mut place = vec![0u32; kept];
        for (to, code) in order.iter().enumerate() {
            place[(*code & 0xffff_ffff) as usize] = to as u32;
        }
        drop(order);
        for m in moved.iter_mut().filter(|m| **m != FREE) {
            *m = place[*m as usize];
        }
        for i in 0..kept {
            while place[i] as usize != i {
                let to = place[i] as usize;
                self.slots.swap(i, to);
                place.swap(i, to);
            }
        }
        drop(place);
        let follow = |old: u32| moved.get(old as usize).copied().filter(|n| *n != FREE);
        self.odd_ids = std::mem::take(&mut self.odd_ids)
            .into_iter()
            .filter_map(|(id, s)| Some((id, follow(s)?)))
            .collect();
        self.odd_of_slot = self
            .odd_ids
            .iter()
            .map(|(id, s)| (*s, id.clone()))
            .collect();
        self.extra_skills = std::mem::take(&mut self.extra_skills)
            .into_iter()
            .filter_map(|(s, x)| Some((follow(s)?, x)))
            .collect();
        drop(moved);
        // 3. Tree, id table, lists afresh.
        let slots = &self.slots;
        self.packed = Packed::build(kept, |i| slots[i].xyz);
        self.recent = RTree::new_with_params();
        self.free = Vec::new();
        self.dead = 0;
        self.stale = 0;
        self.live = kept;
        self.by_key = hashbrown::HashTable::new();
        self.by_key
            .reserve(kept, |s| key_hash(slots[*s as usize].key));
        for (i, e) in slots.iter().enumerate() {
            if !self.odd_of_slot.contains_key(&(i as u32)) {
                self.by_key.insert_unique(key_hash(e.key), i as u32, |s| {
                    key_hash(slots[*s as usize].key)
                });
            }
        }
        let mut member_counts = vec![0usize; self.members.len()];
        let mut holder_counts = vec![0usize; self.holders.len()];
        for (i, e) in slots.iter().enumerate() {
            member_counts[e.org as usize] += 1;
            for s in self.skill_ids(i as u32) {
                holder_counts[s as usize] += 1;
            }
        }
        self.members = member_counts
            .iter()
            .map(|n| Vec::with_capacity(*n))
            .collect();
        self.holders = holder_counts
            .iter()
            .map(|n| Vec::with_capacity(*n))
            .collect();
        for i in 0..kept as u32 {
            let org = self.slots[i as usize].org;
            self.members[org as usize].push(i);
            let skills: Vec<u32> = self.skill_ids(i).collect();
            for s in skills {
                self.holders[s as usize].push(i);
            }
        }
        if self.slots.capacity() > kept + kept / 8 + 16 {
            self.slots.shrink_to_fit();
        }
    }

    /// Heap bytes held by the index (approximate for the hash maps): for the benchmark.
    pub fn heap_bytes(&self) -> usize {
        let lists = |l: &Vec<Vec<u32>>| l.iter().map(|v| v.capacity() * 4 + 24).sum::<usize>();
        self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.packed.heap_bytes()
            + self.by_key.capacity() * 5
            + lists(&self.members)
            + lists(&self.holders)
            + self.recent.size() * 64
            + self.extra_skills.len() * 48
            + self.odd_ids.len() * 96
    }
}
