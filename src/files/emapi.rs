//! The Extension Mobility API of `POST /emservice/EMServiceServlet` (body `xml=…`): parsing
//! its requests and writing its responses, as the CUCM EM API documents them (CME reference
//! §6.3, codes §6.4). Pure: the HTTP adapter decodes the form, the engine decides.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::xml::Xml;

/// A parsed API request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRequest {
    /// `appInfo/appID`.
    pub app_id: String,
    /// `appInfo/appCertificate` (the application's password).
    pub app_secret: String,
    /// What is asked.
    pub op: ApiOp,
}

/// The operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiOp {
    /// `request/login`.
    Login {
        /// `deviceName`.
        device: String,
        /// `userID`.
        user: String,
    },
    /// `request/logout`.
    Logout {
        /// `deviceName`.
        device: String,
    },
    /// `query/deviceUserQuery`: who is logged in on these phones.
    DeviceUser(Vec<String>),
    /// `query/userDevicesQuery`: where these users are logged in.
    UserDevices(Vec<String>),
}

/// EM API error codes (CME reference §6.4).
pub mod code {
    /// Error on parsing.
    pub const PARSE: u32 = 1;
    /// Cannot authorize App user (blank).
    pub const BLANK: u32 = 2;
    /// Invalid App User.
    pub const INVALID_APP: u32 = 3;
    /// Query type undetermined.
    pub const QUERY_TYPE: u32 = 8;
}

/// Parses the XML of an API request.
///
/// # Errors
/// The code and text of the failure to answer with.
pub fn parse(xml: &str) -> Result<ApiRequest, (u32, String)> {
    // Text is not trimmed event by event: an entity splits a text into several events, and
    // trimming each lost the spaces around it (`Tom &amp; Jerry`). Each value is trimmed
    // once it is whole.
    let mut r = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut fields: Vec<(String, String)> = Vec::new();
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) => {
                path.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                fields.push((path.join("/"), String::new()));
            }
            Ok(Event::Empty(e)) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                fields.push((format!("{}/{name}", path.join("/")), String::new()));
            }
            Ok(Event::Text(t)) => {
                let text = t
                    .xml_content()
                    .map_err(|e| (code::PARSE, format!("bad text: {e}")))?;
                if let Some(last) = fields.last_mut() {
                    last.1.push_str(&text);
                }
            }
            Ok(Event::GeneralRef(g)) => {
                let name: &[u8] = g.as_ref();
                let c = match name {
                    b"amp" => "&",
                    b"lt" => "<",
                    b"gt" => ">",
                    b"quot" => "\"",
                    b"apos" => "'",
                    _ => "",
                };
                if let Some(last) = fields.last_mut() {
                    last.1.push_str(c);
                }
            }
            Ok(Event::End(_)) => {
                path.pop();
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err((code::PARSE, format!("Error on parsing: {e}"))),
        }
    }
    let get = |p: &str| {
        fields
            .iter()
            .find(|(k, _)| k == p)
            .map(|(_, v)| v.trim().to_string())
    };
    let all = |p: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(k, _)| k == p)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    };
    let root = fields
        .first()
        .map(|(k, _)| k.clone())
        .ok_or((code::PARSE, "empty request".to_string()))?;
    let app_id = get(&format!("{root}/appInfo/appID")).unwrap_or_default();
    let app_secret = get(&format!("{root}/appInfo/appCertificate")).unwrap_or_default();
    if app_id.is_empty() {
        return Err((code::BLANK, "Cannot authorize App user".into()));
    }
    let op = match root.as_str() {
        "request" => {
            if let Some(device) = get("request/login/deviceName") {
                ApiOp::Login {
                    device,
                    user: get("request/login/userID").unwrap_or_default(),
                }
            } else if let Some(device) = get("request/logout/deviceName") {
                ApiOp::Logout { device }
            } else {
                return Err((code::PARSE, "request is neither login nor logout".into()));
            }
        }
        "query" => {
            let devices = all("query/deviceUserQuery/deviceName");
            let users = all("query/userDevicesQuery/userID");
            if fields.iter().any(|(k, _)| k == "query/deviceUserQuery") {
                ApiOp::DeviceUser(devices)
            } else if fields.iter().any(|(k, _)| k == "query/userDevicesQuery") {
                ApiOp::UserDevices(users)
            } else {
                return Err((code::QUERY_TYPE, "Query type undetermined".into()));
            }
        }
        other => return Err((code::PARSE, format!("unknown root element {other}"))),
    };
    Ok(ApiRequest {
        app_id,
        app_secret,
        op,
    })
}

