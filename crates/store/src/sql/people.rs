//! Volunteers and user accounts.

use std::collections::HashMap;

use sqlx::query_builder::Separated;
use sqlx::{Pool, QueryBuilder};

use super::{Db, Tx};
use crate::{
    path_upper, StoreError, StoreResult, UserRow, VolunteerQuery, VolunteerRecord, VolunteerRow,
};

const SELECT_VOLUNTEER: &str = "SELECT v.*, o.path AS org_path, o.name AS org_name \
     FROM volunteers v JOIN orgs o ON o.id = v.org_id";

/// The volunteers table's INSERT head, its columns in the order [`push_volunteer`] binds them
/// (one text for a registration, an import chunk and the generator).
pub(super) const VOLUNTEER_INSERT: &str =
    "INSERT INTO volunteers (id, volunteer_no, name, id_cipher, id_hash, id_masked, birth_date, \
     gender, phone, org_id, veteran, branch, enlisted_year, discharged_year, military_rank, \
     party_member, health, home_lat, home_lon, consent_data, consent_location, \
     guardian_consent, status, created_at, updated_at, version) ";

/// Binds one volunteer's values of [`VOLUNTEER_INSERT`] (26 of them) into a `push_values` row.
pub(super) fn push_volunteer<'args>(
    mut b: Separated<'_, 'args, Db, &'static str>,
    v: &'args VolunteerRow,
) {
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
}

pub(super) async fn insert_volunteer(tx: &mut Tx, rec: &VolunteerRecord) -> StoreResult<()> {
    let v = &rec.row;
    let mut qb = QueryBuilder::<Db>::new(VOLUNTEER_INSERT);
    qb.push_values(std::iter::once(v), push_volunteer);
    qb.build().execute(&mut **tx).await?;
    super::oversight_agg::inserted(tx, super::oversight_agg::Kind::Volunteer, &[&v.id]).await?;
    super::name_grams::insert_for(tx, &[v]).await?;
    write_skills(tx, &v.id, &rec.skills).await
}

async fn write_skills(tx: &mut Tx, volunteer_id: &str, skills: &[String]) -> StoreResult<()> {
    sqlx::query("DELETE FROM volunteer_skills WHERE volunteer_id = $1")
        .bind(volunteer_id)
        .execute(&mut **tx)
        .await?;
    if skills.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("INSERT INTO volunteer_skills (volunteer_id, skill) ");
    qb.push_values(skills, |mut b, s| {
        b.push_bind(volunteer_id).push_bind(s);
    });
    qb.build().execute(&mut **tx).await?;
    Ok(())
}

/// Everything but the identity (ID number, volunteer number) may change; the version must be
/// the next one.
pub(super) async fn update_volunteer(tx: &mut Tx, rec: &VolunteerRecord) -> StoreResult<()> {
    let v = &rec.row;
    let ov =
        super::oversight_agg::Snapshot::take(tx, super::oversight_agg::Kind::Volunteer, &[&v.id])
            .await?;
    let grams_before = super::name_grams::before(tx, &v.id).await?;
    let done = sqlx::query(
        "UPDATE volunteers SET name = $1, phone = $2, org_id = $3, veteran = $4, branch = $5, \
         enlisted_year = $6, discharged_year = $7, military_rank = $8, party_member = $9, \
         health = $10, home_lat = $11, home_lon = $12, consent_data = $13, \
         consent_location = $14, guardian_consent = $15, status = $16, updated_at = $17, \
         version = $18 WHERE id = $19 AND version = $20",
    )
    .bind(&v.name)
    .bind(&v.phone)
    .bind(&v.org_id)
    .bind(v.veteran)
    .bind(&v.branch)
    .bind(v.enlisted_year)
    .bind(v.discharged_year)
    .bind(&v.military_rank)
    .bind(v.party_member)
    .bind(&v.health)
    .bind(v.home_lat)
    .bind(v.home_lon)
    .bind(v.consent_data)
    .bind(v.consent_location)
    .bind(v.guardian_consent)
    .bind(&v.status)
    .bind(v.updated_at)
    .bind(v.version)
    .bind(&v.id)
    .bind(v.version - 1)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    ov.apply(tx).await?;
    if let Some(was) = &grams_before {
        // A new name or org: the old grams go, the new ones come, in this transaction.
        super::name_grams::update_for(tx, was, v).await?;
    }
    write_skills(tx, &v.id, &rec.skills).await
}

