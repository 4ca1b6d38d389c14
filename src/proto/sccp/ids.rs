//! SCCP message ids (reference §2.1, §2.2) and their names as TShark 4.0 prints them
//! (`skinny.messageId` value strings), so logs and the TShark conformance test agree.
//!
//! The boundary: the ids this codec models, plus the other phone → call-manager ids of §2.1
//! (they decode to `FromPhone::Other` but deserve a name in logs).

/// Declares one constant per id (documented with its TShark name) and the [`name`] table.
macro_rules! ids {
    ($($konst:ident = $value:literal => $name:literal;)*) => {
        $(
            #[doc = concat!("`", $name, "` (", stringify!($value), ").")]
            pub const $konst: u32 = $value;
        )*

        /// The TShark 4.0 name of a message id, if it is one this module knows.
        pub fn name(id: u32) -> Option<&'static str> {
            match id {
                $($konst => Some($name),)*
                _ => None,
            }
        }
    };
}

ids! {
    // Phone → call manager (§2.1). 0x0011 MediaPortList is chan-sccp only (TShark: unknown).
    KEEP_ALIVE = 0x0000 => "KeepAliveReq";
    REGISTER = 0x0001 => "RegisterReq";
    IP_PORT = 0x0002 => "IpPort";
    KEYPAD_BUTTON = 0x0003 => "KeypadButton";
    ENBLOC_CALL = 0x0004 => "EnblocCall";
    STIMULUS = 0x0005 => "Stimulus";
    OFF_HOOK = 0x0006 => "OffHook";
    ON_HOOK = 0x0007 => "OnHook";
    HOOK_FLASH = 0x0008 => "HookFlash";
    FORWARD_STAT_REQ = 0x0009 => "ForwardStatReq";
    SPEED_DIAL_STAT_REQ = 0x000A => "SpeedDialStatReq";
    LINE_STAT_REQ = 0x000B => "LineStatReq";
    CONFIG_STAT_REQ = 0x000C => "ConfigStatReq";
    TIME_DATE_REQ = 0x000D => "TimeDateReq";
    BUTTON_TEMPLATE_REQ = 0x000E => "ButtonTemplateReq";
    VERSION_REQ = 0x000F => "VersionReq";
    CAPABILITIES_RES = 0x0010 => "CapabilitiesRes";
    MEDIA_PORT_LIST = 0x0011 => "MediaPortList";
    SERVER_REQ = 0x0012 => "ServerReq";
    ALARM = 0x0020 => "Alarm";
    MULTICAST_MEDIA_RECEPTION_ACK = 0x0021 => "MulticastMediaReceptionAck";
    OPEN_RECEIVE_CHANNEL_ACK = 0x0022 => "OpenReceiveChannelAck";
    CONNECTION_STATISTICS_RES = 0x0023 => "ConnectionStatisticsRes";
    OFF_HOOK_WITH_CGPN = 0x0024 => "OffHookWithCallingPartyNumber";
    SOFT_KEY_SET_REQ = 0x0025 => "SoftKeySetReq";
    SOFT_KEY_EVENT = 0x0026 => "SoftKeyEvent";
    UNREGISTER = 0x0027 => "UnregisterReq";
    SOFT_KEY_TEMPLATE_REQ = 0x0028 => "SoftKeyTemplateReq";
    REGISTER_TOKEN_REQ = 0x0029 => "RegisterTokenReq";
    MEDIA_TRANSMISSION_FAILURE = 0x002A => "MediaTransmissionFailure";
    HEADSET_STATUS = 0x002B => "HeadsetStatus";
    MEDIA_RESOURCE_NOTIFICATION = 0x002C => "MediaResourceNotification";
    REGISTER_AVAILABLE_LINES = 0x002D => "RegisterAvailableLines";
    DEVICE_TO_USER_DATA = 0x002E => "DeviceToUserData";
    DEVICE_TO_USER_DATA_RESPONSE = 0x002F => "DeviceToUserDataResponse";
    UPDATE_CAPABILITIES = 0x0030 => "UpdateCapabilities";
    OPEN_MULTI_MEDIA_RECEIVE_CHANNEL_ACK = 0x0031 => "OpenMultiMediaReceiveChannelAck";
    SERVICE_URL_STAT_REQ = 0x0033 => "ServiceURLStatReq";
    FEATURE_STAT_REQ = 0x0034 => "FeatureStatReq";
    DEVICE_TO_USER_DATA_V1 = 0x0041 => "DeviceToUserDataVersion1";
    DEVICE_TO_USER_DATA_RESPONSE_V1 = 0x0042 => "DeviceToUserDataResponseVersion1";
    CAPABILITIES_V2_RES = 0x0043 => "CapabilitiesV2Res";
    CAPABILITIES_V3_RES = 0x0044 => "CapabilitiesV3Res";
    PORT_RES = 0x0045 => "PortRes";
    SUBSCRIPTION_STAT_REQ = 0x0048 => "SubscriptionStatReq";
    MEDIA_PATH_EVENT = 0x0049 => "MediaPathEvent";
    MEDIA_PATH_CAPABILITY = 0x004A => "MediaPathCapability";
    MWI_NOTIFICATION = 0x004C => "MwiNotification";
    START_MEDIA_TRANSMISSION_ACK = 0x0154 => "StartMediaTransmissionAck";
    LOCATION_INFO = 0x0157 => "LocationInfo";
    // Call manager → phone (§2.2).
    REGISTER_ACK = 0x0081 => "RegisterAck";
    START_TONE = 0x0082 => "StartTone";
    STOP_TONE = 0x0083 => "StopTone";
    SET_RINGER = 0x0085 => "SetRinger";
    SET_LAMP = 0x0086 => "SetLamp";
    SET_SPEAKER_MODE = 0x0088 => "SetSpeakerMode";
    SET_MICRO_MODE = 0x0089 => "SetMicroMode";
    START_MEDIA_TRANSMISSION = 0x008A => "StartMediaTransmission";
    STOP_MEDIA_TRANSMISSION = 0x008B => "StopMediaTransmission";
    CALL_INFO = 0x008F => "CallInfo";
    FORWARD_STAT = 0x0090 => "ForwardStatRes";
    SPEED_DIAL_STAT = 0x0091 => "SpeedDialStatRes";
    LINE_STAT = 0x0092 => "LineStatRes";
    CONFIG_STAT = 0x0093 => "ConfigStatRes";
    DEFINE_TIME_DATE = 0x0094 => "TimeDateRes";
    BUTTON_TEMPLATE = 0x0097 => "ButtonTemplateRes";
    VERSION = 0x0098 => "VersionRes";
    DISPLAY_TEXT = 0x0099 => "DisplayText";
    CLEAR_DISPLAY = 0x009A => "ClearDisplay";
    CAPABILITIES_REQ = 0x009B => "CapabilitiesReq";
    REGISTER_REJECT = 0x009D => "RegisterReject";
    SERVER_RES = 0x009E => "ServerRes";
    RESET = 0x009F => "Reset";
    KEEP_ALIVE_ACK = 0x0100 => "KeepAliveAck";
    OPEN_RECEIVE_CHANNEL = 0x0105 => "OpenReceiveChannel";
    CLOSE_RECEIVE_CHANNEL = 0x0106 => "CloseReceiveChannel";
    SOFT_KEY_TEMPLATE = 0x0108 => "SoftKeyTemplateRes";
    SOFT_KEY_SET = 0x0109 => "SoftKeySetRes";
    SELECT_SOFT_KEYS = 0x0110 => "SelectSoftKeys";
    CALL_STATE = 0x0111 => "CallState";
    DISPLAY_PROMPT_STATUS = 0x0112 => "DisplayPromptStatus";
    CLEAR_PROMPT_STATUS = 0x0113 => "ClearPromptStatus";
    DISPLAY_NOTIFY = 0x0114 => "DisplayNotify";
    CLEAR_NOTIFY = 0x0115 => "ClearNotify";
    ACTIVATE_CALL_PLANE = 0x0116 => "ActivateCallPlane";
    DEACTIVATE_CALL_PLANE = 0x0117 => "DeactivateCallPlane";
    UNREGISTER_ACK = 0x0118 => "UnregisterAck";
    REGISTER_TOKEN_ACK = 0x011A => "RegisterTokenAck";
    REGISTER_TOKEN_REJECT = 0x011B => "RegisterTokenReject";
    DIALED_NUMBER = 0x011D => "DialedNumber";
    FEATURE_STAT = 0x011F => "FeatureStatRes";
    DISPLAY_PRI_NOTIFY = 0x0120 => "DisplayPriNotify";
    CLEAR_PRI_NOTIFY = 0x0121 => "ClearPriNotify";
    SERVICE_URL_STAT = 0x012F => "ServiceURLStatRes";
    FEATURE_STAT_V2 = 0x0146 => "FeatureStatV2Res";
}
