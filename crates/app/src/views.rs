//! What use cases hand back: plain data for JSON answers and pages alike. No view ever holds a
//! whole ID number.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::{Echelon, Health, Level, Position, Role, UnitType};
use zhiyuan_store::{
    AuditRow, MemberRow, MembershipRow, OrgRow, TeamRow, UserRow, VolunteerRecord,
};

use crate::clock;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OrgView {
    pub id: String,
    pub name: String,
    /// province, city, county, township, village, unit
    pub level: String,
    pub level_label: String,
    pub parent_id: Option<String>,
    pub depth: i64,
    pub population: Option<i64>,
    pub unit_type: Option<String>,
    pub unit_type_label: Option<String>,
    pub version: i64,
    pub created_at: String,
}

impl From<&OrgRow> for OrgView {
    fn from(o: &OrgRow) -> Self {
        OrgView {
            id: o.id.clone(),
            name: o.name.clone(),
            level: o.level.clone(),
            level_label: Level::parse(&o.level)
                .map(|l| l.label_zh().to_owned())
                .unwrap_or_default(),
            parent_id: o.parent_id.clone(),
            depth: o.depth,
            population: o.population,
            unit_type: o.unit_type.clone(),
            unit_type_label: o
                .unit_type
                .as_deref()
                .and_then(|u| UnitType::parse(u).ok())
                .map(|u| u.label_zh().to_owned()),
            version: o.version,
            created_at: clock::rfc3339(o.created_at),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TeamView {
    pub id: String,
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    pub parent_team_id: Option<String>,
    /// team, detachment, company, platoon, squad, small_squad
    pub echelon: String,
    pub echelon_label: String,
    pub specialty: Option<String>,
    pub depth: i64,
    pub version: i64,
    pub created_at: String,
    /// Direct sub-units, each with theirs.
    #[schema(no_recursion)]
    pub sub_units: Vec<TeamView>,
}

impl From<&TeamRow> for TeamView {
    fn from(t: &TeamRow) -> Self {
        TeamView {
            id: t.id.clone(),
            name: t.name.clone(),
            org_id: t.org_id.clone(),
            org_name: t.org_name.clone(),
            parent_team_id: t.parent_team_id.clone(),
            echelon: t.echelon.clone(),
            echelon_label: Echelon::parse(&t.echelon)
                .map(|e| e.label_zh().to_owned())
                .unwrap_or_default(),
            specialty: t.specialty.clone(),
            depth: t.path.matches('/').count() as i64 - 2,
            version: t.version,
            created_at: clock::rfc3339(t.created_at),
            sub_units: Vec::new(),
        }
    }
}

impl TeamView {
    /// Builds the nested tree from a subtree listed in path order (parents before children).
    pub fn tree(rows: &[TeamRow]) -> Option<TeamView> {
        fn attach(node: &mut TeamView, rows: &[TeamRow]) {
            for r in rows
                .iter()
                .filter(|r| r.parent_team_id.as_deref() == Some(node.id.as_str()))
            {
                let mut child = TeamView::from(r);
                attach(&mut child, rows);
                node.sub_units.push(child);
            }
        }
        let mut root = TeamView::from(rows.first()?);
        attach(&mut root, rows);
        Some(root)
    }

    /// The tree flattened depth-first, for pages that indent by depth.
    pub fn flatten(&self) -> Vec<&TeamView> {
        let mut out = vec![self];
        for s in &self.sub_units {
            out.extend(s.flatten());
        }
        out
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MemberView {
    pub team_id: String,
    pub volunteer_id: String,
    pub name: String,
    pub volunteer_no: String,
    /// leader, deputy, commander, instructor, quartermaster, platoon_leader, squad_leader, member
    pub position: String,
    pub position_label: String,
    pub phone_masked: String,
    pub veteran: bool,
    pub party_member: bool,
    pub appointed_at: String,
}

impl From<&MemberRow> for MemberView {
    fn from(m: &MemberRow) -> Self {
        MemberView {
            team_id: m.team_id.clone(),
            volunteer_id: m.volunteer_id.clone(),
            name: m.volunteer_name.clone(),
            volunteer_no: m.volunteer_no.clone(),
            position: m.position.clone(),
            position_label: position_label(&m.position),
            phone_masked: mask_phone(&m.phone),
            veteran: m.veteran,
            party_member: m.party_member,
            appointed_at: clock::rfc3339(m.appointed_at),
        }
    }
}

fn position_label(p: &str) -> String {
    Position::parse(p)
        .map(|p| p.label_zh().to_owned())
        .unwrap_or_default()
}

fn mask_phone(p: &str) -> String {
    zhiyuan_domain::Phone::parse(p)
        .map(|p| p.masked())
        .unwrap_or_else(|_| "***".to_owned())
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MembershipView {
    pub team_id: String,
    pub team_name: String,
    /// The unit named with the one it belongs to: "应急分队 › 一班".
    pub unit_label: String,
    pub echelon: String,
    pub echelon_label: String,
    pub position: String,
    pub position_label: String,
}

impl From<&MembershipRow> for MembershipView {
    fn from(m: &MembershipRow) -> Self {
        MembershipView {
            team_id: m.team_id.clone(),
            team_name: m.team_name.clone(),
            unit_label: match &m.parent_team_name {
                Some(p) => format!("{p} › {}", m.team_name),
                None => m.team_name.clone(),
            },
            echelon: m.echelon.clone(),
            echelon_label: Echelon::parse(&m.echelon)
                .map(|e| e.label_zh().to_owned())
                .unwrap_or_default(),
            position: m.position.clone(),
            position_label: position_label(&m.position),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct GeoView {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct VolunteerView {
    pub id: String,
    /// The opaque unified volunteer number, shown in public instead of the ID number.
    pub volunteer_no: String,
    pub name: String,
    /// e.g. `1505**********123X`; the whole number is never returned.
    pub id_number_masked: String,
    pub birth_date: String,
    pub age: u32,
    /// male or female
    pub gender: String,
    pub gender_label: String,
    pub phone: String,
    pub org_id: String,
    pub org_name: String,
    pub veteran: bool,
    pub branch: Option<String>,
    pub enlisted_year: Option<i64>,
    pub discharged_year: Option<i64>,
    pub military_rank: Option<String>,
    pub party_member: bool,
    /// good, fair or poor
    pub health: String,
    pub health_label: String,
    pub skills: Vec<String>,
    pub home: Option<GeoView>,
    pub consent_data: bool,
    pub consent_location: bool,
    pub guardian_consent: bool,
    pub status: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Units the volunteer belongs to, with positions.
    pub teams: Vec<MembershipView>,
}

impl VolunteerView {
    pub fn build(v: &VolunteerRecord, teams: &[MembershipRow]) -> Self {
        let r = &v.row;
        let birth = chrono::NaiveDate::parse_from_str(&r.birth_date, "%Y-%m-%d").ok();
        let age = birth.map(|b| clock::age_on(b, clock::today())).unwrap_or(0);
        VolunteerView {
            id: r.id.clone(),
            volunteer_no: r.volunteer_no.clone(),
            name: r.name.clone(),
            id_number_masked: r.id_masked.clone(),
            birth_date: r.birth_date.clone(),
            age,
            gender: r.gender.clone(),
            gender_label: if r.gender == "female" { "女" } else { "男" }.to_owned(),
            phone: r.phone.clone(),
            org_id: r.org_id.clone(),
            org_name: r.org_name.clone(),
            veteran: r.veteran,
            branch: r.branch.clone(),
            enlisted_year: r.enlisted_year,
            discharged_year: r.discharged_year,
            military_rank: r.military_rank.clone(),
            party_member: r.party_member,
            health: r.health.clone(),
            health_label: Health::parse(&r.health)
                .map(|h| h.label_zh().to_owned())
                .unwrap_or_default(),
            skills: v.skills.clone(),
            home: match (r.home_lat, r.home_lon) {
                (Some(lat), Some(lon)) => Some(GeoView { lat, lon }),
                _ => None,
            },
            consent_data: r.consent_data,
            consent_location: r.consent_location,
            guardian_consent: r.guardian_consent,
            status: r.status.clone(),
            version: r.version,
            created_at: clock::rfc3339(r.created_at),
            updated_at: clock::rfc3339(r.updated_at),
            teams: teams.iter().map(MembershipView::from).collect(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    /// admin, team_leader or volunteer
    pub role: String,
    pub role_label: String,
    pub is_super: bool,
    pub org_id: Option<String>,
    pub team_id: Option<String>,
    pub volunteer_id: Option<String>,
    pub created_at: String,
    /// The person behind an admin or officer account, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_name: Option<String>,
}

impl From<&UserRow> for UserView {
    fn from(u: &UserRow) -> Self {
        UserView {
            id: u.id.clone(),
            username: u.username.clone(),
            role: u.role.clone(),
            role_label: if u.is_super {
                "超级管理员".to_owned()
            } else {
                Role::parse(&u.role)
                    .map(|r| r.label_zh().to_owned())
                    .unwrap_or_default()
            },
            is_super: u.is_super,
            org_id: u.org_id.clone(),
            team_id: u.team_id.clone(),
            volunteer_id: u.volunteer_id.clone(),
            created_at: clock::rfc3339(u.created_at),
            person_name: u.person_name.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: String,
    /// The login name the actor used at the time.
    pub actor_name: String,
    /// The actor's person name (the account's, or its volunteer's), when known: a look-alike
    /// login name can't pass for someone else beside it.
    pub actor_person: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    #[schema(value_type = Object)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub after: Option<serde_json::Value>,
}

impl AuditView {
    /// How pages name the actor: the person with the login name beside it, `张三（zhangsan）`.
    pub fn actor_label(&self) -> String {
        match &self.actor_person {
            Some(person) if person != &self.actor_name => {
                format!("{person}（{}）", self.actor_name)
            }
            _ => self.actor_name.clone(),
        }
    }
}

impl From<&AuditRow> for AuditView {
    fn from(a: &AuditRow) -> Self {
        let parse = |s: &Option<String>| s.as_deref().and_then(|s| serde_json::from_str(s).ok());
        AuditView {
            id: a.id,
            at: clock::rfc3339(a.at),
            actor_name: a.actor_name.clone(),
            actor_person: a.actor_person.clone(),
            action: a.action.clone(),
            subject_type: a.subject_type.clone(),
            subject_id: a.subject_id.clone(),
            before: parse(&a.before_json),
            after: parse(&a.after_json),
        }
    }
}

/// A page of a list: `{"items":[…],"total":N}` (API.md).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}
