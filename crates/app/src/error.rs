//! The one error type of every use case. The web layer maps `kind` to an HTTP status and
//! shows `message` (zh-CN) beside `field`; API clients key on `code`.

use serde::Serialize;
use zhiyuan_domain::DomainError;
use zhiyuan_store::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ErrorKind {
    /// 400: the request itself is malformed.
    BadRequest,
    /// 401: not logged in.
    Unauthorized,
    /// 403: logged in, but outside the actor's scope or role.
    Forbidden,
    /// 404: unknown (or not visible to this actor).
    NotFound,
    /// 409: conflicts with the current state (duplicate, stale version).
    Conflict,
    /// 422: a well-formed value that breaks a rule.
    Unprocessable,
    /// 429: too many attempts.
    TooManyRequests,
    /// 500: our fault; details go to the log, not the client.
    Internal,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AppError {
    pub kind: ErrorKind,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    /// Every field at fault when a form broke several rules at once (API.md's `fields`);
    /// empty when only one thing is wrong. The first is also `code`/`message`/`field`.
    pub fields: Vec<FieldProblem>,
}

/// One field's fault in an answer naming several.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Collects every fault of a form so one answer names them all, instead of one per submit.
#[derive(Debug, Default)]
pub struct Problems(Vec<AppError>);

impl Problems {
    /// The value when `r` is fine; otherwise keeps the fault and gives `None`.
    pub fn check<T, E: Into<AppError>>(&mut self, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e.into());
                None
            }
        }
    }

    pub fn push(&mut self, e: AppError) {
        self.0.push(e);
    }

    /// `Ok` when nothing was wrong; else one error carrying every fault.
    pub fn finish(self) -> AppResult<()> {
        let mut all = self.0.into_iter();
        let Some(mut first) = all.next() else {
            return Ok(());
        };
        let rest: Vec<AppError> = all.collect();
        if !rest.is_empty() {
            first.fields = std::iter::once(&first)
                .chain(rest.iter())
                .filter_map(|e| {
                    Some(FieldProblem {
                        field: e.field.clone()?,
                        code: e.code.clone(),
                        message: e.message.clone(),
                    })
                })
                .collect();
        }
        Err(first)
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(kind: ErrorKind, code: &str, message: impl Into<String>) -> Self {
        AppError {
            kind,
            code: code.to_owned(),
            message: message.into(),
            field: None,
            fields: Vec::new(),
        }
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, code, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(ErrorKind::Unauthorized, "unauthorized", "请先登录")
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorKind::Forbidden, "out_of_scope", "超出您的管理范围")
    }

    pub fn role_forbidden() -> Self {
        Self::new(
            ErrorKind::Forbidden,
            "role_forbidden",
            "您的角色无权进行此操作",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorKind::NotFound, "not_found", format!("{what}不存在"))
    }

    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }

    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, code, message).with_field(field)
    }

    pub fn stale() -> Self {
        Self::conflict("stale_version", "记录已被他人修改，请刷新后重试").with_field("version")
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "internal",
            "服务器内部错误，请稍后重试",
        )
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} ({}: {})", self.message, self.code, field),
            None => write!(f, "{} ({})", self.message, self.code),
        }
    }
}

impl std::error::Error for AppError {}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        AppError::invalid(e.field(), e.code(), e.message())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::not_found("记录"),
            StoreError::Stale => AppError::stale(),
            StoreError::Cycle => AppError::invalid(
                "parent_team_id",
                "team_cycle",
                "不能把单位放到它自己或它的下级单位之下",
            ),
            StoreError::Conflict(what) => {
                tracing::debug!(%what, "unique constraint");
                AppError::conflict("duplicate", "记录已存在")
            }
            other => {
                tracing::error!(error = %other, "store error");
                AppError::internal()
            }
        }
    }
}
