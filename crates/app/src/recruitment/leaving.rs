//! Leaving (动态管理): a volunteer withdraws (退出), an admin suspends (暂停) or reinstates;
//! the record stays, with every change in its status history and the audit log.

use serde::Deserialize;
use utoipa::ToSchema;
use zhiyuan_domain::Scope;
use zhiyuan_store::recruitment::StatusChangeRow;

use super::views::StatusChangeView;
use crate::error::{AppError, AppResult};
use crate::{clock, Actor, App};

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct StatusInput {
    /// Why (required, at most 500 characters).
    pub reason: String,
    /// The version read; a stale one answers 409.
    pub version: Option<i64>,
}

fn check_reason(r: &str) -> AppResult<String> {
    let r = r.trim();
    if r.is_empty() || r.chars().count() > 500 {
        return Err(AppError::invalid(
            "reason",
            "reason_required",
            "请填写原因（最多 500 字）",
        ));
    }
    Ok(r.to_owned())
}

impl App {
    async fn change_status(
        &self,
        actor: &Actor,
        volunteer_id: &str,
        from: &str,
        to: &str,
        input: &StatusInput,
    ) -> AppResult<Vec<StatusChangeView>> {
        let reason = check_reason(&input.reason)?;
        let v = self.visible_volunteer(actor, volunteer_id).await?;
        if let Some(ver) = input.version {
            if ver != v.row.version {
                return Err(AppError::stale());
            }
        }
        if v.row.status != from {
            return Err(AppError::conflict(
                "status_conflict",
                format!(
                    "当前状态为“{}”，不能执行此操作",
                    super::views::status_label(&v.row.status)
                ),
            ));
        }
        let change = StatusChangeRow {
            id: 0,
            volunteer_id: v.row.id.clone(),
            from_status: from.to_owned(),
            to_status: to.to_owned(),
            reason: reason.clone(),
            actor_id: actor.actor_id(),
            actor_name: actor.username.clone(),
            at: clock::now_ms(),
        };
        let audit = self.audit_entry(
            actor,
            &format!("volunteer.{to}"),
            "volunteer",
            &v.row.id,
            &v.row.org_path,
            Some(serde_json::json!({ "status": from })),
            Some(serde_json::json!({ "status": to, "reason": reason })),
        );
        self.store
            .change_volunteer_status(&change, v.row.version, &audit)
            .await?;
        self.volunteer_status_history(actor, volunteer_id).await
    }

    /// The volunteer withdraws themself (only from their own account).
    pub async fn withdraw(
        &self,
        actor: &Actor,
        volunteer_id: &str,
        input: &StatusInput,
    ) -> AppResult<Vec<StatusChangeView>> {
        if !matches!(&actor.scope, Scope::Volunteer { volunteer_id: own } if own == volunteer_id) {
            return Err(AppError::new(
                crate::ErrorKind::Forbidden,
                "own_record_only",
                "只有志愿者本人可以申请退出；管理员请使用“暂停”",
            ));
        }
        self.change_status(actor, volunteer_id, "active", "withdrawn", input)
            .await
    }

    pub async fn suspend(
        &self,
        actor: &Actor,
        volunteer_id: &str,
        input: &StatusInput,
    ) -> AppResult<Vec<StatusChangeView>> {
        actor.require_admin()?;
        self.change_status(actor, volunteer_id, "active", "suspended", input)
            .await
    }

    pub async fn reinstate(
        &self,
        actor: &Actor,
        volunteer_id: &str,
        input: &StatusInput,
    ) -> AppResult<Vec<StatusChangeView>> {
        actor.require_admin()?;
        self.change_status(actor, volunteer_id, "suspended", "active", input)
            .await
    }

    pub async fn volunteer_status_history(
        &self,
        actor: &Actor,
        volunteer_id: &str,
    ) -> AppResult<Vec<StatusChangeView>> {
        let v = self.visible_volunteer(actor, volunteer_id).await?;
        Ok(self
            .store
            .status_history(&v.row.id)
            .await?
            .iter()
            .map(StatusChangeView::from)
            .collect())
    }
}
