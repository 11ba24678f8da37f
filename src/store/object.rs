//! Cloud object stores (`s3://`, `az://`/`abfs://`, `gs://`, `http(s)://`)
//! through the `object_store` crate. Its async requests run on the shared
//! runtime ([`super::runtime`]); every method here is synchronous.
//!
//! Consistency: a value is written with one PUT (atomic: readers see the old
//! object or the new one), or for values above `multipart_threshold` with a
//! multipart upload that becomes visible only on completion and is aborted
//! when any part fails. Transport failures are retried by object_store's
//! RetryConfig (5xx, timeouts, connection errors) with exponential backoff;
//! after the last try the error names the key and the store's URL. No
//! credential ever appears in a message: the store's id carries no
//! credentials, and the text of underlying errors is scrubbed of every
//! secret value given in the options or the environment and of URL query
//! strings (which may hold SAS tokens).
//!
//! Compare-and-swap ([`Store::put_if`]): a PUT with `If-Match: <ETag>` (or
//! `If-None-Match: *` for a new key), as S3 (object_store's default
//! `aws_conditional_put = etag`), Azure Blob and GCS (generation match)
//! honour it; read-only HTTP stores never write. Metadata updates always use
//! it, and so do chunk and shard read-modify-writes (the ETag arrives with
//! the read: no extra request unless a writer collides).

use super::{join, runtime, Condition, Fetched, ListEntry, Store, Version};
use crate::error::{Error, Result};
use futures::StreamExt;
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientConfigKey, GetOptions, GetRange, ObjectStore, PutMode, PutOptions, PutPayload, RetryConfig,
    UpdateVersion,
};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// Default number of requests in flight per batch.
const DEFAULT_MAX_CONCURRENCY: usize = 64;
const DEFAULT_RETRIES: usize = 5;
const DEFAULT_TIMEOUT_MS: u64 = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
const DEFAULT_BACKOFF_MS: u64 = 100;
const DEFAULT_MULTIPART_THRESHOLD: u64 = 64 << 20;
/// Size of the parts of a multipart upload (S3 needs at least 5 MiB).
const PART_SIZE: usize = 8 << 20;

/// Options of an object store, from `zarr_open_with_options`' JSON. Keys not
/// listed here are an error naming the key.
#[derive(Clone, Default)]
pub struct ObjectOptions {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub allow_http: Option<bool>,
    /// Unsigned requests (public buckets).
    pub anonymous: bool,
    pub max_concurrency: Option<usize>,
    pub retries: Option<usize>,
    pub timeout_ms: Option<u64>,
    pub connect_timeout_ms: Option<u64>,
    pub retry_timeout_ms: Option<u64>,
    pub backoff_ms: Option<u64>,
    pub multipart_threshold: Option<u64>,
    /// Credentials and backend-specific settings: (option name, value).
    pub credentials: Vec<(String, String)>,
}

