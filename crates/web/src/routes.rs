//! Every route of the program, declared once: method, path, who may call it, the audit action
//! its changes are recorded under, its handler, and (for the JSON API) its OpenAPI operation.
//! The router (`crate::router`), the OpenAPI document (`crate::openapi`), the audit log's
//! action names (`crate::security::audit`) and the role check every signed-in request passes
//! (`check`, called by the `CurrentUser` and `Viewer` extractors) are all made from this table,
//! and so is the role-matrix test. Adding an endpoint is one entry here plus its handler.

use crate::AppState;
use crate::areas::inspections;
use crate::areas::{
    accounts, assess, bulletins, dashboard, help, months, plans, public, reports, scoring, search, units,
};
use crate::pages;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post, put};
use std::collections::HashMap;
use std::sync::LazyLock;
use store::users::Role;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in, the public page, static files).
    Anyone,
    /// Every signed-in user, whatever the role (one's own account).
    SignedIn,
    /// Signed-in users with one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn admits(self, role: Role) -> bool {
        match self {
            Access::Anyone | Access::SignedIn => true,
            Access::Roles(roles) => roles.contains(&role),
        }
    }
}

/// How much of a request body a route reads (`crate::body_limit` turns it into bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BodySize {
    /// Any JSON or form body: `body_limit::SMALL_LIMIT`.
    #[default]
    Small,
    /// A name and a password: `body_limit::SIGN_IN_LIMIT`.
    SignIn,
    /// A file upload or a whole plan's draft: up to `Config::max_upload`, read only from a
    /// signed-in sender and only a few at once.
    Large,
}

/// Which interface a route belongs to: the API answers problem JSON, pages answer HTML.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface {
    Api,
    Page,
}

/// One route. `action` names what a change does in the audit log; every route that is not a
/// GET must have one (a test checks it).
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub interface: Interface,
    pub access: Access,
    pub action: Option<&'static str>,
    pub handler: MethodRouter<AppState>,
    /// Adds the route's OpenAPI operation (API routes; `None` for pages).
    pub doc: Option<fn(&mut crate::openapi::Operations)>,
    pub body: BodySize,
}

impl Route {
    /// The route takes a file upload (or a plan's whole draft).
    fn large(self) -> Route {
        Route { body: BodySize::Large, ..self }
    }

    /// The route takes a name and a password.
    fn sign_in(self) -> Route {
        Route { body: BodySize::SignIn, ..self }
    }
}

// The roles as the rules name them.
const ADMIN: &[Role] = &[Role::Admin];
const SECURITY: &[Role] = &[Role::SecurityAdmin];
const AUDITOR: &[Role] = &[Role::AuditAdmin];
const ADMINS: &[Role] = &[Role::Admin, Role::SecurityAdmin];
const SUPERVISOR: &[Role] = &[Role::Supervisor];
const KEEPERS: &[Role] = &[Role::Admin, Role::Supervisor];
const LEADERS: &[Role] = &[Role::Supervisor, Role::Leader];
/// The bureau's reading roles: they see every unit's work.
pub const BUREAU: &[Role] = &[Role::Admin, Role::Supervisor, Role::Leader];
/// Everyone who works with the plan: the bureau and the units.
pub const BUSINESS: &[Role] = &[Role::Admin, Role::Supervisor, Role::Leader, Role::Reporter, Role::UnitHead];
const UNITS: &[Role] = &[Role::Reporter, Role::UnitHead];
const UNIT_HEAD: &[Role] = &[Role::UnitHead];
const REVIEWERS: &[Role] = &[Role::Supervisor, Role::UnitHead];
/// Who records visits: the 督学 and the supervision office.
const VISITORS: &[Role] = &[Role::Inspector, Role::Supervisor];
/// Who reads visits and findings (each as `store::inspections::VisitScope` lets them).
const VISIT_READERS: &[Role] =
    &[Role::Admin, Role::Supervisor, Role::Leader, Role::Inspector, Role::Reporter, Role::UnitHead];
/// Who searches: everyone who works with the plan, and the 督学 (findings of their visits).
const SEARCHERS: &[Role] =
    &[Role::Admin, Role::Supervisor, Role::Leader, Role::Reporter, Role::UnitHead, Role::Inspector];
/// Who reads the 一月一督导 coverage: the bureau and the inspectors (their own).
const COVERAGE: &[Role] = &[Role::Admin, Role::Supervisor, Role::Leader, Role::Inspector];

/// The API's routes are under this prefix.
pub const API: &str = "/api/v1";

