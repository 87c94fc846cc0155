//! Photos of an activity (R-HRS-2): images only, recognised by their first bytes (not by the
//! name or the declared type), size-limited, stored in the database so backups hold them.

use serde::Serialize;
use utoipa::ToSchema;
use zhiyuan_store::activities::PhotoRow;

use crate::error::{AppError, AppResult};
use crate::{clock, new_id, Actor, App};

/// Largest photo accepted (a phone photo, resized by the client if need be).
pub const MAX_PHOTO_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PhotoView {
    pub id: String,
    pub activity_id: String,
    pub content_type: String,
    pub size: i64,
    pub url: String,
}

/// The image type by magic bytes: JPEG, PNG, GIF or WebP; anything else is refused.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

fn view(p: &PhotoRow) -> PhotoView {
    PhotoView {
        id: p.id.clone(),
        activity_id: p.activity_id.clone(),
        content_type: p.content_type.clone(),
        size: p.size,
        url: format!("/api/v1/photos/{}", p.id),
    }
}

impl App {
    pub async fn add_photo(
        &self,
        actor: &Actor,
        activity_id: &str,
        bytes: Vec<u8>,
    ) -> AppResult<PhotoView> {
        let a = self.managed_activity(actor, activity_id).await?;
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(AppError::invalid(
                "file",
                "photo_too_large",
                "照片不能超过 4 MB",
            ));
        }
        let content_type = sniff_image(&bytes).ok_or_else(|| {
            AppError::invalid(
                "file",
                "not_an_image",
                "只能上传 JPEG、PNG、GIF 或 WebP 图片",
            )
        })?;
        let row = PhotoRow {
            id: new_id(),
            activity_id: a.id.clone(),
            content_type: content_type.to_owned(),
            size: bytes.len() as i64,
            data: bytes,
            uploaded_by: actor.username.clone(),
            created_at: clock::now_ms(),
        };
        let v = view(&row);
        let audit = self.audit_entry(
            actor,
            "activity.photo",
            "activity",
            &a.id,
            &a.org_path,
            None,
            crate::snapshot(&v),
        );
        self.store.insert_photo(&row, &audit).await?;
        Ok(v)
    }

    pub async fn activity_photos(
        &self,
        actor: &Actor,
        activity_id: &str,
    ) -> AppResult<Vec<PhotoView>> {
        let a = self.visible_activity(actor, activity_id).await?;
        Ok(self
            .store
            .photos_of(&a.id)
            .await?
            .iter()
            .map(view)
            .collect())
    }

    /// The photo's type and bytes, when the actor may see its activity.
    pub async fn photo(&self, actor: &Actor, id: &str) -> AppResult<(String, Vec<u8>)> {
        let p = self
            .store
            .get_photo(id)
            .await?
            .ok_or_else(|| AppError::not_found("照片"))?;
        self.visible_activity(actor, &p.activity_id).await?;
        Ok((p.content_type, p.data))
    }
}

#[cfg(test)]
mod tests {
    use super::sniff_image;

    #[test]
    fn images_are_known_by_content() {
        assert_eq!(
            sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0, 0]),
            Some("image/jpeg")
        );
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_image(b"GIF89a.."), Some("image/gif"));
        assert_eq!(sniff_image(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff_image(b"%PDF-1.7"), None);
        assert_eq!(sniff_image(b""), None);
    }
}
