//! Witnesses who sign in at the moment they witness (issue 6 item 4): a second licensed user
//! types their own e-mail and password into the dialog; a name is not enough. The check is a
//! login's — the same Argon2id verification, lockout and audit of failures — so the dialog
//! cannot be used to guess a colleague's password any faster than the login page.

use ketaclinic_domain::FieldError;
use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::ids::UserId;

use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::permissions::Permission;

/// What the witness typed.
#[derive(Debug, Clone)]
pub struct WitnessCredentials {
    pub email: String,
    pub password: String,
}

/// A witness who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
}

impl App {
    /// Signs in a witness for `actor`'s movement. Refused (422 on `field`) when the e-mail or
    /// password is wrong, the account is locked or disabled, the witness is the actor, or the
    /// witness's role may not witness (`inventory.witness`).
    pub(crate) async fn sign_in_witness(&self, actor: &Actor, field: &str, credentials: &WitnessCredentials) -> AppResult<Witness> {
        let invalid = |message: String| AppError::Invalid(ValidationErrors(vec![FieldError::new(field, message)]));
        if credentials.email.trim().eq_ignore_ascii_case(&actor.email) {
            return Err(invalid("the witness must be someone other than you".to_owned()));
        }
        self.limiter.check(actor.client.addr.as_deref())?;
        let user = match self.verify_credentials(credentials.email.trim(), &credentials.password, &actor.client, "witness: ").await {
            Ok(user) => user,
            Err(AppError::BadCredentials) => return Err(invalid("the witness's e-mail or password is wrong".to_owned())),
            Err(AppError::Locked { until }) => return Err(invalid(format!("the witness's account is locked until {until}"))),
            Err(other) => return Err(other),
        };
        if user.id == actor.user_id {
            return Err(invalid("the witness must be someone other than you".to_owned()));
        }
        if !self.allows(user.role, Permission::InventoryWitness) {
            return Err(invalid(format!("{} ({}) may not witness controlled-substance waste or disposal", user.display_name.as_str(), user.role.label())));
        }
        Ok(Witness { user_id: user.id, email: user.email.as_str().to_owned(), name: user.display_name.as_str().to_owned() })
    }
}
