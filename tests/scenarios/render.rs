//! How the scenario runner writes each effect the engine returns, as the `<` lines of the
//! `.scn` files spell it (the vocabulary is in `README` beside them).

use cmed::engine::registrar::Outcome;
use cmed::engine::{Answer, ConnCmd};
use cmed::leg::{Chan, LegCmd, RestartKind};
use cmed::store::Change;

pub fn change(c: &Change) -> String {
    match c {
        Change::PutSession { device, session } => format!("put-session {device} {}", session.user),
        Change::EndSession { device } => format!("end-session {device}"),
        Change::PutLastUser { device, user } => format!("put-last-user {device} {user}"),
        Change::PutCredential { user, .. } => format!("put-credential {user}"),
        Change::DeleteCredential { user } => format!("delete-credential {user}"),
        Change::PutBinding { device, binding } => format!(
            "put-binding {device} pool={} expires={}",
            binding.pool, binding.expires_at
        ),
        Change::DropBinding { device } => format!("drop-binding {device}"),
        Change::PutMwi { number, mwi } => {
            format!(
                "put-mwi {} {}/{} {}",
                number.0, mwi.new, mwi.old, mwi.source
            )
        }
        Change::DropMwi { number } => format!("drop-mwi {}", number.0),
    }
}

pub fn conn_cmd(cmd: &ConnCmd) -> String {
    match cmd {
        ConnCmd::Accept(layout, _) => {
            let lines: Vec<&str> = layout.lines.iter().map(|l| l.number.as_str()).collect();
            format!(
                "accept lines={} speed-dials={}",
                lines.join(","),
                layout.speed_dials.len()
            )
        }
        ConnCmd::Reject(text) => format!("reject \"{text}\""),
        ConnCmd::Restart(RestartKind::Restart) => "restart".into(),
        ConnCmd::Restart(RestartKind::Reset) => "reset".into(),
        ConnCmd::Replaced => "replaced".into(),
        ConnCmd::Mwi { line, on, handset } => format!(
            "mwi {} {}{}",
            line.0,
            if *on { "on" } else { "off" },
            if *handset { "" } else { " (envelope only)" }
        ),
        ConnCmd::Leg(chan, cmd) if *chan == Chan::FIRST => leg_cmd(cmd),
        ConnCmd::Leg(chan, cmd) => format!("{} ch{}", leg_cmd(cmd), chan.0),
    }
}

pub fn leg_cmd(cmd: &LegCmd) -> String {
    let party = |p: &cmed::leg::Party| format!("{}({})", p.number, p.name);
    match cmd {
        LegCmd::DialTone(l) => format!("dial-tone {}", l.0),
        LegCmd::StutterDialTone(l) => format!("stutter-dial-tone {}", l.0),
        LegCmd::Digits(l) => format!("digits {}", l.0),
        LegCmd::Proceeding {
            line,
            called,
            calling,
        } => format!(
            "proceeding {} {} to {}",
            line.0,
            party(calling),
            party(called)
        ),
        LegCmd::RingOut(l) => format!("ring-out {}", l.0),
        LegCmd::RingIn {
            line,
            calling,
            called,
            redirect,
            offer,
        } => {
            let how = redirect.as_ref().map_or(String::new(), |r| {
                format!(
                    " forwarded-by {} {} {}",
                    r.from,
                    r.reason.token(),
                    r.counter
                )
            });
            let sdp = offer
                .as_ref()
                .map_or(String::new(), |o| format!(" offer {}", o.rtp));
            format!(
                "ring-in {} {} to {}{how}{sdp}",
                line.0,
                party(calling),
                party(called)
            )
        }
        LegCmd::Connected { line, codec } => format!("connected {} {codec:?}", line.0),
        LegCmd::StartMedia { line, to, codec } => {
            format!("start-media {} {to} {codec:?}", line.0)
        }
        LegCmd::Busy(l) => format!("busy {}", l.0),
        LegCmd::Reorder(l) => format!("reorder {}", l.0),
        LegCmd::Unavailable(l) => format!("unavailable {}", l.0),
        LegCmd::Forbidden(l) => format!("forbidden {}", l.0),
        LegCmd::Hold(l) => format!("hold {}", l.0),
        LegCmd::MediaStop(l) => format!("media-stop {}", l.0),
        LegCmd::Idle(l) => format!("idle {}", l.0),
    }
}

fn outcome(o: &Outcome) -> String {
    match o {
        Outcome::Challenge { stale, .. } => format!("challenge stale={stale}"),
        Outcome::Registered { contacts, .. } => {
            let list: Vec<String> = contacts.iter().map(|(c, e)| format!("{c}={e}")).collect();
            format!("ok {}", list.join(",")).trim_end().to_string()
        }
        Outcome::BadRequest(why) => format!("bad-request {why:?}"),
        Outcome::Forbidden(why) => format!("forbidden {:?}", why.text()),
        Outcome::NotFound => "not-found".into(),
        Outcome::IntervalTooBrief { min } => format!("too-brief {min}"),
    }
}

pub fn answer(a: &Answer) -> String {
    match a {
        Answer::Register(o) => format!("register {}", outcome(o)),
        Answer::Invite(Ok(())) => "invite ok".into(),
        Answer::Invite(Err(o)) => format!("invite {}", outcome(o)),
        Answer::Em(Ok(())) => "em ok".into(),
        Answer::Mwi(o) => format!("mwi {o:?}").to_lowercase(),
        Answer::Em(Err(e)) => format!("em error {}", e.code()),
        Answer::Cli { text, error } => {
            format!(
                "cli{} {:?}",
                if *error { " error" } else { "" },
                text.trim_end()
            )
        }
    }
}