impl std::fmt::Debug for ObjectOptions {
    // Never print credential values.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectOptions")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("max_concurrency", &self.max_concurrency)
            .field(
                "credentials",
                &self.credentials.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Credential-like option names, per backend.
const S3_KEYS: &[&str] = &["access_key_id", "secret_access_key", "session_token"];
const AZURE_KEYS: &[&str] = &["account_name", "account_key", "sas_token", "use_emulator"];
const GCS_KEYS: &[&str] = &["service_account_key", "service_account_path"];

impl ObjectOptions {
    /// True when no option was given.
    pub fn is_empty(&self) -> bool {
        self.endpoint.is_none()
            && self.region.is_none()
            && self.allow_http.is_none()
            && !self.anonymous
            && self.max_concurrency.is_none()
            && self.retries.is_none()
            && self.timeout_ms.is_none()
            && self.connect_timeout_ms.is_none()
            && self.retry_timeout_ms.is_none()
            && self.backoff_ms.is_none()
            && self.multipart_threshold.is_none()
            && self.credentials.is_empty()
    }

    /// Parse the store options of an options object (`zarr_format` is the
    /// caller's and must be removed first). Error messages never hold values
    /// of credential options.
    pub fn from_json(map: &Map<String, Value>) -> Result<Self> {
        let mut o = ObjectOptions::default();
        let bad = |k: &str, what: &str| Error::InvalidArgument(format!("option \"{k}\" must be {what}"));
        for (k, v) in map {
            let string = || v.as_str().map(str::to_owned).ok_or_else(|| bad(k, "a string"));
            let boolean = || v.as_bool().ok_or_else(|| bad(k, "true or false"));
            let count = || v.as_u64().ok_or_else(|| bad(k, "a non-negative integer"));
            match k.as_str() {
                "endpoint" => o.endpoint = Some(string()?),
                "region" => o.region = Some(string()?),
                "allow_http" => o.allow_http = Some(boolean()?),
                "anonymous" => o.anonymous = boolean()?,
                "max_concurrency" => {
                    let n = count()?;
                    if n == 0 || n > 4096 {
                        return Err(bad(k, "between 1 and 4096"));
                    }
                    o.max_concurrency = Some(n as usize)
                }
                "retries" => o.retries = Some(count()?.min(100) as usize),
                "timeout_ms" => o.timeout_ms = Some(count()?.max(1)),
                "connect_timeout_ms" => o.connect_timeout_ms = Some(count()?.max(1)),
                "retry_timeout_ms" => o.retry_timeout_ms = Some(count()?.max(1)),
                "backoff_ms" => o.backoff_ms = Some(count()?.max(1)),
                "multipart_threshold" => o.multipart_threshold = Some(count()?.max(PART_SIZE as u64)),
                "use_emulator" => o.credentials.push((k.clone(), boolean()?.to_string())),
                k2 if S3_KEYS.contains(&k2) || AZURE_KEYS.contains(&k2) || GCS_KEYS.contains(&k2) => {
                    o.credentials.push((k.clone(), string()?))
                }
                _ => return Err(Error::InvalidArgument(format!("unknown option \"{k}\""))),
            }
        }
        Ok(o)
    }

    fn concurrency(&self) -> usize {
        self.max_concurrency.unwrap_or(DEFAULT_MAX_CONCURRENCY)
    }

    fn retry_config(&self) -> RetryConfig {
        let init = Duration::from_millis(self.backoff_ms.unwrap_or(DEFAULT_BACKOFF_MS));
        RetryConfig {
            backoff: BackoffConfig {
                init_backoff: init,
                max_backoff: init.max(Duration::from_secs(5)),
                base: 2.0,
            },
            max_retries: self.retries.unwrap_or(DEFAULT_RETRIES),
            retry_timeout: Duration::from_millis(self.retry_timeout_ms.unwrap_or(120_000)),
        }
    }

    /// Client settings as (key, value) pairs of object_store's string form.
    fn client_config(&self, http_endpoint: bool) -> Vec<(ClientConfigKey, String)> {
        let mut c = vec![
            (
                ClientConfigKey::Timeout,
                format!("{}ms", self.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS)),
            ),
            (
                ClientConfigKey::ConnectTimeout,
                format!("{}ms", self.connect_timeout_ms.unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS)),
            ),
            // Keep enough idle connections for a full batch.
            (ClientConfigKey::PoolMaxIdlePerHost, self.concurrency().to_string()),
        ];
        // An explicit http:// endpoint means plain HTTP was asked for.
        if let Some(allow) = self.allow_http.or(http_endpoint.then_some(true)) {
            c.push((ClientConfigKey::AllowHttp, allow.to_string()));
        }
        c
    }

    /// Refuse credential options that belong to another backend.
    fn check_credentials(&self, scheme: &str, allowed: &[&str]) -> Result<()> {
        match self.credentials.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            Some((k, _)) => Err(Error::InvalidArgument(format!(
                "option \"{k}\" does not apply to {scheme}:// stores"
            ))),
            None => Ok(()),
        }
    }
}

/// A store over an object store bucket/container below a prefix (shared
/// with the runtime's tasks of streamed reads).
pub struct ObjectStoreBackend {
    core: Arc<Core>,
}

impl std::ops::Deref for ObjectStoreBackend {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

pub struct Core {
    id: String,
    inner: Arc<dyn ObjectStore>,
    prefix: String,
    read_only: bool,
    concurrency: usize,
    multipart_threshold: u64,
    /// The service answers `Range: bytes=-N` (Azure does not: a HEAD first).
    suffix_ranges: bool,
    /// Values that must never appear in a message.
    secrets: Vec<String>,
}

impl std::fmt::Debug for ObjectStoreBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStoreBackend")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// `scheme://authority/path` split in three (userinfo and query removed
/// from the authority and path: credentials do not travel in store URLs).
struct Parsed<'a> {
    scheme: &'a str,
    authority: &'a str,
    path: &'a str,
}

