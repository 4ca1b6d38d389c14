//! The channels of a line on the wire: each call its own call reference, the call-waiting
//! tone for a call offered to a phone off hook, and events read back to the channel whose
//! call reference they carry.

use super::*;

fn ring(line: u32) -> LegCmd {
    LegCmd::RingIn {
        line: LineInstance(line),
        calling: Party::default(),
        called: Party::default(),
        redirect: None,
        offer: None,
    }
}

fn drain(calls: &mut Calls, chan: Chan, cmd: LegCmd) -> Vec<ToPhone> {
    let mut out = VecDeque::new();
    calls.render(chan, cmd, &mut out);
    out.into_iter().collect()
}

fn call_ref_of(msgs: &[ToPhone]) -> u32 {
    msgs.iter()
        .find_map(|m| match m {
            ToPhone::CallState { call_ref, .. } => Some(*call_ref),
            _ => None,
        })
        .expect("a CallState")
}

#[test]
fn a_call_offered_off_hook_plays_the_call_waiting_tone_on_its_own_call_reference() {
    let mut calls = Calls::default();
    let on_hook = drain(&mut calls, Chan::FIRST, ring(1));
    assert!(on_hook.iter().any(|m| matches!(
        m,
        ToPhone::SetRinger {
            mode: RING_INSIDE,
            ..
        }
    )));
    let first = call_ref_of(&on_hook);
    let answered = calls.event(&FromPhone::OffHook {
        line: 0,
        call_ref: 0,
    });
    assert_eq!(answered, Some((None, LegEvent::OffHook(LineInstance(1)))));
    drain(
        &mut calls,
        Chan::FIRST,
        LegCmd::Connected {
            line: LineInstance(1),
            codec: Codec::Pcmu,
        },
    );

    let waiting = drain(&mut calls, Chan(2), ring(1));
    let second = call_ref_of(&waiting);
    assert_ne!(first, second, "each channel's call has its own reference");
    assert!(waiting.iter().any(|m| matches!(
        m,
        ToPhone::StartTone {
            tone: TONE_CALL_WAITING,
            ..
        }
    )));
    assert!(
        !waiting
            .iter()
            .any(|m| matches!(m, ToPhone::SetRinger { .. })),
        "no ringer off hook"
    );

    // The Answer key names the waiting call; Hold the first.
    let answer = FromPhone::SoftKeyEvent {
        event: KEY_ANSWER,
        line: 1,
        call_ref: second,
    };
    assert_eq!(
        calls.event(&answer),
        Some((Some(Chan(2)), LegEvent::OffHook(LineInstance(1))))
    );
    let hold = FromPhone::SoftKeyEvent {
        event: KEY_HOLD,
        line: 1,
        call_ref: first,
    };
    assert_eq!(
        calls.event(&hold),
        Some((Some(Chan::FIRST), LegEvent::Hold(LineInstance(1))))
    );
    // NewCall is a new call whatever call the phone has selected.
    let new = FromPhone::SoftKeyEvent {
        event: KEY_NEW_CALL,
        line: 1,
        call_ref: first,
    };
    assert_eq!(
        calls.event(&new),
        Some((None, LegEvent::OffHook(LineInstance(1))))
    );
}

#[test]
fn idle_on_one_channel_leaves_the_lamp_and_keys_of_the_other_call() {
    let mut calls = Calls::default();
    drain(&mut calls, Chan::FIRST, ring(1));
    drain(&mut calls, Chan(2), ring(1));
    let one = drain(&mut calls, Chan::FIRST, LegCmd::Idle(LineInstance(1)));
    assert!(
        !one.iter()
            .any(|m| matches!(m, ToPhone::SetLamp { mode: LAMP_OFF, .. }))
    );
    assert!(
        !one.iter()
            .any(|m| matches!(m, ToPhone::SelectSoftKeys { line: 0, .. }))
    );
    let last = drain(&mut calls, Chan(2), LegCmd::Idle(LineInstance(1)));
    assert!(
        last.iter()
            .any(|m| matches!(m, ToPhone::SetLamp { mode: LAMP_OFF, .. }))
    );
    assert!(last.iter().any(|m| matches!(
        m,
        ToPhone::SelectSoftKeys {
            line: 0,
            set: softkeys::SET_ON_HOOK,
            ..
        }
    )));
}