/// The table.
pub fn table() -> Vec<Route> {
    use crate::openapi::op;
    use Access::{Anyone, Roles, SignedIn};
    let api = |method: Method, path: &'static str, access, action, handler, doc| Route {
        method,
        path,
        interface: Interface::Api,
        access,
        action,
        handler,
        doc: Some(doc),
        body: BodySize::Small,
    };
    let page = |method: Method, path: &'static str, access, action, handler| Route {
        method,
        path,
        interface: Interface::Page,
        access,
        action,
        handler,
        doc: None,
        body: BodySize::Small,
    };
    let (g, p, u) = (Method::GET, Method::POST, Method::PUT);
    vec![
        // The health check and the API's description.
        api(g.clone(), "/healthz", Anyone, None, get(crate::api::healthz), op::<crate::api::__path_healthz>),
        // The metrics: open to anyone as far as sessions go; the handler admits only the
        // operator's addresses or token (`metrics_allow`, `metrics_token`), 404 otherwise.
        api(g.clone(), "/metrics", Anyone, None, get(crate::observe::metrics), op::<crate::observe::__path_metrics>),
        Route {
            method: g.clone(),
            path: "/api/v1/openapi.json",
            interface: Interface::Api,
            access: Anyone,
            action: None,
            handler: get(crate::openapi::openapi_json),
            doc: None,
            body: BodySize::Small,
        },
        // Accounts: one's own.
        api(
            p.clone(),
            "/api/v1/auth/login",
            Anyone,
            Some("login"),
            post(accounts::api_session::login),
            op::<accounts::api_session::__path_login>,
        )
        .sign_in(),
        api(
            p.clone(),
            "/api/v1/auth/logout",
            SignedIn,
            Some("logout"),
            post(accounts::api_session::logout),
            op::<accounts::api_session::__path_logout>,
        ),
        api(
            g.clone(),
            "/api/v1/me",
            SignedIn,
            None,
            get(accounts::api_session::me),
            op::<accounts::api_session::__path_me>,
        ),
        api(
            p.clone(),
            "/api/v1/me/password",
            SignedIn,
            Some("password.change"),
            post(accounts::api::change_password),
            op::<accounts::api::__path_change_password>,
        ),
        api(
            p.clone(),
            "/api/v1/me/logout-all",
            SignedIn,
            Some("logout.all"),
            post(accounts::api::logout_all),
            op::<accounts::api::__path_logout_all>,
        ),
        api(
            g.clone(),
            "/api/v1/notifications",
            Roles(BUSINESS),
            None,
            get(accounts::api_session::notifications),
            op::<accounts::api_session::__path_notifications>,
        ),
        page(g.clone(), "/", Anyone, None, get(pages::to_home)),
        page(g.clone(), "/login", Anyone, None, get(accounts::login_pages::login_form)),
        page(p.clone(), "/login", Anyone, Some("login"), post(accounts::login_pages::login)).sign_in(),
        page(p.clone(), "/logout", SignedIn, Some("logout"), post(accounts::login_pages::logout)),
        page(g.clone(), "/account/password", SignedIn, None, get(accounts::pages::password_form)),
        page(p.clone(), "/account/password", SignedIn, Some("password.change"), post(accounts::pages::change_password)),
        page(p.clone(), "/account/logout-all", SignedIn, Some("logout.all"), post(accounts::pages::logout_all)),
        // Accounts: users and roles (三员分立), the audit log, settings.
        api(
            g.clone(),
            "/api/v1/users",
            Roles(ADMINS),
            None,
            get(accounts::api_session::users),
            op::<accounts::api_session::__path_users>,
        ),
        api(
            p.clone(),
            "/api/v1/users",
            Roles(ADMIN),
            Some("user.create"),
            post(accounts::api::create_user),
            op::<accounts::api::__path_create_user>,
        ),
        api(
            p.clone(),
            "/api/v1/users/{id}/password",
            Roles(ADMINS),
            Some("user.reset_password"),
            post(accounts::api::reset_password),
            op::<accounts::api::__path_reset_password>,
        ),
        api(
            u.clone(),
            "/api/v1/users/{id}/role",
            Roles(SECURITY),
            Some("user.role"),
            put(accounts::api::set_role),
            op::<accounts::api::__path_set_role>,
        ),
        api(
            g.clone(),
            "/api/v1/users/requests",
            Roles(ADMINS),
            None,
            get(accounts::api::requests),
            op::<accounts::api::__path_requests>,
        ),
        api(
            p.clone(),
            "/api/v1/users/requests/{id}/confirm",
            Roles(ADMINS),
            Some("user.request.confirm"),
            post(accounts::api::confirm_request),
            op::<accounts::api::__path_confirm_request>,
        ),
        api(
            p.clone(),
            "/api/v1/users/requests/{id}/reject",
            Roles(ADMINS),
            Some("user.request.reject"),
            post(accounts::api::reject_request),
            op::<accounts::api::__path_reject_request>,
        ),
        api(
            g.clone(),
            "/api/v1/audit",
            Roles(AUDITOR),
            None,
            get(accounts::api::audit),
            op::<accounts::api::__path_audit>,
        ),
        api(
            g.clone(),
            "/api/v1/audit/verify",
            Roles(AUDITOR),
            None,
            get(accounts::api::verify),
            op::<accounts::api::__path_verify>,
        ),
        api(
            g.clone(),
            "/api/v1/settings",
            Roles(ADMIN),
            None,
            get(accounts::api_session::get_settings),
            op::<accounts::api_session::__path_get_settings>,
        ),
        api(
            u.clone(),
            "/api/v1/settings",
            Roles(ADMIN),
            Some("settings.update"),
            put(accounts::api_session::put_settings),
            op::<accounts::api_session::__path_put_settings>,
        ),
        page(g.clone(), "/admin/users", Roles(ADMINS), None, get(accounts::users_pages::users)),
        page(p.clone(), "/admin/users", Roles(ADMIN), Some("user.create"), post(accounts::users_pages::add_user)),
        page(
            p.clone(),
            "/admin/users/{id}/password",
            Roles(ADMINS),
            Some("user.reset_password"),
            post(accounts::pages::reset_password),
        ),
        page(p.clone(), "/admin/users/{id}/role", Roles(SECURITY), Some("user.role"), post(accounts::pages::set_role)),
        page(
            p.clone(),
            "/admin/users/requests/{id}/confirm",
            Roles(ADMINS),
            Some("user.request.confirm"),
            post(accounts::pages::confirm_request),
        ),
        page(
            p.clone(),
            "/admin/users/requests/{id}/reject",
            Roles(ADMINS),
            Some("user.request.reject"),
            post(accounts::pages::reject_request),
        ),
        page(g.clone(), "/admin/audit", Roles(AUDITOR), None, get(accounts::pages::audit)),
        page(g.clone(), "/admin/audit/export.csv", Roles(AUDITOR), None, get(accounts::pages::export)),
        // The unit directory.
        api(
            g.clone(),
            "/api/v1/units",
            Roles(BUSINESS),
            None,
            get(units::api_list::units),
            op::<units::api_list::__path_units>,
        ),
        api(
            p.clone(),
            "/api/v1/units",
            Roles(KEEPERS),
            Some("unit.create"),
            post(units::api::create_unit),
            op::<units::api::__path_create_unit>,
        ),
        api(
            g.clone(),
            "/api/v1/units/{id}",
            Roles(BUSINESS),
            None,
            get(units::api::unit_detail),
            op::<units::api::__path_unit_detail>,
        ),
        api(
            u.clone(),
            "/api/v1/units/{id}",
            Roles(KEEPERS),
            Some("unit.update"),
            put(units::api::update_unit),
            op::<units::api::__path_update_unit>,
        ),
        page(g.clone(), "/admin/units", Roles(KEEPERS), None, get(units::pages::units)),
        page(p.clone(), "/admin/units", Roles(KEEPERS), Some("unit.create"), post(units::pages::create_unit)),
        page(g.clone(), "/admin/units/export.csv", Roles(KEEPERS), None, get(units::pages::export_units)),
        page(p.clone(), "/admin/units/import", Roles(KEEPERS), Some("unit.import"), post(units::pages::import_units))
            .large(),
        page(g.clone(), "/admin/units/{id}", Roles(KEEPERS), None, get(units::pages::unit_form)),
        page(p.clone(), "/admin/units/{id}", Roles(KEEPERS), Some("unit.update"), post(units::pages::update_unit)),
        // Plans, tasks, milestones, targets, instructions.
        api(g.clone(), "/api/v1/plans", Roles(BUSINESS), None, get(plans::api::plans), op::<plans::api::__path_plans>),
        api(
            p.clone(),
            "/api/v1/plans/import",
            Roles(SUPERVISOR),
            Some("plan.import"),
            post(plans::api::import_plan),
            op::<plans::api::__path_import_plan>,
        )
        .large(),
        api(
            g.clone(),
            "/api/v1/plans/{id}",
            Roles(BUSINESS),
            None,
            get(plans::api::plan_detail),
            op::<plans::api::__path_plan_detail>,
        ),
        api(
            g.clone(),
            "/api/v1/plans/{id}/draft",
            Roles(SUPERVISOR),
            None,
            get(plans::api::get_draft),
            op::<plans::api::__path_get_draft>,
        ),
        api(
            u.clone(),
            "/api/v1/plans/{id}/draft",
            Roles(SUPERVISOR),
            Some("plan.edit"),
            put(plans::api::put_draft),
            op::<plans::api::__path_put_draft>,
        )
        .large(),
        api(
            p.clone(),
            "/api/v1/plans/{id}/publish",
            Roles(SUPERVISOR),
            Some("plan.publish"),
            post(plans::api::publish_plan),
            op::<plans::api::__path_publish_plan>,
        ),
        api(
            p.clone(),
            "/api/v1/plans/{id}/archive",
            Roles(SUPERVISOR),
            Some("plan.archive"),
            post(plans::api::archive_plan),
            op::<plans::api::__path_archive_plan>,
        ),
        api(
            g.clone(),
            "/api/v1/tasks/{id}/instructions",
            Roles(BUSINESS),
            None,
            get(plans::api::list_instructions),
            op::<plans::api::__path_list_instructions>,
        ),
        api(
            p.clone(),
            "/api/v1/tasks/{id}/instructions",
            Roles(LEADERS),
            Some("instruction.add"),
            post(plans::api::add_instruction),
            op::<plans::api::__path_add_instruction>,
        ),
        api(
            u.clone(),
            "/api/v1/milestones/{id}",
            Roles(SUPERVISOR),
            Some("milestone.schedule"),
            put(plans::api::schedule_milestone),
            op::<plans::api::__path_schedule_milestone>,
        ),
        api(
            u.clone(),
            "/api/v1/indicators/{id}",
            Roles(SUPERVISOR),
            Some("indicator.update"),
            put(plans::api::update_indicator),
            op::<plans::api::__path_update_indicator>,
        ),
        page(g.clone(), "/plans", Roles(BUSINESS), None, get(plans::pages::list)),
        page(g.clone(), "/plans/import", Roles(SUPERVISOR), None, get(plans::pages::import_form)),
        page(p.clone(), "/plans/import", Roles(SUPERVISOR), Some("plan.import"), post(plans::pages::import)).large(),
        page(g.clone(), "/plans/{id}", Roles(BUSINESS), None, get(plans::pages::show)),
        page(g.clone(), "/plans/{id}/review", Roles(SUPERVISOR), None, get(plans::pages::review)),
        page(p.clone(), "/plans/{id}/review", Roles(SUPERVISOR), Some("plan.edit"), post(plans::pages::save_draft))
            .large(),
        page(p.clone(), "/plans/{id}/publish", Roles(SUPERVISOR), Some("plan.publish"), post(plans::pages::publish)),
        page(g.clone(), "/tasks/{id}", Roles(BUSINESS), None, get(plans::pages::task)),
        page(
            p.clone(),
            "/tasks/{id}/instructions",
            Roles(LEADERS),
            Some("instruction.add"),
            post(plans::pages::add_instruction),
        ),
        page(
            p.clone(),
            "/milestones/{id}",
            Roles(SUPERVISOR),
            Some("milestone.schedule"),
            post(plans::pages::schedule_milestone),
        ),
        // Reports.
        api(
            g.clone(),
            "/api/v1/tasks",
            Roles(BUSINESS),
            None,
            get(reports::api::tasks),
            op::<reports::api::__path_tasks>,
        ),
        api(
            g.clone(),
            "/api/v1/assignments/{id}/reports/{period}",
            Roles(BUSINESS),
            None,
            get(reports::api::get_report),
            op::<reports::api::__path_get_report>,
        ),
        api(
            u.clone(),
            "/api/v1/assignments/{id}/reports/{period}",
            Roles(UNITS),
            Some("report.save"),
            put(reports::api::save_report),
            op::<reports::api::__path_save_report>,
        ),
        api(
            p.clone(),
            "/api/v1/assignments/{id}/reports/{period}/submit",
            Roles(UNITS),
            Some("report.submit"),
            post(reports::api::submit_report),
            op::<reports::api::__path_submit_report>,
        ),
        api(
            p.clone(),
            "/api/v1/assignments/{id}/reports/{period}/signoff",
            Roles(UNIT_HEAD),
            Some("report.signoff"),
            post(reports::api::signoff_report),
            op::<reports::api::__path_signoff_report>,
        ),
        api(
            p.clone(),
            "/api/v1/assignments/{id}/reports/{period}/review",
            Roles(SUPERVISOR),
            Some("report.review"),
            post(reports::api::review_report),
            op::<reports::api::__path_review_report>,
        ),
        api(
            p.clone(),
            "/api/v1/assignments/{id}/reports/{period}/evidence",
            Roles(UNITS),
            Some("report.evidence"),
            post(reports::api::upload_evidence),
            op::<reports::api::__path_upload_evidence>,
        )
        .large(),
        api(
            g.clone(),
            "/api/v1/evidence/{id}",
            Roles(BUSINESS),
            None,
            get(reports::api::download_evidence),
            op::<reports::api::__path_download_evidence>,
        ),
        api(
            p.clone(),
            "/api/v1/units/{id}/urge",
            Roles(SUPERVISOR),
            Some("unit.urge"),
            post(reports::api::urge),
            op::<reports::api::__path_urge>,
        ),
        page(g.clone(), "/assignments/{id}/reports/{period}", Roles(BUSINESS), None, get(reports::pages::form)),
        page(
            p.clone(),
            "/assignments/{id}/reports/{period}",
            Roles(UNITS),
            Some("report.save"),
            post(reports::pages::save),
        ),
        page(
            p.clone(),
            "/assignments/{id}/reports/{period}/evidence",
            Roles(UNITS),
            Some("report.evidence"),
            post(reports::pages::upload),
        )
        .large(),
        page(g.clone(), "/evidence/{id}", Roles(BUSINESS), None, get(reports::pages::download)),
        api(
            g.clone(),
            "/api/v1/review-queue",
            Roles(BUREAU),
            None,
            get(reports::api::review_queue),
            op::<reports::api::__path_review_queue>,
        ),
        api(
            p.clone(),
            "/api/v1/reviews/approve",
            Roles(SUPERVISOR),
            Some("report.approve_bulk"),
            post(reports::api::approve_bulk),
            op::<reports::api::__path_approve_bulk>,
        ),
        page(g.clone(), "/review", Roles(BUREAU), None, get(reports::pages::queue)),
        page(
            p.clone(),
            "/review/approve",
            Roles(SUPERVISOR),
            Some("report.approve_bulk"),
            post(reports::pages::approve_selected),
        ),
        page(p.clone(), "/units/{id}/urge", Roles(SUPERVISOR), Some("unit.urge"), post(reports::pages::urge)),
        page(g.clone(), "/review/{id}/{period}", Roles(BUREAU), None, get(reports::pages::review_page)),
        page(p.clone(), "/review/{id}/{period}", Roles(REVIEWERS), Some("report.review"), post(reports::pages::decide)),
        // A unit's month in one screen.
        api(
            g.clone(),
            "/api/v1/months/{period}",
            Roles(UNITS),
            None,
            get(months::api::sheet),
            op::<months::api::__path_sheet>,
        ),
        api(
            p.clone(),
            "/api/v1/months/{period}/submit",
            Roles(UNITS),
            Some("month.submit"),
            post(months::api::submit),
            op::<months::api::__path_submit>,
        ),
        page(g.clone(), "/months/{period}", Roles(UNITS), None, get(months::pages::show)),
        page(p.clone(), "/months/{period}", Roles(UNITS), Some("month.submit"), post(months::pages::submit)),
        page(p.clone(), "/months/{period}/draft", Roles(UNITS), Some("month.draft"), post(months::pages::draft)),
        // The first screens.
        api(
            g.clone(),
            "/api/v1/dashboard",
            Roles(BUREAU),
            None,
            get(dashboard::api::dashboard),
            op::<dashboard::api::__path_dashboard>,
        ),
        page(g.clone(), "/home", Roles(BUSINESS), None, get(dashboard::home_pages::home)),
        page(g.clone(), "/dashboard", Roles(BUSINESS), None, get(dashboard::pages::dashboard)),
        // Search.
        api(
            g.clone(),
            "/api/v1/search",
            Roles(SEARCHERS),
            None,
            get(search::api::search),
            op::<search::api::__path_search>,
        ),
        page(g.clone(), "/search", Roles(SEARCHERS), None, get(search::pages::search)),
        // School data and the assessments.
        api(
            g.clone(),
            "/api/v1/school-data",
            Roles(BUREAU),
            None,
            get(assess::api::history),
            op::<assess::api::__path_history>,
        ),
        api(
            p.clone(),
            "/api/v1/school-data",
            Roles(SUPERVISOR),
            Some("school_data.import"),
            post(assess::api::import),
            op::<assess::api::__path_import>,
        )
        .large(),
        api(
            g.clone(),
            "/api/v1/assess/balance",
            Roles(BUREAU),
            None,
            get(assess::api::balance),
            op::<assess::api::__path_balance>,
        ),
        api(
            g.clone(),
            "/api/v1/assess/preschool",
            Roles(BUREAU),
            None,
            get(assess::api::preschool),
            op::<assess::api::__path_preschool>,
        ),
        api(
            g.clone(),
            "/api/v1/indicator-sources",
            Roles(BUSINESS),
            None,
            get(assess::api::sources),
            op::<assess::api::__path_sources>,
        ),
        page(g.clone(), "/assess", Roles(BUREAU), None, get(assess::pages::show)),
        page(p.clone(), "/assess/import", Roles(SUPERVISOR), Some("school_data.import"), post(assess::pages::import))
            .large(),
        // Year-end scores.
        api(
            g.clone(),
            "/api/v1/plans/{id}/scores",
            Roles(BUREAU),
            None,
            get(scoring::api::scores),
            op::<scoring::api::__path_scores>,
        ),
        api(
            p.clone(),
            "/api/v1/plans/{id}/scores/publish",
            Roles(SUPERVISOR),
            Some("scores.publish"),
            post(scoring::api::publish),
            op::<scoring::api::__path_publish>,
        ),
        api(
            u.clone(),
            "/api/v1/plans/{id}/scoring-scheme",
            Roles(SUPERVISOR),
            Some("scores.scheme"),
            put(scoring::api::put_scheme),
            op::<scoring::api::__path_put_scheme>,
        ),
        api(
            p.clone(),
            "/api/v1/plans/{id}/score-adjustments",
            Roles(SUPERVISOR),
            Some("scores.adjustment"),
            post(scoring::api::add_adjustment),
            op::<scoring::api::__path_add_adjustment>,
        ),
        page(g.clone(), "/plans/{id}/scores", Roles(BUREAU), None, get(scoring::pages::show)),
        page(
            p.clone(),
            "/plans/{id}/scores/adjustments",
            Roles(SUPERVISOR),
            Some("scores.adjustment"),
            post(scoring::pages::add_adjustment),
        ),
        page(
            p.clone(),
            "/plans/{id}/scores/publish",
            Roles(SUPERVISOR),
            Some("scores.publish"),
            post(scoring::pages::publish),
        ),
        page(
            p.clone(),
            "/plans/{id}/scores/scheme",
            Roles(SUPERVISOR),
            Some("scores.scheme"),
            post(scoring::pages::save_scheme),
        ),
        // The monthly bulletin.
        api(
            g.clone(),
            "/api/v1/plans/{id}/bulletins/{period}",
            Roles(BUREAU),
            None,
            get(bulletins::api::get_bulletin),
            op::<bulletins::api::__path_get_bulletin>,
        ),
        api(
            p.clone(),
            "/api/v1/plans/{id}/bulletins/{period}/publish",
            Roles(SUPERVISOR),
            Some("bulletin.publish"),
            post(bulletins::api::publish_bulletin),
            op::<bulletins::api::__path_publish_bulletin>,
        ),
        page(g.clone(), "/plans/{id}/bulletins/{period}", Roles(BUREAU), None, get(bulletins::pages::page)),
        page(
            g.clone(),
            "/plans/{id}/bulletins/{period}/download",
            Roles(BUREAU),
            None,
            get(bulletins::pages::download),
        ),
        page(
            p.clone(),
            "/plans/{id}/bulletins/{period}/requirements",
            Roles(SUPERVISOR),
            Some("bulletin.requirements"),
            post(bulletins::pages::save_requirements),
        ),
        page(
            p.clone(),
            "/plans/{id}/bulletins/{period}/publish",
            Roles(SUPERVISOR),
            Some("bulletin.publish"),
            post(bulletins::pages::publish),
        ),
        // The public page.
        page(p.clone(), "/plans/{id}/public", Roles(SUPERVISOR), Some("plan.public"), post(public::pages::set)),
        page(
            p.clone(),
            "/plans/{id}/public/visits",
            Roles(SUPERVISOR),
            Some("plan.public_visits"),
            post(public::pages::set_visits),
        ),
        page(g.clone(), "/public/plans/{id}", Anyone, None, get(public::pages::page)),
        page(g.clone(), "/public/plans/{id}/progress.csv", Anyone, None, get(public::pages::csv)),
        // The user manual (操作手册): for everyone, signed in or not; reading only.
        page(g.clone(), "/help", Anyone, None, get(help::pages::index)),
        page(g.clone(), "/help/print", Anyone, None, get(help::pages::print)),
        page(g.clone(), "/help/{role}", Anyone, None, get(help::pages::role)),
        page(g.clone(), "/help/images/{name}", Anyone, None, get(help::pages::image)),
        // Visits (督导检查), rectification (问题整改销号), coverage and 督办件.
        api(
            p.clone(),
            "/api/v1/inspections",
            Roles(VISITORS),
            Some("inspection.create"),
            post(inspections::api::create_inspection),
            op::<inspections::api::__path_create_inspection>,
        ),
        api(
            g.clone(),
            "/api/v1/inspections",
            Roles(VISIT_READERS),
            None,
            get(inspections::api::inspections),
            op::<inspections::api::__path_inspections>,
        ),
        api(
            g.clone(),
            "/api/v1/inspections/{id}",
            Roles(VISIT_READERS),
            None,
            get(inspections::api::inspection),
            op::<inspections::api::__path_inspection>,
        ),
        api(
            p.clone(),
            "/api/v1/inspections/{id}/evidence",
            Roles(VISITORS),
            Some("inspection.evidence"),
            post(inspections::api::inspection_evidence),
            op::<inspections::api::__path_inspection_evidence>,
        )
        .large(),
        api(
            g.clone(),
            "/api/v1/rectifications",
            Roles(VISIT_READERS),
            None,
            get(inspections::api::rectifications),
            op::<inspections::api::__path_rectifications>,
        ),
        api(
            g.clone(),
            "/api/v1/rectifications/{id}",
            Roles(VISIT_READERS),
            None,
            get(inspections::api::rectification),
            op::<inspections::api::__path_rectification>,
        ),
        api(
            p.clone(),
            "/api/v1/rectifications/{id}/reports",
            Roles(UNITS),
            Some("rectification.report"),
            post(inspections::api::report),
            op::<inspections::api::__path_report>,
        ),
        api(
            p.clone(),
            "/api/v1/rectifications/{id}/evidence",
            Roles(UNITS),
            Some("rectification.evidence"),
            post(inspections::api::rectification_evidence),
            op::<inspections::api::__path_rectification_evidence>,
        )
        .large(),
        api(
            p.clone(),
            "/api/v1/rectifications/{id}/verify",
            Roles(SUPERVISOR),
            Some("rectification.verify"),
            post(inspections::api::verify),
            op::<inspections::api::__path_verify>,
        ),
        api(
            g.clone(),
            "/api/v1/inspectors",
            Roles(BUREAU),
            None,
            get(inspections::api::inspectors),
            op::<inspections::api::__path_inspectors>,
        ),
        api(
            u.clone(),
            "/api/v1/inspectors/{id}/schools",
            Roles(SUPERVISOR),
            Some("inspector.schools"),
            put(inspections::api::assign_schools),
            op::<inspections::api::__path_assign_schools>,
        ),
        api(
            g.clone(),
            "/api/v1/coverage",
            Roles(COVERAGE),
            None,
            get(inspections::api::coverage),
            op::<inspections::api::__path_coverage>,
        ),
        api(
            p.clone(),
            "/api/v1/directives",
            Roles(SUPERVISOR),
            Some("directive.create"),
            post(inspections::api::create_directive),
            op::<inspections::api::__path_create_directive>,
        ),
        api(
            g.clone(),
            "/api/v1/directives",
            Roles(BUSINESS),
            None,
            get(inspections::api::directives),
            op::<inspections::api::__path_directives>,
        ),
        api(
            g.clone(),
            "/api/v1/directives/{id}",
            Roles(BUSINESS),
            None,
            get(inspections::api::directive),
            op::<inspections::api::__path_directive>,
        ),
        api(
            p.clone(),
            "/api/v1/directives/{id}/feedback",
            Roles(UNITS),
            Some("directive.feedback"),
            post(inspections::api::feedback),
            op::<inspections::api::__path_feedback>,
        ),
        api(
            p.clone(),
            "/api/v1/directives/{id}/decide",
            Roles(SUPERVISOR),
            Some("directive.decide"),
            post(inspections::api::decide),
            op::<inspections::api::__path_decide>,
        ),
        page(g.clone(), "/inspections", Roles(VISIT_READERS), None, get(inspections::pages::list)),
        page(g.clone(), "/inspections/new", Roles(VISITORS), None, get(inspections::pages::new_form)),
        page(p.clone(), "/inspections", Roles(VISITORS), Some("inspection.create"), post(inspections::pages::create))
            .large(),
        page(g.clone(), "/inspections/{id}", Roles(VISIT_READERS), None, get(inspections::pages::show)),
        page(g.clone(), "/visits/evidence/{id}", Roles(VISIT_READERS), None, get(inspections::pages::download)),
        page(g.clone(), "/rectifications", Roles(VISIT_READERS), None, get(inspections::pages::ledger)),
        page(g.clone(), "/rectifications/export.xlsx", Roles(VISIT_READERS), None, get(inspections::pages::export)),
        page(g.clone(), "/rectifications/{id}", Roles(VISIT_READERS), None, get(inspections::pages::rectification)),
        page(
            p.clone(),
            "/rectifications/{id}/report",
            Roles(UNITS),
            Some("rectification.report"),
            post(inspections::pages::report),
        )
        .large(),
        page(
            p.clone(),
            "/rectifications/{id}/verify",
            Roles(SUPERVISOR),
            Some("rectification.verify"),
            post(inspections::pages::verify),
        ),
        page(g.clone(), "/coverage", Roles(COVERAGE), None, get(inspections::pages::coverage)),
        page(g.clone(), "/directives", Roles(BUSINESS), None, get(inspections::pages::directives)),
        page(p.clone(), "/directives", Roles(SUPERVISOR), Some("directive.create"), post(inspections::pages::register)),
        page(g.clone(), "/directives/{id}", Roles(BUSINESS), None, get(inspections::pages::directive)),
        page(
            p.clone(),
            "/directives/{id}/feedback",
            Roles(UNITS),
            Some("directive.feedback"),
            post(inspections::pages::feedback),
        ),
        page(g.clone(), "/inspectors", Roles(BUREAU), None, get(inspections::pages::inspectors)),
        page(
            p.clone(),
            "/inspectors/{id}/schools",
            Roles(SUPERVISOR),
            Some("inspector.schools"),
            post(inspections::pages::assign_schools),
        ),
        page(
            p.clone(),
            "/directives/{id}/decide",
            Roles(SUPERVISOR),
            Some("directive.decide"),
            post(inspections::pages::decide),
        ),
        // Assets compiled into the program.
        page(g.clone(), "/static/app.css", Anyone, None, get(pages::css)),
        page(g.clone(), "/static/app.js", Anyone, None, get(pages::js)),
        page(g.clone(), "/static/favicon.svg", Anyone, None, get(pages::favicon)),
        page(g.clone(), "/static/manual.css", Anyone, None, get(help::pages::css)),
        page(g, "/favicon.ico", Anyone, None, get(pages::favicon)),
    ]
}

