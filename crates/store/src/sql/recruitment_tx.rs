//! Transaction steps of recruitment (both backends): the application row's columns, its
//! history lines, and issuing a registration number under concurrency.

use super::{Db, Tx};
use crate::recruitment::{ApplicationRow, NumberRangeRow, StepRow, RANGES_EXHAUSTED};
use crate::{StoreError, StoreResult};

pub(super) const APP_COLUMNS: &str =
    "team_id, org_id, org_path, name, id_cipher, id_hash, id_masked, \
     birth_date, gender, phone, veteran, branch, enlisted_year, discharged_year, military_rank, \
     party_member, health, no_record, skills, consent_data, guardian_consent, password_hash, \
     breaches_json, review_chain, step_index, current_org_id, current_org_path, status, \
     last_reason, volunteer_id, registration_no, updated_at, version";

type Args<'q> = <Db as sqlx::Database>::Arguments<'q>;
type Query<'q> = sqlx::query::Query<'q, Db, Args<'q>>;

/// Binds the columns of `APP_COLUMNS`, in order.
pub(super) fn bind_app<'q>(q: Query<'q>, a: &'q ApplicationRow) -> Query<'q> {
    q.bind(&a.team_id)
        .bind(&a.org_id)
        .bind(&a.org_path)
        .bind(&a.name)
        .bind(&a.id_cipher)
        .bind(&a.id_hash)
        .bind(&a.id_masked)
        .bind(&a.birth_date)
        .bind(&a.gender)
        .bind(&a.phone)
        .bind(a.veteran)
        .bind(&a.branch)
        .bind(a.enlisted_year)
        .bind(a.discharged_year)
        .bind(&a.military_rank)
        .bind(a.party_member)
        .bind(&a.health)
        .bind(a.no_record)
        .bind(&a.skills)
        .bind(a.consent_data)
        .bind(a.guardian_consent)
        .bind(&a.password_hash)
        .bind(&a.breaches_json)
        .bind(&a.review_chain)
        .bind(a.step_index)
        .bind(&a.current_org_id)
        .bind(&a.current_org_path)
        .bind(&a.status)
        .bind(&a.last_reason)
        .bind(&a.volunteer_id)
        .bind(&a.registration_no)
        .bind(a.updated_at)
        .bind(a.version)
}

pub(super) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) async fn insert_step(tx: &mut Tx, s: &StepRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO application_steps (application_id, step_index, org_id, org_name, level, \
         decision, reason, actor_id, actor_name, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&s.application_id)
    .bind(s.step_index)
    .bind(&s.org_id)
    .bind(&s.org_name)
    .bind(&s.level)
    .bind(&s.decision)
    .bind(&s.reason)
    .bind(&s.actor_id)
    .bind(&s.actor_name)
    .bind(s.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes the application when its stored version is the one before.
pub(super) async fn update_app(tx: &mut Tx, a: &ApplicationRow) -> StoreResult<()> {
    let sets: Vec<String> = APP_COLUMNS
        .split(", ")
        .enumerate()
        .map(|(i, c)| format!("{} = ${}", c.trim(), i + 1))
        .collect();
    let n = sets.len();
    let sql = format!(
        "UPDATE applications SET {} WHERE id = ${} AND version = ${}",
        sets.join(", "),
        n + 1,
        n + 2
    );
    let done = bind_app(sqlx::query(&sql), a)
        .bind(&a.id)
        .bind(a.version - 1)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    Ok(())
}

/// Takes the next number of the authority's first range with one left. The UPDATE locks the
/// range row and re-checks `next_no <= last_no` on the row it locked, so two concurrent
/// admissions never get the same number; when a range runs out between the pick and the
/// lock, the next range is tried.
pub(super) async fn issue_number(
    tx: &mut Tx,
    authority: &str,
) -> StoreResult<(i64, NumberRangeRow)> {
    for _ in 0..16 {
        let picked: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM number_ranges WHERE authority_org_id = $1 AND next_no <= last_no \
             ORDER BY first_no, id LIMIT 1",
        )
        .bind(authority)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((range_id,)) = picked else {
            return Err(StoreError::Conflict(RANGES_EXHAUSTED.to_owned()));
        };
        let updated: Option<NumberRangeRow> = sqlx::query_as(
            "UPDATE number_ranges SET next_no = next_no + 1 WHERE id = $1 AND next_no <= last_no \
             RETURNING *",
        )
        .bind(&range_id)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(r) = updated {
            return Ok((r.next_no - 1, r));
        }
    }
    Err(StoreError::Conflict(RANGES_EXHAUSTED.to_owned()))
}
