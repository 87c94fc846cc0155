//! Candidates (候选人) and call-ups (召集): the ranked list an officer calls from, calling
//! chosen people or "the best N", and the volunteer's one-tap answer. Declining is always
//! allowed and costs nothing (R-LAW-1 art. 25): it never lowers anyone's ranking.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, TimeZone};
use serde::Deserialize;
use utoipa::ToSchema;
use zhiyuan_domain::emergency::{check_response_minutes, CallupStatus, IncidentStatus, RankKey};
use zhiyuan_domain::{GeoPoint, Scope};
use zhiyuan_store::emergency::{CallupNotice, CallupRow, IncidentRow};
use zhiyuan_store::StoreError;

use super::index::{Hit, Search};
use super::views::{round2, CallupView, CandidateView};
use crate::error::{AppError, AppResult};
use crate::views::Page;
use crate::{clock, new_id, Actor, App, ErrorKind};

/// Default and largest candidate list.
pub const DEFAULT_CANDIDATES: usize = 20;
pub const MAX_CANDIDATES: usize = 200;

#[derive(Clone, Debug, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateQuery {
    /// How many (default 20, at most 200).
    pub limit: Option<i64>,
}

/// API.md: `{"volunteer_ids":[…]}`; or `{"best": N}` for the N best candidates.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewCallups {
    #[serde(default)]
    pub volunteer_ids: Vec<String>,
    pub best: Option<i64>,
    /// Minutes to answer (defaults to the incident's).
    pub response_minutes: Option<i64>,
}

/// A volunteer's answer.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct CallupAnswer {
    pub accept: bool,
}

/// Start of the current year in China, unix ms.
fn year_start() -> i64 {
    let y = clock::today().year();
    clock::china()
        .with_ymd_and_hms(y, 1, 1, 0, 0, 0)
        .single()
        .map(|d| d.timestamp_millis())
        .unwrap_or(0)
}

impl App {
    /// The ranked candidates of an incident (API.md): volunteers of the commanding org's
    /// subtree with every required skill, available (active; not holding an accepted call-up
    /// of another open incident; not in a confirmed activity under way; not yet called for
    /// this one), with a consented home; nearest first, then detachment members, then the
    /// least called this year.
    pub async fn incident_candidates(
        &self,
        actor: &Actor,
        id: &str,
        q: &CandidateQuery,
    ) -> AppResult<Vec<CandidateView>> {
        let i = self.commanded_incident(actor, id).await?;
        let limit = q
            .limit
            .unwrap_or(DEFAULT_CANDIDATES as i64)
            .clamp(1, MAX_CANDIDATES as i64) as usize;
        self.rank_candidates(&i, limit).await
    }

