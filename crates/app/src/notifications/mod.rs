//! Notifications (通知) and reminders (提醒), issue 5 item 4: the in-app inbox behind the bell,
//! the user's own contact for email and SMS, and (in the submodules) the reminder rules, the
//! outside channels, the background job, and reporting tasks (报送任务, issue 5 item 3).
//!
//! Every account reads and marks only its own notices: another user's notice id answers 404,
//! whoever asks.

pub mod channels;
pub mod demo;
pub mod job;
pub mod reminders;
pub mod report_tasks;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::Phone;
use zhiyuan_store::notifications::{ContactRow, NotificationRow};

use crate::error::{AppError, AppResult};
use crate::{clock, page_window, Actor, App};

/// A notice as the bell, the page and the API show it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A page of this site to open; `null` when none (anything but a local path is dropped).
    pub link: Option<String>,
    /// RFC 3339, +08:00.
    pub created_at: String,
    pub read: bool,
    pub read_at: Option<String>,
}

/// Only a path of this site is ever offered as a link: a notice can't send anyone elsewhere,
/// whatever was stored.
pub fn local_link(link: Option<&str>) -> Option<String> {
    link.filter(|l| {
        l.starts_with('/') && !l.starts_with("//") && !l.contains('\\') && !l.contains(':')
    })
    .map(str::to_owned)
}

impl From<&NotificationRow> for NotificationView {
    fn from(n: &NotificationRow) -> Self {
        NotificationView {
            id: n.id.clone(),
            kind: n.kind.clone(),
            title: n.title.clone(),
            body: n.body.clone(),
            link: local_link(n.link.as_deref()),
            created_at: clock::rfc3339(n.created_at),
            read: n.read_at.is_some(),
            read_at: n.read_at.map(clock::rfc3339),
        }
    }
}

/// One page of a user's notices, newest first, with the unread count for the bell.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    pub total: i64,
    pub unread: i64,
}

/// Where the user receives notices outside the app; empty means none.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ContactView {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Accepts a plain mailbox address (`name@host.tld`), as SMTP will take it.
pub fn parse_email(s: &str) -> AppResult<String> {
    let s = s.trim();
    let bad = || AppError::invalid("email", "email_invalid", "电子邮箱格式不正确");
    let (local, host) = s.split_once('@').ok_or_else(bad)?;
    let ok = !local.is_empty()
        && s.len() <= 254
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && !host.contains('@')
        && !s.contains(['<', '>', ',', ';', '"']);
    if ok {
        Ok(s.to_owned())
    } else {
        Err(bad())
    }
}

fn non_blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The account the actor logged in with; the system actor (demo, CLI) has none.
fn own_user(actor: &Actor) -> AppResult<&str> {
    if actor.user_id.is_empty() {
        Err(AppError::unauthorized())
    } else {
        Ok(&actor.user_id)
    }
}

impl App {
    /// The actor's notices, newest first.
    pub async fn notifications(
        &self,
        actor: &Actor,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> AppResult<NotificationPage> {
        let user = own_user(actor)?;
        let (limit, offset) = page_window(page, per_page);
        let (rows, total) = self.store.notifications_of(user, limit, offset).await?;
        let unread = self.store.unread_notifications(user).await?;
        Ok(NotificationPage {
            items: rows.iter().map(NotificationView::from).collect(),
            total,
            unread,
        })
    }

    /// The number on the bell (0 for the system actor).
    pub async fn unread_count(&self, actor: &Actor) -> AppResult<i64> {
        match own_user(actor) {
            Ok(user) => Ok(self.store.unread_notifications(user).await?),
            Err(_) => Ok(0),
        }
    }

    /// Marks one of the actor's own notices read (again is fine); anyone else's is unknown.
    pub async fn mark_read(&self, actor: &Actor, id: &str) -> AppResult<NotificationView> {
        let user = own_user(actor)?;
        let n = self
            .store
            .get_notification(id)
            .await?
            .filter(|n| n.user_id == user)
            .ok_or_else(|| AppError::not_found("通知"))?;
        if n.read_at.is_some() {
            return Ok(NotificationView::from(&n));
        }
        let at = clock::now_ms();
        self.store.mark_notification_read(user, id, at).await?;
        let mut n = n;
        n.read_at = Some(at);
        Ok(NotificationView::from(&n))
    }

    /// Marks every unread notice of the actor read; returns how many.
    pub async fn mark_all_read(&self, actor: &Actor) -> AppResult<u64> {
        let user = own_user(actor)?;
        Ok(self
            .store
            .mark_all_notifications_read(user, clock::now_ms())
            .await?)
    }

    /// The actor's email and phone for notices outside the app.
    pub async fn contact(&self, actor: &Actor) -> AppResult<ContactView> {
        let user = own_user(actor)?;
        Ok(self
            .store
            .get_contact(user)
            .await?
            .map(|c| ContactView {
                email: c.email,
                phone: c.phone,
            })
            .unwrap_or_default())
    }

    /// Sets the actor's own email and phone (blank clears one). A volunteer account with no
    /// phone here is texted at the phone of its volunteer record.
    pub async fn set_contact(&self, actor: &Actor, input: &ContactView) -> AppResult<ContactView> {
        let user = own_user(actor)?;
        let email = non_blank(&input.email).map(parse_email).transpose()?;
        let phone = non_blank(&input.phone)
            .map(|p| Phone::parse(p).map(|p| p.as_str().to_owned()))
            .transpose()?;
        let row = ContactRow {
            user_id: user.to_owned(),
            email: email.clone(),
            phone: phone.clone(),
            updated_at: clock::now_ms(),
        };
        self.store.put_contact(&row).await?;
        Ok(ContactView { email, phone })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_links_survive() {
        assert_eq!(
            local_link(Some("/activities/open")),
            Some("/activities/open".into())
        );
        assert_eq!(local_link(Some("//evil.example/x")), None);
        assert_eq!(local_link(Some("https://evil.example/")), None);
        assert_eq!(local_link(Some("javascript:alert(1)")), None);
        assert_eq!(local_link(Some("/\\evil.example")), None);
        assert_eq!(local_link(None), None);
    }

    #[test]
    fn emails_are_plain_mailboxes() {
        assert_eq!(parse_email(" a.b@c.cn ").unwrap(), "a.b@c.cn");
        for bad in [
            "", "a", "a@b", "@b.cn", "a@.cn", "a@b.cn.", "a b@c.cn", "a@b@c.cn", "<a@b.cn>",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}
