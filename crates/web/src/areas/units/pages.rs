//! The unit directory and the users: kept by the system administrator (and, for the
//! directory, the supervision office).

use crate::AppState;
use crate::pages::{PageResult, Viewer, redirect_with, render, render_status};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use std::collections::BTreeMap;
use store::StoreError;
use store::directory::{KINDS, OWNERSHIPS, STAGES, Unit, UnitInput};

pub struct UnitRow {
    pub unit: Unit,
    pub kind_label: &'static str,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    ctx: crate::pages::Ctx,
    units: Vec<UnitRow>,
    form: UnitForm,
}

/// The unit form, as typed or as stored.
#[derive(Default)]
pub struct UnitForm {
    pub id: Option<i64>,
    pub name: String,
    pub kind: String,
    pub district: String,
    pub stage: String,
    pub ownership: String,
    pub inclusive: bool,
    pub aliases: String,
    pub members: Vec<i64>,
    pub email: String,
    pub errors: BTreeMap<String, String>,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub stages: Vec<&'static str>,
    pub ownerships: Vec<&'static str>,
    pub candidates: Vec<Unit>,
}

impl UnitForm {
    fn blank(candidates: Vec<Unit>) -> Self {
        UnitForm {
            kind: "school".into(),
            kinds: KINDS.iter().map(|(label, key)| (*key, *label)).collect(),
            stages: STAGES.to_vec(),
            ownerships: OWNERSHIPS.to_vec(),
            candidates,
            ..Default::default()
        }
    }

    pub fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    pub fn is_member(&self, id: &i64) -> bool {
        self.members.contains(id)
    }
}

fn kind_label(kind: &str) -> &'static str {
    KINDS.iter().find(|(_, k)| *k == kind).map_or("其他", |(l, _)| l)
}

async fn candidates(state: &AppState) -> Result<Vec<Unit>, crate::pages::PageError> {
    Ok(state.store.units().await?.into_iter().filter(|u| u.kind != "group").collect())
}

async fn units_page(state: &AppState, viewer: Viewer, form: UnitForm) -> Result<UnitsPage, crate::pages::PageError> {
    let units =
        state.store.units().await?.into_iter().map(|u| UnitRow { kind_label: kind_label(&u.kind), unit: u }).collect();
    Ok(UnitsPage { ctx: viewer.ctx, units, form })
}

pub async fn units(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let form = UnitForm::blank(candidates(&state).await?);
    render(&units_page(&state, viewer, form).await?)
}

fn read_form(fields: &[(String, String)], candidates: Vec<Unit>) -> (UnitForm, UnitInput) {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let members: Vec<i64> = fields.iter().filter(|(k, _)| k == "members").filter_map(|(_, v)| v.parse().ok()).collect();
    let mut form = UnitForm::blank(candidates);
    form.name = get("name");
    form.kind = get("kind");
    form.district = get("district");
    form.stage = get("stage");
    form.ownership = get("ownership");
    form.inclusive = get("inclusive") == "on";
    form.aliases = get("aliases");
    form.email = get("email");
    form.members = members.clone();
    let opt = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
    let input = UnitInput {
        name: form.name.clone(),
        kind: form.kind.clone(),
        district: opt(&form.district),
        stage: opt(&form.stage),
        ownership: opt(&form.ownership),
        inclusive: form.inclusive,
        aliases: form.aliases.split(['、', ',', ',']).map(|a| a.trim().to_string()).filter(|a| !a.is_empty()).collect(),
        members,
        email: opt(&form.email),
    };
    (form, input)
}

pub async fn create_unit(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let csrf = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    viewer.check_csrf(csrf)?;
    let (mut form, input) = read_form(&fields, candidates(&state).await?);
    match state.store.create_unit(&input).await {
        Ok(u) => Ok(redirect_with("/admin/units", &format!("已添加单位“{}”", u.unit.name))),
        Err(StoreError::Invalid { field, message }) => {
            form.errors.insert(field, message);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &units_page(&state, viewer, form).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The whole directory as a csv file, to edit in a spreadsheet and import again.
pub async fn export_units(State(state): State<AppState>, _viewer: Viewer) -> PageResult {
    let csv = store::directory_sheet::to_csv(&state.store.directory().await?);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename*=UTF-8''%E5%8D%95%E4%BD%8D%E7%9B%AE%E5%BD%95.csv",
            ),
        ],
        csv,
    )
        .into_response())
}

/// Imports a directory sheet: new units are added, existing ones keep their records; a sheet
/// with any bad row is refused whole, each error named with its line.
pub async fn import_units(State(state): State<AppState>, viewer: Viewer, mut multipart: Multipart) -> PageResult {
    let (csrf, file) = crate::pages::read_upload(&mut multipart, "units").await?;
    viewer.check_csrf(&csrf)?;
    let result = match file {
        None => Err("请选择要导入的 csv 或 xlsx 文件".to_string()),
        Some((_, bytes)) => store::directory_sheet::read(&bytes),
    };
    match result {
        Ok(units) => {
            let n = units.len();
            state.store.load_directory(&plan::Directory::from_units(None, units)).await?;
            Ok(redirect_with("/admin/units", &format!("已导入 {n} 个单位")))
        }
        Err(message) => {
            let mut form = UnitForm::blank(candidates(&state).await?);
            form.errors.insert("file".into(), message);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &units_page(&state, viewer, form).await?)
        }
    }
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    ctx: crate::pages::Ctx,
    form: UnitForm,
}

pub async fn unit_form(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let d = state.store.unit_detail(id).await?;
    let mut form = UnitForm::blank(candidates(&state).await?);
    form.id = Some(id);
    form.name = d.unit.name;
    form.kind = d.unit.kind;
    form.district = d.unit.district.unwrap_or_default();
    form.stage = d.unit.stage.unwrap_or_default();
    form.ownership = d.unit.ownership.unwrap_or_default();
    form.inclusive = d.unit.inclusive;
    form.aliases = d.aliases.join("、");
    form.email = d.unit.email.clone().unwrap_or_default();
    form.members = d.members.iter().map(|m| m.id).collect();
    render(&UnitPage { ctx: viewer.ctx, form })
}

pub async fn update_unit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let csrf = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    viewer.check_csrf(csrf)?;
    let (mut form, input) = read_form(&fields, candidates(&state).await?);
    form.id = Some(id);
    match state.store.update_unit(id, &input).await {
        Ok(u) => Ok(redirect_with(&format!("/admin/units/{id}"), &format!("已保存“{}”", u.unit.name))),
        Err(StoreError::Invalid { field, message }) => {
            form.errors.insert(field, message);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &UnitPage { ctx: viewer.ctx, form })
        }
        Err(e) => Err(e.into()),
    }
}
