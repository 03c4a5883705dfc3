//! Every model of the specs by its name, for the tests that hold the
//! generated types against `spec/management-api.openapi.json` (v1) and
//! `spec/management-api-v2.openapi.json` (v2).
#![allow(dead_code)]

use serde_json::Value;

/// Decodes a JSON value as the model and encodes it again; the error names the model.
pub type RoundTrip = fn(&Value) -> Result<Value, String>;

/// The JSON Schema schemars derives for the model.
pub type SchemaOf = fn() -> schemars::schema::RootSchema;

/// (spec name, round trip, schema) of one model.
pub type Model = (&'static str, RoundTrip, SchemaOf);

macro_rules! models {
    ($(#[$doc:meta])* $fn:ident in $types:path: $($name:ident),* $(,)?) => {
        $(#[$doc])*
        pub fn $fn() -> Vec<Model> {
            use $types as types;
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
    /// (spec name, round trip, schema) of every v1 model.
    models in onence::types:
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

models![
    /// (spec name, round trip, schema) of every v2 model.
    models_v2 in onence::v2::types:
    ApiError,
    BadRequest,
    Conflict,
    ConnectivityDetail,
    ConnectivityStatus,
    ConnectivityStatusDescription,
    Country,
    CreatedSms,
    DataTrafficLimitState,
    DataTrafficLimitStateDescription,
    DeletedItem,
    EndpointQuotaState,
    EndpointQuotaStateDescription,
    Event,
    EventDetail,
    EventDetailDataServiceFailureCause,
    EventDetailPdpContext,
    EventDetailPdpContextGtpV1Uli,
    EventDetailPdpContextGtpV2Uli,
    EventDetailPdpContextGtpV2UliCgi,
    EventDetailPdpContextGtpV2UliRai,
    EventDetailPdpContextGtpV2UliSai,
    EventEndpoint,
    EventQuota,
    EventQuotaService,
    EventSeverity,
    EventSim,
    EventSource,
    EventType,
    Imsi,
    InternalServerError,
    Location,
    LocationCountry,
    MncItem,
    NotFound,
    Operator,
    OperatorCountry,
    Organisation,
    PdpContext,
    PdpContextGtpV1Uli,
    PdpContextGtpV2Uli,
    PdpContextGtpV2UliCgi,
    PdpContextGtpV2UliRai,
    PdpContextGtpV2UliSai,
    PdpContextVolume,
    Quota,
    QuotaService,
    QuotaState,
    QuotaStateDescription,
    QuotaStatus,
    RatType,
    RegionalPool,
    Sim,
    SimStatus,
    SimUpdate,
    Sms,
    SmsEndpoint,
    SmsMessage,
    SmsSourceAddressType,
    SmsStatus,
    SmsStatusDescription,
    SmsType,
    SmsTypeDescription,
    SourceAddressType,
    TapcodeItem,
    Threshold,
    VpnClient,
];
