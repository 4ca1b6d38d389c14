#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cmed::fuzzing::tftp_transfer(data));
