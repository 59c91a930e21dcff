//! OpenAPI links from each creation to the operations on what it created: a `POST /v1/x`
//! whose success answers an object with an `id` links to every operation under `/v1/x/{id}`
//! (its reads and actions), passing `$response.body#/id`. Clients and stateful API testers
//! (schemathesis) follow them to reach real objects instead of guessing ids.

use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Components, OpenApi, RefOr};

/// The expression handing the created object's id to the linked operation.
const CREATED_ID: &str = "$response.body#/id";

fn operations(item: &PathItem) -> impl Iterator<Item = &Operation> {
    [&item.get, &item.put, &item.post, &item.delete, &item.patch]
        .into_iter()
        .flatten()
}

/// Whether `schema` (resolved in `components`) is an object with an `id` property, itself
/// or through `allOf` (a flattened struct).
fn has_id(schema: &RefOr<Schema>, components: Option<&Components>, depth: usize) -> bool {
    if depth > 4 {
        return false;
    }
    match schema {
        RefOr::Ref(r) => {
            let name = r.ref_location.rsplit('/').next().unwrap_or_default();
            components
                .and_then(|c| c.schemas.get(name))
                .is_some_and(|s| has_id(s, components, depth + 1))
        }
        RefOr::T(Schema::Object(o)) => o.properties.contains_key("id"),
        RefOr::T(Schema::AllOf(all)) => all.items.iter().any(|s| has_id(s, components, depth + 1)),
        RefOr::T(_) => false,
    }
}

/// Adds the links to `doc`.
pub(super) fn link_creations(doc: &mut OpenApi) {
    let targets: Vec<(String, String)> = doc
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            operations(item).filter_map(|op| Some((path.clone(), op.operation_id.clone()?)))
        })
        .collect();
    let components = doc.components.clone();
    for (path, item) in &mut doc.paths.paths {
        let Some(post) = item.post.as_mut() else {
            continue;
        };
        let under = format!("{path}/{{id}}");
        // Operations on the created object that need no other path parameter.
        let linked: Vec<&String> = targets
            .iter()
            .filter(|(p, _)| {
                p.strip_prefix(&under).is_some_and(|rest| {
                    (rest.is_empty() || rest.starts_with('/')) && !rest.contains('{')
                })
            })
            .map(|(_, id)| id)
            .collect();
        if linked.is_empty() {
            continue;
        }
        for (status, response) in &mut post.responses.responses {
            let RefOr::T(response) = response else {
                continue;
            };
            let answers_id = response
                .content
                .get("application/json")
                .and_then(|c| c.schema.as_ref())
                .is_some_and(|s| has_id(s, components.as_ref(), 0));
            if !status.starts_with('2') || !answers_id {
                continue;
            }
            for id in &linked {
                // utoipa 5.5 writes `Link::operation_id` as `operation_id`, not the
                // specification's `operationId`: the field goes in through the link's
                // flattened extensions instead (a test reads it back as `operationId`).
                let mut named = Extensions::default();
                named.insert("operationId".to_owned(), (*id).clone().into());
                let link = LinkBuilder::new()
                    .parameter("id", CREATED_ID)
                    .description("The object just created")
                    .extensions(Some(named))
                    .build();
                response.links.insert((*id).clone(), RefOr::T(link));
            }
        }
    }
}
