//! JWT verification: signature, `exp`, `nbf`, `iss` and `aud`, then the
//! claims become a [`Principal`].
//!
//! Keys are read and decoded once, at start; verifying a token is then a
//! header parse, one signature check (usually) and a claims check.
//!
//! The crypto backend is jsonwebtoken's `rust_crypto`. Its RSA crate has a
//! known timing side channel on *private-key* operations (RUSTSEC-2023-0071);
//! the server only ever verifies with public keys, so it is not exposed.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header,
    errors::ErrorKind,
    jwk::{AlgorithmParameters, JwkSet},
};
use serde_json::{Map, Value};

use super::AuthError;
use crate::{
    config::{JwtAlgorithm, JwtConfig},
    core::principal::Principal,
};

/// A key that cannot be used, or a configuration file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read {}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {detail}")]
    Bad { path: PathBuf, detail: String },
    #[error("{0}")]
    Config(String),
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Read { path: path.to_path_buf(), source })
}

/// An HS256 secret file's content, without surrounding whitespace (so a
/// trailing newline does not become part of the secret).
pub fn read_secret_file(path: &Path) -> Result<Vec<u8>, KeyError> {
    let bytes = read(path)?;
    let text = String::from_utf8(bytes).map_err(|_| bad(path, "the HS256 secret is not UTF-8 text"))?;
    Ok(text.trim().as_bytes().to_vec())
}

fn bad(path: &Path, detail: impl Into<String>) -> KeyError {
    KeyError::Bad { path: path.to_path_buf(), detail: detail.into() }
}

fn algorithm(alg: JwtAlgorithm) -> Algorithm {
    match alg {
        JwtAlgorithm::HS256 => Algorithm::HS256,
        JwtAlgorithm::RS256 => Algorithm::RS256,
        JwtAlgorithm::ES256 => Algorithm::ES256,
    }
}

