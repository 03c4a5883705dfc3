//! Where in a JSON answer a decoding error happened, as a path a person can
//! read (`$.events[3].timestamp`). serde_json says only line and column; the
//! path names the field the API got wrong.

/// One open container while scanning.
enum Frame {
    Object {
        key: Option<String>,
        expecting_key: bool,
    },
    Array {
        index: usize,
    },
}

/// The path of the value that ends at byte `offset` of `json` (the position
/// serde_json reports for an error), or `$` when it cannot tell.
pub(crate) fn path_at(json: &[u8], offset: usize) -> String {
    let mut stack: Vec<Frame> = Vec::new();
    let end = offset.min(json.len());
    let mut i = 0;
    while i < end {
        match json[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < json.len() && json[i] != b'"' {
                    i += if json[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, expecting_key }) = stack.last_mut() {
                    if *expecting_key {
                        let text = json.get(start..i.min(json.len())).unwrap_or_default();
                        *key = Some(String::from_utf8_lossy(text).into_owned());
                        *expecting_key = false;
                    }
                }
            }
            b'{' => stack.push(Frame::Object {
                key: None,
                expecting_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut path = String::from("$");
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key), .. } => {
                path.push('.');
                path.push_str(key);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// The byte offset of serde_json's (1-based) line and column.
pub(crate) fn offset_of(json: &[u8], line: usize, column: usize) -> usize {
    let line_start = json
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum::<usize>();
    line_start + column
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of_error<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        let e = serde_json::from_str::<T>(json).unwrap_err();
        path_at(
            json.as_bytes(),
            offset_of(json.as_bytes(), e.line(), e.column()),
        )
    }

    #[test]
    fn names_the_field_of_a_bad_value_at_any_depth() {
        type Quota = crate::api::types::Quota;
        type Sims = Vec<crate::api::types::Sim>;
        assert_eq!(
            path_of_error::<Quota>(r#"{"volume": "plenty"}"#),
            "$.volume"
        );
        let sims = r#"[{"iccid": "1"}, {"iccid": "2", "quota_status": {"id": "x\"y"}}]"#;
        assert_eq!(path_of_error::<Sims>(sims), "$[1].quota_status.id");
        // A list where a number belongs: serde_json stops inside it, and the path says so.
        let pretty = "{\n  \"volume\": 1,\n  \"total_volume\": [1]\n}";
        assert!(path_of_error::<Quota>(pretty).starts_with("$.total_volume"));
    }
}
