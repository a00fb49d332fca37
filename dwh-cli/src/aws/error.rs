//! AWS errors as messages a person can act on: which resource, what AWS
//! said (its error code), and what to do about the common cases.

use std::fmt::{Debug, Display};

use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// The AWS error code of a service error (`EntityAlreadyExists`,
/// `InvalidPermission.Duplicate`…). EC2 models few error types, so codes are
/// matched as strings everywhere, the same way for every service.
pub fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

/// Whether `err` is a service error with one of `codes`.
pub fn is<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>, codes: &[&str]) -> bool {
    code(err).is_some_and(|c| codes.contains(&c))
}

/// `what` failed: `err`, with a hint for credentials, permissions and
/// network errors.
pub fn aws_error<E, R>(what: impl Display, err: SdkError<E, R>) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let detail = match &err {
        SdkError::ServiceError(e) if e.err().code().is_some() || e.err().message().is_some() => {
            format!(
                "{}: {}",
                e.err().code().unwrap_or("error"),
                e.err().message().unwrap_or("no message")
            )
        }
        SdkError::ServiceError(e) => format!(
            "AWS answered without an error code (an unsupported call?): {}",
            DisplayErrorContext(e.err())
        ),
        other => {
            let full = DisplayErrorContext(other).to_string();
            // The chain's own text is a page of provider internals.
            if full.contains("CredentialsNotLoaded") {
                "no credentials".to_owned()
            } else {
                full
            }
        }
    };
    let hint = hint(code(&err), &detail);
    anyhow::anyhow!(
        "{what}: {detail}{}",
        hint.map(|h| format!("\n  hint: {h}")).unwrap_or_default()
    )
}

fn hint(code: Option<&str>, detail: &str) -> Option<String> {
    match code {
        Some(
            "ExpiredToken" | "ExpiredTokenException" | "InvalidClientTokenId"
            | "UnrecognizedClientException" | "SignatureDoesNotMatch" | "AuthFailure"
            | "InvalidAccessKeyId",
        ) => Some(
            "AWS refused your credentials: check AWS_PROFILE, or run `aws sso login` again".into(),
        ),
        Some(
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation"
            | "UnauthorizedAccess",
        ) => Some(
            "your AWS identity lacks a permission for this call; the README lists the ones dwh needs"
                .into(),
        ),
        None if detail == "no credentials" => Some(
            "no AWS credentials found: dwh uses the AWS SDK's default chain (AWS_PROFILE with \
             `aws sso login`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); it never reads keys \
             from dwh.toml"
                .into(),
        ),
        None if detail.contains("dispatch failure") || detail.contains("io error") => Some(
            match std::env::var("AWS_ENDPOINT_URL") {
                Ok(url) => format!("cannot reach the AWS endpoint {url} (AWS_ENDPOINT_URL)"),
                Err(_) => "cannot reach AWS: check the network and the region".into(),
            },
        ),
        _ => None,
    }
}

/// For `map_err`: `.map_err(ctx("creating role `x`"))`.
pub fn ctx<E, R>(what: impl Display) -> impl FnOnce(SdkError<E, R>) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    move |err| aws_error(what, err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_say_what_to_do() {
        assert!(hint(Some("ExpiredToken"), "")
            .unwrap()
            .contains("aws sso login"));
        assert!(hint(Some("UnauthorizedOperation"), "")
            .unwrap()
            .contains("permission"));
        assert!(hint(None, "no credentials")
            .unwrap()
            .contains("never reads keys"));
        assert_eq!(hint(Some("ClusterNotFound"), "x"), None);
    }
}
