//! Service certificates: issue, list, public verification, revocation, PDF.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use zhiyuan_app::activities::certificates::{
    CertificateCheck, CertificateRequest, IssuedCertificate, Revocation,
};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;

/// Issues a service certificate for a period (API.md): `{"code","pdf_url","hours"}`.
#[utoipa::path(post, path = "/api/v1/volunteers/{id}/certificates", tag = "certificates", security(("bearer" = [])), params(("id" = String, Path)), request_body = CertificateRequest,
    responses((status = 201, body = IssuedCertificate), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_certificate(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CertificateRequest>,
) -> ApiResult<(StatusCode, Json<IssuedCertificate>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.issue_certificate(&actor, &id, &req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/volunteers/{id}/certificates", tag = "certificates", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = Vec<IssuedCertificate>)))]
pub async fn list_certificates(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<IssuedCertificate>>> {
    Ok(Json(state.app.certificates_of(&actor, &id).await?))
}

/// Public verification, no login: the masked name, hours, issuer and validity only. A forged
/// or altered code answers 404 `certificate_invalid`.
#[utoipa::path(get, path = "/api/v1/certificates/{code}", tag = "certificates", params(("code" = String, Path)),
    responses((status = 200, body = CertificateCheck), (status = 404, body = ErrorBody)))]
pub async fn verify_certificate(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<CertificateCheck>> {
    Ok(Json(state.app.verify_certificate(&code).await?))
}

#[utoipa::path(post, path = "/api/v1/certificates/{code}/revoke", tag = "certificates", security(("bearer" = [])), params(("code" = String, Path)), request_body = Revocation,
    responses((status = 200, body = IssuedCertificate), (status = 409, body = ErrorBody)))]
pub async fn revoke_certificate(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
    ApiJson(r): ApiJson<Revocation>,
) -> ApiResult<Json<IssuedCertificate>> {
    Ok(Json(state.app.revoke_certificate(&actor, &code, &r).await?))
}

/// The certificate as a PDF (`pdf_url` of an issued certificate), for those who may see the
/// volunteer. The QR code on it leads to this site's `/verify/{code}`.
#[utoipa::path(get, path = "/api/v1/certificates/{code}/pdf", tag = "certificates", security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the certificate"), (status = 404, body = ErrorBody)))]
pub async fn get_certificate_pdf(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let origin = crate::pages::activities::site_origin(&state, &headers);
    let (name, bytes) = state.app.certificate_pdf(&actor, &code, &origin).await?;
    let disposition = format!(
        "attachment; filename=\"certificate.pdf\"; filename*=UTF-8''{}",
        urlencoding::encode(&name)
    );
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
