use url::Url;

use crate::{AuthError, ProviderConfig};

/// The URL to open in the user's browser: authorization code flow with PKCE S256
/// (RFC 8252 §7.3, RFC 7636 §4.3).
pub fn authorization_url(
    provider: &ProviderConfig,
    redirect_uri: &str,
    state: &str,
    code_challenge: &str,
) -> Result<Url, AuthError> {
    let mut url = Url::parse(&provider.authorize_url)
        .map_err(|e| AuthError::Config(format!("bad authorize URL: {e}")))?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &provider.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &provider.scope_param())
            .append_pair("state", state)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256");
        for (key, value) in &provider.extra_auth_params {
            query.append_pair(key, value);
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MicrosoftApi;

    fn pairs(url: &Url) -> Vec<(String, String)> {
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn owned(rows: &[(&str, &str)]) -> Vec<(String, String)> {
        rows.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn google_url_has_exactly_these_parameters() {
        let provider = ProviderConfig::google("id-123.apps.googleusercontent.com", None);
        let url = authorization_url(&provider, "http://127.0.0.1:5555/", "st-1", "ch-1").unwrap();
        assert_eq!(
            url.as_str().split('?').next(),
            Some("https://accounts.google.com/o/oauth2/v2/auth")
        );
        assert_eq!(
            pairs(&url),
            owned(&[
                ("response_type", "code"),
                ("client_id", "id-123.apps.googleusercontent.com"),
                ("redirect_uri", "http://127.0.0.1:5555/"),
                ("scope", "https://mail.google.com/ https://www.googleapis.com/auth/calendar openid email"),
                ("state", "st-1"),
                ("code_challenge", "ch-1"),
                ("code_challenge_method", "S256"),
                ("access_type", "offline"),
                ("prompt", "consent"),
            ])
        );
        // Spaces in scope are encoded, and the redirect URI is escaped.
        assert!(url
            .as_str()
            .contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2F"));
    }

    #[test]
    fn microsoft_urls_per_api() {
        for (api, scope) in [
            (
                MicrosoftApi::ImapSmtp,
                "offline_access https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send",
            ),
            (
                MicrosoftApi::Graph,
                "offline_access openid email https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/Calendars.ReadWrite",
            ),
        ] {
            let provider = ProviderConfig::microsoft("ms-id", api);
            let url = authorization_url(&provider, "http://127.0.0.1:1/", "s", "c").unwrap();
            assert!(url
                .as_str()
                .starts_with("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?"));
            assert_eq!(
                pairs(&url),
                owned(&[
                    ("response_type", "code"),
                    ("client_id", "ms-id"),
                    ("redirect_uri", "http://127.0.0.1:1/"),
                    ("scope", scope),
                    ("state", "s"),
                    ("code_challenge", "c"),
                    ("code_challenge_method", "S256"),
                ])
            );
        }
    }

    #[test]
    fn client_ids_come_from_configuration() {
        let env = |k: &str| match k {
            "SWITCHBOARD_GOOGLE_CLIENT_ID" => Some("g-id".to_owned()),
            "SWITCHBOARD_GOOGLE_CLIENT_SECRET" => Some("g-secret".to_owned()),
            _ => None,
        };
        let google = ProviderConfig::google_from_env(env).unwrap();
        assert_eq!(google.client_id, "g-id");
        assert_eq!(
            google.client_secret.as_ref().map(|s| s.expose().as_str()),
            Some("g-secret")
        );
        assert!(!format!("{google:?}").contains("g-secret"));
        let err = ProviderConfig::microsoft_from_env(env, MicrosoftApi::Graph).unwrap_err();
        assert!(
            err.to_string().contains("SWITCHBOARD_MICROSOFT_CLIENT_ID"),
            "{err}"
        );
    }
}
