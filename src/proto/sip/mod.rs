//! Sans-IO SIP: our small facade over the message parser (`msg`: parse a datagram or a TCP
//! frame into a [`msg::Message`] with typed accessors, build responses as RFC 3261 §8.2.6
//! requires) and the RFC 3261 §17 transactions with RFC 6026's Accepted state
//! (`transaction`); digest lives in the leaf `crate::digest`, where the engine's registrar can
//! use it; SDP for the B2BUA's offers and answers (`sdp`, over `sdp-types`, in the terms of
//! `crate::media`); RFC 3261 §12 dialogs for the B2BUA's legs (`dialog`), and the SIP
//! phones' call legs that render the engine's leg commands as SIP (`legs`); RFC 3842
//! message summaries for message waiting (`mwi`) and cmed's subscriptions to a voicemail
//! server's (`subscribe`). Leaf imports only, no clock, no sockets: the SIP
//! adapter in `net` feeds bytes and `now` in and sends what comes out.

pub mod dialog;
pub mod legs;
pub mod msg;
pub mod mwi;
pub mod sdp;
pub mod subscribe;
pub mod transaction;
