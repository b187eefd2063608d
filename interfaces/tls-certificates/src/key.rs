//! Private keys.

use crate::error::crypto;
use crate::Error;

/// The kind of key to generate. (The Python library defaults to RSA 2048; rcgen's ring
/// backend generates elliptic-curve keys only, which the library and its providers
/// support as well: `KeyAlgorithm.ECDSA` with 256 or 384 bits.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// ECDSA on P-256, signing with SHA-256 (the library's ECDSA default).
    #[default]
    EcdsaP256,
    /// ECDSA on P-384, signing with SHA-384.
    EcdsaP384,
}

/// A private key, kept as PEM (PKCS#8) in a secret.
pub struct PrivateKey {
    pub(crate) pair: rcgen::KeyPair,
}

impl PrivateKey {
    /// A new random key.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<PrivateKey, Error> {
        let alg = match algorithm {
            KeyAlgorithm::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyAlgorithm::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        };
        let pair = rcgen::KeyPair::generate_for(alg).map_err(crypto("generate a private key"))?;
        Ok(PrivateKey { pair })
    }

    /// Reads an unencrypted PKCS#8 PEM key (`-----BEGIN PRIVATE KEY-----`): EC (P-256,
    /// P-384), RSA or Ed25519.
    pub fn from_pem(pem: &str) -> Result<PrivateKey, Error> {
        let pair = rcgen::KeyPair::from_pem(pem.trim()).map_err(|e| Error::Key(e.to_string()))?;
        Ok(PrivateKey { pair })
    }

    /// The key as PEM (PKCS#8), without a final newline.
    pub fn to_pem(&self) -> String {
        self.pair.serialize_pem().trim_end().to_string()
    }

    /// The DER `SubjectPublicKeyInfo` of its public key.
    pub fn public_key_der(&self) -> Vec<u8> {
        use rcgen::PublicKeyData;
        self.pair.subject_public_key_info()
    }
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey").finish_non_exhaustive()
    }
}
