//! The volunteer registry (R-VOL-1, R-VOL-4, R-LAW-1, R-LAW-5, R-LAW-6).

use chrono::Datelike;
use rand::Rng;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::volunteer::check_age;
use zhiyuan_domain::{
    GeoPoint, Health, IdNumber, PersonName, Phone, Scope, Skills, VeteranDetails,
};
use zhiyuan_store::{StoreError, VolunteerQuery, VolunteerRecord, VolunteerRow};

use crate::error::{AppError, AppResult, Problems};
use crate::views::{AuditView, GeoView, Page, VolunteerView};
use crate::{clock, new_id, page_window, snapshot, Actor, App};

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewVolunteer {
    pub name: String,
    /// GB 11643, 18 characters; stored encrypted, never returned whole.
    pub id_number: String,
    /// Mainland mobile number.
    pub phone: String,
    /// The locality (属地): the org node the volunteer belongs to.
    pub org_id: String,
    #[serde(default)]
    pub veteran: bool,
    #[serde(default)]
    pub party_member: bool,
    #[serde(default)]
    pub skills: Vec<String>,
    pub home: Option<GeoView>,
    /// good, fair or poor (default good)
    pub health: Option<String>,
    /// 军种
    pub branch: Option<String>,
    pub enlisted_year: Option<i32>,
    pub discharged_year: Option<i32>,
    /// 军衔
    pub military_rank: Option<String>,
    /// Consent to the use of the registration data (default true: the station records it).
    pub consent_data: Option<bool>,
    /// Separate consent for the home location (default: given when a home is sent).
    pub consent_location: Option<bool>,
    /// Needed from 14 to 17 years of age.
    #[serde(default)]
    pub guardian_consent: bool,
}

/// Fields to change; absent fields stay. A volunteer may change only their own contact
/// details, skills, health, home and consents.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct VolunteerPatch {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub org_id: Option<String>,
    pub veteran: Option<bool>,
    pub party_member: Option<bool>,
    pub skills: Option<Vec<String>>,
    /// `null` keeps the home; send `{"clear_home": true}` to remove it.
    pub home: Option<GeoView>,
    #[serde(default)]
    pub clear_home: bool,
    pub health: Option<String>,
    pub branch: Option<String>,
    pub enlisted_year: Option<i32>,
    pub discharged_year: Option<i32>,
    pub military_rank: Option<String>,
    pub consent_data: Option<bool>,
    pub consent_location: Option<bool>,
    pub guardian_consent: Option<bool>,
    /// The version read; a stale one answers 409.
    pub version: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VolunteerSearch {
    /// Only this org's subtree (must lie in the caller's scope).
    pub org_id: Option<String>,
    /// A name fragment, or the tail of a phone number when all digits.
    pub q: Option<String>,
    /// The tail of a phone number.
    pub phone: Option<String>,
    pub skill: Option<String>,
    pub veteran: Option<bool>,
    pub party_member: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// A fresh unified volunteer number: opaque, random, 12 characters (R-LAW-5).
pub(crate) fn new_volunteer_no() -> String {
    let n: u64 = rand::thread_rng().gen_range(10_000_000_000..100_000_000_000);
    format!("V{n}")
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn geo(home: &GeoView) -> AppResult<GeoPoint> {
    Ok(GeoPoint::new(home.lat, home.lon)?)
}

/// The fields every form about a person shares (registration, public application), as typed.
pub(crate) struct PersonForm<'a> {
    pub name: &'a str,
    pub id_number: &'a str,
    pub phone: &'a str,
    pub guardian_consent: bool,
    pub health: Option<&'a str>,
    pub skills: &'a [String],
    pub branch: Option<&'a str>,
    pub enlisted_year: Option<i32>,
    pub discharged_year: Option<i32>,
    pub military_rank: Option<&'a str>,
}

/// A person form's values once every field is known good.
pub(crate) struct CheckedPerson {
    pub name: PersonName,
    pub id_number: IdNumber,
    pub phone: Phone,
    pub health: Health,
    pub skills: Skills,
    pub veteran: VeteranDetails,
}

/// Checks every shared field, keeping each fault in `p` (so one answer names them all); the
/// values when all were good.
pub(crate) fn check_person(
    p: &mut Problems,
    f: &PersonForm<'_>,
    today: chrono::NaiveDate,
) -> Option<CheckedPerson> {
    let name = p.check(PersonName::parse(f.name));
    let id_number = p.check(IdNumber::parse_on(f.id_number, today));
    let phone = p.check(Phone::parse(f.phone));
    if let Some(id) = &id_number {
        p.check(check_age(id, today, f.guardian_consent));
    }
    let health = match non_empty(f.health) {
        Some(h) => p.check(Health::parse(h)),
        None => Some(Health::Good),
    };
    let skills = p.check(Skills::parse_list(f.skills));
    let veteran = p.check(VeteranDetails::parse(
        f.branch,
        f.enlisted_year,
        f.discharged_year,
        f.military_rank,
        today.year(),
    ));
    Some(CheckedPerson {
        name: name?,
        id_number: id_number?,
        phone: phone?,
        health: health?,
        skills: skills?,
        veteran: veteran?,
    })
}

/// A registration form's values once every field is known good.
struct NewVolunteerChecked {
    person: CheckedPerson,
    home: Option<GeoPoint>,
    consent_location: bool,
}

/// Every fault of a registration form at once (API.md's `fields`).
fn check_new_volunteer(
    input: &NewVolunteer,
    today: chrono::NaiveDate,
) -> AppResult<NewVolunteerChecked> {
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
        today,
    );
    let home = p.check(input.home.as_ref().map(geo).transpose());
    // A home position is personal location data: it needs its own consent (R-LAW-5).
    // Sent without the flag, sending it is taken as that consent.
    let has_home = matches!(home, Some(Some(_)));
    let consent_location = input.consent_location.unwrap_or(has_home);
    if has_home && !consent_location {
        p.push(AppError::invalid(
            "consent_location",
            "location_consent_required",
            "记录住址位置须经本人单独同意",
        ));
    }
    p.finish()?;
    match (person, home) {
        (Some(person), Some(home)) => Ok(NewVolunteerChecked {
            person,
            home,
            consent_location,
        }),
        _ => Err(AppError::internal()),
    }
}

