//! The maintained aggregates (ov_counts, ov_months, ov_projects, ov_volunteer_years,
//! ov_unit_months) summed while the rows are made, instead of `ov_rebuild` reading 20 million
//! records back. Each row is counted once at its own org, then added to every ancestor, which
//! is what the store's maintenance does write by write. `ov_recount` checks the result in the
//! tests.

use std::collections::HashMap;

use zhiyuan_store::generator::LoadBatch;
use zhiyuan_store::oversight::{CountRow, MonthRow};

use super::people::volunteer_id;
use super::plan::Plan;

/// Aggregate rows per load batch.
const ROWS_PER_BATCH: usize = 200_000;

#[derive(Default)]
pub(crate) struct Aggregates {
    keys: Vec<String>,
    key_ids: HashMap<String, u16>,
    /// (org, key) → n at the org itself
    counts: HashMap<(u32, u16), i64>,
    /// (org, month index) → [activities, records, service ms]
    months: HashMap<(u32, u16), [i64; 3]>,
    /// (org, project index + 1, or 0 for none) → [activities, service ms]
    projects: HashMap<(u32, u32), [i64; 2]>,
    /// (team, month index) → activities
    unit_months: HashMap<(u32, u16), i64>,
    /// per volunteer, per year from `first_year`: service ms
    vol_years: Vec<[i64; 3]>,
    first_year: i32,
    month_codes: Vec<String>,
}

impl Aggregates {
    pub fn new(volunteers: usize, first_year: i32, month_codes: Vec<String>) -> Aggregates {
        Aggregates {
            vol_years: vec![[0; 3]; volunteers],
            first_year,
            month_codes,
            ..Default::default()
        }
    }

    pub fn key(&mut self, key: &str) -> u16 {
        if let Some(k) = self.key_ids.get(key) {
            return *k;
        }
        let k = self.keys.len() as u16;
        self.keys.push(key.to_owned());
        self.key_ids.insert(key.to_owned(), k);
        k
    }

    pub fn add(&mut self, org: usize, key: u16, n: i64) {
        *self.counts.entry((org as u32, key)).or_default() += n;
    }

    pub fn add_key(&mut self, org: usize, key: &str, n: i64) {
        let k = self.key(key);
        self.add(org, k, n);
    }

    /// One done activity of `team` at `org` in month `month` with its approved records.
    #[allow(clippy::too_many_arguments)]
    pub fn activity(
        &mut self,
        org: usize,
        team: usize,
        month: u16,
        kind: u16,
        project: u32,
        records: i64,
        ms: i64,
    ) {
        let done = self.key("act.status.done");
        self.add(org, done, 1);
        self.add(org, kind, 1);
        let recs = self.key("records");
        self.add(org, recs, records);
        let service = self.key("service_ms");
        self.add(org, service, ms);
        let m = self.months.entry((org as u32, month)).or_default();
        m[0] += 1;
        m[1] += records;
        m[2] += ms;
        let p = self.projects.entry((org as u32, project)).or_default();
        p[0] += 1;
        p[1] += ms;
        *self.unit_months.entry((team as u32, month)).or_default() += 1;
    }

    pub fn served(&mut self, volunteer: u32, year: i32, ms: i64) {
        let y = (year - self.first_year).clamp(0, 2) as usize;
        if let Some(v) = self.vol_years.get_mut(volunteer as usize) {
            v[y] += ms;
        }
    }

    /// Sums everything up the tree and cuts it into load batches.
    pub fn into_batches(self, plan: &Plan) -> Vec<LoadBatch> {
        let ancestors = |org: u32| {
            let mut chain = Vec::with_capacity(8);
            let mut at = Some(org as usize);
            while let Some(o) = at {
                chain.push(o);
                at = plan.orgs[o].parent;
            }
            chain
        };
        let mut counts: HashMap<(usize, u16), i64> = HashMap::new();
        for ((org, key), n) in &self.counts {
            for a in ancestors(*org) {
                *counts.entry((a, *key)).or_default() += n;
            }
        }
        let mut months: HashMap<(usize, u16), [i64; 3]> = HashMap::new();
        for ((org, month), v) in &self.months {
            for a in ancestors(*org) {
                let e = months.entry((a, *month)).or_default();
                for i in 0..3 {
                    e[i] += v[i];
                }
            }
        }
        let mut projects: HashMap<(usize, u32), [i64; 2]> = HashMap::new();
        for ((org, project), v) in &self.projects {
            for a in ancestors(*org) {
                let e = projects.entry((a, *project)).or_default();
                e[0] += v[0];
                e[1] += v[1];
            }
        }
        let mut out = LoadBatch::default();
        let mut counts: Vec<_> = counts.into_iter().filter(|(_, n)| *n != 0).collect();
        counts.sort_unstable();
        out.ov_counts = counts
            .into_iter()
            .map(|((org, key), n)| CountRow {
                org_id: plan.orgs[org].row.id.clone(),
                key: self.keys[key as usize].clone(),
                n,
            })
            .collect();
        let mut months: Vec<_> = months.into_iter().collect();
        months.sort_unstable();
        out.ov_months = months
            .into_iter()
            .map(|((org, m), v)| {
                (
                    plan.orgs[org].row.id.clone(),
                    MonthRow {
                        month: self.month_codes[m as usize].clone(),
                        activities: v[0],
                        records: v[1],
                        service_ms: v[2],
                    },
                )
            })
            .collect();
        let mut projects: Vec<_> = projects.into_iter().collect();
        projects.sort_unstable();
        out.ov_projects = projects
            .into_iter()
            .map(|((org, p), v)| {
                let pid = match p {
                    0 => String::new(),
                    p => plan.projects[p as usize - 1].id.clone(),
                };
                (plan.orgs[org].row.id.clone(), pid, v[0], v[1])
            })
            .collect();
        let mut unit_months: Vec<_> = self.unit_months.into_iter().collect();
        unit_months.sort_unstable();
        out.ov_unit_months = unit_months
            .into_iter()
            .map(|((team, m), n)| {
                (
                    plan.teams[team as usize].id.clone(),
                    self.month_codes[m as usize].clone(),
                    n,
                )
            })
            .collect();
        let mut batches = vec![out];
        let mut years = LoadBatch::default();
        for (v, ys) in self.vol_years.iter().enumerate() {
            for (y, ms) in ys.iter().enumerate() {
                if *ms != 0 {
                    years.ov_volunteer_years.push((
                        volunteer_id(v as u32),
                        (self.first_year + y as i32).to_string(),
                        *ms,
                    ));
                }
            }
            if years.ov_volunteer_years.len() >= ROWS_PER_BATCH {
                batches.push(std::mem::take(&mut years));
            }
        }
        batches.push(years);
        batches
    }
}
