//! AWS errors as messages a person can act on: which resource, what AWS
//! said (its error code), and what to do about the common cases.

use std::fmt::{Debug, Display};

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

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

/// What went wrong, for the failures a person meets most.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    NoCredentials,
    SsoExpired,
    /// AWS refused the credentials (expired, wrong, revoked): the code.
    Rejected(String),
    /// The identity lacks a permission; the action when AWS named it.
    AccessDenied(Option<String>),
    /// No answer from the endpoint: the innermost cause.
    Unreachable(String),
    /// The EC2 instance metadata service (IMDS) refused the credentials
    /// the SDK's default chain asked it for: its HTTP status.
    MetadataRefused(u16),
    /// Anything else, as AWS (or the SDK) said it.
    Other(String),
}

/// The messages of `err` and its sources, outermost first.
fn chain(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    std::iter::successors(Some(err), |e| e.source())
        .map(|e| e.to_string())
        .collect()
}

/// `err` and its causes as one sentence: each message once, none of the
/// Debug dumps some of them carry (`DisplayErrorContext` appends the whole
/// error's Debug form, and IMDS's message a raw HTTP response).
fn sentence(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for message in chain(err) {
        let message = without_debug_dump(&message);
        let said = parts.last().is_some_and(|last| last.contains(&message));
        if !message.is_empty() && !said {
            parts.push(message);
        }
    }
    parts.join(": ")
}

/// `message` up to a Debug dump in it (`Name { field: …`), trimmed.
fn without_debug_dump(message: &str) -> String {
    let dump = message.match_indices(" { ").find_map(|(at, _)| {
        let name = message[..at].rsplit([' ', '(', '.']).next()?;
        name.starts_with(|c: char| c.is_ascii_uppercase())
            .then(|| at - name.len())
    });
    let kept = &message[..dump.unwrap_or(message.len())];
    kept.trim_end_matches([' ', '.', ':', '(']).to_owned()
}

/// The status IMDS answered with, when its answer failed the credentials.
fn metadata_refusal(err: &(dyn std::error::Error + 'static)) -> Option<u16> {
    use aws_config::imds::client::error::ImdsError;
    std::iter::successors(Some(err), |e| e.source()).find_map(|e| {
        match e.downcast_ref::<ImdsError>()? {
            ImdsError::ErrorResponse(answer) => Some(answer.response().status().as_u16()),
            _ => None,
        }
    })
}

fn classify<E, R>(err: &SdkError<E, R>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug + 'static,
{
    if let SdkError::ServiceError(e) = err {
        // An answer the SDK could not parse (an emulator's error shape, say)
        // may still hold its code in the body.
        let raw = format!("{:?}", e.raw());
        let (code, message) = match e.err().code() {
            Some(code) => (Some(code), e.err().message().unwrap_or("no message")),
            None => (
                between(&raw, "<Code>", "</Code>"),
                between(&raw, "<Message>", "</Message>").unwrap_or("no message"),
            ),
        };
        return match code {
            Some(c) if REJECTED.contains(&c) => Failure::Rejected(c.to_owned()),
            Some(c) if DENIED.contains(&c) => Failure::AccessDenied(denied_action(message)),
            Some(c) => Failure::Other(format!("{c}: {message}")),
            None => Failure::Other(format!(
                "AWS answered without an error code (an unsupported call?): {}",
                sentence(e.err())
            )),
        };
    }
    if let Some(status) = metadata_refusal(err) {
        return Failure::MetadataRefused(status);
    }
    let chain = chain(err).join(": ").to_ascii_lowercase();
    // aws-config's SSO token provider and the SSO service's own answer.
    if chain.contains("sso token has expired") || chain.contains("sso session associated") {
        return Failure::SsoExpired;
    }
    if chain.contains("credential provider was not enabled")
        || chain.contains("no providers in chain provided credentials")
    {
        return Failure::NoCredentials;
    }
    if let SdkError::DispatchFailure(d) = err {
        if d.is_io() || d.is_timeout() {
            let inner = self::chain(err).pop().unwrap_or_default();
            return Failure::Unreachable(inner);
        }
    }
    Failure::Other(sentence(err))
}

/// The text between the first `start` and the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = text.split_once(start)?.1;
    Some(rest.split_once(end)?.0).filter(|s| !s.is_empty())
}

/// Codes of credentials AWS did not accept.
const REJECTED: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "InvalidAccessKeyId",
];

/// Codes of a missing permission.
const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
];

/// `iam:CreateRole` from "User: arn:… is not authorized to perform:
/// iam:CreateRole on resource: …", the wording IAM, EC2, Redshift and S3
/// share.
fn denied_action(message: &str) -> Option<String> {
    let rest = message.split_once("perform: ")?.1;
    let action = rest
        .split_whitespace()
        .next()?
        .trim_end_matches([',', '.', ';']);
    action.contains(':').then(|| action.to_owned())
}