pub(super) async fn get_volunteer(
    pool: &Pool<Db>,
    id: &str,
) -> StoreResult<Option<VolunteerRecord>> {
    let row: Option<VolunteerRow> = sqlx::query_as(&format!("{SELECT_VOLUNTEER} WHERE v.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    match row {
        None => Ok(None),
        Some(row) => Ok(with_skills(pool, vec![row]).await?.pop()),
    }
}

/// Unexpired sessions of the given token hashes with their accounts (see
/// `Store::sessions_with_users`), 500 tokens a statement.
pub(super) async fn sessions_with_users(
    pool: &Pool<Db>,
    token_hashes: &[String],
    now: i64,
) -> StoreResult<Vec<(crate::SessionRow, UserRow)>> {
    let mut out = Vec::with_capacity(token_hashes.len());
    for chunk in token_hashes.chunks(500) {
        let mut qb = QueryBuilder::<Db>::new("SELECT * FROM sessions WHERE expires_at > ");
        qb.push_bind(now).push(" AND token_hash IN (");
        let mut list = qb.separated(", ");
        for h in chunk {
            list.push_bind(h.clone());
        }
        qb.push(")");
        let sessions: Vec<crate::SessionRow> = qb.build_query_as().fetch_all(pool).await?;
        if sessions.is_empty() {
            continue;
        }
        let mut qb = QueryBuilder::<Db>::new("SELECT * FROM users WHERE id IN (");
        let mut list = qb.separated(", ");
        for s in &sessions {
            list.push_bind(s.user_id.clone());
        }
        qb.push(")");
        let users: Vec<UserRow> = qb.build_query_as().fetch_all(pool).await?;
        let mut by_id: HashMap<String, UserRow> =
            users.into_iter().map(|u| (u.id.clone(), u)).collect();
        for s in sessions {
            // Two sessions of one account share its row.
            if let Some(u) = by_id.get(&s.user_id) {
                let u = u.clone();
                out.push((s, u));
            }
        }
        by_id.clear();
    }
    Ok(out)
}

async fn with_skills(
    pool: &Pool<Db>,
    rows: Vec<VolunteerRow>,
) -> StoreResult<Vec<VolunteerRecord>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT volunteer_id, skill FROM volunteer_skills WHERE volunteer_id IN (",
    );
    let mut ids = qb.separated(", ");
    for r in &rows {
        ids.push_bind(&r.id);
    }
    qb.push(") ORDER BY volunteer_id, skill");
    let pairs: Vec<(String, String)> = qb.build_query_as().fetch_all(pool).await?;
    let mut by_id: HashMap<String, Vec<String>> = HashMap::new();
    for (id, skill) in pairs {
        by_id.entry(id).or_default().push(skill);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let skills = by_id.remove(&row.id).unwrap_or_default();
            VolunteerRecord { row, skills }
        })
        .collect())
}

/// LIKE pattern text with its wildcards escaped (the query says `ESCAPE '\'`).
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// How a search finds volunteers by name (姓名片段).
enum NameMatch {
    /// No name fragment.
    Any,
    /// Start from the volunteers holding `gram` (a fragment of 1–2 characters is its own gram,
    /// a longer one its rarest pair, checked exactly with `exact`).
    Gram { gram: String, exact: Option<String> },
    /// Start from the scope (it holds fewer volunteers than the gram) and check each name.
    Scan(String),
}

/// `FROM` of a search. From the grams, SQLite is held to the order grams → volunteer → org
/// with `CROSS JOIN` (without statistics it could start from the orgs of a scope instead).
fn push_from(qb: &mut QueryBuilder<'_, Db>, how: &NameMatch) {
    match how {
        NameMatch::Gram { .. } if super::name_grams::IS_SQLITE => qb.push(
            " FROM volunteer_name_grams g CROSS JOIN volunteers v ON v.id = g.volunteer_id \
             CROSS JOIN orgs o ON o.id = v.org_id",
        ),
        NameMatch::Gram { .. } => qb.push(
            " FROM volunteer_name_grams g JOIN volunteers v ON v.id = g.volunteer_id \
             JOIN orgs o ON o.id = v.org_id",
        ),
        _ => qb.push(" FROM volunteers v JOIN orgs o ON o.id = v.org_id"),
    };
}

/// ` AND` the name holds `fragment` (case-sensitive, like the grams).
fn push_contains(qb: &mut QueryBuilder<'_, Db>, fragment: &str) {
    if super::name_grams::IS_SQLITE {
        qb.push(" AND instr(v.name, ")
    } else {
        qb.push(" AND strpos(v.name, ")
    };
    qb.push_bind(fragment.to_owned()).push(") > 0");
}

