//! The control plane's API, as the bench uses it: accounts, an approved offer, a postback
//! key, a promoter's link, stats.

use serde_json::{Value, json};

/// A client of one control plane.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Account {
    /// Bearer token.
    pub token: String,
    /// User id (a promoter's id on its links).
    pub user_id: i64,
}

impl Api {
    /// A client of the control plane at `base`.
    pub fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// Calls the API; a status other than 2xx is an error saying what was asked.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{method} {path} answered {status}: {text}"));
        }
        if text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| format!("{method} {path}: {e}: {text}"))
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: &str) -> Result<Value, String> {
        self.call(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    /// POST with a token.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Result<Value, String> {
        self.call(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    /// Registers an account, or signs in when the email is taken (a kept database).
    pub async fn account(
        &self,
        role: &str,
        email: &str,
        password: &str,
    ) -> Result<Account, String> {
        let mut body = json!({"role": role, "email": email, "password": password,
                              "display_name": format!("Bench {role}")});
        if role == "advertiser" {
            body["company_name"] = json!("Bench advertiser");
        }
        let session = match self
            .call(reqwest::Method::POST, "/v1/auth/register", None, Some(body))
            .await
        {
            Ok(session) => session,
            Err(e) if e.contains("email_taken") => self.login(email, password).await?,
            Err(e) => return Err(e),
        };
        account(&session)
    }

    /// Signs in.
    pub async fn login(&self, email: &str, password: &str) -> Result<Value, String> {
        self.call(
            reqwest::Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
    }

    /// Signs in and returns the account.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Account, String> {
        account(&self.login(email, password).await?)
    }
}

fn account(session: &Value) -> Result<Account, String> {
    Ok(Account {
        token: session["access_token"]
            .as_str()
            .ok_or("no access_token in the session")?
            .to_owned(),
        user_id: session["user"]["id"]
            .as_i64()
            .ok_or("no user id in the session")?,
    })
}