/// What the checks need of a route, by (method, path pattern): made once from the table.
struct Entry {
    access: Access,
    action: Option<&'static str>,
    body: BodySize,
}

static INDEX: LazyLock<HashMap<(Method, &'static str), Entry>> = LazyLock::new(|| {
    table()
        .into_iter()
        .map(|r| ((r.method, r.path), Entry { access: r.access, action: r.action, body: r.body }))
        .collect()
});

/// How much body the matched route reads; a path the table does not know reads a small one.
pub fn body_size(method: &Method, path: &str) -> BodySize {
    INDEX.get(&(method.clone(), path)).map_or(BodySize::Small, |e| e.body)
}

/// What a signed-in user may reach on the matched route, before any handler's own check:
/// one's own account (the `SignedIn` routes) always, so a password can be changed; every other
/// route only once the password needs no change, and only for the roles the table names (so
/// the oversight administrators reach their own pages and nothing else). A route missing from
/// the table admits nobody.
pub fn gate(method: &Method, path: Option<&str>, user: &store::users::User) -> crate::security::Gate {
    use crate::security::Gate;
    let Some(access) = path.and_then(|p| access(method, p)) else { return Gate::Denied };
    if access == Access::SignedIn {
        Gate::Open
    } else if user.must_change_password {
        Gate::ChangePassword
    } else if access.admits(user.role) {
        Gate::Open
    } else {
        Gate::Denied
    }
}

/// The access rule of the route `path` (its pattern, as axum matched it) for `method`.
pub fn access(method: &Method, path: &str) -> Option<Access> {
    INDEX.get(&(method.clone(), path)).map(|e| e.access)
}

/// The audit action of a change: the table's name, or `http.<METHOD>` for one that has none
/// (a test keeps that from happening).
pub fn action(method: &Method, path: &str) -> String {
    INDEX.get(&(method.clone(), path)).and_then(|e| e.action).map_or_else(|| format!("http.{method}"), str::to_string)
}
