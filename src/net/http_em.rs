//! The phone service pages on `ip http port` (axum): the Services menu, Extension Mobility
//! login and logout, password change, the authentication URL phones call back, and the local
//! directory (`directory entry`) of the Directories button.
//!
//! Thin: each handler reads the query, asks the engine (`EngineHandle::em`) or reads the
//! published snapshot, and renders the answer with `files::services`. Answers are
//! `text/xml` (phones parse nothing else) except `authenticate.asp`, whose body must be
//! exactly `AUTHORIZED`, `UN-AUTHORIZED` or `ERROR` (CME reference §5.2). Requests beyond
//! `em max-concurrent-requests` in flight get error 26 at once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

use crate::actor::EngineHandle;
use crate::debug::Flags;
use crate::engine::EmRequest;
use crate::engine::em::EmError;
use crate::files::services::{self, Field, SoftKey};
use crate::files::{Overrides, Site};
use crate::ids::{DeviceName, UserName};

/// `em max-concurrent-requests`: how many login/logout requests may be in progress at once
/// (CUCM's "Maximum Concurrent Requests"; beyond it the answer is error 26). A request is in
/// progress from its arrival until its answer, which includes waiting for the engine and the
/// durable commit, so the count lives with the pages that wait, not in the engine.
#[derive(Debug, Default)]
pub struct Admission {
    in_flight: std::sync::atomic::AtomicU32,
    /// Requests refused with error 26 since the start (`/metrics`).
    busy: std::sync::atomic::AtomicU64,
}

/// One admitted request; leaving the scope ends it.
#[derive(Debug)]
pub struct Admitted<'a>(&'a Admission);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0
            .in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Admission {
    /// Admits one more request if fewer than `max` are in progress, else error 26.
    pub fn enter(&self, max: u32) -> Result<Admitted<'_>, EmError> {
        use std::sync::atomic::Ordering::SeqCst;
        if self.in_flight.fetch_add(1, SeqCst) >= max {
            self.in_flight.fetch_sub(1, SeqCst);
            self.busy.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(EmError::Busy);
        }
        Ok(Admitted(self))
    }

    /// Requests refused as busy so far.
    pub fn busy(&self) -> u64 {
        self.busy.load(std::sync::atomic::Ordering::Relaxed)
    }
}

const TITLE: &str = "Extension Mobility";
const EM_PATH: &str = "/emapp/EMAppServlet";
const CHANGE_PATH: &str = "/changecredential/ChangeCredentialServlet";

/// What the handlers share.
pub struct Services {
    engine: EngineHandle,
    overrides: Overrides,
    debug: Arc<Flags>,
    admission: Arc<Admission>,
}

type Shared = State<Arc<Services>>;
type Params = Query<HashMap<String, String>>;

/// Serves the phone service pages on `listener` until the task is dropped, counting busy
/// refusals in `admission`, with the routes of `extra` (`/metrics`) beside them.
pub async fn serve(
    listener: TcpListener,
    engine: EngineHandle,
    overrides: Overrides,
    debug: Arc<Flags>,
    admission: Arc<Admission>,
    extra: axum::Router,
) {
    let app = routes(engine, overrides, debug, admission).merge(extra);
    super::http_serve::serve(listener, app, Default::default(), "phone services").await;
}

/// The routes [`serve`] serves, without a socket (the `em_pages` fuzz target sends its
/// requests straight to them).
pub fn router(engine: EngineHandle, overrides: Overrides, debug: Arc<Flags>) -> axum::Router {
    routes(engine, overrides, debug, Arc::default())
}

fn routes(
    engine: EngineHandle,
    overrides: Overrides,
    debug: Arc<Flags>,
    admission: Arc<Admission>,
) -> axum::Router {
    let state = Arc::new(Services {
        engine,
        overrides,
        debug,
        admission,
    });
    axum::Router::new()
        .route("/services", get(services_menu))
        .route(EM_PATH, get(em_app))
        .route(CHANGE_PATH, get(change_credential))
        .route(
            "/CCMCIP/authenticate.asp",
            get(authenticate_get).post(authenticate_post),
        )
        .route("/emservice/EMServiceServlet", axum::routing::post(em_api))
        .route("/localdirectory", get(local_directory))
        .with_state(state)
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> &'a str {
    q.get(name).map_or("", String::as_str)
}

