//! Helpers shared by the recruitment handlers: an optional caller (the public application
//! form), multipart file reading, .xlsx answers.

use axum::extract::Multipart;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use zhiyuan_app::recruitment::ledgers::Export;
use zhiyuan_app::{Actor, AppError};

use crate::error::{ApiError, ApiResult};
use crate::AppState;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The caller when a bearer token is sent; none for the public. A bad token is an error (a
/// client that meant to authenticate must learn it failed).
pub async fn optional_actor(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<Actor>> {
    match crate::extract::bearer(headers) {
        Some(token) => Ok(Some(state.app.authenticate(token).await?)),
        None => Ok(None),
    }
}

/// The multipart field `file`: its name and bytes.
pub async fn read_file(mut form: Multipart) -> ApiResult<(String, Vec<u8>)> {
    let bad = |_| -> ApiError {
        ApiError {
            error: AppError::bad_request(
                "multipart_invalid",
                "上传内容无法读取（文件过大或格式错误）",
            )
            .with_field("file"),
            status: None,
        }
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload").to_owned();
            let bytes = field.bytes().await.map_err(bad)?;
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(
        AppError::bad_request("file_required", "请选择要上传的文件（字段 file）")
            .with_field("file")
            .into(),
    )
}

/// An .xlsx download.
pub fn xlsx_response(e: Export) -> Response {
    let disposition = format!(
        "attachment; filename=\"export.xlsx\"; filename*=UTF-8''{}",
        urlencoding::encode(&e.file_name)
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        e.bytes,
    )
        .into_response()
}