    pub(crate) async fn rank_candidates(
        &self,
        i: &IncidentRow,
        limit: usize,
    ) -> AppResult<Vec<CandidateView>> {
        let now = clock::now_ms();
        let mut exclude: HashSet<String> = self
            .store
            .committed_volunteers()
            .await?
            .into_iter()
            .map(|(v, _)| v)
            .collect();
        exclude.extend(self.store.busy_in_activities(now).await?);
        exclude.extend(
            self.store
                .callups_of(&i.id)
                .await?
                .into_iter()
                .map(|c| c.volunteer_id),
        );
        let skills: Vec<String> = serde_json::from_str(&i.required_skills).unwrap_or_default();
        let at = GeoPoint::new(i.lat, i.lon)?;
        let state = self.synced_index().await?;
        let hits = state.read().await.ix.search(&Search {
            at,
            scope_path: &i.org_path,
            skills: &skills,
            exclude: &exclude,
            limit,
        });
        let ids: Vec<String> = hits.iter().map(|h| h.volunteer_id.clone()).collect();
        let detachment: HashSet<String> = self
            .store
            .detachment_members(&ids)
            .await?
            .into_iter()
            .collect();
        let counts: HashMap<String, i64> = self
            .store
            .callup_counts(&ids, year_start())
            .await?
            .into_iter()
            .collect();
        fn rank_key<'h>(
            h: &'h Hit,
            detachment: &HashSet<String>,
            counts: &HashMap<String, i64>,
        ) -> RankKey<'h> {
            RankKey {
                distance_km: h.distance_km,
                in_detachment: detachment.contains(&h.volunteer_id),
                callups_this_year: counts.get(&h.volunteer_id).copied().unwrap_or(0),
                volunteer_id: &h.volunteer_id,
            }
        }
        let mut ranked = hits.clone();
        ranked.sort_by(|a, b| {
            rank_key(a, &detachment, &counts).cmp_rank(&rank_key(b, &detachment, &counts))
        });
        ranked.truncate(limit);
        let ids: Vec<String> = ranked.iter().map(|h| h.volunteer_id.clone()).collect();
        let cards: HashMap<String, _> = self
            .store
            .volunteer_cards(&ids)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        Ok(ranked
            .iter()
            .enumerate()
            .filter_map(|(n, h)| {
                let c = cards.get(&h.volunteer_id)?;
                let k = rank_key(h, &detachment, &counts);
                Some(CandidateView {
                    volunteer_id: h.volunteer_id.clone(),
                    name: c.name.clone(),
                    volunteer_no: c.volunteer_no.clone(),
                    distance_km: round2(h.distance_km),
                    skills: c.skills.clone(),
                    in_detachment: k.in_detachment,
                    callups_this_year: k.callups_this_year,
                    rank: n as i64 + 1,
                })
            })
            .collect())
    }

    /// Calls volunteers up (API.md `POST /api/v1/incidents/{id}/callups`): the chosen ones, or
    /// the best N candidates. Each gets a notice with a link to answer on the phone. All or
    /// nothing: an unknown volunteer (404), one outside the commanding org (403), one not
    /// active (422), already called (409) or committed to another open incident (409) writes
    /// nothing.
    pub async fn call_up(
        &self,
        actor: &Actor,
        id: &str,
        input: &NewCallups,
    ) -> AppResult<Page<CallupView>> {
        let i = self.commanded_incident(actor, id).await?;
        if i.status != IncidentStatus::Open.as_str() {
            return Err(incident_not_open());
        }
        let minutes = check_response_minutes(input.response_minutes.unwrap_or(i.response_minutes))?;
        let chosen: Vec<(String, Option<f64>)> = match (input.best, input.volunteer_ids.is_empty())
        {
            (Some(n), true) => {
                if !(1..=MAX_CANDIDATES as i64).contains(&n) {
                    return Err(AppError::invalid(
                        "best",
                        "best_invalid",
                        format!("一次最多召集 {MAX_CANDIDATES} 人"),
                    ));
                }
                let best = self.rank_candidates(&i, n as usize).await?;
                if best.is_empty() {
                    return Err(AppError::invalid(
                        "best",
                        "no_candidates",
                        "没有符合条件的候选人",
                    ));
                }
                best.into_iter()
                    .map(|c| (c.volunteer_id, Some(c.distance_km)))
                    .collect()
            }
            (None, false) => self.check_chosen(&i, &input.volunteer_ids).await?,
            _ => {
                return Err(AppError::invalid(
                    "volunteer_ids",
                    "callup_target_invalid",
                    "请选择要召集的志愿者，或填写召集人数（二选一）",
                ))
            }
        };
        let now = clock::now_ms();
        let deadline = now + minutes * 60_000;
        let rows: Vec<CallupRow> = chosen
            .iter()
            .map(|(vid, d)| CallupRow {
                id: new_id(),
                incident_id: i.id.clone(),
                volunteer_id: vid.clone(),
                status: CallupStatus::Called.as_str().into(),
                seq: 0,
                distance_km: *d,
                called_by: actor.username.clone(),
                called_at: now,
                deadline_at: deadline,
                responded_at: None,
                updated_at: now,
                volunteer_name: String::new(),
                volunteer_no: String::new(),
                home_lat: None,
                home_lon: None,
                on_site_since: None,
                ever_arrived: false,
                incident_title: String::new(),
                org_path: String::new(),
            })
            .collect();
        let notices: Vec<CallupNotice> = rows
            .iter()
            .map(|c| CallupNotice {
                volunteer_id: c.volunteer_id.clone(),
                title: format!("应急召集：{}", i.title),
                body: format!(
                    "{}（{}）需要您支援，请在 {} 分钟内回复是否前往。可以婉拒，不影响您的任何记录。",
                    i.title,
                    if i.address.is_empty() { "地点见详情" } else { &i.address },
                    minutes
                ),
                link: format!("/callups/{}", c.id),
                dedupe_key: format!("callup:{}", c.id),
            })
            .collect();
        let events: Vec<_> = rows
            .iter()
            .map(|c| self.board_event(&i.id, "called", Some(&c.id), Some(&c.volunteer_id), now))
            .collect();
        let audit = self.audit_entry(
            actor,
            "callup.create",
            "incident",
            &i.id,
            &i.org_path,
            None,
            Some(serde_json::json!({
                "volunteer_ids": rows.iter().map(|c| &c.volunteer_id).collect::<Vec<_>>(),
                "response_minutes": minutes,
            })),
        );
        let payloads: Vec<String> = events.iter().map(|e| e.payload()).collect();
        match self
            .store
            .insert_callups(&i.id, &rows, &notices, &payloads, &audit)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Stale) => return Err(incident_not_open()),
            Err(StoreError::Conflict(_)) => return Err(already_called()),
            Err(e) => return Err(e.into()),
        }
        self.publish(events);
        let made: HashSet<&str> = rows.iter().map(|c| c.id.as_str()).collect();
        let items: Vec<CallupView> = self
            .store
            .callups_of(&i.id)
            .await?
            .iter()
            .filter(|c| made.contains(c.id.as_str()))
            .map(|c| CallupView::build(c, now))
            .collect();
        Ok(Page {
            total: items.len() as i64,
            items,
        })
    }

    /// The chosen volunteers, each checked; with their distance when known.
    async fn check_chosen(
        &self,
        i: &IncidentRow,
        ids: &[String],
    ) -> AppResult<Vec<(String, Option<f64>)>> {
        if ids.len() > MAX_CANDIDATES {
            return Err(AppError::invalid(
                "volunteer_ids",
                "too_many",
                format!("一次最多召集 {MAX_CANDIDATES} 人"),
            ));
        }
        let called: HashSet<String> = self
            .store
            .callups_of(&i.id)
            .await?
            .into_iter()
            .map(|c| c.volunteer_id)
            .collect();
        let committed: HashMap<String, String> = self
            .store
            .committed_volunteers()
            .await?
            .into_iter()
            .collect();
        let at = GeoPoint::new(i.lat, i.lon)?;
        let mut out: Vec<(String, Option<f64>)> = Vec::new();
        for raw in ids {
            let id = raw.trim();
            if out.iter().any(|(o, _)| o == id) {
                continue;
            }
            let v = self
                .store
                .get_volunteer(id)
                .await?
                .ok_or_else(|| AppError::not_found("志愿者").with_field("volunteer_ids"))?;
            if !zhiyuan_domain::is_within(&v.row.org_path, &i.org_path) {
                return Err(AppError::forbidden().with_field("volunteer_ids"));
            }
            if v.row.status != "active" {
                return Err(AppError::invalid(
                    "volunteer_ids",
                    "volunteer_unavailable",
                    format!("{}目前不在岗（已暂停或退出），不能召集", v.row.name),
                ));
            }
            if called.contains(id) {
                return Err(already_called());
            }
            if committed.get(id).is_some_and(|other| *other != i.id) {
                return Err(AppError::conflict(
                    "volunteer_committed",
                    format!("{}已接受另一起事件的召集", v.row.name),
                )
                .with_field("volunteer_ids"));
            }
            let d = match (v.row.consent_location, v.row.home_lat, v.row.home_lon) {
                (true, Some(lat), Some(lon)) => GeoPoint::new(lat, lon)
                    .ok()
                    .map(|h| round2(at.distance_km(&h))),
                _ => None,
            };
            out.push((id.to_owned(), d));
        }
        if out.is_empty() {
            return Err(AppError::invalid(
                "volunteer_ids",
                "callup_target_invalid",
                "请选择要召集的志愿者",
            ));
        }
        Ok(out)
    }

    /// Every call-up of an incident, in calling order.
    pub async fn incident_callups(&self, actor: &Actor, id: &str) -> AppResult<Page<CallupView>> {
        let i = self.commanded_incident(actor, id).await?;
        let now = clock::now_ms();
        let items: Vec<CallupView> = self
            .store
            .callups_of(&i.id)
            .await?
            .iter()
            .map(|c| CallupView::build(c, now))
            .collect();
        Ok(Page {
            total: items.len() as i64,
            items,
        })
    }

    /// A call-up as its volunteer (or an officer commanding the incident) sees it.
    pub async fn get_callup(
        &self,
        actor: &Actor,
        id: &str,
    ) -> AppResult<(CallupView, super::IncidentView)> {
        let c = self
            .store
            .get_callup(id)
            .await?
            .ok_or_else(|| AppError::not_found("召集"))?;
        let own = actor.volunteer_id.as_deref() == Some(c.volunteer_id.as_str());
        let i = match own {
            true => self
                .store
                .get_incident(&c.incident_id)
                .await?
                .ok_or_else(|| AppError::not_found("召集"))?,
            false => self
                .commanded_incident(actor, &c.incident_id)
                .await
                .map_err(|_| AppError::not_found("召集"))?,
        };
        Ok((
            CallupView::build(&c, clock::now_ms()),
            super::IncidentView::from(&i),
        ))
    }

    /// The logged-in volunteer's call-ups, newest first.
    pub async fn my_callups(&self, actor: &Actor) -> AppResult<Vec<CallupView>> {
        let Scope::Volunteer { volunteer_id } = &actor.scope else {
            return Err(AppError::role_forbidden());
        };
        let now = clock::now_ms();
        Ok(self
            .store
            .callups_of_volunteer(volunteer_id, 50)
            .await?
            .iter()
            .map(|c| CallupView::build(c, now))
            .collect())
    }

    /// The volunteer answers: accept (while the deadline holds and the incident is open) or
    /// decline (always, until they have been on site). Only the volunteer themself answers:
    /// nobody is assigned by someone else (R-LAW-1 art. 25).
    pub async fn answer_callup(
        &self,
        actor: &Actor,
        id: &str,
        answer: &CallupAnswer,
    ) -> AppResult<CallupView> {
        let c = self
            .store
            .get_callup(id)
            .await?
            .ok_or_else(|| AppError::not_found("召集"))?;
        if actor.volunteer_id.as_deref() != Some(c.volunteer_id.as_str()) {
            return Err(AppError::not_found("召集"));
        }
        let status = CallupStatus::parse(&c.status)?;
        let now = clock::now_ms();
        let (from, to, not_after, kind): (&[&str], _, _, _) = if answer.accept {
            if status.effective(c.deadline_at, now) == CallupStatus::Expired {
                return Err(AppError::conflict(
                    "callup_expired",
                    "已超过响应时限，本次召集已失效",
                ));
            }
            if !status.can_accept(c.deadline_at, now) {
                return Err(answered(status));
            }
            (&["called"], CallupStatus::Accepted, Some(now), "accepted")
        } else {
            if !status.can_decline(c.ever_arrived) {
                return Err(answered(status));
            }
            (
                &["called", "expired", "accepted"],
                CallupStatus::Declined,
                None,
                "declined",
            )
        };
        let i = self
            .store
            .get_incident(&c.incident_id)
            .await?
            .ok_or_else(|| AppError::not_found("召集"))?;
        if answer.accept && i.status != IncidentStatus::Open.as_str() {
            return Err(incident_not_open());
        }
        let event = self.board_event(
            &c.incident_id,
            kind,
            Some(&c.id),
            Some(&c.volunteer_id),
            now,
        );
        let audit = self.audit_entry(
            actor,
            &format!("callup.{kind}"),
            "callup",
            &c.id,
            &i.org_path,
            Some(serde_json::json!({"status": status.as_str()})),
            Some(serde_json::json!({"status": to.as_str()})),
        );
        match self
            .store
            .respond_callup(
                &c.id,
                from,
                to.as_str(),
                now,
                not_after,
                &[event.payload()],
                &audit,
            )
            .await
        {
            Ok(()) => {}
            // Changed meanwhile (expired, withdrawn, answered elsewhere): say what it is now.
            Err(StoreError::Stale) => {
                let fresh = self
                    .store
                    .get_callup(&c.id)
                    .await?
                    .ok_or_else(AppError::internal)?;
                let s = CallupStatus::parse(&fresh.status)?.effective(fresh.deadline_at, now);
                return Err(match s {
                    CallupStatus::Expired => {
                        AppError::conflict("callup_expired", "已超过响应时限，本次召集已失效")
                    }
                    _ if fresh.ever_arrived => {
                        AppError::conflict("already_on_site", "您已到场，请扫码签退")
                    }
                    _ => answered(s),
                });
            }
            Err(e) => return Err(e.into()),
        }
        self.publish(vec![event]);
        let fresh = self
            .store
            .get_callup(&c.id)
            .await?
            .ok_or_else(AppError::internal)?;
        Ok(CallupView::build(&fresh, clock::now_ms()))
    }
}

fn incident_not_open() -> AppError {
    AppError::conflict("incident_not_open", "事件已收队或结束，不能再召集")
}

fn already_called() -> AppError {
    AppError::conflict("already_called", "该志愿者已被召集过").with_field("volunteer_ids")
}

fn answered(now: CallupStatus) -> AppError {
    AppError::new(
        ErrorKind::Conflict,
        "callup_answered",
        format!("本次召集当前为“{}”，不能再更改", now.label_zh()),
    )
}