/// The device a page is for, as the phone wrote it (`device=SEP…`, also `name=` as in the
/// `#DEVICENAME#` examples).
fn device_param(q: &HashMap<String, String>) -> &str {
    let d = param(q, "device");
    if d.is_empty() { param(q, "name") } else { d }
}

fn error_page(action: &str, e: EmError) -> Response {
    xml(services::text(
        TITLE,
        "",
        &format!("{action} is unavailable({})\n{e}", e.code()),
        &[SoftKey {
            name: "Exit",
            url: "Init:Services",
            position: 3,
        }],
    ))
}

impl Services {
    fn base(&self) -> String {
        Site::of(&self.engine.snapshot().model, &self.overrides).http_base()
    }

    /// Runs an EM request within `em max-concurrent-requests`.
    async fn run(&self, req: EmRequest) -> Result<(), EmError> {
        let max = self.engine.snapshot().model.telephony.em.max_concurrent;
        let _admitted = self.admission.enter(max)?;
        self.engine.em(req).await.unwrap_or(Err(EmError::Database))
    }

    fn log(&self, what: &str, device: &str, user: &str, r: &Result<(), EmError>) {
        if Flags::on(&self.debug.ephone_em) {
            match r {
                Ok(()) => tracing::info!(target: "cmed::debug::em", device, user, "{what} ok"),
                Err(e) => {
                    tracing::info!(target: "cmed::debug::em", device, user, code = e.code(), error = %e, "{what} refused")
                }
            }
        }
    }
}

/// `GET /services?device=SEP…`: the `url services` entry, then Extension Mobility last.
async fn services_menu(State(s): Shared, Query(q): Params) -> Response {
    // Only a well-formed device name goes into the URLs we hand out.
    let Some(device) = DeviceName::parse(device_param(&q).trim()) else {
        return error_page("Services", EmError::UnknownDevice);
    };
    let snap = s.engine.snapshot();
    let mut items = Vec::new();
    let own = format!("{}/services", s.base());
    if let Some(url) = &snap.model.telephony.url_services
        && !url.starts_with(&own)
    {
        items.push(("Services".to_string(), url.clone()));
    }
    if !snap.model.telephony.em.external {
        items.push((
            TITLE.to_string(),
            format!("{}{EM_PATH}?device={device}", s.base()),
        ));
    }
    xml(services::menu("Services", "Select a service", &items))
}

/// `GET /localdirectory`: the Directories button's local directory.
async fn local_directory(State(s): Shared) -> Response {
    xml(services::local_directory(&s.engine.snapshot().model))
}

/// `GET /emapp/EMAppServlet?device=SEP…[&action=login&userid=…&password=…|&action=logout]`.
async fn em_app(
    State(s): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Params,
) -> Response {
    let device = device_param(&q).trim().to_string();
    let action = param(&q, "action");
    if device.is_empty() {
        return error_page("Login", EmError::DeviceNameEmpty);
    }
    let Some(name) = DeviceName::parse(&device) else {
        return error_page("Login", EmError::UnknownDevice);
    };
    let base = s.base();
    let here = format!("{base}{EM_PATH}?device={}", name.as_str());
    match action {
        "login" => {
            let user = param(&q, "userid").to_string();
            let r = s
                .run(EmRequest::Login {
                    device: name,
                    user: UserName(user.clone()),
                    secret: param(&q, "password").to_string(),
                    source: peer.ip(),
                })
                .await;
            s.log("login", &device, &user, &r);
            match r {
                Ok(()) => xml(services::text(
                    TITLE,
                    "",
                    &format!("Login Successful\n{user}\nThe phone restarts with your profile."),
                    &[SoftKey {
                        name: "Exit",
                        url: "Init:Services",
                        position: 3,
                    }],
                )),
                Err(e) => error_page("Login", e),
            }
        }
        "logout" => {
            let r = s
                .run(EmRequest::Logout {
                    device: name,
                    source: peer.ip(),
                })
                .await;
            s.log("logout", &device, "", &r);
            match r {
                Ok(()) => xml(services::text(
                    TITLE,
                    "",
                    "Logout Successful",
                    &[SoftKey {
                        name: "Exit",
                        url: "Init:Services",
                        position: 3,
                    }],
                )),
                Err(e) => error_page("Logout", e),
            }
        }
        "" => {
            let snap = s.engine.snapshot();
            match snap.model.phone_by_mac(name.mac()) {
                None => return error_page("Login", EmError::UnknownDevice),
                Some(p) if p.logout_profile().is_none() => {
                    return error_page("Login", EmError::LogonDisabled);
                }
                Some(_) => {}
            }
            if let Some(user) = snap.logins.get(&name) {
                // Logged in: the logout prompt, whose "Logout" soft key performs it.
                return xml(services::text(
                    TITLE,
                    "",
                    &format!("{user} is logged in on this phone.\nLog out?"),
                    &[
                        SoftKey {
                            name: "Logout",
                            url: &format!("{here}&action=logout"),
                            position: 1,
                        },
                        SoftKey {
                            name: "Exit",
                            url: "Init:Services",
                            position: 3,
                        },
                    ],
                ));
            }
            let em = &snap.model.telephony.em;
            let last = if em.remember_last_user {
                snap.last_users
                    .get(&name)
                    .map(|u| u.0.clone())
                    .unwrap_or_default()
            } else {
                String::new()
            };
            let (label, flags) = match em.login_type {
                crate::config::model::LoginType::Uid => ("User ID", "A"),
                crate::config::model::LoginType::Dn => ("Extension", "T"),
            };
            xml(services::input(
                TITLE,
                "Enter your user ID and password",
                &format!("{here}&action=login"),
                &[
                    Field {
                        label,
                        param: "userid",
                        default: &last,
                        flags,
                    },
                    Field {
                        label: "Password",
                        param: "password",
                        default: "",
                        flags: "AP",
                    },
                ],
            ))
        }
        _ => error_page("Login", EmError::Blank),
    }
}