fn parse(url: &str) -> Result<Parsed<'_>> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| Error::InvalidArgument("store URL has no scheme".into()))?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (mut authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if scheme == "http" || scheme == "https" {
        // user:password@host: credentials never travel in store URLs.
        authority = authority.rsplit('@').next().unwrap_or(authority);
    }
    if authority.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{scheme}:// URL names no bucket or host"
        )));
    }
    Ok(Parsed {
        scheme,
        authority,
        path: path.trim_matches('/'),
    })
}

/// Environment values that must never be shown: anything credential-like of
/// the three clouds.
fn env_secrets() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| {
            let cloud = k.starts_with("AWS_") || k.starts_with("AZURE_") || k.starts_with("GOOGLE_");
            let secret = ["KEY", "SECRET", "TOKEN", "PASSWORD", "SAS", "CREDENTIAL"]
                .iter()
                .any(|s| k.contains(s));
            cloud && secret
        })
        .map(|(_, v)| v)
        .collect()
}

impl ObjectStoreBackend {
    /// Open the object store `url` names. Nothing is requested yet: a missing
    /// bucket or a bad endpoint shows at the first read or write.
    pub fn open(url: &str, opts: &ObjectOptions) -> Result<Self> {
        let p = parse(url)?;
        let mut secrets = env_secrets();
        secrets.extend(
            opts.credentials
                .iter()
                .filter(|(k, _)| k != "account_name" && k != "use_emulator")
                .map(|(_, v)| v.clone()),
        );
        let retry = opts.retry_config();
        let env_endpoint = |names: &[&str]| names.iter().find_map(|n| std::env::var(n).ok());
        let map_err = |e: object_store::Error| {
            let msg = redact(&e.to_string(), &secrets);
            Error::InvalidArgument(format!("cannot open {}://{}: {msg}", p.scheme, p.authority))
        };
        let (inner, prefix, read_only, id): (Arc<dyn ObjectStore>, String, bool, String) = match p.scheme {
            "s3" | "s3a" => {
                use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey as K};
                opts.check_credentials("s3", S3_KEYS)?;
                let endpoint = opts
                    .endpoint
                    .clone()
                    .or_else(|| env_endpoint(&["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"]));
                let mut b = AmazonS3Builder::from_env()
                    .with_bucket_name(p.authority)
                    .with_retry(retry);
                if let Some(e) = &endpoint {
                    b = b.with_endpoint(e);
                }
                if let Some(r) = &opts.region {
                    b = b.with_region(r);
                }
                for (k, v) in opts.client_config(endpoint.as_deref().is_some_and(|e| e.starts_with("http://"))) {
                    b = b.with_config(K::Client(k), v);
                }
                if opts.anonymous {
                    b = b.with_skip_signature(true);
                }
                for (k, v) in &opts.credentials {
                    let key = match k.as_str() {
                        "access_key_id" => K::AccessKeyId,
                        "secret_access_key" => K::SecretAccessKey,
                        _ => K::Token,
                    };
                    b = b.with_config(key, v);
                }
                let s = b.build().map_err(map_err)?;
                (Arc::new(s), p.path.to_owned(), false, format!("s3://{}", p.authority))
            }
            "az" | "azure" | "abfs" | "abfss" => {
                use object_store::azure::{AzureConfigKey as K, MicrosoftAzureBuilder};
                opts.check_credentials(p.scheme, AZURE_KEYS)?;
                // abfs[s]://container@account.dfs.core.windows.net/path
                let (container, account) = match p.authority.split_once('@') {
                    Some((c, host)) => (c, host.split('.').next()),
                    None => (p.authority, None),
                };
                let endpoint = opts
                    .endpoint
                    .clone()
                    .or_else(|| env_endpoint(&["AZURE_STORAGE_ENDPOINT", "AZURE_ENDPOINT"]));
                let mut b = MicrosoftAzureBuilder::from_env()
                    .with_container_name(container)
                    .with_retry(retry);
                if let Some(a) = account {
                    b = b.with_account(a);
                }
                if let Some(e) = &endpoint {
                    b = b.with_endpoint(e.clone());
                }
                for (k, v) in opts.client_config(endpoint.as_deref().is_some_and(|e| e.starts_with("http://"))) {
                    b = b.with_config(K::Client(k), v);
                }
                if opts.anonymous {
                    b = b.with_skip_signature(true);
                }
                for (k, v) in &opts.credentials {
                    let key = match k.as_str() {
                        "account_name" => K::AccountName,
                        "account_key" => K::AccessKey,
                        "sas_token" => K::SasKey,
                        _ => K::UseEmulator,
                    };
                    b = b.with_config(key, v);
                }
                let s = b.build().map_err(map_err)?;
                let id = format!("az://{container}");
                (Arc::new(s), p.path.to_owned(), false, id)
            }
            "gs" | "gcs" => {
                use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey as K};
                opts.check_credentials("gs", GCS_KEYS)?;
                let mut b = GoogleCloudStorageBuilder::from_env()
                    .with_bucket_name(p.authority)
                    .with_retry(retry);
                let http_endpoint = opts.endpoint.as_deref().is_some_and(|e| e.starts_with("http://"));
                for (k, v) in opts.client_config(http_endpoint) {
                    b = b.with_config(K::Client(k), v);
                }
                if let Some(e) = &opts.endpoint {
                    // object_store takes a GCS endpoint only from a service
                    // account document: an emulator without authentication.
                    let doc = serde_json::json!({
                        "private_key": "", "private_key_id": "", "client_email": "",
                        "gcs_base_url": e.trim_end_matches('/'), "disable_oauth": true
                    });
                    b = b.with_config(K::ServiceAccountKey, doc.to_string());
                }
                if opts.anonymous {
                    b = b.with_skip_signature(true);
                }
                for (k, v) in &opts.credentials {
                    let key = match k.as_str() {
                        "service_account_key" => K::ServiceAccountKey,
                        _ => K::ServiceAccount,
                    };
                    b = b.with_config(key, v);
                }
                let s = b.build().map_err(map_err)?;
                (Arc::new(s), p.path.to_owned(), false, format!("gs://{}", p.authority))
            }
            "http" | "https" => {
                use object_store::http::HttpBuilder;
                opts.check_credentials(p.scheme, &[])?;
                if opts.endpoint.is_some() || opts.region.is_some() || opts.anonymous {
                    return Err(Error::InvalidArgument(format!(
                        "options \"endpoint\", \"region\" and \"anonymous\" do not apply to {}:// stores",
                        p.scheme
                    )));
                }
                // No userinfo in the base URL (parse dropped it): it would
                // end up in messages.
                let base = format!("{}://{}/{}", p.scheme, p.authority, p.path);
                let mut b = HttpBuilder::new().with_url(base.clone()).with_retry(retry);
                for (k, v) in opts.client_config(p.scheme == "http") {
                    b = b.with_config(k, v);
                }
                let s = b.build().map_err(map_err)?;
                (Arc::new(s), String::new(), true, base.trim_end_matches('/').to_owned())
            }
            other => return Err(Error::Unsupported(format!("store URL scheme \"{other}\""))),
        };
        let suffix_ranges = !id.starts_with("az://");
        let id = if prefix.is_empty() || read_only {
            id
        } else {
            format!("{id}/{prefix}")
        };
        secrets.retain(|s| s.len() >= 4);
        let core = Core {
            id,
            inner,
            prefix,
            read_only,
            concurrency: opts.concurrency(),
            multipart_threshold: opts.multipart_threshold.unwrap_or(DEFAULT_MULTIPART_THRESHOLD),
            suffix_ranges,
            secrets,
        };
        Ok(ObjectStoreBackend { core: Arc::new(core) })
    }

    /// A store over any object_store implementation (tests and benchmarks:
    /// an in-memory store with added latency), named `id` in messages.
    pub fn from_object_store(inner: Arc<dyn ObjectStore>, id: &str, opts: &ObjectOptions) -> Self {
        let core = Core {
            id: id.to_owned(),
            inner,
            prefix: String::new(),
            read_only: false,
            concurrency: opts.concurrency(),
            multipart_threshold: opts.multipart_threshold.unwrap_or(DEFAULT_MULTIPART_THRESHOLD),
            suffix_ranges: true,
            secrets: vec![],
        };
        ObjectStoreBackend { core: Arc::new(core) }
    }
}