/// One line: what was being done, what went wrong, what to do.
fn describe(failure: Failure) -> String {
    match failure {
        Failure::NoCredentials => "no AWS credentials found: dwh uses the AWS SDK's default chain \
             (AWS_PROFILE with `aws sso login`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); it \
             never reads keys from dwh.toml"
            .to_owned(),
        Failure::SsoExpired => format!(
            "your AWS SSO session has expired: run `aws sso login{}` and try again",
            std::env::var("AWS_PROFILE")
                .map(|p| format!(" --profile {p}"))
                .unwrap_or_default()
        ),
        Failure::Rejected(code) => format!(
            "AWS refused your credentials ({code}): they are wrong, revoked or expired; check \
             AWS_PROFILE, or run `aws sso login` again"
        ),
        Failure::AccessDenied(Some(action)) => format!(
            "access denied: your AWS identity may not call {action}; grant it (the README \
             section \"On AWS\" lists what dwh needs)"
        ),
        Failure::AccessDenied(None) => "access denied: your AWS identity lacks a permission for \
             this call (the README section \"On AWS\" lists what dwh needs)"
            .to_owned(),
        Failure::Unreachable(cause) => match std::env::var("AWS_ENDPOINT_URL") {
            Ok(url) => format!("cannot reach the AWS endpoint {url} (AWS_ENDPOINT_URL): {cause}"),
            Err(_) => format!("cannot reach AWS ({cause}): check the network, a proxy, the region"),
        },
        Failure::MetadataRefused(status) => format!(
            "no AWS credentials: the SDK's default chain found none in the environment or \
             ~/.aws and asked the EC2 instance metadata service, which answered HTTP {status} \
             (no instance role dwh may use); set AWS_PROFILE (with `aws sso login`) or \
             AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or off EC2 \
             AWS_EC2_METADATA_DISABLED=true"
        ),
        Failure::Other(detail) => detail,
    }
}

/// `what` failed: `err`, as one line that says what to do for the common
/// cases (credentials, permissions, network).
pub fn aws_error<E, R>(what: impl Display, err: SdkError<E, R>) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let message = describe(classify(&err)).replace('\n', " ");
    anyhow::anyhow!("{what}: {message}")
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
    fn denied_actions_are_read_from_the_message() {
        let iam = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: \
                   iam:CreateRole on resource: arn:aws:iam::123456789012:role/x";
        assert_eq!(denied_action(iam).as_deref(), Some("iam:CreateRole"));
        let ec2 = "You are not authorized to perform this operation. User: u is not authorized \
                   to perform: ec2:DescribeVpcs because no identity-based policy allows it";
        assert_eq!(denied_action(ec2).as_deref(), Some("ec2:DescribeVpcs"));
        assert_eq!(denied_action("Access Denied"), None);
    }

    #[test]
    fn each_failure_is_one_line_saying_what_to_do() {
        for failure in [
            Failure::NoCredentials,
            Failure::SsoExpired,
            Failure::Rejected("ExpiredToken".into()),
            Failure::AccessDenied(Some("s3:PutObject".into())),
            Failure::AccessDenied(None),
            Failure::Unreachable("Connection refused (os error 111)".into()),
        ] {
            let text = describe(failure.clone());
            assert!(!text.contains('\n'), "{text}");
            let advice = [
                "aws sso login",
                "grant",
                "never reads keys",
                "reach",
                "lists what",
            ];
            assert!(
                advice.iter().any(|a| text.contains(a)),
                "{failure:?}: {text}"
            );
        }
    }

    /// A stand-in for the EC2 metadata endpoint on a machine that is no
    /// instance with a role: a session token, then 403 for everything else.
    fn metadata_endpoint_refusing() -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut request = [0u8; 4096];
                let n = stream.read(&mut request).unwrap_or(0);
                let answer = if request[..n].starts_with(b"PUT ") {
                    "HTTP/1.1 200 OK\r\nx-aws-ec2-metadata-token-ttl-seconds: 21600\r\n\
                     content-length: 5\r\nconnection: close\r\n\r\ntoken"
                } else {
                    "HTTP/1.1 403 Forbidden\r\ncontent-length: 9\r\nconnection: close\r\n\r\n\
                     forbidden"
                };
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        url
    }

    /// The SDK's error when IMDS answers 403 embeds the raw HTTP response
    /// (and `DisplayErrorContext` the whole error's Debug form): dwh says
    /// it as a sentence with what to do.
    #[tokio::test]
    async fn a_metadata_endpoint_answering_403_is_a_sentence() {
        use aws_config::imds;
        let client = imds::Client::builder()
            .endpoint(metadata_endpoint_refusing())
            .unwrap()
            .build();
        let credentials = imds::credentials::ImdsCredentialsProvider::builder()
            .imds_client(client)
            .build();
        let config = aws_sdk_iam::Config::builder()
            .behavior_version_latest()
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            // Never reached: the credentials fail first.
            .endpoint_url("http://127.0.0.1:9")
            .build();
        let err = aws_sdk_iam::Client::from_conf(config)
            .get_user()
            .send()
            .await
            .expect_err("no credentials");
        let text = aws_error("reading your AWS identity", err).to_string();
        assert!(text.contains("HTTP 403"), "{text}");
        assert!(text.contains("AWS_PROFILE"), "{text}");
        for dump in [" { ", "Response", "SdkBody", "(Some("] {
            assert!(!text.contains(dump), "a Debug dump in: {text}");
        }
    }

    #[test]
    fn debug_dumps_are_cut_from_messages() {
        assert_eq!(
            without_debug_dump("error response from IMDS (code: 403). Response { status: 403 }"),
            "error response from IMDS (code: 403)"
        );
        assert_eq!(
            without_debug_dump("unhandled error (Unhandled { source: X })"),
            "unhandled error"
        );
        assert_eq!(
            without_debug_dump("connection refused"),
            "connection refused"
        );
    }
}
