//! Spot checks (抽查, R-VOL-6): an admin draws N active volunteers of their area at random for
//! phone or visit verification, records each result, and records that can't be verified are
//! flagged on the volunteer (cleared again by a later successful check).

use serde::Deserialize;
use utoipa::ToSchema;
use zhiyuan_store::recruitment::SpotCheckRow;

use super::views::SpotCheckView;
use crate::error::{AppError, AppResult};
use crate::{clock, new_id, Actor, App};

/// Most volunteers one check draws.
pub const MAX_SPOT_CHECK: i64 = 500;

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewSpotCheck {
    pub org_id: String,
    /// How many to draw (1–500).
    pub size: i64,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct SpotResultInput {
    /// verified (核实无误), unreachable (无法联系), mismatch (信息不符)
    pub result: String,
    pub note: Option<String>,
}

impl App {
    pub async fn draw_spot_check(
        &self,
        actor: &Actor,
        input: &NewSpotCheck,
    ) -> AppResult<SpotCheckView> {
        actor.require_admin()?;
        let org = self
            .writable_org(actor, input.org_id.trim(), "org_id")
            .await?;
        if !(1..=MAX_SPOT_CHECK).contains(&input.size) {
            return Err(AppError::invalid(
                "size",
                "spot_check_size",
                format!("抽查人数应在 1 到 {MAX_SPOT_CHECK} 之间"),
            ));
        }
        let check = SpotCheckRow {
            id: new_id(),
            org_id: org.id.clone(),
            org_path: org.path.clone(),
            size: input.size,
            drawn_by: actor.username.clone(),
            created_at: clock::now_ms(),
        };
        let audit = self.audit_entry(
            actor,
            "spot_check.draw",
            "spot_check",
            &check.id,
            &org.path,
            None,
            Some(serde_json::json!({ "org_id": org.id, "size": input.size })),
        );
        self.store.create_spot_check(&check, &audit).await?;
        self.spot_check(actor, &check.id).await
    }

    pub async fn spot_check(&self, actor: &Actor, id: &str) -> AppResult<SpotCheckView> {
        actor.require_admin()?;
        let (check, items) = self
            .store
            .get_spot_check(id)
            .await?
            .ok_or_else(|| AppError::not_found("抽查"))?;
        if !super::in_admin_area(actor, &check.org_path) {
            return Err(AppError::not_found("抽查"));
        }
        Ok(SpotCheckView::build(&check, &items))
    }

    pub async fn spot_checks(&self, actor: &Actor) -> AppResult<Vec<SpotCheckView>> {
        actor.require_admin()?;
        let within = actor.admin_org_path().unwrap_or("/");
        let rows = self.store.spot_checks_in(within, 100).await?;
        Ok(rows.iter().map(|c| SpotCheckView::build(c, &[])).collect())
    }

    pub async fn record_spot_result(
        &self,
        actor: &Actor,
        check_id: &str,
        volunteer_id: &str,
        input: &SpotResultInput,
    ) -> AppResult<SpotCheckView> {
        let check = self.spot_check(actor, check_id).await?;
        let result = input.result.trim();
        if !["verified", "unreachable", "mismatch"].contains(&result) {
            return Err(AppError::invalid(
                "result",
                "spot_result_invalid",
                "结果应为 verified（核实无误）、unreachable（无法联系）或 mismatch（信息不符）",
            ));
        }
        let note = input
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > 500) {
            return Err(AppError::invalid(
                "note",
                "note_too_long",
                "备注最多 500 字",
            ));
        }
        if !check.items.iter().any(|i| i.volunteer_id == volunteer_id) {
            return Err(AppError::not_found("抽查对象").with_field("volunteer_id"));
        }
        let audit = self.audit_entry(
            actor,
            "spot_check.result",
            "volunteer",
            volunteer_id,
            &self
                .store
                .get_volunteer(volunteer_id)
                .await?
                .map(|v| v.row.org_path)
                .unwrap_or_else(|| "/".to_owned()),
            None,
            Some(serde_json::json!({ "check_id": check_id, "result": result, "note": note })),
        );
        self.store
            .record_spot_result(
                check_id,
                volunteer_id,
                result,
                note,
                &actor.username,
                clock::now_ms(),
                result != "verified",
                &audit,
            )
            .await?;
        self.spot_check(actor, check_id).await
    }
}
