//! The REST client the Gmail and Graph sync tests give their adapter: the account's
//! tokens from a contract fake's grant (redeemed at the fake's token endpoint), an
//! in-memory secret store, the provider's budget, and quick retries (the tests check
//! what is retried, not how long we wait).

use std::sync::Arc;
use std::time::Duration;

use switchboard_auth::{AccountTokens, ProviderConfig, TokenClient, TokenSet};
use switchboard_mail::rest::{http_client, Budget, BudgetLimits, RestClient, RetryPolicy};
use switchboard_secrets::{MemoryStore, Secret};

/// What a fake's `grant()` returns.
pub struct Grant {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

pub fn rest_client(
    token_url: String,
    grant: Grant,
    account: i64,
    limits: BudgetLimits,
    max_server_retries: u32,
) -> RestClient {
    let provider = ProviderConfig {
        authorize_url: "http://127.0.0.1:9/unused".into(),
        token_url,
        client_id: "switchboard-test".into(),
        client_secret: None,
        scopes: vec![],
        extra_auth_params: vec![],
    };
    let tokens = AccountTokens::new(
        provider,
        Arc::new(MemoryStore::new()),
        format!("account/{account}/oauth"),
        TokenClient::new().unwrap(),
    );
    tokens
        .save(&TokenSet {
            access_token: Secret::new(grant.access_token),
            refresh_token: Some(Secret::new(grant.refresh_token)),
            expires_at: Some(
                chrono::Utc::now()
                    + chrono::Duration::seconds(i64::try_from(grant.expires_in).unwrap()),
            ),
            scope: None,
            token_type: "Bearer".into(),
        })
        .unwrap();
    RestClient::new(
        http_client().unwrap(),
        Arc::new(tokens),
        Arc::new(Budget::new(limits)),
    )
    .with_retry(RetryPolicy {
        max_server_retries,
        backoff_start: Duration::from_millis(5),
        backoff_max: Duration::from_millis(50),
        ..RetryPolicy::default()
    })
}
