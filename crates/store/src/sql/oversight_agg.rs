//! Keeps the oversight aggregates (migration 0005) exact: every write that changes a counted
//! row calls in here inside its own transaction, so the totals commit or roll back with it.
//!
//! The pattern is "contribution before, contribution after": [`Snapshot::take`] reads what the
//! rows count for now (locking them on PostgreSQL, so a concurrent writer of the same row waits
//! and then reads the new state), the caller writes, [`Snapshot::apply`] reads them again and
//! adds the difference to every ancestor of the org each row belongs to. An insert only adds
//! ([`inserted`]). The differences go out as one multi-row upsert per table, in key order, so
//! two transactions lock aggregate rows in the same order and never deadlock on them.
//!
//! Write paths that call in (keep this list complete): orgs insert/update, teams
//! insert/update, volunteers insert/update/status change/bulk import, activities
//! insert/status, service records insert/close/decide/amend.

use std::collections::{BTreeMap, HashMap};

use sqlx::QueryBuilder;
use zhiyuan_domain::oversight::Month;

use super::{Conn, Db, FOR_UPDATE};
use crate::{StoreResult, VolunteerRow};

/// Rows per multi-row statement (SQLite allows 32,766 bound values, PostgreSQL 65,535).
const CHUNK: usize = 400;

/// What kind of row a snapshot covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Org,
    Team,
    Volunteer,
    Activity,
    Record,
}

/// Pending changes to the aggregates, keyed so they apply in a fixed order.
#[derive(Debug, Default)]
pub(super) struct Deltas {
    counts: BTreeMap<(String, String), i64>,
    months: BTreeMap<(String, String), [i64; 3]>,
    projects: BTreeMap<(String, String), [i64; 2]>,
    years: BTreeMap<(String, String), i64>,
    /// (unit, month): activities done by the unit itself.
    units: BTreeMap<(String, String), i64>,
}

impl Deltas {
    fn count(&mut self, path: &str, key: &str, n: i64) {
        for id in zhiyuan_domain::path_ids(path) {
            *self
                .counts
                .entry((id.to_owned(), key.to_owned()))
                .or_default() += n;
        }
    }

    fn month(&mut self, path: &str, month: &str, v: [i64; 3]) {
        for id in zhiyuan_domain::path_ids(path) {
            let e = self
                .months
                .entry((id.to_owned(), month.to_owned()))
                .or_default();
            for (a, b) in e.iter_mut().zip(v) {
                *a += b;
            }
        }
    }

    fn project(&mut self, path: &str, project: &str, v: [i64; 2]) {
        for id in zhiyuan_domain::path_ids(path) {
            let e = self
                .projects
                .entry((id.to_owned(), project.to_owned()))
                .or_default();
            for (a, b) in e.iter_mut().zip(v) {
                *a += b;
            }
        }
    }

    /// What one volunteer counts for (`sign` −1 takes it away).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn volunteer(
        &mut self,
        path: &str,
        status: &str,
        veteran: bool,
        party: bool,
        gender: &str,
        birth_date: &str,
        sign: i64,
    ) {
        self.count(path, &format!("vol.status.{status}"), sign);
        if status != "active" {
            return;
        }
        if veteran {
            self.count(path, "vol.veteran", sign);
        }
        if party {
            self.count(path, "vol.party", sign);
        }
        self.count(path, &format!("vol.gender.{gender}"), sign);
        if let Some(y) = birth_date.get(0..4) {
            self.count(path, &format!("vol.born.{y}"), sign);
        }
    }

    /// Writes the non-zero changes.
    pub(super) async fn apply(self, c: &mut Conn) -> StoreResult<()> {
        let counts: Vec<_> = self.counts.into_iter().filter(|(_, n)| *n != 0).collect();
        for chunk in counts.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Db>::new("INSERT INTO ov_counts (org_id, key, n) ");
            qb.push_values(chunk, |mut b, ((org, key), n)| {
                b.push_bind(org).push_bind(key).push_bind(*n);
            });
            qb.push(" ON CONFLICT (org_id, key) DO UPDATE SET n = ov_counts.n + excluded.n");
            qb.build().execute(&mut *c).await?;
        }
        let months: Vec<_> = (self.months.into_iter())
            .filter(|(_, v)| v.iter().any(|n| *n != 0))
            .collect();
        for chunk in months.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Db>::new(
                "INSERT INTO ov_months (org_id, month, activities, records, service_ms) ",
            );
            qb.push_values(chunk, |mut b, ((org, month), v)| {
                b.push_bind(org)
                    .push_bind(month)
                    .push_bind(v[0])
                    .push_bind(v[1])
                    .push_bind(v[2]);
            });
            qb.push(
                " ON CONFLICT (org_id, month) DO UPDATE SET \
                 activities = ov_months.activities + excluded.activities, \
                 records = ov_months.records + excluded.records, \
                 service_ms = ov_months.service_ms + excluded.service_ms",
            );
            qb.build().execute(&mut *c).await?;
        }
        let projects: Vec<_> = (self.projects.into_iter())
            .filter(|(_, v)| v.iter().any(|n| *n != 0))
            .collect();
        for chunk in projects.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Db>::new(
                "INSERT INTO ov_projects (org_id, project_id, activities, service_ms) ",
            );
            qb.push_values(chunk, |mut b, ((org, project), v)| {
                b.push_bind(org)
                    .push_bind(project)
                    .push_bind(v[0])
                    .push_bind(v[1]);
            });
            qb.push(
                " ON CONFLICT (org_id, project_id) DO UPDATE SET \
                 activities = ov_projects.activities + excluded.activities, \
                 service_ms = ov_projects.service_ms + excluded.service_ms",
            );
            qb.build().execute(&mut *c).await?;
        }
        let units: Vec<_> = self.units.into_iter().filter(|(_, n)| *n != 0).collect();
        for chunk in units.chunks(CHUNK) {
            let mut qb =
                QueryBuilder::<Db>::new("INSERT INTO ov_unit_months (team_id, month, activities) ");
            qb.push_values(chunk, |mut b, ((team, month), n)| {
                b.push_bind(team).push_bind(month).push_bind(*n);
            });
            qb.push(
                " ON CONFLICT (team_id, month) DO UPDATE SET \
                 activities = ov_unit_months.activities + excluded.activities",
            );
            qb.build().execute(&mut *c).await?;
        }
        let years: Vec<_> = self.years.into_iter().filter(|(_, n)| *n != 0).collect();
        for chunk in years.chunks(CHUNK) {
            let mut qb = QueryBuilder::<Db>::new(
                "INSERT INTO ov_volunteer_years (volunteer_id, year, service_ms) ",
            );
            qb.push_values(chunk, |mut b, ((vid, year), n)| {
                b.push_bind(vid).push_bind(year).push_bind(*n);
            });
            qb.push(
                " ON CONFLICT (volunteer_id, year) DO UPDATE SET \
                 service_ms = ov_volunteer_years.service_ms + excluded.service_ms",
            );
            qb.build().execute(&mut *c).await?;
        }
        Ok(())
    }
}

