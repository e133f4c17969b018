//! Position tokens of the embedded store: the global position, versioned and
//! base64url-encoded so clients treat it as opaque.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::core::{model::Position, ports::StoreError};

const VERSION: u8 = 1;

pub(super) fn encode(global: u64) -> Position {
    let mut bytes = [0u8; 9];
    bytes[0] = VERSION;
    bytes[1..].copy_from_slice(&global.to_be_bytes());
    Position { token: URL_SAFE_NO_PAD.encode(bytes), global: Some(global) }
}

pub(super) fn decode(position: &Position) -> Result<u64, StoreError> {
    let invalid = || StoreError::InvalidPosition(position.token.clone());
    let bytes = URL_SAFE_NO_PAD.decode(position.token.as_bytes()).map_err(|_| invalid())?;
    if bytes.len() != 9 || bytes[0] != VERSION {
        return Err(invalid());
    }
    let mut global = [0u8; 8];
    global.copy_from_slice(&bytes[1..]);
    Ok(u64::from_be_bytes(global))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        for global in [0, 1, 42, u64::MAX] {
            assert_eq!(decode(&encode(global)).expect("valid"), global);
        }
        for bad in ["", "abc", "not base64!", "AAAAAAAAAAAA"] {
            let position = Position { token: bad.into(), global: None };
            assert!(matches!(decode(&position), Err(StoreError::InvalidPosition(_))), "{bad}");
        }
    }
}