impl Core {
    fn path(&self, key: &str) -> Path {
        Path::from(join(&self.prefix, key))
    }

    fn err(&self, op: &str, key: &str, e: object_store::Error) -> Error {
        let msg = redact(&e.to_string(), &self.secrets);
        Error::Io(format!("{op} \"{key}\" at {}: {msg}", self.id))
    }

    fn check_writable(&self, key: &str) -> Result<()> {
        if self.read_only {
            Err(Error::ReadOnly(format!(
                "cannot write \"{key}\": {} is a read-only HTTP store",
                self.id
            )))
        } else {
            Ok(())
        }
    }

    async fn get_async(&self, key: &str, range: Option<GetRange>) -> Result<Option<Vec<u8>>> {
        let opts = GetOptions {
            range,
            ..Default::default()
        };
        let r = match self.inner.get_opts(&self.path(key), opts).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.err("reading", key, e)),
        };
        match r.bytes().await {
            Ok(b) => Ok(Some(b.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.err("reading", key, e)),
        }
    }

    async fn put_async(&self, key: &str, value: &[u8]) -> Result<()> {
        self.check_writable(key)?;
        let path = self.path(key);
        if (value.len() as u64) <= self.multipart_threshold {
            let payload = PutPayload::from(value.to_vec());
            return match self.inner.put(&path, payload).await {
                Ok(_) => Ok(()),
                Err(e) => Err(self.err("writing", key, e)),
            };
        }
        // A multipart upload: invisible until completed, aborted on failure.
        let mut up = self
            .inner
            .put_multipart(&path)
            .await
            .map_err(|e| self.err("writing", key, e))?;
        let parts: Vec<_> = value
            .chunks(PART_SIZE)
            .map(|p| up.put_part(PutPayload::from(p.to_vec())))
            .collect();
        let done = match futures::future::try_join_all(parts).await {
            Ok(_) => up.complete().await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = done {
            let _ = up.abort().await;
            return Err(self.err("writing", key, e));
        }
        Ok(())
    }

    /// The whole value with the ETag / version it was read at.
    async fn get_versioned_async(&self, key: &str) -> Result<Option<(Vec<u8>, Version)>> {
        let r = match self.inner.get_opts(&self.path(key), GetOptions::default()).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.err("reading", key, e)),
        };
        let version = Version {
            e_tag: r.meta.e_tag.clone(),
            version: r.meta.version.clone(),
        };
        match r.bytes().await {
            Ok(b) => Ok(Some((b.to_vec(), version))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.err("reading", key, e)),
        }
    }

    /// One conditional PUT (never multipart: S3 has no conditional
    /// multipart completion in object_store; one PUT takes up to 5 GB).
    async fn put_if_async(&self, key: &str, value: &[u8], condition: &Condition) -> Result<bool> {
        self.check_writable(key)?;
        let mode = match condition {
            Condition::Absent => PutMode::Create,
            Condition::Matches(v) => PutMode::Update(UpdateVersion {
                e_tag: v.e_tag.clone(),
                version: v.version.clone(),
            }),
        };
        let opts = PutOptions {
            mode,
            ..Default::default()
        };
        match self
            .inner
            .put_opts(&self.path(key), PutPayload::from(value.to_vec()), opts)
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(object_store::Error::NotImplemented) => Err(Error::Unsupported(format!(
                "conditional writes of \"{key}\" on {}",
                self.id
            ))),
            Err(e) => Err(self.err("writing", key, e)),
        }
    }

    async fn delete_prefix_async(&self, prefix: &str) -> Result<()> {
        let base = self.path(prefix);
        let mut listing = self.inner.list(Some(&base));
        let mut locations = vec![];
        while let Some(m) = listing.next().await {
            locations.push(m.map_err(|e| self.err("listing", prefix, e))?.location);
        }
        drop(listing);
        let mut deletes = futures::stream::iter(locations.into_iter().map(|l| self.delete_async(prefix, l)))
            .buffer_unordered(self.concurrency);
        while let Some(r) = deletes.next().await {
            r?;
        }
        Ok(())
    }

    async fn delete_async(&self, key: &str, path: Path) -> Result<()> {
        match self.inner.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.err("deleting", key, e)),
        }
    }
}

