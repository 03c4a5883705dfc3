//! 1NCE OS Energy Saver: templates that turn a device's compact binary
//! payload into JSON in the cloud, so the device sends fewer bytes.
//!
//! 1NCE does not publish its template language; the sandbox's is a list of
//! `name:type` fields (`uint8`, `int8`, `uint16`, `int16`, `uint32`,
//! `int32`, `float32`, big-endian) read in order from a hexadecimal payload,
//! which is enough to try the calls and their answers offline.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::sandbox::answer::{bad, body, not_found, refuse, Answer, Outcome, Refusal};
use crate::sandbox::state::{Data, Shared};

/// The fields of `template`: (name, type, width in bytes).
fn fields(template: &str) -> Result<Vec<(&str, &str, usize)>, Refusal> {
    template
        .split(',')
        .map(str::trim)
        .map(|field| {
            let (name, kind) = field
                .split_once(':')
                .filter(|(n, _)| !n.is_empty())
                .ok_or_else(|| bad(format!("template: {field:?} is not name:type")))?;
            let width = match kind {
                "uint8" | "int8" => 1,
                "uint16" | "int16" => 2,
                "uint32" | "int32" | "float32" => 4,
                other => return Err(bad(format!("template: {other:?} is not a known type"))),
            };
            Ok((name, kind, width))
        })
        .collect()
}

/// `payload` (hexadecimal) read through `template` as a JSON object.
fn translate(template: &str, payload: &str) -> Result<(Value, usize), Refusal> {
    if !payload.len().is_multiple_of(2) || !payload.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("payload must be hexadecimal bytes"));
    }
    let bytes: Vec<u8> = (0..payload.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&payload[i..i + 2], 16).ok())
        .collect();
    let mut out = Map::new();
    let mut at = 0;
    for (name, kind, width) in fields(template)? {
        let raw = bytes
            .get(at..at + width)
            .ok_or_else(|| bad(format!("payload ends before field {name:?}")))?;
        at += width;
        let mut word = [0u8; 4];
        word[4 - width..].copy_from_slice(raw);
        let unsigned = u32::from_be_bytes(word);
        let value = match kind {
            "int8" => json!(raw[0] as i8),
            "int16" => json!(i16::from_be_bytes([raw[0], raw[1]])),
            "int32" => json!(unsigned as i32),
            "float32" => json!(f32::from_bits(unsigned)),
            _ => json!(unsigned),
        };
        out.insert(name.to_string(), value);
    }
    Ok((Value::Object(out), bytes.len()))
}

/// `POST /v1/optimize/messages/test`.
pub(crate) async fn test_message(request: Result<Json<Value>, JsonRejection>) -> Outcome {
    let request = body(request)?;
    let text = |name: &str| {
        request[name]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| bad(format!("{name} is required")))
    };
    let (translated, sent) = translate(text("template")?, text("payload")?)?;
    let translated = translated.to_string();
    let reduced = translated.len().saturating_sub(sent);
    let reduction = (reduced as f64 / translated.len().max(1) as f64 * 100.0).round();
    Ok(Answer::json(
        200,
        json!({ "translatedPayload": translated, "reducedBytes": reduced, "energyUsageReduction": reduction }),
    ))
}

/// The filters of the savings, as sent.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct SavingsQuery {
    range: Option<String>,
    protocol: Option<String>,
    iccid: Option<String>,
}

/// `GET /v1/optimize/savings`: what the active templates saved over the
/// range, against the range before it; no active template saves nothing.
pub(crate) async fn savings(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<SavingsQuery>,
) -> Outcome {
    let days: u64 = match query.range.as_deref() {
        None => 7,
        Some(r @ ("1" | "7" | "30")) => r.parse().unwrap_or(7),
        Some(other) => return Err(bad(format!("range must be 1, 7 or 30, not {other:?}"))),
    };
    if let Some(p) = query
        .protocol
        .as_deref()
        .filter(|p| !["UDP", "COAP"].contains(p))
    {
        return Err(bad(format!("protocol must be UDP or COAP, not {p:?}")));
    }
    let data = shared.data_now();
    let devices = match &query.iccid {
        Some(iccid) if !data.sims.contains_key(iccid) => {
            return Err(not_found(&format!("SIM {iccid}")))
        }
        Some(_) => 1,
        None => data.sims.len() as u64,
    };
    let active = data
        .templates
        .values()
        .filter(|t| t["status"] == "ACTIVE")
        .filter(|t| {
            let protocols = t["protocolFilter"].as_array();
            query
                .protocol
                .as_deref()
                .is_none_or(|p| protocols.is_some_and(|ps| ps.iter().any(|x| x == p)))
        })
        .count() as u64;
    // One message an hour a device per active template, 24 bytes saved each.
    let messages = active * devices * days * 24;
    let saved = messages * 24;
    let average = if messages == 0 { 0 } else { 24 };
    let pair = |value: u64| json!({ "value": value, "delta": 0 });
    Ok(Answer::json(
        200,
        json!({ "messagesTranslated": pair(messages), "averageBytesReducedPerMessage": pair(average), "bytesSaved": pair(saved) }),
    ))
}

