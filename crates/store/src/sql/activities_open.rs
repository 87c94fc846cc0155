//! The reads behind the volunteers' open-activities view (app/activities/open_view.rs): the
//! published, not-ended rows in pages (load, reconciliation), the rows changed since a time
//! (delta looks, index `activities_updated_at`), and the live sign-ups of many volunteers at
//! once (one statement for a burst of page requests).

use sqlx::QueryBuilder;

use super::super::Db;
use super::ACTIVITY_SELECT;
use crate::activities::{ActivityRow, SignupRow};
use crate::StoreResult;

/// Volunteers per statement of `own_signups` (one bind each).
const CHUNK: usize = 500;

pub(super) async fn open_page(
    pool: &sqlx::Pool<Db>,
    ends_after: i64,
    after_id: &str,
    limit: i64,
) -> StoreResult<Vec<ActivityRow>> {
    Ok(sqlx::query_as(&format!(
        "{ACTIVITY_SELECT} WHERE a.status = 'published' AND a.ends_at > $1 AND a.id > $2 \
         ORDER BY a.id LIMIT $3"
    ))
    .bind(ends_after)
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn changed(
    pool: &sqlx::Pool<Db>,
    since: i64,
    after_id: &str,
    limit: i64,
) -> StoreResult<Vec<ActivityRow>> {
    Ok(sqlx::query_as(&format!(
        "{ACTIVITY_SELECT} WHERE a.updated_at >= $1 AND (a.updated_at > $1 OR a.id > $2) \
         ORDER BY a.updated_at, a.id LIMIT $3"
    ))
    .bind(since)
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn own_signups(
    pool: &sqlx::Pool<Db>,
    volunteer_ids: &[String],
) -> StoreResult<Vec<SignupRow>> {
    let mut out = Vec::new();
    for chunk in volunteer_ids.chunks(CHUNK) {
        // No join with `activities`: the open view knows which activities are open, and a
        // probe of each sign-up's activity row cost ten times the rest (history rows too).
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT s.*, v.name AS volunteer_name, \
             CASE WHEN s.status = 'waitlisted' THEN (SELECT COUNT(*) FROM signups w \
               WHERE w.activity_id = s.activity_id AND w.status = 'waitlisted' AND w.seq <= s.seq) \
             ELSE NULL END AS position \
             FROM signups s JOIN volunteers v ON v.id = s.volunteer_id \
             WHERE s.status <> 'cancelled' AND s.volunteer_id IN (",
        );
        super::super::oversight::in_list(&mut qb, chunk);
        qb.push(")");
        out.extend(qb.build_query_as::<SignupRow>().fetch_all(pool).await?);
    }
    Ok(out)
}
