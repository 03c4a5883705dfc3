//! `call_operation`'s arguments checked against the operation's documented
//! parameters and made into its request, before anything is sent: no
//! unknown argument, every required one, each of its documented type,
//! values and range, a body only where one is taken and of the documented
//! shape. Path values are percent-encoded; the pipeline's path check then
//! refuses any that would change which operation is called.

use serde_json::{Map, Value};

use super::operations::{Operation, Parameter};
use crate::raw::RawRequest;

/// The argument that carries the request body.
pub const BODY: &str = "body";

/// The request `arguments` make for `op`, or what is wrong with them.
pub(crate) fn request_for(
    op: &'static Operation,
    arguments: &Map<String, Value>,
) -> Result<RawRequest, String> {
    let name = &op.name;
    for key in arguments.keys() {
        let known =
            key == BODY && op.body.is_some() || op.parameters.iter().any(|p| p.name == *key);
        if !known {
            let mut takes: Vec<&str> = op.parameters.iter().map(|p| p.name).collect();
            if op.body.is_some() {
                takes.push(BODY);
            }
            return Err(format!(
                "{name} takes no argument {key:?}; it takes: {}",
                if takes.is_empty() {
                    "none".to_string()
                } else {
                    takes.join(", ")
                }
            ));
        }
    }
    let mut path = op.path.to_string();
    let mut query = Vec::new();
    for param in op.parameters {
        let Some(value) = arguments.get(param.name).filter(|v| !v.is_null()) else {
            if param.required {
                return Err(format!("{name} needs the argument {:?}", param.name));
            }
            continue;
        };
        let texts = texts_of(param, value).map_err(|why| format!("{name}: {why}"))?;
        match param.location {
            "path" => {
                let text = texts.join(",");
                path = path.replace(
                    &format!("{{{}}}", param.name),
                    &progenitor_client::encode_path(&text),
                );
            }
            "query" if param.explode => {
                query.extend(texts.into_iter().map(|t| (param.name.to_string(), t)));
            }
            "query" => query.push((param.name.to_string(), texts.join(","))),
            other => return Err(format!("{name}: parameters in {other} are not supported")),
        }
    }
    let body = match (&op.body, arguments.get(BODY)) {
        (Some(body), None) if body.required => {
            return Err(format!(
                "{name} needs a body ({})",
                body.model.unwrap_or("JSON")
            ))
        }
        (Some(body), Some(value)) => {
            let fits = match body.kind {
                "object" => value.is_object(),
                "array" => value.is_array(),
                _ => true,
            };
            if !fits {
                return Err(format!(
                    "{name}: the body must be a JSON {} ({}), not {value}",
                    body.kind,
                    body.model.unwrap_or("see list_operations")
                ));
            }
            Some(value.clone())
        }
        _ => None,
    };
    let method = op
        .method
        .parse()
        .map_err(|_| format!("{name}: method {} is not one", op.method))?;
    Ok(RawRequest {
        version: op.version,
        operation: op.id,
        method,
        path,
        query,
        body,
    })
}

