//! The OpenAPI document, made from the route table (`crate::routes`): each API route's entry
//! names its operation, so a route cannot be served undocumented or documented unserved.

use crate::error::{Problem, ProblemResponses};
use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::PathsBuilder;
use utoipa::openapi::schema::Schema;

/// What the table's entries add to: the paths and the schemas their operations use.
#[derive(Default)]
pub struct Operations {
    paths: PathsBuilder,
    schemas: Vec<(String, RefOr<Schema>)>,
}

/// Adds the operation `P` (the type `#[utoipa::path]` makes for a handler) and its schemas.
pub fn op<P: utoipa::Path + utoipa::__dev::SchemaReferences>(ops: &mut Operations) {
    ops.paths = std::mem::take(&mut ops.paths).path_from::<P>();
    P::schemas(&mut ops.schemas);
}

/// The document's fixed parts: title, the bearer scheme, the problem responses.
#[derive(OpenApi)]
#[openapi(
    info(title = "duban 督办 API", version = "1", description = "工作要点督办系统的 JSON API。错误均为 RFC 9457 problem JSON。"),
    components(schemas(Problem)),
    modifiers(&BearerAuth)
)]
struct Base;

/// Every operation of the route table and the schemas they use.
fn operations() -> Operations {
    let mut ops = Operations::default();
    for route in crate::routes::table() {
        if let Some(add) = route.doc {
            add(&mut ops);
        }
    }
    ops
}

/// Schema names that two different types claim: the document keeps one of them, so every
/// answer of the other would be documented wrongly (a test keeps this list empty).
pub fn schema_clashes() -> Vec<String> {
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut clashes = Vec::new();
    for (name, schema) in operations().schemas {
        let text = serde_json::to_string(&schema).unwrap_or_default();
        match seen.get(&name) {
            Some(other) if *other != text => clashes.push(name),
            Some(_) => {}
            None => {
                seen.insert(name, text);
            }
        }
    }
    clashes.sort();
    clashes.dedup();
    clashes
}

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    let ops = operations();
    let mut doc = Base::openapi();
    doc.paths = ops.paths.build();
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, schema) in ops.schemas {
        components.schemas.entry(name).or_insert(schema);
    }
    // Every operation states the problem answers it can give.
    utoipa::Modify::modify(&ProblemResponses, &mut doc);
    doc
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

/// The bearer token the API is called with.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