/// Verifies bearer tokens against the configured keys.
pub struct JwtVerifier {
    /// The HS256 secret, if configured.
    secret: Option<DecodingKey>,
    /// PEM public keys, in configuration order.
    public_keys: Vec<DecodingKey>,
    /// JWKS keys by `kid`.
    jwks: HashMap<String, DecodingKey>,
    /// One per accepted algorithm: jsonwebtoken wants every algorithm of a
    /// `Validation` to be of the key's family.
    validations: HashMap<Algorithm, Validation>,
    tenant_claim: String,
    roles_claim: String,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("algorithms", &self.validations.keys().collect::<Vec<_>>())
            .field("secret", &self.secret.is_some())
            .field("public_keys", &self.public_keys.len())
            .field("jwks_kids", &self.jwks.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl JwtVerifier {
    /// Reads and decodes every configured key; fails on a missing file, a
    /// bad PEM or JWKS, or when no key is usable with the configured
    /// algorithms.
    pub fn new(config: &JwtConfig) -> Result<Self, KeyError> {
        let algorithms: Vec<Algorithm> = config.algorithms.iter().copied().map(algorithm).collect();
        let secret = match (&config.hs256_secret, &config.hs256_secret_file) {
            (Some(secret), _) => Some(secret.0.trim().as_bytes().to_vec()),
            (None, Some(path)) => Some(read_secret_file(path)?),
            (None, None) => None,
        };
        if let Some(secret) = &secret
            && secret.len() < 32
        {
            return Err(KeyError::Config(format!(
                "the HS256 secret has {} bytes; use at least 32 random bytes (e.g. `openssl rand -base64 48`)",
                secret.len()
            )));
        }
        let secret = secret.map(|s| DecodingKey::from_secret(&s));

        let mut public_keys = Vec::new();
        for path in &config.public_key_files {
            public_keys.push(public_key_from_pem(path)?);
        }
        let jwks = match &config.jwks_file {
            Some(path) => jwks_from_file(path)?,
            None => HashMap::new(),
        };

        let usable =
            |family| secret.iter().chain(&public_keys).chain(jwks.values()).any(|k: &DecodingKey| k.family() == family);
        if !algorithms.iter().any(|alg| usable(alg.family())) {
            return Err(KeyError::Config(format!(
                "no configured key can verify any of auth.jwt.algorithms {:?}",
                config.algorithms
            )));
        }

        let validations = algorithms
            .iter()
            .map(|&alg| {
                let mut validation = Validation::new(alg);
                validation.leeway = config.leeway.as_secs();
                validation.validate_exp = true;
                validation.validate_nbf = true;
                validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
                validation.set_issuer(&[config.issuer.as_str()]);
                validation.set_audience(&[config.audience.as_str()]);
                (alg, validation)
            })
            .collect();

        Ok(Self {
            secret,
            public_keys,
            jwks,
            validations,
            tenant_claim: config.tenant_claim.clone(),
            roles_claim: config.roles_claim.clone(),
        })
    }

    /// Verifies a compact JWS and returns its principal.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let header = decode_header(token)
            .map_err(|e| AuthError::Invalid(format!("the token is not a well-formed JWT ({e})")))?;
        let Some(validation) = self.validations.get(&header.alg) else {
            return Err(AuthError::Invalid(format!("tokens signed with {:?} are not accepted", header.alg)));
        };
        let family = header.alg.family();
        let candidates: Vec<&DecodingKey> =
            match (header.kid.as_deref(), header.kid.as_deref().and_then(|kid| self.jwks.get(kid))) {
                (_, Some(key)) => vec![key],
                // A kid the JWKS does not know: only keys without a kid (the
                // secret, the PEM files) may still verify it.
                (Some(_), None) => self.secret.iter().chain(&self.public_keys).collect(),
                (None, None) => self.secret.iter().chain(&self.public_keys).chain(self.jwks.values()).collect(),
            };
        let keys: Vec<&DecodingKey> = candidates.into_iter().filter(|k| k.family() == family).collect();
        if keys.is_empty() {
            return Err(match header.kid {
                Some(kid) => AuthError::Invalid(format!("no key with kid {kid:?} is configured")),
                None => AuthError::Invalid(format!("no key for {:?} tokens is configured", header.alg)),
            });
        }
        let mut last = None;
        for key in keys {
            match decode::<Map<String, Value>>(token, key, validation) {
                Ok(data) => return self.principal(data.claims),
                Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => last = Some(e),
                Err(e) => return Err(classify(e.kind())),
            }
        }
        Err(last.map_or_else(|| AuthError::Invalid("no key verifies the token".into()), |e| classify(e.kind())))
    }

    fn principal(&self, claims: Map<String, Value>) -> Result<Principal, AuthError> {
        let subject = match claims.get("sub") {
            Some(Value::String(sub)) if !sub.is_empty() => sub.clone(),
            _ => return Err(AuthError::Invalid("the token's sub claim must be a non-empty string".into())),
        };
        let tenant = match claims.get(&self.tenant_claim) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(tenant)) => tenant.clone(),
            Some(_) => {
                return Err(AuthError::Invalid(format!("the token's {} claim must be a string", self.tenant_claim)));
            }
        };
        let roles = string_list(claims.get(&self.roles_claim)).ok_or_else(|| {
            AuthError::Invalid(format!(
                "the token's {} claim must be a list of strings or a space-separated string",
                self.roles_claim
            ))
        })?;
        let scopes = match claims.get("scope") {
            Some(scope) => string_list(Some(scope)),
            None => string_list(claims.get("scp")),
        }
        .ok_or_else(|| {
            AuthError::Invalid(
                "the token's scope/scp claim must be a space-separated string or a list of strings".into(),
            )
        })?;
        Ok(Principal { subject, tenant, roles, scopes, authenticated: true })
    }
}

/// A claim that is a JSON array of strings or one space-separated string.
/// `None` when it is something else; an absent claim is an empty list.
fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    match value {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::String(s)) => Some(s.split_whitespace().map(str::to_string).collect()),
        Some(Value::Array(items)) => items.iter().map(|item| item.as_str().map(str::to_string)).collect(),
        Some(_) => None,
    }
}

