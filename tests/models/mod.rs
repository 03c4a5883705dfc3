//! Every model of the spec by its name, for the tests that hold the
//! generated types against `spec/management-api.openapi.json`.
#![allow(dead_code)]

use onence::types;
use serde_json::Value;

/// Decodes a JSON value as the model and encodes it again; the error names the model.
pub type RoundTrip = fn(&Value) -> Result<Value, String>;

/// The JSON Schema schemars derives for the model.
pub type SchemaOf = fn() -> schemars::schema::RootSchema;

macro_rules! models {
    ($($name:ident),* $(,)?) => {
        /// (spec name, round trip, schema) of every model.
        pub fn models() -> Vec<(&'static str, RoundTrip, SchemaOf)> {
            vec![$((
                stringify!($name),
                |v: &Value| {
                    let model = serde_json::from_value::<types::$name>(v.clone())
                        .map_err(|e| format!("{}: {e}", stringify!($name)))?;
                    serde_json::to_value(model).map_err(|e| e.to_string())
                },
                || schemars::schema_for!(types::$name),
            )),*]
        }
    };
}

models![
    ApiError,
    AutoTopupRequest,
    CellGlobalId,
    Charge,
    Communication,
    CommunicationDirection,
    CommunicationType,
    Connectivity,
    ConnectivityInfo,
    ConnectivityStatus,
    Currency,
    DataLimit,
    DataUsage,
    DeliveryAddress,
    DeliveryAddressReceived,
    DeliveryAddressReceivedSalutation,
    EventCollection,
    IccidRange,
    Limits,
    Link,
    Location,
    LocationCountry,
    NewOrder,
    NewServiceRequest,
    Operator,
    OperatorCountry,
    Order,
    OrderOrderType,
    OrderProduct,
    OrderSim,
    OrderedProduct,
    PdpContext,
    Product,
    Quota,
    QuotaStatus,
    RatType,
    RatTypeDescription,
    ServiceRequest,
    ServiceRequestStatus,
    SetLimitsRequest,
    Sim,
    SimEvent,
    SimExtensionRequest,
    SimStatus,
    SimTransfer,
    SimUpdate,
    Sms,
    SmsLimit,
    SmsMessage,
    SmsStatus,
    SmsType,
    SmsTypeDescription,
    SmsUsage,
    SourceAddressType,
    SourceAddressTypeReceived,
    SubscriberInfo,
    TrafficTypeData,
    TrafficTypeSms,
    Usage,
    UsageDay,
    UssdInfo,
];