/// `GET /changecredential/ChangeCredentialServlet?device=SEP…[&old=…&new=…&confirm=…]`.
async fn change_credential(
    State(s): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Params,
) -> Response {
    let device = device_param(&q).trim().to_string();
    if device.is_empty() {
        return error_page("Change password", EmError::DeviceNameEmpty);
    }
    let Some(name) = DeviceName::parse(&device) else {
        return error_page("Change password", EmError::UnknownDevice);
    };
    if !q.contains_key("new") {
        let here = format!("{}{CHANGE_PATH}?device={}", s.base(), name.as_str());
        return xml(services::input(
            "Change Password",
            "Enter your current and new password",
            &here,
            &[
                Field {
                    label: "Current password",
                    param: "old",
                    default: "",
                    flags: "AP",
                },
                Field {
                    label: "New password",
                    param: "new",
                    default: "",
                    flags: "AP",
                },
                Field {
                    label: "Confirm",
                    param: "confirm",
                    default: "",
                    flags: "AP",
                },
            ],
        ));
    }
    let new = param(&q, "new");
    if new != param(&q, "confirm") {
        return xml(services::text(
            "Change Password",
            "",
            "The new passwords do not match.",
            &[],
        ));
    }
    let r = s
        .run(EmRequest::ChangePassword {
            device: name,
            old: param(&q, "old").to_string(),
            new: new.to_string(),
            source: peer.ip(),
        })
        .await;
    s.log("change password", &device, "", &r);
    match r {
        Ok(()) => xml(services::text(
            "Change Password",
            "",
            "Password changed.",
            &[],
        )),
        Err(e) => error_page("Change password", e),
    }
}

async fn authenticate(s: &Services, q: &HashMap<String, String>) -> Response {
    let (user, secret) = (param(q, "UserID"), param(q, "Password"));
    let body = if user.is_empty() || !q.contains_key("Password") {
        "ERROR"
    } else {
        match s
            .engine
            .em(EmRequest::Authenticate {
                user: UserName(user.to_string()),
                secret: secret.to_string(),
            })
            .await
        {
            Ok(Ok(())) => "AUTHORIZED",
            Ok(Err(_)) => "UN-AUTHORIZED",
            Err(_) => "ERROR",
        }
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], body).into_response()
}

/// `GET /CCMCIP/authenticate.asp?UserID=…&Password=…&devicename=…`.
async fn authenticate_get(State(s): Shared, Query(q): Params) -> Response {
    authenticate(&s, &q).await
}

/// `POST /CCMCIP/authenticate.asp` with the same fields form-encoded.
async fn authenticate_post(
    State(s): Shared,
    axum::extract::Form(q): axum::extract::Form<HashMap<String, String>>,
) -> Response {
    authenticate(&s, &q).await
}

/// The phone an EM API request names: empty and malformed names are refused here, at the
/// edge, as the pages do.
fn api_device(raw: &str) -> Result<DeviceName, EmError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(EmError::DeviceNameEmpty);
    }
    DeviceName::parse(raw).ok_or(EmError::UnknownDevice)
}