fn classify(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) => AuthError::Invalid(format!("the token has no {claim} claim")),
        ErrorKind::InvalidClaimFormat(claim) => AuthError::Invalid(format!("the token's {claim} claim is malformed")),
        ErrorKind::InvalidSignature => AuthError::Invalid("the token's signature does not verify".into()),
        ErrorKind::InvalidAlgorithm => AuthError::Invalid("the token's algorithm does not match its key".into()),
        other => AuthError::Invalid(format!("the token is not valid ({other:?})")),
    }
}

fn public_key_from_pem(path: &Path) -> Result<DecodingKey, KeyError> {
    let pem = read(path)?;
    let text = String::from_utf8_lossy(&pem);
    if !text.contains("-----BEGIN") {
        return Err(bad(path, "not a PEM file (no -----BEGIN line)"));
    }
    if text.contains("PRIVATE KEY") {
        return Err(bad(path, "holds a private key; give the server the public key only"));
    }
    DecodingKey::from_rsa_pem(&pem)
        .or_else(|_| DecodingKey::from_ec_pem(&pem))
        .map_err(|e| bad(path, format!("not an RSA or EC public key in PEM ({e})")))
}

fn jwks_from_file(path: &Path) -> Result<HashMap<String, DecodingKey>, KeyError> {
    let bytes = read(path)?;
    let set: JwkSet = serde_json::from_slice(&bytes).map_err(|e| bad(path, format!("not a JWKS ({e})")))?;
    let mut keys = HashMap::new();
    for (i, jwk) in set.keys.iter().enumerate() {
        let kid = jwk.common.key_id.clone().ok_or_else(|| bad(path, format!("key #{i} has no kid")))?;
        if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
            return Err(bad(path, format!("key {kid:?} is a shared secret; use auth.jwt.hs256_secret_file")));
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|e| bad(path, format!("key {kid:?} cannot be used ({e})")))?;
        if keys.insert(kid.clone(), key).is_some() {
            return Err(bad(path, format!("kid {kid:?} appears twice")));
        }
    }
    if keys.is_empty() {
        return Err(bad(path, "the key set is empty"));
    }
    Ok(keys)
}

/// What `nexus auth token` puts into a development token.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub subject: String,
    pub tenant: Option<String>,
    pub roles: Vec<String>,
    pub scopes: Vec<String>,
    pub issuer: String,
    pub audience: String,
    pub ttl: Duration,
}

