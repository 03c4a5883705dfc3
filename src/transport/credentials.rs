//! Who the client is: the credentials its tokens are asked for with. A leaf
//! module: it depends on nothing of the crate but [`Secret`].

use crate::transport::secret::Secret;

/// How the client authenticates: both kinds are sent as HTTP Basic
/// credentials to the token endpoint.
#[derive(Clone, Debug)]
pub struct Credentials {
    user: String,
    secret: Secret,
}

impl Credentials {
    /// An API user: its client id (with the account number as prefix) and client secret.
    pub fn api_user(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Credentials {
        Credentials {
            user: client_id.into(),
            secret: client_secret.into(),
        }
    }

    /// The account owner: the customer portal's e-mail address and password.
    pub fn owner(email: impl Into<String>, password: impl Into<Secret>) -> Credentials {
        Credentials {
            user: email.into(),
            secret: password.into(),
        }
    }

    /// The client id or e-mail address.
    pub fn user(&self) -> &str {
        &self.user
    }

    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }
}