/// `text` with every secret value and every URL query string replaced.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        if !s.is_empty() {
            out = out.replace(s.as_str(), "<redacted>");
        }
    }
    // Query strings of URLs (SAS tokens, signatures): cut to the next blank.
    let mut res = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find("?") {
        let (head, tail) = rest.split_at(i);
        res.push_str(head);
        let in_url = head
            .rsplit(char::is_whitespace)
            .next()
            .is_some_and(|w| w.contains("://"));
        if in_url {
            res.push_str("?<redacted>");
            let end = tail
                .find(|c: char| c.is_whitespace() || c == ')' || c == '"')
                .unwrap_or(tail.len());
            rest = &tail[end..];
        } else {
            res.push('?');
            rest = &tail[1..];
        }
    }
    res.push_str(rest);
    res
}

/// What the first answer of a source said about its object; every later
/// request must find the same version.
#[derive(Clone)]
enum Pin {
    Unknown,
    Missing,
    Found {
        e_tag: Option<String>,
        version: Option<String>,
        size: u64,
    },
}

/// One version of one object: the first request learns its ETag (and
/// version id where the service has versions), every later one sends it as
/// `If-Match`, so a shard rewritten between the index and its inner chunks
/// fails with [`super::source::changed`] instead of mixing two versions.
/// Services that give no ETag are not pinned.
struct ObjectSource {
    core: Arc<Core>,
    key: String,
    pin: std::sync::Mutex<Pin>,
}

