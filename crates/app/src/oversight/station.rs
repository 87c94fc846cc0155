//! The station standard (六个有, 003, R-STD): a veterans' service station records each of the
//! six items as present or missing, with evidence for what is present. The compliance list
//! reports stations with any item missing or not yet recorded.

use zhiyuan_domain::oversight::{check_evidence, StandardItem};
use zhiyuan_store::oversight::StationItemRow;
use zhiyuan_store::OrgRow;

use super::views::*;
use crate::error::{AppError, AppResult};
use crate::{clock, snapshot, Actor, App};

fn is_station(org: &OrgRow) -> bool {
    org.unit_type.as_deref() == Some("service_station")
}

fn view(org: &OrgRow, rows: &[StationItemRow]) -> StationStandardView {
    let items: Vec<StandardItemView> = StandardItem::all()
        .iter()
        .map(|item| {
            let r = rows.iter().find(|r| r.item == item.as_str());
            StandardItemView {
                item: item.as_str().to_owned(),
                label: item.label_zh().to_owned(),
                present: r.map(|r| r.present),
                evidence: r.map(|r| r.evidence.clone()).unwrap_or_default(),
                recorded_by: r.map(|r| r.recorded_by.clone()),
                recorded_at: r.map(|r| clock::rfc3339(r.recorded_at)),
            }
        })
        .collect();
    StationStandardView {
        org_id: org.id.clone(),
        org_name: org.name.clone(),
        is_station: is_station(org),
        complete: items.iter().all(|i| i.present == Some(true)),
        items,
    }
}

impl App {
    /// `GET /api/v1/orgs/{id}/station-standard`: the checklist as recorded.
    pub async fn station_standard(
        &self,
        actor: &Actor,
        org_id: &str,
    ) -> AppResult<StationStandardView> {
        let org = self.overseen_org(actor, org_id).await?;
        let rows = self
            .store
            .ov_station_items(std::slice::from_ref(&org.id))
            .await?;
        Ok(view(&org, &rows))
    }

    /// `PUT /api/v1/orgs/{id}/station-standard`: records items of the checklist, each with
    /// its evidence; items not listed keep what they had. Audited as `station.standard`.
    pub async fn record_station_standard(
        &self,
        actor: &Actor,
        org_id: &str,
        input: &StationStandardInput,
    ) -> AppResult<StationStandardView> {
        actor.require_admin()?;
        let org = self.writable_org(actor, org_id.trim(), "org_id").await?;
        if !is_station(&org) {
            return Err(AppError::invalid(
                "org_id",
                "not_a_station",
                "只有退役军人服务站记录“六个有”",
            ));
        }
        if input.items.is_empty() {
            return Err(AppError::invalid(
                "items",
                "items_required",
                "请至少填写一项",
            ));
        }
        let now = clock::now_ms();
        let mut rows: Vec<StationItemRow> = Vec::new();
        for i in &input.items {
            let item =
                StandardItem::parse(&i.item).map_err(|e| AppError::from(e).with_field("items"))?;
            if rows.iter().any(|r| r.item == item.as_str()) {
                return Err(AppError::invalid(
                    "items",
                    "duplicate_item",
                    format!("“{}”填写了两次", item.label_zh()),
                ));
            }
            let evidence = check_evidence(i.present, &i.evidence).map_err(|e| {
                AppError::from(e).with_field(&format!("evidence.{}", item.as_str()))
            })?;
            rows.push(StationItemRow {
                org_id: org.id.clone(),
                item: item.as_str().to_owned(),
                present: i.present,
                evidence,
                recorded_by: actor.username.clone(),
                recorded_at: now,
            });
        }
        let before = self
            .store
            .ov_station_items(std::slice::from_ref(&org.id))
            .await?;
        let before_view = view(&org, &before);
        let mut after = before.clone();
        for r in &rows {
            after.retain(|x| x.item != r.item);
            after.push(r.clone());
        }
        let after_view = view(&org, &after);
        let audit = self.audit_entry(
            actor,
            "station.standard",
            "org",
            &org.id,
            &org.path,
            snapshot(&before_view.items),
            snapshot(&after_view.items),
        );
        self.store.ov_record_station_items(&rows, &audit).await?;
        Ok(after_view)
    }
}