/// The contribution of rows before a write; apply it after the write.
pub(super) struct Snapshot {
    kind: Kind,
    ids: Vec<String>,
    before: Deltas,
}

impl Snapshot {
    /// Reads (and on PostgreSQL locks) the rows `ids` as they count now.
    pub(super) async fn take(c: &mut Conn, kind: Kind, ids: &[&str]) -> StoreResult<Snapshot> {
        let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
        let mut before = Deltas::default();
        contribute(c, kind, &ids, -1, true, &mut before).await?;
        Ok(Snapshot { kind, ids, before })
    }

    /// Reads the rows again and writes the difference.
    pub(super) async fn apply(self, c: &mut Conn) -> StoreResult<()> {
        let mut d = self.before;
        contribute(c, self.kind, &self.ids, 1, false, &mut d).await?;
        d.apply(c).await
    }
}

/// Adds what newly inserted rows count for.
pub(super) async fn inserted(c: &mut Conn, kind: Kind, ids: &[&str]) -> StoreResult<()> {
    let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    let mut d = Deltas::default();
    contribute(c, kind, &ids, 1, false, &mut d).await?;
    d.apply(c).await
}

/// Adds what newly inserted volunteers count for, from the rows in hand (a bulk import has
/// them all; no need to read them back).
pub(super) async fn volunteers_inserted(c: &mut Conn, rows: &[&VolunteerRow]) -> StoreResult<()> {
    let org_ids: Vec<String> = rows.iter().map(|r| r.org_id.clone()).collect();
    let paths = org_paths(c, &org_ids).await?;
    let mut d = Deltas::default();
    for v in rows {
        if let Some(path) = paths.get(&v.org_id) {
            d.volunteer(
                path,
                &v.status,
                v.veteran,
                v.party_member,
                &v.gender,
                &v.birth_date,
                1,
            );
        }
    }
    d.apply(c).await
}

/// The lock a snapshot takes on PostgreSQL: `FOR NO KEY UPDATE`, the lock the UPDATE that
/// follows takes anyway, so inserts that merely reference the row (foreign keys) don't wait.
fn lock_clause(lock: bool) -> &'static str {
    if lock && !FOR_UPDATE.is_empty() {
        " FOR NO KEY UPDATE"
    } else {
        ""
    }
}

fn in_list(qb: &mut QueryBuilder<'_, Db>, ids: &[String]) {
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id.clone());
    }
}

async fn org_paths(c: &mut Conn, org_ids: &[String]) -> StoreResult<HashMap<String, String>> {
    let mut ids = org_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let mut qb = QueryBuilder::<Db>::new("SELECT id, path FROM orgs WHERE id IN (");
        in_list(&mut qb, chunk);
        qb.push(")");
        let rows: Vec<(String, String)> = qb.build_query_as().fetch_all(&mut *c).await?;
        out.extend(rows);
    }
    Ok(out)
}

