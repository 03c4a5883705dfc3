//! The marks the client puts on the answers it makes itself (see
//! `transport::stand_in`), read back here to report the right kind of
//! failure. Listed once, on the error's side, so the error depends on
//! nothing above it.

/// Header the client puts on a stand-in answer, naming what it stands for.
pub(crate) const ORIGIN_HEADER: &str = "x-onence-error";

/// Header of a token stand-in holding the token endpoint's real status.
pub(crate) const TOKEN_STATUS_HEADER: &str = "x-onence-token-status";

/// Header the client puts on a failed answer, naming the operation.
pub(crate) const OPERATION_HEADER: &str = "x-onence-operation";

/// Header on a write's success whose body could not be read (it broke
/// off, or was past the body limit): the success stands, the body is empty.
pub(crate) const BODY_UNREAD_HEADER: &str = "x-onence-body-unread";

/// What a stand-in answer stands for, carried in [`ORIGIN_HEADER`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The token endpoint refused the credentials.
    Auth,
    /// The token endpoint failed otherwise (its status is kept apart).
    Token,
    /// The token endpoint could not be reached.
    TokenNetwork,
    /// The token endpoint did not answer in time.
    TokenTimeout,
    /// A 200 with an empty body: no such resource.
    Empty,
    /// A write was sent and got no answer.
    OutcomeUnknown,
    /// The answer was past the body limit.
    TooLarge,
}

impl Origin {
    const ALL: [Origin; 7] = [
        Origin::Auth,
        Origin::Token,
        Origin::TokenNetwork,
        Origin::TokenTimeout,
        Origin::Empty,
        Origin::OutcomeUnknown,
        Origin::TooLarge,
    ];

    /// The mark as the header carries it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Origin::Auth => "auth",
            Origin::Token => "token",
            Origin::TokenNetwork => "token-network",
            Origin::TokenTimeout => "token-timeout",
            Origin::Empty => "empty",
            Origin::OutcomeUnknown => "outcome-unknown",
            Origin::TooLarge => "too-large",
        }
    }

    /// The mark an answer carries, if the client made it.
    pub(crate) fn of(headers: &reqwest::header::HeaderMap) -> Option<Origin> {
        let mark = headers.get(ORIGIN_HEADER)?.to_str().ok()?;
        Origin::ALL.into_iter().find(|o| o.as_str() == mark)
    }

    /// Whether the stand-in's status was made up by the client (the API sent none).
    pub(crate) fn status_made_up(self) -> bool {
        matches!(
            self,
            Origin::OutcomeUnknown | Origin::TokenNetwork | Origin::TokenTimeout | Origin::TooLarge
        )
    }
}
