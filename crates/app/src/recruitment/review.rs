//! Bottom-up review (自下而上,分级把关, R-VOL-3): each level's queue, approve / return / reject
//! with a reason, and admission at the last level: the volunteer, their account, their place
//! in a unit, and a registration number from the authority's range (R-VOL-5), all in one
//! transaction.

use serde::Deserialize;
use utoipa::ToSchema;
use zhiyuan_domain::recruitment::{decide, Decision, NumberRange, StepOutcome};
use zhiyuan_domain::{Position, Role};
use zhiyuan_store::recruitment::{Admission, ApplicationRow, RANGES_EXHAUSTED};
use zhiyuan_store::{StoreError, UserRow, VolunteerRecord, VolunteerRow};

use super::path_ids;
use super::views::{ApplicationView, QueueCountView, QueueView, ReviewResult};
use crate::error::{AppError, AppResult};
use crate::volunteers::new_volunteer_no;
use crate::{clock, new_id, snapshot, Actor, App};

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ReviewInput {
    /// approve, return or reject
    pub decision: String,
    /// Required to return or reject: the applicant sees it.
    pub reason: Option<String>,
    /// Required to approve an application that breaks the team's policy (破格); logged.
    pub override_reason: Option<String>,
    /// At the last level: the unit to place the volunteer in (the applied team or one of its
    /// sub-units; default the applied team).
    pub unit_id: Option<String>,
    /// At the last level: the position (default member).
    pub position: Option<String>,
    /// The version read; a stale one answers 409.
    pub version: Option<i64>,
}

impl App {
    /// The actor's queue: pending applications waiting at orgs in their area, with counts per
    /// reviewing org.
    pub async fn review_queue(&self, actor: &Actor) -> AppResult<QueueView> {
        actor.require_admin()?;
        let within = actor.admin_org_path().unwrap_or("/");
        let (rows, total) = self.store.review_queue(within, 200).await?;
        let counts = self.store.queue_counts(within).await?;
        let mut items: Vec<ApplicationView> = rows
            .iter()
            .map(|a| ApplicationView::build(a, &[]))
            .collect();
        self.mark_duplicates(&rows, &mut items).await?;
        Ok(QueueView {
            counts: counts.iter().map(QueueCountView::from).collect(),
            items,
            total,
        })
    }