/// The EM API code for a refusal (CME reference §6.4).
fn api_code(e: EmError) -> (u32, &'static str) {
    match e {
        EmError::ProfileAbsent | EmError::Authentication => (23, "User not found"),
        EmError::Blank => (2, "Cannot authorize App user"),
        EmError::DeviceNameEmpty | EmError::UnknownDevice => (11, "Device does not exist"),
        EmError::LogonDisabled => (22, "Device logon disabled"),
        EmError::NoUser => (19, "No user logged in"),
        EmError::Elsewhere => (25, "User logged in elsewhere"),
        EmError::Busy => (26, "Busy, please try again"),
        EmError::UntrustedIp => (28, "Untrusted IP Error"),
        EmError::Database => (6, "Database Error"),
    }
}

/// `POST /emservice/EMServiceServlet` with `xml=<request or query>`: HTTP 200 always, the
/// outcome in the XML.
async fn em_api(
    State(s): Shared,
    axum::extract::Form(form): axum::extract::Form<HashMap<String, String>>,
) -> Response {
    use crate::files::emapi::{self, ApiOp, Found};
    let req = match emapi::parse(param(&form, "xml")) {
        Ok(r) => r,
        Err((code, text)) => return xml(emapi::failure(code, &text)),
    };
    let snap = s.engine.snapshot();
    let authorised = snap
        .model
        .telephony
        .credentials
        .get(&req.app_id)
        .is_some_and(|sec| sec.matches(&req.app_secret));
    if !authorised {
        return xml(emapi::failure(emapi::code::INVALID_APP, "Invalid App User"));
    }
    let done = |r: Result<(), EmError>| match r {
        Ok(()) => xml(emapi::success()),
        Err(e) => {
            let (code, text) = api_code(e);
            xml(emapi::failure(code, text))
        }
    };
    match req.op {
        ApiOp::Login { device, user } => {
            let r = match api_device(&device) {
                Ok(name) => {
                    s.run(EmRequest::ApiLogin {
                        device: name,
                        user: UserName(user.clone()),
                    })
                    .await
                }
                Err(e) => Err(e),
            };
            s.log("API login", &device, &user, &r);
            done(r)
        }
        ApiOp::Logout { device } => {
            let r = match api_device(&device) {
                Ok(name) => s.run(EmRequest::ApiLogout { device: name }).await,
                Err(e) => Err(e),
            };
            s.log("API logout", &device, "", &r);
            done(r)
        }
        ApiOp::DeviceUser(devices) => {
            let found: Vec<(String, Found)> = devices
                .into_iter()
                .map(|d| {
                    let f = match DeviceName::parse(&d)
                        .filter(|n| snap.model.phone_by_mac(n.mac()).is_some())
                    {
                        None => Found::DoesNotExist,
                        Some(n) => match snap.logins.get(&n) {
                            Some(u) => Found::Values(vec![u.0.clone()]),
                            None => Found::None,
                        },
                    };
                    (d, f)
                })
                .collect();
            xml(emapi::results(true, &found))
        }
        ApiOp::UserDevices(users) => {
            let found: Vec<(String, Found)> = users
                .into_iter()
                .map(|u| {
                    let name = crate::ids::UserName(u.clone());
                    let f = if !snap.model.users.contains_key(&name) {
                        Found::DoesNotExist
                    } else {
                        let ds: Vec<String> = snap
                            .logins
                            .iter()
                            .filter(|(_, who)| **who == name)
                            .map(|(d, _)| d.as_str().to_string())
                            .collect();
                        if ds.is_empty() {
                            Found::None
                        } else {
                            Found::Values(ds)
                        }
                    };
                    (u, f)
                })
                .collect();
            xml(emapi::results(false, &found))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_limit_refuses_with_26_until_a_request_ends() {
        let a = Admission::default();
        let first = a.enter(2).unwrap();
        let _second = a.enter(2).unwrap();
        assert_eq!(a.enter(2).map(|_| ()), Err(EmError::Busy));
        assert_eq!(EmError::Busy.code(), 26);
        drop(first);
        assert!(a.enter(2).is_ok());
    }

    #[test]
    fn api_device_names_are_checked_at_the_edge() {
        assert_eq!(api_device(" "), Err(EmError::DeviceNameEmpty));
        assert_eq!(api_device("PHONE1"), Err(EmError::UnknownDevice));
        assert!(api_device("sep0022905b11c2").is_ok());
    }
}
