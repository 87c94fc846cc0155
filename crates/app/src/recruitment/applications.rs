//! Applications (入队申请, the 政审表): submitted from the public phone page without an account,
//! or by a station for the applicant; followed with an opaque tracking code; corrected and
//! resubmitted when returned (R-VOL-1, R-VOL-2, R-VOL-3, R-LAW-6).

use rand::Rng;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::recruitment::{
    check_eligibility, review_chain, ApplicantFacts, Breach, EligibilityPolicy,
};
use zhiyuan_domain::{Level, PersonName};
use zhiyuan_store::recruitment::{ApplicationRow, StepRow};
use zhiyuan_store::TeamRow;

use super::path_ids;
use super::views::{
    breaches_of, status_label, ApplicationReceipt, ApplicationStatusView, ApplicationView, StepView,
};
use crate::auth::{check_password_strength, hash_password_blocking};
use crate::error::{AppError, AppResult, Problems};
use crate::views::Page;
use crate::volunteers::{check_person, CheckedPerson, PersonForm};
use crate::{clock, new_id, page_window, Actor, App};

/// The review form (政审表).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewApplication {
    /// The team of the applicant's locality (属地).
    pub team_id: String,
    pub name: String,
    /// GB 11643; stored encrypted, never shown whole.
    pub id_number: String,
    pub phone: String,
    #[serde(default)]
    pub veteran: bool,
    pub branch: Option<String>,
    pub enlisted_year: Option<i32>,
    pub discharged_year: Option<i32>,
    pub military_rank: Option<String>,
    #[serde(default)]
    pub party_member: bool,
    /// good, fair or poor
    pub health: Option<String>,
    /// Declares no criminal record and no administrative penalty.
    #[serde(default)]
    pub no_record: bool,
    #[serde(default)]
    pub skills: Vec<String>,
    /// Consent to the use of the data for recruitment and the volunteer record (required).
    #[serde(default)]
    pub consent_data: bool,
    /// Needed from 14 to 17 years of age; under 14 is refused.
    #[serde(default)]
    pub guardian_consent: bool,
    /// The password of the account created on admission (8–128 characters).
    pub password: String,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationList {
    /// pending, returned, rejected, admitted
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// 12 characters from an alphabet without look-alikes: unguessable (≈ 60 bits) and easy to
/// read out over the phone.
fn new_tracking_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

impl App {
    /// Every fault of the form at once (a phone is a slow way to learn them one by one).
    fn check_form(&self, input: &NewApplication) -> AppResult<CheckedPerson> {
        let mut p = Problems::default();
        let person = check_person(
            &mut p,
            &PersonForm {
                name: &input.name,
                id_number: &input.id_number,
                phone: &input.phone,
                guardian_consent: input.guardian_consent,
                health: input.health.as_deref(),
                skills: &input.skills,
                branch: input.branch.as_deref(),
                enlisted_year: input.enlisted_year,
                discharged_year: input.discharged_year,
                military_rank: input.military_rank.as_deref(),
            },
            clock::today(),
        );
        if !input.consent_data {
            p.push(AppError::invalid(
                "consent_data",
                "consent_required",
                "须同意记录和使用申请信息方可提交",
            ));
        }
        p.check(check_password_strength(&input.password));
        p.finish()?;
        person.ok_or_else(AppError::internal)
    }

    /// The policy of the unit, or of the nearest unit above it that has one.
    pub(crate) async fn effective_policy(&self, team: &TeamRow) -> AppResult<EligibilityPolicy> {
        let ids = path_ids(&team.path);
        let rows = self.store.policies_of(&ids).await?;
        let nearest = ids
            .iter()
            .rev()
            .find_map(|id| rows.iter().find(|p| &p.team_id == id));
        Ok(nearest
            .map(|p| EligibilityPolicy {
                min_age: p.min_age.map(|a| a.clamp(0, 200) as u32),
                max_age: p.max_age.map(|a| a.clamp(0, 200) as u32),
                require_party_member: p.require_party_member,
                require_veteran: p.require_veteran,
                require_healthy: p.require_healthy,
                require_no_record: p.require_no_record,
            })
            .unwrap_or_default())
    }

    /// Fills the row from the form and computes breaches and the review chain afresh.
    async fn fill_application(
        &self,
        row: &mut ApplicationRow,
        input: &NewApplication,
        f: CheckedPerson,
        team: &TeamRow,
    ) -> AppResult<Vec<Breach>> {
        let policy = self.effective_policy(team).await?;
        let facts = ApplicantFacts {
            age: f.id_number.age_on(clock::today()),
            party_member: input.party_member,
            veteran: input.veteran,
            health: f.health,
            no_record: input.no_record,
        };
        let breaches = check_eligibility(&policy, &facts);
        let ancestry = self.org_ancestry(&team.org_path).await?;
        let root = ancestry.first().ok_or_else(AppError::internal)?;
        let levels = self.reviewing_levels(&root.id).await?;
        let pairs: Vec<(String, Level)> = ancestry
            .iter()
            .filter_map(|o| Level::parse(&o.level).ok().map(|l| (o.id.clone(), l)))
            .collect();
        let chain = review_chain(&pairs, &levels);
        let first = chain
            .first()
            .and_then(|id| ancestry.iter().find(|o| &o.id == id))
            .ok_or_else(AppError::internal)?;
        row.name = f.name.as_str().to_owned();
        row.id_masked = f.id_number.masked();
        row.birth_date = f.id_number.birth_date().format("%Y-%m-%d").to_string();
        row.gender = f.id_number.gender().as_str().to_owned();
        row.phone = f.phone.as_str().to_owned();
        row.veteran = input.veteran;
        row.branch = f.veteran.branch;
        row.enlisted_year = f.veteran.enlisted_year.map(i64::from);
        row.discharged_year = f.veteran.discharged_year.map(i64::from);
        row.military_rank = f.veteran.rank;
        row.party_member = input.party_member;
        row.health = f.health.as_str().to_owned();
        row.no_record = input.no_record;
        row.skills = f.skills.to_text();
        row.consent_data = input.consent_data;
        row.guardian_consent = input.guardian_consent;
        row.password_hash = hash_password_blocking(&input.password).await?;
        row.breaches_json = serde_json::to_string(&breaches).map_err(|_| AppError::internal())?;
        row.review_chain = chain.join(",");
        row.step_index = 0;
        row.current_org_id = Some(first.id.clone());
        row.current_org_path = Some(first.path.clone());
        row.status = "pending".to_owned();
        Ok(breaches)
    }

    /// Submits an application: from the public page (`actor` None) or by an admin for the
    /// applicant. Policy breaches don't block submission: they are shown, and approval then
    /// needs an explicit, logged override.
    ///
    /// An anonymous answer never tells whether the ID number is already registered or under
    /// review (anyone holding someone's number could ask): such an application is taken like
    /// any other and its reviewers see the duplicate (`ApplicationView::duplicates`), so the
    /// station tells the person. Anonymous submissions are also throttled per address.
    pub async fn submit_application(
        &self,
        actor: Option<&Actor>,
        input: &NewApplication,
        client_addr: &str,
    ) -> AppResult<ApplicationReceipt> {
        if actor.is_none() {
            self.throttle_public_submission(client_addr)?;
        }
        let team = match actor {
            Some(a) => {
                a.require_admin()?;
                self.writable_team(a, input.team_id.trim(), "team_id")
                    .await?
            }
            None => self
                .store
                .get_team(input.team_id.trim())
                .await?
                .ok_or_else(|| AppError::not_found("队伍").with_field("team_id"))?,
        };
        let form = self.check_form(input)?;
        let id_hash = self.secrets.hash_id(form.id_number.as_str());
        if actor.is_some() {
            self.refuse_duplicate_application(&id_hash).await?;
        }
        let now = clock::now_ms();
        let mut row = ApplicationRow {
            id: new_id(),
            tracking_code: new_tracking_code(),
            team_id: team.id.clone(),
            org_id: team.org_id.clone(),
            org_path: team.org_path.clone(),
            name: String::new(),
            id_cipher: self.secrets.encrypt_id(form.id_number.as_str()),
            id_hash,
            id_masked: String::new(),
            birth_date: String::new(),
            gender: String::new(),
            phone: String::new(),
            veteran: false,
            branch: None,
            enlisted_year: None,
            discharged_year: None,
            military_rank: None,
            party_member: false,
            health: String::new(),
            no_record: false,
            skills: String::new(),
            consent_data: false,
            guardian_consent: false,
            password_hash: String::new(),
            breaches_json: "[]".to_owned(),
            review_chain: String::new(),
            step_index: 0,
            current_org_id: None,
            current_org_path: None,
            status: String::new(),
            last_reason: None,
            volunteer_id: None,
            registration_no: None,
            submitted_by: actor.and_then(Actor::actor_id),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let breaches = self.fill_application(&mut row, input, form, &team).await?;
        let applicant = Actor::system("申请人");
        let by = actor.unwrap_or(&applicant);
        let step = self.step_row(&row, "submitted", None, by, now).await?;
        let view = ApplicationView::build(&row, &[]);
        let audit = self.audit_entry(
            by,
            "application.submit",
            "application",
            &row.id,
            &row.org_path,
            None,
            crate::snapshot(&view),
        );
        self.store.insert_application(&row, &step, &audit).await?;
        Ok(ApplicationReceipt {
            id: row.id,
            tracking_code: row.tracking_code,
            status: row.status,
            breaches: breaches.iter().map(Into::into).collect(),
        })
    }

    /// An admin applying for someone in their area may be told what the ID number is.
    async fn refuse_duplicate_application(&self, id_hash: &str) -> AppResult<()> {
        let hashes = [id_hash.to_owned()];
        if !self.store.existing_id_hashes(&hashes).await?.is_empty() {
            return Err(
                AppError::conflict("duplicate_id_number", "该身份证号码已登记为志愿者")
                    .with_field("id_number"),
            );
        }
        if !self
            .store
            .open_applications_by_hash(&hashes)
            .await?
            .is_empty()
        {
            return Err(AppError::conflict(
                "application_open",
                "该身份证号码已有正在审核的申请，请用查询码查看进度",
            )
            .with_field("id_number"));
        }
        Ok(())
    }

    /// Warns reviewers of applications whose ID number is already registered or carried by
    /// another open application (the anonymous form accepts both without saying so).
    pub(crate) async fn mark_duplicates(
        &self,
        rows: &[ApplicationRow],
        views: &mut [ApplicationView],
    ) -> AppResult<()> {
        let hashes: Vec<String> = rows.iter().map(|r| r.id_hash.clone()).collect();
        let registered = self.store.existing_id_hashes(&hashes).await?;
        let open = self.store.open_applications_by_hash(&hashes).await?;
        for (row, view) in rows.iter().zip(views.iter_mut()) {
            if registered.contains(&row.id_hash) && row.status != "admitted" {
                view.duplicates.push(
                    "该身份证号码已登记为志愿者：请与申请人联系核实后退回或不予通过".to_owned(),
                );
            }
            let others = open
                .iter()
                .filter(|(h, id)| h == &row.id_hash && id != &row.id)
                .count();
            if others > 0 {
                view.duplicates.push(format!(
                    "该身份证号码另有 {others} 份申请正在审核：请与申请人联系核实"
                ));
            }
        }
        Ok(())
    }

    /// A history line for the application at its current step.
    pub(crate) async fn step_row(
        &self,
        a: &ApplicationRow,
        decision: &str,
        reason: Option<String>,
        actor: &Actor,
        at: i64,
    ) -> AppResult<StepRow> {
        let org = match &a.current_org_id {
            Some(id) => self.store.get_org(id).await?,
            None => None,
        };
        Ok(StepRow {
            id: 0,
            application_id: a.id.clone(),
            step_index: a.step_index,
            org_id: org.as_ref().map(|o| o.id.clone()),
            org_name: org.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
            level: org.map(|o| o.level).unwrap_or_default(),
            decision: decision.to_owned(),
            reason,
            actor_id: actor.actor_id(),
            actor_name: actor.username.clone(),
            at,
        })
    }

    async fn by_code(&self, code: &str) -> AppResult<ApplicationRow> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() != 12 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(AppError::not_found("申请"));
        }
        self.store
            .get_application_by_code(&code)
            .await?
            .ok_or_else(|| AppError::not_found("申请"))
    }

    /// Where an application stands, for whoever holds its tracking code.
    pub async fn application_status(&self, code: &str) -> AppResult<ApplicationStatusView> {
        let a = self.by_code(code).await?;
        let steps = self.store.application_steps(&a.id).await?;
        let waiting_at = match (&a.status[..], &a.current_org_id) {
            ("pending", Some(id)) => self.store.get_org(id).await?.map(|o| o.name),
            _ => None,
        };
        let name_masked = PersonName::parse(&a.name)
            .map(|n| n.masked())
            .unwrap_or_default();
        Ok(ApplicationStatusView {
            tracking_code: a.tracking_code.clone(),
            name_masked,
            status: a.status.clone(),
            status_label: status_label(&a.status).to_owned(),
            waiting_at,
            step_index: a.step_index,
            steps_total: a.review_chain.split(',').filter(|s| !s.is_empty()).count() as i64,
            last_reason: a.last_reason.clone(),
            breaches: breaches_of(&a),
            registration_no: a.registration_no.clone(),
            username: a.registration_no.clone(),
            history: steps.iter().map(|s| StepView::build(s, true)).collect(),
        })
    }

    /// The applicant corrects a returned application; review starts again at the first level
    /// (every level checks the corrected form). The ID number can't change.
    pub async fn resubmit_application(
        &self,
        code: &str,
        input: &NewApplication,
    ) -> AppResult<ApplicationStatusView> {
        let current = self.by_code(code).await?;
        if current.status != "returned" {
            return Err(AppError::conflict(
                "application_not_returned",
                "只有被退回的申请可以修改后重新提交",
            ));
        }
        let form = self.check_form(input)?;
        if self.secrets.hash_id(form.id_number.as_str()) != current.id_hash {
            return Err(AppError::invalid(
                "id_number",
                "id_number_changed",
                "重新提交时身份证号码不能更改",
            ));
        }
        let team = self
            .store
            .get_team(&current.team_id)
            .await?
            .ok_or_else(|| AppError::not_found("队伍"))?;
        let mut next = current.clone();
        self.fill_application(&mut next, input, form, &team).await?;
        let now = clock::now_ms();
        next.updated_at = now;
        next.version = current.version + 1;
        let applicant = Actor::system("申请人");
        let step = self
            .step_row(&next, "resubmitted", None, &applicant, now)
            .await?;
        let audit = self.audit_entry(
            &applicant,
            "application.resubmit",
            "application",
            &next.id,
            &next.org_path,
            crate::snapshot(&ApplicationView::build(&current, &[])),
            crate::snapshot(&ApplicationView::build(&next, &[])),
        );
        self.store.update_application(&next, &step, &audit).await?;
        self.application_status(&next.tracking_code).await
    }

    /// An application in the actor's area (admins only).
    pub(crate) async fn visible_application(
        &self,
        actor: &Actor,
        id: &str,
    ) -> AppResult<ApplicationRow> {
        actor.require_admin()?;
        let a = self
            .store
            .get_application(id)
            .await?
            .ok_or_else(|| AppError::not_found("申请"))?;
        if super::in_admin_area(actor, &a.org_path) {
            Ok(a)
        } else {
            Err(AppError::not_found("申请"))
        }
    }

    pub async fn get_application(&self, actor: &Actor, id: &str) -> AppResult<ApplicationView> {
        let a = self.visible_application(actor, id).await?;
        let steps = self.store.application_steps(&a.id).await?;
        let mut view = [ApplicationView::build(&a, &steps)];
        self.mark_duplicates(std::slice::from_ref(&a), &mut view)
            .await?;
        let [view] = view;
        Ok(view)
    }

    pub async fn list_applications(
        &self,
        actor: &Actor,
        q: &ApplicationList,
    ) -> AppResult<Page<ApplicationView>> {
        actor.require_admin()?;
        let status = q.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(s) = status {
            if !["pending", "returned", "rejected", "admitted"].contains(&s) {
                return Err(AppError::bad_request(
                    "status_invalid",
                    "状态应为 pending、returned、rejected 或 admitted",
                )
                .with_field("status"));
            }
        }
        let (limit, offset) = page_window(q.page, q.per_page);
        let within = actor.admin_org_path().unwrap_or("/");
        let (rows, total) = self
            .store
            .applications_in(within, status, limit, offset)
            .await?;
        let mut items: Vec<ApplicationView> = rows
            .iter()
            .map(|a| ApplicationView::build(a, &[]))
            .collect();
        self.mark_duplicates(&rows, &mut items).await?;
        Ok(Page { items, total })
    }
}
