//! Photos of an activity: multipart upload (field `file`), list, download.

use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use zhiyuan_app::activities::photos::PhotoView;
use zhiyuan_app::AppError;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiActor;
use crate::AppState;

/// Uploads a photo (JPEG, PNG, GIF or WebP by content; at most 4 MB).
#[utoipa::path(post, path = "/api/v1/activities/{id}/photos", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 201, body = PhotoView), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_photo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    mut form: Multipart,
) -> ApiResult<(StatusCode, Json<PhotoView>)> {
    let bad = |_| {
        AppError::bad_request(
            "multipart_invalid",
            "上传内容无法读取（文件过大或格式错误）",
        )
        .with_field("file")
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(bad)?;
            let v = state.app.add_photo(&actor, &id, bytes.to_vec()).await?;
            return Ok((StatusCode::CREATED, Json(v)));
        }
    }
    Err(AppError::invalid("file", "required", "请选择照片").into())
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/photos", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = Vec<PhotoView>)))]
pub async fn list_photos(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<PhotoView>>> {
    Ok(Json(state.app.activity_photos(&actor, &id).await?))
}

#[utoipa::path(get, path = "/api/v1/photos/{id}", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, content_type = "image/*")))]
pub async fn get_photo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (ct, bytes) = state.app.photo(&actor, &id).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
