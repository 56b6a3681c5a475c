//! Stable, real-looking libp2p peer ids (`12D3KooW...`) derived from a node's secret key.
//!
//! A real Ed25519 peer id is base58 of the identity multihash `00 24 08 01 12 20 <32-byte
//! public key>`; the emulator uses SHA3-256 of its secret in place of the public key, so the
//! id has the real shape (52 characters, `12D3KooW` prefix) and survives restarts while the
//! `secret-key` file stays, like antnode's.
use sha3::{Digest, Sha3_256};

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Bitcoin-alphabet base58 of `bytes`.
pub fn base58(bytes: &[u8]) -> String {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    // Little-endian base-58 digits.
    let mut digits: Vec<u8> = Vec::with_capacity(bytes.len() * 138 / 100 + 1);
    for &b in &bytes[zeros..] {
        let mut carry = u32::from(b);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = String::with_capacity(zeros + digits.len());
    out.extend(std::iter::repeat_n('1', zeros));
    out.extend(digits.iter().rev().map(|&d| ALPHABET[d as usize] as char));
    out
}

/// The peer id of a node whose secret key is `secret`.
pub fn peer_id_from_secret(secret: &[u8]) -> String {
    let key = Sha3_256::digest(secret);
    let mut multihash = Vec::with_capacity(38);
    multihash.extend_from_slice(&[0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);
    multihash.extend_from_slice(&key);
    base58(&multihash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58_known_values() {
        assert_eq!(base58(b""), "");
        assert_eq!(base58(&[0, 0, 1]), "112");
        assert_eq!(base58(b"hello world"), "StV1DL6CwTryKyV");
    }

    #[test]
    fn peer_ids_look_real_and_are_stable() {
        let a = peer_id_from_secret(&[7; 32]);
        assert!(a.starts_with("12D3KooW"), "{a}");
        assert_eq!(a.len(), 52);
        assert_eq!(a, peer_id_from_secret(&[7; 32]));
        assert_ne!(a, peer_id_from_secret(&[8; 32]));
    }
}