impl App {
    pub async fn register_volunteer(
        &self,
        actor: &Actor,
        input: &NewVolunteer,
    ) -> AppResult<VolunteerView> {
        actor.require_admin()?;
        let today = clock::today();
        let org = self
            .writable_org(actor, input.org_id.trim(), "org_id")
            .await?;
        let NewVolunteerChecked {
            person:
                CheckedPerson {
                    name,
                    id_number,
                    phone,
                    health,
                    skills,
                    veteran,
                },
            home,
            consent_location,
        } = check_new_volunteer(input, today)?;
        let id_hash = self.secrets.hash_id(id_number.as_str());
        let now = clock::now_ms();
        let mut record = VolunteerRecord {
            row: VolunteerRow {
                id: new_id(),
                volunteer_no: new_volunteer_no(),
                name: name.as_str().to_owned(),
                id_cipher: self.secrets.encrypt_id(id_number.as_str()),
                id_hash,
                id_masked: id_number.masked(),
                birth_date: id_number.birth_date().format("%Y-%m-%d").to_string(),
                gender: id_number.gender().as_str().to_owned(),
                phone: phone.as_str().to_owned(),
                org_id: org.id.clone(),
                veteran: input.veteran,
                branch: veteran.branch,
                enlisted_year: veteran.enlisted_year.map(i64::from),
                discharged_year: veteran.discharged_year.map(i64::from),
                military_rank: veteran.rank,
                party_member: input.party_member,
                health: health.as_str().to_owned(),
                home_lat: home.map(|h| h.lat),
                home_lon: home.map(|h| h.lon),
                consent_data: input.consent_data.unwrap_or(true),
                consent_location,
                guardian_consent: input.guardian_consent,
                status: "active".to_owned(),
                created_at: now,
                updated_at: now,
                version: 1,
                org_path: org.path.clone(),
                org_name: org.name.clone(),
            },
            skills: skills.into_vec(),
        };
        // The number is random; on the rare collision draw again.
        for attempt in 0..5 {
            let view = VolunteerView::build(&record, &[]);
            let audit = self.audit_entry(
                actor,
                "volunteer.create",
                "volunteer",
                &record.row.id,
                &org.path,
                None,
                snapshot(&view),
            );
            match self.store.insert_volunteer(&record, &audit).await {
                Ok(()) => return Ok(view),
                Err(StoreError::Conflict(what)) if what.contains("id_hash") => {
                    return Err(
                        AppError::conflict("duplicate_id_number", "该身份证号码已登记")
                            .with_field("id_number"),
                    );
                }
                Err(StoreError::Conflict(what)) if what.contains("volunteer_no") && attempt < 4 => {
                    record.row.volunteer_no = new_volunteer_no();
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::internal())
    }

    pub async fn get_volunteer(&self, actor: &Actor, id: &str) -> AppResult<VolunteerView> {
        let v = self.visible_volunteer(actor, id).await?;
        let teams = self.store.memberships_of(&v.row.id).await?;
        Ok(VolunteerView::build(&v, &teams))
    }

    pub async fn search_volunteers(
        &self,
        actor: &Actor,
        s: &VolunteerSearch,
    ) -> AppResult<Page<VolunteerView>> {
        let (limit, offset) = page_window(s.page, s.per_page);
        let mut q = VolunteerQuery {
            limit,
            offset,
            ..Default::default()
        };
        match &actor.scope {
            Scope::All => {}
            Scope::Org { org_path } => q.within_org_path = Some(org_path.clone()),
            Scope::Team { team_path, .. } => q.within_team_path = Some(team_path.clone()),
            Scope::Volunteer { volunteer_id } => q.only_id = Some(volunteer_id.clone()),
        }
        if let Some(org_id) = non_empty(s.org_id.as_deref()) {
            let org = self
                .visible_org(actor, org_id)
                .await
                .map_err(|e| e.with_field("org_id"))?;
            // Narrows, never widens: the scope filter above still applies.
            q.within_org_path = Some(match q.within_org_path {
                Some(own) if own.len() > org.path.len() => own,
                _ => org.path,
            });
        }
        if let Some(text) = non_empty(s.q.as_deref()) {
            if text.len() >= 3 && text.chars().all(|c| c.is_ascii_digit()) {
                q.phone_tail = Some(text.to_owned());
            } else {
                q.name_fragment = Some(text.chars().take(30).collect());
            }
        }
        if let Some(tail) = non_empty(s.phone.as_deref()) {
            if !tail.chars().all(|c| c.is_ascii_digit()) || tail.len() > 11 {
                return Err(AppError::invalid(
                    "phone",
                    "phone_tail_invalid",
                    "手机尾号只能是数字",
                ));
            }
            q.phone_tail = Some(tail.to_owned());
        }
        q.skill = non_empty(s.skill.as_deref()).map(str::to_owned);
        q.veteran = s.veteran;
        q.party_member = s.party_member;
        let (rows, total) = self.store.search_volunteers(&q).await?;
        Ok(Page {
            items: rows.iter().map(|v| VolunteerView::build(v, &[])).collect(),
            total,
        })
    }

    pub async fn update_volunteer(
        &self,
        actor: &Actor,
        id: &str,
        p: &VolunteerPatch,
    ) -> AppResult<VolunteerView> {
        let current = self.visible_volunteer(actor, id).await?;
        let own_record = matches!(&actor.scope, Scope::Volunteer { .. });
        if !actor.is_admin() && !own_record {
            return Err(AppError::role_forbidden());
        }
        if own_record {
            let admin_only = [
                ("name", p.name.is_some()),
                ("org_id", p.org_id.is_some()),
                ("veteran", p.veteran.is_some()),
                ("party_member", p.party_member.is_some()),
                ("branch", p.branch.is_some()),
                ("enlisted_year", p.enlisted_year.is_some()),
                ("discharged_year", p.discharged_year.is_some()),
                ("military_rank", p.military_rank.is_some()),
            ];
            if let Some((field, _)) = admin_only.iter().find(|(_, set)| *set) {
                return Err(AppError::role_forbidden().with_field(field));
            }
        }
        if let Some(v) = p.version {
            if v != current.row.version {
                return Err(AppError::stale());
            }
        }
        let mut next = current.clone();
        let r = &mut next.row;
        if let Some(name) = &p.name {
            r.name = PersonName::parse(name)?.as_str().to_owned();
        }
        if let Some(phone) = &p.phone {
            r.phone = Phone::parse(phone)?.as_str().to_owned();
        }
        if let Some(org_id) = non_empty(p.org_id.as_deref()) {
            let org = self.writable_org(actor, org_id, "org_id").await?;
            r.org_id = org.id;
            r.org_path = org.path;
            r.org_name = org.name;
        }
        if let Some(b) = p.veteran {
            r.veteran = b;
        }
        if let Some(b) = p.party_member {
            r.party_member = b;
        }
        if let Some(skills) = &p.skills {
            next.skills = Skills::parse_list(skills)?.into_vec();
        }
        let r = &mut next.row;
        if let Some(h) = non_empty(p.health.as_deref()) {
            r.health = Health::parse(h)?.as_str().to_owned();
        }
        if p.clear_home {
            r.home_lat = None;
            r.home_lon = None;
        } else if let Some(home) = &p.home {
            let g = geo(home)?;
            if !p.consent_location.unwrap_or(r.consent_location) {
                return Err(AppError::invalid(
                    "consent_location",
                    "location_consent_required",
                    "记录住址位置须经本人单独同意",
                ));
            }
            r.home_lat = Some(g.lat);
            r.home_lon = Some(g.lon);
        }
        if p.branch.is_some()
            || p.enlisted_year.is_some()
            || p.discharged_year.is_some()
            || p.military_rank.is_some()
        {
            let d = VeteranDetails::parse(
                p.branch.as_deref().or(r.branch.as_deref()),
                p.enlisted_year.or(r.enlisted_year.map(|y| y as i32)),
                p.discharged_year.or(r.discharged_year.map(|y| y as i32)),
                p.military_rank.as_deref().or(r.military_rank.as_deref()),
                clock::today().year(),
            )?;
            r.branch = d.branch;
            r.enlisted_year = d.enlisted_year.map(i64::from);
            r.discharged_year = d.discharged_year.map(i64::from);
            r.military_rank = d.rank;
        }
        if let Some(b) = p.consent_data {
            r.consent_data = b;
        }
        if let Some(b) = p.consent_location {
            r.consent_location = b;
            if !b {
                // Withdrawing the consent removes the location it covered.
                r.home_lat = None;
                r.home_lon = None;
            }
        }
        if let Some(b) = p.guardian_consent {
            r.guardian_consent = b;
        }
        r.updated_at = clock::now_ms();
        r.version = current.row.version + 1;
        let teams = self.store.memberships_of(&current.row.id).await?;
        let before = VolunteerView::build(&current, &teams);
        let after = VolunteerView::build(&next, &teams);
        let audit = self.audit_entry(
            actor,
            "volunteer.update",
            "volunteer",
            &current.row.id,
            &next.row.org_path,
            snapshot(&before),
            snapshot(&after),
        );
        self.store.update_volunteer(&next, &audit).await?;
        Ok(after)
    }

    /// The volunteer's edit history, newest first.
    pub async fn volunteer_history(&self, actor: &Actor, id: &str) -> AppResult<Page<AuditView>> {
        let v = self.visible_volunteer(actor, id).await?;
        let (rows, total) = self.store.list_audit(None, Some(&v.row.id), 200, 0).await?;
        Ok(Page {
            items: rows.iter().map(AuditView::from).collect(),
            total,
        })
    }

    /// Skill tags already in use, for suggestions while typing.
    pub async fn skill_suggestions(&self, actor: &Actor, fragment: &str) -> AppResult<Vec<String>> {
        if matches!(actor.scope, Scope::Volunteer { .. }) && fragment.is_empty() {
            return Ok(Vec::new());
        }
        let fragment: String = fragment.trim().chars().take(20).collect();
        Ok(self
            .store
            .skill_suggestions(&fragment, 20)
            .await?
            .into_iter()
            .map(|(s, _)| s)
            .collect())
    }
}