/// `<response><success/></response>`.
pub fn success() -> String {
    let mut x = Xml::new();
    x.open("response", &[]).leaf("success", "").close();
    x.finish()
}

/// `<response><failure><error code="N">text</error></failure></response>`.
pub fn failure(code: u32, text: &str) -> String {
    let mut x = Xml::new();
    x.open("response", &[]).open("failure", &[]);
    x.leaf_with("error", &[("code", &code.to_string())], text);
    x.finish()
}

/// What a query found for one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// The values (user ids for a device, device names for a user).
    Values(Vec<String>),
    /// Exists, nothing logged in.
    None,
    /// No such device or user.
    DoesNotExist,
}

/// `deviceUserResults` or `userDevicesResults`.
pub fn results(devices: bool, found: &[(String, Found)]) -> String {
    let (root, item, attr, value) = if devices {
        ("deviceUserResults", "device", "name", "userID")
    } else {
        ("userDevicesResults", "user", "id", "deviceName")
    };
    let mut x = Xml::new();
    x.open("response", &[]).open(root, &[]);
    for (name, f) in found {
        x.open(item, &[(attr, name)]);
        match f {
            Found::Values(vs) => {
                for v in vs {
                    x.leaf(value, v);
                }
            }
            Found::None => {
                x.leaf("none", "");
            }
            Found::DoesNotExist => {
                x.leaf("doesNotExist", "");
            }
        }
        x.close();
    }
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_logout_and_queries_parse() {
        let login = "<request><appInfo><appID>emapp</appID><appCertificate>c&amp;1</appCertificate></appInfo><login><deviceName>SEP0022905B11C2</deviceName><userID>amartin</userID><exclusiveDuration><indefinite/></exclusiveDuration></login></request>";
        let r = parse(login).unwrap();
        assert_eq!(r.app_secret, "c&1");
        assert_eq!(
            r.op,
            ApiOp::Login {
                device: "SEP0022905B11C2".into(),
                user: "amartin".into()
            }
        );
        let q = "<query><appInfo><appID>a</appID><appCertificate>b</appCertificate></appInfo><userDevicesQuery><userID>x</userID><userID>y</userID></userDevicesQuery></query>";
        assert_eq!(
            parse(q).unwrap().op,
            ApiOp::UserDevices(vec!["x".into(), "y".into()])
        );
        assert_eq!(parse("<request><login>").unwrap_err().0, code::BLANK);
        assert_eq!(parse("<<<").unwrap_err().0, code::PARSE);
        let q = "<query><appInfo><appID>a</appID></appInfo><checkUser/></query>";
        assert_eq!(parse(q).unwrap_err().0, code::QUERY_TYPE);
    }

    /// Found by the `em_api` fuzz target: each piece of text between entities was trimmed,
    /// so the spaces next to an entity were lost.
    #[test]
    fn spaces_next_to_an_entity_are_kept() {
        let q = "<query>\n <appInfo><appID> a </appID></appInfo>\n <userDevicesQuery>\n  <userID> Tom &amp; Jerry </userID>\n </userDevicesQuery>\n</query>\n";
        let r = parse(q).unwrap();
        assert_eq!(r.app_id, "a");
        assert_eq!(r.op, ApiOp::UserDevices(vec!["Tom & Jerry".into()]));
    }

    #[test]
    fn responses_have_the_documented_shape() {
        assert!(success().contains("<success></success>"));
        assert!(
            failure(25, "User logged in elsewhere")
                .contains("<error code=\"25\">User logged in elsewhere</error>")
        );
        let r = results(
            true,
            &[
                ("SEP1".into(), Found::Values(vec!["amartin".into()])),
                ("SEP2".into(), Found::None),
                ("SEP3".into(), Found::DoesNotExist),
            ],
        );
        assert!(r.contains("<device name=\"SEP1\">"));
        assert!(r.contains("<userID>amartin</userID>"));
        assert!(r.contains("<none></none>"));
        assert!(r.contains("<doesNotExist></doesNotExist>"));
    }
}