fn push_filters(qb: &mut QueryBuilder<'_, Db>, q: &VolunteerQuery, how: &NameMatch) {
    push_scope_filters(
        qb,
        q.within_org_path.as_deref(),
        q.within_team_path.as_deref(),
        q.skill.as_deref(),
    );
    if let Some(id) = &q.only_id {
        qb.push(" AND v.id = ").push_bind(id.clone());
    }
    match how {
        NameMatch::Any => {}
        NameMatch::Gram { gram, exact } => {
            qb.push(" AND g.gram = ").push_bind(gram.clone());
            if let Some(f) = exact {
                push_contains(qb, f);
            }
        }
        NameMatch::Scan(f) => push_contains(qb, f),
    }
    if let Some(t) = &q.phone_tail {
        qb.push(" AND v.phone LIKE ")
            .push_bind(format!("%{}", like_escape(t)))
            .push(" ESCAPE '\\'");
    }
    if let Some(b) = q.veteran {
        qb.push(" AND v.veteran = ").push_bind(b);
    }
    if let Some(b) = q.party_member {
        qb.push(" AND v.party_member = ").push_bind(b);
    }
}

/// `WHERE` with the conditions every volunteer listing shares (`v` the volunteer, `o` their
/// org): within an org subtree, a member of a unit subtree, holding a skill.
pub(super) fn push_scope_filters(
    qb: &mut QueryBuilder<'_, Db>,
    within_org_path: Option<&str>,
    within_team_path: Option<&str>,
    skill: Option<&str>,
) {
    qb.push(" WHERE 1 = 1");
    if let Some(p) = within_org_path {
        qb.push(" AND o.path >= ").push_bind(p.to_owned());
        qb.push(" AND o.path < ").push_bind(path_upper(p));
    }
    if let Some(p) = within_team_path {
        qb.push(
            " AND EXISTS (SELECT 1 FROM team_members m JOIN teams t ON t.id = m.team_id \
             WHERE m.volunteer_id = v.id AND t.path >= ",
        )
        .push_bind(p.to_owned())
        .push(" AND t.path < ")
        .push_bind(path_upper(p))
        .push(")");
    }
    if let Some(s) = skill {
        qb.push(" AND EXISTS (SELECT 1 FROM volunteer_skills s WHERE s.volunteer_id = v.id AND s.skill = ")
            .push_bind(s.to_owned())
            .push(")");
    }
}

/// A page of volunteers and the exact number of matches. With a name fragment the search
/// starts from the gram table (`name_grams.rs`) unless the scope is the smaller set: a county
/// admin's common surname reads the county's ≈ 10,000 names rather than a province's 57,000
/// holders of the character.
pub(super) async fn search(
    pool: &Pool<Db>,
    q: &VolunteerQuery,
) -> StoreResult<(Vec<VolunteerRecord>, i64)> {
    let mut how = NameMatch::Any;
    let mut gram_rows = 0;
    if let Some(fragment) = q.name_fragment.as_deref().filter(|f| !f.is_empty()) {
        let scope = scope_size(pool, q).await?;
        // Each gram's rows, counted as far as the choice needs: up to the scope's size, or
        // all of them when the count is the total (no scope).
        let cap = scope.map_or(i64::MAX, |n| n.max(1));
        let mut best: Option<(String, i64)> = None;
        for gram in super::name_grams::lookup_grams(fragment) {
            let rows = super::name_grams::count(pool, &gram, cap).await?;
            if rows == 0 {
                // Some character or pair of the fragment is in nobody's name.
                return Ok((Vec::new(), 0));
            }
            if best.as_ref().is_none_or(|(_, n)| rows < *n) {
                best = Some((gram, rows));
            }
        }
        let Some((gram, rows)) = best else {
            return Ok((Vec::new(), 0));
        };
        gram_rows = rows;
        how = match scope {
            // A scope no bigger than the gram: read the scope's names.
            Some(size) if rows >= size => NameMatch::Scan(fragment.to_owned()),
            _ => NameMatch::Gram {
                exact: (fragment.chars().count() > 2).then(|| fragment.to_owned()),
                gram,
            },
        };
    }
    let only_org_scope = q.within_team_path.is_none()
        && q.only_id.is_none()
        && q.skill.is_none()
        && q.phone_tail.is_none()
        && q.veteran.is_none()
        && q.party_member.is_none();
    if let (NameMatch::Gram { gram, exact: None }, true) = (&how, only_org_scope) {
        return by_gram_order(pool, q, gram, gram_rows).await;
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT v.*, o.path AS org_path, o.name AS org_name");
    push_from(&mut qb, &how);
    push_filters(&mut qb, q, &how);
    qb.push(" ORDER BY v.created_at DESC, v.id LIMIT ")
        .push_bind(q.limit)
        .push(" OFFSET ")
        .push_bind(q.offset);
    let rows: Vec<VolunteerRow> = qb.build_query_as().fetch_all(pool).await?;
    let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*)");
    push_from(&mut count, &how);
    push_filters(&mut count, q, &how);
    let (total,): (i64,) = count.build_query_as().fetch_one(pool).await?;
    Ok((with_skills(pool, rows).await?, total))
}

