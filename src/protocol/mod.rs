//! Wire types of the Chat REST API (serde) and the resource table.