/// Mints an HS256 token (for development and tests).
pub fn mint_hs256(secret: &[u8], request: &TokenRequest) -> Result<String, jsonwebtoken::errors::Error> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let mut claims = serde_json::json!({
        "sub": request.subject,
        "iss": request.issuer,
        "aud": request.audience,
        "iat": now,
        "exp": now + request.ttl.as_secs(),
        "roles": request.roles,
    });
    if let Some(tenant) = &request.tenant {
        claims["tenant"] = Value::String(tenant.clone());
    }
    if !request.scopes.is_empty() {
        claims["scope"] = Value::String(request.scopes.join(" "));
    }
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Write as _;

    use base64::Engine as _;
    use serde_json::json;

    use super::*;
    use crate::config::Secret;

    const SECRET: &str = "unit-test-secret-that-is-long-enough-0123456789";
    const RSA_PRIVATE: &str = include_str!("../../tests/fixtures/auth/rsa-test-only-private.pem");
    const RSA_PUBLIC: &str = include_str!("../../tests/fixtures/auth/rsa-test-only-public.pem");
    const RSA_JWKS: &str = include_str!("../../tests/fixtures/auth/rsa-test-only.jwks.json");

    fn now() -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
    }

    fn claims() -> Value {
        json!({
            "sub": "alice",
            "iss": "https://issuer.test",
            "aud": "nexus",
            "exp": now() + 300,
            "tenant": "acme",
            "roles": ["writer", "reader"],
            "scope": "events:read events:write",
        })
    }

    fn config() -> JwtConfig {
        JwtConfig {
            issuer: "https://issuer.test".into(),
            audience: "nexus".into(),
            leeway: Duration::from_secs(30),
            ..JwtConfig::default()
        }
    }

    fn hs_config() -> JwtConfig {
        JwtConfig { hs256_secret: Some(Secret(SECRET.into())), ..config() }
    }

    fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value, key: &EncodingKey) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_string);
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }

    fn hs(claims: &Value) -> String {
        sign(Algorithm::HS256, None, claims, &EncodingKey::from_secret(SECRET.as_bytes()))
    }

    fn temp_file(dir: &tempfile::TempDir, name: &str, content: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::File::create(&path).unwrap().write_all(content.as_bytes()).unwrap();
        path
    }

    /// A fresh EC P-256 key pair: (private PKCS#8 PEM, public SPKI PEM, JWK x, JWK y).
    fn ec_key() -> (String, String, String, String) {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let raw = pair.public_key_raw(); // 0x04 || x || y
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        (pair.serialize_pem(), pair.public_key_pem(), b64(&raw[1..33]), b64(&raw[33..65]))
    }

    #[test]
    fn hs256_token_gives_the_principal() {
        let verifier = JwtVerifier::new(&hs_config()).unwrap();
        let principal = verifier.verify(&hs(&claims())).unwrap();
        assert_eq!(
            principal,
            Principal {
                subject: "alice".into(),
                tenant: "acme".into(),
                roles: vec!["writer".into(), "reader".into()],
                scopes: vec!["events:read".into(), "events:write".into()],
                authenticated: true,
            }
        );
    }

    #[test]
    fn roles_as_a_string_scp_as_a_list_and_custom_claim_names() {
        let config = JwtConfig { tenant_claim: "org".into(), roles_claim: "groups".into(), ..hs_config() };
        let verifier = JwtVerifier::new(&config).unwrap();
        let mut c = claims();
        c["org"] = json!("globex");
        c["groups"] = json!("admin auditor");
        c.as_object_mut().unwrap().remove("scope");
        c["scp"] = json!(["a", "b"]);
        let principal = verifier.verify(&hs(&c)).unwrap();
        assert_eq!(principal.tenant, "globex");
        assert_eq!(principal.roles, ["admin", "auditor"]);
        assert_eq!(principal.scopes, ["a", "b"]);

        c["groups"] = json!(42);
        assert!(matches!(verifier.verify(&hs(&c)), Err(AuthError::Invalid(_))));
    }

    #[test]
    fn rs256_via_pem_and_via_jwks() {
        let dir = tempfile::tempdir().unwrap();
        let private = EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap();

        let pem = JwtConfig { public_key_files: vec![temp_file(&dir, "rsa.pem", RSA_PUBLIC)], ..config() };
        let verifier = JwtVerifier::new(&pem).unwrap();
        assert_eq!(verifier.verify(&sign(Algorithm::RS256, None, &claims(), &private)).unwrap().subject, "alice");

        let jwks = JwtConfig { jwks_file: Some(temp_file(&dir, "keys.json", RSA_JWKS)), ..config() };
        let verifier = JwtVerifier::new(&jwks).unwrap();
        let token = sign(Algorithm::RS256, Some("rsa-test-1"), &claims(), &private);
        assert_eq!(verifier.verify(&token).unwrap().subject, "alice");
        let unknown = sign(Algorithm::RS256, Some("rsa-rotated-away"), &claims(), &private);
        assert!(matches!(verifier.verify(&unknown), Err(AuthError::Invalid(m)) if m.contains("rsa-rotated-away")));
        let (ec_private, ..) = ec_key();
        let ec_key = EncodingKey::from_ec_pem(ec_private.as_bytes()).unwrap();
        let wrong_family = sign(Algorithm::ES256, Some("rsa-test-1"), &claims(), &ec_key);
        assert!(matches!(verifier.verify(&wrong_family), Err(AuthError::Invalid(_))), "an RSA kid with an ES256 token");
    }

    #[test]
    fn es256_via_pem_and_via_jwks_picks_the_key_by_kid() {
        let dir = tempfile::tempdir().unwrap();
        let (private_a, public_a, xa, ya) = ec_key();
        let (private_b, _, xb, yb) = ec_key();
        let key_a = EncodingKey::from_ec_pem(private_a.as_bytes()).unwrap();
        let key_b = EncodingKey::from_ec_pem(private_b.as_bytes()).unwrap();

        let pem = JwtConfig { public_key_files: vec![temp_file(&dir, "ec.pem", &public_a)], ..config() };
        let verifier = JwtVerifier::new(&pem).unwrap();
        assert_eq!(verifier.verify(&sign(Algorithm::ES256, None, &claims(), &key_a)).unwrap().subject, "alice");
        assert!(matches!(
            verifier.verify(&sign(Algorithm::ES256, None, &claims(), &key_b)),
            Err(AuthError::Invalid(_))
        ));

        let set = json!({ "keys": [
            { "kty": "EC", "crv": "P-256", "kid": "a", "x": xa, "y": ya },
            { "kty": "EC", "crv": "P-256", "kid": "b", "x": xb, "y": yb },
        ]});
        let jwks = JwtConfig { jwks_file: Some(temp_file(&dir, "keys.json", &set.to_string())), ..config() };
        let verifier = JwtVerifier::new(&jwks).unwrap();
        assert!(verifier.verify(&sign(Algorithm::ES256, Some("a"), &claims(), &key_a)).is_ok());
        assert!(verifier.verify(&sign(Algorithm::ES256, Some("b"), &claims(), &key_b)).is_ok());
        // Signed by b but claiming to be a: the kid picks a, which refuses it.
        assert!(matches!(
            verifier.verify(&sign(Algorithm::ES256, Some("a"), &claims(), &key_b)),
            Err(AuthError::Invalid(_))
        ));
    }

    #[test]
    fn expiry_counts_the_leeway() {
        let verifier = JwtVerifier::new(&hs_config()).unwrap();
        let mut c = claims();
        c["exp"] = json!(now() - 10);
        assert!(verifier.verify(&hs(&c)).is_ok(), "10 s past exp is within the 30 s leeway");
        c["exp"] = json!(now() - 120);
        assert_eq!(verifier.verify(&hs(&c)), Err(AuthError::Expired));
        c.as_object_mut().unwrap().remove("exp");
        assert!(matches!(verifier.verify(&hs(&c)), Err(AuthError::Invalid(m)) if m.contains("exp")));
    }

    #[test]
    fn not_before_counts_the_leeway() {
        let verifier = JwtVerifier::new(&hs_config()).unwrap();
        let mut c = claims();
        c["nbf"] = json!(now() + 10);
        assert!(verifier.verify(&hs(&c)).is_ok());
        c["nbf"] = json!(now() + 120);
        assert_eq!(verifier.verify(&hs(&c)), Err(AuthError::NotYetValid));
    }

    #[test]
    fn wrong_issuer_or_audience() {
        let verifier = JwtVerifier::new(&hs_config()).unwrap();
        let mut c = claims();
        c["iss"] = json!("https://evil.test");
        assert_eq!(verifier.verify(&hs(&c)), Err(AuthError::WrongIssuer));
        let mut c = claims();
        c["aud"] = json!("another-service");
        assert_eq!(verifier.verify(&hs(&c)), Err(AuthError::WrongAudience));
        c["aud"] = json!(["another-service", "nexus"]);
        assert!(verifier.verify(&hs(&c)).is_ok(), "a list of audiences containing ours is fine");
        let mut c = claims();
        c.as_object_mut().unwrap().remove("iss");
        assert!(matches!(verifier.verify(&hs(&c)), Err(AuthError::Invalid(_))));
    }

    #[test]
    fn alg_none_unconfigured_alg_and_tampering_are_invalid() {
        let verifier = JwtVerifier::new(&hs_config()).unwrap();
        let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims()));
        assert!(matches!(verifier.verify(&none), Err(AuthError::Invalid(_))));

        let hs384 = sign(Algorithm::HS384, None, &claims(), &EncodingKey::from_secret(SECRET.as_bytes()));
        assert!(matches!(verifier.verify(&hs384), Err(AuthError::Invalid(m)) if m.contains("HS384")));

        let only_rs = JwtConfig { algorithms: vec![JwtAlgorithm::RS256], ..hs_config() };
        assert!(JwtVerifier::new(&only_rs).is_err(), "an HS256 secret alone cannot serve RS256");

        let token = hs(&claims());
        let (head, _) = token.rsplit_once('.').unwrap();
        let mut forged = claims();
        forged["roles"] = json!(["admin"]);
        let payload_swapped =
            format!("{}.{}.{}", head.split('.').next().unwrap(), b64(&forged), token.rsplit('.').next().unwrap());
        assert!(matches!(verifier.verify(&payload_swapped), Err(AuthError::Invalid(m)) if m.contains("signature")));

        let other_secret = sign(
            Algorithm::HS256,
            None,
            &claims(),
            &EncodingKey::from_secret(b"another-secret-of-32-bytes-or-more-xxxxxx"),
        );
        assert!(matches!(verifier.verify(&other_secret), Err(AuthError::Invalid(_))));

        for garbage in ["", "abc", "a.b.c", "....", "\u{0}", "eyJ.eyJ.sig"] {
            assert!(matches!(verifier.verify(garbage), Err(AuthError::Invalid(_))), "{garbage:?}");
        }
    }

    #[test]
    fn an_rs256_public_key_is_never_used_as_an_hs256_secret() {
        // The classic confusion: sign HS256 with the RSA public key's PEM as
        // the secret, hoping the verifier uses that key for HMAC.
        let dir = tempfile::tempdir().unwrap();
        let config = JwtConfig { public_key_files: vec![temp_file(&dir, "rsa.pem", RSA_PUBLIC)], ..config() };
        let verifier = JwtVerifier::new(&config).unwrap();
        let token = sign(Algorithm::HS256, None, &claims(), &EncodingKey::from_secret(RSA_PUBLIC.as_bytes()));
        assert!(matches!(verifier.verify(&token), Err(AuthError::Invalid(_))));
    }

    #[test]
    fn bad_key_files_fail_at_start_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = JwtConfig { public_key_files: vec![dir.path().join("nope.pem")], ..config() };
        assert!(JwtVerifier::new(&missing).unwrap_err().to_string().contains("nope.pem"));
        let garbage = JwtConfig { public_key_files: vec![temp_file(&dir, "bad.pem", "hello")], ..config() };
        assert!(JwtVerifier::new(&garbage).unwrap_err().to_string().contains("bad.pem"));
        let private = JwtConfig { public_key_files: vec![temp_file(&dir, "p.pem", RSA_PRIVATE)], ..config() };
        assert!(JwtVerifier::new(&private).unwrap_err().to_string().contains("private key"));
        let jwks = JwtConfig { jwks_file: Some(temp_file(&dir, "k.json", "{\"keys\": 3}")), ..config() };
        assert!(JwtVerifier::new(&jwks).unwrap_err().to_string().contains("k.json"));
        let short = JwtConfig { hs256_secret: Some(Secret("short".into())), ..config() };
        assert!(JwtVerifier::new(&short).unwrap_err().to_string().contains("32"));
    }

    #[test]
    fn minted_dev_tokens_verify() {
        let verifier = JwtVerifier::new(&hs_config()).unwrap();
        let token = mint_hs256(
            SECRET.as_bytes(),
            &TokenRequest {
                subject: "bob".into(),
                tenant: Some("acme".into()),
                roles: vec!["reader".into()],
                scopes: vec![],
                issuer: "https://issuer.test".into(),
                audience: "nexus".into(),
                ttl: Duration::from_secs(60),
            },
        )
        .unwrap();
        let principal = verifier.verify(&token).unwrap();
        assert_eq!((principal.subject.as_str(), principal.tenant.as_str()), ("bob", "acme"));
        assert_eq!(principal.roles, ["reader"]);
    }
}
