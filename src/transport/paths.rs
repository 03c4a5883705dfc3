//! Every request's path, checked against its operation's template before it
//! is sent. The generated builders put any string into a path segment
//! (percent-encoded), and the URL is normalised afterwards, so
//! `get_sim().iccid(".")` would become `GET /v1/sims` and
//! `top_up_sim().iccid(".")` the bulk `POST /v1/sims/topup`. The hook that
//! sends requests calls [`check`], so every operation, generated or helper,
//! is covered.

use crate::model::Iccid;

/// One API version's operations: (operation, path template, [(parameter, kind)]),
/// as codegen emits them (`generated::PATHS`, `generated_v2::PATHS`).
pub(crate) type PathTable = &'static [(
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
)];

/// Checks `path` (below the base URL) against the template of `operation` in `table`:
/// the same segments, and each parameter of its kind (an ICCID by the ICCID
/// rule, a number all digits, any other value one plain segment: no dot
/// segment, no slash or percent sign). The error names the parameter.
pub(crate) fn check(table: PathTable, operation: &str, path: &str) -> Result<(), String> {
    let Some((_, template, params)) = table.iter().find(|(id, _, _)| *id == operation) else {
        return Ok(());
    };
    let wanted: Vec<&str> = template.trim_matches('/').split('/').collect();
    let got: Vec<&str> = path.trim_matches('/').split('/').collect();
    let name_of = |segment: &str| {
        segment
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .map(str::to_string)
    };
    if wanted.len() != got.len() {
        let param = wanted.iter().find_map(|s| name_of(s)).unwrap_or_default();
        return Err(format!(
            "{operation}: the {param} given does not fit in the path {template} (empty, or a dot segment)"
        ));
    }
    for (want, have) in wanted.iter().zip(&got) {
        let Some(name) = name_of(want) else {
            if want != have {
                return Err(format!(
                    "{operation}: the path {path} does not match {template}"
                ));
            }
            continue;
        };
        let kind = params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("text", |(_, k)| *k);
        let fits = match kind {
            "iccid" => Iccid::new(have).is_ok(),
            "integer" => {
                let digits = have.strip_prefix('-').unwrap_or(have);
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            }
            _ => !have.is_empty() && !matches!(*have, "." | "..") && !have.contains('%'),
        };
        if !fits {
            let shown = percent_decoded(have);
            let what = match kind {
                "iccid" => "is not an ICCID (18 to 22 digits)",
                "integer" => "is not a whole number",
                _ => "is not one plain path segment",
            };
            return Err(format!("{operation}: {name} {shown:?} {what}"));
        }
    }
    Ok(())
}

/// The segment as the caller wrote it (the builders percent-encode it).
fn percent_decoded(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ICCID: &str = "8988280666000000000";

    #[test]
    fn good_paths_pass_and_bad_parameters_are_named() {
        assert!(check(
            crate::api::generated::PATHS,
            "get_sim",
            &format!("/v1/sims/{ICCID}")
        )
        .is_ok());
        assert!(check(
            crate::api::generated::PATHS,
            "get_sms",
            &format!("/v1/sims/{ICCID}/sms/42")
        )
        .is_ok());
        assert!(check(
            crate::api::generated::PATHS,
            "list_limit_options",
            "/v1/sims/smsMO/limits"
        )
        .is_ok());
        // "." vanished when the URL was normalised: a segment is missing.
        let e = check(crate::api::generated::PATHS, "get_sim", "/v1/sims").unwrap_err();
        assert!(e.contains("iccid"), "{e}");
        assert!(check(crate::api::generated::PATHS, "top_up_sim", "/v1/sims/topup").is_err());
        let e = check(
            crate::api::generated::PATHS,
            "get_sim",
            "/v1/sims/..%2Forders",
        )
        .unwrap_err();
        assert!(e.contains("\"../orders\""), "{e}");
        let e = check(crate::api::generated::PATHS, "get_order", "/v1/orders/12a").unwrap_err();
        assert!(
            e.contains("order_number") && e.contains("whole number"),
            "{e}"
        );
        assert!(check(
            crate::api::generated::PATHS,
            "list_limit_options",
            "/v1/sims/a%2Fb/limits"
        )
        .is_err());
        assert!(check(
            crate::api::generated::PATHS,
            "list_limit_options",
            "/v1/sims/../limits"
        )
        .is_err());
        assert!(check(
            crate::api::generated::PATHS,
            "no_such_operation",
            "/anything"
        )
        .is_ok());
    }

    #[cfg(feature = "v2")]
    #[test]
    fn each_version_checks_against_its_own_table() {
        // v2 has its own table: the same names, other paths.
        let v2 = crate::api::generated_v2::PATHS;
        assert!(check(v2, "cancel_sms", &format!("/v2/sims/{ICCID}/sms/42")).is_ok());
        assert!(check(v2, "cancel_sms", &format!("/v2/sims/{ICCID}/sms/4a")).is_err());
        assert!(check(v2, "get_sim", &format!("/v1/sims/{ICCID}")).is_err());
    }
}