/// The template fields in `request` that are sent, checked; 422 names the
/// first that is wrong.
fn template_fields(request: &Value, all_required: bool) -> Result<Map<String, Value>, Refusal> {
    let unprocessable = |m: String| refuse(422, m);
    let mut out = Map::new();
    for name in ["name", "template", "protocolFilter", "status"] {
        let Some(value) = request.get(name).filter(|v| !v.is_null()) else {
            if all_required && name != "status" {
                return Err(unprocessable(format!("{name} is required")));
            }
            continue;
        };
        let fine = match name {
            "name" => value
                .as_str()
                .is_some_and(|n| (1..=64).contains(&n.chars().count())),
            // Any text, as the document says: the sandbox's own language
            // is read only when a message is tested.
            "template" => value.as_str().is_some_and(|t| !t.is_empty()),
            "protocolFilter" => value
                .as_array()
                .is_some_and(|ps| !ps.is_empty() && ps.iter().all(|p| p == "COAP" || p == "UDP")),
            _ => value == "ACTIVE" || value == "INACTIVE",
        };
        if !fine {
            return Err(unprocessable(format!("{name}: {value} is not valid")));
        }
        out.insert(name.into(), value.clone());
    }
    if out.is_empty() {
        return Err(unprocessable(
            "name, template, protocolFilter or status is required".into(),
        ));
    }
    Ok(out)
}

/// 409 when another template than `except` already has `name`.
fn name_free(data: &Data, name: Option<&Value>, except: &str) -> Result<(), Refusal> {
    let taken = data
        .templates
        .values()
        .any(|t| Some(&t["name"]) == name && t["id"] != except);
    match taken {
        true => Err(refuse(409, "a template with this name exists")),
        false => Ok(()),
    }
}

/// `GET /v1/optimize/templates`.
pub(crate) async fn list(State(shared): State<Arc<Shared>>) -> Outcome {
    let data = shared.data_now();
    let all: Vec<&Value> = data.templates.values().collect();
    Ok(Answer::json(200, all))
}

/// `POST /v1/optimize/templates`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let mut template = template_fields(&body(request)?, true)?;
    let mut data = shared.data();
    name_free(&data, template.get("name"), "")?;
    let id = data.new_os_id("tpl");
    template.insert("id".into(), json!(id));
    template.entry("status").or_insert(json!("ACTIVE"));
    let template = Value::Object(template);
    data.log(
        shared.now(),
        "GENERAL",
        format!("template {id} created"),
        None,
    );
    data.templates.insert(id, template.clone());
    Ok(Answer::json(201, template))
}

/// `PATCH /v1/optimize/templates/{templateId}`: the fields sent change.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let changes = template_fields(&body(request)?, false)?;
    let mut data = shared.data();
    if !data.templates.contains_key(&id) {
        return Err(not_found(&format!("template {id}")));
    }
    name_free(&data, changes.get("name"), &id)?;
    data.log(
        shared.now(),
        "GENERAL",
        format!("template {id} updated"),
        None,
    );
    let stored = data
        .templates
        .get_mut(&id)
        .ok_or_else(|| not_found(&format!("template {id}")))?;
    for (name, value) in changes {
        stored[name.as_str()] = value;
    }
    Ok(Answer::json(200, stored.clone()))
}

/// `DELETE /v1/optimize/templates/{templateId}`.
pub(crate) async fn delete(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let mut data = shared.data();
    data.templates
        .remove(&id)
        .ok_or_else(|| not_found(&format!("template {id}")))?;
    data.log(
        shared.now(),
        "GENERAL",
        format!("template {id} deleted"),
        None,
    );
    Ok(Answer::empty(204))
}