    /// One reviewer's decision. Only the reviewing org's own admins (or a super-administrator)
    /// decide a step: a county admin can't approve for the village station.
    pub async fn review_application(
        &self,
        actor: &Actor,
        id: &str,
        input: &ReviewInput,
    ) -> AppResult<ReviewResult> {
        let current = self.visible_application(actor, id).await?;
        if let Some(v) = input.version {
            if v != current.version {
                return Err(AppError::stale());
            }
        }
        if current.status != "pending" {
            return Err(AppError::conflict(
                "application_not_pending",
                "该申请不在审核中",
            ));
        }
        let at_org = current.current_org_id.clone().unwrap_or_default();
        if !actor.is_super && actor.org_id.as_deref() != Some(at_org.as_str()) {
            return Err(AppError::new(
                crate::ErrorKind::Forbidden,
                "not_your_level",
                "该申请正由其他层级审核",
            ));
        }
        let decision = Decision::parse(&input.decision)?;
        let chain: Vec<&str> = current
            .review_chain
            .split(',')
            .filter(|s| !s.is_empty())
            .collect();
        let breaches = serde_json::from_str::<Vec<serde_json::Value>>(&current.breaches_json)
            .map(|b| b.len())
            .unwrap_or(0);
        let reason_text = match decision {
            Decision::Approve => input.override_reason.as_deref(),
            _ => input.reason.as_deref(),
        };
        let outcome = decide(
            current.step_index as usize,
            chain.len(),
            decision,
            reason_text,
            breaches,
        )?;
        let reason = reason_text
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let now = clock::now_ms();
        let step = self
            .step_row(&current, decision.as_str(), reason.clone(), actor, now)
            .await?;
        let mut next = current.clone();
        next.updated_at = now;
        next.version = current.version + 1;
        match outcome {
            StepOutcome::NextLevel(k) => {
                let org_id = chain.get(k).ok_or_else(AppError::internal)?;
                let org = self
                    .store
                    .get_org(org_id)
                    .await?
                    .ok_or_else(AppError::internal)?;
                next.step_index = k as i64;
                next.current_org_id = Some(org.id);
                next.current_org_path = Some(org.path);
            }
            StepOutcome::Returned => {
                next.status = "returned".to_owned();
                next.last_reason = reason.clone();
                next.current_org_path = None;
            }
            StepOutcome::Rejected => {
                next.status = "rejected".to_owned();
                next.last_reason = reason.clone();
                next.current_org_path = None;
            }
            StepOutcome::Admit => {
                return self
                    .admit(actor, &current, next, step, input, reason, breaches > 0)
                    .await;
            }
        }
        let mut audit = self.audit_entry(
            actor,
            &format!("application.{}", decision.as_str()),
            "application",
            &next.id,
            &next.org_path,
            snapshot(&ApplicationView::build(&current, &[])),
            snapshot(&ApplicationView::build(&next, &[])),
        );
        if breaches > 0 && decision == Decision::Approve {
            audit.action = "application.approve_override".to_owned();
        }
        self.store.update_application(&next, &step, &audit).await?;
        let steps = self.store.application_steps(&next.id).await?;
        Ok(ReviewResult {
            application: ApplicationView::build(&next, &steps),
            volunteer_id: None,
            registration_no: None,
            warning: None,
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn admit(
        &self,
        actor: &Actor,
        current: &ApplicationRow,
        mut next: ApplicationRow,
        mut step: zhiyuan_store::recruitment::StepRow,
        input: &ReviewInput,
        reason: Option<String>,
        overridden: bool,
    ) -> AppResult<ReviewResult> {
        let applied = self
            .store
            .get_team(&current.team_id)
            .await?
            .ok_or_else(|| AppError::not_found("队伍"))?;
        let unit = match input
            .unit_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(uid) => {
                let u = self
                    .store
                    .get_team(uid)
                    .await?
                    .ok_or_else(|| AppError::not_found("单位").with_field("unit_id"))?;
                if !zhiyuan_domain::is_within(&u.path, &applied.path) {
                    return Err(AppError::invalid(
                        "unit_id",
                        "unit_outside_team",
                        "只能编入所申请队伍或其下属单位",
                    ));
                }
                u
            }
            None => applied.clone(),
        };
        let position = match input
            .position
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(p) => Position::parse(p)?,
            None => Position::Member,
        };
        // The nearest registration authority at or above the unit's org.
        let org_ids = path_ids(&unit.org_path);
        let authorities = self.store.registration_authorities(&org_ids).await?;
        let authority = org_ids
            .iter()
            .rev()
            .find(|id| authorities.contains(id))
            .cloned()
            .ok_or_else(|| {
                AppError::invalid(
                    "registration_authority",
                    "no_registration_authority",
                    "本队伍所在地区及上级均未设置注册机构，无法发放注册编号",
                )
            })?;
        let now = step.at;
        let volunteer = VolunteerRecord {
            row: VolunteerRow {
                id: new_id(),
                volunteer_no: new_volunteer_no(),
                name: current.name.clone(),
                id_cipher: current.id_cipher.clone(),
                id_hash: current.id_hash.clone(),
                id_masked: current.id_masked.clone(),
                birth_date: current.birth_date.clone(),
                gender: current.gender.clone(),
                phone: current.phone.clone(),
                org_id: current.org_id.clone(),
                veteran: current.veteran,
                branch: current.branch.clone(),
                enlisted_year: current.enlisted_year,
                discharged_year: current.discharged_year,
                military_rank: current.military_rank.clone(),
                party_member: current.party_member,
                health: current.health.clone(),
                home_lat: None,
                home_lon: None,
                consent_data: current.consent_data,
                consent_location: false,
                guardian_consent: current.guardian_consent,
                status: "active".to_owned(),
                created_at: now,
                updated_at: now,
                version: 1,
                org_path: current.org_path.clone(),
                org_name: String::new(),
            },
            skills: current
                .skills
                .split('、')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        let user = UserRow {
            id: new_id(),
            // The store sets the registration number as the login name.
            username: String::new(),
            password_hash: current.password_hash.clone(),
            role: Role::Volunteer.as_str().to_owned(),
            is_super: false,
            org_id: None,
            team_id: None,
            volunteer_id: Some(volunteer.row.id.clone()),
            scope_org_path: current.org_path.clone(),
            disabled: false,
            created_at: now,
            person_name: None,
        };
        next.status = "admitted".to_owned();
        next.volunteer_id = Some(volunteer.row.id.clone());
        next.current_org_path = None;
        next.last_reason = None;
        step.decision = "admit".to_owned();
        step.reason = reason;
        let after = snapshot(&ApplicationView::build(&next, &[]));
        let mut audits = vec![
            self.audit_entry(
                actor,
                if overridden {
                    "application.admit_override"
                } else {
                    "application.admit"
                },
                "application",
                &next.id,
                &next.org_path,
                snapshot(&ApplicationView::build(current, &[])),
                after,
            ),
            self.audit_entry(
                actor,
                "volunteer.admit",
                "volunteer",
                &volunteer.row.id,
                &volunteer.row.org_path,
                None,
                Some(serde_json::json!({
                    "name": volunteer.row.name,
                    "application_id": next.id,
                    "unit_id": unit.id,
                    "position": position.as_str(),
                })),
            ),
        ];
        audits[0].subject_type = "application".to_owned();
        let admission = Admission {
            application: next.clone(),
            step,
            volunteer,
            user,
            team_id: unit.id.clone(),
            position: position.as_str().to_owned(),
            authority_org_id: authority,
        };
        let issued = match self.store.admit(&admission, &audits).await {
            Ok(i) => i,
            Err(StoreError::Conflict(what)) if what == RANGES_EXHAUSTED => {
                return Err(AppError::conflict(
                    "registration_numbers_exhausted",
                    "注册机构的编号号段已用完，请先分配新的号段",
                ));
            }
            Err(StoreError::Conflict(what)) if what.contains("id_hash") => {
                return Err(AppError::conflict(
                    "duplicate_id_number",
                    "该身份证号码已登记为志愿者",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let range = NumberRange {
            first: issued.range.first_no,
            last: issued.range.last_no,
            next: issued.range.next_no,
        };
        let warning = range.near_end().then(|| {
            format!(
                "号段 {}{}–{} 已使用 {}/{}，请及时申请新号段",
                issued.range.prefix,
                range.first,
                range.last,
                range.issued(),
                range.size()
            )
        });
        next.registration_no = Some(issued.registration_no.clone());
        let steps = self.store.application_steps(&next.id).await?;
        Ok(ReviewResult {
            application: ApplicationView::build(&next, &steps),
            volunteer_id: next.volunteer_id.clone(),
            registration_no: Some(issued.registration_no),
            warning,
        })
    }
}
