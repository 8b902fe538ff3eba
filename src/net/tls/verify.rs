//! Certificate verifiers: one that checks as rustls does (webpki, the roots given) and keeps
//! the chain and the verdict so that a refusal can be told in plain words, or — `--insecure`
//! — accepts anyway while still saying what the check would have found; and one that checks
//! nothing at all (the service probe identifies, it does not trust).
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::{Arc, Mutex};

/// What the verifier saw: the chain the server sent (its own certificate first) and the
/// check's verdict.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    pub chain: Vec<CertificateDer<'static>>,
    /// `None` until a chain was checked; then the check's result.
    pub result: Option<Result<(), rustls::Error>>,
}

/// The webpki check, its chain and verdict kept; with `accept_anyway` (`--insecure`) the
/// handshake goes on whatever the verdict (handshake signatures are still checked: they
/// prove the server holds the key of the certificate it sent).
#[derive(Debug)]
pub struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    accept_anyway: bool,
    seen: Mutex<Verdict>,
}

impl Recording {
    pub fn new(
        roots: Arc<RootCertStore>,
        provider: Arc<CryptoProvider>,
        accept_anyway: bool,
    ) -> Result<Recording, String> {
        let inner = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Recording {
            inner,
            accept_anyway,
            seen: Mutex::new(Verdict::default()),
        })
    }

    /// What it saw (the chain and the verdict of the last check).
    pub fn verdict(&self) -> Verdict {
        self.seen.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if let Ok(mut seen) = self.seen.lock() {
            seen.chain = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.clone().into_owned())
                .collect();
            seen.result = Some(result.as_ref().map(|_| ()).map_err(Clone::clone));
        }
        match result {
            Err(_) if self.accept_anyway => Ok(ServerCertVerified::assertion()),
            r => r,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Accepts any certificate and any handshake signature: for identifying a service, never
/// for trusting one.
#[derive(Debug)]
pub struct NoVerify(pub Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
