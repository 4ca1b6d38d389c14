//! A configured phone of either protocol (`ephone` or `voice register pool`), found by MAC:
//! the one lookup the phone files, the registry and Extension Mobility all share.

use crate::config::catalog;
use crate::config::model::{Ephone, Model, PhoneTag, Pool};
use crate::ids::{EphoneTag, Mac, PoolTag, ProfileTag};

/// A configured phone.
#[derive(Clone, Copy, Debug)]
pub enum PhoneRef<'m> {
    /// An SCCP `ephone`.
    Ephone(EphoneTag, &'m Ephone),
    /// A SIP `voice register pool`.
    Pool(PoolTag, &'m Pool),
}

impl<'m> PhoneRef<'m> {
    /// The phone's logout profile, if it is EM-enabled.
    pub fn logout_profile(&self) -> Option<ProfileTag> {
        match self {
            PhoneRef::Ephone(_, e) => e.logout_profile,
            PhoneRef::Pool(_, p) => p.logout_profile,
        }
    }

    /// The `type` keyword, if set.
    pub fn model_keyword(&self) -> Option<&'m str> {
        match self {
            PhoneRef::Ephone(_, e) => e.model.as_deref(),
            PhoneRef::Pool(_, p) => p.model.as_deref(),
        }
    }

    /// Line-capable buttons, add-on modules included where the model takes them.
    pub fn capacity(&self) -> usize {
        match self {
            PhoneRef::Ephone(_, e) => catalog::line_buttons(e.model.as_deref(), &e.addons),
            PhoneRef::Pool(_, p) => catalog::line_buttons(p.model.as_deref(), &[]),
        }
    }
}

impl Model {
    /// The configured phone with this MAC.
    pub fn phone_by_mac(&self, mac: Mac) -> Option<PhoneRef<'_>> {
        match self.macs.get(&mac)? {
            PhoneTag::Ephone(t) => self.ephones.get(t).map(|e| PhoneRef::Ephone(*t, e)),
            PhoneTag::Pool(t) => self.pools.get(t).map(|p| PhoneRef::Pool(*t, p)),
        }
    }
}
