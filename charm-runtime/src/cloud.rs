//! [`CloudSpec`]: the cloud the model runs on and its credential, as `credential-get`
//! prints it. Juju gives it only to a trusted application (`juju trust <app>`); otherwise
//! the call fails with [`Error::PermissionDenied`](crate::Error::PermissionDenied).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A cloud credential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudCredential {
    /// How it authenticates (`userpass`, `certificate`, `oauth2`, ...).
    #[serde(default, rename = "auth-type")]
    pub auth_type: String,
    /// Its attributes (keys, passwords, tokens).
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
    /// Attributes Juju redacted.
    #[serde(default)]
    pub redacted: Vec<String>,
}

/// The model's cloud.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudSpec {
    /// The cloud type (`lxd`, `ec2`, `kubernetes`, ...).
    #[serde(rename = "type")]
    pub cloud_type: String,
    /// The cloud's name.
    pub name: String,
    /// The region, if any.
    #[serde(default)]
    pub region: Option<String>,
    /// The API endpoint.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The identity endpoint.
    #[serde(default, rename = "identity-endpoint")]
    pub identity_endpoint: Option<String>,
    /// The storage endpoint.
    #[serde(default, rename = "storage-endpoint")]
    pub storage_endpoint: Option<String>,
    /// The credential.
    #[serde(default)]
    pub credential: Option<CloudCredential>,
    /// CA certificates to trust.
    #[serde(default, rename = "cacertificates")]
    pub ca_certificates: Vec<String>,
    /// Whether to skip TLS verification.
    #[serde(default, rename = "skip-tls-verify")]
    pub skip_tls_verify: bool,
    /// Whether this is the controller's cloud.
    #[serde(default, rename = "is-controller-cloud")]
    pub is_controller_cloud: bool,
}