/// A 1–2-character fragment, filtered by nothing but an org subtree: the page comes straight
/// from the gram's key, which is in the search's order (newest first, then id), and the
/// total from the gram's rows, so no volunteer row is read but the page's.
async fn by_gram_order(
    pool: &Pool<Db>,
    q: &VolunteerQuery,
    gram: &str,
    gram_rows: i64,
) -> StoreResult<(Vec<VolunteerRecord>, i64)> {
    let push_in_scope = |qb: &mut QueryBuilder<'_, Db>| {
        if let Some(p) = &q.within_org_path {
            qb.push(" AND g.org_id IN (SELECT id FROM orgs WHERE path >= ")
                .push_bind(p.clone())
                .push(" AND path < ")
                .push_bind(path_upper(p))
                .push(")");
        }
    };
    let join = if super::name_grams::IS_SQLITE {
        " CROSS JOIN"
    } else {
        " JOIN"
    };
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT v.*, o.path AS org_path, o.name AS org_name FROM \
         (SELECT g.volunteer_id, g.created_at FROM volunteer_name_grams g WHERE g.gram = ",
    );
    qb.push_bind(gram.to_owned());
    push_in_scope(&mut qb);
    qb.push(" ORDER BY g.created_at DESC, g.volunteer_id LIMIT ")
        .push_bind(q.limit)
        .push(" OFFSET ")
        .push_bind(q.offset)
        .push(") p")
        .push(join)
        .push(" volunteers v ON v.id = p.volunteer_id")
        .push(join)
        .push(" orgs o ON o.id = v.org_id ORDER BY p.created_at DESC, p.volunteer_id");
    let rows: Vec<VolunteerRow> = qb.build_query_as().fetch_all(pool).await?;
    let total = if q.within_org_path.is_none() {
        // One row per volunteer holding the fragment: the count is exact.
        gram_rows
    } else {
        let mut count =
            QueryBuilder::<Db>::new("SELECT COUNT(*) FROM volunteer_name_grams g WHERE g.gram = ");
        count.push_bind(gram.to_owned());
        push_in_scope(&mut count);
        let (n,): (i64,) = count.build_query_as().fetch_one(pool).await?;
        n
    };
    Ok((with_skills(pool, rows).await?, total))
}

/// About how many volunteers the org subtree or own record of `q` holds, `None` when `q` has
/// neither. An org subtree's size is the oversight aggregate (`ov_counts`, kept exact by every
/// write; one key read) summed over genders. It only picks where the search starts, so the
/// answer is right whatever it says. A unit scope is not sized: its members can only be found
/// by testing every volunteer, so the grams are read instead.
async fn scope_size(pool: &Pool<Db>, q: &VolunteerQuery) -> StoreResult<Option<i64>> {
    if q.only_id.is_some() {
        return Ok(Some(1));
    }
    let Some(path) = &q.within_org_path else {
        return Ok(None);
    };
    let root = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let (n,): (Option<i64>,) = sqlx::query_as(
        "SELECT CAST(SUM(n) AS BIGINT) FROM ov_counts WHERE org_id = $1 \
         AND key >= 'vol.gender.' AND key < 'vol.gender/'",
    )
    .bind(root)
    .fetch_one(pool)
    .await?;
    Ok(Some(n.unwrap_or(0)))
}

pub(super) async fn skill_suggestions(
    pool: &Pool<Db>,
    fragment: &str,
    limit: i64,
) -> StoreResult<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT skill, COUNT(*) AS n FROM volunteer_skills WHERE skill LIKE $1 ESCAPE '\\' \
         GROUP BY skill ORDER BY n DESC, skill LIMIT $2",
    )
    .bind(format!("%{}%", like_escape(fragment)))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn insert_user(tx: &mut Tx, u: &UserRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, username, password_hash, role, is_super, org_id, team_id, \
         volunteer_id, scope_org_path, disabled, created_at, person_name, login_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&u.id)
    .bind(&u.username)
    .bind(&u.password_hash)
    .bind(&u.role)
    .bind(u.is_super)
    .bind(&u.org_id)
    .bind(&u.team_id)
    .bind(&u.volunteer_id)
    .bind(&u.scope_org_path)
    .bind(u.disabled)
    .bind(u.created_at)
    .bind(&u.person_name)
    // Derived here, in the one insert, so no account can miss it or carry a stale one.
    .bind(zhiyuan_domain::username::username_key(&u.username))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