impl ObjectSource {
    fn pin(&self) -> std::sync::MutexGuard<'_, Pin> {
        self.pin.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record what an answer said; a different version than pinned is a change.
    fn learn(&self, e_tag: Option<String>, version: Option<String>, size: u64) -> Result<()> {
        let mut pin = self.pin();
        match &*pin {
            Pin::Unknown => {
                *pin = Pin::Found { e_tag, version, size };
                Ok(())
            }
            Pin::Found { e_tag: Some(t), .. } if e_tag.as_ref().is_some_and(|e| e != t) => {
                Err(super::source::changed(&self.key))
            }
            Pin::Found { .. } => Ok(()),
            Pin::Missing => Err(super::source::changed(&self.key)),
        }
    }

    async fn fetch(&self, range: Option<GetRange>) -> Result<Option<Vec<u8>>> {
        let pin = (*self.pin()).clone();
        let mut opts = GetOptions {
            range,
            ..Default::default()
        };
        match &pin {
            Pin::Missing => return Ok(None),
            Pin::Found { e_tag, version, .. } => {
                opts.if_match = e_tag.clone();
                opts.version = version.clone();
            }
            Pin::Unknown => {}
        }
        let core = &self.core;
        let r = match core.inner.get_opts(&core.path(&self.key), opts).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => {
                if let Pin::Unknown = pin {
                    *self.pin() = Pin::Missing;
                    return Ok(None);
                }
                return Err(super::source::changed(&self.key));
            }
            Err(object_store::Error::Precondition { .. }) => return Err(super::source::changed(&self.key)),
            Err(e) => return Err(core.err("reading", &self.key, e)),
        };
        self.learn(r.meta.e_tag.clone(), r.meta.version.clone(), r.meta.size)?;
        match r.bytes().await {
            Ok(b) => Ok(Some(b.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Err(super::source::changed(&self.key)),
            Err(e) => Err(core.err("reading", &self.key, e)),
        }
    }

    /// The object's size, asking with a HEAD when no request has told it yet.
    async fn size(&self) -> Result<Option<u64>> {
        let unknown = matches!(&*self.pin(), Pin::Unknown);
        if unknown {
            match self.core.inner.head(&self.core.path(&self.key)).await {
                Ok(m) => self.learn(m.e_tag, m.version, m.size)?,
                Err(object_store::Error::NotFound { .. }) => *self.pin() = Pin::Missing,
                Err(e) => return Err(self.core.err("checking", &self.key, e)),
            }
        }
        Ok(match &*self.pin() {
            Pin::Found { size, .. } => Some(*size),
            _ => None,
        })
    }
}

impl super::ByteSource for ObjectSource {
    fn key(&self) -> &str {
        &self.key
    }
    fn get(&self) -> Result<Option<Vec<u8>>> {
        runtime::block_on(self.fetch(None))
    }
    fn get_range(&self, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        runtime::block_on(async {
            let Some(size) = self.size_if_needed(len).await? else {
                return self
                    .fetch(Some(GetRange::Bounded(offset..offset.saturating_add(len))))
                    .await;
            };
            // An empty range is not a request (object_store refuses it).
            Ok(size.map(|_| Vec::new()))
        })
    }
    fn get_suffix(&self, len: u64) -> Result<Option<Vec<u8>>> {
        runtime::block_on(async {
            if let Some(size) = self.size_if_needed(len).await? {
                return Ok(size.map(|_| Vec::new()));
            }
            if self.core.suffix_ranges {
                return self.fetch(Some(GetRange::Suffix(len))).await;
            }
            // No suffix ranges (Azure): the size first, then a bounded range.
            match self.size().await? {
                None => Ok(None),
                Some(0) => Ok(Some(vec![])),
                Some(size) => {
                    self.fetch(Some(GetRange::Bounded(size.saturating_sub(len)..size)))
                        .await
                }
            }
        })
    }
    fn coalesce_gap(&self) -> u64 {
        super::source::REMOTE_COALESCE_GAP
    }
}

impl ObjectSource {
    /// For an empty request: Some(whether the object exists), asked without
    /// a GET; None for a non-empty one.
    async fn size_if_needed(&self, len: u64) -> Result<Option<Option<u64>>> {
        if len > 0 {
            return Ok(None);
        }
        self.size().await.map(Some)
    }
}

impl Store for ObjectStoreBackend {
    fn id(&self) -> &str {
        &self.id
    }
    fn open(&self, key: &str) -> Result<Box<dyn super::ByteSource + '_>> {
        // No request yet: the first read of the decoder pins the version.
        Ok(Box::new(ObjectSource {
            core: self.core.clone(),
            key: key.to_owned(),
            pin: std::sync::Mutex::new(Pin::Unknown),
        }))
    }
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        runtime::block_on(self.get_async(key, None))
    }
    fn get_range(&self, key: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        if len == 0 {
            return Ok(self.exists(key)?.then(Vec::new));
        }
        runtime::block_on(self.get_async(key, Some(GetRange::Bounded(offset..offset.saturating_add(len)))))
    }
    fn get_suffix(&self, key: &str, len: u64) -> Result<Option<Vec<u8>>> {
        if len == 0 {
            return Ok(self.exists(key)?.then(Vec::new));
        }
        if self.suffix_ranges {
            return runtime::block_on(self.get_async(key, Some(GetRange::Suffix(len))));
        }
        runtime::block_on(async {
            let size = match self.inner.head(&self.path(key)).await {
                Ok(m) => m.size,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(self.err("checking", key, e)),
            };
            if size == 0 {
                return Ok(Some(vec![]));
            }
            let range = GetRange::Bounded(size.saturating_sub(len)..size);
            self.get_async(key, Some(range)).await
        })
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        self.check_writable(key)?;
        runtime::block_on(self.put_async(key, value))
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.check_writable(key)?;
        runtime::block_on(self.delete_async(key, self.path(key)))
    }
    fn delete_prefix(&self, prefix: &str) -> Result<()> {
        self.check_writable(prefix)?;
        if prefix.is_empty() {
            return Err(Error::InvalidArgument("refusing to delete the whole store".into()));
        }
        runtime::block_on(self.delete_prefix_async(prefix))
    }
    fn list_dir(&self, prefix: &str) -> Result<Vec<ListEntry>> {
        let base = join(&self.prefix, prefix);
        let base = (!base.is_empty()).then(|| Path::from(base));
        let r = runtime::block_on(self.inner.list_with_delimiter(base.as_ref()))
            .map_err(|e| self.err("listing", prefix, e))?;
        let mut out: Vec<ListEntry> = r
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename())
            .map(|n| ListEntry {
                name: n.to_owned(),
                is_dir: true,
            })
            .chain(
                r.objects
                    .iter()
                    .filter_map(|o| o.location.filename())
                    .map(|n| ListEntry {
                        name: n.to_owned(),
                        is_dir: false,
                    }),
            )
            .collect();
        out.sort();
        out.dedup_by(|a, b| a.name == b.name);
        Ok(out)
    }
    fn exists(&self, key: &str) -> Result<bool> {
        match runtime::block_on(self.inner.head(&self.path(key))) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.err("checking", key, e)),
        }
    }
    fn size(&self, key: &str) -> Result<Option<u64>> {
        match runtime::block_on(self.inner.head(&self.path(key))) {
            Ok(m) => Ok(Some(m.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.err("checking", key, e)),
        }
    }
    fn concurrency(&self) -> usize {
        self.concurrency
    }
    fn get_with_version(&self, key: &str) -> Result<Option<(Vec<u8>, Version)>> {
        runtime::block_on(self.get_versioned_async(key))
    }
    fn put_if(&self, key: &str, value: &[u8], condition: &Condition) -> Result<bool> {
        runtime::block_on(self.put_if_async(key, value, condition))
    }
    fn conditional_chunk_writes(&self) -> bool {
        !self.read_only
    }
    fn get_stream(&self, keys: Vec<String>, buffer: usize) -> Box<dyn Iterator<Item = Fetched> + Send + '_> {
        if tokio::runtime::Handle::try_current().is_ok() {
            // Called from inside some runtime: no blocking receive there.
            return Box::new(keys.into_iter().enumerate().map(|(i, k)| (i, self.get(&k))));
        }
        // One task on the runtime keeps `concurrency` requests in flight and
        // hands results over as they complete; the bounded channel stops it
        // when the reader falls behind, dropping the receiver cancels it.
        let (tx, mut rx) = tokio::sync::mpsc::channel(buffer.max(1));
        // Completed values also wait inside the stream: in flight at most
        // `buffer` too, so memory stays within 2 x buffer values.
        let width = self.core.concurrency.min(buffer).max(1);
        let core = self.core.clone();
        runtime::get().spawn(async move {
            let fetches = keys.into_iter().enumerate().map(|(i, k)| {
                let core = core.clone();
                async move { (i, core.get_async(&k, None).await) }
            });
            let mut results = futures::stream::iter(fetches).buffer_unordered(width);
            while let Some(r) = results.next().await {
                if tx.send(r).await.is_err() {
                    break;
                }
            }
        });
        Box::new(std::iter::from_fn(move || rx.blocking_recv()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_and_reject_unknown_keys() {
        let m: Map<String, Value> = serde_json::from_str(
            r#"{"endpoint": "http://127.0.0.1:9", "region": "eu-west-1", "allow_http": true,
                "max_concurrency": 8, "retries": 2, "timeout_ms": 500, "secret_access_key": "s3cr3t-value"}"#,
        )
        .unwrap();
        let o = ObjectOptions::from_json(&m).unwrap();
        assert_eq!(o.concurrency(), 8);
        assert_eq!(o.retry_config().max_retries, 2);
        assert!(!format!("{o:?}").contains("s3cr3t"));
        let m: Map<String, Value> = serde_json::from_str(r#"{"endpoitn": "x"}"#).unwrap();
        let e = ObjectOptions::from_json(&m).unwrap_err().to_string();
        assert!(e.contains("\"endpoitn\""), "{e}");
        let m: Map<String, Value> = serde_json::from_str(r#"{"max_concurrency": 0}"#).unwrap();
        assert!(ObjectOptions::from_json(&m).is_err());
        let m: Map<String, Value> = serde_json::from_str(r#"{"secret_access_key": 12345678}"#).unwrap();
        let e = ObjectOptions::from_json(&m).unwrap_err().to_string();
        assert!(!e.contains("12345678"), "{e}");
    }

    #[test]
    fn urls_and_backend_specific_options() {
        let o = ObjectOptions::default();
        let s = ObjectStoreBackend::open("s3://bucket/a/b/", &o).unwrap();
        assert_eq!(s.id(), "s3://bucket/a/b");
        assert_eq!(s.path("zarr.json").as_ref(), "a/b/zarr.json");
        let mut az = ObjectOptions::default();
        az.credentials.push(("account_name".into(), "acct".into()));
        az.credentials.push(("account_key".into(), "a2V5".into()));
        let s = ObjectStoreBackend::open("az://cont/p", &az).unwrap();
        assert_eq!(s.id(), "az://cont/p");
        let s = ObjectStoreBackend::open("abfs://cont@acct.dfs.core.windows.net/x", &ObjectOptions::default()).unwrap();
        assert_eq!(s.id(), "az://cont/x");
        let e = ObjectStoreBackend::open("s3://bucket", &az).unwrap_err().to_string();
        assert!(e.contains("account_name") && e.contains("s3://"), "{e}");
        let h = ObjectStoreBackend::open("http://user:pw@127.0.0.1:9/data.zarr", &o).unwrap();
        assert_eq!(h.id(), "http://127.0.0.1:9/data.zarr");
        let e = h.get("zarr.json").unwrap_err().to_string();
        assert!(!e.contains("pw") && e.contains("127.0.0.1:9"), "{e}");
        assert!(matches!(h.set("k", b"v"), Err(Error::ReadOnly(_))));
        assert!(ObjectStoreBackend::open("s3:///x", &o).is_err());
        let g = ObjectOptions {
            endpoint: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        };
        assert_eq!(ObjectStoreBackend::open("gs://b/p", &g).unwrap().id(), "gs://b/p");
    }

    #[test]
    fn redaction() {
        let s = vec!["SECRETVALUE".to_owned()];
        let r = redact("GET https://a.b/c?sig=xyz&se=1 failed: key SECRETVALUE? no", &s);
        assert_eq!(r, "GET https://a.b/c?<redacted> failed: key <redacted>? no");
    }
}
