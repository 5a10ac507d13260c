//! Resident ID numbers (居民身份证号码), GB 11643-1999: 6-digit region, 8-digit birth date,
//! 3-digit sequence (odd = male), check character by ISO 7064 MOD 11-2.

use chrono::{Datelike, NaiveDate};

use super::Code;
use crate::model::Sex;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// Province-level region codes (first two digits) in use: the 31 provinces, Taiwan (71),
/// Hong Kong (81), Macau (82) and the residence permit for Taiwan residents (83).
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// What an ID number says about its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdNumberInfo {
    /// The date of birth it encodes.
    pub birth_date: NaiveDate,
    /// The sex it encodes (17th digit odd = male).
    pub sex: Sex,
}

/// The check character for the first 17 digits.
#[must_use]
pub fn check_char(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// Checks an ID number's shape, region, birth date and check character. `today` bounds the
/// birth date. Returns what it encodes, or the first rule it breaks.
pub fn parse(id: &str, today: Option<NaiveDate>) -> Result<IdNumberInfo, Code> {
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(Code::IdNumberFormat);
    }
    match bytes[17] {
        b'0'..=b'9' | b'X' => {}
        b'x' => return Err(Code::IdNumberLowercaseX),
        _ => return Err(Code::IdNumberFormat),
    }
    let province = (bytes[0] - b'0') * 10 + (bytes[1] - b'0');
    let city = &bytes[2..4];
    let special = matches!(province, 71 | 81 | 82 | 83);
    if !PROVINCES.contains(&province) || (!special && city == b"00") {
        return Err(Code::IdNumberRegion);
    }
    let birth_date = std::str::from_utf8(&bytes[6..14])
        .ok()
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y%m%d").ok())
        .filter(|d| d.year() >= 1900 && today.is_none_or(|t| *d <= t))
        .ok_or(Code::IdNumberBirthDate)?;
    let mut first17 = [0u8; 17];
    first17.copy_from_slice(&bytes[..17]);
    if check_char(&first17) != bytes[17] {
        return Err(Code::IdNumberChecksum);
    }
    let sex = if (bytes[16] - b'0') % 2 == 1 {
        Sex::Male
    } else {
        Sex::Female
    };
    Ok(IdNumberInfo { birth_date, sex })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &[&str] = &[
        "11010519491231002X",
        "34052419800101001X",
        "110101199003074477",
    ];

    #[test]
    fn known_valid_numbers_pass() {
        for id in VALID {
            assert!(parse(id, None).is_ok(), "{id}");
        }
        let info = parse("11010519491231002X", None).expect("valid");
        assert_eq!(
            info.birth_date,
            NaiveDate::from_ymd_opt(1949, 12, 31).expect("date")
        );
        assert_eq!(info.sex, Sex::Female);
    }

    #[test]
    fn every_single_character_change_is_rejected() {
        let alphabet: Vec<char> = "0123456789Xx -".chars().collect();
        for id in VALID {
            let chars: Vec<char> = id.chars().collect();
            for i in 0..chars.len() {
                for &c in &alphabet {
                    if c == chars[i] {
                        continue;
                    }
                    let mut changed = chars.clone();
                    changed[i] = c;
                    let changed: String = changed.into_iter().collect();
                    assert!(parse(&changed, None).is_err(), "{changed} accepted");
                }
            }
        }
    }

    #[test]
    fn rules_have_their_own_codes() {
        assert_eq!(
            parse("11010519491231002x", None),
            Err(Code::IdNumberLowercaseX)
        );
        assert_eq!(parse("1101051949123100", None), Err(Code::IdNumberFormat));
        assert_eq!(parse("99010519491231002X", None), Err(Code::IdNumberRegion));
        assert_eq!(
            parse("110105194913310027", None),
            Err(Code::IdNumberBirthDate)
        );
        assert_eq!(
            parse("110105194912310021", None),
            Err(Code::IdNumberChecksum)
        );
        let before_birth = NaiveDate::from_ymd_opt(1949, 12, 30);
        assert_eq!(
            parse("11010519491231002X", before_birth),
            Err(Code::IdNumberBirthDate)
        );
    }
}
