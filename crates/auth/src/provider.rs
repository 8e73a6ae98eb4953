use switchboard_secrets::Secret;

use crate::AuthError;

pub const GOOGLE_AUTHORIZE_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
pub const MICROSOFT_AUTHORIZE_URL: &str =
    "https://login.microsoftonline.com/common/oauth2/v2.0/authorize";
pub const MICROSOFT_TOKEN_URL: &str = "https://login.microsoftonline.com/common/oauth2/v2.0/token";

/// Environment variables read by [`ProviderConfig::google_from_env`] and
/// [`ProviderConfig::microsoft_from_env`]. Client ids are never committed to the repository.
pub const GOOGLE_CLIENT_ID_VAR: &str = "SWITCHBOARD_GOOGLE_CLIENT_ID";
pub const GOOGLE_CLIENT_SECRET_VAR: &str = "SWITCHBOARD_GOOGLE_CLIENT_SECRET";
pub const MICROSOFT_CLIENT_ID_VAR: &str = "SWITCHBOARD_MICROSOFT_CLIENT_ID";

/// Google scopes: full IMAP/SMTP and Gmail API mail access (`https://mail.google.com/`),
/// the account's calendars (`auth/calendar`: read, write, Meet links) and the signed-in
/// address (`openid email`).
pub const GOOGLE_SCOPES: &[&str] = &[
    "https://mail.google.com/",
    "https://www.googleapis.com/auth/calendar",
    "openid",
    "email",
];

/// Which Microsoft resource the token is for. A Microsoft access token is issued for one
/// resource, so IMAP/SMTP (outlook.office.com) and Graph need separate tokens; the refresh
/// token from either sign-in can be redeemed for the other resource later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MicrosoftApi {
    /// `offline_access https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send`
    ImapSmtp,
    /// `offline_access openid email https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/Calendars.ReadWrite`
    Graph,
}

impl MicrosoftApi {
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            MicrosoftApi::ImapSmtp => &[
                "offline_access",
                "https://outlook.office.com/IMAP.AccessAsUser.All",
                "https://outlook.office.com/SMTP.Send",
            ],
            MicrosoftApi::Graph => &[
                "offline_access",
                "openid",
                "email",
                "https://graph.microsoft.com/Mail.ReadWrite",
                "https://graph.microsoft.com/Mail.Send",
                "https://graph.microsoft.com/Calendars.ReadWrite",
            ],
        }
    }
}

/// One OAuth2 authorization server and the app's registration with it.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub authorize_url: String,
    pub token_url: String,
    pub client_id: String,
    /// Desktop ("installed") clients are public (RFC 8252 §8.5): Google still issues a
    /// secret that is not confidential; Microsoft issues none.
    pub client_secret: Option<Secret<String>>,
    pub scopes: Vec<String>,
    /// Extra query parameters for the authorization URL, in order.
    pub extra_auth_params: Vec<(String, String)>,
}

impl ProviderConfig {
    /// Google with `access_type=offline` (so a refresh token is issued) and
    /// `prompt=consent` (so it is issued again on a repeated sign-in).
    pub fn google(client_id: impl Into<String>, client_secret: Option<Secret<String>>) -> Self {
        Self {
            authorize_url: GOOGLE_AUTHORIZE_URL.to_owned(),
            token_url: GOOGLE_TOKEN_URL.to_owned(),
            client_id: client_id.into(),
            client_secret,
            scopes: GOOGLE_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            extra_auth_params: vec![
                ("access_type".to_owned(), "offline".to_owned()),
                ("prompt".to_owned(), "consent".to_owned()),
            ],
        }
    }

    /// Microsoft identity platform v2.0, tenant `common` (work, school and personal
    /// accounts). `offline_access` in the scopes is what yields a refresh token.
    pub fn microsoft(client_id: impl Into<String>, api: MicrosoftApi) -> Self {
        Self {
            authorize_url: MICROSOFT_AUTHORIZE_URL.to_owned(),
            token_url: MICROSOFT_TOKEN_URL.to_owned(),
            client_id: client_id.into(),
            client_secret: None,
            scopes: api.scopes().iter().map(|s| (*s).to_owned()).collect(),
            extra_auth_params: Vec::new(),
        }
    }

    /// [`ProviderConfig::google`] with the client id (and optional secret) from
    /// `SWITCHBOARD_GOOGLE_CLIENT_ID` / `SWITCHBOARD_GOOGLE_CLIENT_SECRET`, looked up through
    /// `var` (pass `|k| std::env::var(k).ok()` in production).
    pub fn google_from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, AuthError> {
        let id = required(&var, GOOGLE_CLIENT_ID_VAR)?;
        let secret = var(GOOGLE_CLIENT_SECRET_VAR)
            .filter(|s| !s.trim().is_empty())
            .map(Secret::new);
        Ok(Self::google(id, secret))
    }

    /// [`ProviderConfig::microsoft`] with the client id from `SWITCHBOARD_MICROSOFT_CLIENT_ID`.
    pub fn microsoft_from_env(
        var: impl Fn(&str) -> Option<String>,
        api: MicrosoftApi,
    ) -> Result<Self, AuthError> {
        Ok(Self::microsoft(
            required(&var, MICROSOFT_CLIENT_ID_VAR)?,
            api,
        ))
    }

    pub(crate) fn scope_param(&self) -> String {
        self.scopes.join(" ")
    }
}

fn required(var: &impl Fn(&str) -> Option<String>, name: &str) -> Result<String, AuthError> {
    var(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AuthError::Config(format!("set {name} to the app's OAuth client id")))
}
