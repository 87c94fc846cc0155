//! Bulk loading for province-sized benchmarks: multi-row inserts of prepared rows, and a month
//! of activities and service records made inside the database from the loaded teams (no row
//! travels through the driver). No audit lines: this is a load, not a use case. The
//! aggregates are rebuilt afterwards with `ov_rebuild`.

use sqlx::QueryBuilder;

use super::{Db, FOR_UPDATE};
use crate::oversight::{BulkMonth, BulkRows};
use crate::StoreResult;

type Tx = sqlx::Transaction<'static, Db>;

/// Rows per statement: the volunteers' 26 columns × 1,000 stays under SQLite's 32,766 binds.
const ROWS: usize = 1_000;

pub(super) async fn insert(tx: &mut Tx, rows: &BulkRows) -> StoreResult<()> {
    for chunk in rows.orgs.chunks(ROWS) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO orgs (id, name, level, parent_id, path, depth, population, unit_type, \
             created_at, updated_at, version) ",
        );
        qb.push_values(chunk, |mut b, o| {
            b.push_bind(&o.id)
                .push_bind(&o.name)
                .push_bind(&o.level)
                .push_bind(&o.parent_id)
                .push_bind(&o.path)
                .push_bind(o.depth)
                .push_bind(o.population)
                .push_bind(&o.unit_type)
                .push_bind(o.created_at)
                .push_bind(o.updated_at)
                .push_bind(o.version);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in rows.teams.chunks(ROWS) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO teams (id, name, org_id, parent_team_id, path, echelon, specialty, \
             created_at, updated_at, version) ",
        );
        qb.push_values(chunk, |mut b, t| {
            b.push_bind(&t.id)
                .push_bind(&t.name)
                .push_bind(&t.org_id)
                .push_bind(&t.parent_team_id)
                .push_bind(&t.path)
                .push_bind(&t.echelon)
                .push_bind(&t.specialty)
                .push_bind(t.created_at)
                .push_bind(t.updated_at)
                .push_bind(t.version);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in rows.volunteers.chunks(ROWS) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO volunteers (id, volunteer_no, name, id_cipher, id_hash, id_masked, \
             birth_date, gender, phone, org_id, veteran, branch, enlisted_year, discharged_year, \
             military_rank, party_member, health, home_lat, home_lon, consent_data, \
             consent_location, guardian_consent, status, created_at, updated_at, version) ",
        );
        qb.push_values(chunk, |mut b, v| {
            b.push_bind(&v.id)
                .push_bind(&v.volunteer_no)
                .push_bind(&v.name)
                .push_bind(&v.id_cipher)
                .push_bind(&v.id_hash)
                .push_bind(&v.id_masked)
                .push_bind(&v.birth_date)
                .push_bind(&v.gender)
                .push_bind(&v.phone)
                .push_bind(&v.org_id)
                .push_bind(v.veteran)
                .push_bind(&v.branch)
                .push_bind(v.enlisted_year)
                .push_bind(v.discharged_year)
                .push_bind(&v.military_rank)
                .push_bind(v.party_member)
                .push_bind(&v.health)
                .push_bind(v.home_lat)
                .push_bind(v.home_lon)
                .push_bind(v.consent_data)
                .push_bind(v.consent_location)
                .push_bind(v.guardian_consent)
                .push_bind(&v.status)
                .push_bind(v.created_at)
                .push_bind(v.updated_at)
                .push_bind(v.version);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in rows.members.chunks(ROWS * 4) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO team_members (team_id, volunteer_id, position, appointed_at) ",
        );
        qb.push_values(chunk, |mut b, (team, vid, position, at)| {
            b.push_bind(team)
                .push_bind(vid)
                .push_bind(position)
                .push_bind(*at);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in rows.projects.chunks(ROWS) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO service_projects (id, name, category, description, org_id, team_id, \
             org_path, brand, created_at) ",
        );
        qb.push_values(chunk, |mut b, p| {
            b.push_bind(&p.id)
                .push_bind(&p.name)
                .push_bind(&p.category)
                .push_bind(&p.description)
                .push_bind(&p.org_id)
                .push_bind(&p.team_id)
                .push_bind(&p.org_path)
                .push_bind(p.brand)
                .push_bind(p.created_at);
        });
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// The China-time day (`YYYY-MM-DD`) of the activity `a`'s start, in this backend's SQL.
fn day_of_start() -> &'static str {
    if FOR_UPDATE.is_empty() {
        "date((a.starts_at + 28800000) / 1000, 'unixepoch')"
    } else {
        "to_char(to_timestamp((a.starts_at + 28800000) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    }
}

pub(super) async fn month(tx: &mut Tx, m: &BulkMonth) -> StoreResult<(i64, i64)> {
    // The 10th at 09:00 China time: 9 days and 9 hours after the month's start.
    let starts = m.month_start_ms + 9 * 86_400_000 + 9 * 3_600_000;
    let suffix = (1_000 + m.index.clamp(0, 8_999)).to_string();
    let mut qb = QueryBuilder::<Db>::new(
        "INSERT INTO activities (id, title, project_id, team_id, team_path, org_path, kind, \
         status, description, starts_at, ends_at, place_name, lat, lon, capacity, waitlist, \
         required_skills, signup_opens_at, signup_closes_at, contact_name, contact_phone, \
         backfill_reason, series_id, recurrence, confirmed, walk_ins, wait_seq, created_at, \
         updated_at, version) SELECT t.id || ",
    );
    qb.push_bind(suffix.clone());
    qb.push(", '月度志愿服务', ");
    if m.project_ids.is_empty() {
        qb.push("NULL");
    } else {
        // Projects in turn, by the unit's creation time.
        qb.push("CASE ");
        let n = m.project_ids.len() as i64;
        for (i, p) in m.project_ids.iter().enumerate() {
            qb.push("WHEN ((t.created_at / 1000) + ")
                .push_bind(m.index)
                .push(") % ")
                .push_bind(n)
                .push(" = ")
                .push_bind(i as i64)
                .push(" THEN ")
                .push_bind(p.clone())
                .push(" ");
        }
        qb.push("END");
    }
    qb.push(", t.id, t.path, o.path, 'community', 'done', '', ")
        .push_bind(starts)
        .push(", ")
        .push_bind(starts + 3 * 3_600_000)
        .push(
            ", NULL, NULL, NULL, 100, FALSE, '[]', 0, 0, NULL, NULL, NULL, 'bench', NULL, 0, 0, \
             0, ",
        )
        .push_bind(starts)
        .push(", ")
        .push_bind(starts)
        .push(
            ", 1 FROM teams t JOIN orgs o ON o.id = t.org_id WHERE t.parent_team_id IS NULL \
             AND ((t.created_at / 1000) + ",
        )
        .push_bind(m.index)
        .push(") % ")
        .push_bind(m.skip_one_in.max(1))
        .push(" <> 0");
    if m.skip_one_in <= 1 {
        qb.push(" AND 1 = 0");
    }
    let acts = qb.build().execute(&mut **tx).await?.rows_affected() as i64;
    let day = day_of_start();
    let recs = sqlx::query(&format!(
        "INSERT INTO service_records (id, activity_id, volunteer_id, team_id, org_path, day, \
         checked_in_at, checked_out_at, minutes_ms, captured, status, eff_in, eff_out, eff_ms, \
         place, content, recipients, evaluation, person_in_charge, recorder, backfill_reason, \
         approved_by, approved_at, created_at) \
         SELECT a.id || m.volunteer_id, a.id, m.volunteer_id, a.team_id, a.org_path, {day}, \
         a.starts_at, a.starts_at + $2, $2, 'officer', 'approved', a.starts_at, \
         a.starts_at + $2, $2, '', '', '', '', '', 'bench', NULL, NULL, NULL, a.starts_at \
         FROM activities a JOIN team_members m ON m.team_id = a.team_id \
         WHERE a.status = 'done' AND a.starts_at = $1 AND a.series_id = 'bench'"
    ))
    .bind(starts)
    .bind(m.record_ms)
    .execute(&mut **tx)
    .await?
    .rows_affected() as i64;
    Ok((acts, recs))
}