type OrgTuple = (String, String, String, Option<String>);
type TeamTuple = (String, String, String, Option<String>);
type VolunteerTuple = (String, String, String, bool, bool, String, String);
type ActivityTuple = (String, String, String, String, Option<String>, i64, String);
type RecordTuple = (String, String, String, i64, String, String, String);

/// Reads the rows `ids` of `kind` and adds what they count for, times `sign`.
async fn contribute(
    c: &mut Conn,
    kind: Kind,
    ids: &[String],
    sign: i64,
    lock: bool,
    d: &mut Deltas,
) -> StoreResult<()> {
    for chunk in ids.chunks(CHUNK) {
        let select = match kind {
            Kind::Org => "SELECT id, path, level, unit_type FROM orgs WHERE id IN (",
            Kind::Team => "SELECT id, org_id, echelon, parent_team_id FROM teams WHERE id IN (",
            Kind::Volunteer => {
                "SELECT id, org_id, status, veteran, party_member, gender, birth_date \
                 FROM volunteers WHERE id IN ("
            }
            Kind::Activity => {
                "SELECT id, org_path, status, kind, project_id, starts_at, team_id \
                 FROM activities WHERE id IN ("
            }
            Kind::Record => {
                "SELECT id, org_path, status, eff_ms, day, volunteer_id, activity_id \
                 FROM service_records WHERE id IN ("
            }
        };
        let mut qb = QueryBuilder::<Db>::new(select);
        in_list(&mut qb, chunk);
        qb.push(")");
        qb.push(lock_clause(lock));
        match kind {
            Kind::Org => {
                let rows: Vec<OrgTuple> = qb.build_query_as().fetch_all(&mut *c).await?;
                for (_, path, level, unit_type) in rows {
                    d.count(&path, "orgs", sign);
                    d.count(&path, &format!("level.{level}"), sign);
                    if let Some(t) = unit_type {
                        d.count(&path, &format!("unit_type.{t}"), sign);
                    }
                }
            }
            Kind::Team => {
                let rows: Vec<TeamTuple> = qb.build_query_as().fetch_all(&mut *c).await?;
                let orgs: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
                let paths = org_paths(c, &orgs).await?;
                for (_, org_id, echelon, parent) in rows {
                    let Some(path) = paths.get(&org_id) else {
                        continue;
                    };
                    d.count(path, "teams", sign);
                    d.count(path, &format!("echelon.{echelon}"), sign);
                    if parent.is_none() {
                        d.count(path, "teams.root", sign);
                    }
                }
            }
            Kind::Volunteer => {
                let rows: Vec<VolunteerTuple> = qb.build_query_as().fetch_all(&mut *c).await?;
                let orgs: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
                let paths = org_paths(c, &orgs).await?;
                for (_, org_id, status, veteran, party, gender, birth) in rows {
                    if let Some(path) = paths.get(&org_id) {
                        d.volunteer(path, &status, veteran, party, &gender, &birth, sign);
                    }
                }
            }
            Kind::Activity => {
                let rows: Vec<ActivityTuple> = qb.build_query_as().fetch_all(&mut *c).await?;
                for (_, path, status, kind, project, starts_at, team_id) in rows {
                    d.count(&path, &format!("act.status.{status}"), sign);
                    if status == "done" {
                        let month = Month::of_ms(starts_at).code();
                        *d.units.entry((team_id, month.clone())).or_default() += sign;
                        d.count(&path, &format!("act.kind.{kind}"), sign);
                        d.month(&path, &month, [sign, 0, 0]);
                        d.project(&path, project.as_deref().unwrap_or(""), [sign, 0]);
                    }
                }
            }
            Kind::Record => {
                let rows: Vec<RecordTuple> = qb.build_query_as().fetch_all(&mut *c).await?;
                let approved: Vec<RecordTuple> =
                    rows.into_iter().filter(|r| r.2 == "approved").collect();
                let activity_ids: Vec<String> = approved.iter().map(|r| r.6.clone()).collect();
                let projects = activity_projects(c, &activity_ids).await?;
                for (_, path, _, ms, day, volunteer_id, activity_id) in approved {
                    let ms = ms * sign;
                    d.count(&path, "records", sign);
                    d.count(&path, "service_ms", ms);
                    if let Some(month) = day.get(0..7) {
                        d.month(&path, month, [0, sign, ms]);
                    }
                    let project = projects.get(&activity_id).map(String::as_str).unwrap_or("");
                    d.project(&path, project, [0, ms]);
                    if let Some(year) = day.get(0..4) {
                        *d.years.entry((volunteer_id, year.to_owned())).or_default() += ms;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The project of each activity ('' for none).
async fn activity_projects(c: &mut Conn, ids: &[String]) -> StoreResult<HashMap<String, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT id, COALESCE(project_id, '') FROM activities WHERE id IN (",
        );
        in_list(&mut qb, chunk);
        qb.push(")");
        let rows: Vec<(String, String)> = qb.build_query_as().fetch_all(&mut *c).await?;
        out.extend(rows);
    }
    Ok(out)
}
