//! Why a command stopped, and the exit code and one line that say so.

use std::process::ExitCode;

use onence::ErrorKind;

/// A usage problem: exit code 2, and the message.
#[derive(Debug)]
pub struct Usage(pub String);

/// Why the command stopped.
pub enum Failure {
    /// Bad usage or input, found before anything was sent (exit 2).
    Usage(String),
    /// The client's error (exit by its kind: see [`exit_code`]).
    Api(onence::Error),
    /// Ctrl-C stopped a job between chunks (exit 130).
    Interrupted(String),
    /// Some writes got no answer and may have taken effect (exit 4).
    Unknown(String),
    /// Some accounts of several failed; the others answered (exit 5).
    Partial(String),
    /// Whoever read the output stopped reading (`| head`): a quiet exit 0.
    ClosedPipe,
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        match e.kind() {
            std::io::ErrorKind::BrokenPipe => Failure::ClosedPipe,
            _ => Failure::Usage(format!("cannot write: {e}")),
        }
    }
}

impl From<Usage> for Failure {
    fn from(Usage(message): Usage) -> Failure {
        Failure::Usage(message)
    }
}

impl From<onence::Error> for Failure {
    fn from(e: onence::Error) -> Failure {
        Failure::Api(e)
    }
}

impl From<onence::GeneratedError> for Failure {
    fn from(e: onence::GeneratedError) -> Failure {
        Failure::Api(e.into())
    }
}

impl From<onence::v2::GeneratedError> for Failure {
    fn from(e: onence::v2::GeneratedError) -> Failure {
        Failure::Api(e.into())
    }
}

impl From<onence::os::GeneratedError> for Failure {
    fn from(e: onence::os::GeneratedError) -> Failure {
        Failure::Api(e.into())
    }
}

/// Says what stopped the command on stderr, in one line, and gives its exit code.
pub fn exit(outcome: Result<(), Failure>) -> ExitCode {
    let (code, message) = match outcome {
        Ok(()) | Err(Failure::ClosedPipe) => return ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => (2, message),
        Err(Failure::Api(e)) => (exit_code(&e), explain(&e)),
        Err(Failure::Interrupted(message)) => (130, message),
        Err(Failure::Unknown(message)) => (4, message),
        Err(Failure::Partial(message)) => (5, message),
    };
    eprintln!("onence: {message}");
    ExitCode::from(code)
}

/// The exit code of a failure: 2 for input refused before sending, 3 for
/// refused credentials, 4 for a write that may have taken effect (never
/// repeat it blindly), 1 for the rest.
fn exit_code(e: &onence::Error) -> u8 {
    match e.kind() {
        ErrorKind::InvalidInput => 2,
        ErrorKind::Auth => 3,
        ErrorKind::OutcomeUnknown => 4,
        _ => 1,
    }
}

/// The hint of a not-found: an ICCID given with its check digit (20 digits,
/// as printed on the card) is the likeliest cause, and the fix is known.
fn not_found_hint() -> String {
    let with_check_digit = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse::<onence::Iccid>().ok())
        .find_map(|iccid| Some((iccid.without_check_digit()?, iccid)));
    match with_check_digit {
        Some((plain, given)) => format!(
            " ({given} ends in its check digit; 1NCE names SIMs by the ICCID \
             without it: try {plain})"
        ),
        None => " (check the ICCID or number)".to_string(),
    }
}

/// One line: what failed, the status, the API's message, and a hint.
pub fn explain(e: &onence::Error) -> String {
    let hint = match e.kind() {
        ErrorKind::Auth => " (check ONENCE_CLIENT_ID and ONENCE_CLIENT_SECRET)",
        ErrorKind::NotFound => return format!("{e}{}", not_found_hint()),
        ErrorKind::RateLimited => " (the API's rate limit; try again shortly)",
        ErrorKind::Network | ErrorKind::Timeout => " (check the network, or ONENCE_BASE_URL)",
        ErrorKind::Config => " (check the environment)",
        ErrorKind::OutcomeUnknown => {
            " (do not repeat it blindly: check `onence orders list` or `onence sms list ICCID` first)"
        }
        _ => "",
    };
    format!("{e}{hint}")
}
