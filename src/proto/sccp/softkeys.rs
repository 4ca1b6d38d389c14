//! The soft-key template and sets we give every SCCP phone.
//!
//! Events follow the conventional template order of chan_skinny, wazo-libsccp and Wireshark
//! (reference §3.12: 1 Redial … 18 GPickUp), and labels are the phones' own localised labels
//! (byte 0x80 + label code, §3.14), so every language the phone has is right for free. Set
//! positions follow the §3.12 convention (0 on-hook, 1 connected, … 11 on-hook stealable).

/// Template position (= event) of each key.
const REDIAL: u8 = 1;
const NEW_CALL: u8 = 2;
const HOLD: u8 = 3;
const TRANSFER: u8 = 4;
const CFWD_ALL: u8 = 5;
const BACKSPACE: u8 = 8;
const END_CALL: u8 = 9;
const RESUME: u8 = 10;
const ANSWER: u8 = 11;
const CONFRN: u8 = 13;
const PARK: u8 = 14;
const PICKUP: u8 = 17;
const GPICKUP: u8 = 18;

/// Set index of the idle (on-hook) keys.
pub const SET_ON_HOOK: u32 = 0;
/// Set index of the off-hook keys.
pub const SET_OFF_HOOK: u32 = 4;

/// The template: (label bytes, event) for events 1..=18.
pub fn template() -> Vec<([u8; 2], u32)> {
    (1u8..=18)
        .map(|code| ([0x80, code], u32::from(code)))
        .collect()
}

/// The sixteen sets, each sixteen template positions (0 = blank key).
pub fn sets() -> Vec<[u8; 16]> {
    let set = |keys: &[u8]| {
        let mut s = [0u8; 16];
        s[..keys.len()].copy_from_slice(keys);
        s
    };
    let mut v = vec![
        set(&[REDIAL, NEW_CALL, CFWD_ALL, PICKUP, GPICKUP]), // 0 on hook
        set(&[HOLD, END_CALL, TRANSFER, CONFRN, PARK]),      // 1 connected
        set(&[RESUME, NEW_CALL]),                            // 2 on hold
        set(&[ANSWER]),                                      // 3 ring in
        set(&[REDIAL, END_CALL, CFWD_ALL, PICKUP, GPICKUP]), // 4 off hook
        set(&[HOLD, END_CALL, TRANSFER]),                    // 5 connected, transferable
        set(&[BACKSPACE, END_CALL]),                         // 6 digits following
        set(&[HOLD, END_CALL]),                              // 7 connected, conference
        set(&[END_CALL, TRANSFER]),                          // 8 ring out
        set(&[REDIAL, END_CALL]),                            // 9 off hook with features
        set(&[NEW_CALL]),                                    // 10 in-use hint
        set(&[REDIAL, NEW_CALL]),                            // 11 on hook, stealable call
    ];
    v.resize(16, [0u8; 16]);
    v
}
