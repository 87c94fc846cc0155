//! The API's error shape (API.md): `{"error":{"code","message","field"?}}` with the status
//! the kind calls for. Extractor rejections are turned into the same shape.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use zhiyuan_app::{AppError, ErrorKind};

pub struct ApiError {
    pub error: AppError,
    /// Set only for the rare answer whose status isn't the kind's (413).
    pub status: Option<StatusCode>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError {
            error: e,
            status: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable snake_case code for programs.
    pub code: String,
    /// A zh-CN message for people.
    pub message: String,
    /// The field at fault, when one is (the first, when several are).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault, when several are: a form shows them all after one submit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldErrorDetail>,
}

/// One field's fault in an answer naming several.
#[derive(Serialize, ToSchema)]
pub struct FieldErrorDetail {
    pub field: String,
    pub code: String,
    pub message: String,
}

pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub fn error_response(status: StatusCode, e: AppError) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: e.code,
            message: e.message,
            field: e.field,
            fields: e
                .fields
                .into_iter()
                .map(|f| FieldErrorDetail {
                    field: f.field,
                    code: f.code,
                    message: f.message,
                })
                .collect(),
        },
    };
    (status, Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or_else(|| status_of(self.error.kind));
        error_response(status, self.error)
    }
}

/// serde names the culprit in backticks: "missing field `name`", "unknown variant `x`".
fn field_from_serde(message: &str) -> Option<String> {
    let start = message.find("field `")? + "field `".len();
    let rest = &message[start..];
    Some(rest[..rest.find('`')?].to_owned())
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let text = r.body_text();
        let e = match &r {
            JsonRejection::MissingJsonContentType(_) => AppError::bad_request(
                "unsupported_media_type",
                "请求体必须是 JSON（Content-Type: application/json）",
            ),
            JsonRejection::BytesRejection(_) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return ApiError {
                    error: AppError::bad_request("body_too_large", "请求体过大"),
                    status: Some(StatusCode::PAYLOAD_TOO_LARGE),
                };
            }
            JsonRejection::JsonDataError(_) => {
                let mut e =
                    AppError::bad_request("invalid_field", format!("字段缺失或类型错误：{text}"));
                e.field = field_from_serde(&text);
                e
            }
            _ => AppError::bad_request("malformed_json", format!("请求体不是有效的 JSON：{text}")),
        };
        e.into()
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        let mut e = AppError::bad_request("invalid_query", format!("查询参数有误：{text}"));
        e.field = field_from_serde(&text);
        e.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_field_names_are_found() {
        assert_eq!(
            field_from_serde("missing field `name` at line 1").as_deref(),
            Some("name")
        );
        assert_eq!(field_from_serde("invalid type: string"), None);
    }
}