/// A parameter's value as the text(s) it is sent as, checked against its
/// documented type, values and range; the error names the parameter.
fn texts_of(param: &Parameter, value: &Value) -> Result<Vec<String>, String> {
    let name = &param.name;
    if param.kind == "array" {
        let items: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        return items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!("{name} takes strings, not {other}")),
            })
            .collect();
    }
    let text = match (param.kind, value) {
        ("integer", Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
        ("integer", Value::String(s)) if s.parse::<i64>().is_ok() => s.clone(),
        ("integer", other) => return Err(format!("{name} must be a whole number, not {other}")),
        ("number", Value::Number(n)) => n.to_string(),
        ("number", Value::String(s)) if s.parse::<f64>().is_ok_and(f64::is_finite) => s.clone(),
        ("number", other) => return Err(format!("{name} must be a number, not {other}")),
        ("boolean", Value::Bool(b)) => b.to_string(),
        ("boolean", Value::String(s)) if s == "true" || s == "false" => s.clone(),
        ("boolean", other) => return Err(format!("{name} must be true or false, not {other}")),
        (_, Value::String(s)) => s.clone(),
        (_, other) => return Err(format!("{name} must be text, not {other}")),
    };
    if !param.values.is_empty() && !param.values.contains(&text.as_str()) {
        return Err(format!(
            "{name} must be one of {}, not {text:?}",
            param.values.join(", ")
        ));
    }
    if let Ok(number) = text.parse::<f64>() {
        if matches!(param.kind, "integer" | "number") {
            if let Some(min) = param.minimum.filter(|min| number < *min) {
                return Err(format!("{name} must be at least {min}, not {text}"));
            }
            if let Some(max) = param.maximum.filter(|max| number > *max) {
                return Err(format!("{name} must be at most {max}, not {text}"));
            }
        }
    }
    if text.is_empty() && param.location == "path" {
        return Err(format!("{name} must not be empty"));
    }
    Ok(vec![text])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mcp::operations::find;

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn a_read_is_made_from_its_path_and_query_arguments() {
        let op = find("v1.list_sim_events").unwrap();
        let r = request_for(
            op,
            &args(json!({ "iccid": "8988280666000000001", "page": 2, "pageSize": "50" })),
        )
        .unwrap();
        assert_eq!(r.path, "/v1/sims/8988280666000000001/events");
        assert_eq!(r.method, reqwest::Method::GET);
        assert!(r.query.contains(&("page".into(), "2".into())));
        assert!(r.query.contains(&("pageSize".into(), "50".into())));
        assert_eq!(r.operation, "list_sim_events");
    }

    #[test]
    fn bad_arguments_are_refused_naming_them() {
        let op = find("v1.list_sim_events").unwrap();
        let no_iccid = request_for(op, &args(json!({}))).unwrap_err();
        assert!(no_iccid.contains("\"iccid\""), "{no_iccid}");
        let unknown = request_for(op, &args(json!({ "iccid": "1", "colour": "red" }))).unwrap_err();
        assert!(
            unknown.contains("colour") && unknown.contains("pageSize"),
            "{unknown}"
        );
        let word = request_for(op, &args(json!({ "iccid": "1", "page": "two" }))).unwrap_err();
        assert!(word.contains("page must be a whole number"), "{word}");
        let latest = find("os.latest_positions").unwrap();
        let big = request_for(latest, &args(json!({ "pageSize": 100000 }))).unwrap_err();
        assert!(big.contains("pageSize must be at most"), "{big}");
        let positions = find("os.latest_positions").unwrap();
        let odd = request_for(positions, &args(json!({ "source": "Pigeon" }))).unwrap_err();
        assert!(odd.contains("GPS"), "{odd}");
        let order = find("v1.create_order").unwrap();
        assert!(request_for(order, &args(json!({})))
            .unwrap_err()
            .contains("body"));
        let list = request_for(order, &args(json!({ "body": [1] }))).unwrap_err();
        assert!(list.contains("must be a JSON object"), "{list}");
        let get = find("v1.get_sim").unwrap();
        assert!(request_for(get, &args(json!({ "iccid": "1", "body": {} }))).is_err());
    }

    #[test]
    fn path_values_are_encoded_and_arrays_joined_as_documented() {
        let op = find("v1.get_sim").unwrap();
        let r = request_for(op, &args(json!({ "iccid": "../v1/sims" }))).unwrap();
        assert!(!r.path.contains("../"), "{}", r.path);
        let positions = find("os.latest_positions").unwrap();
        let r = request_for(
            positions,
            &args(json!({ "sort": ["-sampleTime", "deviceId"] })),
        )
        .unwrap();
        assert_eq!(
            r.query,
            vec![("sort".to_string(), "-sampleTime,deviceId".to_string())]
        );
    }
}
